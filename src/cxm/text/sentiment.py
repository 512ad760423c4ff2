"""Rule-based sentiment of a comment: negative / neutral / positive and a score in [-1, 1].

One pass over the tokens finds lexicon words and phrases (by word form, lemma, Polish
diminutive or "nie-" prefix), applies intensifiers and diminishers, negation within three
words, the weight of the clause after a contrast word ("ale", "but"), emoticons and emoji,
exclamation marks and words in capitals. Mixed evidence is damped: the net valence is
scaled by one minus the ratio of the weaker side to the stronger, so balanced praise and
complaint read as neutral while the clause after "ale"/"but" still decides (its weight is
part of the sides). The same pass collects emotion evidence, which
:mod:`cxm.text.emotions` turns into intensities."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from cxm.text.lemmas import lemmatise
from cxm.text.lexicon import EMOTIONS, Entry, Lexicon, load_lexicon, load_rules, lookup, negate
from cxm.text.lexicon import symbol_entries as _symbols
from cxm.text.tokens import Token, tokenise

LABELS = ("negative", "neutral", "positive")
# |score| below this is neutral: one weak word ("ok") stays neutral, one clear word does not
NEUTRAL_BAND = 0.2
# the normaliser: a single clear word (valence 2) scores about 0.63
_ALPHA = 6.0
_NEGATION_WINDOW = 3
_BOUNDARIES = frozenset({".", ",", ";", "!", "?", ":", "…", "(", ")", "-", "–", "—"})


@dataclass
class Evidence:
    """What the pass found: the summed valence, its positive and negative parts, emotion
    evidence and the number of hits."""

    valence: float = 0.0
    positive: float = 0.0
    negative: float = 0.0
    emotions: dict[str, float] = field(default_factory=lambda: dict.fromkeys(EMOTIONS, 0.0))
    hits: int = 0


@dataclass(frozen=True)
class Sentiment:
    """A sentiment label and its score in [-1, 1]."""

    label: str
    score: float


def lexicon_for(language: str, languages: tuple[str, ...] = ("pl", "en")) -> Lexicon:
    """The lexicon to use for a text in ``language`` ("und": every configured one)."""
    if language in ("pl", "en"):
        return load_lexicon((language,))
    usable = tuple(lang for lang in languages if lang in ("pl", "en")) or ("pl", "en")
    return load_lexicon(usable)


def collect_evidence(tokens: list[Token], language: str, lexicon: Lexicon) -> Evidence:
    """One pass over ``tokens``: valence and emotion evidence after all the rules."""
    rules = load_rules()
    symbols = _symbols()
    lemma_lang = language if language in ("pl", "en") else lexicon.languages[0]
    contributions: list[tuple[int, float, tuple[str, ...]]] = []
    negator_at: dict[int, float] = {}
    used_negators: set[int] = set()
    contrast_at = -1
    concessions: list[tuple[int, int]] = []
    contracted = float(rules["contracted_negation"])
    exclamations = 0
    irritated = False
    letters = [t.text for t in tokens if t.kind == "word"]
    shouting = bool(letters) and all(w.isupper() for w in letters if len(w) > 1)
    n = len(tokens)
    words = _WORD_CACHES.setdefault((lexicon.languages, lemma_lang), {})
    i = 0
    while i < n:
        token = tokens[i]
        kind = token.kind
        if kind in ("emoticon", "emoji"):
            entry = symbols.get(token.text) or symbols.get(token.text.rstrip("\ufe0f"))
            if entry is None and kind == "emoticon":
                entry = _emoticon_family(token.text, symbols)
            if entry is not None:
                contributions.append((i, entry.valence, entry.emotions))
            i += 1
            continue
        if kind == "punct":
            exclamations += token.text.count("!")
            if token.text.startswith("??") or (
                token.text.startswith("?") and i + 1 < n and tokens[i + 1].text.startswith("!")
            ):
                irritated = True
            i += 1
            continue
        if kind != "word":
            i += 1
            continue
        word = token.lower
        info = words.get(word)
        if info is None:
            info = _word_info(lexicon, word, lemma_lang)
            if len(words) >= _WORD_CACHE_SIZE:
                words.clear()
            words[word] = info
        tails, entry = info
        phrase = _match_tails(tokens, i, tails, lemma_lang) if tails is not None else None
        if phrase is not None:
            length, entry = phrase
            valence = entry.valence * _intensity(tokens, i, lexicon)
            negator = _negator_before(tokens, i, negator_at)
            emotions = entry.emotions
            if negator is not None and valence > 0:
                used_negators.add(negator)
                turned = negate(Entry(valence, emotions))
                valence, emotions = turned.valence, turned.emotions
            contributions.append((i, valence, emotions))
            i += length
            continue
        if word in lexicon.negators or "n't" in word:
            negator_at[i] = lexicon.negators.get(word, contracted)
            i += 1
            continue
        if word in lexicon.contrast:
            following = tokens[i + 1].lower if i + 1 < n else ""
            if following not in lexicon.contrast_cancel:
                contrast_at = i
            i += 1
            continue
        if word in lexicon.concessive:
            concessions.append((i, _next_boundary(tokens, i)))
            i += 1
            continue
        if word in lexicon.intensifiers and _sentiment_follows(tokens, i, lexicon, lemma_lang):
            i += 1
            continue
        if entry is None or entry.valence == 0:
            i += 1
            continue
        valence = entry.valence * _intensity(tokens, i, lexicon)
        if not shouting and len(token.text) > 2 and token.text.isupper():
            valence *= 1.3
        negator = _negator_before(tokens, i, negator_at)
        emotions = entry.emotions
        if negator is not None:
            used_negators.add(negator)
            turned = negate(Entry(valence, emotions))
            valence, emotions = turned.valence, turned.emotions
        contributions.append((i, valence, emotions))
        i += 1
    if irritated:
        contributions.append((n, float(rules["irritated_questions"]), ("anger",)))
    for position, standalone in negator_at.items():
        if standalone and position not in used_negators:
            contributions.append((position, standalone, ("sadness",)))
    evidence = Evidence()
    before = float(rules["contrast_before"])
    after = float(rules["contrast_after"])
    concession = float(rules["concessive_weight"])
    for position, valence, emotions in contributions:
        weight = 1.0
        if contrast_at >= 0:
            weight = after if position > contrast_at else before
        for start, end in concessions:
            if start < position < end:
                weight *= concession
        value = valence * weight
        evidence.valence += value
        if value > 0:
            evidence.positive += value
        else:
            evidence.negative -= value
        evidence.hits += 1
        for emotion in emotions:
            evidence.emotions[emotion] += abs(value)
    if evidence.valence and exclamations:
        evidence.valence *= 1.0 + 0.08 * min(exclamations, 4)
    return evidence


def score_of(evidence: Evidence) -> Sentiment:
    """The label and normalised score of collected evidence."""
    total = evidence.valence
    weaker = min(evidence.positive, evidence.negative)
    if weaker > 0:
        # mixed evidence: the more the two sides balance, the closer to neutral
        total *= 1.0 - weaker / max(evidence.positive, evidence.negative)
    score = total / math.sqrt(total * total + _ALPHA) if total else 0.0
    score = max(-1.0, min(1.0, score))
    if score >= NEUTRAL_BAND:
        label = "positive"
    elif score <= -NEUTRAL_BAND:
        label = "negative"
    else:
        label = "neutral"
    return Sentiment(label, round(score, 4))


def analyse_sentiment(text: str, language: str = "und") -> Sentiment:
    """The sentiment of one text in ``language`` ("pl", "en" or "und")."""
    lexicon = lexicon_for(language)
    return score_of(collect_evidence(tokenise(text), language, lexicon))


_Tails = list[tuple[tuple[str, ...], Entry]]
# per (lexicon languages, lemma language): word -> (phrases it starts, its own entry)
_WORD_CACHES: dict[tuple[tuple[str, ...], str], dict[str, tuple[_Tails | None, Entry | None]]] = {}
_WORD_CACHE_SIZE = 200_000


def _word_info(lexicon: Lexicon, word: str, language: str) -> tuple[_Tails | None, Entry | None]:
    phrases = lexicon.phrases
    tails = phrases.get(word) or phrases.get(lemmatise(word, language)) or None
    return tails, lookup(lexicon, word, language)


def _match_tails(
    tokens: list[Token], i: int, tails: _Tails, language: str
) -> tuple[int, Entry] | None:
    for tail, entry in tails:
        end = i + 1 + len(tail)
        if end > len(tokens):
            continue
        ok = True
        for offset, expected in enumerate(tail):
            t = tokens[i + 1 + offset]
            if t.kind != "word" or (
                t.lower != expected and lemmatise(t.lower, language) != expected
            ):
                ok = False
                break
        if ok:
            return 1 + len(tail), entry
    return None


def _intensity(tokens: list[Token], i: int, lexicon: Lexicon) -> float:
    factor = 1.0
    for j in range(max(0, i - 2), i):
        t = tokens[j]
        if t.kind == "word":
            factor *= lexicon.intensifiers.get(t.lower, 1.0)
    return factor


def _sentiment_follows(tokens: list[Token], i: int, lexicon: Lexicon, language: str) -> bool:
    for j in range(i + 1, min(len(tokens), i + 3)):
        t = tokens[j]
        if t.kind != "word":
            return False
        if t.lower in lexicon.negators or t.lower in lexicon.intensifiers:
            continue
        entry = lookup(lexicon, t.lower, language)
        if entry is not None and entry.valence != 0:
            return True
    return False


def _negator_before(tokens: list[Token], i: int, negator_at: dict[int, float]) -> int | None:
    seen = 0
    j = i - 1
    while j >= 0 and seen < _NEGATION_WINDOW:
        t = tokens[j]
        if t.kind == "punct" and t.text[0] in _BOUNDARIES:
            return None
        if j in negator_at:
            return j
        if t.kind == "word":
            seen += 1
        j -= 1
    return None


def _next_boundary(tokens: list[Token], i: int) -> int:
    for j in range(i + 1, len(tokens)):
        t = tokens[j]
        if t.kind == "punct" and t.text[0] in _BOUNDARIES:
            return j
    return len(tokens)


def _emoticon_family(text: str, symbols: dict[str, Entry]) -> Entry | None:
    core = text.replace("-", "")
    if core.startswith((":)", "=)", ";)")) or core.startswith(":D"):
        return symbols[":)"]
    if core.startswith((":(", "=(")):
        return symbols[":("]
    if core.lower().startswith("xd"):
        return symbols["xD"]
    return symbols.get(core)
