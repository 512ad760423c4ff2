"""Demo feedback: transactional survey answers after interactions, relationship NPS surveys
with attribute ratings, and indirect feedback (reviews, social posts, word of mouth).

Scores come from one latent satisfaction per response: the touch-point's usual level, the
interaction's outcome, the customer's mood and noise, plus the planted effects (a worse
mobile app after its release, invoice errors). Comments are drawn from the pool cell that
matches the response's language, topic and score-derived sentiment."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from cxm.services.demo import catalogue as cat
from cxm.services.demo import effects
from cxm.services.demo.columns import (
    choose,
    ids,
    ids_nullable,
    small_ints,
    take,
    take_nullable,
    timestamps,
)
from cxm.services.demo.comments import TOPICS, CommentPool, topic_index
from cxm.services.demo.interactions import INTERACTION_ID_WIDTH, Interactions
from cxm.services.demo.phrases import TOUCHPOINT_TOPIC
from cxm.services.demo.population import (
    CUSTOMER_ID_WIDTH,
    EMPLOYEE_ID_WIDTH,
    LIFECYCLE,
    SEGMENTS,
    Customers,
)
from cxm.services.demo.seasons import DAY, EPOCH, range_seconds, sample_times
from cxm.services.demo.vocabulary import Vocabulary

RESPONSE_ID_WIDTH = 10
SOURCES = ("survey", "review", "social", "word_of_mouth")
INDIRECT_SHARES = {"review": 0.45, "social": 0.4, "word_of_mouth": 0.15}
INDIRECT_CHANNEL = {"review": "website", "social": "social_media", "word_of_mouth": "store"}
COMMENT_RATE = np.array([0.55, 0.25, 0.35])  # by sentiment: negative, neutral, positive
EFFORT_TOUCHPOINTS = (
    "service_activation",
    "mobile_app_use",
    "online_account",
    "hotline",
    "chat_support",
    "store_service",
    "fault_repair",
    "complaint",
    "cancellation",
    "payment",
)
_DETERIORATION_AT = int(
    (np.datetime64(effects.DETERIORATION_DATE, "s") - np.datetime64(EPOCH, "s")).astype(np.int64)
)


@dataclass
class Responses:
    """One chunk of responses as index arrays; -1 means missing."""

    number: np.ndarray
    customer: np.ndarray
    interaction: np.ndarray
    source: np.ndarray
    time: np.ndarray
    nps: np.ndarray
    csat: np.ndarray
    ces: np.ndarray
    comment: np.ndarray  # object: str or None
    touchpoint: np.ndarray
    channel: np.ndarray
    product: np.ndarray
    department: np.ndarray
    process: np.ndarray
    transaction_type: np.ndarray
    employee: np.ndarray
    answers: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.number.size)


def nps_from(z: np.ndarray) -> np.ndarray:
    return np.clip(np.round(7.25 + 2.0 * z), 0, 10).astype(np.int16)


def csat_from(rng: np.random.Generator, z: np.ndarray) -> np.ndarray:
    noisy = z + rng.normal(0, 0.45, z.size)
    return (1 + (noisy[:, None] > np.array([-1.7, -0.9, -0.1, 0.8])).sum(axis=1)).astype(np.int16)


def ces_from(rng: np.random.Generator, z: np.ndarray) -> np.ndarray:
    noisy = z + rng.normal(0, 0.6, z.size)
    cuts = np.array([-2.0, -1.4, -0.8, -0.2, 0.4, 1.0])
    return (1 + (noisy[:, None] > cuts).sum(axis=1)).astype(np.int16)


def sentiment_of(nps: np.ndarray, csat: np.ndarray) -> np.ndarray:
    """0 negative, 1 neutral, 2 positive: from NPS when given, else from CSAT."""
    from_nps = np.where(nps <= 6, 0, np.where(nps <= 8, 1, 2))
    from_csat = np.where(csat <= 2, 0, np.where(csat == 3, 1, 2))
    return np.where(nps >= 0, from_nps, from_csat).astype(np.int64)


def _comments(
    rng: np.random.Generator,
    pool: CommentPool,
    language: np.ndarray,
    topic: np.ndarray,
    sentiment: np.ndarray,
    always: bool = False,
) -> np.ndarray:
    n = language.size
    out = np.full(n, None, dtype=object)
    has = np.ones(n, dtype=bool) if always else rng.random(n) < COMMENT_RATE[sentiment]
    generic = rng.random(n) < 0.12
    topic = np.where(generic, topic_index("generic"), topic)
    out[has] = pool.pick(rng, language[has], topic[has], sentiment[has])
    return out


def _touchpoint_topics(v: Vocabulary) -> np.ndarray:
    return np.array([topic_index(TOUCHPOINT_TOPIC[t]) for t in v.touchpoints])


def _planted_shift(v: Vocabulary, tp: np.ndarray, time: np.ndarray) -> np.ndarray:
    worse = (tp == v.tp(effects.DETERIORATING_TOUCHPOINT)) & (time >= _DETERIORATION_AT)
    return np.where(worse, effects.DETERIORATION_SHIFT, 0.0)


def _topics(
    rng: np.random.Generator,
    v: Vocabulary,
    tp: np.ndarray,
    time: np.ndarray,
    sentiment: np.ndarray,
    billing_error: np.ndarray,
) -> np.ndarray:
    topic = _touchpoint_topics(v)[tp]
    released = (tp == v.tp(effects.DETERIORATING_TOUCHPOINT)) & (time >= _DETERIORATION_AT)
    topic = np.where(
        released & (sentiment < 2) & (rng.random(tp.size) < 0.6), topic_index("app_release"), topic
    )
    return np.where(billing_error, topic_index("billing_error"), topic)


def transactional(
    rng: np.random.Generator,
    v: Vocabulary,
    c: Customers,
    ix: Interactions,
    rate: float,
    pool: CommentPool,
    first_number: int,
) -> Responses:
    """Survey answers to a share of the interactions (customers who consented)."""
    _, end = range_seconds()
    propensity = np.array([cat.SURVEY_PROPENSITY[t] for t in v.touchpoints])[ix.touchpoint]
    propensity = propensity * c.consent_survey[ix.customer]
    scale = rate / max(float(propensity.mean()), 1e-9)
    time = ix.time + rng.integers(600, 3 * DAY, ix.size)
    chosen = (rng.random(ix.size) < propensity * scale) & (time < end)
    s = ix.select(chosen)
    time = time[chosen]
    n = s.size
    base = np.array([cat.TOUCHPOINT_BASE[t] for t in v.touchpoints])[s.touchpoint]
    billing_error = s.invoice_error | s.error_complaint
    z = (
        base
        + s.shift
        + c.mood[s.customer]
        + rng.normal(0, 1, n)
        + _planted_shift(v, s.touchpoint, time)
        + np.where(billing_error, effects.ERROR_SHIFT, 0.0)
    )
    nps = np.where(rng.random(n) < 0.85, nps_from(z), -1)
    csat = csat_from(rng, z)
    effort = np.isin(s.touchpoint, [v.tp(t) for t in EFFORT_TOUCHPOINTS])
    ces = np.where(rng.random(n) < np.where(effort, 0.8, 0.15), ces_from(rng, z), -1)
    sentiment = sentiment_of(nps, csat)
    topic = _topics(rng, v, s.touchpoint, time, sentiment, billing_error)
    return Responses(
        number=first_number + np.arange(n),
        customer=s.customer,
        interaction=s.number,
        source=np.zeros(n, dtype=np.int8),
        time=time,
        nps=nps,
        csat=csat,
        ces=ces,
        comment=_comments(rng, pool, c.language[s.customer], topic, sentiment),
        touchpoint=s.touchpoint,
        channel=s.channel,
        product=s.product,
        department=s.department,
        process=s.process,
        transaction_type=s.transaction_type,
        employee=s.employee,
    )


def relationship(
    rng: np.random.Generator,
    v: Vocabulary,
    c: Customers,
    n: int,
    pool: CommentPool,
    first_number: int,
) -> Responses:
    """Relationship NPS surveys with attribute ratings; one driver dominates (effect 2)."""
    time = sample_times(rng, n)
    cust = c.existing_at(rng, time)
    ok = ~c.prospect[cust] & c.consent_survey[cust] & (time < c.churned_at[cust])
    time, cust = time[ok], cust[ok]
    n = cust.size
    attrs = effects.RELATIONSHIP_ATTRIBUTES
    latent = rng.normal(0, 1, (n, len(attrs)))
    weights = np.array([effects.DRIVER_WEIGHTS[a] for a in attrs])
    loyalty = latent @ weights + rng.normal(0, effects.DRIVER_NOISE, n)
    loyalty = loyalty / np.sqrt(weights @ weights + effects.DRIVER_NOISE**2)
    nps = nps_from(loyalty * 1.05 + 0.05)
    cuts = np.array([-1.5, -0.6, 0.3, 1.2])
    ratings = {
        a: (1 + ((latent[:, i] + rng.normal(0, 0.3, n))[:, None] > cuts).sum(axis=1)).astype(
            np.int16
        )
        for i, a in enumerate(attrs)
    }
    sentiment = sentiment_of(nps, np.full(n, -1))
    weighted = latent * weights
    pick = np.where(
        sentiment == 0,
        weighted.argmin(axis=1),
        np.where(sentiment == 2, weighted.argmax(axis=1), rng.integers(0, len(attrs), n)),
    )
    topic = np.array([topic_index(f"rel_{a}") for a in attrs])[pick]
    mark = np.full(n, -1, dtype=np.int16)
    return Responses(
        number=first_number + np.arange(n),
        customer=cust,
        interaction=np.full(n, -1),
        source=np.zeros(n, dtype=np.int8),
        time=time,
        nps=nps,
        csat=mark,
        ces=mark,
        comment=_comments(rng, pool, c.language[cust], topic, sentiment),
        touchpoint=np.full(n, -1, dtype=np.int16),
        channel=np.full(n, v.channels.index("email"), dtype=np.int16),
        product=c.product[cust].astype(np.int16),
        department=np.full(n, v.dept("retention"), dtype=np.int16),
        process=np.full(n, v.processes.index("retention"), dtype=np.int16),
        transaction_type=np.full(n, v.transaction_types.index("renewal"), dtype=np.int16),
        employee=np.zeros(n, dtype=np.int64),
        answers=ratings,
    )


def indirect(
    rng: np.random.Generator,
    v: Vocabulary,
    c: Customers,
    n: int,
    pool: CommentPool,
    first_number: int,
) -> Responses:
    """Reviews (with a star rating), social posts and word of mouth about a touch-point."""
    time = sample_times(rng, n)
    cust = c.existing_at(rng, time)
    source = 1 + choose(rng, INDIRECT_SHARES, n)
    weights = {t: cat.TOUCHPOINT_WEIGHTS[t] * cat.SURVEY_PROPENSITY[t] for t in v.touchpoints}
    tp = choose(rng, weights, n).astype(np.int16)
    channel = np.array([v.channels.index(INDIRECT_CHANNEL[s]) for s in INDIRECT_SHARES])[source - 1]
    process = np.zeros(n, dtype=np.int16)
    ttype = np.zeros(n, dtype=np.int16)
    for t, key in enumerate(v.touchpoints):
        mask = tp == t
        if mask.any():
            pairs = list(cat.WORK_MIX[key])
            drawn = choose(rng, cat.WORK_MIX[key], int(mask.sum()))
            process[mask] = np.array([v.processes.index(p) for p, _ in pairs])[drawn]
            ttype[mask] = np.array([v.transaction_types.index(x) for _, x in pairs])[drawn]
    department = v.touchpoint_department[tp].copy()
    complaint = tp == v.tp("complaint")
    causes = np.array([v.dept(d) for d in cat.COMPLAINT_CAUSES])
    department[complaint] = causes[choose(rng, cat.COMPLAINT_CAUSES, int(complaint.sum()))]
    base = np.array([cat.TOUCHPOINT_BASE[t] for t in v.touchpoints])[tp]
    z = base - 0.4 + c.mood[cust] + rng.normal(0, 1.2, n) + _planted_shift(v, tp, time)
    review = source == SOURCES.index("review")
    csat = np.where(review, csat_from(rng, z), -1)
    sentiment = np.where(review, sentiment_of(np.full(n, -1), csat), np.digitize(z, [-0.5, 0.5]))
    topic = _topics(rng, v, tp, time, sentiment, np.zeros(n, dtype=bool))
    mark = np.full(n, -1, dtype=np.int16)
    return Responses(
        number=first_number + np.arange(n),
        customer=cust,
        interaction=np.full(n, -1),
        source=source.astype(np.int8),
        time=time,
        nps=mark,
        csat=csat,
        ces=mark,
        comment=_comments(rng, pool, c.language[cust], topic, sentiment, always=True),
        touchpoint=tp,
        channel=channel,
        product=c.product[cust].astype(np.int16),
        department=department,
        process=process,
        transaction_type=ttype,
        employee=np.zeros(n, dtype=np.int64),
    )


def responses_table(v: Vocabulary, c: Customers, r: Responses) -> pa.Table:
    columns = {
        "external_id": ids("R", r.number, RESPONSE_ID_WIDTH),
        "customer_external_id": ids("C", r.customer + 1, CUSTOMER_ID_WIDTH),
        "interaction_external_id": ids_nullable("I", r.interaction, INTERACTION_ID_WIDTH),
        "source": take(SOURCES, r.source),
        "responded_at": timestamps(r.time),
        "nps": small_ints(r.nps),
        "csat": small_ints(r.csat),
        "ces": small_ints(r.ces),
        "comment": pa.array(r.comment, type=pa.string()),
        "language": take(("pl", "en"), c.language[r.customer]),
        "touchpoint": take_nullable(v.touchpoints, r.touchpoint),
        "channel": take(v.channels, r.channel),
        "product": take(v.products, r.product),
        "department": take(v.departments, r.department),
        "process": take(v.processes, r.process),
        "transaction_type": take(v.transaction_types, r.transaction_type),
        "segment": take(SEGMENTS, c.segment[r.customer]),
        "lifecycle_stage": take(LIFECYCLE, c.lifecycle[r.customer]),
        "employee_external_id": ids_nullable(
            "E", np.where(r.employee > 0, r.employee, -1), EMPLOYEE_ID_WIDTH
        ),
    }
    for name, values in r.answers.items():
        columns[f"q_{name}"] = small_ints(values)
    return pa.table(columns)


__all__ = [
    "SOURCES",
    "TOPICS",
    "Responses",
    "indirect",
    "relationship",
    "responses_table",
    "transactional",
]
