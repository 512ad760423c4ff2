"""Emotion intensities (Plutchik's eight) and the CX readings derived from them.

Evidence comes from the sentiment pass (:func:`cxm.text.sentiment.collect_evidence`):
each lexicon word, emoticon or emoji adds its weighted strength to the emotions it
expresses. Intensities are ``1 - exp(-evidence / 3)``: one clear word gives about 0.5,
several strong ones approach 1. The CX readings combine them:

- frustration: anger, strengthened by blocked expectation (anticipation) or sadness;
- disappointment: sadness, strengthened by surprise or anticipation (an expectation let down);
- delight: joy, strengthened by surprise (Plutchik's dyad)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cxm.text.lexicon import EMOTIONS
from cxm.text.sentiment import Evidence

CX_READINGS = ("frustration", "disappointment", "delight")
_SCALE = 3.0


@dataclass(frozen=True)
class Emotions:
    """Intensities in [0, 1] of the eight basic emotions."""

    joy: float = 0.0
    trust: float = 0.0
    fear: float = 0.0
    surprise: float = 0.0
    sadness: float = 0.0
    disgust: float = 0.0
    anger: float = 0.0
    anticipation: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in EMOTIONS}


@dataclass(frozen=True)
class CxReadings:
    """Frustration, disappointment and delight in [0, 1]."""

    frustration: float = 0.0
    disappointment: float = 0.0
    delight: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in CX_READINGS}


def emotions_of(evidence: Evidence) -> Emotions:
    """Emotion intensities from the evidence of the sentiment pass."""
    values = {
        name: round(1.0 - math.exp(-evidence.emotions.get(name, 0.0) / _SCALE), 3)
        for name in EMOTIONS
    }
    return Emotions(**values)


def cx_readings_of(emotions: Emotions) -> CxReadings:
    """Frustration, disappointment and delight derived from the basic emotions."""
    blocked = max(emotions.anticipation, emotions.sadness)
    let_down = max(emotions.surprise, emotions.anticipation)
    return CxReadings(
        frustration=round(emotions.anger * (0.6 + 0.4 * blocked), 3),
        disappointment=round(emotions.sadness * (0.6 + 0.4 * let_down), 3),
        delight=round(emotions.joy * (0.6 + 0.4 * emotions.surprise), 3),
    )
