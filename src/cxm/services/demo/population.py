"""Demo people: customers (segments, lifecycle, language, consents, Polish names and cities)
and employees of every department with roles and a management chain.

The generator keeps compact numpy arrays per customer (what later interactions and
responses need); the Arrow tables written to files are built from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa

from cxm.services.demo import catalogue as cat
from cxm.services.demo import names
from cxm.services.demo.columns import choose, ids, join, take, timestamps
from cxm.services.demo.seasons import DAY, EPOCH, range_seconds, sample_times

SEGMENTS = tuple(cat.SEGMENT_SHARES)
PRODUCTS = tuple(cat.MONTHLY_PRICE)
LIFECYCLE = ("prospect", "new", "active", "loyal", "at_risk", "churned")
CUSTOMER_ID_WIDTH = 8
EMPLOYEE_ID_WIDTH = 5
_OLDEST_CUSTOMER = int((datetime(2012, 1, 1) - EPOCH).total_seconds())


@dataclass
class Customers:
    """Per-customer arrays, sorted by ``created`` (customer number = index + 1)."""

    created: np.ndarray  # int64 seconds
    churned_at: np.ndarray  # int64 seconds, or a value past the range end
    segment: np.ndarray  # index into SEGMENTS
    product: np.ndarray  # index into PRODUCTS: the main product
    language: np.ndarray  # 0 = pl, 1 = en
    lifecycle: np.ndarray  # index into LIFECYCLE
    consent_survey: np.ndarray  # bool
    mood: np.ndarray  # float32: a customer's general disposition (noise)

    @property
    def size(self) -> int:
        return int(self.created.size)

    @property
    def prospect(self) -> np.ndarray:
        return np.asarray(self.lifecycle == LIFECYCLE.index("prospect"))

    def existing_at(self, rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
        """A random customer already created at each time."""
        known = np.searchsorted(self.created, times, side="right")
        return np.minimum(
            (rng.random(times.size) * np.maximum(known, 1)).astype(np.int64), self.size - 1
        )


def make_customers(rng: np.random.Generator, n: int) -> Customers:
    start, end = range_seconds()
    in_range = rng.random(n) < 0.35
    created = np.where(
        in_range, sample_times(rng, n), rng.integers(_OLDEST_CUSTOMER, start, size=n)
    )
    created.sort()
    in_range = created >= start
    segment = choose(rng, cat.SEGMENT_SHARES, n)
    product = np.empty(n, dtype=np.int64)
    for s, key in enumerate(SEGMENTS):
        mask = segment == s
        mix = cat.SEGMENT_PRODUCTS[key]
        picked = choose(rng, mix, int(mask.sum()))
        product[mask] = np.array([PRODUCTS.index(p) for p in mix])[picked]
    english = rng.random(n) < np.array([cat.ENGLISH_SHARE[s] for s in SEGMENTS])[segment]

    prospect = in_range & (rng.random(n) < 0.1)
    earliest_churn = np.maximum(created + 60 * DAY, start)
    may_churn = ~prospect & (earliest_churn < end)
    churned = may_churn & (rng.random(n) < 0.09)
    churned_at = np.full(n, end + DAY, dtype=np.int64)
    span = np.maximum(end - earliest_churn, 1)
    churned_at[churned] = earliest_churn[churned] + (
        rng.random(int(churned.sum())) * span[churned]
    ).astype(np.int64)
    tenure_years = (end - created) / (365.25 * DAY)
    lifecycle = np.full(n, LIFECYCLE.index("active"), dtype=np.int8)
    lifecycle[(tenure_years >= 4) & (rng.random(n) < 0.6)] = LIFECYCLE.index("loyal")
    lifecycle[rng.random(n) < 0.09] = LIFECYCLE.index("at_risk")
    lifecycle[tenure_years < 0.5] = LIFECYCLE.index("new")
    lifecycle[churned] = LIFECYCLE.index("churned")
    lifecycle[prospect] = LIFECYCLE.index("prospect")
    return Customers(
        created=created.astype(np.int64),
        churned_at=churned_at,
        segment=segment.astype(np.int8),
        product=product.astype(np.int8),
        language=english.astype(np.int8),
        lifecycle=lifecycle,
        consent_survey=rng.random(n) < 0.82,
        mood=rng.normal(0.0, 0.3, size=n).astype(np.float32),
    )


def _person_names(
    rng: np.random.Generator, english: np.ndarray
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Full names plus ASCII first and last names (for e-mails)."""
    n = english.size
    female = rng.random(n) < 0.52
    firsts = names.PL_MALE + names.PL_FEMALE + names.EN_FIRST
    male_last = names.PL_GENDERED_SURNAMES + names.PL_PLAIN_SURNAMES + names.EN_SURNAMES
    female_last = tuple(names.female_form(s) for s in names.PL_GENDERED_SURNAMES) + (
        names.PL_PLAIN_SURNAMES + names.EN_SURNAMES
    )
    n_male, n_female = len(names.PL_MALE), len(names.PL_FEMALE)
    pl_first = np.where(female, n_male + rng.integers(0, n_female, n), rng.integers(0, n_male, n))
    first = np.where(english, n_male + n_female + rng.integers(0, len(names.EN_FIRST), n), pl_first)
    n_pl_last = len(names.PL_GENDERED_SURNAMES) + len(names.PL_PLAIN_SURNAMES)
    last = np.where(
        english,
        n_pl_last + rng.integers(0, len(names.EN_SURNAMES), n),
        rng.integers(0, n_pl_last, n),
    )
    both = np.where(female, last + len(male_last), last)
    surnames = male_last + female_last
    full = join(" ", take(firsts, first), take(surnames, both))
    ascii_first = take([names.ascii_fold(f).lower() for f in firsts], first)
    ascii_last = take([names.ascii_fold(s).lower() for s in surnames], both)
    return full, ascii_first, ascii_last


