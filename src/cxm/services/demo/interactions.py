"""Demo interactions: each customer's own life (discovering the offer, buying, delivery,
activation, a welcome call, leaving) plus everyday contacts sampled by season; invoice
errors of the billing department and the complaints they cause (planted effect 3)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from cxm.services.demo import catalogue as cat
from cxm.services.demo import effects
from cxm.services.demo.columns import (
    choose,
    floats,
    ids,
    ids_nullable,
    take,
    take_nullable,
    timestamps,
)
from cxm.services.demo.population import CUSTOMER_ID_WIDTH, EMPLOYEE_ID_WIDTH, Customers
from cxm.services.demo.seasons import DAY, range_seconds, sample_times
from cxm.services.demo.vocabulary import Vocabulary

INTERACTION_ID_WIDTH = 10
DISCOVER = ("ad_campaign", "website_offer")


@dataclass
class Interactions:
    """One chunk of interactions as index arrays (aligned)."""

    number: np.ndarray
    customer: np.ndarray
    time: np.ndarray
    touchpoint: np.ndarray
    channel: np.ndarray
    product: np.ndarray
    department: np.ndarray
    process: np.ndarray
    transaction_type: np.ndarray
    outcome: np.ndarray
    shift: np.ndarray  # effect of the outcome on satisfaction
    employee: np.ndarray  # employee number, 0 = none
    invoice_error: np.ndarray
    error_complaint: np.ndarray
    duration: np.ndarray
    money: np.ndarray

    @property
    def size(self) -> int:
        return int(self.number.size)

    def select(self, mask: np.ndarray) -> Interactions:
        return Interactions(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})


def _days(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    return (rng.uniform(low, high, n) * DAY).astype(np.int64)


def _life_events(
    rng: np.random.Generator, v: Vocabulary, c: Customers, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(customer, time, touch-point, kind) of life events; kind 1 purchase, 2 cancellation."""
    start, end = range_seconds()
    idx = np.arange(lo, hi)
    created, prospect = c.created[lo:hi], c.prospect[lo:hi]
    new = (created >= start) & ~prospect
    cust, time, tp, kind = [], [], [], []

    def add(who: np.ndarray, when: np.ndarray, what: np.ndarray, k: int = 0) -> None:
        cust.append(idx[who] if who.dtype == bool else who)
        time.append(when)
        tp.append(what)
        kind.append(np.full(when.size, k, dtype=np.int8))

    buyers = idx[new]
    purchase = np.array([v.tp(t) for t in cat.PURCHASE_TOUCHPOINTS])[
        choose(rng, cat.PURCHASE_SHARES, buyers.size)
    ]
    add(buyers, c.created[buyers], purchase, 1)
    seekers = idx[(new & (rng.random(idx.size) < 0.6)) | prospect]
    add(
        seekers,
        c.created[seekers] - _days(rng, seekers.size, 1, 30),
        np.array([v.tp(t) for t in DISCOVER])[rng.integers(0, 2, seekers.size)],
    )
    wired = np.isin(c.product[buyers], [v.products.index(p) for p in cat.WIRED_PRODUCTS])
    fitted = buyers[wired]
    add(
        fitted,
        c.created[fitted] + _days(rng, fitted.size, 2, 10),
        np.full(fitted.size, v.tp("installation_visit")),
    )
    shipped = buyers[~wired & (purchase != v.tp("store_sale"))]
    add(
        shipped,
        c.created[shipped] + _days(rng, shipped.size, 1, 4),
        np.full(shipped.size, v.tp("courier_delivery")),
    )
    for key, share, low, high in (("service_activation", 0.7, 1, 12), ("welcome_call", 0.5, 3, 14)):
        who = buyers[rng.random(buyers.size) < share]
        add(who, c.created[who] + _days(rng, who.size, low, high), np.full(who.size, v.tp(key)))
    leavers = idx[c.churned_at[lo:hi] < end]
    add(leavers, c.churned_at[leavers], np.full(leavers.size, v.tp("cancellation")), 2)
    wooed = leavers[rng.random(leavers.size) < 0.5]
    add(
        wooed,
        c.churned_at[wooed] - _days(rng, wooed.size, 1, 20),
        np.full(wooed.size, v.tp("retention_offer")),
    )
    return np.concatenate(cust), np.concatenate(time), np.concatenate(tp), np.concatenate(kind)


