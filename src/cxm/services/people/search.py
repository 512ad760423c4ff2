"""Finding ideas in Polish and English whatever the inflection: each idea's words are
indexed as their lemmas (both languages' lemmatisers, so a mixed board works), and a
query matches an idea by the share of its words whose lemmas the idea holds.

The same score suggests duplicates while an idea is being written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import yaml
from sqlalchemy import Connection, delete, func, select

from cxm.services.runtime import Runtime
from cxm.store.tables import Base
from cxm.text.lemmas import lemmatise
from cxm.text.tokens import tokenise, words

IDEAS = Base.metadata.tables["ideas"]
LEMMAS = Base.metadata.tables["idea_lemmas"]
MIN_WORD = 3
#: A suggested duplicate shares at least this share of the new idea's words (by lemma).
DUPLICATE_SHARE = 0.34


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    data = yaml.safe_load(files("cxm.text").joinpath("lexicons/stopwords.yaml").read_text("utf-8"))
    return frozenset(str(w).lower() for language in ("pl", "en") for w in data[language])


def word_lemmas(word: str) -> frozenset[str]:
    """The forms a word is indexed and searched by: itself and its pl/en lemmas."""
    return frozenset({word, lemmatise(word, "pl").lower(), lemmatise(word, "en").lower()})


def content_words(text: str) -> list[str]:
    stop = _stopwords()
    return [w for w in words(tokenise(text)) if len(w) >= MIN_WORD and w not in stop]


def lemmas_of(text: str) -> set[str]:
    out: set[str] = set()
    for word in content_words(text):
        out |= {lemma[:64] for lemma in word_lemmas(word)}
    return out


def index_idea(conn: Connection, idea_id: int, text: str) -> None:
    """(Re)write the lemma index of one idea inside the caller's transaction."""
    conn.execute(delete(LEMMAS).where(LEMMAS.c.idea_id == idea_id))
    lemmas = sorted(lemmas_of(text))
    if lemmas:
        conn.execute(LEMMAS.insert(), [{"idea_id": idea_id, "lemma": x} for x in lemmas])


@dataclass(frozen=True)
class Match:
    idea_id: int
    title: str
    status: str
    score: float  # share of the query's words the idea matches


def match_ideas(
    rt: Runtime, text: str, *, limit: int = 20, exclude: int | None = None
) -> list[Match]:
    """Ideas matching the words of ``text`` by lemma, best first."""
    query_words = list(dict.fromkeys(content_words(text)))
    if not query_words:
        return []
    forms = {w: word_lemmas(w) for w in query_words}
    every = sorted({f[:64] for fs in forms.values() for f in fs})
    with rt.db.read() as conn:
        rows = conn.execute(
            select(LEMMAS.c.idea_id, LEMMAS.c.lemma).where(LEMMAS.c.lemma.in_(every))
        ).all()
        held: dict[int, set[str]] = {}
        for r in rows:
            held.setdefault(r.idea_id, set()).add(r.lemma)
        scores = {
            idea: sum(1 for fs in forms.values() if fs & lemmas) / len(query_words)
            for idea, lemmas in held.items()
            if idea != exclude
        }
        best = sorted(scores, key=lambda i: (-scores[i], -i))[:limit]
        ideas = {
            r.id: r
            for r in conn.execute(
                select(IDEAS.c.id, IDEAS.c.title, IDEAS.c.status).where(IDEAS.c.id.in_(best))
            ).all()
        }
    return [Match(i, ideas[i].title, ideas[i].status, scores[i]) for i in best if i in ideas]


def similar_ideas(rt: Runtime, title: str, description: str = "", limit: int = 5) -> list[Match]:
    """Likely duplicates of an idea being written (open or implemented, not merged)."""
    found = match_ideas(rt, f"{title} {description}", limit=limit * 3)
    return [m for m in found if m.score >= DUPLICATE_SHARE and m.status != "merged"][:limit]


def index_size(rt: Runtime) -> int:
    with rt.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(LEMMAS)).scalar() or 0)
