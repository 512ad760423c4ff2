"""What each dashboard page is given (its typed context, pinned here) and what it shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from cxm.services.runtime import Runtime
from factories import seed_departments

Login = Callable[[str], TestClient]


def _context(session: TestClient, url: str) -> dict[str, Any]:
    sep = "&" if "?" in url else "?"
    response = session.get(f"{url}{sep}_context=1")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


PINNED = {
    "/": {
        "filters", "since", "until", "active_filters", "scope", "n", "min_n", "tiles",
        "trend_figure", "best", "worst", "touchpoints_ranked", "report_link",
    },
    "/report": {
        "filters", "since", "until", "by_choices", "grain_choices", "by", "grain", "columns",
        "rows", "total", "figure", "csv_link", "min_n",
    },
    "/comments": {
        "filters", "since", "until", "by", "by_label", "breakdowns", "grain", "grains", "n",
        "min_n", "shares", "mean_score", "breakdown", "sentiment_figure", "emotion_figure",
        "trend_figure", "themes", "discovered", "list_link",
    },
    "/compare": {
        "filters", "since", "until", "group_choices_a", "group_choices_b", "a_since", "a_until",
        "b_since", "b_until", "compared", "label_a", "label_b", "rows", "figure", "dimension",
        "metric", "dimension_choices", "metric_choices", "scan", "scan_figure",
    },
    "/changes": {
        "filters", "since", "until", "dimension", "metric", "at", "days", "dimension_choices",
        "metric_choices", "change_points", "scan", "scan_window", "figure",
    },
    "/trends": {
        "filters", "since", "until", "dimension", "metric", "grain", "key", "dimension_choices",
        "metric_choices", "grain_choices", "value_choices", "breaches", "periods", "figure",
    },
    "/pain-points": {
        "filters", "since", "until", "dimension", "dimension_choices", "uses_comments", "rows",
        "figure",
    },
    "/word-of-mouth": {
        "filters", "since", "until", "dimension", "dimension_choices", "rows", "figure",
        "volume_figure",
    },
    "/drivers": {
        "filters", "since", "until", "figure", "message", "n", "outcome", "source", "sources",
        "touchpoints", "outcome_mean", "r2", "rows",
    },
    "/journeys": {
        "emotion_figure", "emotion_source", "funnel_figure", "filters", "since",
        "until", "level", "levels", "steps", "top", "outcome", "outcomes", "min_customers",
        "map_figure", "moments", "path_customers", "paths", "paths_figure", "stages",
        "time_figure",
    },
    "/alerts": {"alerts", "status", "statuses", "evaluated"},
    "/cases": {
        "view", "rows", "statuses", "priorities", "kinds", "departments", "touchpoints", "owner",
        "breached_only", "mine",
        "open_count", "breached_count", "by_owner", "message",
    },
    "/loop": {
        "can_edit", "rules", "routes", "causes", "kinds", "priorities", "dimensions",
        "departments", "touchpoints", "defaults", "figure",
    },
    "/standards": {
        "standards", "latest", "met_share", "figure", "can_edit", "kinds", "scopes", "message",
    },
    "/admin/notifications": {
        "counts", "webhooks", "dead", "pending", "deliveries", "message", "events", "new_webhook",
    },
    "/surveys": {"surveys", "error"},
    "/ideas": {
        "ideas", "q", "status", "mine", "statuses", "touchpoints", "departments", "unread",
        "reviewer", "suggestions", "draft", "error",
    },
    "/pulse": {
        "round_id", "round_title", "survey_title", "intro", "questions", "can_answer", "answered",
        "sees_results", "k", "filters", "by", "total", "rows", "other_labels", "rounds",
        "can_open_round", "pulse_surveys", "export_link", "message", "error",
    },
    "/training": {"linked", "mine", "coverage", "courses"},
    "/scorecards": {"cards", "members", "departments"},
    "/news": {"items", "implemented", "editor"},
    "/taxonomy": {
        "company", "journeys", "vocabularies", "can_edit", "yaml_text", "error", "error_field",
        "saved",
    },
    "/data": {
        "engine", "mirror_built", "mirror_path", "mirror_lag", "mirror_age",
        "refresh_interval_seconds", "max_age_seconds", "tables", "imports", "refreshed",
    },
    "/admin/users": {
        "users", "tokens", "roles", "departments", "new_token", "new_token_name", "message",
        "error", "error_field",
    },
}  # fmt: skip
CHROME = {
    "title", "language", "languages", "path", "here", "csrf_token", "username", "role",
    "department", "nav",
}  # fmt: skip


def test_every_page_is_given_exactly_its_pinned_context(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    admin = login("ada")
    for url, keys in PINNED.items():
        body = _context(admin, url)
        assert set(body["context"]) == keys, url
        assert set(body["chrome"]) == CHROME, url
        assert [item["href"] for item in body["chrome"]["nav"]] == list(PINNED)


def test_navigation_shows_only_what_the_role_may_open(login: Login) -> None:
    chrome = _context(login("agata"), "/")["chrome"]
    assert [item["href"] for item in chrome["nav"]] == [
        "/",
        "/report",
        "/comments",
        "/cases",
        "/ideas",
        "/pulse",
        "/training",
        "/scorecards",
        "/news",
        "/taxonomy",
    ]
    assert (chrome["role"], chrome["department"]) == ("agent", "billing")


def test_overview_tiles_show_value_interval_and_n(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    ctx = _context(login("ola"), "/")["context"]
    nps, csat, ces = ctx["tiles"]
    assert (nps["metric"], nps["value"], nps["n"], nps["insufficient"]) == (
        "nps",
        "+20",
        100,
        False,
    )
    assert nps["interval"].count("–") == 1 and nps["margin"].startswith("± ")
    # 60 × CSAT 5 and 40 × CSAT 2: mean 3.8, top-2-box 60 %
    assert (csat["value"], csat["top2"]) == ("3,80", "60 %")
    assert ces["value"] == "3,60"
    assert ctx["n"] == 100 and ctx["min_n"] == 30


def test_overview_says_insufficient_instead_of_a_number_below_the_minimum(
    login: Login, rt: Runtime
) -> None:
    seed_departments(rt)
    session = login("ola")
    ctx = _context(session, "/?since=2025-07-01&until=2025-07-31&department=billing")["context"]
    assert ctx["n"] == 10
    assert all(t["insufficient"] and t["value"] == "" for t in ctx["tiles"])
    html = session.get("/?since=2025-07-01&until=2025-07-31&department=billing").text
    assert html.count("za mało danych") == 3


def test_overview_trend_has_the_nps_band_and_the_three_metrics(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    figure = _context(login("ola"), "/")["context"]["trend_figure"]
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["NPS Przedział 95%", "NPS Przedział 95%", "NPS", "CSAT", "CES"]
    high, low, nps = figure["data"][0]["y"], figure["data"][1]["y"], figure["data"][2]["y"]
    assert len(nps) == 10  # January to October
    # about 10 responses a month: every month is below the minimum of 30
    assert all(v is None for v in nps) and all(v is None for v in high + low)


def test_overview_ranks_touchpoints_with_enough_responses(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    ctx = _context(login("ola"), "/")["context"]
    assert [(r["key"], r["nps"], r["n"]) for r in ctx["best"]] == [("hotline", "+100", 60)]
    assert [(r["key"], r["nps"], r["n"]) for r in ctx["worst"]] == [("invoice", "−100", 40)]
    assert ctx["best"][0]["place"] == "Uzyskanie pomocy › Kontakt z obsługą"


def test_overview_filters_are_kept_in_the_query_string(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    ctx = _context(login("ola"), "/?segment=senior&since=2025-08-01")["context"]
    [segment] = [f for f in ctx["filters"] if f["name"] == "segment"]
    assert [o["key"] for o in segment["options"] if o["selected"]] == ["senior"]
    assert ctx["since"] == "2025-08-01" and ctx["active_filters"] == 2
    assert ctx["report_link"] == "/report?since=2025-08-01&segment=senior"
    assert ctx["n"] == 29  # billing rows (all seniors) from August on


def test_report_breaks_down_by_dimensions_with_margins(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    ctx = _context(login("ola"), "/report?by=department&by=segment")["context"]
    assert ctx["columns"] == ["Dział", "Segment"]
    assert [(r["keys"], r["n"], r["cells"][0]["value"]) for r in ctx["rows"]] == [
        (["Rozliczenia", "Seniorzy"], 40, "−100"),
        (["Obsługa klienta", "Rodziny"], 60, "+100"),
    ]
    assert ctx["total"]["n"] == 100
    assert ctx["figure"]["data"][0]["type"] == "bar"
    assert ctx["csv_link"] == "/report.csv?by=department&by=segment"


def test_report_takes_its_minimum_of_responses_from_the_url(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    analyst = login("ola")
    ctx = _context(analyst, "/report?by=department&min_n=50")["context"]
    assert ctx["min_n"] == 50 and ctx["csv_link"] == "/report.csv?by=department&min_n=50"
    shown = {r["keys"][0]: r["cells"][0]["value"] for r in ctx["rows"]}
    assert shown["Obsługa klienta"] == "+100" and shown["Rozliczenia"] != "−100"  # 40 < 50
    rows = {
        r["department"]: r for r in csv.DictReader(io.StringIO(analyst.get(ctx["csv_link"]).text))
    }
    assert rows["billing"]["nps_insufficient"] == "true" and rows["billing"]["nps"] == ""
    assert rows["customer_service"]["nps_insufficient"] == "false"
    refused = analyst.get("/report?min_n=0")
    assert refused.status_code == 422 and "<code>min_n</code>" in refused.text
    assert analyst.get("/report?min_n=many").status_code == 422


def test_report_with_a_grain_has_a_period_column(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    ctx = _context(login("ola"), "/report?by=department&grain=quarter")["context"]
    assert ctx["columns"] == ["Dział", "Kwartał"]
    # customer service answered in Q1–Q2, billing from 30 June to October
    assert [r["keys"] for r in ctx["rows"]] == [  # ordered by key: billing first
        ["Rozliczenia", "2025 Q2"],
        ["Rozliczenia", "2025 Q3"],
        ["Rozliczenia", "2025 Q4"],
        ["Obsługa klienta", "2025 Q1"],
        ["Obsługa klienta", "2025 Q2"],
    ]
    assert ctx["grain"] == "quarter"


def test_report_refuses_more_than_three_dimensions(login: Login) -> None:
    response = login("ola").get("/report?by=segment&by=channel&by=product&by=department")
    assert response.status_code == 422 and "<code>by</code>" in response.text


def test_report_csv_has_keys_counts_and_margins(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    response = login("ola").get("/report.csv?by=department")
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="cxm-report-department.csv"' in response.headers["content-disposition"]
    rows = {r["department"]: r for r in csv.DictReader(io.StringIO(response.text))}
    assert set(rows) == {"customer_service", "billing"}
    assert (rows["billing"]["n"], float(rows["billing"]["nps"])) == ("40", -100.0)
    assert rows["billing"]["nps_insufficient"] == "false"
    assert float(rows["customer_service"]["csat_top2"]) == 100.0


def test_data_page_shows_mirror_status_and_refreshes(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    analyst = login("ola")
    response = analyst.post(
        "/data/refresh",
        data={"csrf_token": analyst.csrf},  # type: ignore[attr-defined]
        follow_redirects=False,
    )
    assert response.status_code == 303
    ctx = _context(analyst, "/data?refreshed=1")["context"]
    assert ctx["mirror_built"] is True and ctx["mirror_lag"] == 0 and ctx["refreshed"]
    responses = next(t for t in ctx["tables"] if t["table"] == "responses")
    assert responses["rows"] == "100" and responses["watermark"] == 100


def test_users_page_shows_a_new_token_once(login: Login) -> None:
    admin = login("ada")
    created = admin.post(
        "/admin/tokens",
        data={"username": "ola", "name": "etl", "csrf_token": admin.csrf},  # type: ignore[attr-defined]
    )
    assert created.status_code == 200
    token = created.text.split('<code id="new-token" class="secret">')[1].split("<")[0]
    assert token.startswith("cxm_")
    assert (
        admin.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["username"]
        == "ola"
    )
    later = admin.get("/admin/users")
    assert token not in later.text and token[:12] in later.text


def test_any_user_manages_their_own_tokens_on_their_page(login: Login) -> None:
    employee = login("ewa")
    page = employee.get("/")
    assert 'href="/account/tokens"' in page.text  # the user's name in the header links there
    form = {"name": "arkusz", "csrf_token": employee.csrf}  # type: ignore[attr-defined]
    created = employee.post("/account/tokens", data=form)
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    token = created.text.split('<code id="new-token" class="secret">')[1].split("<")[0]
    bearer = {"Authorization": f"Bearer {token}"}
    assert employee.get("/api/v1/me", headers=bearer).json()["username"] == "ewa"
    listed = employee.get("/account/tokens?_context=1").json()["context"]["tokens"]
    assert [t["name"] for t in listed] == ["arkusz"] and token not in str(listed)
    # someone else's token cannot be revoked from here
    admin = login("ada")
    other = admin.post("/admin/tokens", data={"username": "ola", "name": "etl",
                                              "csrf_token": admin.csrf})  # type: ignore[attr-defined]  # fmt: skip
    assert other.status_code == 200
    theirs = next(t["id"] for t in admin.get("/api/v1/tokens").json() if t["name"] == "etl")
    refused = employee.post(f"/account/tokens/{theirs}/revoke", data={"csrf_token": employee.csrf})  # type: ignore[attr-defined]
    assert refused.status_code == 404
    revoked = employee.post(f"/account/tokens/{listed[0]['id']}/revoke",
                            data={"csrf_token": employee.csrf}, follow_redirects=False)  # type: ignore[attr-defined]  # fmt: skip
    assert revoked.status_code == 303
    assert employee.get("/api/v1/me", headers=bearer).status_code == 401


def test_users_page_reports_a_bad_form_naming_the_field(login: Login) -> None:
    admin = login("ada")
    response = admin.post(
        "/admin/users",
        data={
            "username": "kierownik",
            "password": "long-enough",
            "role": "manager",
            "department": "",
            "csrf_token": admin.csrf,  # type: ignore[attr-defined]
        },
    )
    assert response.status_code == 422
    assert "(pole: <code>department</code>)" in response.text


def test_static_assets_and_plotly_are_served_locally(client: TestClient) -> None:
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert client.get("/static/cxm.css").status_code == 200
    docs = client.get("/docs").text
    assert "/vendor/swagger/swagger-ui-bundle.js" in docs and "cdn." not in docs
    assert client.get("/vendor/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["paths"]["/api/v1/taxonomy"].keys() == {"get", "put"}


def test_data_page_lists_recent_imports(login: Login, rt: Runtime) -> None:
    from cxm.services import ingest

    summary = ingest.import_records(rt, "customers", [{"external_id": "k1", "name": "Anna"}])
    assert summary.inserted == 1
    [run] = _context(login("ola"), "/data")["context"]["imports"]
    assert (run["kind"], run["inserted"], run["rejected"]) == ("customers", "1", "0")
