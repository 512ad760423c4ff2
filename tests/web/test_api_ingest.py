"""The ingestion API against the real app: single responses, batch imports, recent imports,
with real users and API tokens."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxm.services import auth
from cxm.services.ingest import import_records
from cxm.services.runtime import Runtime


def bearer(rt: Runtime, username: str, role: str, department: str | None = None) -> dict[str, str]:
    auth.ensure_user(rt, username, "correct-horse-1", role, department=department)
    return {"Authorization": f"Bearer {auth.create_api_token(rt, username, 'tests')}"}


@pytest.fixture
def analyst(rt: Runtime) -> dict[str, str]:
    import_records(rt, "customers", [{"external_id": "C1", "segment": "senior"}])
    import_records(
        rt,
        "interactions",
        [
            {
                "external_id": "I1",
                "customer_external_id": "C1",
                "occurred_at": "2025-03-01T10:00:00",
                "touchpoint": "telesales",
                "channel": "call_center",
            }
        ],
    )
    return bearer(rt, "ola", "analyst")


RESPONSE: dict[str, Any] = {
    "external_id": "web-1",
    "interaction_external_id": "I1",
    "responded_at": "2025-03-02T12:00:00+01:00",
    "nps": 10,
    "comment": "Świetnie",
    "q_speed": 5,
}


def test_post_response_creates_then_updates(client: TestClient, analyst: dict[str, str]) -> None:
    created = client.post("/api/v1/responses", json=RESPONSE, headers=analyst)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["external_id"] == "web-1" and body["created"] is True
    updated = client.post("/api/v1/responses", json={**RESPONSE, "nps": 6}, headers=analyst)
    assert updated.status_code == 200
    assert updated.json()["id"] == body["id"]
    stored = client.get("/api/v1/responses/web-1", headers=analyst).json()
    assert (stored["nps"], stored["source"], stored["answers"]) == (6, "api", {"speed": 5})
    assert (stored["touchpoint"], stored["channel"], stored["segment"]) == (
        "telesales",
        "call_center",
        "senior",
    )
    assert stored["responded_at"] == "2025-03-02T11:00:00"
    assert stored["customer_external_id"] == "C1"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"nps": 11}, "validation_failed", "nps"),
        ({"responded_at": None}, "validation_failed", "responded_at"),
        ({"interaction_external_id": "nope"}, "unknown_reference", "interaction_external_id"),
        ({"touchpoint": "moon"}, "validation_failed", "touchpoint"),
    ],
)
def test_post_invalid_response_is_422_with_field(
    client: TestClient, analyst: dict[str, str], change: dict[str, Any], code: str, field: str
) -> None:
    response = client.post("/api/v1/responses", json={**RESPONSE, **change}, headers=analyst)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert client.get("/api/v1/responses/web-1", headers=analyst).status_code == 404


def test_post_response_body_must_be_an_object(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.post("/api/v1/responses", json=[RESPONSE], headers=analyst)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_batch_import_reports_rejects_and_lists_runs(
    client: TestClient, rt: Runtime, analyst: dict[str, str]
) -> None:
    records = [
        {"external_id": "E1", "name": "Ewa", "department": "billing", "role": "agent"},
        {"external_id": "E2", "name": "Jan", "department": "billing", "role": "pilot"},
    ]
    response = client.post("/api/v1/import/employees", json=records, headers=analyst)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["status"], summary["inserted"], summary["rejected"]) == ("partial", 1, 1)
    assert summary["rejects"] == [
        {
            "line": 2,
            "field": "role",
            "value": "pilot",
            "reason": "must be one of agent, specialist, team_lead, manager, director, staff",
        }
    ]
    runs = client.get("/api/v1/imports?limit=1", headers=analyst).json()
    assert [(r["kind"], r["source"], r["rejected"]) for r in runs] == [
        ("employees", "api:ola", 1),
    ]
    bad_kind = client.post("/api/v1/import/clients", json=records, headers=analyst)
    assert bad_kind.status_code == 422 and bad_kind.json()["error"]["field"] == "kind"


def test_ingestion_needs_admin_or_analyst(client: TestClient, rt: Runtime) -> None:
    assert client.post("/api/v1/responses", json=RESPONSE).status_code == 401
    agent = bearer(rt, "agata", "agent", department="billing")
    for method, url, body in (
        ("POST", "/api/v1/responses", RESPONSE),
        ("POST", "/api/v1/import/customers", []),
        ("GET", "/api/v1/imports", None),
    ):
        response = client.request(method, url, json=body, headers=agent)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "permission_denied"
