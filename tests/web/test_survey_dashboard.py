"""The survey API and dashboard pages: roles, the designer form (questions, branching, texts
in both languages) and versions, distribution settings, links and QR codes, trigger rules
and the decision log, the funnel — all usable without the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from cxm.services.runtime import Runtime
from cxm.store.bulk import utc_now
from survey_helpers import CSAT_SURVEY, seed_customers_and_interactions

Login = Callable[[str], TestClient]


def _api(session: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": session.csrf}  # type: ignore[attr-defined]


def test_api_creates_edits_publishes_and_versions_a_survey(login: Login) -> None:
    ola = login("ola")
    body = {"key": "csat_call", "name": "CSAT", "definition": CSAT_SURVEY}
    created = ola.post("/api/v1/surveys", json=body, headers=_api(ola))
    assert created.status_code == 201 and created.json()["status"] == "draft"
    assert ola.post("/api/v1/surveys", json=body, headers=_api(ola)).status_code == 409
    bad = ola.post(
        "/api/v1/surveys",
        json={"key": "x", "definition": {"title": {"pl": "x"}, "questions": []}},
        headers=_api(ola),
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "questions"

    published = ola.post("/api/v1/surveys/csat_call/publish", headers=_api(ola)).json()
    assert published["current_version"] == 1 and published["status"] == "live"
    edited = {**CSAT_SURVEY, "questions": CSAT_SURVEY["questions"][:1]}
    put = ola.put("/api/v1/surveys/csat_call", json={"definition": edited}, headers=_api(ola))
    assert put.json()["current_version"] == 2  # editing a live survey makes a new version
    v1 = ola.get("/api/v1/surveys/csat_call/versions/1").json()
    assert len(v1["definition"]["questions"]) == 3
    assert [s["key"] for s in ola.get("/api/v1/surveys").json()] == ["csat_call"]

    dist = ola.put(
        "/api/v1/surveys/csat_call/distribution",
        json={"expiry_days": 5, "reminder_after_hours": 24},
        headers=_api(ola),
    )
    assert dist.json()["expiry_days"] == 5
    assert (
        ola.put(
            "/api/v1/surveys/csat_call/distribution", json={"expiry_days": 0}, headers=_api(ola)
        ).status_code
        == 422
    )
    invited = ola.post(
        "/api/v1/surveys/csat_call/invitations", json={"channel": "manual"}, headers=_api(ola)
    )
    assert invited.status_code == 201 and "/s/" in invited.json()["link"]
    links = ola.get("/api/v1/surveys/csat_call/links/hotline").json()
    assert "<iframe" in links["snippet"]
    png = ola.get(links["qr_png"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    svg = ola.get(links["qr_svg"])
    assert svg.headers["content-type"].startswith("image/svg+xml")
    funnel = ola.get("/api/v1/surveys/csat_call/funnel").json()
    assert funnel[0]["invited"] == 1 and funnel[0]["total"] is True


def test_api_is_closed_to_other_roles_and_anonymous(login: Login, client: TestClient) -> None:
    assert client.get("/api/v1/surveys").status_code == 401
    assert login("marek").get("/api/v1/surveys").status_code == 403
    assert login("agata").get("/api/v1/survey-triggers").status_code == 403


def test_trigger_api_rules_run_and_decision_log(login: Login, rt: Runtime) -> None:
    ola = login("ola")
    ola.post(
        "/api/v1/surveys", json={"key": "csat_call", "definition": CSAT_SURVEY}, headers=_api(ola)
    )
    ola.post("/api/v1/surveys/csat_call/publish", headers=_api(ola))
    seed_customers_and_interactions(rt, 5, 15, start=utc_now() - timedelta(hours=2))
    rule = ola.post(
        "/api/v1/survey-triggers",
        json={
            "survey": "csat_call",
            "touchpoint": "hotline",
            "delay_minutes": 0,
            "quiet_start": None,
            "quiet_end": None,
        },
        headers=_api(ola),
    )
    assert rule.status_code == 201, rule.text
    settings = ola.put(
        "/api/v1/survey-triggers/settings", json={"global_fatigue_days": 10}, headers=_api(ola)
    )
    assert settings.json()["global_fatigue_days"] == 10
    run = ola.post("/api/v1/survey-triggers/run", headers=_api(ola)).json()
    assert run == {"invited": 3, "no_rule": 10, "no_email": 1, "no_consent": 1}
    log = ola.get("/api/v1/survey-triggers/decisions?reason=invited").json()
    assert log["counts"]["invited"] == 3 and len(log["decisions"]) == 3
    assert all(d["invitation_id"] for d in log["decisions"])
    changed = ola.put(
        f"/api/v1/survey-triggers/{rule.json()['id']}",
        json={"sampling_percent": 10},
        headers=_api(ola),
    )
    assert changed.json()["sampling_percent"] == 10
    assert (
        ola.delete(f"/api/v1/survey-triggers/{rule.json()['id']}", headers=_api(ola)).status_code
        == 204
    )
    assert ola.get("/api/v1/survey-triggers").json() == []


def test_designer_page_creates_edits_branches_and_publishes(login: Login) -> None:
    ola = login("ola")
    csrf = ola.csrf  # type: ignore[attr-defined]
    created = ola.post(
        "/surveys",
        data={
            "key": "nps_rel",
            "name": "Relacja",
            "title_pl": "Relacja",
            "title_en": "Relationship",
            "kind": "relationship",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303 and created.headers["location"] == "/surveys/nps_rel"
    page = ola.get("/surveys/nps_rel?_context=1").json()["context"]
    assert [q["key"] for q in page["questions"]] == ["nps", ""]  # the starter + an empty row

    form = {
        "csrf_token": csrf,
        "count": "1",
        "name": "Relacja",
        "title_pl": "Relacja",
        "title_en": "Relationship",
        "thank_you_pl": "Dzięki",
        "thank_you_en": "Thanks",
        "q0_key": "nps",
        "q0_type": "nps",
        "q0_required": "1",
        "q0_position": "0",
        "q0_text_pl": "Polecisz nas?",
        "q0_text_en": "Would you recommend us?",
        "q1_key": "why",
        "q1_type": "single",
        "q1_position": "1",
        "q1_text_pl": "Dlaczego nie?",
        "q1_text_en": "Why not?",
        "q1_choices": "price | Cena | Price\nservice | Obsługa | Service",
        "q1_cond_question": "nps",
        "q1_cond_op": "lte",
        "q1_cond_value": "6",
    }
    saved = ola.post("/surveys/nps_rel/design", data=form, follow_redirects=False)
    assert saved.status_code == 303
    survey = ola.get("/api/v1/surveys/nps_rel").json()
    why = survey["draft"]["questions"][1]
    assert why["show_if"] == [{"question": "nps", "op": "lte", "value": 6}]
    assert why["choices"][1] == {"key": "service", "text": {"pl": "Obsługa", "en": "Service"}}

    broken = {**form, "q1_cond_question": "later"}
    refused = ola.post("/surveys/nps_rel/design", data=broken)
    assert refused.status_code == 422 and "later" in refused.text

    assert ola.post("/surveys/nps_rel/publish", data={"csrf_token": csrf}).status_code == 200
    live = ola.get("/surveys/nps_rel?touchpoint=store_sale")
    assert 'id="touchpoint-link"' in live.text and "<svg" in live.text
    assert (
        ola.post(
            "/surveys/nps_rel/distribution",
            data={
                "csrf_token": csrf,
                "expiry_days": "3",
                "reminder_after_hours": "0",
                "fatigue_days": "60",
                "default_language": "en",
            },
        ).status_code
        == 200
    )
    assert ola.get("/api/v1/surveys/nps_rel").json()["distribution"]["expiry_days"] == 3
    invite = ola.post("/surveys/nps_rel/invite", data={"csrf_token": csrf, "email": ""})
    assert "/s/" in invite.text
    listing = ola.get("/surveys?_context=1").json()["context"]["surveys"]
    assert listing[0]["invited"] == 1 and listing[0]["version"] == 1
    assert ola.post("/surveys/nps_rel/publish", data={}).status_code == 403  # no CSRF token
    # an invitation through a chosen channel; a bad one is named
    qr = ola.post("/surveys/nps_rel/invite", data={"csrf_token": csrf, "channel": "qr"})
    assert qr.status_code == 200 and "/s/" in qr.text
    bad = ola.post("/surveys/nps_rel/invite", data={"csrf_token": csrf, "channel": "pigeon"})
    assert bad.status_code == 422 and "pigeon" in bad.text
    unknown = ola.post("/surveys/nps_rel/invite", data={"csrf_token": csrf, "customer": "nobody"})
    assert unknown.status_code == 422
    # each published version lists its questions; archiving stops collecting answers
    versions = ola.get("/surveys/nps_rel?_context=1").json()["context"]["versions"]
    assert [v["number"] for v in versions] == [1] and len(versions[0]["questions"]) == 2
    archived = ola.post(
        "/surveys/nps_rel/archive", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert archived.status_code == 303
    assert ola.get("/api/v1/surveys/nps_rel").json()["status"] == "archived"
    assert ola.get("/api/v1/surveys/nps_rel/versions/9").status_code == 404


class _FormFields(HTMLParser):
    """What a browser submits from one form of a page: named inputs (checked boxes only),
    the selected option of each select, textareas; in document order."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside = action, False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif not self.inside or not (a.get("name") or tag == "option"):
            return
        elif tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select is not None and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))

    def form(self) -> dict[str, list[str]]:
        """The fields as a request body: a name's values in order."""
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        return out

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def test_designer_save_keeps_scale_labels_and_every_condition(login: Login) -> None:
    ola = login("ola")
    questions = [
        {"key": "nps", "type": "nps", "text": {"pl": "Polecisz?", "en": "Recommend?"}},
        {"key": "speed", "type": "rating", "scale_min": 1, "scale_max": 7,
         "low_label": {"pl": "Wolno", "en": "Slow"}, "high_label": {"pl": "Szybko", "en": "Fast"},
         "text": {"pl": "Tempo", "en": "Speed"}},
        {"key": "why", "type": "text", "text": {"pl": "Dlaczego?", "en": "Why?"},
         "show_if": [{"question": "nps", "op": "lte", "value": 6},
                     {"question": "speed", "op": "in", "value": [1, 2]}]},
    ]  # fmt: skip
    definition = {"title": {"pl": "Tempo", "en": "Speed"}, "questions": questions}
    body = {"key": "speed", "definition": definition}
    assert ola.post("/api/v1/surveys", json=body, headers=_api(ola)).status_code == 201
    before = ola.get("/api/v1/surveys/speed").json()["draft"]

    parser = _FormFields("/surveys/speed/design")
    parser.feed(ola.get("/surveys/speed").text)
    saved = ola.post("/surveys/speed/design", data=parser.form(), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = ola.get("/api/v1/surveys/speed").json()["draft"]
    assert after["questions"] == before["questions"]  # nothing lost in a save
    assert after["questions"][2]["show_if"][1] == {"question": "speed", "op": "in", "value": [1, 2]}
    assert after["questions"][1]["low_label"] == {"pl": "Wolno", "en": "Slow"}

    parser.fields.append(("q2_cond_question", "speed"))  # the empty row, filled in
    parser.fields.append(("q2_cond_op", "answered"))
    parser.fields.append(("q2_cond_value", ""))
    ola.post("/surveys/speed/design", data=parser.form())
    third = ola.get("/api/v1/surveys/speed").json()["draft"]["questions"][2]["show_if"][2]
    assert third == {"question": "speed", "op": "answered"}


def test_triggers_page_adds_rules_and_shows_decisions(login: Login, rt: Runtime) -> None:
    ola = login("ola")
    csrf = ola.csrf  # type: ignore[attr-defined]
    ola.post(
        "/api/v1/surveys", json={"key": "csat_call", "definition": CSAT_SURVEY}, headers=_api(ola)
    )
    ola.post("/api/v1/surveys/csat_call/publish", headers=_api(ola))
    seed_customers_and_interactions(rt, 5, 15, start=utc_now() - timedelta(hours=2))
    added = ola.post(
        "/surveys/triggers/rules",
        data={
            "csrf_token": csrf,
            "survey": "csat_call",
            "touchpoint": "hotline",
            "delay_minutes": "0",
            "sampling_percent": "100",
            "quiet_start": "",
            "quiet_end": "",
            "active": "1",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    ran = ola.post("/surveys/triggers/run", data={"csrf_token": csrf})
    assert ran.status_code == 200
    ctx = ola.get("/surveys/triggers?_context=1").json()["context"]
    assert len(ctx["rules"]) == 1 and ctx["watermark"] == 15
    assert {c[0]: c[2] for c in ctx["counts"]} == {
        "invited": 3,
        "no_rule": 10,
        "no_email": 1,
        "no_consent": 1,
    }
    page = ola.get("/surveys/triggers?reason=no_consent")
    assert page.status_code == 200 and "brak zgody" in page.text
    nav = ola.get("/surveys/triggers?_context=1").json()["chrome"]["nav"]
    assert any(item["href"] == "/surveys" for item in nav)
