"""Themes by lemma (Polish inflection included), custom dictionaries and discovery."""

from __future__ import annotations

import pytest

from cxm.domain.errors import ValidationFailed
from cxm.text.themes import discover_themes, parse_theme_dictionary, themes_of


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Ceną jestem rozczarowany", "price"),
        ("Za wysokie ceny abonamentów", "price"),
        ("Czekałem na infolinii godzinę", "waiting_time"),
        ("Przesyłką zajął się kurier", "delivery"),
        ("Błąd w fakturze za marzec", "billing_error"),
        ("Aplikacji nie da się używać", "app_website"),
        ("Brak zasięgu w domu", "network_quality"),
        ("Umowy nie dało się wypowiedzieć", "contract_terms"),
        ("Konsultantka była opryskliwa", "staff_attitude"),
        ("The agents were rude and we waited for hours", "staff_attitude"),
        ("Lost my bags again", "baggage"),
    ],
)
def test_themes_match_inflected_forms(text: str, theme: str) -> None:
    language = "en" if text.isascii() else "pl"
    assert theme in themes_of(text, language)


def test_text_without_theme_words_has_no_themes() -> None:
    assert themes_of("Dzień dobry, wszystko w porządku", "pl") == ()


def test_custom_dictionary_matches_phrases_by_lemma() -> None:
    dictionary = parse_theme_dictionary(
        {"themes": {"parking": {"label": {"pl": "Parking", "en": "Parking"},
                                "pl": ["miejsce parkingowe"], "en": ["parking space"]}}}
    )  # fmt: skip
    assert themes_of("Brak miejsc parkingowych przy salonie", "pl", dictionary) == ("parking",)
    assert themes_of("No parking spaces at all", "en", dictionary) == ("parking",)
    assert themes_of("Miejsce było parkingowe", "pl", dictionary) == ()


def test_malformed_dictionary_is_rejected() -> None:
    with pytest.raises(ValidationFailed):
        parse_theme_dictionary({"topics": []})


def test_discovery_finds_unconfigured_phrases_with_redacted_examples() -> None:
    comments = [
        "Parking przy salonie za mały, Pani Anna Nowak też narzekała",
        "Brak miejsc na parkingu przy salonie",
        "Parking przy salonie płatny",
        "Przesyłka szybka, cena dobra",
        "Cena za wysoka",
        "Cena ok",
    ]
    found = discover_themes(comments, min_count=3)
    phrases = [theme.phrase for theme in found]
    assert phrases[0] == "parking salon"
    assert found[0].count == 3
    assert "[NAME]" in found[0].examples[0]
    assert not any("cena" in p.split() for p in phrases)  # covered by the price theme
