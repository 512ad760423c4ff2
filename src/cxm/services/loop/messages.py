"""Texts of the loop's e-mails, in Polish and English (the customer's language for customers,
the server's default language for staff)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "pl": {
        "case_opened": (
            "[cxm] Nowa sprawa #{id}: {title}",
            "Otwarto sprawę #{id} ({priority}) w dziale {department}.\n"
            "Pierwsza odpowiedź do: {first_due} UTC, rozwiązanie do: {resolution_due} UTC.\n"
            "{link}\n",
        ),
        "case_escalated": (
            "[cxm] Eskalacja sprawy #{id}: przekroczono SLA ({clock})",
            "Sprawa #{id} „{title}” przekroczyła termin ({clock}). Priorytet: {priority}.\n"
            "Opiekun: {owner}.\n{link}\n",
        ),
        "complaint_ack": (
            "Potwierdzenie przyjęcia reklamacji {reference}",
            "Dzień dobry,\n\npotwierdzamy przyjęcie reklamacji nr {reference}. Odpowiemy "
            "najpóźniej {resolution_due}. Status reklamacji możemy podać, powołując się na jej "
            "numer.\n\nZ poważaniem\nZespół obsługi klienta\n",
        ),
        "complaint_response": (
            "Odpowiedź na reklamację {reference}",
            "Dzień dobry,\n\nw sprawie reklamacji nr {reference}:\n\n{response}\n\n"
            "Z poważaniem\nZespół obsługi klienta\n",
        ),
        "follow_up": (
            "Dziękujemy za opinię — co zrobiliśmy",
            "Dzień dobry,\n\ndziękujemy za Pani/Pana opinię. {resolution}\n\n"
            "Czy teraz jest lepiej? Prosimy o krótką ocenę: {link}\n\n"
            "Z poważaniem\nZespół obsługi klienta\n",
        ),
        "standard_breached": (
            "[cxm] Naruszony standard: {standard} ({scope})",
            "Standard „{standard}” dla {scope}: wartość {value}, cel {target} "
            "(okno {window} dni).\n{link}\n",
        ),
    },
    "en": {
        "case_opened": (
            "[cxm] New case #{id}: {title}",
            "Case #{id} ({priority}) was opened in {department}.\n"
            "First response due {first_due} UTC, resolution due {resolution_due} UTC.\n"
            "{link}\n",
        ),
        "case_escalated": (
            "[cxm] Case #{id} escalated: SLA breached ({clock})",
            "Case #{id} “{title}” passed its deadline ({clock}). Priority: {priority}.\n"
            "Owner: {owner}.\n{link}\n",
        ),
        "complaint_ack": (
            "We have received your complaint {reference}",
            "Hello,\n\nwe confirm that we received your complaint {reference}. We will answer "
            "by {resolution_due} at the latest. Quote this reference to ask about it.\n\n"
            "Kind regards\nCustomer service\n",
        ),
        "complaint_response": (
            "Our answer to your complaint {reference}",
            "Hello,\n\nregarding your complaint {reference}:\n\n{response}\n\n"
            "Kind regards\nCustomer service\n",
        ),
        "follow_up": (
            "Thank you for your feedback — what we did",
            "Hello,\n\nthank you for your feedback. {resolution}\n\n"
            "Is it better now? A short rating, please: {link}\n\n"
            "Kind regards\nCustomer service\n",
        ),
        "standard_breached": (
            "[cxm] Standard breached: {standard} ({scope})",
            "Standard “{standard}” for {scope}: value {value}, target {target} "
            "(window {window} days).\n{link}\n",
        ),
    },
}


def message(language: str | None, name: str, **values: object) -> tuple[str, str]:
    """(subject, text) of message ``name`` in ``language`` (Polish when unknown)."""
    subject, text = MESSAGES.get(language or "pl", MESSAGES["pl"])[name]
    return subject.format(**values), text.format(**values)
