"""Demo surveys: transactional CSAT/CES at key touch-points, a relationship NPS with an
emotion question, trigger rules judged over the last weeks of interactions, and a funnel
history (sent, reminded, opened, started, completed) whose completions go through the real
answer path, so the survey pages show real numbers."""

# ruff: noqa: E501 - demo texts and rules read best one to a line

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from cxm.services import mirror
from cxm.services.runtime import Runtime
from cxm.services.surveys import answering, designer, tokens, triggers
from cxm.store import surveys_invitations as store

#: The last interactions judged by the demo's trigger rules.
WINDOW = 20_000


def _t(pl: str, en: str) -> dict[str, str]:
    return {"pl": pl, "en": en}


FEEL = {"key": "feel", "type": "emotion", "text": _t("Jak się czułeś po tym kontakcie?", "How did this contact make you feel?")}  # fmt: skip
COMMENT = {"key": "comment", "type": "text", "text": _t("Co możemy poprawić?", "What could we do better?")}  # fmt: skip

SURVEYS: tuple[tuple[str, str, str, dict[str, Any], dict[str, Any]], ...] = (
    ("csat_hotline", "CSAT — infolinia i czat", "transactional", {
        "title": _t("Twoja rozmowa z nami", "Your conversation with us"),
        "intro": _t("Dwa krótkie pytania.", "Two short questions."),
        "questions": [
            {"key": "csat", "type": "csat", "required": True,
             "text": _t("Jak oceniasz rozmowę?", "How satisfied are you with the conversation?")},
            {"key": "why_low", "type": "single", "show_if": [{"question": "csat", "op": "lte", "value": 3}],
             "text": _t("Co zawiodło?", "What let you down?"),
             "choices": [{"key": "waiting", "text": _t("Czas oczekiwania", "Waiting time")},
                         {"key": "knowledge", "text": _t("Wiedza konsultanta", "Agent's knowledge")},
                         {"key": "unresolved", "text": _t("Sprawa nierozwiązana", "Not resolved")}]},
            FEEL, COMMENT,
        ]}, {"reminder_after_hours": 48, "fatigue_days": 30}),
    ("ces_order", "CES — zamówienie i zakup", "transactional", {
        "title": _t("Twoje zamówienie", "Your order"),
        "questions": [
            {"key": "ces", "type": "ces", "required": True,
             "text": _t("Jak łatwo było złożyć zamówienie?", "How easy was it to place your order?")},
            {"key": "csat", "type": "csat", "text": _t("Jak oceniasz zakup?", "How satisfied are you with the purchase?")},
            COMMENT,
        ]}, {"reminder_after_hours": 72, "fatigue_days": 30}),
    ("csat_technician", "CSAT — wizyta technika", "transactional", {
        "title": _t("Wizyta technika", "The technician's visit"),
        "questions": [
            {"key": "csat", "type": "csat", "required": True, "text": _t("Jak oceniasz wizytę?", "How satisfied are you with the visit?")},
            {"key": "on_time", "type": "single", "text": _t("Czy technik był punktualny?", "Was the technician on time?"),
             "choices": [{"key": "yes", "text": _t("Tak", "Yes")}, {"key": "no", "text": _t("Nie", "No")}]},
            FEEL,
        ]}, {"reminder_after_hours": 48, "fatigue_days": 60}),
    ("nps_relationship", "NPS relacyjny", "relationship", {
        "title": _t("Co myślisz o nas?", "What do you think of us?"),
        "intro": _t("Ankieta zajmie minutę.", "This takes a minute."),
        "thank_you": _t("Dziękujemy! Każda odpowiedź jest czytana.", "Thank you! We read every answer."),
        "questions": [
            {"key": "nps", "type": "nps", "required": True,
             "text": _t("Jak bardzo prawdopodobne jest, że polecisz nas znajomym?", "How likely are you to recommend us to a friend?")},
            {"key": "feel", "type": "emotion", "required": True,
             "emotions": ["joy", "trust", "surprise", "calm", "frustration", "anger", "disappointment", "worry"],
             "text": _t("Jakie uczucie najlepiej opisuje naszą współpracę?", "Which feeling best describes our relationship?")},
            {"key": "improve", "type": "multiple", "show_if": [{"question": "nps", "op": "lte", "value": 8}],
             "text": _t("Co powinniśmy poprawić?", "What should we improve?"),
             "choices": [{"key": "price", "text": _t("Ceny", "Prices")},
                         {"key": "network", "text": _t("Jakość sieci", "Network quality")},
                         {"key": "service", "text": _t("Obsługa", "Service")},
                         {"key": "billing", "text": _t("Rachunki", "Billing")}]},
            COMMENT,
        ]}, {"reminder_after_hours": 96, "fatigue_days": 90}),
)  # fmt: skip