def customers_table(rng: np.random.Generator, c: Customers, lo: int, hi: int) -> pa.Table:
    """Rows ``lo:hi`` of the customers file."""
    n = hi - lo
    english = c.language[lo:hi] == 1
    full, first, last = _person_names(rng, english)
    number = rng.integers(1, 99, n)
    suffix = take(["", *(str(i) for i in range(1, 100))], np.where(rng.random(n) < 0.5, number, 0))
    domain = take(tuple(names.EMAIL_DOMAINS), choose(rng, names.EMAIL_DOMAINS, n))
    email = join("", join(".", first, last), suffix, pa.array(["@"] * n), domain)
    segment = c.segment[lo:hi]
    birth = np.where(
        segment == SEGMENTS.index("young"),
        rng.integers(1996, 2007, n),
        np.where(
            segment == SEGMENTS.index("senior"),
            rng.integers(1938, 1960, n),
            rng.integers(1960, 1996, n),
        ),
    )
    return pa.table(
        {
            "external_id": ids("C", np.arange(lo + 1, hi + 1), CUSTOMER_ID_WIDTH),
            "name": full,
            "email": email,
            "language": take(("pl", "en"), c.language[lo:hi]),
            "segment": take(SEGMENTS, segment),
            "lifecycle_stage": take(LIFECYCLE, c.lifecycle[lo:hi]),
            "consent_email": pa.array(rng.random(n) < 0.6),
            "consent_survey": pa.array(c.consent_survey[lo:hi]),
            "consent_profiling": pa.array(rng.random(n) < 0.45),
            "created_at": timestamps(c.created[lo:hi]),
            "city": take(tuple(names.CITIES), choose(rng, names.CITIES, n)),
            "birth_year": pa.array(birth.astype(np.int32)),
            "plan": take(PRODUCTS, c.product[lo:hi]),
        }
    )


@dataclass
class Employees:
    """Employees of every department; ``handlers[department]`` serve customers."""

    table: pa.Table
    handlers: dict[str, np.ndarray]  # department → employee numbers (1-based)


def make_employees(rng: np.random.Generator, n: int) -> Employees:
    shares = cat.DEPARTMENT_HEADCOUNT
    counts = {d: max(4, round(n * s)) for d, s in shares.items()}
    back_office = {"billing", "accounting", "it", "administration"}
    rows_dept: list[str] = []
    rows_role: list[str] = []
    rows_manager: list[int] = []
    handlers: dict[str, np.ndarray] = {}
    number = 0
    for dept, count in counts.items():
        director = number + 1
        n_managers = max(1, count // 40)
        n_leads = max(1, count // 12)
        managers = list(range(director + 1, director + 1 + n_managers))
        leads = list(range(managers[-1] + 1, managers[-1] + 1 + n_leads))
        first_worker = leads[-1] + 1
        workers = list(range(first_worker, number + count + 1))
        worker_role = "specialist" if dept in back_office else "agent"
        roles = ["director"] + ["manager"] * n_managers + ["team_lead"] * n_leads
        roles += [("staff" if rng.random() < 0.06 else worker_role) for _ in workers]
        bosses = [0] + [director] * n_managers
        bosses += [managers[int(rng.integers(n_managers))] for _ in leads]
        bosses += [leads[int(rng.integers(n_leads))] for _ in workers]
        rows_dept += [dept] * count
        rows_role += roles
        rows_manager += bosses
        handlers[dept] = np.array(leads + workers, dtype=np.int64)
        number += count
    total = number
    english = rng.random(total) < 0.04
    full, first, last = _person_names(rng, english)
    hired = rng.integers(
        int((datetime(2005, 1, 1) - EPOCH).total_seconds()), range_seconds()[0] - 30 * DAY, total
    )
    manager = np.array(rows_manager, dtype=np.int64)
    table = pa.table(
        {
            "external_id": ids("E", np.arange(1, total + 1), EMPLOYEE_ID_WIDTH),
            "name": full,
            "email": join(
                "", join(".", first, last), pa.array(["@" + names.COMPANY_DOMAIN] * total)
            ),
            "department": pa.array(rows_dept),
            "role": pa.array(rows_role),
            "manager_external_id": pa.compute.if_else(
                pa.array(manager == 0),
                pa.scalar(None, pa.string()),
                ids("E", np.maximum(manager, 1), EMPLOYEE_ID_WIDTH),
            ),
            "hired_on": timestamps(hired // DAY * DAY),
        }
    )
    return Employees(table=table, handlers=handlers)
