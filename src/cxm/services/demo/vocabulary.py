"""The keys the demo uses, checked against the runtime's taxonomy, as index tables for
vectorised generation (every column is generated as small integers, decoded on write)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cxm.domain.errors import TaxonomyInvalid
from cxm.domain.taxonomy import Taxonomy
from cxm.services.demo import catalogue as cat
from cxm.services.demo import effects


@dataclass(frozen=True)
class Vocabulary:
    touchpoints: tuple[str, ...]
    channels: tuple[str, ...]
    products: tuple[str, ...]
    departments: tuple[str, ...]
    processes: tuple[str, ...]
    transaction_types: tuple[str, ...]
    outcomes: tuple[str, ...]
    touchpoint_department: np.ndarray = field(repr=False)  # touch-point → department index

    def tp(self, key: str) -> int:
        return self.touchpoints.index(key)

    def dept(self, key: str) -> int:
        return self.departments.index(key)


def build_vocabulary(taxonomy: Taxonomy) -> Vocabulary:
    """Index tables for the demo, or TaxonomyInvalid if the taxonomy lacks a demo key."""
    touchpoints = tuple(cat.TOUCHPOINT_WEIGHTS)
    used = {
        "touchpoint": set(touchpoints),
        "channel": set(cat.CHANNEL_DURATION),
        "product": set(cat.MONTHLY_PRICE),
        "segment": set(cat.SEGMENT_SHARES),
        "department": set(cat.DEPARTMENT_HEADCOUNT) | {effects.ERROR_DEPARTMENT},
        "process": {p for mix in cat.WORK_MIX.values() for p, _ in mix} | {effects.ERROR_PROCESS},
        "transaction_type": {t for mix in cat.WORK_MIX.values() for _, t in mix},
    }
    for dimension, keys in used.items():
        missing = sorted(keys - set(taxonomy.keys(dimension)))
        if missing:
            raise TaxonomyInvalid(
                f"the demo needs the default taxonomy; {dimension} lacks: {', '.join(missing)}",
                field=dimension,
            )
    departments = tuple(cat.DEPARTMENT_HEADCOUNT)
    tp_dept = []
    for key in touchpoints:
        tp = taxonomy.touchpoint(key)
        dept = tp.department if tp is not None and tp.department else "customer_service"
        tp_dept.append(departments.index(dept))
    outcomes = tuple(dict.fromkeys(o.key for items in cat.OUTCOMES.values() for o in items))
    return Vocabulary(
        touchpoints=touchpoints,
        channels=tuple(cat.CHANNEL_DURATION),
        products=tuple(cat.MONTHLY_PRICE),
        departments=departments,
        processes=tuple(taxonomy.keys("process")),
        transaction_types=tuple(taxonomy.keys("transaction_type")),
        outcomes=outcomes,
        touchpoint_department=np.array(tp_dept, dtype=np.int16),
    )
