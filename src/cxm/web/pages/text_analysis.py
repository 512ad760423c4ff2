"""The "Analyse a text" page: any text through this data directory's analyser, as
``POST /api/v1/text/analyse`` does — language, sentiment and its score, emotion intensities
drawn as bars, the CX readings, themes and the redacted text. Nothing is stored, and the
page shows the text back only redacted (personal data never reaches a page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from cxm.domain.access import Principal
from cxm.domain.text_metrics import EMOTIONS
from cxm.services import text_insights
from cxm.web import i18n
from cxm.web.deps import LanguageDep, RuntimeDep, call_service
from cxm.web.i18n import N_
from cxm.web.pages.analysis_views import BASE_COLOUR, layout
from cxm.web.pages.base import build_chrome, render
from cxm.web.pages.comments import EMOTION_NAMES, SENTIMENT_NAMES, CommentsReader

router = APIRouter()


@dataclass(frozen=True)
class Reading:
    name: str
    value: str


@dataclass(frozen=True)
class TextAnalysisContext:
    text: str
    analysed: bool
    language: str
    sentiment: str
    sentiment_key: str
    score: str
    emotions: tuple[Reading, ...]
    readings: tuple[Reading, ...]
    themes: tuple[str, ...]
    redacted: str
    analyser_version: str
    figure: dict[str, Any]


@router.get("/comments/analyse", response_class=Response, include_in_schema=False)
async def analyse_form(
    request: Request, language: LanguageDep, principal: Principal = CommentsReader
) -> Response:
    return _render(request, principal, language, "", None, {})


@router.post("/comments/analyse", response_class=Response, include_in_schema=False)
async def analyse_submitted(
    request: Request,
    rt: RuntimeDep,
    language: LanguageDep,
    text: str = Form(...),
    principal: Principal = CommentsReader,
) -> Response:
    result = await call_service(rt, text_insights.analyse_text, rt, text)
    themes = text_insights.theme_labels(rt, language)
    return _render(request, principal, language, str(result["redacted"]), result, themes)


def _render(
    request: Request,
    principal: Principal,
    language: str,
    text: str,
    result: dict[str, Any] | None,
    theme_labels: dict[str, str],
) -> Response:
    r = result or {}

    def reading(key: str, value: float) -> Reading:
        name = i18n.gettext(language, EMOTION_NAMES[key])
        return Reading(name, i18n.format_number(value, language, 2))

    emotions = {e: float(v) for e, v in r.get("emotions", {}).items() if e in EMOTIONS}
    names = [i18n.gettext(language, EMOTION_NAMES[e]) for e in emotions]
    sentiment = str(r.get("sentiment", ""))
    ctx = TextAnalysisContext(
        text=text,
        analysed=result is not None,
        language=i18n.LANGUAGE_NAMES.get(str(r.get("language", "")), str(r.get("language", ""))),
        sentiment=i18n.gettext(language, SENTIMENT_NAMES[sentiment]) if sentiment else "",
        sentiment_key=sentiment,
        score=i18n.format_signed(r.get("sentiment_score"), language, 2),
        emotions=tuple(reading(e, v) for e, v in emotions.items()),
        readings=tuple(reading(k, float(v)) for k, v in r.get("cx", {}).items()),
        themes=tuple(theme_labels.get(t, t) for t in r.get("themes", ())),
        redacted=str(r.get("redacted", "")),
        analyser_version=str(r.get("analyser_version", "")),
        figure={
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "x": list(emotions.values()),
                    "y": names,
                    "marker": {"color": BASE_COLOUR},
                }
            ],
            "layout": layout(height=320, xaxis={"range": [0, 1]}, yaxis={"autorange": "reversed"}),
        },
    )
    chrome = build_chrome(request, principal, language, N_("Analyse a text"))
    return render(request, "text_analysis.html", chrome, ctx)
