"""Themes of comments: a configurable Polish/English theme dictionary matched by lemma, and
discovery of new, unconfigured themes (frequent lemma n-grams) with example comments.

A theme dictionary is YAML: ``themes: {key: {label: {pl, en}, pl: [terms], en: [terms]}}``;
a term is a word or a phrase, matched in any inflected form because both the term and the
comment are lemmatised. The default dictionary ships in ``lexicons/themes.yaml``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from cxm.domain.errors import ValidationFailed
from cxm.text.lemmas import lemmatise, verb_base
from cxm.text.lexicon import load_lexicon
from cxm.text.tokens import Token, tokenise

_DATA = files("cxm.text").joinpath("lexicons")
_LANGUAGES = ("pl", "en")


@dataclass(frozen=True)
class Theme:
    """One configured theme: its key and labels."""

    key: str
    label_pl: str
    label_en: str


@dataclass
class ThemeDictionary:
    """Themes and an index from a term's first lemma to (rest of the term, theme key)."""

    themes: tuple[Theme, ...]
    index: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)

    def covered(self) -> frozenset[str]:
        """Every lemma that appears in some term (discovery skips them)."""
        out: set[str] = set()
        for first, tails in self.index.items():
            out.add(first)
            for tail, _key in tails:
                out.update(tail)
        return frozenset(out)


@dataclass(frozen=True)
class DiscoveredTheme:
    """A frequent, unconfigured keyword or phrase, with how many comments use it."""

    phrase: str
    count: int
    examples: tuple[str, ...]


def parse_theme_dictionary(data: Any) -> ThemeDictionary:
    """A theme dictionary from parsed YAML; ValidationFailed when malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("themes"), dict):
        raise ValidationFailed("theme dictionary needs a 'themes' mapping", field="themes")
    themes: list[Theme] = []
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for key, spec in data["themes"].items():
        if not isinstance(spec, dict):
            raise ValidationFailed(f"theme {key!r} must be a mapping", field=str(key))
        label = spec.get("label") or {}
        themes.append(Theme(str(key), str(label.get("pl", key)), str(label.get("en", key))))
        for language in _LANGUAGES:
            for term in spec.get(language) or []:
                for variant in _term_variants(str(term), language):
                    index.setdefault(variant[0], []).append((variant[1:], str(key)))
    for tails in index.values():
        tails.sort(key=lambda item: -len(item[0]))
    return ThemeDictionary(tuple(themes), index)


def read_theme_dictionary(path: Path) -> ThemeDictionary:
    """A theme dictionary from a YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValidationFailed(f"{path}: cannot read the theme dictionary: {exc}") from exc
    return parse_theme_dictionary(data)


@lru_cache(maxsize=1)
def default_theme_dictionary() -> ThemeDictionary:
    """The theme dictionary shipped with cxm."""
    return parse_theme_dictionary(yaml.safe_load(_DATA.joinpath("themes.yaml").read_text("utf-8")))


def word_forms(tokens: Sequence[Token], language: str) -> list[frozenset[str]]:
    """For each word token: its lower-case form and its lemma(s)."""
    cache = _FORMS.setdefault(language, {})
    out: list[frozenset[str]] = []
    for token in tokens:
        if token.kind != "word":
            continue
        forms = cache.get(token.lower)
        if forms is None:
            if len(cache) >= _FORMS_CACHE_SIZE:
                cache.clear()
            forms = cache[token.lower] = _forms_of(token.lower, language)
        out.append(forms)
    return out


# per language: word -> its forms (a plain dict: cheaper than a cached call per word)
_FORMS: dict[str, dict[str, frozenset[str]]] = {}
_FORMS_CACHE_SIZE = 200_000


def _forms_of(word: str, language: str) -> frozenset[str]:
    languages = (language,) if language in _LANGUAGES else _LANGUAGES
    forms = {word}
    for lang in languages:
        forms.add(lemmatise(word, lang))
    if "pl" in languages:
        base = verb_base(word)
        if base:
            forms.add(base)
    return frozenset(forms)


