"""Personal-data redaction before comments are displayed or exported.

Replaces e-mail addresses, phone numbers (Polish and international), PESEL and NIP
numbers (with their checksums), IBAN and Polish 26-digit account numbers (mod-97),
payment-card numbers (Luhn, issuer digit 2-6) and names after salutations (Pan, Pani,
Mr, Ms, Dr, ...). Numbers that fail their checksum, prices and dates are left alone."""

from __future__ import annotations

import re
from collections.abc import Callable

PLACEHOLDERS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "pesel": "[PESEL]",
    "nip": "[NIP]",
    "account": "[ACCOUNT]",
    "card": "[CARD]",
    "name": "[NAME]",
}
_NOT_MONEY = r"(?!\s*(?:zł|zl|pln|eur|euro|usd|gbp|€|\$|gr\b|złotych|groszy))"
_EMAIL = re.compile(r"\b[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_ACCOUNT = re.compile(r"(?<![\d-])\d{2}(?:[ ]?\d{4}){6}(?![\d-])")
_CARD = re.compile(r"(?<![\d-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d-])")
_PESEL = re.compile(r"(?<![\d-])\d{11}(?![\d-])")
_NIP = re.compile(
    r"(?<![\d-])(?:PL ?)?(?:\d{3}-?\d{3}-?\d{2}-?\d{2}|\d{3}-\d{2}-\d{2}-\d{3})(?![\d-])"
)
_ALONE_BEFORE = r"(?<!\d)(?<!\d[.,-])"
_ALONE_AFTER = rf"(?!\d)(?![.,-]\d){_NOT_MONEY}"
_PHONES = (
    re.compile(
        r"(?<![\w+./-])(?:\+|00(?!0))\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\d)" + _NOT_MONEY
    ),
    re.compile(
        r"(?i:\b(?:tel|telefon\w*|nr tel|komórk\w*|kom|phone|mobile|call me at|cell))"
        rf"\.?\s*:?\s*(?P<value>\d{{9}})(?!\d){_NOT_MONEY}"
    ),
    re.compile(_ALONE_BEFORE + r"\d{3}[ -]\d{3}[ -]\d{3}" + _ALONE_AFTER),
    re.compile(_ALONE_BEFORE + r"\(?\d{2}\)?[ -]\d{3}[ -]\d{2}[ -]\d{2}" + _ALONE_AFTER),
    re.compile(_ALONE_BEFORE + r"(?:1[ -.])?\(?\d{3}\)?[ -.]\d{3}[ -.]\d{4}" + _ALONE_AFTER),
)
_UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"
_LOWER = "a-ząćęłńóśźż"
_SALUTATIONS = (
    "pan", "pani", "panem", "panią", "pana", "panu", "panie", "państwo", "państwa", "państwu",
    "panowie", "mr", "mrs", "ms", "miss", "mx", "dr", "prof",
)  # fmt: skip
_NAME = re.compile(
    rf"(?<!\w)(?P<salutation>(?i:{'|'.join(_SALUTATIONS)}))\.?\s+"
    rf"(?P<name>[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
    rf"(?:\s+[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)?)"
)
# words after a salutation that are roles, not names ("Pan Kurier", "Pani Konsultantka")
_ROLES = frozenset(
    {
        *("kurier", "kurierka", "konsultant", "konsultantka", "doradca", "doradczyni"),
        *("sprzedawca", "sprzedawczyni", "sprzedający", "kierowca", "technik", "serwisant"),
        *("serwisantka", "kierownik", "kierowniczka", "prezes", "dyrektor", "dyrektorka"),
        *("doktor", "profesor", "mecenas", "listonosz", "listonoszka", "kasjer", "kasjerka"),
        *("ekspedientka", "ekspedient", "pracownik", "pracownica", "obsługa", "agent"),
        *("manager", "menadżer", "president", "officer"),
    }
)


def luhn_valid(digits: str) -> bool:
    """True when a digit string passes the Luhn check (payment cards)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def pesel_valid(digits: str) -> bool:
    """True for an 11-digit PESEL with a correct checksum and a possible birth date."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    check = (10 - sum(w * int(d) for w, d in zip(weights, digits, strict=False)) % 10) % 10
    month = int(digits[2:4]) % 20
    day = int(digits[4:6])
    return check == int(digits[10]) and 1 <= month <= 12 and 1 <= day <= 31


def nip_valid(digits: str) -> bool:
    """True for a 10-digit Polish NIP with a correct checksum."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    check = sum(w * int(d) for w, d in zip(weights, digits, strict=False)) % 11
    return check != 10 and check == int(digits[9])


def iban_valid(text: str) -> bool:
    """True for an IBAN (country code, check digits, account) that passes mod-97."""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _replace(
    pattern: re.Pattern[str], kind: str, valid: Callable[[str], bool] | None
) -> Callable[[str], str]:
    placeholder = PLACEHOLDERS[kind]

    def apply(text: str) -> str:
        def sub(match: re.Match[str]) -> str:
            whole = match.group(0)
            if valid is not None and not valid(whole):
                return whole
            if "value" not in pattern.groupindex:
                return placeholder
            # keep the words before the number ("tel. 600123456" -> "tel. [PHONE]")
            return whole[: match.start("value") - match.start()] + placeholder

        return pattern.sub(sub, text)

    return apply


def _phone_digits_ok(text: str) -> bool:
    return 9 <= len(_digits(text)) <= 15


def _international_ok(text: str) -> bool:
    # "00" written without any grouping is more likely an identifier than a phone number
    grouped = text.startswith("+") or any(ch in text for ch in " -.()")
    return grouped and _phone_digits_ok(text)


def _name_sub(match: re.Match[str]) -> str:
    name = match.group("name")
    if name.split()[0].lower() in _ROLES:
        return match.group(0)
    return match.group(0)[: match.start("name") - match.start()] + PLACEHOLDERS["name"]


_EMAIL_STEP = _replace(_EMAIL, "email", None)
_IBAN_STEP = _replace(_IBAN, "account", iban_valid)
# every other identifier has at least nine digits, with at most a few separators between
_NINE_DIGITS = re.compile(r"\d(?:[\s.()+/-]{0,4}\d){8}")
_DIGIT_STEPS: tuple[Callable[[str], str], ...] = (
    _replace(_ACCOUNT, "account", lambda s: iban_valid("PL" + _digits(s))),
    _replace(_CARD, "card", lambda s: 13 <= len(_digits(s)) <= 19 and luhn_valid(_digits(s))),
    _replace(_PESEL, "pesel", pesel_valid),
    _replace(_NIP, "nip", lambda s: nip_valid(_digits(s))),
    _replace(_PHONES[0], "phone", _international_ok),
    *(_replace(p, "phone", _phone_digits_ok) for p in _PHONES[1:]),
)
_HAS_DIGIT = re.compile(r"\d")
# every salutation starts with one of these: texts without them skip the name pattern
_SALUTATION_STARTS = tuple(sorted({word[:3] for word in _SALUTATIONS}))


def redact(text: str) -> str:
    """``text`` with personal data replaced by placeholders such as ``[PESEL]``."""
    if "@" in text:
        text = _EMAIL_STEP(text)
    if _HAS_DIGIT.search(text):
        text = _IBAN_STEP(text)
        if _NINE_DIGITS.search(text):
            for step in _DIGIT_STEPS:
                text = step(text)
    lowered = text.lower()
    if not any(start in lowered for start in _SALUTATION_STARTS):
        return text
    return _NAME.sub(_name_sub, text)
