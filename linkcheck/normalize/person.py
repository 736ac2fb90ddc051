"""People's names: case, spacing and titles folded; the key ignores word order.

Also what a name says as evidence: how common it is (`name_share`, from the prior frequency
tables in data/person_names.json) and, for Chinese names, their pinyin (a related key
"py li wei", so 李伟 and Li Wei meet across scripts).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from ..i18n import _
from ..lazy import lazy_pattern
from .text import _HAS_CJK, _LETTER, Canonical, Rejected, _split_cjk, _text, word_list

_HONORIFICS = frozenset("mr mrs ms miss mx dr prof sir madam mme herr frau".split())
_HONORIFICS_ZH = re.compile("(?:先生|女士|小姐|さん|様)$")
_HAN_ONLY = lazy_pattern(globals(), "_HAN_ONLY", "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")  # (compiled when first used)
# The related key of a name's romanisation starts with this ("legal_representative:py li wei").
PINYIN_MARK = "py "
_FACET = "legal_representative"


def person_name(text: str) -> Canonical:
    """A person's name: case, spacing and punctuation folded, titles dropped. The key sorts
    the words, so `DOE, John` and `John Doe` are one person. A Chinese name (李伟) and a
    Latin one that reads as pinyin (Li Wei, Wei Li) also carry the related key
    "py li wei": surname and given name romanised, sorted."""
    words = _text(text, initials=False)
    if not words.isascii():
        words = _split_cjk(_HONORIFICS_ZH.sub("", words.strip()))
    tokens = [t for t in words.split() if t not in _HONORIFICS]
    value = " ".join(tokens)  # (a letter in any word is a letter in the words joined by spaces)
    if not tokens or not _LETTER.search(value):
        raise Rejected(_("not a name"))
    # A digit in any word is a digit in the text they were split from (titles have none); in
    # ASCII text, str.isdigit() holds for 0-9 only.
    if _ASCII_DIGIT.search(value) if value.isascii() else any(c.isdigit() for c in value):
        raise Rejected(_("a name has no digits"))
    pinyin = _pinyin_key(tokens)
    related = ((_FACET, PINYIN_MARK + pinyin),) if pinyin else ()
    return Canonical(value, key=" ".join(sorted(tokens)), related=related)


_ASCII_DIGIT = re.compile("[0-9]")


def _pinyin_key(tokens: list[str]) -> str | None:
    """"li wei" for [李伟], [li, wei] or [wei, li]; None for a name that is neither a Han
    name of two to four characters nor two or three words of pinyin."""
    if len(tokens) == 1 and _HAN_ONLY.fullmatch(tokens[0]) and 2 <= len(tokens[0]) <= 4:
        family, given = _split_han(tokens[0])
        from pypinyin import lazy_pinyin  # only Chinese names pay for it

        return " ".join(sorted(("".join(lazy_pinyin(family)), "".join(lazy_pinyin(given)))))
    if 2 <= len(tokens) <= 3 and all(t.isascii() and t.isalpha() and _pinyin_word(t) for t in tokens):
        return " ".join(sorted(tokens))
    return None


@lru_cache(maxsize=1 << 14)
def _pinyin_word(word: str) -> bool:
    """`_is_pinyin(word)`, remembered: names repeat their words (Li, Wang, Wei). By one
    pattern (`_pinyin_pattern`): a brand or surname read once is most of an import's words."""
    return _pinyin_pattern()(word) is not None


@lru_cache(maxsize=1)
def _pinyin_pattern():
    """The `fullmatch` of a pattern that matches what `_is_pinyin` accepts (the sixteenth
    session; a third of the time of its search for a word it refuses): one syllable, or one
    of at most five letters followed by one syllable, or by one of at most five letters and
    one syllable -- as `_is_pinyin` cuts a word (a first or second cut of 1-5 letters, the last
    part whole). The syllables as a trie, so the pattern tries the letters, not each syllable."""
    syllables = _syllables()
    every = _trie(syllables)
    short = _trie([s for s in syllables if len(s) <= 5])
    return re.compile(f"{every}|{short}(?:{every}|{short}{every})").fullmatch


def _trie(words) -> str:
    """A pattern matching exactly `words` (none empty), as one group of nested alternatives."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        return "(?:" + "|".join(branches) + (")?" if "" in node else ")")

    return pattern(root)


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    return word_list("pinyin_syllables.txt")


def _is_pinyin(word: str, depth: int = 0) -> bool:
    """Whether `word` is one to three pinyin syllables ("wei", "xiuying")."""
    syllables = _syllables()
    if word in syllables:
        return True
    if depth == 2:
        return False
    for i in range(1, min(len(word), 6)):  # (a loop, not any() over a generator: a tenth of a company name's time)
        if word[:i] in syllables and _is_pinyin(word[i:], depth + 1):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# How common a name is

# Shares for names the tables do not list: a Chinese surname outside the top ~100 (which
# cover about 85 % of people), a one- or two-character given name outside the list, an
# unlisted Latin-script surname or given name, and a lone word (a bare surname or given name:
# never enough to tell a person).
UNLISTED_FAMILY_ZH = 1e-4
UNLISTED_GIVEN_ZH = (1e-3, 2e-5)
UNLISTED_FAMILY = 1e-5
UNLISTED_GIVEN = 1e-4
LONE_WORD = 1e-4


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, float]]:
    text = (resources.files(__package__) / "data" / "person_names.json").read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def _split_han(name: str) -> tuple[str, str]:
    """A Han name's surname (a listed two-character compound, else the first character) and given name."""
    if len(name) > 2 and name[:2] in _tables()["family_zh"]:
        return name[:2], name[2:]
    return name[:1], name[1:]


@lru_cache(maxsize=1 << 15)
def name_share(normalized: str) -> float:
    """About what share of people bear this name (0-1), from the prior tables.

    A Han name is surname x given name (张伟: 6.4 % x 0.4 % = 2.6e-4); a Latin-script name is
    its most common reading as surname x given name (John Smith: 1.6 % x 0.83 %); extra
    words (middle names) are not counted, so the estimate errs towards common. A lone word is
    at least LONE_WORD: a bare surname never identifies anyone.
    """
    tables = _tables()
    tokens = normalized.split()
    joined = "".join(tokens)
    if _HAS_CJK.search(joined):
        if not _HAN_ONLY.fullmatch(joined):
            return UNLISTED_FAMILY * UNLISTED_GIVEN
        family, given = _split_han(joined)
        share = tables["family_zh"].get(family, UNLISTED_FAMILY_ZH)
        if not given:
            return max(share, LONE_WORD)
        unlisted = UNLISTED_GIVEN_ZH[0] if len(given) == 1 else UNLISTED_GIVEN_ZH[1]
        return share * tables["given_zh"].get(given, unlisted)
    family_of, given_of = tables["family_latin"], tables["given_latin"]
    if len(tokens) == 1:
        word = tokens[0]
        return max(family_of.get(word, 0.0), given_of.get(word, 0.0), LONE_WORD)
    best = 0.0
    for i, family in enumerate(tokens):
        share = family_of.get(family, UNLISTED_FAMILY)
        given_share = max(given_of.get(t, UNLISTED_GIVEN) for j, t in enumerate(tokens) if j != i)
        best = max(best, share * given_share)
    return best
