"""The people area over HTTP: pulse anonymity (no page, API call, filter or export shows a
group below k, nor one a narrower filter would isolate by difference) and scorecard
visibility (the employee themself and their department's manager only)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.services.people import common, pulse_rounds
from cxm.services.runtime import Runtime
from cxm.store.tables import Base
from factories import insert_responses, insert_rows

Login = Callable[[str], TestClient]
K = 5
#: (department, role, tenure, how many)
GROUPS = (
    ("customer_service", "agent", "over_3y", 6),
    ("customer_service", "agent", "under_1y", 3),
    ("customer_service", "team_lead", "over_3y", 3),
    ("billing", "specialist", "1_3y", 6),
    ("it", "specialist", "over_3y", 3),
)
VALUES = {
    "department": ("customer_service", "billing", "it", "sales"),
    "role": ("agent", "team_lead", "specialist"),
    "tenure": ("over_3y", "under_1y", "1_3y"),
}


@pytest.fixture
def pulse_round(rt: Runtime, users: dict[str, int]) -> int:
    round_id = pulse_rounds.create_round(rt, "Q4", date(2025, 10, 1), date(2025, 12, 31))
    rows = []
    for department, role, tenure, n in GROUPS:
        for i in range(n):
            rows.append(
                {
                    "round_id": round_id,
                    "department": department,
                    "role": role,
                    "tenure": tenure,
                    "enps": (i * 3) % 11,
                    "serve": 1 + i % 5,
                    "blockers": f"{department}-{i}",
                    "answered_on": date(2025, 10, 2),
                }
            )
    with rt.db.write() as conn:
        conn.execute(Base.metadata.tables["pulse_answers"].insert(), rows)
    return round_id


def _combinations() -> list[dict[str, str]]:
    out: list[dict[str, str]] = [{}]
    dims = list(VALUES)
    for size in (1, 2, 3):
        for chosen in itertools.combinations(dims, size):
            for values in itertools.product(*(VALUES[d] for d in chosen)):
                out.append(dict(zip(chosen, values, strict=True)))
    return out


def _true_n(where: dict[str, str]) -> int:
    keys = ("department", "role", "tenure")
    return sum(
        n
        for *dims, n in GROUPS
        if all(dict(zip(keys, dims, strict=True)).get(d) == v for d, v in where.items())
    )


def _people(where: dict[str, str]) -> set[tuple[int, int]]:
    keys = ("department", "role", "tenure")
    return {
        (g, i)
        for g, (*dims, n) in enumerate(GROUPS)
        for i in range(n)
        if all(dict(zip(keys, dims, strict=True)).get(d) == v for d, v in where.items())
    }


def test_pulse_api_never_shows_a_group_below_k_nor_a_difference_below_k(
    login: Login, pulse_round: int
) -> None:
    analyst = login("ola")
    shown: dict[tuple[tuple[str, str], ...], int] = {}
    for where in _combinations():
        for by in (None, *(d for d in VALUES if d not in where)):
            params = {**where, **({"by": by} if by else {})}
            answer = analyst.get(f"/api/v1/pulse/rounds/{pulse_round}/results", params=params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            for cell in (body["total"], *body["rows"]):
                if cell["suppressed"]:
                    assert cell["n"] is None and cell["enps"] is None and cell["blockers"] == []
                    continue
                assert cell["n"] >= K and cell["n"] == _true_n(cell["where"])
                shown[tuple(sorted(cell["where"].items()))] = cell["n"]
            csv = analyst.get(f"/api/v1/pulse/rounds/{pulse_round}/export.csv", params=params).text
            for line in csv.splitlines()[1:]:
                fields = line.split(",")
                if fields[-1] == "true":
                    assert fields[4:9] == ["", "", "", "", ""]
                else:
                    assert int(fields[4]) >= K
    # every two shown groups whose people nest (by filters or by who they are) differ by
    # none or at least k people
    for a, n_a in shown.items():
        for b, n_b in shown.items():
            if set(a) < set(b) or _people(dict(b)) < _people(dict(a)):
                assert n_a - n_b == 0 or n_a - n_b >= K, (a, b)
    # every breakdown: what the shown subgroups leave of their parent is none or ≥ k
    for where in _combinations():
        for by in (d for d in VALUES if d not in where):
            parent = tuple(sorted(where.items()))
            if parent not in shown:
                continue
            rest = shown[parent] - sum(
                n
                for key, n in shown.items()
                if set(key) == set(parent) | {(by, dict(key).get(by, ""))} and by in dict(key)
            )
            assert rest == 0 or rest >= K, (where, by, rest)
    assert shown[()] == 21
    assert (("department", "customer_service"),) in shown
    assert (("department", "it"),) not in shown  # 3 people
    assert (("department", "billing"),) not in shown  # 21 − 12 − billing would reveal it


def test_pulse_narrowing_filters_one_by_one_suppresses_small_groups_on_the_page(
    login: Login, pulse_round: int
) -> None:
    analyst = login("ola")
    page = analyst.get("/pulse", params={"round": pulse_round}).text
    assert "Group too small" not in page and "Grupa za mała" not in page
    context = analyst.get("/pulse", params={"round": pulse_round, "_context": 1}).json()["context"]
    assert context["total"]["n"] == "21"
    steps = ({"department": "customer_service"}, {"role": "team_lead"}, {"tenure": "over_3y"})
    where: dict[str, str] = {}
    seen = []
    for step in steps:
        where.update(step)
        ctx = analyst.get("/pulse", params={"round": pulse_round, **where, "_context": 1}).json()
        seen.append(ctx["context"]["total"]["suppressed"])
        html = analyst.get("/pulse", params={"round": pulse_round, **where}).text
        if seen[-1]:
            assert (
                "Grupa za mała" in html or "Group too small" in html
            ) and "blockers-list" not in html
    assert seen == [False, True, True]  # 12 people, then 3 team leads, then the same 3


def test_pulse_results_are_for_managers_of_their_department_only(
    login: Login, pulse_round: int
) -> None:
    manager = login("marek")  # customer_service
    own = manager.get(f"/api/v1/pulse/rounds/{pulse_round}/results").json()
    assert own["where"] == {"department": "customer_service"} and own["total"]["n"] == 12
    other = manager.get(
        f"/api/v1/pulse/rounds/{pulse_round}/results", params={"department": "billing"}
    )
    assert other.status_code == 403
    employee = login("ewa")
    assert employee.get(f"/api/v1/pulse/rounds/{pulse_round}/results").status_code == 403
    assert employee.get(f"/api/v1/pulse/rounds/{pulse_round}/export.csv").status_code == 403
    assert "pulse-results" not in employee.get("/pulse").text


def test_admin_links_a_user_to_an_employee_on_the_users_page(rt: Runtime, login: Login) -> None:
    row = {"external_id": "E7", "name": "Ola", "department": "sales", "role": "agent"}
    insert_rows(rt, "employees", [{**row, "active": True, "hired_on": datetime(2021, 1, 1)}])
    admin = login("ada")
    form = {"csrf_token": admin.csrf, "username": "ola", "employee": "E7"}  # type: ignore[attr-defined]
    linked = admin.post("/admin/users/link", data=form, follow_redirects=False)
    assert linked.status_code == 303
    users = admin.get("/admin/users?_context=1").json()["context"]["users"]
    assert next(u for u in users if u["username"] == "ola")["employee"] == "E7"
    assert common.user_links(rt) == {"ola": "E7"}
    taken = admin.post("/admin/users/link", data={**form, "username": "ewa"})
    assert taken.status_code == 422 and "<code>employee</code>" in taken.text  # one user each
    missing = admin.post("/admin/users/link", data={**form, "employee": "E404"})
    assert missing.status_code == 404 and "E404" in missing.text
    admin.post("/admin/users/link", data={**form, "employee": ""})  # unlink
    assert common.user_links(rt) == {}
    analyst = login("ola")
    own = {**form, "csrf_token": analyst.csrf}  # type: ignore[attr-defined]
    assert analyst.post("/admin/users/link", data=own).status_code == 403  # admins only


def _link_ewa(rt: Runtime) -> None:
    """The user ewa as employee E9 (sales agent, hired in 2020)."""
    row = {"external_id": "E9", "name": "Ewa", "department": "sales", "role": "agent"}
    insert_rows(rt, "employees", [{**row, "active": True, "hired_on": datetime(2020, 1, 1)}])
    common.link_user(rt, "ewa", "E9")


def test_pulse_answer_is_anonymous_and_once_per_round(
    rt: Runtime, login: Login, users: dict[str, int]
) -> None:
    _link_ewa(rt)
    today = common.now().date()
    round_id = pulse_rounds.create_round(
        rt, "Now", today - timedelta(days=1), today + timedelta(days=1)
    )
    ewa = login("ewa")
    body = {"answers": {"enps": 9, "serve": 4, "blockers": "Za dużo systemów"}}
    headers = {"X-CSRF-Token": ewa.csrf}  # type: ignore[attr-defined]
    assert (
        ewa.post(f"/api/v1/pulse/rounds/{round_id}/answers", json=body, headers=headers).status_code
        == 201
    )
    again = ewa.post(f"/api/v1/pulse/rounds/{round_id}/answers", json=body, headers=headers)
    assert again.status_code == 409
    answers = Base.metadata.tables["pulse_answers"]
    with rt.db.read() as conn:
        row = conn.execute(select(answers)).one()
    assert set(row._mapping) == {
        "id",
        "round_id",
        "department",
        "role",
        "tenure",
        "enps",
        "serve",
        "blockers",
        "answers",
        "answered_on",
    }
    assert (row.department, row.tenure) == ("sales", "over_3y")


def test_pulse_page_renders_the_round_survey_and_takes_the_answer_as_a_form(
    rt: Runtime, login: Login, users: dict[str, int]
) -> None:
    _link_ewa(rt)
    today = common.now().date()
    admin = login("ada")
    opened = admin.post(
        "/pulse/rounds",
        data={
            "csrf_token": admin.csrf,  # type: ignore[attr-defined]
            "title": "Teraz",
            "opens_on": (today - timedelta(days=1)).isoformat(),
            "closes_on": (today + timedelta(days=1)).isoformat(),
            "survey": "employee_pulse",
            "repeat_days": "30",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    assert "employee_pulse v1" in admin.get(opened.headers["location"]).text
    ewa = login("ewa")
    page = ewa.get("/pulse").text
    assert 'id="q-enps-10"' in page and 'id="q-serve-5"' in page and 'name="blockers"' in page
    round_id = pulse_rounds.open_round(rt)
    assert round_id is not None
    form = {"csrf_token": ewa.csrf, "round_id": str(round_id.id), "enps": "8"}  # type: ignore[attr-defined]
    refused = ewa.post("/pulse", data=form, follow_redirects=False)
    assert refused.status_code == 200 and "question &#39;serve&#39;: required" in refused.text
    assert 'value="8" checked' in refused.text  # what was given is kept
    sent = ewa.post("/pulse", data={**form, "serve": "4"}, follow_redirects=False)
    assert sent.status_code == 303
    with rt.db.read() as conn:
        row = conn.execute(select(Base.metadata.tables["pulse_answers"])).one()
    assert row.answers == {"enps": 8, "serve": 4, "blockers": None}
    assert "pulse-form" not in ewa.get("/pulse").text


@pytest.fixture
def staff(rt: Runtime, users: dict[str, int]) -> None:
    insert_rows(
        rt,
        "employees",
        [
            {
                "external_id": "S1",
                "name": "Ewa S",
                "email": "e@x.test",
                "department": "sales",
                "role": "agent",
                "active": True,
            },
            {
                "external_id": "S2",
                "name": "Olek S",
                "email": "o@x.test",
                "department": "sales",
                "role": "agent",
                "active": True,
            },
            {
                "external_id": "C1",
                "name": "Celina C",
                "email": "c@x.test",
                "department": "customer_service",
                "role": "agent",
                "active": True,
            },
            {
                "external_id": "C0",
                "name": "Marek C",
                "email": "m@x.test",
                "department": "customer_service",
                "role": "manager",
                "active": True,
            },
        ],
    )
    common.link_user(rt, "ewa", "S1")
    common.link_user(rt, "marek", "C0")
    with rt.db.read() as conn:
        ids = dict(
            conn.execute(
                select(
                    Base.metadata.tables["employees"].c.external_id,
                    Base.metadata.tables["employees"].c.id,
                )
            ).all()
        )
    insert_responses(
        rt,
        [
            {
                "external_id": f"r{i}",
                "source": "survey",
                "responded_at": datetime(2025, 3, 1) + timedelta(hours=i),
                "nps": 10 if i % 2 else 3,
                "csat": 5,
                "touchpoint": "hotline",
                "department": "customer_service",
                "employee_id": ids["C1"] if i < 40 else ids["S1"],
            }
            for i in range(60)
        ],
    )


def test_an_employee_sees_only_their_own_scorecard(login: Login, staff: None) -> None:
    ewa = login("ewa")
    mine = ewa.get("/api/v1/scorecards/me")
    assert mine.status_code == 200, mine.text
    card = mine.json()
    assert card["key"] == "S1" and card["responses"] == 20 and card["nps_n"] == 20
    assert card["cases_available"] in (True, False)
    assert ewa.get("/api/v1/scorecards/employees/S1").status_code == 200
    assert ewa.get("/api/v1/scorecards/employees/S2").status_code == 403
    assert ewa.get("/api/v1/scorecards/employees/C1").status_code == 403
    assert ewa.get("/scorecards/S2").status_code == 403
    assert ewa.get("/api/v1/scorecards/departments/sales").status_code == 403


def test_a_manager_sees_only_their_departments_scorecards(login: Login, staff: None) -> None:
    marek = login("marek")
    card = marek.get("/api/v1/scorecards/employees/C1")
    assert card.status_code == 200 and card.json()["responses"] == 40
    assert card.json()["nps"] == pytest.approx(0.0)
    assert marek.get("/api/v1/scorecards/employees/S1").status_code == 403
    assert marek.get("/api/v1/scorecards/departments/customer_service").status_code == 200
    assert marek.get("/api/v1/scorecards/departments/sales").status_code == 403
    page = marek.get("/scorecards", params={"_context": 1}).json()["context"]
    assert {m[0] for m in page["members"]} == {"C0", "C1"}
    assert marek.get("/scorecards/S2").status_code == 403
    agent = login("agata")  # an agent of billing is nobody's manager
    assert agent.get("/api/v1/scorecards/employees/C1").status_code == 403
    assert agent.get("/api/v1/scorecards/departments/billing").status_code == 403
