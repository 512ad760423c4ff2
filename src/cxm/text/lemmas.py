"""Lemmas for Polish and English words (simplemma), cached, with Polish diminutives.

simplemma's dictionaries know most inflected forms; Polish diminutives ("paczuszka",
"szybciutko", "kurierek") are often missing, so :func:`undiminish` offers base-form
candidates that a caller can look up in its own vocabulary."""

from __future__ import annotations

from functools import lru_cache

import simplemma

SUPPORTED = ("pl", "en")

# Diminutive endings and the endings of the base form they usually come from.
_DIMINUTIVES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("usieńki", ("i", "y")),
    ("uteńki", ("i", "y")),
    ("uteńko", ("o", "ko")),
    ("iuteńki", ("i", "ki")),
    ("iutki", ("ki", "i", "y")),
    ("iutko", ("ko", "o")),
    ("iuśki", ("ki", "i")),
    ("utki", ("i", "y", "ki")),
    ("utko", ("o", "ko")),
    ("uśki", ("i", "y")),
    ("uśko", ("o",)),
    ("eńki", ("i", "y")),
    ("eńko", ("o",)),
    ("uszka", ("ka", "a")),
    ("uszek", ("ek", "")),
    ("eczka", ("ka", "a")),
    ("eczek", ("ek", "")),
    ("eczko", ("ko", "o")),
    ("iczek", ("ik",)),
    ("eńka", ("a",)),
    ("unia", ("a",)),
    ("ątko", ("o",)),
    ("ek", ("",)),
    ("ka", ("a", "")),
    ("ko", ("o", "")),
)
# Consonant alternations before diminutive endings ("szybciutko" -> "szybko").
_ALTERNATIONS = {
    "c": ("k", "c"),
    "ć": ("t", "ć"),
    "l": ("ł", "l"),
    "ń": ("n", "ń"),
    "ś": ("s", "ś"),
}


@lru_cache(maxsize=200_000)
def lemmatise(word: str, language: str) -> str:
    """The lemma of a lower-case ``word`` in ``language`` (the word itself if unknown)."""
    if language not in SUPPORTED:
        return word
    return str(simplemma.lemmatize(word, lang=language))


@lru_cache(maxsize=50_000)
def undiminish(word: str) -> tuple[str, ...]:
    """Possible base forms of a Polish diminutive, most likely first (may be empty)."""
    out: list[str] = []
    for suffix, endings in _DIMINUTIVES:
        if len(word) - len(suffix) < 3 or not word.endswith(suffix):
            continue
        stem = word[: -len(suffix)]
        stems = [stem]
        if stem[-1] in _ALTERNATIONS:
            stems = [stem[:-1] + alt for alt in _ALTERNATIONS[stem[-1]]]
        if stem.endswith("ci"):
            stems.insert(0, stem[:-2] + "k")
        for base in stems:
            for ending in endings:
                candidate = base + ending
                if candidate != word and candidate not in out:
                    out.append(candidate)
    return tuple(out)


_ADJECTIVE_ENDINGS = (
    "ymi",
    "imi",
    "ego",
    "emu",
    "ych",
    "ich",
    "ym",
    "im",
    "ej",
    "a",
    "e",
    "ą",
    "i",
    "y",
)


@lru_cache(maxsize=50_000)
def adjective_bases(word: str) -> tuple[str, ...]:
    """Masculine forms a Polish adjective form may come from ("miła" -> "miły")."""
    out: list[str] = []
    for ending in _ADJECTIVE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            for base in (stem + "y", stem + "i"):
                if base != word and base not in out:
                    out.append(base)
            break
    return tuple(out)


_PAST_ENDINGS = (
    "łyśmy",
    "liśmy",
    "łybyśmy",
    "łabym",
    "łbym",
    "łem",
    "łam",
    "łeś",
    "łaś",
    "ła",
    "ło",
    "li",
    "ły",
    "ł",
)


@lru_cache(maxsize=50_000)
def verb_base(word: str) -> str | None:
    """The infinitive of a Polish past-tense form ("czekałem" -> "czekać"), if it is one."""
    for ending in _PAST_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            if stem[-1] in "aeiouyęą":
                return stem + "ć"
            return None
    return None
