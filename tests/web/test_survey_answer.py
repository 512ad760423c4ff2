"""The public answer page: every link problem gets its own page and status, branching across
steps without JavaScript, partial answers resumed, a second submission refused, the
response stored with the interaction's touch-point and dimensions, accessibility and
weight of each question type's page, the page language."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cxm.services import ingest
from cxm.services.runtime import Runtime
from cxm.services.surveys import funnel, invitations, tokens
from cxm.store import surveys_invitations as store
from cxm.store.bulk import utc_now
from survey_helpers import (
    ALL_TYPES,
    CSAT_SURVEY,
    publish,
    seed_customers_and_interactions,
    token_of,
)

PAGE_LIMIT = 50_000


@pytest.fixture
def survey(rt: Runtime) -> dict[str, object]:
    return publish(rt, "csat_call", CSAT_SURVEY)


def _invite(rt: Runtime, **extra: object) -> str:
    made = invitations.invite(rt, "csat_call", channel="manual", **extra)  # type: ignore[arg-type]
    return token_of(made["link"])


def test_answer_branches_resumes_and_stores_dimensions_when_linked_to_an_interaction(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    seed_customers_and_interactions(rt, 3, 3, start=utc_now() - timedelta(days=1))
    token = _invite(rt, interaction_external_id="i1", language="pl")

    first = client.get(f"/s/{token}")
    assert first.status_code == 200
    assert 'name="csat"' in first.text and 'name="why"' not in first.text
    assert "Dwa krótkie pytania." in first.text

    step = client.post(f"/s/{token}", data={"csat": "2"})
    assert step.status_code == 200
    assert 'name="why"' in step.text and 'name="feel"' in step.text  # branch taken (csat ≤ 3)

    resumed = client.get(f"/s/{token}")  # closing the tab and coming back
    assert 'name="why"' in resumed.text and 'name="csat"' not in resumed.text

    done = client.post(f"/s/{token}", data={"why": "Długo czekałem", "feel": "frustration"})
    assert done.status_code == 200 and "Dziękujemy bardzo!" in done.text

    nonce = tokens.read_invitation(rt.settings, token).value
    stored = ingest.get_response(rt, f"svy-{nonce}")
    assert stored["csat"] == 2 and stored["comment"] == "Długo czekałem"
    assert stored["answers"]["feel"] == "frustration"
    assert stored["answers"]["_survey"] == "csat_call@v1"
    assert stored["interaction_external_id"] == "i1"
    assert stored["customer_external_id"] == "c1"
    assert (stored["touchpoint"], stored["journey"], stored["stage"]) == (
        "invoice",
        "use",
        rt.taxonomy.touchpoint_placement()["invoice"][1],
    )
    assert stored["channel"] == "call_center" and stored["product"] == "tv"
    assert stored["department"] == "customer_service" and stored["process"] == "support"
    assert stored["transaction_type"] == "inquiry"
    assert stored["segment"] == "family" and stored["lifecycle_stage"] == "active"


def test_high_score_skips_the_branch_and_completes_in_two_steps(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    token = _invite(rt)
    step = client.post(f"/s/{token}", data={"csat": "5"})
    assert 'name="why"' not in step.text and 'name="feel"' in step.text
    done = client.post(f"/s/{token}", data={"feel": "joy"})
    assert done.status_code == 200
    row = funnel.survey_funnel(rt, "csat_call")[0]
    assert (row.invited, row.opened, row.started, row.completed) == (1, 1, 1, 1)


def test_second_submission_refused_politely_and_nothing_duplicated(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    token = _invite(rt)
    client.post(f"/s/{token}", data={"csat": "5"})
    assert client.post(f"/s/{token}", data={"feel": "calm"}).status_code == 200
    again = client.post(f"/s/{token}", data={"feel": "anger"})
    assert again.status_code == 409
    assert "Już odpowiedziałeś" in again.text
    assert client.get(f"/s/{token}").status_code == 409
    with rt.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM responses").scalar() == 1


def test_tampered_expired_and_unknown_links_get_their_pages(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    token = _invite(rt)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    page = client.get(f"/s/{tampered}")
    assert page.status_code == 400 and "Ten link jest nieprawidłowy" in page.text
    assert "Traceback" not in page.text
    assert client.post(f"/s/{tampered}", data={"csat": "5"}).status_code == 400

    nonce = "no-such-invitation"
    unknown = tokens.sign_invitation(rt.settings, nonce, utc_now() + timedelta(days=1))
    assert client.get(f"/s/{unknown}").status_code == 404

    real = tokens.read_invitation(rt.settings, token).value
    assert real is not None
    expired = tokens.sign_invitation(rt.settings, real, utc_now() - timedelta(minutes=1))
    page = client.get(f"/s/{expired}", headers={"Accept-Language": "en"})
    assert page.status_code == 410 and "This survey has closed" not in page.text  # invitation: pl
    assert "Ankieta jest zamknięta" in page.text
    assert client.post(f"/s/{expired}", data={"csat": "4"}).status_code == 410


def test_expiry_recorded_in_the_store_is_honoured_too(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    token = _invite(rt)
    nonce = tokens.read_invitation(rt.settings, token).value
    with rt.db.write() as conn:
        conn.exec_driver_sql(
            "UPDATE survey_invitations SET expires_at = ? WHERE nonce = ?",
            (datetime(2020, 1, 1), nonce),
        )
    assert client.get(f"/s/{token}").status_code == 410


def test_missing_required_answer_is_tied_to_its_field(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    token = _invite(rt, language="en")
    page = client.post(f"/s/{token}", data={})
    assert page.status_code == 422
    assert 'id="err-csat"' in page.text and "Please answer this question." in page.text
    fieldset = re.search(r'<fieldset id="q-csat"[^>]*>', page.text)
    assert fieldset and 'aria-describedby="err-csat"' in fieldset.group(0)
    assert 'aria-invalid="true"' in fieldset.group(0)
    assert 'href="#q-csat"' in page.text  # the error summary links to the field
    bad = client.post(f"/s/{token}", data={"csat": "9"})
    assert bad.status_code == 422 and "Please choose one of the options." in bad.text


def test_language_follows_invitation_then_browser_then_switch(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    english = client.get(f"/s/{_invite(rt, language='en')}", headers={"Accept-Language": "pl"})
    assert '<html lang="en">' in english.text and "Your call with our hotline" in english.text
    switched = client.get(f"/s/{_invite(rt, language='en')}?lang=pl")
    assert '<html lang="pl">' in switched.text and "Rozmowa z infolinią" in switched.text


@pytest.mark.parametrize(
    "qtype", ["nps", "csat", "ces", "rating", "single", "multiple", "text", "emotion"]
)
def test_each_question_type_page_is_small_self_contained_and_labelled(
    rt: Runtime, client: TestClient, qtype: str
) -> None:
    question = next(q for q in ALL_TYPES["questions"] if q["type"] == qtype)
    publish(rt, f"t_{qtype}", {"title": ALL_TYPES["title"], "questions": [question]})
    made = invitations.invite(rt, f"t_{qtype}", channel="manual")
    page = client.get(f"/s/{token_of(made['link'])}")
    assert page.status_code == 200
    assert len(page.content) < PAGE_LIMIT
    assert "<script" not in page.text and "<link" not in page.text and "src=" not in page.text
    ids = re.findall(r'<input[^>]*id="([^"]+)"', page.text) + re.findall(
        r'<textarea[^>]*id="([^"]+)"', page.text
    )
    assert ids
    for input_id in ids:
        assert f'for="{input_id}"' in page.text  # every control has a label


def test_touchpoint_link_creates_an_invitation_per_visitor(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    from cxm.services.surveys import distribution

    link = distribution.touchpoint_link(rt, "csat_call", "store_sale")
    path = link.qr_url.split("127.0.0.1:8000")[1]
    assert client.get(path).status_code == 200
    first = client.post(path, data={"csat": "5"}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/s/")
    done = client.post(first.headers["location"].split("?")[0], data={"feel": "trust"})
    assert done.status_code == 200
    rows = {
        (r.touchpoint, r.completed) for r in funnel.survey_funnel(rt, "csat_call") if not r.total
    }
    assert rows == {("store_sale", 1)}
    with rt.db.read() as conn:
        channel = conn.exec_driver_sql("SELECT channel FROM survey_invitations").scalar()
        stage = conn.exec_driver_sql("SELECT journey, touchpoint FROM responses").first()
    assert channel == "qr" and stage == ("buy", "store_sale")
    assert client.get(path.replace("/s/l/", "/s/l/x")).status_code == 400


def test_anonymous_survey_keeps_no_customer_link(rt: Runtime, client: TestClient) -> None:
    publish(rt, "anon", {**CSAT_SURVEY, "anonymous": True})
    seed_customers_and_interactions(rt, 2, 2, start=utc_now() - timedelta(days=1))
    made = invitations.invite(rt, "anon", interaction_external_id="i0", channel="manual")
    token = token_of(made["link"])
    client.post(f"/s/{token}", data={"csat": "5"})
    client.post(f"/s/{token}", data={"feel": "calm"})
    with rt.db.read() as conn:
        row = conn.exec_driver_sql(
            "SELECT customer_id, interaction_id, touchpoint, segment FROM responses"
        ).first()
        link = conn.exec_driver_sql("SELECT response_id FROM survey_invitations").scalar()
    assert row == (None, None, "hotline", "young") and link is None
    assert store.funnel_counts(rt.db)[0]["completed"] == 1


def test_unsubscribe_link_asks_then_records_the_opt_out(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    from cxm.store import surveys_records

    token = _invite(rt, email="someone@example.test")
    nonce = tokens.read_invitation(rt.settings, token).value
    assert nonce is not None
    link = f"/s/u/{tokens.sign_unsubscribe(rt.settings, nonce)}"
    page = client.get(link)
    assert page.status_code == 200 and "Zrezygnować z ankiet?" in page.text
    assert surveys_records.opted_out(rt.db) == (
        set(),
        set(),
    )  # a GET (link preview) changes nothing
    done = client.post(link)
    assert done.status_code == 200 and "Nie otrzymasz więcej ankiet" in done.text
    assert surveys_records.opted_out(rt.db)[1] == {"someone@example.test"}
    assert client.post(link + "x").status_code == 400


def test_embedded_form_may_be_framed_and_others_may_not(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    from cxm.services.surveys import distribution

    link = distribution.touchpoint_link(rt, "csat_call", "hotline")
    embed = client.get(link.embed_url.split("127.0.0.1:8000")[1])
    assert embed.headers["content-security-policy"] == "frame-ancestors *"
    assert 'action="/s/l/' in embed.text and "embed=1" in embed.text
    plain = client.get(f"/s/{_invite(rt)}")
    assert plain.headers["x-frame-options"] == "DENY"


def test_archiving_closes_open_links(
    rt: Runtime, client: TestClient, survey: dict[str, object]
) -> None:
    from cxm.services.surveys import designer

    token = _invite(rt)
    client.post(f"/s/{token}", data={"csat": "5"})  # started, not finished
    designer.archive_survey(rt, "csat_call")
    page = client.post(f"/s/{token}", data={"feel": "joy"})
    assert page.status_code == 410 and "Ankieta jest zamknięta" in page.text
