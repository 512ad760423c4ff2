"""Polish and English for the dashboard: gettext catalogs, language choice, number formats.

The catalogs are the ``.po`` files in ``cxm/locale``; they are compiled in memory when first
used (no build step, nothing to forget to regenerate). Polish is the default language."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from importlib.resources import files
from io import BytesIO

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("pl", "en")
DEFAULT_LANGUAGE = "pl"
LANGUAGE_COOKIE = "cxm_lang"
LANGUAGE_NAMES = {"pl": "Polski", "en": "English"}


def catalog_path(language: str) -> str:
    return str(files("cxm").joinpath("locale", language, "LC_MESSAGES", "messages.po"))


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The compiled catalog of a language (read from its .po file once per process)."""
    with open(catalog_path(language), "rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def N_(message: str) -> str:
    """Mark a message for the catalog where it is defined; translate it where it is shown."""
    return message


def gettext(language: str, message: str) -> str:
    return translations(normalise(language) or DEFAULT_LANGUAGE).gettext(message)


def normalise(value: str | None) -> str | None:
    """'pl-PL', 'PL', 'en_GB' → 'pl' / 'en'; anything else → None."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def parse_accept_language(header: str | None) -> str | None:
    """The supported language a browser prefers most (RFC 9110 quality values)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = normalise(tag)
        if code and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def choose_language(
    *,
    cookie: str | None,
    user_language: str | None,
    accept_language: str | None,
    default: str = DEFAULT_LANGUAGE,
) -> str:
    """The explicit switch (cookie) wins, then the user's preference, then the browser."""
    return (
        normalise(cookie)
        or normalise(user_language)
        or parse_accept_language(accept_language)
        or normalise(default)
        or DEFAULT_LANGUAGE
    )


def format_number(value: float | None, language: str, digits: int = 1) -> str:
    """A number as pages show it: grouped, ``digits`` decimals, a typographic minus."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=language).replace("-", "−")


def format_signed(value: float | None, language: str, digits: int = 1) -> str:
    if value is None:
        return "—"
    text = format_number(value, language, digits)
    return f"+{text}" if value > 0 else text


def format_day(value: date | datetime | None, language: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value, format="short", locale=language)
    return format_date(value, format="medium", locale=language)
