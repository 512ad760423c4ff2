"""Comment analytics on the API and the Comments pages: figures, drill-down links kept in
the URL, and redaction — a PESEL or e-mail in a comment never reaches a page or the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxm.services import comment_analysis
from cxm.services.runtime import Runtime
from factories import insert_rows

Login = Callable[[str], TestClient]
PESEL = "44051401359"
EMAIL = "jan.nowak@example.pl"
TEXTS = (
    f"Pan Nowak, PESEL {PESEL}, kontakt {EMAIL}: obsługa fatalna, czekałem godzinę",
    "Great service, fast delivery :)",
    "Cena abonamentu za wysoka, nie polecam",
)


@pytest.fixture
def analysed(rt: Runtime) -> int:
    start = datetime(2025, 1, 1)
    rows = [
        {
            "external_id": f"t{i}",
            "source": "survey",
            "responded_at": start + timedelta(days=i % 120),
            "nps": (2, 10, 5)[i % 3],
            "comment": TEXTS[i % 3],
            "touchpoint": ("hotline", "invoice")[i % 2],
            "department": ("customer_service", "billing")[i % 2],
            "segment": "family",
            "updated_at": datetime(2024, 1, 1),
        }
        for i in range(120)
    ]
    insert_rows(rt, "responses", rows)
    run = comment_analysis.analyse_pending(rt)
    assert run.analysed == 120
    return run.analysed


def _no_personal_data(body: str) -> None:
    assert PESEL not in body and EMAIL not in body


def test_sentiment_api_gives_shares_by_touchpoint(login: Login, analysed: int) -> None:
    client = login("ola")
    answer = client.get("/api/v1/text/sentiment", params={"by": "touchpoint", "min_n": 5})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"]["n"] == 120
    rows = {r["touchpoint"]: r for r in body["rows"]}
    assert set(rows) == {"hotline", "invoice"}
    shares = body["total"]["sentiment"]
    assert abs(sum(shares.values()) - 100.0) < 1e-9
    assert shares["negative"] > 0 and shares["positive"] > 0
    assert set(body["total"]["emotions"]) >= {"anger", "joy", "frustration", "delight"}


def test_emotions_api_marks_cells_below_the_minimum_insufficient(
    login: Login, analysed: int
) -> None:
    body = login("ola").get("/api/v1/text/emotions", params={"grain": "month"}).json()
    assert all(r["n"] < 30 and r.get("insufficient") for r in body["rows"] if r["n"] < 30)
    assert any("emotions" in r for r in body["rows"])


def test_themes_api_gives_share_nps_and_redacted_examples(login: Login, analysed: int) -> None:
    answer = login("ola").get("/api/v1/text/themes", params={"min_n": 5, "lang": "en"})
    assert answer.status_code == 200
    _no_personal_data(answer.text)
    themes = {t["theme"]: t for t in answer.json()["themes"]}
    assert themes["price"]["n"] == 40 and abs(themes["price"]["share"] - 100 / 3) < 1e-9
    assert themes["waiting_time"]["examples"][0]["redacted_comment"].count("[PESEL]") == 1
    assert themes["delivery"]["nps"] == 100.0


def test_comments_api_filters_pages_and_redacts(login: Login, analysed: int) -> None:
    client = login("ola")
    answer = client.get(
        "/api/v1/text/comments",
        params={"sentiment": "negative", "theme": "waiting_time", "per_page": 15, "page": 2},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["total"], body["pages"], len(body["comments"])) == (40, 3, 15)
    _no_personal_data(answer.text)
    assert all("waiting_time" in c["themes"] for c in body["comments"])
    bad = client.get("/api/v1/text/comments", params={"emotion": "boredom"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "emotion"


def test_manager_sees_only_comments_of_their_department(login: Login, analysed: int) -> None:
    body = login("marek").get("/api/v1/text/comments", params={"per_page": 200}).json()
    assert body["total"] == 60


def test_analyse_endpoint_redacts_and_scores_one_text(login: Login, analysed: int) -> None:
    client = login("ola")
    answer = client.post(
        "/api/v1/text/analyse", json={"text": TEXTS[0]}, headers={"X-CSRF-Token": client.csrf}
    )
    assert answer.status_code == 200, answer.text
    _no_personal_data(answer.text)
    assert answer.json()["sentiment"] == "negative"
    # the page does the same, showing the text back only redacted
    assert client.get("/comments/analyse").status_code == 200
    form = {"text": TEXTS[0], "csrf_token": client.csrf}
    page = client.post("/comments/analyse", data=form)
    assert page.status_code == 200 and 'id="emotion-figure"' in page.text
    _no_personal_data(page.text)
    ctx = client.post("/comments/analyse?_context=1", data=form).json()["context"]
    api = answer.json()
    assert ctx["analysed"] and ctx["sentiment_key"] == api["sentiment"] == "negative"
    assert ctx["text"] == ctx["redacted"] == api["redacted"]
    assert ctx["figure"]["data"][0]["x"] == list(api["emotions"].values())
    assert client.post("/comments/analyse", data={"text": TEXTS[0]}).status_code == 403
    assert client.post("/comments/analyse", data={**form, "text": "x" * 20_001}).status_code == 422


def test_discover_api_returns_phrases_with_examples(login: Login, analysed: int) -> None:
    answer = login("ola").get("/api/v1/text/themes/discover", params={"limit": 5})
    assert answer.status_code == 200
    _no_personal_data(answer.text)
    assert all(t["count"] >= 3 and t["examples"] for t in answer.json()["themes"])


def test_comments_page_shows_figures_and_links_to_filtered_lists(
    login: Login, analysed: int
) -> None:
    client = login("ola")
    page = client.get("/comments", params={"by": "touchpoint", "department": "billing"})
    assert page.status_code == 200
    _no_personal_data(page.text)
    ctx: dict[str, Any] = client.get(
        "/comments", params={"by": "touchpoint", "_context": "1"}
    ).json()["context"]
    assert ctx["n"] == 120
    links = {r["key"]: r["link"] for r in ctx["breakdown"]}
    assert "touchpoint=hotline" in links["hotline"]
    theme_links = {t["key"]: t["link"] for t in ctx["themes"]}
    assert "theme=price" in theme_links["price"]
    assert ctx["emotion_figure"]["data"][0]["type"] == "heatmap"
    assert ctx["sentiment_figure"]["layout"]["barmode"] == "stack"
    listed = client.get(theme_links["price"] + "&_context=1").json()["context"]
    assert listed["total"] == 40 and listed["theme"] == "price"
    html = client.get(links["hotline"]).text
    _no_personal_data(html)
    assert "[PESEL]" in html


def test_employee_may_not_open_the_comments_page(login: Login, analysed: int) -> None:
    assert login("ewa").get("/comments").status_code == 403
