"""Programme news: what changed in customer experience, which ideas were implemented and
what they changed — a page and a periodic e-mail digest to every employee (one message
per employee and ISO week, through the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.domain.people import MAX_TEXT, MAX_TITLE
from cxm.services.people.common import EMPLOYEES, T, now
from cxm.services.people.outcomes import Outcome, measure_outcome
from cxm.services.runtime import Runtime
from cxm.store import people_outbox

NEWS = T["news_items"]
IDEAS = T["ideas"]
ACTIONS = T["improvement_actions"]


@dataclass(frozen=True)
class NewsView:
    id: int
    title: str
    body: str
    idea_id: int | None
    published_at: datetime


@dataclass(frozen=True)
class ImplementedIdea:
    id: int
    title: str
    implemented_on: date
    touchpoints: tuple[str, ...]
    outcome: Outcome | None


def publish_news(
    rt: Runtime,
    principal: Principal | None,
    title: str,
    body: str,
    *,
    idea_id: int | None = None,
    published_at: datetime | None = None,
) -> int:
    title, body = title.strip(), body.strip()
    if not title or len(title) > MAX_TITLE or not body or len(body) > MAX_TEXT:
        raise ValidationFailed("news needs a title and a text", field="title")
    with rt.db.write() as conn:
        result = conn.execute(
            NEWS.insert().values(
                title=title,
                body=body,
                idea_id=idea_id,
                published_at=published_at or now(),
                author_user_id=principal.user_id if principal else None,
            )
        )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def list_news(rt: Runtime, *, since: datetime | None = None, limit: int = 50) -> list[NewsView]:
    query = select(NEWS).order_by(NEWS.c.published_at.desc(), NEWS.c.id.desc()).limit(limit)
    if since is not None:
        query = query.where(NEWS.c.published_at >= since)
    with rt.db.read() as conn:
        rows = conn.execute(query).all()
    return [NewsView(r.id, r.title, r.body, r.idea_id, r.published_at) for r in rows]


def implemented_ideas(
    rt: Runtime, *, measure: bool = True, limit: int = 20
) -> list[ImplementedIdea]:
    """Implemented ideas, newest first, with the measured change of their touch-points."""
    query = (
        select(
            IDEAS.c.id,
            IDEAS.c.title,
            IDEAS.c.implemented_on,
            IDEAS.c.touchpoint,
            ACTIONS.c.touchpoints,
        )
        .outerjoin(ACTIONS, ACTIONS.c.idea_id == IDEAS.c.id)
        .where(IDEAS.c.status == "implemented")
        .order_by(IDEAS.c.implemented_on.desc(), IDEAS.c.id.desc())
        .limit(limit)
    )
    with rt.db.read() as conn:
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        targets = tuple(t for t in (r.touchpoints or "").split("|") if t) or (
            (r.touchpoint,) if r.touchpoint else ()
        )
        outcome = (
            measure_outcome(rt, targets, r.implemented_on)
            if measure and targets and r.implemented_on
            else None
        )
        out.append(ImplementedIdea(r.id, r.title, r.implemented_on, targets, outcome))
    return out


def _digest_text(rt: Runtime, news: list[NewsView], ideas: list[ImplementedIdea]) -> str:
    base = rt.settings.public_base_url.rstrip("/")
    lines = ["Co nowego w programie doświadczeń klienta / What is new in customer experience", ""]
    for item in news:
        lines += [f"* {item.title}", f"  {item.body}", ""]
    if ideas:
        lines.append("Wdrożone pomysły / Implemented ideas:")
    for idea in ideas:
        change = "jeszcze niemierzalne / not yet measurable"
        if idea.outcome is not None and idea.outcome.measurable:
            nps = idea.outcome.differences[0]
            change = f"NPS {nps.difference:+.1f} ({nps.low:+.1f} … {nps.high:+.1f})"
        lines.append(f"- {idea.title} ({idea.implemented_on}): {change}  {base}/ideas/{idea.id}")
    lines += ["", f"{base}/news"]
    return "\n".join(lines) + "\n"


def queue_news_digest(rt: Runtime, today: date | None = None, days: int = 7) -> int:
    """The digest of the last ``days`` to every active employee with an address, once per
    ISO week (key ``news:<YYYY-Www>:<employee>``); nothing when nothing happened."""
    today = today or now().date()
    since = datetime.combine(today - timedelta(days=days), datetime.min.time())
    news = list_news(rt, since=since)
    ideas = [i for i in implemented_ideas(rt) if i.implemented_on >= since.date()]
    if not news and not ideas:
        return 0
    text = _digest_text(rt, news, ideas)
    year, week, _ = today.isocalendar()
    stamp = now()
    made = 0
    with rt.db.read() as conn:
        staff = conn.execute(
            select(EMPLOYEES.c.external_id, EMPLOYEES.c.email).where(
                EMPLOYEES.c.active.is_(True), EMPLOYEES.c.email.is_not(None)
            )
        ).all()
    with rt.db.write() as conn:
        for person in staff:
            key = f"news:{year}-W{week:02d}:{person.external_id}"
            subject = "cxm: wiadomości programu CX / CX programme news"
            if people_outbox.enqueue(conn, key, person.email, subject, text, stamp):
                made += 1
    return made