def _everyday(
    rng: np.random.Generator, v: Vocabulary, c: Customers, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    start, _ = range_seconds()
    time = sample_times(rng, n)
    tp = choose(rng, cat.TOUCHPOINT_WEIGHTS, n)
    cust = c.existing_at(rng, time)
    discover = np.isin(tp, [v.tp(t) for t in DISCOVER])
    tp = np.where(c.prospect[cust] & ~discover, v.tp("website_offer"), tp)
    gone = time >= c.churned_at[cust]
    earlier = np.maximum(
        c.churned_at[cust] - _days(rng, n, 1, 60), np.maximum(c.created[cust], start)
    )
    return cust, np.where(gone, earlier, time), tp


def _pick_per_touchpoint(
    rng: np.random.Generator, tp: np.ndarray, table: dict[str, dict], v: Vocabulary
) -> list[tuple[np.ndarray, list]]:
    """For each touch-point: the row mask and the drawn option of each of its rows."""
    out = []
    for t, key in enumerate(v.touchpoints):
        mask = tp == t
        count = int(mask.sum())
        if count:
            options = list(table[key])
            out.append((mask, [options[i] for i in choose(rng, table[key], count)]))
    return out


def make_interactions(
    rng: np.random.Generator,
    v: Vocabulary,
    c: Customers,
    handlers: dict[str, np.ndarray],
    lo: int,
    hi: int,
    n_everyday: int,
    first_number: int,
) -> Interactions:
    """Life events of customers ``lo:hi`` plus ``n_everyday`` everyday contacts."""
    start, end = range_seconds()
    lc, lt, ltp, kind = _life_events(rng, v, c, lo, hi)
    ec, et, etp = _everyday(rng, v, c, n_everyday)
    cust, time, tp = np.concatenate([lc, ec]), np.concatenate([lt, et]), np.concatenate([ltp, etp])
    kind = np.concatenate([kind, np.zeros(ec.size, dtype=np.int8)])
    keep = (time >= start) & (time < end)
    cust, time, tp, kind = cust[keep], time[keep], tp[keep], kind[keep]
    n = cust.size

    channel = np.zeros(n, dtype=np.int16)
    process = np.zeros(n, dtype=np.int16)
    ttype = np.zeros(n, dtype=np.int16)
    outcome = np.zeros(n, dtype=np.int16)
    shift = np.zeros(n, dtype=np.float32)
    for t, key in enumerate(v.touchpoints):
        mask = tp == t
        count = int(mask.sum())
        if not count:
            continue
        mix = cat.CHANNEL_MIX[key]
        channel[mask] = np.array([v.channels.index(ch) for ch in mix])[choose(rng, mix, count)]
        work = cat.WORK_MIX[key]
        pairs = list(work)
        drawn = choose(rng, work, count)
        process[mask] = np.array([v.processes.index(p) for p, _ in pairs])[drawn]
        ttype[mask] = np.array([v.transaction_types.index(x) for _, x in pairs])[drawn]
        outs = cat.OUTCOMES[key]
        o = choose(rng, [x.share for x in outs], count)
        outcome[mask] = np.array([v.outcomes.index(x.key) for x in outs])[o]
        shift[mask] = np.array([x.shift for x in outs], dtype=np.float32)[o]
    purchase, cancel = kind == 1, kind == 2
    process[purchase] = v.processes.index("acquisition")
    ttype[purchase] = v.transaction_types.index("new_contract")
    outcome[purchase] = v.outcomes.index("sale")
    shift[purchase] = 0.2
    outcome[cancel] = v.outcomes.index("cancelled")

    product = np.where(rng.random(n) < 0.8, c.product[cust], rng.integers(0, len(v.products), n))
    product = np.where(purchase, c.product[cust], product)
    department = v.touchpoint_department[tp].copy()
    complaint = tp == v.tp("complaint")
    causes = np.array([v.dept(d) for d in cat.COMPLAINT_CAUSES])
    department[complaint] = causes[choose(rng, cat.COMPLAINT_CAUSES, int(complaint.sum()))]
    admin = (
        np.isin(tp, [v.tp("mobile_app_use"), v.tp("online_account")])
        & (process == v.processes.index("account_admin"))
        & (rng.random(n) < cat.ADMIN_HANDLED_SHARE)
    )
    department[admin] = v.dept("administration")

    ix = Interactions(
        number=np.zeros(n, dtype=np.int64),
        customer=cust,
        time=time,
        touchpoint=tp.astype(np.int16),
        channel=channel,
        product=product.astype(np.int16),
        department=department,
        process=process,
        transaction_type=ttype,
        outcome=outcome,
        shift=shift,
        employee=np.zeros(n, dtype=np.int64),
        invoice_error=(tp == v.tp("invoice")) & (rng.random(n) < effects.INVOICE_ERROR_RATE),
        error_complaint=np.zeros(n, dtype=bool),
        duration=np.zeros(n),
        money=np.zeros(n),
    )
    ix = _concat(ix, _error_complaints(rng, v, ix))
    _assign_staff(rng, v, ix, handlers)
    _measure(rng, v, ix)
    ix.number = first_number + np.arange(ix.size, dtype=np.int64)
    return ix


def _error_complaints(rng: np.random.Generator, v: Vocabulary, ix: Interactions) -> Interactions:
    """Complaints about erroneous invoices, owned by the billing department (effect 3)."""
    _, end = range_seconds()
    source = ix.invoice_error & (rng.random(ix.size) < effects.ERROR_COMPLAINT_RATE)
    src = ix.select(source)
    n = src.size
    mix = cat.CHANNEL_MIX["complaint"]
    accepted = rng.random(n) < 0.8
    out = Interactions(
        number=np.zeros(n, dtype=np.int64),
        customer=src.customer,
        time=src.time + _days(rng, n, 1, 12),
        touchpoint=np.full(n, v.tp("complaint"), np.int16),
        channel=np.array([v.channels.index(ch) for ch in mix], np.int16)[choose(rng, mix, n)],
        product=src.product,
        department=np.full(n, v.dept(effects.ERROR_DEPARTMENT), np.int16),
        process=np.full(n, v.processes.index(effects.ERROR_PROCESS), np.int16),
        transaction_type=np.full(
            n, v.transaction_types.index(effects.ERROR_TRANSACTION_TYPE), np.int16
        ),
        outcome=np.where(
            accepted, v.outcomes.index("accepted"), v.outcomes.index("pending")
        ).astype(np.int16),
        shift=np.zeros(n, np.float32),
        employee=np.zeros(n, np.int64),
        invoice_error=np.zeros(n, bool),
        error_complaint=np.ones(n, bool),
        duration=np.zeros(n),
        money=np.zeros(n),
    )
    return out.select(out.time < end)


def _concat(a: Interactions, b: Interactions) -> Interactions:
    return Interactions(
        **{f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(a)}
    )


def _assign_staff(
    rng: np.random.Generator, v: Vocabulary, ix: Interactions, handlers: dict[str, np.ndarray]
) -> None:
    staffed = np.isin(ix.channel, [v.channels.index(ch) for ch in cat.STAFFED_CHANNELS])
    for d, dept in enumerate(v.departments):
        mask = staffed & (ix.department == d)
        pool = handlers.get(dept)
        if pool is not None and pool.size and mask.any():
            ix.employee[mask] = pool[rng.integers(0, pool.size, int(mask.sum()))]


def _measure(rng: np.random.Generator, v: Vocabulary, ix: Interactions) -> None:
    """Durations by channel; money for sales, invoices, payments, refunds, compensations."""
    median = np.array([np.nan if m is None else m for m in cat.CHANNEL_DURATION.values()])
    ix.duration = np.round(median[ix.channel] * np.exp(rng.normal(0, 0.6, ix.size)))
    price = np.array(list(cat.MONTHLY_PRICE.values()))[ix.product]
    money = np.full(ix.size, np.nan)
    tt = np.array(v.transaction_types)[ix.transaction_type]
    sale = ix.outcome == v.outcomes.index("sale")
    money[sale] = price[sale] * 24 * rng.uniform(0.8, 1.2, int(sale.sum()))
    billed = np.isin(tt, ("invoice", "payment")) & (ix.touchpoint != v.tp("online_account"))
    money[billed] = price[billed] * rng.lognormal(0, 0.15, int(billed.sum()))
    err = ix.invoice_error
    money[err] = money[err] * rng.uniform(1.3, 2.5, int(err.sum()))
    back = (tt == "refund") | (ix.outcome == v.outcomes.index("accepted"))
    money[back] = price[back] * rng.uniform(0.2, 1.0, int(back.sum()))
    ix.money = np.round(money, 2)


def interactions_table(v: Vocabulary, ix: Interactions) -> pa.Table:
    invoice = ix.touchpoint == v.tp("invoice")
    return pa.table(
        {
            "external_id": ids("I", ix.number, INTERACTION_ID_WIDTH),
            "customer_external_id": ids("C", ix.customer + 1, CUSTOMER_ID_WIDTH),
            "occurred_at": timestamps(ix.time),
            "touchpoint": take(v.touchpoints, ix.touchpoint),
            "channel": take(v.channels, ix.channel),
            "product": take(v.products, ix.product),
            "department": take(v.departments, ix.department),
            "process": take(v.processes, ix.process),
            "transaction_type": take(v.transaction_types, ix.transaction_type),
            "employee_external_id": ids_nullable(
                "E", np.where(ix.employee > 0, ix.employee, -1), EMPLOYEE_ID_WIDTH
            ),
            "duration_seconds": floats(ix.duration),
            "outcome": take_nullable(v.outcomes, ix.outcome),
            "monetary_value": floats(ix.money),
            "invoice_error": pa.array(ix.invoice_error, mask=~invoice),
        }
    )
