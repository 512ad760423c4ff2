"""Tokenising comments into words, emoticons, emoji, numbers and punctuation.

One precompiled regular expression does the work; mentions and URLs are kept as their own
kinds so that sentiment and language ignore them, and a hashtag yields its word."""

from __future__ import annotations

import re
from typing import NamedTuple

EMOTICONS = (
    r":-?\)+|:-?\(+|:-?D\b|:-?P\b|:-?p\b|:-?/(?!/)|:-?\\|:-?\||:-?\*|;-?\)+|;-?D\b|:'-?\(+|"
    r"=\)+|=\(+|=D\b|:-?\]|:-?\[|:-?o\b|:-?O\b|\bx-?D+\b|\bX-?D+\b|<3+|</3|\^_*\^|-_-|"
    r"\(:|\):"
)
EMOJI = r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF]\ufe0f?"

_TOKEN = re.compile(
    rf"(?P<url>https?://\S+|www\.\S+)"
    rf"|(?P<mention>@\w+)"
    rf"|(?P<emoticon>{EMOTICONS})"
    rf"|(?P<emoji>{EMOJI})"
    r"|#(?P<hashtag>[^\W\d_]+)"
    r"|(?P<word>[^\W\d_]+(?:['’`\-][^\W\d_]+)*)"
    r"|(?P<number>\d+(?:[.,:/\-]\d+)*)"
    r"|(?P<punct>!+|\?+|[.,;:()\-–—…]+)",
)


class Token(NamedTuple):
    """One token: its text as written, its lower-case form and its kind."""

    text: str
    lower: str
    kind: str  # word, emoticon, emoji, number, punct, mention, url


def tokenise(text: str) -> list[Token]:
    """Split ``text`` into tokens; hashtags become words (without the #)."""
    tokens: list[Token] = []
    make = tuple.__new__  # Token(...) without the keyword-handling wrapper: hot path
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        value = match.group()
        if kind == "hashtag":
            kind, value = "word", value[1:]
        elif kind == "word" and "’" in value:
            value = value.replace("’", "'")
        tokens.append(make(Token, (value, value.lower(), kind)))
    return tokens


def words(tokens: list[Token]) -> list[str]:
    """The lower-case words of a token list."""
    return [t.lower for t in tokens if t.kind == "word"]
