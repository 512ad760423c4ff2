"""CSRF on every state-changing form and cookie-authenticated API call; one error shape."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cxm.services import auth
from cxm.services.runtime import Runtime

Login = Callable[[str], TestClient]


def test_login_post_without_csrf_token_is_refused(
    client: TestClient, users: dict[str, int]
) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "ada", "password": "correct-horse-1"})
    assert response.status_code == 403
    assert "csrf_failed" in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_form_post_with_a_wrong_csrf_token_changes_nothing(login: Login, rt: Runtime) -> None:
    admin = login("ada")
    response = admin.post(
        "/admin/tokens", data={"username": "ola", "name": "sneaky", "csrf_token": "forged"}
    )
    assert response.status_code == 403 and "csrf_failed" in response.text
    assert auth.list_api_tokens(rt) == []


def test_cookie_authenticated_api_write_needs_the_csrf_header(login: Login) -> None:
    admin = login("ada")
    taxonomy = admin.get("/api/v1/taxonomy").json()
    refused = admin.put("/api/v1/taxonomy", json=taxonomy)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {
            "code": "csrf_failed",
            "message": "missing or invalid CSRF token; reload the page and try again",
            "field": None,
        }
    }
    accepted = admin.put(
        "/api/v1/taxonomy",
        json=taxonomy,
        headers={"X-CSRF-Token": admin.csrf},  # type: ignore[attr-defined]
    )
    assert accepted.status_code == 200


def test_bearer_token_api_write_needs_no_csrf(
    client: TestClient, rt: Runtime, users: dict[str, int]
) -> None:
    headers = {"Authorization": f"Bearer {auth.create_api_token(rt, 'ada', 'ci')}"}
    taxonomy = client.get("/api/v1/taxonomy", headers=headers).json()
    assert client.put("/api/v1/taxonomy", json=taxonomy, headers=headers).status_code == 200


def test_request_validation_errors_have_the_error_shape_with_the_field(
    client: TestClient, rt: Runtime, users: dict[str, int]
) -> None:
    headers = {"Authorization": f"Bearer {auth.create_api_token(rt, 'ada', 'ci')}"}
    response = client.post("/api/v1/tokens", json={"name": ""}, headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and error["field"] == "name"
    assert error["message"].startswith("name: ")


def test_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_page_errors_render_an_html_page_with_the_code_and_field(login: Login) -> None:
    response = login("ola").get("/?segment=martians")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "validation_failed" in response.text and "<code>segment</code>" in response.text


def test_security_headers_are_set(client: TestClient) -> None:
    response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