RULES: tuple[dict[str, Any], ...] = (
    {"name": "Infolinia → CSAT", "survey": "csat_hotline", "touchpoint": "hotline", "delay_minutes": 30, "sampling_percent": 60},
    {"name": "Czat → CSAT", "survey": "csat_hotline", "touchpoint": "chat_support", "delay_minutes": 15, "sampling_percent": 60},
    {"name": "Zamówienie online → CES", "survey": "ces_order", "touchpoint": "online_order", "delay_minutes": 120, "sampling_percent": 70},
    {"name": "Sprzedaż w salonie → CES", "survey": "ces_order", "touchpoint": "store_sale", "delay_minutes": 180, "sampling_percent": 50},
    {"name": "Wizyta technika → CSAT", "survey": "csat_technician", "touchpoint": "technician_visit", "delay_minutes": 240, "sampling_percent": 80},
    {"name": "Faktura → NPS relacyjny", "survey": "nps_relationship", "touchpoint": "invoice", "delay_minutes": 1440, "sampling_percent": 15},
)  # fmt: skip

COMMENTS = {
    "pl": ("Szybko i konkretnie.", "Długo czekałem na połączenie.", "Miła obsługa, dziękuję.",
           "Nadal nie działa internet.", "Wszystko w porządku."),
    "en": ("Quick and helpful.", "I waited too long.", "Friendly staff, thank you.",
           "The internet still does not work.", "All good."),
}  # fmt: skip
POSITIVE = ("joy", "trust", "calm", "surprise")
NEGATIVE = ("frustration", "anger", "disappointment", "worry")


def _answers(rng: random.Random, survey: str, language: str) -> dict[str, list[str]]:
    happy = rng.random() < 0.7
    form: dict[str, list[str]] = {}
    if survey == "nps_relationship":
        nps = rng.randint(8, 10) if happy else rng.randint(0, 7)
        form["nps"] = [str(nps)]
        form["improve"] = rng.sample(["price", "network", "service", "billing"], rng.randint(1, 2))
    else:
        score = rng.randint(4, 5) if happy else rng.randint(1, 3)
        form["csat"] = [str(score)]
        form["ces"] = [str(rng.randint(1, 3) if happy else rng.randint(4, 7))]
        form["why_low"] = [rng.choice(["waiting", "knowledge", "unresolved"])]
        form["on_time"] = ["yes" if happy else rng.choice(["yes", "no"])]
    form["feel"] = [rng.choice(POSITIVE if happy else NEGATIVE)]
    if rng.random() < 0.35:
        form["comment"] = [rng.choice(COMMENTS[language][:3] if happy else COMMENTS[language][1:4])]
    return form


def generate_surveys(rt: Runtime, seed: int = 7) -> dict[str, int]:
    """Surveys, rules, decisions and a funnel history; counts of what was made."""
    if any(s["key"] == "csat_hotline" for s in designer.list_surveys(rt)):
        return {}
    for key, name, kind, definition, distribution in SURVEYS:
        designer.create_survey(rt, key, name, definition, kind=kind, distribution=distribution)
        designer.publish_survey(rt, key, "demo")
    for rule in RULES:
        triggers.create_rule(rt, {**rule, "quiet_start": 21, "quiet_end": 8})
    top, latest = store.interaction_bounds(rt.db)
    if latest is None:
        return {"surveys": len(SURVEYS)}
    triggers.update_trigger_settings(
        rt,
        {
            "last_interaction_id": max(0, top - WINDOW),
            "max_age_days": 45,
            "global_fatigue_days": 14,
        },
    )
    decided = triggers.evaluate_triggers(rt, now=latest + timedelta(days=1))
    funnel = _simulate_funnel(rt, seed, latest)
    mirror.refresh_mirror(rt)  # the answers are responses: analytics must see them too
    return {"surveys": len(SURVEYS), **decided, **funnel}


def _simulate_funnel(rt: Runtime, seed: int, latest: datetime) -> dict[str, int]:
    """Send, remind, open, start and complete a realistic share of the invitations; the
    newest (sent after the demo's last day) stay unanswered."""
    rng = random.Random(seed)
    counts = {"sent": 0, "reminded": 0, "opened": 0, "completed": 0}
    keys = {s["id"]: s["key"] for s in designer.list_surveys(rt)}
    for inv in store.pending_invitations(rt.db):
        sent_at = inv["send_after"]
        if sent_at > latest + timedelta(days=1):
            continue
        store.confirm_sent(rt.db, inv["id"], f"<demo-{inv['nonce']}@cxm>", sent_at, reminder=False)
        counts["sent"] += 1
        token = tokens.sign_invitation(rt.settings, inv["nonce"], inv["expires_at"])
        opened = rng.random() < 0.58
        if not opened or rng.random() < 0.3:
            store.confirm_sent(rt.db, inv["id"], "", sent_at + timedelta(days=2), reminder=True)
            counts["reminded"] += 1
        if not opened:
            continue
        at = sent_at + timedelta(hours=rng.uniform(0.2, 30))
        answering.open_answer(rt, token, now=at)
        counts["opened"] += 1
        if rng.random() < 0.12:
            continue  # opened, never started
        form = _answers(rng, keys[inv["survey_id"]], inv["language"])
        for _ in range(4):  # one step at a time, like a respondent
            state = answering.submit_answer(rt, token, form, now=at)
            if state.state != "question" or rng.random() < 0.06:
                break  # done, or left part-way (saved, resumable)
            at += timedelta(minutes=1)
        if state.state == "thanks":
            counts["completed"] += 1
    return counts
