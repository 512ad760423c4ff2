"""Language detection restricted to configured languages; short texts are undetermined."""

from __future__ import annotations

import pytest

from cxm.text.language import detect_language


@pytest.mark.parametrize("text", ["OK", ":)", "Super:)", "👍👍", "A+++", "Top", "", "123"])
def test_short_or_symbol_only_texts_are_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Polecam", "pl"),
        ("Dziękuję bardzo", "pl"),
        ("Szybko i sprawnie", "pl"),
        ("Wysylka szybka, towar zgodny z opisem", "pl"),
        ("thanks", "en"),
        ("great service", "en"),
        ("@united my flight was cancelled again", "en"),
    ],
)
def test_languages_of_short_texts(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_detection_only_answers_configured_languages() -> None:
    german = "Das Paket kam schnell und alles war gut verpackt, danke schön"
    assert detect_language(german, ("pl", "en", "de")) == "de"
    assert detect_language(german, ("pl", "en")) in ("pl", "en", "und")


def test_single_configured_language_is_returned_for_real_text() -> None:
    assert detect_language("Anything goes here", ("pl",)) == "pl"
    assert detect_language("OK", ("pl",)) == "und"
