"""Polish and English: every UI string is in both catalogs, and the language is chosen
from the switch, the user's preference and the browser, Polish by default."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import cxm.web
from cxm.services import auth
from cxm.services.runtime import Runtime
from cxm.web import i18n

Login = Callable[[str], TestClient]
WEB = Path(cxm.web.__file__).parent


def _used_msgids() -> set[str]:
    """Every message the templates and page code ask to translate."""
    found = extract_from_dir(
        str(WEB),
        method_map=[("**/templates/**.html", "jinja2"), ("**.py", "python")],
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "gettext": (2,), "N_": None},
    )
    return {str(msg) for _, _, msg, _, _ in found}


def _catalog(language: str) -> dict[str, str]:
    with open(i18n.catalog_path(language), "rb") as fh:
        catalog = read_po(fh, locale=language)
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_every_ui_string_has_a_polish_and_an_english_translation() -> None:
    used = _used_msgids()
    assert len(used) > 100
    for language in i18n.LANGUAGES:
        catalog = _catalog(language)
        missing = sorted(m for m in used if not catalog.get(m, "").strip())
        assert not missing, f"{language}: untranslated {missing}"


def test_no_polish_msgid_lacks_a_translation_and_none_is_stale() -> None:
    polish = _catalog("pl")
    assert [m for m, s in polish.items() if not s.strip()] == []
    assert sorted(set(polish) - _used_msgids()) == []


def test_catalogs_compile_and_translate() -> None:
    assert i18n.gettext("pl", "Overview") == "Przegląd"
    assert i18n.gettext("en", "Overview") == "Overview"


@pytest.mark.parametrize(
    ("cookie", "user", "header", "expected"),
    [
        (None, None, None, "pl"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, "de-DE, en;q=0.5, pl;q=0.8", "pl"),
        (None, "en", "pl", "en"),
        ("pl", "en", "en", "pl"),
        ("xx", None, "fr", "pl"),
    ],
)
def test_choose_language_prefers_switch_then_user_then_browser(
    cookie: str | None, user: str | None, header: str | None, expected: str
) -> None:
    assert (
        i18n.choose_language(cookie=cookie, user_language=user, accept_language=header) == expected
    )


def test_numbers_are_formatted_per_language() -> None:
    assert i18n.format_number(1234.5, "pl", 1) == "1\u00a0234,5"
    assert i18n.format_number(1234.5, "en", 1) == "1,234.5"
    assert i18n.format_signed(12.0, "pl", 0) == "+12"


def test_login_page_follows_accept_language(client: TestClient) -> None:
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Log in" in english.text
    polish = client.get("/login")
    assert '<html lang="pl">' in polish.text and "Zaloguj się" in polish.text


def test_language_switch_sets_cookie_and_user_preference(login: Login, rt: Runtime) -> None:
    session = login("ola")
    response = session.post(
        "/language",
        data={"lang": "en", "next": "/taxonomy", "csrf_token": session.csrf},  # type: ignore[attr-defined]
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/taxonomy"
    assert "cxm_lang=en" in response.headers["set-cookie"]
    assert "<h1>CX model</h1>" in session.get("/taxonomy").text
    principal = auth.authenticate_password(rt, "ola", "correct-horse-1")
    assert principal is not None and principal.language == "en"
