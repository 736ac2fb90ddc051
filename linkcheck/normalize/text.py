"""Text every normaliser shares: the value types, input hygiene, folding, CJK, labels and blocking."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Callable, NamedTuple, Sequence
from ..i18n import _
from ..lazy import lazy_pattern

MAX_LENGTH = 1000


def word_list(name: str) -> frozenset[str]:
    """A word list shipped in normalize/data/: words separated by white space, # starts a comment line."""
    text = (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.lstrip().startswith("#") for w in line.split())


def word_map(name: str) -> dict[str, dict[str, str]]:
    """Word tables shipped in normalize/data/ as JSON: table name -> {word: what it stands for}."""
    return json.loads((resources.files(__package__) / "data" / name).read_text(encoding="utf-8"))


class Rejected(ValueError):
    """A value its kind cannot accept; `reason` is one short phrase that never quotes the value."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Canonical(NamedTuple):
    """One value in canonical form, with what it reveals beyond itself.

    `key` is what two spellings of one value share when it differs from `value` (company
    names ignore spacing); `related` holds other facets the value carries, as (facet, value)
    pairs; `identifying` is False for values that identify no one (a private IP), which
    then yield no match keys at all.

    A named tuple, not a frozen dataclass: every value an import reads makes one (two million
    at 100,000 accounts), and a frozen dataclass takes half as long again to build.
    """

    value: str
    key: str = ""
    related: tuple[tuple[str, str], ...] = ()
    flags: tuple[str, ...] = ()
    identifying: bool = True


# ---------------------------------------------------------------------------------------------
# Input hygiene shared by every kind

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters pasted along with values (zero-width spaces, BOMs, bidi marks and
# overrides, soft hyphens, variation selectors): cosmetic, and able to hide a shared value.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)


def clean(value: object) -> str:
    """The text of a value, trimmed and stripped of invisible characters, or Rejected.

    Tabs and newlines survive (text kinds fold them into spaces); other control characters,
    lone surrogates, blank and over-long values are refused before any parsing.
    """
    if not isinstance(value, str):
        raise Rejected(_("not text"))
    if len(value) > MAX_LENGTH:
        raise Rejected(_("longer than {limit:,} characters", limit=MAX_LENGTH))
    if value.isascii():
        # (printable ASCII, the common case, has no control character: no search for one)
        if not value.isprintable() and _CONTROL.search(value):
            raise Rejected(_("contains control characters"))
    else:
        if _CONTROL.search(value):
            raise Rejected(_("contains control characters"))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Rejected(_("not valid text")) from None
        value = _INVISIBLE.sub("", value)
    value = value.strip()
    if not value:
        raise Rejected(_("empty"))
    return value


def _nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """NFKC and case folding until stable, so full-width, compatibility and case variants
    of a character are one character (plain lower() for ASCII, the common case)."""
    if text.isascii():
        return text.lower()
    for _round in range(4):
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        if folded == text:
            break
        text = folded
    return text


# ---------------------------------------------------------------------------------------------
# Text shared by names, addresses and labels

_CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAS_CJK = re.compile(f"[{_CJK_CLASS}]")
# Compiled when first used (text with CJK in it), not at import: 5-10 ms of CPU.
_CJK_GAP = lazy_pattern(globals(), "_CJK_GAP", f"(?<=[{_CJK_CLASS}]) +(?=[{_CJK_CLASS}])")
_CJK_EDGE = lazy_pattern(globals(), "_CJK_EDGE",
                         f"(?<=[{_CJK_CLASS}])(?=[^{_CJK_CLASS} ])|(?<=[^{_CJK_CLASS} ])(?=[{_CJK_CLASS}])")
_MARKS = re.compile("[\u2122\u00ae\u00a9\u2120]")  # ™ ® © ℠: NFKC would turn ™ into "TM"
_APOSTROPHES = re.compile("['\u2019\u2018\u02bc`\u00b4]")
# A period after a lone letter is an abbreviation dot: L.L.C. -> llc, P.R. China -> pr china.
# (The dot comes first in the pattern so the regex engine can scan for it quickly.)
_INITIAL_DOT = re.compile(r"\.(?<=(?<![^\W_])[^\W\d_]\.)")
_NON_WORD = re.compile(r"[\W_]+")
_LETTER = re.compile(r"[^\W\d_]")


def is_cjk(char: str) -> bool:
    return bool(_HAS_CJK.match(char))


@lru_cache(maxsize=1)
def _to_simplified() -> Callable[[str], str]:
    """OpenCC's Traditional-to-Simplified conversion (phrase by phrase, so 乾坤 stays 乾坤 while
    後來 becomes 后来), loaded at the first Chinese text, not at start-up."""
    from opencc import OpenCC

    return OpenCC("t2s").convert


@lru_cache(maxsize=1)
def _kept_traditional() -> frozenset[str]:
    """The Traditional characters whose Simplified form is also another Traditional character in
    names (data/zh_traditional_kept.txt: 鍾 and 鐘 are both 钟): kept, so two names stay two."""
    text = (resources.files(__package__) / "data" / "zh_traditional_kept.txt").read_text(encoding="utf-8")
    return frozenset(ch for line in text.splitlines() if line.strip() and not line.startswith("#")
                     for ch in line.split()[0])


def simplified(text: str) -> str:
    """Text with its Traditional Chinese characters in Simplified ones (恆通國際 -> 恒通国际;
    Hong Kong and Taiwan write the same company, address and name so), except a character
    whose Simplified form also stands for another one in use (`_kept_traditional`: 鍾偉明 and
    鐘偉明 stay two people). Text without CJK characters is returned as it is; Simplified text
    is unchanged."""
    if text.isascii() or not _HAS_CJK.search(text):
        return text
    converted = _to_simplified()(text)
    kept = _kept_traditional()
    if len(converted) != len(text) or kept.isdisjoint(text):  # (OpenCC's t2s keeps the length)
        return converted
    return "".join(original if original in kept else new for original, new in zip(text, converted, strict=True))


def _folded(text: str, *, initials: bool = True) -> str:
    """Folded text without trademark signs, apostrophes or abbreviation dots; Chinese in
    Simplified characters (`simplified`)."""
    if text.isascii():
        text = text.lower()
        if "'" in text or "`" in text:
            text = text.replace("'", "").replace("`", "")
    else:
        text = simplified(_APOSTROPHES.sub("", fold(_MARKS.sub("", text))))
    if initials and "." in text:
        text = _INITIAL_DOT.sub("", text)
    return text


def _spaced(text: str) -> str:
    """Punctuation as single spaces (& as "and"), no spaces inside CJK runs."""
    text = _NON_WORD.sub(" ", text.replace("&", " and "))
    if not text.isascii() and _HAS_CJK.search(text):
        text = _CJK_GAP.sub("", text)
    return text


def _text(text: str, *, initials: bool = True) -> str:
    return _spaced(_folded(text, initials=initials))


def _split_cjk(text: str) -> str:
    """Spaces between CJK runs and everything else, so `深圳ACME` is two tokens."""
    if text.isascii():
        return text
    return _CJK_EDGE.sub(" ", text)


def _words(mapping: dict[str, str]) -> re.Pattern:
    """The words of `mapping`, longest first, as one pattern, compiled when first used (CJK
    text): hundreds of Chinese words take 2-4 ms of CPU to compile."""
    keys = sorted(mapping, key=len, reverse=True)
    return lazy_pattern(None, None, "|".join(re.escape(k) for k in keys))


def _translate(text: str, pattern: re.Pattern, mapping: dict[str, str]) -> str:
    if text.isascii() or not _HAS_CJK.search(text):
        return text
    return pattern.sub(lambda m: f" {mapping[m.group(0)]} ", text)


# ---------------------------------------------------------------------------------------------
# Business labels

def label_text(text: str) -> Canonical:
    """A brand, logistics provider or category: case, punctuation and spacing folded;
    equal labels share a key that also ignores spacing (`AcmeHome` is `Acme Home`)."""
    tokens = _split_cjk(_text(text)).split()
    if not tokens:
        raise Rejected(_("has no letters or digits"))
    return Canonical(" ".join(tokens), key="".join(tokens))


# ---------------------------------------------------------------------------------------------
# Blocking for fuzzy comparison


def blocking(tokens: Sequence[str], generic: frozenset[str], *, min_length: int = 3, limit: int = 3) -> tuple[str, ...]:
    """Blocking values for fuzzy comparison: which pairs are worth comparing at all.

    For each of the first `limit` distinctive words (not generic, with a letter, at least
    `min_length` characters, or 2 for CJK):
      - the word alone ("acme"): survives a typo anywhere else in the value;
      - the whole value with that word cut to its first or its last h characters
        ("shenzhen ac* trading", "shenzhen *me trading"; h = 1 for words of up to 3
        characters and CJK words, else 2): one typo inside the word leaves one of the two
        intact (an edit at position i keeps the prefix when i >= h, the suffix when
        i < len - h).
    So a one-character typo anywhere (Acme/Acne, Room 1203/1208) leaves a shared value,
    while every value holds a distinctive word: generic words (legal forms, trade words,
    places, address words) and numbers alone never make one. At most 3 values per word.
    """
    out: list[str] = []
    found = 0
    cuts = _CUTS.get(min_length)
    if cuts is None or len(cuts) > 100_000:
        cuts = _CUTS[min_length] = {}
    # The words before and after a word are slices of the whole value joined once: `start` and
    # `end` are the word's place in it (its words joined by single spaces).
    joined = " ".join(tokens)
    end = -1
    for token in tokens:
        start = end + 1
        end = start + len(token)
        if token in generic:
            continue
        h = cuts.get(token)
        if h is None:
            h = cuts[token] = _cut(token, min_length)
        if not h:
            continue
        head, tail = joined[:start], joined[end:]  # ("head " and " tail", or empty at an end)
        out.append(token)
        out.append(f"{head}{token[:h]}*{tail}")
        out.append(f"{head}*{token[-h:]}{tail}")
        found += 1
        if found == limit:
            break
    return tuple(dict.fromkeys(out))


# min_length -> {word: `_cut(word, min_length)`}: a store's values share most of their words.
_CUTS: dict[int, dict[str, int]] = {}


def _cut(token: str, min_length: int) -> int:
    """How many characters of `token` `blocking` keeps at either end (h), or 0 for a word it
    passes over whatever the list of generic words: one without a letter, or too short."""
    if not _LETTER.search(token):
        return 0
    cjk = not token.isascii() and is_cjk(token[0])  # (no ASCII character is CJK)
    if len(token) < (2 if cjk else min_length):
        return 0
    return 1 if cjk or len(token) <= 3 else 2


# An id shorter than this has no room for a typo that still identifies (and its halves would
# block a store's ids together): it gets no near blocking keys.
NEAR_BLOCK_MIN_LENGTH = 7


def near_blocks(value: str) -> tuple[str, ...]:
    """Blocking keys that bring together every two id numbers one edit apart (linkage.comparisons.near_digits),
    at 2 or 4 keys a value: the first and the last k characters ("^k" and "k$").

    One edit (a substitution, a swap of two neighbours, a digit dropped or added) touches at
    most two neighbouring characters, so when the first and the last k characters leave a
    gap between them, one of the two is untouched. A value of length n gives k = (n-2)//2
    and (n-1)//2: two values of one length share both, and lengths n and n+1 share one. A
    block of the prefixes most numbers of one issuer share (a region, a year) is larger than
    the block cap and skipped, so near numbers are found where they differ in the first part
    or the prefix is rare; the rest meet through nothing and count nothing -- a near number
    alone is only low."""
    n = len(value)
    if n < NEAR_BLOCK_MIN_LENGTH:
        return ()
    short, long = (n - 2) // 2, (n - 1) // 2  # long >= _NEAR_K_MIN, as n >= NEAR_BLOCK_MIN_LENGTH
    # (the smaller k of the shortest length serves only shorter values, which have no keys)
    if short == long or short < _NEAR_K_MIN:
        return ("^" + value[:long], value[-long:] + "$")
    return ("^" + value[:short], value[-short:] + "$", "^" + value[:long], value[-long:] + "$")


_NEAR_K_MIN = (NEAR_BLOCK_MIN_LENGTH - 1) // 2
