"""Journey analytics and key drivers through the API and the dashboard, on the small demo:
endpoints answer with the service's numbers, pages get typed contexts with charts, roles
and validation errors are enforced."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cxm.services.demo import effects, generate_demo
from cxm.services.runtime import Runtime


def test_drivers_journeys_api_and_pages_on_the_demo(
    rt: Runtime, users: dict[str, int], login: Callable[[str], TestClient]
) -> None:
    generate_demo(rt, "small", seed=7)
    analyst = login("ola")

    drivers = analyst.get("/api/v1/analysis/drivers", params={"bootstrap": 100})
    assert drivers.status_code == 200, drivers.text
    body = drivers.json()
    assert body["drivers"][0]["driver"] == effects.DOMINANT_DRIVER
    assert body["n"] > 500 and 0 < body["r2"] < 1

    jmap = analyst.get("/api/v1/analysis/journey-map", params={"journey": "buy"}).json()
    assert [s["stage"] for s in jmap["stages"]] == ["discover", "purchase"]
    assert jmap["transitions"][0]["reached"] >= jmap["transitions"][0]["converted"] > 0

    paths = analyst.get("/api/v1/analysis/paths", params={"level": "stage", "top": 3}).json()
    assert paths["paths"] and paths["paths"][0]["customers"] > 0

    moments = analyst.get("/api/v1/analysis/moments-of-truth", params={"outcome": "nps"})
    assert moments.status_code == 200 and moments.json()["outcome"] == "nps"

    page = analyst.get("/drivers", params={"_context": 1})
    assert page.status_code == 200, page.text
    ctx = page.json()["context"]
    assert ctx["rows"][0]["label"] == effects.DOMINANT_DRIVER
    assert (
        ctx["figure"]["data"][0]["type"] == "scatter"
        and len(ctx["figure"]["layout"]["shapes"]) == 2
    )
    # filters and touch-points as drivers, as the API takes them
    wanted = {"driven_by": "touchpoints", "since": "2024-06-01", "segment": "family"}
    tps = ["invoice", "hotline"]
    ctx = analyst.get("/drivers", params={"_context": 1, "driver": tps, **wanted}).json()
    ctx = ctx["context"]
    api = analyst.get(
        "/api/v1/analysis/drivers",
        params={"source": "touchpoints", "driver": tps, "since": "2024-06-01"}
        | {"where": "segment:family", "bootstrap": 200},
    ).json()
    assert ctx["n"] == api["n"] > 0 and ctx["source"] == "touchpoints"
    assert [o["key"] for o in ctx["touchpoints"] if o["selected"]] == tps
    labels = {rt.taxonomy.label("touchpoint", k, "pl") for k in tps}
    assert {r["label"] for r in ctx["rows"]} == labels
    assert [r["correlation"] for r in ctx["rows"]] == [
        f"{d['correlation']:.2f}" for d in api["drivers"]
    ]
    none = analyst.get("/drivers", params={"_context": 1, "driven_by": "touchpoints"}).json()
    assert none["context"]["message"] and not none["context"]["rows"]  # name them first
    assert analyst.get("/drivers", params={"outcome": "churn"}).status_code == 422

    journey = analyst.get("/journeys", params={"_context": 1, "journey": "get_help"}).json()[
        "context"
    ]
    stage_rows = [s["label"] for s in journey["stages"] if not s["touchpoint"]]
    assert stage_rows == [
        rt.taxonomy.label("stage", "contact", "pl"),
        rt.taxonomy.label("stage", "resolution", "pl"),
    ]
    # each stage is followed by its touch-points, with the API's numbers
    api_map = analyst.get("/api/v1/analysis/journey-map", params={"journey": "get_help"}).json()
    api_rows = [
        r
        for s in api_map["stages"]
        for r in [s, *(t for t in api_map["touchpoints"] if t["stage"] == s["stage"])]
    ]
    assert [r["interactions"] for r in journey["stages"]] == [r["interactions"] for r in api_rows]
    assert [r["responses"] for r in journey["stages"]] == [r["responses"] for r in api_rows]
    assert sum(r["touchpoint"] for r in journey["stages"]) == len(api_map["touchpoints"]) > 2
    assert journey["emotion_figure"]["data"][0]["y"]
    assert journey["paths"] and journey["moments"]
    html = analyst.get("/journeys")
    assert html.status_code == 200 and "emotion-figure" in html.text

    # the page's filters and path settings live in the URL and give the API's numbers
    wanted = {"since": "2025-01-01", "segment": "family", "level": "stage", "steps": "3"}
    ctx = analyst.get("/journeys", params={"_context": 1, "top": 4, **wanted}).json()["context"]
    assert (ctx["since"], ctx["level"], ctx["steps"], ctx["top"]) == ("2025-01-01", "stage", 3, 4)
    selected = {
        f["name"]: [o["key"] for o in f["options"] if o["selected"]] for f in ctx["filters"]
    }
    assert selected["segment"] == ["family"] and "source" not in selected
    singles = {f["name"] for f in ctx["filters"] if f["single"]}
    assert singles == {"journey"}  # radio buttons: one journey at a time, as the map needs
    page = analyst.get("/journeys", params=[("journey", "buy"), ("journey", "use")])
    assert page.status_code == 422 and "<code>journey</code>" in page.text
    html = analyst.get("/journeys").text
    assert 'type="radio" name="journey"' in html and 'type="checkbox" name="segment"' in html
    api = analyst.get(
        "/api/v1/analysis/paths",
        params={
            "level": "stage",
            "steps": 3,
            "top": 4,
            "since": "2025-01-01",
            "where": "segment:family",
        },
    ).json()
    assert ctx["path_customers"] == api["customers"] > 0
    assert [p["customers"] for p in ctx["paths"]] == [p["customers"] for p in api["paths"]]
    assert [p["share"] for p in ctx["paths"]] == [f"{100 * p['share']:.1f}" for p in api["paths"]]
    stage_names = {rt.taxonomy.label("stage", k, "pl") for k in rt.taxonomy.keys("stage")}
    assert {s for p in ctx["paths"] for s in p["steps"].split(" → ")} <= stage_names
    sankey = ctx["paths_figure"]["data"][0]
    assert sankey["type"] == "sankey" and set(sankey["node"]["label"]) <= stage_names
    moments = analyst.get(
        "/journeys", params={"_context": 1, "outcome": "nps", "min_customers": 5}
    ).json()["context"]
    assert (moments["outcome"], moments["min_customers"]) == ("nps", 5)
    by_nps = analyst.get(
        "/api/v1/analysis/moments-of-truth", params={"outcome": "nps", "min_customers": 5}
    ).json()["moments"]
    labels = [rt.taxonomy.label("touchpoint", x["touchpoint"], "pl") for x in by_nps[:10]]
    assert [x["label"] for x in moments["moments"]] == labels
    # every path puts its customers on each of its links
    on_links = sum(p["customers"] * (len(p["steps"]) - 1) for p in api["paths"])
    assert sum(sankey["link"]["value"]) == on_links > 0


def test_journey_endpoints_reject_bad_parameters_and_employees(
    users: dict[str, int], login: Callable[[str], TestClient]
) -> None:
    analyst = login("ola")
    bad = analyst.get("/api/v1/analysis/paths", params={"steps": 1})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "steps"
    bad = analyst.get("/api/v1/analysis/drivers", params={"driver": "price"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "drivers"
    bad = analyst.get("/api/v1/analysis/journey-map", params={"journey": "nowhere"})
    assert bad.json()["error"]["field"] == "journey"
    bad = analyst.get("/api/v1/analysis/journey-map", params={"where": "source:api"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "where"
    page = analyst.get("/journeys", params={"outcome": "revenue"})
    assert page.status_code == 422 and "outcome" in page.text
    page = analyst.get("/journeys", params={"steps": "many"})
    assert page.status_code == 422 and "steps" in page.text
    page = analyst.get("/journeys", params={"journey": "nowhere"})
    assert page.status_code == 422 and "nowhere" in page.text
    employee = login("ewa")
    assert employee.get("/journeys").status_code in (403, 303)