def match_themes(
    tokens: Sequence[Token], language: str, dictionary: ThemeDictionary | None = None
) -> tuple[str, ...]:
    """Keys of the themes a tokenised comment mentions, in dictionary order."""
    dictionary = dictionary or default_theme_dictionary()
    forms = word_forms(tokens, language)
    found: set[str] = set()
    index = dictionary.index
    for i, here in enumerate(forms):
        for form in here:
            for tail, key in index.get(form, ()):
                if key in found:
                    continue
                end = i + 1 + len(tail)
                if end <= len(forms) and all(
                    part in forms[i + 1 + k] for k, part in enumerate(tail)
                ):
                    found.add(key)
    return tuple(t.key for t in dictionary.themes if t.key in found)


def themes_of(
    text: str, language: str, dictionary: ThemeDictionary | None = None
) -> tuple[str, ...]:
    """Keys of the themes a comment mentions."""
    return match_themes(tokenise(text), language, dictionary)


def discover_themes(
    texts: Iterable[str],
    languages: Sequence[str] | None = None,
    dictionary: ThemeDictionary | None = None,
    *,
    min_count: int = 3,
    limit: int = 10,
    examples: int = 3,
) -> list[DiscoveredTheme]:
    """Frequent lemma keywords and two-word phrases that no configured theme covers.

    ``languages`` gives each text's language (from the analysis); without it both Polish
    and English lemmas are tried. Counts are of comments, not occurrences; the examples
    are redacted."""
    from cxm.text.redaction import redact

    dictionary = dictionary or default_theme_dictionary()
    covered = dictionary.covered()
    skip = _stopwords() | covered
    sentiment_words = set(load_lexicon(_LANGUAGES).words)
    unigrams: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    samples: dict[str, list[str]] = {}
    text_list = list(texts)
    for n, text in enumerate(text_list):
        language = languages[n] if languages is not None else "und"
        lemmas: list[str | None] = []
        for forms, token in zip(
            word_forms(tokenise(text), language),
            [t for t in tokenise(text) if t.kind == "word"],
            strict=True,
        ):
            lemma = _lemma_of(token.lower, language)
            content = (
                len(token.lower) >= 3
                and not forms & skip
                and lemma not in sentiment_words
                and token.lower not in sentiment_words
            )
            lemmas.append(lemma if content else None)
        seen: set[str] = set()
        previous: tuple[int, str] | None = None
        for i, current in enumerate(lemmas):
            if current is None:
                continue
            seen.add(current)
            # two content words with at most one function word between them make a phrase
            if previous is not None and i - previous[0] <= 2 and previous[1] != current:
                seen.add(f"{previous[1]} {current}")
            previous = (i, current)
        for key in seen:
            (bigrams if " " in key else unigrams)[key] += 1
            bucket = samples.setdefault(key, [])
            if len(bucket) < examples:
                bucket.append(redact(text))
    chosen: list[tuple[str, int]] = []
    used: set[str] = set()
    for phrase, count in bigrams.most_common():
        if count < min_count or len(chosen) >= limit:
            break
        chosen.append((phrase, count))
        used.update(phrase.split())
    for word, count in unigrams.most_common():
        if count < min_count or len(chosen) >= limit * 2:
            break
        if word in used:
            continue
        chosen.append((word, count))
    chosen.sort(key=lambda item: (-item[1], item[0]))
    return [DiscoveredTheme(p, c, tuple(samples[p])) for p, c in chosen[:limit]]


def _lemma_of(word: str, language: str) -> str:
    return lemmatise(word, language if language in _LANGUAGES else "pl")


def _term_variants(term: str, language: str) -> set[tuple[str, ...]]:
    words = tuple(term.lower().split())
    return {words, tuple(lemmatise(w, language) for w in words)}


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    data = yaml.safe_load(_DATA.joinpath("stopwords.yaml").read_text("utf-8"))
    return frozenset(str(w) for lang in _LANGUAGES for w in data[lang])
