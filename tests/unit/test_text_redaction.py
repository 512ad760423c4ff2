"""Personal-data redaction: valid identifiers go, invalid checksums and ordinary numbers stay."""

from __future__ import annotations

import pytest

from cxm.text.redaction import iban_valid, luhn_valid, nip_valid, pesel_valid, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PESEL 44051401359.", "PESEL [PESEL]."),
        ("NIP 526-000-12-46", "NIP [NIP]"),
        ("NIP: 5260001246", "NIP: [NIP]"),
        ("konto PL61 1090 1014 0000 0712 1981 2874", "konto [ACCOUNT]"),
        ("konto 61 1090 1014 0000 0712 1981 2874", "konto [ACCOUNT]"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN [ACCOUNT] please"),
        ("karta 4111 1111 1111 1111", "karta [CARD]"),
        ("card 5500-0000-0000-0004", "card [CARD]"),
        ("pisz: jan.kowalski@example.com", "pisz: [EMAIL]"),
        ("dzwoń +48 600 123 456", "dzwoń [PHONE]"),
        ("dzwoń 600-123-456 po 16", "dzwoń [PHONE] po 16"),
        ("biuro (22) 123 45 67", "biuro [PHONE]"),
        ("call +44 20 7946 0958", "call [PHONE]"),
        ("call 1-800-433-7300 now", "call [PHONE] now"),
    ],
)
def test_redact_replaces_valid_identifiers(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "PESEL 44051401358 ma złą sumę kontrolną",
        "NIP 526-000-12-45 ma złą sumę",
        "konto 61 1090 1014 0000 0712 1981 2875",
        "karta 4111 1111 1111 1112",
        "Cena 1299,99 zł, wcześniej 1 499,00 zł",
        "Zamówienie z 12.03.2024 dotarło 2024-03-15 o 10:30",
        "zamówienie nr 123456789012 i paragon 00123",
        "cost $1,299.00 on 03/12/2024",
        "kwota 123 456 789 zł",
        "przelew 123 456,78 zł",
    ],
)
def test_redact_leaves_invalid_identifiers_prices_and_dates(text: str) -> None:
    assert redact(text) == text


def test_redact_names_after_salutations() -> None:
    text = "Pani Anna Kowalska pomogła, a z Panem Nowakiem rozmawiałem. Mr Smith and Dr. Brown"
    assert redact(text) == (
        "Pani [NAME] pomogła, a z Panem [NAME] rozmawiałem. Mr [NAME] and Dr. [NAME]"
    )


def test_redact_keeps_roles_after_salutations() -> None:
    assert redact("Pan Kurier był miły, pani konsultantka też") == (
        "Pan Kurier był miły, pani konsultantka też"
    )


def test_checksums_accept_valid_and_reject_changed_digits() -> None:
    assert pesel_valid("44051401359") and not pesel_valid("44051401358")
    assert nip_valid("5260001246") and not nip_valid("5260001247")
    assert iban_valid("PL61109010140000071219812874")
    assert not iban_valid("PL61109010140000071219812875")
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111121")
