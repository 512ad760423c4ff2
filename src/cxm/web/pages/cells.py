"""How one metric value is shown: the number, its 95 % interval and n, or "insufficient data"
(a value below the minimum number of responses is never shown as a number)."""

from __future__ import annotations

from dataclasses import dataclass

from cxm.domain.metrics import MetricValue
from cxm.web import i18n
from cxm.web.i18n import N_

METRIC_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
METRIC_HINTS = {
    "nps": N_("Net Promoter Score, −100 to 100"),
    "csat": N_("Satisfaction, mean on 1–5"),
    "ces": N_("Customer effort, mean on 1–7 (lower is easier)"),
}


@dataclass(frozen=True)
class MetricCell:
    metric: str
    name: str
    hint: str
    n: int
    insufficient: bool
    value: str
    interval: str
    margin: str
    top2: str
    top2_interval: str


def metric_cell(value: MetricValue | None, metric: str, language: str) -> MetricCell:
    name = METRIC_NAMES[metric]
    hint = i18n.gettext(language, METRIC_HINTS[metric])
    if value is None:
        return MetricCell(metric, name, hint, 0, True, "", "", "", "", "")
    if value.insufficient or value.value is None:
        return MetricCell(metric, name, hint, value.n, True, "", "", "", "", "")
    digits = 0 if metric == "nps" else 2
    interval = (
        f"{_minus(i18n.format_number(value.low, language, digits))} – "
        f"{_minus(i18n.format_number(value.high, language, digits))}"
        if value.low is not None and value.high is not None
        else ""
    )
    top2 = top2_interval = ""
    if value.top2 is not None:
        top2 = i18n.format_number(value.top2, language, 0) + " %"
        if value.top2_low is not None and value.top2_high is not None:
            top2_interval = (
                f"{i18n.format_number(value.top2_low, language, 0)} – "
                f"{i18n.format_number(value.top2_high, language, 0)} %"
            )
    shown = (
        i18n.format_signed(value.value, language, 0)
        if metric == "nps"
        else i18n.format_number(value.value, language, 2)
    )
    margin = (
        "± " + i18n.format_number(value.margin, language, digits)
        if value.margin is not None
        else ""
    )
    return MetricCell(
        metric, name, hint, value.n, False, shown, interval, margin, top2, top2_interval
    )


def _minus(text: str) -> str:
    """A typographic minus, so negative numbers read as such next to an en dash."""
    return text.replace("-", "−")
