"""Logging in, sessions, API tokens, role refusals and department scoping over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from web_helpers import PASSWORD, csrf_of, log_in

from cxm.services import auth
from cxm.services.runtime import Runtime
from factories import seed_departments

Login = Callable[[str], TestClient]


def test_login_sets_a_signed_httponly_lax_session_cookie(
    client: TestClient, users: dict[str, int]
) -> None:
    response = log_in(client, "ola")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("cxm_session=") and "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/api/v1/me").json()["username"] == "ola"


def test_login_with_a_wrong_password_is_refused(client: TestClient, users: dict[str, int]) -> None:
    response = log_in(client, "ola", "not-the-password")
    assert response.status_code == 401
    assert "Nieprawidłowa nazwa użytkownika lub hasło." in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_login_never_redirects_off_site(client: TestClient, users: dict[str, int]) -> None:

    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "ola", "password": PASSWORD, "csrf_token": token, "next": "//evil.test/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_logout_ends_the_session(login: Login) -> None:
    session = login("ola")
    response = session.post("/logout", data={"csrf_token": session.csrf}, follow_redirects=False)  # type: ignore[attr-defined]
    assert response.status_code == 303
    assert session.get("/api/v1/me").status_code == 401


def test_deactivated_user_loses_the_session(login: Login, rt: Runtime) -> None:
    session = login("ola")
    auth.set_user_active(rt, "ola", False)
    assert session.get("/api/v1/me").status_code == 401


def test_pages_redirect_anonymous_visitors_to_login(client: TestClient) -> None:
    response = client.get("/report?segment=family", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Freport%3Fsegment%3Dfamily"


def test_api_without_credentials_is_401_with_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/taxonomy")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_bearer_token_authenticates_and_revocation_stops_it(
    client: TestClient, rt: Runtime, users: dict[str, int]
) -> None:
    token = auth.create_api_token(rt, "ola", "etl")
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers).json()
    assert me == {
        "user_id": users["ola"],
        "username": "ola",
        "role": "analyst",
        "department": None,
        "language": "pl",
        "department_scope": None,
    }
    [listed] = client.get("/api/v1/tokens", headers=headers).json()
    assert client.delete(f"/api/v1/tokens/{listed['id']}", headers=headers).status_code == 204
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"] == {
        "code": "not_authenticated",
        "message": "invalid or revoked API token",
        "field": None,
    }


def test_api_creates_a_token_shown_once(
    client: TestClient, rt: Runtime, users: dict[str, int]
) -> None:
    headers = {"Authorization": f"Bearer {auth.create_api_token(rt, 'marek', 'first')}"}
    created = client.post("/api/v1/tokens", json={"name": "second"}, headers=headers)
    assert created.status_code == 201
    plaintext = created.json()["token"]
    listed = client.get("/api/v1/tokens", headers=headers).json()
    assert {t["name"] for t in listed} == {"first", "second"}
    assert all(plaintext not in str(t) for t in listed)
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("username", "method", "path"),
    [
        ("ola", "PUT", "/api/v1/taxonomy"),
        ("marek", "GET", "/api/v1/users"),
        ("agata", "GET", "/data"),
        ("marek", "GET", "/admin/users"),
        ("ewa", "GET", "/report"),
        ("ewa", "GET", "/report.csv"),
    ],
)
def test_roles_without_the_right_are_refused_with_403(
    client: TestClient, rt: Runtime, users: dict[str, int], username: str, method: str, path: str
) -> None:
    headers = {"Authorization": f"Bearer {auth.create_api_token(rt, username, 't')}"}
    response = client.request(method, path, headers=headers, json={})
    assert response.status_code == 403
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "permission_denied"
    else:
        assert "permission_denied" in response.text


def test_admin_creates_users_through_the_api(
    client: TestClient, rt: Runtime, users: dict[str, int]
) -> None:
    headers = {"Authorization": f"Bearer {auth.create_api_token(rt, 'ada', 't')}"}
    body = {"username": "nowy", "password": "long-enough", "role": "agent", "department": "it"}
    created = client.post("/api/v1/users", json=body, headers=headers)
    assert created.status_code == 201 and created.json()["department"] == "it"
    again = client.post("/api/v1/users", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["field"] == "username"
    assert auth.authenticate_password(rt, "nowy", "long-enough") is not None


def _overview(session: TestClient, query: str = "") -> dict:  # type: ignore[type-arg]
    response = session.get(f"/?_context=1{query}")
    assert response.status_code == 200, response.text
    return response.json()["context"]  # type: ignore[no-any-return]


def test_managers_and_agents_see_only_their_department(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    everyone = _overview(login("ola"))
    manager = _overview(login("marek"))
    agent = _overview(login("agata"))
    assert (everyone["n"], everyone["tiles"][0]["value"]) == (100, "+20")
    assert (manager["n"], manager["tiles"][0]["value"]) == (60, "+100")
    assert (agent["n"], agent["tiles"][0]["value"]) == (40, "−100")
    assert manager["scope"] == "Obsługa klienta"
    [department_filter] = [f for f in manager["filters"] if f["name"] == "department"]
    assert [o["key"] for o in department_filter["options"]] == ["customer_service"]


def test_a_filter_outside_the_scope_shows_nothing(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    agent = login("agata")
    assert _overview(agent, "&department=customer_service")["n"] == 0
    csv = agent.get("/report.csv?by=department").text.splitlines()
    assert [line.split(",")[0] for line in csv[1:]] == ["billing"]


def test_employee_without_department_sees_no_data(login: Login, rt: Runtime) -> None:
    seed_departments(rt)
    auth.ensure_user(rt, "ewa", PASSWORD, "employee", None)
    assert _overview(login("ewa"))["n"] == 0
