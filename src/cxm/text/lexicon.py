"""The project's sentiment lexicons and rules, loaded once per language from package data.

Lexicon files (``lexicons/<lang>.tsv``) hold a term (a lemma, a word form or a phrase of
lemmas), its valence from -3 to 3 and its Plutchik emotions; ``lexicons/rules.yaml`` holds
negators, intensifiers, contrast words, emoticons and emoji."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml

from cxm.text.lemmas import adjective_bases, lemmatise, undiminish, verb_base

EMOTIONS = ("joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation")
LEXICON_LANGUAGES = ("pl", "en")
_DATA = files("cxm.text").joinpath("lexicons")


@dataclass(frozen=True)
class Entry:
    """One lexicon term: its valence (-3..3) and the emotions it expresses."""

    valence: float
    emotions: tuple[str, ...] = ()


@dataclass
class Lexicon:
    """Words, phrases and rules of one language (or of several merged, for "und")."""

    words: dict[str, Entry] = field(default_factory=dict)
    phrases: dict[str, list[tuple[tuple[str, ...], Entry]]] = field(default_factory=dict)
    negators: dict[str, float] = field(default_factory=dict)
    intensifiers: dict[str, float] = field(default_factory=dict)
    contrast: frozenset[str] = frozenset()
    contrast_cancel: frozenset[str] = frozenset()
    concessive: frozenset[str] = frozenset()
    folded: dict[str, Entry] = field(default_factory=dict)
    languages: tuple[str, ...] = ()


_FOLD = str.maketrans("ąćęłńóśźż", "acelnoszz")


def fold(word: str) -> str:
    """A Polish word without diacritics ("zółty" and "żółty" both become "zolty")."""
    return word.translate(_FOLD)


@lru_cache(maxsize=1)
def load_rules() -> dict[str, Any]:
    """The shared rules file (negators, intensifiers, contrast, symbols, constants)."""
    data: dict[str, Any] = yaml.safe_load(_DATA.joinpath("rules.yaml").read_text("utf-8"))
    return data


@lru_cache(maxsize=1)
def symbol_entries() -> dict[str, Entry]:
    """Emoticons and emoji with their valence and emotions."""
    rules = load_rules()
    out: dict[str, Entry] = {}
    for text, valence in rules["emoticons"].items():
        emotion = "joy" if valence > 0 else "sadness" if valence < 0 else "surprise"
        out[text] = Entry(float(valence), (emotion,))
    for text, (valence, emotion) in rules["emoji"].items():
        out[text] = Entry(float(valence), (emotion,))
    return out


def _read_tsv(language: str) -> list[tuple[str, Entry]]:
    rows: list[tuple[str, Entry]] = []
    for line in _DATA.joinpath(f"{language}.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, valence, emotions = line.split("\t")
        tags = tuple(e for e in emotions.split(",") if e in EMOTIONS)
        rows.append((term.strip().lower(), Entry(float(valence), tags)))
    return rows


@lru_cache(maxsize=8)
def load_lexicon(languages: tuple[str, ...]) -> Lexicon:
    """The lexicon of one language, or the merge of several (later ones win ties)."""
    rules = load_rules()
    lexicon = Lexicon(languages=languages)
    contrast: set[str] = set()
    cancel: set[str] = set()
    concessive: set[str] = set()
    for language in languages:
        if language not in LEXICON_LANGUAGES:
            continue
        for term, entry in _read_tsv(language):
            parts = tuple(term.split())
            if len(parts) == 1:
                lexicon.words[term] = entry
            else:
                lexicon.phrases.setdefault(parts[0], []).append((parts[1:], entry))
        lexicon.negators.update(rules["negators"][language])
        lexicon.intensifiers.update(rules["intensifiers"][language])
        contrast.update(rules["contrast"][language])
        cancel.update(rules["contrast_cancel"][language])
        concessive.update(rules["concessive"][language])
        concessive.update(rules["conditional"][language])
        if language == "pl":
            for term, entry in _read_tsv(language):
                if " " not in term:
                    lexicon.folded.setdefault(fold(term), entry)
    for tails in lexicon.phrases.values():
        tails.sort(key=lambda item: -len(item[0]))
    lexicon.contrast = frozenset(contrast)
    lexicon.contrast_cancel = frozenset(cancel)
    lexicon.concessive = frozenset(concessive)
    return lexicon


def lookup(lexicon: Lexicon, word: str, language: str) -> Entry | None:
    """The entry of a lower-case word: as written, by lemma, then Polish fallbacks."""
    return _lookup_cached(lexicon.languages, word, language)


@lru_cache(maxsize=200_000)
def _lookup_cached(languages: tuple[str, ...], word: str, language: str) -> Entry | None:
    lexicon = load_lexicon(languages)
    entries = lexicon.words
    found = entries.get(word)
    if found is not None:
        return found
    for lang in _lemma_languages(language, languages):
        found = entries.get(lemmatise(word, lang))
        if found is not None:
            return found
    if "pl" not in languages or language not in ("pl", "und"):
        return None
    found = _polish_fallback(entries, word)
    if found is None and fold(word) == word:
        found = lexicon.folded.get(word) or _polish_fallback(lexicon.folded, word)
    if found is not None:
        return found
    if word.startswith("nie") and len(word) > 6:
        rest = word[3:]
        base = entries.get(rest) or entries.get(lemmatise(rest, "pl"))
        base = base or _polish_fallback(entries, rest)
        if base is None and fold(rest) == rest:
            base = lexicon.folded.get(rest) or _polish_fallback(lexicon.folded, rest)
        if base is not None and base.valence != 0:
            return negate(base)
    return None


def _polish_fallback(entries: dict[str, Entry], word: str) -> Entry | None:
    base = verb_base(word)
    if base is not None and base in entries:
        return entries[base]
    for base in adjective_bases(word):
        found = entries.get(base)
        if found is not None:
            return found
    for base in undiminish(word):
        found = entries.get(base) or entries.get(lemmatise(base, "pl"))
        if found is not None:
            return found
    return None


def negate(entry: Entry) -> Entry:
    """A negated entry: positives turn negative (and sad), negatives turn mildly positive."""
    rules = load_rules()
    if entry.valence > 0:
        return Entry(entry.valence * float(rules["negated_positive"]), ("sadness",))
    return Entry(entry.valence * float(rules["negated_negative"]), ())


def _lemma_languages(language: str, languages: tuple[str, ...]) -> tuple[str, ...]:
    if language in languages:
        return (language,)
    return languages
