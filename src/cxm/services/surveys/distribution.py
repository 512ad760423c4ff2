"""Distribution: e-mail invitations and one reminder (templated, Polish and English, with an
unsubscribe link), links and QR codes per touch-point, and an embeddable snippet.

Sending is claim → send → confirm: an invitation is claimed in a transaction, the message
goes out with a stable Message-ID (derived from the invitation), then it is marked sent. A
crash between send and confirm leaves a stale claim that the next run retries with the same
Message-ID, so a receiving system can drop the duplicate; nothing is ever lost."""

from __future__ import annotations

import html
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import segno

from cxm.domain.errors import ValidationFailed
from cxm.services import mailer
from cxm.services.runtime import Runtime
from cxm.services.surveys import designer, invitations, tokens
from cxm.store import surveys_invitations as store
from cxm.store import surveys_records as records
from cxm.store.bulk import utc_now

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)
SEND_BATCH = 200

SUBJECTS = {
    "invite": {"pl": "Jak oceniasz kontakt z nami? {title}", "en": "How did we do? {title}"},
    "remind": {"pl": "Przypomnienie: {title}", "en": "Reminder: {title}"},
}
BODIES = {
    "pl": (
        "Dzień dobry,\n\nbędziemy wdzięczni za kilka minut i odpowiedź na ankietę „{title}”:\n"
        "{link}\n\nLink jest ważny do {expires} i można go użyć raz.\n\n"
        "Nie chcesz otrzymywać ankiet? Wypisz się: {unsubscribe}\n"
    ),
    "en": (
        "Hello,\n\nwe would be grateful for a few minutes of your time to answer “{title}”:\n"
        "{link}\n\nThe link is valid until {expires} and can be used once.\n\n"
        "Prefer not to receive surveys? Unsubscribe: {unsubscribe}\n"
    ),
}


def _base(rt: Runtime) -> str:
    return rt.settings.public_base_url.rstrip("/")


def compose(
    rt: Runtime, invitation: dict[str, Any], survey: dict[str, Any], *, reminder: bool
) -> mailer.Email:
    """The invitation (or reminder) e-mail in the invitation's language."""
    language = invitation["language"] if invitation["language"] in ("pl", "en") else "pl"
    definition = designer.DEFINITIONS.get(rt, survey["id"], invitation["version"])
    settings = survey["distribution"]
    link = invitations.invitation_link(rt, invitation["nonce"], invitation["expires_at"])
    unsubscribe = f"{_base(rt)}/s/u/{tokens.sign_unsubscribe(rt.settings, invitation['nonce'])}"
    values = {
        "title": definition.title.get(language),
        "link": link,
        "unsubscribe": unsubscribe,
        "expires": invitation["expires_at"].strftime("%Y-%m-%d"),
    }
    kind = "remind" if reminder else "invite"
    subject = (settings.get(f"email_subject_{language}") or SUBJECTS[kind][language]).format(
        **values
    )
    if reminder and settings.get(f"email_subject_{language}"):
        subject = SUBJECTS["remind"][language].format(title=subject)
    body = (settings.get(f"email_body_{language}") or BODIES[language]).format(**values)
    if unsubscribe not in body:
        body += f"\n{unsubscribe}\n"
    escaped = {k: html.escape(v) for k, v in values.items()}
    html_body = "<p>" + html.escape(body).replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p>"
    html_body = html_body.replace(
        escaped["link"], f'<a href="{escaped["link"]}">{escaped["link"]}</a>', 1
    )
    suffix = "r" if reminder else "i"
    return mailer.Email(
        to=invitation["email"],
        subject=subject,
        text=body,
        html=html_body,
        headers=(
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("X-Cxm-Invitation", f"{invitation['id']}-{suffix}"),
            ("Message-ID", f"<cxm-survey-{invitation['nonce']}-{suffix}@cxm>"),
        ),
    )


def send_due(rt: Runtime, now: datetime | None = None, *, reminders: bool = True) -> dict[str, int]:
    """Send every due invitation, then every due reminder; counts of sent, failed, skipped."""
    now = now or utc_now()
    counts = {"sent": 0, "reminded": 0, "failed": 0, "skipped": 0}
    opted_customers, opted_emails = records.opted_out(rt.db)
    surveys: dict[int, dict[str, Any]] = {}
    for reminder in (False, True) if reminders else (False,):
        rows = _claim(rt, now, reminder, surveys)
        for invitation in rows:
            survey = surveys[invitation["survey_id"]]
            if invitation["customer_id"] in opted_customers or (
                (invitation["email"] or "").lower() in opted_emails
            ):
                if not reminder:
                    store.mark_status(rt.db, [invitation["id"]], "opted_out")
                counts["skipped"] += 1
                continue
            try:
                message_id = mailer.send_email(
                    rt.settings, compose(rt, invitation, survey, reminder=reminder)
                )
            except OSError as exc:  # SMTPException is an OSError: retried after STALE_CLAIM
                log.warning("survey e-mail %s failed: %s", invitation["id"], exc)
                counts["failed"] += 1
                continue
            store.confirm_sent(rt.db, invitation["id"], message_id, utc_now(), reminder=reminder)
            counts["reminded" if reminder else "sent"] += 1
    return counts


