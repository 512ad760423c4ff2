"""What the analysis pages share: who may read them, metric names, the dimension picker,
value labels, the p-value text and the Plotly layout."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from starlette.datastructures import QueryParams

from cxm.domain.errors import ValidationFailed
from cxm.domain.taxonomy import Taxonomy
from cxm.web import i18n
from cxm.web.deps import require_roles
from cxm.web.i18n import N_
from cxm.web.pages.filters import DIMENSION_NAMES, Option, dimension_name, value_label

ANALYSIS_ROLES = ("admin", "analyst", "manager")
ANALYSIS_READER = Depends(require_roles(*ANALYSIS_ROLES))
METRIC_NAMES = {
    "nps": N_("NPS"),
    "csat_top2": N_("CSAT top-2-box (%)"),
    "csat": N_("CSAT (mean)"),
    "ces": N_("CES (mean)"),
}
SIGNIFICANT_COLOUR = "#c0392b"
NOISE_COLOUR = "#b0b7c3"
BASE_COLOUR = "#1f5ea8"


def choice(params: QueryParams, name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = params.get(name) or default
    if raw not in allowed:
        raise ValidationFailed(f"{name}: unknown value '{raw}'", field=name)
    return raw


def dimension_options(
    selected: str, language: str, extra: tuple[str, ...] = ()
) -> tuple[Option, ...]:
    keys = (*DIMENSION_NAMES, *extra)
    return tuple(
        Option(
            k,
            i18n.gettext(language, N_("Comment theme"))
            if k == "theme"
            else dimension_name(k, language),
            None,
            k == selected,
        )
        for k in keys
    )


def metric_options(selected: str, language: str, metrics: tuple[str, ...]) -> tuple[Option, ...]:
    return tuple(
        Option(m, i18n.gettext(language, METRIC_NAMES[m]), None, m == selected) for m in metrics
    )


def label(taxonomy: Taxonomy, dimension: str, key: str | None, language: str) -> str:
    if dimension == "theme":
        return key or "—"
    return value_label(taxonomy, dimension, key, language)


def p_text(p: float | None) -> str:
    if p is None:
        return "—"
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def metric_digits(metric: str) -> int:
    """Decimals shown for a metric's values: NPS and top-2-box are on 0–100, means on 1–7."""
    return 1 if metric in ("nps", "csat_top2") else 2


def interval_text(low: float | None, high: float | None, language: str, digits: int) -> str:
    """A difference's 95 % interval, both ends signed: ``[−1.2, +3.4]``; ``—`` without one."""
    if low is None or high is None:
        return "—"
    ends = (i18n.format_signed(v, language, digits) for v in (low, high))
    return "[{}, {}]".format(*ends)


def layout(**extra: Any) -> dict[str, Any]:
    return {
        "margin": {"l": 160, "r": 16, "t": 16, "b": 48},
        "height": 420,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        **extra,
    }
