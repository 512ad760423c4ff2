"""The loop in the web app: the case inbox per role with filters and bulk actions, the case
page with the customer's (redacted) context, the cases API within department scope, the
standards page's chart, the notifications admin (dead letters replayed) and the public
recontact page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from cxm.domain.access import Principal
from cxm.services import ingest
from cxm.services.loop import cases, notifications, setup, standards
from cxm.services.loop.jobs import run_jobs
from cxm.services.runtime import Runtime
from cxm.store import loop_store as ls

Login = Callable[[str], TestClient]
NOW = datetime(2026, 11, 10, 13, 0)
ADMIN = Principal(1, "ada", "admin")


def _seed(rt: Runtime) -> None:
    setup.install_defaults(rt, now=NOW)
    setup.add_route(rt, "billing", touchpoint="invoice", owner="agata",
                    owner_email="agata@firma.pl", manager="marek", now=NOW)  # fmt: skip
    ingest.import_records(rt, "customers", [
        {"external_id": "k1", "name": "Jan Kowalski", "email": "jan@example.pl",
         "consent_email": "tak"},
    ])  # fmt: skip
    ingest.import_records(rt, "responses", [
        {"external_id": "b1", "customer_external_id": "k1", "responded_at": "2026-11-09",
         "nps": 1, "touchpoint": "invoice",
         "comment": "Dzwońcie na 601 234 567, faktura jest zła"},
        {"external_id": "b2", "customer_external_id": "k1", "responded_at": "2026-11-08",
         "nps": 9, "touchpoint": "invoice"},
        {"external_id": "h1", "responded_at": "2026-11-09", "nps": 2, "touchpoint": "hotline"},
    ])  # fmt: skip
    run_jobs(rt, ["rules"], now=NOW)


def test_agent_inbox_shows_own_department_and_manager_view_summarises_owners(
    rt: Runtime, login: Login
) -> None:
    _seed(rt)
    agent = login("agata").get("/cases?_context=1").json()["context"]
    assert agent["view"] == "agent"
    assert [r["department"] for r in agent["rows"]] == [rt.taxonomy.label("department", "billing")]
    billing_ids = {c["id"] for c in cases.list_cases(rt, ADMIN, department="billing")}
    assert {r["id"] for r in agent["rows"]} == billing_ids and len(billing_ids) == 1
    manager = login("marek").get("/cases?view=manager&_context=1").json()["context"]
    service_ids = {c["id"] for c in cases.list_cases(rt, ADMIN, department="customer_service")}
    assert {r["id"] for r in manager["rows"]} == service_ids and len(service_ids) == 1
    assert manager["by_owner"] == [{"owner": "—", "open": 1, "breached": 0}]
    assert login("ewa").get("/cases").status_code == 403


def test_bulk_action_moves_selected_cases_and_case_page_shows_redacted_context(
    rt: Runtime, login: Login
) -> None:
    _seed(rt)
    client = login("agata")
    (case,) = cases.list_cases(rt, ADMIN, department="billing")
    answer = client.post(
        "/cases/bulk",
        data={"csrf_token": client.csrf, "ids": [str(case["id"])], "action": "status",  # type: ignore[attr-defined]
              "value": "acknowledged", "back": "/cases"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert cases.get_case(rt, case["id"], ADMIN)["status"] == "acknowledged"
    page = client.get(f"/cases/{case['id']}?_context=1").json()["context"]
    assert page["case"]["status_key"] == "acknowledged"
    assert page["customer"]["external_id"] == "k1"
    comments = [r["comment"] for r in page["responses"] if r["comment"]]
    assert comments and "601 234 567" not in comments[0]
    assert [s["key"] for s in page["next_statuses"]] == [
        "in_progress", "waiting_customer", "resolved",
    ]  # fmt: skip
    html = client.get(f"/cases/{case['id']}").text
    assert "601 234 567" not in html and "case-events" in html


def test_cases_api_opens_moves_and_hides_other_departments(rt: Runtime, login: Login) -> None:
    _seed(rt)
    agent = login("agata")
    headers = {"X-CSRF-Token": agent.csrf}  # type: ignore[attr-defined]
    made = agent.post("/api/v1/cases", json={"title": "Telefon klienta"}, headers=headers)
    assert made.status_code == 201 and made.json()["case"]["department"] == "billing"
    case_id = made.json()["case"]["id"]
    moved = agent.post(f"/api/v1/cases/{case_id}/status", json={"status": "closed"},
                       headers=headers)  # fmt: skip
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "conflict"
    moved = agent.post(f"/api/v1/cases/{case_id}/status", json={"status": "in_progress"},
                       headers=headers)  # fmt: skip
    assert moved.status_code == 200 and moved.json()["case"]["first_response_at"] is not None
    (hotline,) = cases.list_cases(rt, ADMIN, department="customer_service")
    assert agent.get(f"/api/v1/cases/{hotline['id']}").status_code == 404
    assert login("marek").get(f"/api/v1/cases/{hotline['id']}").status_code == 200


def test_cases_page_opens_a_case_and_filters_by_department(rt: Runtime, login: Login) -> None:
    _seed(rt)
    manager = login("marek")  # customer service
    form = {"csrf_token": manager.csrf, "title": "Skarga telefoniczna", "touchpoint": "hotline",  # type: ignore[attr-defined]
            "priority": "high", "kind": "complaint", "customer": "k1"}  # fmt: skip
    made = manager.post("/cases/new", data=form, follow_redirects=False)
    assert made.status_code == 303
    case_id = int(made.headers["location"].rsplit("/", 1)[1])
    case = cases.get_case(rt, case_id, ADMIN)
    assert (case["department"], case["priority"], case["kind"]) == (
        "customer_service", "high", "complaint",
    )  # fmt: skip
    bad = manager.post("/cases/new", data={**form, "department": "mars"})
    assert bad.status_code == 422 and "<code>department</code>" in bad.text
    assert manager.post("/cases/new", data={"title": "x"}).status_code == 403  # no CSRF token
    admin = login("ada")
    ctx = admin.get("/cases?view=manager&department=billing&_context=1").json()["context"]
    billing = {c["id"] for c in cases.list_cases(rt, ADMIN, department="billing")}
    assert {r["id"] for r in ctx["rows"]} == billing and case_id not in billing
    assert [o["key"] for o in ctx["departments"] if o["selected"]] == ["billing"]
    scoped = manager.get("/cases?_context=1").json()["context"]["departments"]
    assert [o["key"] for o in scoped] == ["customer_service"]  # a manager sees their own


def test_closed_loop_page_lists_and_adds_rules_and_routes_and_draws_causes(
    rt: Runtime, login: Login
) -> None:
    _seed(rt)
    admin = login("ada")
    ctx = admin.get("/loop?_context=1").json()["context"]
    api_rules = admin.get("/api/v1/loop/rules").json()["rules"]
    assert [r["id"] for r in ctx["rules"]] == [r["id"] for r in api_rules] and ctx["can_edit"]
    assert len(ctx["routes"]) == len(admin.get("/api/v1/loop/routing").json()["routes"]) > 0
    form = {"csrf_token": admin.csrf, "name": "Ostre odejścia", "kind": "detractor",  # type: ignore[attr-defined]
            "priority": "critical", "dimension": "touchpoint", "values": "invoice, hotline",
            "params": '{"max_nps": 3}', "complaint": "1"}  # fmt: skip
    assert admin.post("/loop/rules", data=form, follow_redirects=False).status_code == 303
    added = admin.get("/api/v1/loop/rules").json()["rules"][-1]
    assert (added["name"], added["priority"], added["complaint"]) == (
        "Ostre odejścia",
        "critical",
        True,
    )
    assert added["scope"] == {"touchpoint": ["invoice", "hotline"]} and added["params"] == {
        "max_nps": 3
    }
    for field, bad in (("values", "mars"), ("params", "{max"), ("kind", "psychic")):
        answer = admin.post("/loop/rules", data={**form, field: bad})
        assert answer.status_code == 422 and f"<code>{field}</code>" in answer.text, field
    route = {"csrf_token": admin.csrf, "department": "billing", "touchpoint": "hotline",  # type: ignore[attr-defined]
             "owner": "agata", "manager": "marek", "manager_email": "marek@firma.pl"}  # fmt: skip
    assert admin.post("/loop/routing", data=route, follow_redirects=False).status_code == 303
    routes = admin.get("/api/v1/loop/routing").json()["routes"]
    assert (routes[-1]["touchpoint"], routes[-1]["owner"]) == ("hotline", "agata")
    # switch the new rule off, remove the new route: from the page, then back through the API
    form_off = {"csrf_token": admin.csrf, "active": "0"}  # type: ignore[attr-defined]
    off = admin.post(f"/loop/rules/{added['id']}/active", data=form_off, follow_redirects=False)
    assert off.status_code == 303
    assert not admin.get("/api/v1/loop/rules").json()["rules"][-1]["active"]
    back_on = admin.put(f"/api/v1/loop/rules/{added['id']}/active", json={"active": True},
                        headers={"X-CSRF-Token": admin.csrf})  # type: ignore[attr-defined]  # fmt: skip
    assert (
        back_on.status_code == 200 and admin.get("/api/v1/loop/rules").json()["rules"][-1]["active"]
    )
    removed = admin.post(f"/loop/routing/{routes[-1]['id']}/remove",
                         data={"csrf_token": admin.csrf}, follow_redirects=False)  # type: ignore[attr-defined]  # fmt: skip
    assert removed.status_code == 303
    assert routes[-1]["id"] not in {
        r["id"] for r in admin.get("/api/v1/loop/routing").json()["routes"]
    }
    gone = admin.delete(f"/api/v1/loop/routing/{routes[-1]['id']}",
                        headers={"X-CSRF-Token": admin.csrf})  # type: ignore[attr-defined]  # fmt: skip
    assert gone.status_code == 404
    # an analyst sees the page without the forms and may not post them
    analyst = login("ola")
    assert analyst.get("/loop?_context=1").json()["context"]["can_edit"] is False
    assert "new-rule" not in analyst.get("/loop").text
    denied = analyst.post("/loop/routing", data={**route, "csrf_token": analyst.csrf})  # type: ignore[attr-defined]
    assert denied.status_code == 403
    assert login("agata").get("/loop").status_code == 403  # agents work cases, not rules
    # complaints per department and cause, as the API counts them, drawn stacked
    headers = {"X-CSRF-Token": admin.csrf}  # type: ignore[attr-defined]
    for cause in ("process", "process", "price"):
        made = admin.post("/api/v1/cases", headers=headers, json={
            "title": "Reklamacja", "kind": "complaint", "department": "billing"})  # fmt: skip
        case_id = made.json()["case"]["id"]
        assessed = admin.post(f"/api/v1/cases/{case_id}/complaint/assessment", headers=headers,
                              json={"cause_category": cause})  # fmt: skip
        assert assessed.status_code == 200, assessed.text
    ctx = admin.get("/loop?_context=1").json()["context"]
    api = admin.get("/api/v1/complaints/causes").json()["rows"]
    assert sorted(c["complaints"] for c in ctx["causes"]) == sorted(r["complaints"] for r in api)
    assert sorted(c["complaints"] for c in ctx["causes"]) == [1, 2]
    bars = ctx["figure"]["data"]
    assert len(bars) == 2 and sum(sum(b["y"]) for b in bars) == 3


def test_standards_page_draws_compliance_over_time_by_department(rt: Runtime, login: Login) -> None:
    from factories import seed_departments

    seed_departments(rt)
    run = standards.evaluate_standards(rt, now=datetime(2025, 12, 31))
    assert run.standards == 0
    standards.add_standard(rt, "nps_dept", "min_nps", 0.0, name_pl="NPS działu",
                           name_en="Department NPS", window_days=365, min_n=5)  # fmt: skip
    run = standards.evaluate_standards(rt, now=datetime(2025, 12, 31))
    current = {c.scope_value: c.met for c in run.current}
    assert current == {"customer_service": True, "billing": False}
    assert run.breaches == 1
    breach = cases.list_cases(rt, ADMIN, kind="standard")
    assert len(breach) == 1 and breach[0]["department"] == "billing"
    page = login("ola").get("/standards?_context=1").json()["context"]
    names = {trace["name"] for trace in page["figure"]["data"]}
    labels = rt.taxonomy.labels("department", "pl")
    assert names == {labels["billing"], labels["customer_service"], "Cel"}
    assert len(page["latest"]) == 2
    assert login("ola").get("/standards").status_code == 200
    assert not page["can_edit"] and "new-standard" not in login("ola").get("/standards").text


def test_admin_adds_a_standard_and_measures_compliance_from_the_page(
    rt: Runtime, login: Login
) -> None:
    admin = login("ada")
    form = {"csrf_token": admin.csrf, "key": "csat_hotline", "kind": "min_csat",  # type: ignore[attr-defined]
            "target": "4.2", "scope_dimension": "touchpoint", "name_pl": "CSAT infolinii",
            "name_en": "Hotline CSAT", "window_days": "60", "min_n": "3"}  # fmt: skip
    made = admin.post("/standards", data=form, follow_redirects=False)
    assert made.status_code == 303
    (added,) = [s for s in admin.get("/api/v1/standards").json()["standards"]
                if s["key"] == "csat_hotline"]  # fmt: skip
    assert made.headers["location"] == f"/standards?standard={added['id']}"
    assert (added["scope_dimension"], added["target"], added["window_days"]) == (
        "touchpoint", 4.2, 60,
    )  # fmt: skip
    again = admin.post("/standards", data=form)
    assert again.status_code == 422 and "<code>key</code>" in again.text  # exists
    bad = admin.post("/standards", data={**form, "key": "other", "kind": "mood"})
    assert bad.status_code == 422 and "<code>kind</code>" in bad.text
    measured = admin.post("/standards/evaluate", data={"csrf_token": admin.csrf},  # type: ignore[attr-defined]
                          follow_redirects=False)  # fmt: skip
    assert measured.status_code == 303 and "measured=" in measured.headers["location"]
    page = admin.get(measured.headers["location"] + "&_context=1").json()["context"]
    count = measured.headers["location"].split("measured=")[1].split("&")[0]
    assert page["can_edit"] and f" {count} " in page["message"]
    analyst = login("ola")
    denied = analyst.post("/standards/evaluate", data={"csrf_token": analyst.csrf})  # type: ignore[attr-defined]
    assert denied.status_code == 403


def test_admin_replays_dead_letter_from_notifications_page(rt: Runtime, login: Login) -> None:
    _seed(rt)
    notifications.add_webhook(rt, "down", "http://127.0.0.1:9/nothing", now=NOW)
    cases.open_case(rt, ADMIN, title="x", department="billing", now=NOW)
    with rt.db.write() as conn:
        conn.execute(ls.OUTBOX.update().values(status="dead", attempts=6))
    admin = login("ada")
    page = admin.get("/admin/notifications?_context=1").json()["context"]
    assert page["dead"] and page["counts"]["dead"] == len(page["dead"])
    answer = admin.post("/admin/notifications/replay", data={"csrf_token": admin.csrf},  # type: ignore[attr-defined]
                        follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert notifications.outbox_counts(rt).get("dead", 0) == 0
    assert login("agata").get("/admin/notifications").status_code == 403


def test_admin_registers_and_deactivates_a_webhook_from_the_page(login: Login) -> None:
    admin = login("ada")
    form = {"csrf_token": admin.csrf, "name": "crm", "url": "https://crm.example/hook",  # type: ignore[attr-defined]
            "events": "case.opened, case.escalated"}  # fmt: skip
    shown = admin.post("/admin/notifications/webhooks?_context=1", data=form).json()["context"]
    secret = shown["new_webhook"]["secret"]
    assert len(secret) >= 32
    html = admin.post("/admin/notifications/webhooks", data={**form, "name": "erp"}).text
    assert 'id="webhook-secret"' in html
    listed = admin.get("/api/v1/webhooks").json()["webhooks"]
    crm = next(w for w in listed if w["name"] == "crm")
    assert crm["active"] and secret not in str(listed)  # the secret is not listed again
    assert secret not in admin.get("/admin/notifications").text
    bad = admin.post("/admin/notifications/webhooks", data={**form, "url": "ftp://x"})
    assert bad.status_code == 422 and "<code>url</code>" in bad.text
    gone = admin.post(f"/admin/notifications/webhooks/{crm['id']}/deactivate",
                      data={"csrf_token": admin.csrf}, follow_redirects=False)  # type: ignore[attr-defined]  # fmt: skip
    assert gone.status_code == 303
    listed = admin.get("/api/v1/webhooks").json()["webhooks"]
    assert not next(w for w in listed if w["id"] == crm["id"])["active"]


def test_recontact_link_records_one_answer_as_a_response(rt: Runtime, client: TestClient) -> None:
    _seed(rt)
    (case,) = cases.list_cases(rt, ADMIN, department="billing")
    token = cases.recontact_token(rt, case["id"])
    assert client.get(f"/loop/recontact/{case['id']}.forged").status_code == 404
    assert client.get(f"/loop/recontact/{token}").status_code == 200
    sent = client.post(f"/loop/recontact/{token}", data={"nps": "9", "comment": "Już dobrze"},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    stored = ingest.get_response(rt, f"recontact-{case['id']}")
    assert stored["nps"] == 9 and stored["source"] == "survey"
    again = client.post(f"/loop/recontact/{token}", data={"nps": "3"})
    assert again.status_code == 409


def test_webhook_and_standards_api_are_admin_only_and_scoped(rt: Runtime, login: Login) -> None:
    admin = login("ada")
    headers = {"X-CSRF-Token": admin.csrf}  # type: ignore[attr-defined]
    hook = {"name": "crm", "url": "http://127.0.0.1:9/h", "events": "case.opened"}
    made = admin.post("/api/v1/webhooks", json=hook, headers=headers)
    assert made.status_code == 201 and len(made.json()["secret"]) >= 32
    listed = admin.get("/api/v1/webhooks").json()["webhooks"]
    assert [w["secret"] for w in listed] == ["•••"]
    bad = admin.post("/api/v1/webhooks", json={"name": "x", "url": "ftp://x", "events": "*"},
                     headers=headers)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "url"
    agent = login("agata")
    assert agent.get("/api/v1/webhooks").status_code == 403
    assert agent.get("/api/v1/notifications/outbox").status_code == 403
    standard = {"key": "csat", "kind": "min_csat", "target": 3.5, "min_n": 1}
    made = admin.post("/api/v1/standards", json=standard, headers=headers)
    assert made.status_code == 201
    with rt.db.write() as conn:
        period = datetime(2026, 10, 1).date()
        rows = [
            {"standard_id": made.json()["id"], "scope_value": dept, "period": period, "n": 40,
             "value": value, "met": value >= 3.5, "evaluated_at": NOW}
            for dept, value in (("billing", 2.9), ("sales", 4.1))
        ]  # fmt: skip
        conn.execute(ls.RESULTS.insert(), rows)
    rows = agent.get("/api/v1/standards/compliance").json()["rows"]
    assert [(r["scope_value"], r["met"]) for r in rows] == [("billing", False)]
    assert len(admin.get("/api/v1/standards/compliance").json()["rows"]) == 2
