"""The analysis API and pages on the small demo: what each page is given (its context),
that significant changes — and only they — are marked, roles and department scope, errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_helpers import web_settings_for

from cxm.analytics import reset_engines
from cxm.config import Settings
from cxm.services.demo import generate_demo
from cxm.services.runtime import Runtime, open_runtime

Login = Callable[[str], TestClient]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data_dir = tmp_path_factory.mktemp("analysis-web") / "cxm-data"
    rt = open_runtime(web_settings_for(data_dir))
    try:
        generate_demo(rt, "small", seed=7)
    finally:
        rt.close()
    yield data_dir
    reset_engines()


@pytest.fixture
def web_settings(demo_dir: Path) -> Settings:
    return web_settings_for(demo_dir)


def context(client: TestClient, url: str) -> dict:
    response = client.get(url + ("&" if "?" in url else "?") + "_context=1")
    assert response.status_code == 200, response.text
    return response.json()["context"]


def count(shown: str) -> int:
    """A whole number as a page shows it (grouped with spaces in Polish)."""
    return int("".join(ch for ch in shown if ch.isdigit()))


def test_changes_page_marks_only_the_deteriorating_touchpoint(login: Login) -> None:
    ctx = context(login("ola"), "/changes?at=2025-05-12&days=120")
    marked = {r["key"] for r in ctx["change_points"] if r["significant"]}
    assert marked == {"mobile_app_use"}
    app_row = next(r for r in ctx["change_points"] if r["key"] == "mobile_app_use")
    assert app_row["at"] == "2025-05-12"
    api = login("ola").get("/api/v1/analysis/change-points").json()["rows"]
    change = next(r for r in api if r["touchpoint"] == "mobile_app_use")["change"]
    assert (count(app_row["n_before"]), count(app_row["n_after"])) == (
        change["n_before"],
        change["n_after"],
    )
    assert all((r["p_value"] == "—") == r["insufficient"] for r in ctx["scan"])
    assert {r["label"] for r in ctx["scan"] if r["significant"]} == {app_row["label"]}
    # a short window leaves some values too few responses: shown, marked, listed last
    short = context(login("ola"), "/changes?at=2025-05-12&days=3")["scan"]
    untested = [r for r in short if r["insufficient"]]
    assert untested and short[-len(untested) :] == untested
    assert all(r["q_value"] == "—" and not r["significant"] for r in untested)
    colours = ctx["figure"]["data"][0]["marker"]["color"]
    assert colours.count("#c0392b") == 1
    html = login("ola").get("/changes").text
    assert 'data-figure="changes-figure"' in html


def test_pain_points_page_ranks_billing_first_by_department(login: Login) -> None:
    ctx = context(login("ada"), "/pain-points?by=department")
    assert ctx["rows"][0]["key"] == "billing"
    bars = ctx["figure"]["data"][0]
    assert bars["y"][-1] == ctx["rows"][0]["label"]  # the top bar of the chart
    themes = context(login("ada"), "/pain-points?by=theme")
    # themes come from analysed comments (none: an empty ranking, not an error)
    assert themes["uses_comments"] == bool(themes["rows"])


def test_analysis_pages_apply_the_filter_bar_as_the_api_does(login: Login) -> None:
    client = login("ada")
    url = "/pain-points?by=department&segment=senior&since=2025-01-01"
    ctx = context(client, url)
    assert (ctx["since"], ctx["until"]) == ("2025-01-01", "")
    segment = next(f for f in ctx["filters"] if f["name"] == "segment")
    assert [o["key"] for o in segment["options"] if o["selected"]] == ["senior"]
    api = client.get(
        "/api/v1/analysis/pain-points",
        params={"by": "department", "where": "segment:senior", "since": "2025-01-01"},
    ).json()
    assert [r["key"] for r in ctx["rows"]] == [r["key"] for r in api["rows"]]
    assert [count(r["n"]) for r in ctx["rows"]] == [r["n"] for r in api["rows"]]
    everyone = context(client, "/pain-points?by=department")
    assert sum(count(r["n"]) for r in ctx["rows"]) < sum(count(r["n"]) for r in everyone["rows"])

    wom = context(client, "/word-of-mouth?by=segment&channel=call_center")
    assert "source" not in {f["name"] for f in wom["filters"]}  # it is split by source
    trends = context(client, "/trends?metric=nps&grain=month&since=2025-06-01")
    assert trends["since"] == "2025-06-01"
    changes = context(client, "/changes?segment=young")
    assert changes["change_points"] and changes["filters"]
    for dimension, value in (("stage", "billing"), ("language", "en")):
        overview = context(client, f"/?{dimension}={value}")
        api = client.get("/api/v1/metrics", params={"where": f"{dimension}:{value}"}).json()
        assert overview["n"] == api["total"]["n"] > 0, dimension
    bad = client.get("/pain-points?segment=martians")
    assert bad.status_code == 422 and "martians" in bad.text


def test_compare_page_marks_the_planted_drop_and_scans_as_the_api_does(login: Login) -> None:
    client = login("ola")
    empty = context(client, "/compare")
    assert not empty["compared"] and not empty["rows"] and empty["scan"]

    app = "touchpoint:mobile_app_use"
    url = f"/compare?a={app}&a_since=2025-05-12&b={app}&b_until=2025-05-11"
    ctx = context(client, url)
    assert ctx["compared"] and len(ctx["rows"]) == 4
    nps = ctx["rows"][0]
    assert nps["significant"] and nps["difference"].startswith("−")  # after the planted drop
    api = client.get(
        "/api/v1/analysis/compare",
        params={"a": app, "a_since": "2025-05-12", "b": app, "b_until": "2025-05-11"},
    ).json()["rows"][0]
    assert count(nps["n_a"]) == api["n_a"] and count(nps["n_b"]) == api["n_b"]
    assert ctx["figure"]["data"][0]["x"][0] == pytest.approx(api["difference"])

    scan = context(client, "/compare?dimension=segment&metric=csat")
    api_scan = client.get(
        "/api/v1/analysis/scan", params={"dimension": "segment", "metric": "csat"}
    ).json()["rows"]
    marked = {r["segment"] for r in api_scan if r["significant"]}
    labels = {r["label"] for r in scan["scan"] if r["significant"]}
    assert len(labels) == len(marked)
    colours = scan["scan_figure"]["data"][0]["marker"]["color"]
    assert colours.count("#c0392b") == len(marked)

    bad = client.get("/compare?a=segment:martians")
    assert bad.status_code == 422 and "martians" in bad.text


def test_word_of_mouth_trends_and_alerts_pages_render(login: Login, rt: Runtime) -> None:
    client = login("ola")
    wom = context(client, "/word-of-mouth?by=touchpoint")
    assert wom["rows"] and len(wom["volume_figure"]["data"]) == 2
    tested = [r for r in wom["rows"] if r["p_value"] != "—"]
    assert tested and all(r["interval"].startswith("[") for r in tested)
    assert all(float(r["p_value"].lstrip("< ")) >= 0 for r in tested)
    trends = context(client, "/trends?metric=nps&grain=month")
    assert trends["key"] == "mobile_app_use"
    assert trends["breaches"] and all(p >= "2025-05" for p in trends["breaches"])
    # every period with its responses; the breaches are the periods marked below the limit
    periods = trends["periods"]
    assert [p["period"] for p in periods if p["below"]] == trends["breaches"]
    assert all(int(p["n"].replace("\xa0", "").replace(",", "")) > 0 for p in periods)
    assert all(p["z"].startswith("−") for p in periods if p["below"])
    assert (
        client.post("/api/v1/alerts/evaluate", headers={"X-CSRF-Token": client.csrf}).status_code
        == 200
    )
    alerts = context(client, "/alerts")["alerts"]
    assert any("trend_link" in a and "mobile_app_use" in a["trend_link"] for a in alerts)
    # the page checks again, acknowledges and closes, and filters by status, as the API does
    checked = client.post("/alerts/evaluate", data={"csrf_token": client.csrf})
    assert checked.status_code == 200 and 'id="evaluated"' in checked.text
    first = alerts[0]["id"]
    form = {"csrf_token": client.csrf, "status": "acknowledged", "shown": "open"}
    moved = client.post(f"/alerts/{first}/status", data=form, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/alerts?status=open"
    assert first not in {a["id"] for a in context(client, "/alerts?status=open")["alerts"]}
    acknowledged = context(client, "/alerts?status=acknowledged")["alerts"]
    assert [a["id"] for a in acknowledged] == [first]
    api = client.get("/api/v1/alerts", params={"status": "acknowledged"}).json()["alerts"]
    assert [a["id"] for a in api] == [first]
    client.post(f"/alerts/{first}/status", data={"csrf_token": client.csrf, "status": "closed"})
    assert context(client, "/alerts?status=closed")["alerts"][0]["id"] == first
    no_token = client.post(f"/alerts/{first}/status", data={"status": "open"})
    assert no_token.status_code == 403
    assert client.get("/alerts?status=gone").status_code == 422
    pages = ("/compare?a=segment:senior", "/changes", "/trends", "/pain-points", "/alerts")
    for path in (*pages, "/word-of-mouth"):
        page = client.get(path)
        assert page.status_code == 200 and "<html" in page.text.lower(), path


def test_api_compare_scan_changes_and_pain_points(login: Login) -> None:
    client = login("ola")
    compare = client.get("/api/v1/analysis/compare", params={"a": "department:billing"}).json()
    nps = next(r for r in compare["rows"] if r["metric"] == "nps")
    assert nps["difference"] < 0 and nps["p_value"] < 1e-6 and nps["high"] < 0
    periods = client.get(
        "/api/v1/analysis/compare",
        params={
            "where": "touchpoint:mobile_app_use",
            "a_since": "2025-05-12",
            "a_until": "2025-08-31",
            "b_since": "2025-01-12",
            "b_until": "2025-05-11",
        },
    ).json()
    assert next(r for r in periods["rows"] if r["metric"] == "nps")["p_value"] < 0.001
    scan = client.get("/api/v1/analysis/scan", params={"dimension": "department"}).json()
    assert any(r["department"] == "billing" and r["significant"] for r in scan["rows"])
    changes = client.get("/api/v1/analysis/changes", params={"at": "2025-05-12", "days": 120})
    flagged = {r["touchpoint"] for r in changes.json()["rows"] if r["significant"]}
    assert flagged == {"mobile_app_use"}
    points = client.get("/api/v1/analysis/change-points").json()["rows"]
    assert points[0]["touchpoint"] == "mobile_app_use" and points[0]["significant"]
    pain = client.get("/api/v1/analysis/pain-points", params={"by": "department"}).json()
    assert pain["rows"][0]["key"] == "billing"
    charts = client.get("/api/v1/analysis/control-charts", params={"grain": "week"}).json()
    assert charts["series"] and "lower" in charts["series"][0]["points"][0]
    wom = client.get("/api/v1/analysis/word-of-mouth").json()
    assert wom["gaps"] and wom["volume"]


def test_api_errors_use_the_error_shape(login: Login) -> None:
    client = login("ola")
    bad_metric = client.get("/api/v1/analysis/scan", params={"metric": "bogus"})
    assert bad_metric.status_code == 422
    assert bad_metric.json()["error"]["field"] == "metric"
    bad_dim = client.get("/api/v1/analysis/pain-points", params={"by": "planet"})
    assert bad_dim.json()["error"]["code"] == "validation_failed"
    bad_where = client.get("/api/v1/analysis/compare", params={"a": "nocolon"})
    assert bad_where.json()["error"]["field"] == "a"
    missing = client.post(
        "/api/v1/alerts/999999/status",
        params={"status": "closed"},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert missing.status_code == 404


def test_roles_and_department_scope(login: Login) -> None:
    agent = login("agata")  # agent in billing
    assert agent.get("/changes").status_code == 403
    assert agent.get("/api/v1/alerts").status_code == 403
    manager = login("marek")  # manager of customer service: sees only that department
    pain = manager.get("/api/v1/analysis/pain-points", params={"by": "department"}).json()
    assert {r["key"] for r in pain["rows"]} == {"customer_service"}
    sneaky = manager.get(
        "/api/v1/analysis/compare", params={"a": "department:billing"}
    ).json()  # asking for another department yields nothing from it
    assert all(r["n_a"] == 0 for r in sneaky["rows"])


def test_server_schedules_alert_evaluation_with_the_mirror_refresh(tmp_path: Path) -> None:
    from cxm.web.app import create_app

    app = create_app(web_settings_for(tmp_path / "d", mirror_refresh_interval_seconds=3600))
    with TestClient(app):
        task = app.state.background.get("alerts")
        assert task is not None and task.running and task.name == "alerts"
    assert not task.running
    quiet = create_app(web_settings_for(tmp_path / "e"))  # refresh off in tests: no alerts task
    with TestClient(quiet):
        assert "alerts" not in quiet.state.background