def _claim(
    rt: Runtime, now: datetime, reminder: bool, surveys: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    claimed: list[dict[str, Any]] = []
    remind_before = None
    if reminder:
        # per-survey delays differ: claim with the shortest, filter the rest back out below
        for survey in designer.list_surveys(rt):
            surveys.setdefault(survey["id"], survey)
        hours = [int(s["distribution"].get("reminder_after_hours", 0)) for s in surveys.values()]
        hours = [h for h in hours if h > 0]
        if not hours:
            return []
        remind_before = now - timedelta(hours=min(hours))
    rows = store.claim_due(
        rt.db,
        now,
        now - STALE_CLAIM,
        SEND_BATCH * 50,
        reminder=reminder,
        remind_before=remind_before,
    )
    for row in rows:
        survey = surveys.get(row["survey_id"]) or designer.get_survey(
            rt,
            records.fetch_survey_by_id(rt.db, row["survey_id"])["key"],  # type: ignore[index]
        )
        surveys[row["survey_id"]] = survey
        if reminder:
            delay = int(survey["distribution"].get("reminder_after_hours", 0))
            if delay <= 0 or row["sent_at"] > now - timedelta(hours=delay):
                store.release_reminder_claim(rt.db, row["id"])
                continue
        claimed.append(row)
    return claimed


def unsubscribe(rt: Runtime, token: str) -> bool | None:
    """Opt the invitation's customer (and address) out of surveys; None if the link is bad."""
    nonce = tokens.read_unsubscribe(rt.settings, token)
    if nonce is None:
        return None
    invitation = store.fetch_for_answer(rt.db, nonce)
    if invitation is None:
        return None
    records.add_opt_out(rt.db, invitation["customer_id"], invitation["email"], utc_now())
    return True


def check_unsubscribe(rt: Runtime, token: str) -> bool:
    return tokens.read_unsubscribe(rt.settings, token) is not None


# --- links, QR codes, embedding ---------------------------------------------------------------


@dataclass(frozen=True)
class TouchpointLink:
    survey: str
    touchpoint: str
    url: str
    qr_url: str
    embed_url: str
    snippet: str


def touchpoint_link(rt: Runtime, survey_key: str, touchpoint: str) -> TouchpointLink:
    """The public link of a survey at a touch-point, its QR code link and an embed snippet."""
    survey = designer.get_customer_survey(rt, survey_key)
    if touchpoint not in rt.taxonomy.keys("touchpoint"):
        raise ValidationFailed(
            f"'{touchpoint}' is not a touch-point of the CX model", field="touchpoint"
        )
    base = _base(rt)

    def signed(via: str) -> str:
        return f"{base}/s/l/{tokens.sign_touchpoint(rt.settings, survey['key'], touchpoint, via)}"

    link, qr, embed = signed("link"), signed("qr"), signed("embed") + "?embed=1"
    title = html.escape(survey["name"])
    snippet = (
        f'<iframe src="{html.escape(embed)}" title="{title}" loading="lazy" '
        'style="width:100%;max-width:640px;min-height:560px;border:0"></iframe>\n'
        f'<noscript><a href="{html.escape(link)}">{title}</a></noscript>'
    )
    return TouchpointLink(survey_key, touchpoint, link, qr, embed, snippet)


def qr_code(rt: Runtime, survey_key: str, touchpoint: str, kind: str = "svg") -> bytes:
    """The QR code (PNG or SVG) of a touch-point's link for counters and receipts."""
    target = touchpoint_link(rt, survey_key, touchpoint).qr_url
    code = segno.make(target, error="m")
    out = io.BytesIO()
    if kind == "png":
        code.save(out, kind="png", scale=8, border=2)
    elif kind == "svg":
        code.save(
            out, kind="svg", scale=6, border=2, xmldecl=False, title=f"{survey_key} {touchpoint}"
        )
    else:
        raise ValidationFailed("format must be png or svg", field="format")
    return out.getvalue()
