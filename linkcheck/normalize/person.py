"""People's names: case, spacing and titles folded; the key ignores word order."""

from __future__ import annotations

import re

from .text import _LETTER, Canonical, Rejected, _split_cjk, _text

_HONORIFICS = frozenset("mr mrs ms miss mx dr prof sir madam mme herr frau".split())
_HONORIFICS_ZH = re.compile("(?:先生|女士|小姐|さん|様)$")


def person_name(text: str) -> Canonical:
    """A person's name: case, spacing and punctuation folded, titles dropped. The key sorts
    the words, so `DOE, John` and `John Doe` are one person."""
    words = _text(text, initials=False)
    if not words.isascii():
        words = _split_cjk(_HONORIFICS_ZH.sub("", words.strip()))
    tokens = [t for t in words.split() if t not in _HONORIFICS]
    if not tokens or not any(_LETTER.search(t) for t in tokens):
        raise Rejected("not a name")
    if any(c.isdigit() for t in tokens for c in t):
        raise Rejected("a name has no digits")
    return Canonical(" ".join(tokens), key=" ".join(sorted(tokens)))
