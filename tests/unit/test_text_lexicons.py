"""The project's lexicon, rules and theme files are well-formed, and redaction holds for
generated identifiers and ordinary numbers."""

from __future__ import annotations

from importlib.resources import files

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cxm.text.lexicon import EMOTIONS
from cxm.text.redaction import redact
from cxm.text.themes import default_theme_dictionary

LEXICONS = files("cxm.text").joinpath("lexicons")


def test_lexicon_rows_are_unique_with_valid_valence_and_emotions() -> None:
    for language in ("pl", "en"):
        seen: set[str] = set()
        rows = 0
        for line in LEXICONS.joinpath(f"{language}.tsv").read_text("utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            term, valence, emotions = line.split("\t")
            assert term not in seen, f"{language}: {term} twice"
            seen.add(term)
            assert -3 <= float(valence) <= 3
            assert emotions == "-" or set(emotions.split(",")) <= set(EMOTIONS), line
            rows += 1
        assert rows > 400


def test_rules_cover_both_languages() -> None:
    rules = yaml.safe_load(LEXICONS.joinpath("rules.yaml").read_text("utf-8"))
    for key in (
        "negators",
        "intensifiers",
        "contrast",
        "contrast_cancel",
        "concessive",
        "conditional",
    ):
        assert set(rules[key]) == {"pl", "en"}, key
    assert all(-3 <= v <= 3 for v in rules["emoticons"].values())
    assert all(e in EMOTIONS for _, e in rules["emoji"].values())


def test_default_themes_have_labels_in_both_languages() -> None:
    dictionary = default_theme_dictionary()
    keys = {t.key for t in dictionary.themes}
    assert {"price", "waiting_time", "staff_attitude", "billing_error", "delivery"} <= keys
    assert {"app_website", "network_quality", "contract_terms"} <= keys
    assert all(t.label_pl and t.label_en for t in dictionary.themes)


def pesel_with_checksum(first_ten: str) -> str:
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    check = (10 - sum(w * int(d) for w, d in zip(weights, first_ten, strict=True)) % 10) % 10
    return first_ten + str(check)


@settings(max_examples=200, deadline=None)
@given(
    year=st.integers(0, 99),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    serial=st.integers(0, 9999),
)
def test_generated_valid_pesel_is_redacted_and_a_changed_digit_is_not(
    year: int, month: int, day: int, serial: int
) -> None:
    pesel = pesel_with_checksum(f"{year:02d}{month:02d}{day:02d}{serial:04d}")
    assert redact(f"PESEL: {pesel}.") == "PESEL: [PESEL]."
    wrong = pesel[:-1] + str((int(pesel[-1]) + 1) % 10)
    assert redact(f"numer {wrong}") == f"numer {wrong}"


@settings(max_examples=200, deadline=None)
@given(
    whole=st.integers(0, 99_999),
    cents=st.integers(0, 99),
    day=st.integers(1, 28),
    month=st.integers(1, 12),
    year=st.integers(1990, 2030),
)
def test_prices_and_dates_are_never_redacted(
    whole: int, cents: int, day: int, month: int, year: int
) -> None:
    text = (
        f"Zapłaciłem {whole},{cents:02d} zł ({whole}.{cents:02d} PLN) dnia "
        f"{day:02d}.{month:02d}.{year} i {year}-{month:02d}-{day:02d}"
    )
    assert redact(text) == text
