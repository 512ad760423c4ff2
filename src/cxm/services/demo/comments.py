"""Comment texts of the demo: a pool of varied sentences per language, topic and sentiment,
assembled once from the project's own phrases (openings, reasons, intensifiers, closings,
the odd typo or missing Polish diacritics), then drawn per response by index."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np

from cxm.services.demo.phrases import CLOSINGS, INTENSIFIERS, OPENINGS, REASONS

LANGUAGES: Final = ("pl", "en")
SENTIMENTS: Final = ("neg", "neu", "pos")
TOPICS: Final = tuple(REASONS)
VARIANTS_PER_CELL: Final = 60
_POOL_SEED: Final = 20_240_101  # the pool is the same for every demo seed
_STRIP_PL = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


@dataclass(frozen=True)
class CommentPool:
    """All comment texts, grouped in cells (language, topic, sentiment)."""

    texts: np.ndarray  # object array of str
    offsets: np.ndarray  # (languages, topics, sentiments) → first index of the cell
    sizes: np.ndarray  # same shape → number of texts in the cell

    def pick(
        self,
        rng: np.random.Generator,
        language: np.ndarray,
        topic: np.ndarray,
        sentiment: np.ndarray,
    ) -> np.ndarray:
        """One text per row from the cell given by the three index arrays."""
        size = self.sizes[language, topic, sentiment]
        index = self.offsets[language, topic, sentiment] + (rng.random(size.size) * size).astype(
            np.int64
        )
        return np.asarray(self.texts[index])


def topic_index(topic: str) -> int:
    return TOPICS.index(topic)


def _typo(text: str, rng: np.random.Generator) -> str:
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long_words:
        return text
    i = long_words[int(rng.integers(len(long_words)))]
    w = words[i]
    j = int(rng.integers(1, len(w) - 2))
    if rng.random() < 0.5:
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # swapped letters
    else:
        words[i] = w[:j] + w[j + 1 :]  # a letter dropped
    return " ".join(words)


def _compose(language: str, topic: str, sentiment: str, rng: np.random.Generator) -> str:
    def one(options: tuple[str, ...]) -> str:
        return options[int(rng.integers(len(options)))]

    reason = one(REASONS[topic][language][sentiment])
    intensifier = one(INTENSIFIERS[language][sentiment]) if rng.random() < 0.6 else ""
    reason = " ".join(reason.replace("{i}", intensifier).split())
    opening = one(OPENINGS[language][sentiment])
    if not opening or opening[-1] in ".!?":
        reason = reason[0].upper() + reason[1:]
    end = one((".", ".", "!", "", "...")) if sentiment != "neu" else one((".", "", "."))
    closing = one(CLOSINGS[language][sentiment])
    text = " ".join(part for part in (opening, reason + end, closing) if part)
    roll = rng.random()
    if roll < 0.1:
        text = _typo(text, rng)
    elif roll < 0.2 and language == "pl":
        text = text.translate(_STRIP_PL)
    elif roll < 0.25:
        text = text.lower()
    return text


@lru_cache(maxsize=1)
def build_comment_pool() -> CommentPool:
    """The comment pool (deterministic, built once per process)."""
    rng = np.random.default_rng(_POOL_SEED)
    shape = (len(LANGUAGES), len(TOPICS), len(SENTIMENTS))
    offsets = np.zeros(shape, dtype=np.int64)
    sizes = np.zeros(shape, dtype=np.int64)
    texts: list[str] = []
    for li, language in enumerate(LANGUAGES):
        for ti, topic in enumerate(TOPICS):
            for si, sentiment in enumerate(SENTIMENTS):
                cell = {_compose(language, topic, sentiment, rng) for _ in range(VARIANTS_PER_CELL)}
                offsets[li, ti, si] = len(texts)
                sizes[li, ti, si] = len(cell)
                texts.extend(sorted(cell))
    return CommentPool(np.array(texts, dtype=object), offsets, sizes)


@lru_cache(maxsize=1)
def comment_catalogue() -> dict[str, tuple[str, str, str]]:
    """Every comment text → (language, topic, sentiment), to check comments against scores."""
    pool = build_comment_pool()
    catalogue: dict[str, tuple[str, str, str]] = {}
    for li, language in enumerate(LANGUAGES):
        for ti, topic in enumerate(TOPICS):
            for si, sentiment in enumerate(SENTIMENTS):
                start = int(pool.offsets[li, ti, si])
                for text in pool.texts[start : start + int(pool.sizes[li, ti, si])]:
                    catalogue[str(text)] = (language, topic, sentiment)
    return catalogue
