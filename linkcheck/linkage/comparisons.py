"""Comparisons: how two values of a facet are compared beyond their exact key, Splink-style.

Each fuzzy facet has an ordered list of comparison levels after the exact key (the registry
names them: facets.FuzzyDefault.comparisons); the first level that matches decides. Adding a way
to compare is adding one level class and naming it in LEVELS.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate, chain, compress, count, repeat
from operator import sub
from typing import Callable, Mapping, NamedTuple

from ..lazy import LazyImport
from ..normalize.text import _HAS_CJK, NEAR_BLOCK_MIN_LENGTH
from ..registry.facets import FACETS

# rapidfuzz, imported at first use (then these names are its own): `check` and `run` compare
# no fuzzy values, so they never load it.
fuzz = LazyImport(globals(), "fuzz", "rapidfuzz.fuzz")
process = LazyImport(globals(), "process", "rapidfuzz.process")
OSA = LazyImport(globals(), "OSA", "rapidfuzz.distance.OSA")
default_process = LazyImport(globals(), "default_process", "rapidfuzz.utils", "default_process")


def preload() -> None:
    """Import rapidfuzz now, for the stand-ins above to find it loaded (its package imports every
    scorer at once: 15-20 ms of CPU here): a precheck does it while the store's key is derived,
    instead of at its first comparison, after the key."""
    import rapidfuzz.distance.OSA  # noqa: F401
    import rapidfuzz.fuzz  # noqa: F401
    import rapidfuzz.process  # noqa: F401
    import rapidfuzz.utils  # noqa: F401


_DIGITS = re.compile(r"\d+")
_CJK_SHORT = 5  # a CJK word of up to this many characters has no room for a typo


def fuzzy_text(normalized: str, facet: str | None = None) -> str:
    """The form fuzzy comparison works on: lower case, punctuation as spaces, words sorted.

    Sorting the words once here lets the audit score with plain `fuzz.ratio`, which on sorted
    texts is exactly token_sort_ratio without re-sorting both sides at every comparison.

    A company name keeps its word order ("Jade Tiger" and "Tiger Jade" are two companies):
    only its place words move to the front, sorted, so `洞庭香(肇庆)有限公司` and
    `肇庆市洞庭香有限公司` read alike. A person's name is sorted (Li Wei is Wei Li).
    """
    words = default_process(normalized).split()
    if facet in _ORDERED_FACETS:
        places = _company_places()
        return " ".join(sorted(w for w in words if w in places) + [w for w in words if w not in places])
    return " ".join(sorted(words))


def fuzzy_texts(normalized: list[str], facet: str | None = None) -> list[str]:
    """`fuzzy_text` of each of many values of one facet, the same texts, in C calls chained
    by `map` (no Python frame per value but a company name's with a place word)."""
    from rapidfuzz.utils import default_process as process_text

    if facet in _ORDERED_FACETS:
        # A company name whose only place word, if any, is its first word keeps its words as
        # they are (`fuzzy_text` sorts the place words in front); the others are made one by one.
        places = _company_places()
        words = list(map(str.split, map(process_text, normalized)))
        out = list(map(" ".join, words))
        before = [0, *accumulate(map(places.__contains__, chain.from_iterable(words)))]  # place words so far
        ends = list(accumulate(map(len, words)))
        held = map(sub, map(before.__getitem__, ends), map(before.__getitem__, [0, *ends[:-1]]))
        leading = map(places.__contains__, map(next, map(iter, words), repeat("")))
        for at in compress(count(), map(sub, held, leading)):  # more place words than a leading one
            out[at] = fuzzy_text(normalized[at], facet)
        return out
    return list(map(" ".join, map(sorted, map(str.split, map(process_text, normalized)))))


# Facets whose word order names something else.
_ORDERED_FACETS = frozenset({"company_name"})


@lru_cache(maxsize=1)
def _company_places() -> frozenset[str]:
    from ..normalize.company import COMPANY_PLACES

    return COMPANY_PLACES


def fuzzy_match(a: str, b: str, threshold: float) -> float | None:
    """Similarity (0-100) of two fuzzy texts if they name the same thing, else None.

    Both tests are required:
    - rapidfuzz token_sort_ratio >= threshold (word order does not matter);
    - same_but_typos: equal numbers, and differing words differ only by typos.
    """
    if not a or not b:
        return None
    score = fuzz.token_sort_ratio(a, b, processor=None, score_cutoff=threshold)
    if not score or not same_but_typos(a, b):
        return None
    return round(float(score), 1)


def same_but_typos(a: str, b: str) -> bool:
    """Whether two fuzzy texts differ only as typos of one value do.

    - The numbers are the same: "Room 1203" and "Room 1204" are different rooms, and
      "Acme Trading 2" is not "Acme Trading 3".
    - The words that differ differ by at most one edit each (insert, delete, replace, swap
      two neighbours): "Acme" vs "Acne" passes, "Acme" vs "Apex" does not -- however long the
      shared rest of the name ("Shenzhen ... Trading") that lifts the overall similarity.
    - A one-letter word is never replaced by another: "K Street" and "P Street", "Building
      A" and "Building B" are different places.
    """
    if a == b:
        return True
    if sorted(_DIGITS.findall(a)) != sorted(_DIGITS.findall(b)):
        return False
    words_a, words_b = a.split(), b.split()
    set_a, set_b = set(words_a), set(words_b)
    only_a = sorted(w for w in words_a if w not in set_b)
    only_b = sorted(w for w in words_b if w not in set_a)
    if _words_typos(only_a, only_b):
        return True
    if len(only_a) == len(only_b):
        return False
    # A word split in two, or two run together ("canberra hse" / "canberrahse", "richn o" /
    # "richon"): the pair read as the one word it is, and the rest compared as before.
    joined_a, joined_b = _joined(only_a, only_b)
    return joined_a is not only_a and _words_typos(joined_a, joined_b)


def _words_typos(only_a: list[str], only_b: list[str]) -> bool:
    """Whether the words only one side has differ by at most one edit each (see same_but_typos)."""
    budget = max(len(only_a), len(only_b))
    if not budget:
        return True
    if any(len(w) == 1 for w in only_a) and any(len(w) == 1 for w in only_b):
        return False  # one letter for another is another name, not a typo: K Street, P Street
    # Chinese is compared by character: each character of a short name is a word of its own,
    # so 洞庭香 and 满庭香 (or 张伟 and 张玮) differ by a word, not by a typo. Only CJK words
    # of six or more characters may carry a one-character slip.
    for word in chain(only_a, only_b):
        if len(word) <= _CJK_SHORT and not word.isascii() and _HAS_CJK.search(word):
            return False
    return OSA.distance(" ".join(only_a), " ".join(only_b), score_cutoff=budget) <= budget


def _joined(only_a: list[str], only_b: list[str]) -> tuple[list[str], list[str]]:
    """`only_a` and `only_b` without two words of the longer list that, run together (in either
    order), are a word of the shorter one or one edit from it -- that word gone too: a space
    typed inside a word, or left out between two. Letters only (a number split is another
    number), and the word at least five letters long, so no short words meet by chance. The
    same lists (the very objects) when no such pair is found."""
    longer, shorter = (only_a, only_b) if len(only_a) > len(only_b) else (only_b, only_a)
    if len(longer) != len(shorter) + 1:
        return only_a, only_b
    for i, x in enumerate(longer):
        if not x.isalpha():
            continue
        for j in range(i + 1, len(longer)):
            y = longer[j]
            if not y.isalpha():
                continue
            for k, word in enumerate(shorter):
                if len(word) < 5 or not word.isalpha():
                    continue
                if OSA.distance(x + y, word, score_cutoff=1) <= 1 or OSA.distance(y + x, word, score_cutoff=1) <= 1:
                    rest_longer = [w for n, w in enumerate(longer) if n not in (i, j)]
                    rest_shorter = shorter[:k] + shorter[k + 1:]
                    return (rest_longer, rest_shorter) if longer is only_a else (rest_shorter, rest_longer)
    return only_a, only_b


# Words an address may add or leave out without naming another place.
_ADDRESS_FILLER = frozenset(
    "district province city county town township prefecture region state country area zone "
    "china prc usa us uk guangdong zhejiang jiangsu fujian".split()
)
# Words that make an address more specific: an extra "building b" is another place.
_ADDRESS_UNITS = frozenset("building block tower unit room suite apartment flat house lot gate".split())
_MIN_POSTCODE_DIGITS = 5


def same_place(a: str, b: str) -> float | None:
    """Similarity 100 when two addresses are one place written more or less completely, else None.

    "Room 1203 88 Keyuan Road Nanshan Shenzhen 518057" is the same place as "... Nanshan
    District Shenzhen Guangdong": leaving out administrative words (district, province) and
    postcodes, every word and number of one appears in the other, which adds at most a floor.
    The shorter one must still name a place (a number and two words that are not filler);
    an extra unit (a building, a room) makes a different, more specific place; two different
    postcodes are two places. Typo-level differences are left to `fuzzy_match`.
    """
    if a == b:
        return 100.0
    codes_a, core_a = _place_words(a)
    codes_b, core_b = _place_words(b)
    if codes_a and codes_b and codes_a != codes_b:
        return None
    if len(core_a) > len(core_b):
        core_a, core_b = core_b, core_a
    if not core_a <= core_b:
        return None
    return 100.0 if _names_the_place(core_a, core_b) else None


def _names_the_place(core_a: frozenset[str], core_b: frozenset[str]) -> bool:
    """`same_place` of two addresses whose cores (`_place_words`) are one within the other
    (`core_a <= core_b`): whether the shorter still names a place and the longer adds no unit."""
    numbers = [w for w in core_a if w.isdigit()]
    if not numbers or len(core_a) - len(numbers) < 2:
        return False
    extra = core_b - core_a
    if extra & _ADDRESS_UNITS:
        return False
    # Fuzzy texts have their words sorted, so "floor 12" cannot be read by position: one extra
    # number is allowed only together with an extra "floor".
    extra_numbers = [w for w in extra if w.isdigit()]
    if extra_numbers and (len(extra_numbers) > 1 or "floor" not in extra):
        return False
    return True


@lru_cache(maxsize=1 << 17)
def _place_words(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """An address's postcodes, and its other words less the administrative ones. Cached: an
    audit compares each address with many others in its blocks."""
    words = text.split()
    codes = frozenset(w for w in words if w.isdigit() and len(w) >= _MIN_POSTCODE_DIGITS)
    return codes, frozenset(w for w in words if w not in _ADDRESS_FILLER and w not in codes)


# ---------------------------------------------------------------------------------------------
# Comparison levels: what a fuzzy facet tries after its exact key, in order


class Typo:
    """Near-identical texts: rapidfuzz's ratio of the fuzzy texts (which, their words being
    sorted, is token_sort_ratio; a company's keep their order, so it is the plain ratio) at
    least `threshold`, and the words that differ differ only by typos (`same_but_typos`)."""

    __slots__ = ("threshold",)
    max_distinct = None  # scored in C, so any block size

    def __init__(self, threshold: float):
        self.threshold = threshold

    # What two texts at least `threshold` alike must also be (NearNumber: one number apart).
    agree = staticmethod(same_but_typos)

    def compare(self, a: str, b: str) -> float | None:
        similarity = fuzz.ratio(a, b, processor=None, score_cutoff=self.threshold)
        if similarity and self.agree(a, b):
            return round(float(similarity), 1)
        return None

    def matches(self, text: str, others: list[str]) -> list[tuple[str, float]]:
        hits = process.extract(
            text, others, scorer=fuzz.ratio, processor=None, score_cutoff=self.threshold, limit=None,
        )
        agree = self.agree
        return [(other, round(float(similarity), 1)) for other, similarity, _ in hits if agree(text, other)]


class SamePlace:
    """One address written more or less completely (`same_place`): similarity 100."""

    __slots__ = ()
    # Checked pairwise in Python, so only in blocks of at most this many distinct addresses.
    max_distinct = 60

    def compare(self, a: str, b: str) -> float | None:
        return same_place(a, b)

    def matches(self, text: str, others: list[str]) -> list[tuple[str, float]]:
        """`[(other, 100.0) for other in others if same_place(text, other)]`, with `text`'s
        words read once and most others refused in the loop (postcodes, cores not one within
        the other) without a call."""
        if not others:
            return []
        place_words = _place_words
        codes_t, core_t = place_words(text)
        size_t = len(core_t)
        found: list[tuple[str, float]] = []
        for other in others:
            if other == text:
                found.append((other, 100.0))
                continue
            codes_o, core_o = place_words(other)
            if codes_t and codes_o and codes_t != codes_o:
                continue
            if size_t > len(core_o):
                if core_o <= core_t and _names_the_place(core_o, core_t):
                    found.append((other, 100.0))
            elif core_t <= core_o and _names_the_place(core_t, core_o):
                found.append((other, 100.0))
        return found


# ---------------------------------------------------------------------------------------------
# The "near" levels: one digit apart (registry.facets.NEAR_WEIGHT)

# An id shorter than this has no room for a typo that still identifies (normalize.text.near_blocks).
NEAR_MIN_LENGTH = NEAR_BLOCK_MIN_LENGTH


def one_edit(a: str, b: str) -> bool:
    """Whether two different strings are one edit apart: one character substituted, two
    neighbours swapped, or one dropped or added (optimal string alignment distance 1)."""
    return a != b and OSA.distance(a, b, score_cutoff=1) <= 1


def near_digits(a: str, b: str) -> bool:
    """Two id numbers one typo apart (`one_edit`), both at least NEAR_MIN_LENGTH long, and
    differing in a digit: a letter changed is another series or another country
    (DE123456789, FR123456789), not a slip of the finger on a number."""
    if len(a) < NEAR_MIN_LENGTH or len(b) < NEAR_MIN_LENGTH or not one_edit(a, b):
        return False
    return _DIGITS_ONLY.sub("", a) == _DIGITS_ONLY.sub("", b)


_DIGITS_ONLY = re.compile(r"\d")


def near_numbers(a: str, b: str) -> bool:
    """Whether two addresses' fuzzy texts differ in one number a digit apart (`one_edit`: the
    house number 14 and 17, the postcode 3071 and 3017) and otherwise only by typos
    (`same_but_typos`): "14 quenby street 3071" and "17 quenby street 3071".

    Not in an address that names a unit (room, suite, flat, floor...): room 1203 and room
    1204 of one building are two tenants, and in a fuzzy text (words sorted) the unit's
    number cannot be told from the house number."""
    words = set(a.split()) | set(b.split())
    if not words.isdisjoint(_UNIT_WORDS):
        return False
    numbers_a, numbers_b = _DIGITS.findall(a), _DIGITS.findall(b)
    if len(numbers_a) != len(numbers_b):
        return False
    only_a, only_b = list(numbers_a), list(numbers_b)
    for number in numbers_a:
        if number in only_b:
            only_b.remove(number)
            only_a.remove(number)
    if len(only_a) != 1 or not one_edit(only_a[0], only_b[0]):
        return False
    return same_but_typos(_without_number(a, only_a[0]), _without_number(b, only_b[0]))


_UNIT_WORDS = _ADDRESS_UNITS | {"floor"}


def _without_number(text: str, number: str) -> str:
    words = text.split()
    words.remove(number)
    return " ".join(words)


def id_typo(a: str, b: str) -> str | None:
    """How two id numbers one digit apart (`near_digits`) read as a typo of one number rather
    than two numbers issued close together: "swap" when they have one length and differ in two
    neighbouring characters swapped (a slip of typing: 4173804 and 4178304), "digit" when they
    differ in one digit that is not the last (5714791 and 5774791). None otherwise: the last
    digit changed is what two numbers issued one after the other look like (58302716 and
    58302717, 91440000000002X and 91440000000003X: an agent registering two companies the
    same day; letters after it, a series or a check letter, are not its digits), and a
    character dropped or added reads as much as a longer or shorter number as a typo."""
    if len(a) != len(b):
        return None
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return "digit" if any(c.isdigit() for c in a[diff[0] + 1:]) else None
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return "swap"
    return None


class NearDigits:
    """Two id numbers one digit apart (`near_digits`): similarity is rapidfuzz's ratio."""

    __slots__ = ()
    max_distinct = None  # a block of id halves is small: a prefix many share is over the cap

    def compare(self, a: str, b: str) -> float | None:
        return round(float(fuzz.ratio(a, b)), 1) if near_digits(a, b) else None

    def matches(self, text: str, others: list[str]) -> list[tuple[str, float]]:
        return [(other, round(float(fuzz.ratio(text, other)), 1)) for other in others if near_digits(text, other)]


class NearNumber(Typo):
    """Two addresses alike (rapidfuzz's ratio at least `threshold`) but for one number a digit
    apart (`near_numbers`)."""

    __slots__ = ()
    agree = staticmethod(near_numbers)


# ---------------------------------------------------------------------------------------------
# The "parts" level: an address compared by its parts (registry.facets.PARTS_WEIGHT)

# Of the shorter address's words, at most this many may find no partner in the other (a
# suburb written differently, a word mistyped beyond one edit) -- only when it has at least
# PARTS_MIN_WORDS words, so two short addresses differing in their one street name never agree.
PARTS_MIN_WORDS = 4
# A word of the longer address no part of the shorter names (a locality or an estate the other
# leaves out): at most this many.
PARTS_MAX_EXTRA = 3


def parts_agree(a: str, b: str) -> bool:
    """Whether two normalised addresses agree in their parts though neither is the same as, a
    typo of, or one digit from the other (Fellegi-Sunter's partial agreement, compared part by
    part as Splink compares a street number, a street, a suburb and a postcode):

    - numbers (a house number, a postcode; `_numbers_agree`): each number of one is a number
      of the other, or, of two or more, one of them in another's place (a house number one
      digit off, or another house number of the same street: the street level; not in an
      address that names a unit: room 5 and room 7 are two tenants); they share at least one,
      and the other has at most one more (a house number left out);
    - words (`_words_agree`): each word of the shorter address is a word of the other, one
      edit from one, or two of them are one of the other's split by a space (`s treet`,
      `street`); the longer may add up to PARTS_MAX_EXTRA words (a locality the other leaves
      out); they share a distinctive word (not a street type or a place word);
    - one word of the shorter may differ beyond that (a suburb or a town written otherwise)
      only when it has PARTS_MIN_WORDS words or more, two distinctive words agree, and the
      word is no street's name (the word before a street type: `Oakridge` in `Oakridge
      Street`): another street of one town is another place;
    - a one-letter word never stays without its partner (K Street, P Street).

    Normalised, not fuzzy texts: a street's name is known by its place before the street type.
    Tried only between two accounts something else links (engine._compare_linked): it makes
    no pair alone."""
    if a == b:
        return False
    return agree_in_parts(address_parts(a), address_parts(b))


class AddressParts(NamedTuple):
    """A normalised address as `agree_in_parts` reads it: the text and its set of words."""

    text: str
    words: frozenset[str]


def address_parts(text: str) -> AddressParts:
    """A normalised address's words as a set (cheap: the rest is read when they pass)."""
    return AddressParts(text, frozenset(text.split()))


def agree_in_parts(parts_a: AddressParts, parts_b: AddressParts) -> bool:
    """`parts_agree` over two `address_parts`, each made once per address.

    First the cheap test most pairs a blocking group brings together fail (the same numbers
    and the same words but one, another word beyond a typo, and nothing else distinctive
    enough for the one-word allowance: two streets of one town), with set operations on the
    words; then the whole comparison."""
    words_a, words_b = parts_a.words, parts_b.words
    only_a, only_b = words_a - words_b, words_b - words_a
    if len(only_a) == 1 and len(only_b) == 1:
        (x,), (y,) = only_a, only_b
        if x.isalpha() and y.isalpha() and not one_edit(x, y) and _distinctive_count(words_a & words_b) < 2:
            return False
    return _agree(_parsed(parts_a.text), _parsed(parts_b.text))


def parts_hopeless(parts: list[AddressParts]) -> bool:
    """Whether no two addresses of a blocking group can agree in their parts beyond what the
    comparison levels found: each is the words they all share and one word more (a group
    made by one word's first or last letters), and the shared words hold fewer than two
    distinctive ones -- so two of them differ in one word each and nothing else, which
    agrees only as a typo (the levels' business), never by the one-word allowance. Checked
    once per group: the pairs of such groups are most of a large store's."""
    common = frozenset.intersection(*(p.words for p in parts))
    if any(len(p.words) != len(common) + 1 for p in parts):
        return False
    return _distinctive_count(common) < 2


def _distinctive_count(words: frozenset[str]) -> int:
    generic = _address_generic()  # (membership, not set difference: that walks the large set)
    return sum(1 for w in words if len(w) >= 3 and w not in generic and w not in _ADDRESS_FILLER and not w.isdigit())


def _agree(parts_a: "_Parsed", parts_b: "_Parsed") -> bool:
    if parts_a.distinctive.isdisjoint(parts_b.distinctive):
        return False
    if len(parts_a.numbers) > len(parts_b.numbers):
        parts_a, parts_b = parts_b, parts_a
    if not _numbers_agree(list(parts_a.numbers), list(parts_b.numbers), not (parts_a.unit or parts_b.unit)):
        return False
    return _words_agree(list(parts_a.words), list(parts_b.words), (parts_a.all_words, parts_b.all_words))


class _Parsed(NamedTuple):
    numbers: tuple[str, ...]
    words: tuple[str, ...]  # less numbers and administrative words
    distinctive: frozenset[str]  # words of 3 characters or more that are no street type or place word
    all_words: tuple[str, ...]  # in order (`_street_names`)
    unit: bool  # names a unit (room, suite, floor...)


@lru_cache(maxsize=1 << 12)
def _parsed(text: str) -> _Parsed:
    """A normalised address's numbers, its words less numbers and administrative words, the
    distinctive ones among them, all its words in order, whether it names a unit."""
    words = tuple(text.split())
    kept = tuple(w for w in words if w not in _ADDRESS_FILLER and not w.isdigit())
    generic = _address_generic()
    distinctive = frozenset(w for w in kept if len(w) >= 3 and w not in generic)
    return _Parsed(tuple(_DIGITS.findall(text)), kept, distinctive, words, not _UNIT_WORDS.isdisjoint(words))


def _numbers_agree(fewer: list[str], more: list[str], near_allowed: bool) -> bool:
    if not fewer or len(more) - len(fewer) > 1:
        return False
    rest = list(more)
    missed = []
    for number in fewer:
        if number in rest:
            rest.remove(number)
        else:
            missed.append(number)
    if not missed:
        return True
    # One number of two or more in another's place: a house number a digit off, or another
    # house number on the same street of the same locality (the other numbers and the words
    # agree) -- not where a unit is named (room 5 and room 7 are two tenants). Another house
    # number only: both are shorter than a number the two addresses share (their postcode);
    # a postcode changed is another place (IL 62704, MA 01103), however alike the rest.
    if not (near_allowed and len(missed) == 1 and len(fewer) > 1):
        return False
    if any(one_edit(missed[0], other) for other in rest):
        return True
    longest_shared = max((len(n) for n in fewer if n != missed[0]), default=0)
    return all(len(n) < longest_shared for n in (missed[0], *rest))


def _address_words(words: list[str]) -> list[str]:
    return [w for w in words if not w.isdigit() and w not in _ADDRESS_FILLER]


def _street_names(words: tuple[str, ...]) -> frozenset[str]:
    """The words just before a street type (`quenby` in `14 quenby street`)."""
    types = _street_types()
    return frozenset(before for before, word in zip(words, words[1:], strict=False)
                     if word in types and not before.isdigit())


def _words_agree(words_a: list[str], words_b: list[str], texts: tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
    if len(words_a) > len(words_b):
        words_a, words_b = words_b, words_a
    only_b = list(words_b)
    only_a: list[str] = []
    shared: list[str] = []
    for word in words_a:
        if word in only_b:
            only_b.remove(word)
            shared.append(word)
        else:
            only_a.append(word)
    if len(only_a) > _PARTS_MAX_UNMATCHED or len(only_b) > _PARTS_MAX_UNMATCHED:
        return False
    matched = len(shared)
    # A word split by a space on either side (first: `c rescent` is `crescent`, though
    # `rescent` alone is one edit from it).
    for side, other_side in ((only_a, only_b), (only_b, only_a)):
        for whole in list(other_side):
            pieces = _split_of(whole, side)
            if pieces is not None:
                other_side.remove(whole)
                side.remove(pieces[0])
                side.remove(pieces[1])
                matched += 1
    # One edit apart (words of at least 4 characters: one edit of a shorter word is another word).
    for word in list(only_a):
        other = next((o for o in only_b if len(word) >= 4 and len(o) >= 4 and one_edit(word, o)), None)
        if other is not None:
            only_a.remove(word)
            only_b.remove(other)
            matched += 1
    if any(len(w) == 1 for w in chain(only_a, only_b)):
        return False
    if len(only_b) - len(only_a) > PARTS_MAX_EXTRA or matched < 2:
        return False
    generic = _address_generic()
    distinctive = sum(1 for w in shared if len(w) >= 3 and w not in generic)
    if not only_a:
        return distinctive >= 1
    return (len(only_a) == 1 and len(words_a) >= PARTS_MIN_WORDS and distinctive >= 2
            and only_a[0] not in _street_names(texts[0]) | _street_names(texts[1]))


# More words than this left without a partner on one side: two addresses, not one in parts.
_PARTS_MAX_UNMATCHED = 6


def token_set_ratio(a: str, b: str, *, processor=None) -> float:
    """rapidfuzz's token_set_ratio (imported at first use)."""
    return float(fuzz.token_set_ratio(a, b, processor=processor))


def _split_of(whole: str, words: list[str]) -> tuple[str, str] | None:
    """Two of `words` that make `whole` (one edit allowed) joined in either order, or None."""
    for i, first in enumerate(words):
        if not whole.startswith(first[:1]):
            continue
        for j, second in enumerate(words):
            if i != j and (first + second == whole or len(whole) >= 6 and one_edit(first + second, whole)):
                return first, second
    return None


@lru_cache(maxsize=1)
def _address_generic() -> frozenset[str]:
    from ..normalize.address import ADDRESS_GENERIC

    return ADDRESS_GENERIC


@lru_cache(maxsize=1)
def _street_types() -> frozenset[str]:
    from ..normalize.address import STREET_TYPES

    return STREET_TYPES


# ---------------------------------------------------------------------------------------------
# A person's name in part: the same family name, another given name (registry.facets: the
# legal representative's near level, weighed by evidence.name_part_weight)


class NameParts(NamedTuple):
    """A normalised person's name as `names_agree_in_part` reads it: its words (sorted, as the
    name's key is) and the words that may be its family name (`family_words`)."""

    words: tuple[str, ...]
    family: frozenset[str]


def name_parts(text: str) -> NameParts:
    """A normalised name's sorted words and its family-name candidates, made once per value."""
    return NameParts(tuple(sorted(text.split())), frozenset(family_words(text)))


def family_candidates(words: list[str]) -> frozenset[str]:
    """The words of a name (in the order written) that may be its family name: the last of
    a Latin-script name of two words or more ("Given Family", as English writes it); none
    when the name is two or three words that all read as pinyin (written either way round,
    Zhang Zihan or Zihan Zhang: the given name cannot be told apart); a lone word is its
    own. A Chinese name written in Han
    characters has none here: its family name is one of a few hundred, each borne by about
    1 in 10,000 people or more, so a shared one never weighs anything (evidence.
    name_part_weight); 张伟 and 张玮 stay two people. Only those that could weigh anything
    (`family_words`): Smith, Wang or James are no family name to agree on."""
    return frozenset(family_words(" ".join(words)))


@lru_cache(maxsize=1 << 14)
def _pinyin_word(word: str) -> bool:
    from ..normalize.person import _pinyin_word  # (one pattern: the same answer as _is_pinyin)

    return _pinyin_word(word)


@lru_cache(maxsize=1 << 17)
def family_words(text: str) -> tuple[str, ...]:
    """The family-name candidates of a normalised name (`family_candidates`) that could weigh
    anything (two letters or more, uncommon enough: evidence.family_may_weigh -- names that
    share Smith or Wang agree in part on nothing), as a tuple (cached: the sieve reads every
    name of its blocks; a few C calls for most names)."""
    from .evidence import family_may_weigh

    if not text.isascii():
        return ()
    words = text.split()
    if not words or not "".join(words).isalpha():
        return ()
    if 2 <= len(words) <= 3 and all(map(_pinyin_word, words)):
        # A Chinese name in pinyin is written either way round (Zhang Zihan, Zihan Zhang), so
        # its given name cannot be told from its family name -- and every common Chinese family
        # name is listed (weighs nothing): an unlisted word shared is most often a given name.
        return ()
    last = words[-1]
    return (last,) if len(last) >= 2 and family_may_weigh(last) else ()


def names_agree_in_part(parts_a: NameParts, parts_b: NameParts) -> bool:
    """Whether two people's names share their family name but are not the same name (their
    words differ: another given name, or one left out): `Joel Bowerman` and `Claudia
    Bowerman`, `Bowerman` and `Joel Bowerman`. A family name of one letter (an initial) is
    none. How much it says depends on how common the family name is
    (evidence.name_part_weight): a common one (Smith, Wang) says nothing."""
    if parts_a.words == parts_b.words:
        return False
    return not parts_a.family.isdisjoint(parts_b.family)


def shared_family(text_a: str, text_b: str) -> list[str]:
    """The family names two normalised names share (`names_agree_in_part`), longest first."""
    shared = set(family_words(text_a)).intersection(family_words(text_b))
    return sorted(shared, key=lambda w: (-len(w), w))


def names_hopeless(parts: list[NameParts]) -> bool:
    """Whether no two names of a blocking group can agree in part: no family-name candidate
    is held by two of its distinct names (a group of one given name's holders, `Acme K*`)."""
    seen: set[str] = set()
    for p in parts:
        for w in p.family:
            if w in seen:
                return False
        seen.update(p.family)
    return True


# Comparison levels by the name the registry uses, each built from the facet's threshold.
LEVELS: Mapping[str, Callable[[float], object]] = {
    "typo": Typo,
    "same_place": lambda threshold: SamePlace(),
    "near_digits": lambda threshold: NearDigits(),
    "near_number": NearNumber,
}
# The near levels: a match found by one of them is weighed by the facet's near rule.
_NEAR_LEVELS = (NearDigits, NearNumber)


class Comparison(NamedTuple):
    """How one fuzzy facet is compared beyond its exact key: its levels, in order."""

    facet: str
    levels: tuple

    def compare(self, a: str, b: str) -> float | None:
        """The similarity of two fuzzy texts at the first level that matches them, else None."""
        if not a or not b:
            return None
        for level in self.levels:
            similarity = level.compare(a, b)
            if similarity is not None:
                return similarity
        return None

    def matches(self, distinct: list[str], x: int) -> list[tuple[str, float]]:
        """The texts after `distinct[x]` that match it, each once, at the first level that
        matches (levels in order; a level with a `max_distinct` skips larger blocks)."""
        text, others = distinct[x], distinct[x + 1:]
        found: list[tuple[str, float]] = []
        matched: set[str] = set()
        by_ratio: dict[float, list] = {}  # rapidfuzz's ratio hits against `others`, per threshold
        for level in self.levels:
            if level.max_distinct is not None and len(distinct) > level.max_distinct:
                continue
            if type(level).matches is Typo.matches and by_ratio:
                # A second level by ratio (NearNumber after Typo, one threshold): the texts left
                # among the first's hits, in their order (best first, then as given) -- what
                # `process.extract` over the texts left gives -- without scoring them again.
                hits = by_ratio.get(level.threshold)
                if hits is not None:
                    agree = level.agree
                    for other, similarity in [(other, round(float(similarity), 1)) for other, similarity, _ in hits
                                              if other not in matched and agree(text, other)]:
                        matched.add(other)
                        found.append((other, similarity))
                    continue
            if type(level).matches is Typo.matches and not matched:
                hits = by_ratio[level.threshold] = process.extract(
                    text, others, scorer=fuzz.ratio, processor=None, score_cutoff=level.threshold, limit=None)
                agree = level.agree
                level_found = [(other, round(float(similarity), 1)) for other, similarity, _ in hits if agree(text, other)]
            else:
                candidates = [o for o in others if o not in matched] if matched else others
                level_found = level.matches(text, candidates)
            for other, similarity in level_found:
                matched.add(other)
                found.append((other, similarity))
        return found


def comparisons_for(rules) -> dict[str, Comparison]:
    """The comparison of each fuzzy facet the rules switch on (a threshold that is not off),
    with the levels the registry names for it, then the facet's near levels (rules.near; a
    fuzzy facet switched off has none either)."""
    out: dict[str, list] = {}
    for facet, rule in rules.fuzzy.items():
        if rule.threshold is None:
            continue
        fuzzy = FACETS[facet].fuzzy
        assert fuzzy is not None  # rules.fuzzy only holds fuzzy facets
        out[facet] = [LEVELS[name](rule.threshold) for name in fuzzy.comparisons]
    for facet, rule in rules.near.items():
        if facet in rules.fuzzy and rules.fuzzy[facet].threshold is None:
            continue  # [fuzzy] facet = "off": nothing but the exact key
        near = FACETS[facet].near
        assert near is not None  # rules.near only holds facets with a near level
        out.setdefault(facet, []).extend(LEVELS[name](rule.threshold) for name in near.comparisons)
    return {facet: Comparison(facet, tuple(levels)) for facet, levels in out.items()}


def is_near(comparison: Comparison, a: str, b: str) -> bool:
    """Whether a match of two fuzzy texts that `comparison` found is a near one: no level
    before its near levels matches them (each level is exact about what it accepts, so the
    first that matches is the one that found it; a match no level makes is a partial one)."""
    for level in comparison.levels:
        if isinstance(level, _NEAR_LEVELS):
            return True
        if level.compare(a, b) is not None:
            return False
    # No level matches them: a partial test found them (a name in part, engine._PARTIAL).
    return True
