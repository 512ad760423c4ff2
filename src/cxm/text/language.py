"""Language of a comment, chosen only among the languages the company configures.

lingua (Apache-2.0) restricted to the configured languages does the detection; texts with
too few letters once emoticons, links, mentions and language-neutral words ("OK", "super")
are removed are "und" (undetermined) rather than a wrong guess, and so are texts where
lingua's two best languages are too close."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import yaml
from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from cxm.text.lexicon import load_rules
from cxm.text.tokens import Token, tokenise

UNDETERMINED = "und"
DEFAULT_LANGUAGES = ("pl", "en")
# fewer letters than this in language-bearing words: undetermined
MIN_LETTERS = 4
# lingua reads at most this many characters: enough to decide, and keeps long texts fast
_MAX_CHARS = 120
_FAST_HITS = 3
_POLISH_LETTERS = frozenset("ąćęłńśźż")
_MIN_DISTANCE = 0.25


@lru_cache(maxsize=16)
def _detector(languages: tuple[str, ...]) -> LanguageDetector:
    codes = [IsoCode639_1.from_str(code) for code in languages]
    return (
        LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        .with_minimum_relative_distance(_MIN_DISTANCE)
        .build()
    )


@lru_cache(maxsize=1)
def _distinctive_words() -> dict[str, frozenset[str]]:
    """Function words that belong to one of pl/en only (the fast path before lingua)."""
    data = yaml.safe_load(files("cxm.text").joinpath("lexicons/stopwords.yaml").read_text("utf-8"))
    pl = {str(w) for w in data["pl"] if len(str(w)) > 1}
    en = {str(w) for w in data["en"] if len(str(w)) > 1}
    return {"pl": frozenset(pl - en), "en": frozenset(en - pl)}


def _fast_guess(words: list[str], languages: tuple[str, ...]) -> str | None:
    """pl or en when function words clearly say so (three or more, none of the other)."""
    if "pl" not in languages or "en" not in languages:
        return None
    distinctive = _distinctive_words()
    pl = sum(1 for w in words if w in distinctive["pl"])
    en = sum(1 for w in words if w in distinctive["en"])
    pl += sum(1 for w in words if not _POLISH_LETTERS.isdisjoint(w))
    if pl >= _FAST_HITS and en == 0:
        return "pl"
    if en >= _FAST_HITS and pl == 0:
        return "en"
    return None


@lru_cache(maxsize=1)
def _universal_words() -> frozenset[str]:
    return frozenset(str(w) for w in load_rules()["universal_words"])


def detect_language(text: str, languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> str:
    """The ISO 639-1 code of ``text`` among ``languages``, or "und"."""
    return language_of_tokens(tokenise(text), languages)


def language_of_tokens(tokens: list[Token], languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> str:
    """Like :func:`detect_language` for an already tokenised text."""
    universal = _universal_words()
    bearing = [t.lower for t in tokens if t.kind == "word" and t.lower not in universal]
    if sum(len(w) for w in bearing) < MIN_LETTERS:
        return UNDETERMINED
    if len(languages) == 1:
        return languages[0]
    guess = _fast_guess(bearing, languages)
    if guess is not None:
        return guess
    found = _detector(tuple(sorted(languages))).detect_language_of(" ".join(bearing)[:_MAX_CHARS])
    if found is None:
        return UNDETERMINED
    return str(found.iso_code_639_1.name.lower())
