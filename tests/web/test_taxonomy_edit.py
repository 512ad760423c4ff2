"""Reading and replacing the CX model through the API and the admin page."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml
from fastapi.testclient import TestClient

from cxm.services import auth
from cxm.services.runtime import Runtime

Login = Callable[[str], TestClient]


def _admin_headers(rt: Runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {auth.create_api_token(rt, 'ada', 'ci')}"}


def _with_bad_reference(taxonomy: dict[str, Any]) -> dict[str, Any]:
    broken = copy.deepcopy(taxonomy)
    broken["journeys"][0]["stages"][0]["touchpoints"][0]["department"] = "ghosts"
    return broken


def test_get_taxonomy_returns_the_model_with_both_labels(
    client: TestClient, rt: Runtime, users: dict[str, int]
) -> None:
    headers = {"Authorization": f"Bearer {auth.create_api_token(rt, 'ewa', 'ro')}"}
    body = client.get("/api/v1/taxonomy", headers=headers).json()
    assert {"journeys", "channels", "departments", "transaction_types"} <= set(body)
    assert body["departments"][0]["label"].keys() == {"pl", "en"}


def test_put_taxonomy_with_an_unknown_reference_is_422_naming_the_key_and_changes_nothing(
    client: TestClient, rt: Runtime, users: dict[str, int]
) -> None:
    headers = _admin_headers(rt)
    taxonomy = client.get("/api/v1/taxonomy", headers=headers).json()
    path = rt.settings.resolved_taxonomy_file
    before = path.read_bytes()
    response = client.put("/api/v1/taxonomy", json=_with_bad_reference(taxonomy), headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "taxonomy_invalid"
    assert error["field"] == "touchpoints.ad_campaign.department"
    assert "ghosts" in error["message"]
    assert path.read_bytes() == before
    assert client.get("/api/v1/taxonomy", headers=headers).json() == taxonomy


def test_put_taxonomy_replaces_the_model_and_its_file(
    client: TestClient, rt: Runtime, users: dict[str, int]
) -> None:
    headers = _admin_headers(rt)
    taxonomy = client.get("/api/v1/taxonomy", headers=headers).json()
    taxonomy["channels"][0]["label"]["pl"] = "Salon firmowy"
    response = client.put("/api/v1/taxonomy", json=taxonomy, headers=headers)
    assert response.status_code == 200
    assert client.get("/api/v1/taxonomy", headers=headers).json()["channels"][0]["label"]["pl"] == (
        "Salon firmowy"
    )
    saved = yaml.safe_load(rt.settings.resolved_taxonomy_file.read_text(encoding="utf-8"))
    assert saved["channels"][0]["label"]["pl"] == "Salon firmowy"
    assert rt.taxonomy.label("channel", "store", "pl") == "Salon firmowy"


def test_taxonomy_page_form_shows_the_invalid_key_and_keeps_the_file(
    login: Login, rt: Runtime
) -> None:
    admin = login("ada")
    page = admin.get("/taxonomy?_context=1").json()["context"]
    assert page["can_edit"] is True
    before = rt.settings.resolved_taxonomy_file.read_bytes()
    text = yaml.safe_dump(_with_bad_reference(yaml.safe_load(page["yaml_text"])))
    response = admin.post("/taxonomy", data={"yaml_text": text, "csrf_token": admin.csrf})  # type: ignore[attr-defined]
    assert response.status_code == 422
    assert '<code id="error-field">touchpoints.ad_campaign.department</code>' in response.text
    assert "ghosts" in response.text  # the submitted text is kept for correction
    assert rt.settings.resolved_taxonomy_file.read_bytes() == before


def test_taxonomy_page_form_refuses_malformed_yaml(login: Login) -> None:
    admin = login("ada")
    response = admin.post(
        "/taxonomy",
        data={"yaml_text": "journeys: [unclosed", "csrf_token": admin.csrf},  # type: ignore[attr-defined]
    )
    assert response.status_code == 422 and '<code id="error-field">yaml</code>' in response.text


def test_taxonomy_page_form_saves_valid_yaml(login: Login, rt: Runtime) -> None:
    admin = login("ada")
    data = yaml.safe_load(admin.get("/taxonomy?_context=1").json()["context"]["yaml_text"])
    data["segments"][0]["label"]["en"] = "Young adults"
    response = admin.post(
        "/taxonomy",
        data={"yaml_text": yaml.safe_dump(data, allow_unicode=True), "csrf_token": admin.csrf},  # type: ignore[attr-defined]
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/taxonomy?saved=1"
    assert rt.taxonomy.label("segment", "young", "en") == "Young adults"


def test_non_admins_see_the_model_without_the_editor(login: Login) -> None:
    context = login("marek").get("/taxonomy?_context=1").json()["context"]
    assert context["can_edit"] is False and context["yaml_text"] == ""
    assert context["journeys"][0]["stages"][0]["touchpoints"][0]["key"] == "ad_campaign"
