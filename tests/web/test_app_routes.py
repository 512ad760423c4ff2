"""The app's own routes: the health probe, static files and vendored scripts, matched
before the feature routers (routes are matched in order; walking them all costs about a
millisecond per request)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_probe_and_assets_come_before_every_feature_router(app: FastAPI) -> None:
    own = {
        "/openapi.json", "/healthz", "/static", "/vendor/plotly.min.js", "/vendor/swagger", "/docs"
    }  # fmt: skip
    assert {getattr(r, "path", None) for r in app.routes[: len(own)]} == own


def test_probe_and_assets_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    css = client.get("/static/cxm.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and "max-age=86400" in plotly.headers["cache-control"]
    assert "swagger-ui" in client.get("/docs").text
