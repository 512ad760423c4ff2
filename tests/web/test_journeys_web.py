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

    journey = analyst.get("/journeys", params={"_context": 1, "journey": "get_help"}).json()[
        "context"
    ]
    assert [s["label"] for s in journey["stages"]] == [
        rt.taxonomy.label("stage", "contact", "pl"),
        rt.taxonomy.label("stage", "resolution", "pl"),
    ]
    assert journey["emotion_figure"]["data"][0]["y"]
    assert journey["paths"] and journey["moments"]
    html = analyst.get("/journeys")
    assert html.status_code == 200 and "emotion-figure" in html.text


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
    employee = login("ewa")
    assert employee.get("/journeys").status_code in (403, 303)
