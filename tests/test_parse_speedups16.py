"""The faster forms of the sixteenth session's parsing (issue 17) give exactly what the forms
they replace give, on generated input, valid and not."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.normalize import network


# ---------------------------------------------------------------------------------------------
# Phone numbers: a number's type by one pattern (`phone._typed`)


def _metadata_regions() -> list[str]:
    import phonenumbers

    return sorted(phonenumbers.SUPPORTED_REGIONS)


def _metadata(region: str):
    from phonenumbers.phonemetadata import PhoneMetadata

    return PhoneMetadata.metadata_for_region(region, None)


def _example_nationals(region: str) -> list[str]:
    import phonenumbers

    out = []
    for kind in range(12):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is not None:
            out.append(phonenumbers.national_significant_number(example))
    return out


def _mutated(national: str, draw_digits: list[int], cut: int) -> str:
    digits = list(national)
    for at, digit in zip(draw_digits[::2], draw_digits[1::2], strict=False):
        if digits:
            digits[at % len(digits)] = str(digit % 10)
    return "".join(digits)[: max(cut, 0)] if cut < len(digits) else "".join(digits) + "7" * (cut - len(digits))


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(_metadata_regions()), st.data())
def test_a_number_s_type_is_known_exactly_when_phonenumbers_knows_it(region, data):
    """`phone._typed(national, metadata)` is `_number_type_helper(national, metadata) !=
    UNKNOWN`: on each region's example numbers, the same with digits changed, cut or
    lengthened, and any digits."""
    from phonenumbers import phonenumberutil as util

    from linkcheck.normalize.phone import _typed

    metadata = _metadata(region)
    examples = _example_nationals(region)
    if examples and data.draw(st.booleans()):
        national = _mutated(data.draw(st.sampled_from(examples)),
                            data.draw(st.lists(st.integers(0, 99), max_size=6)), data.draw(st.integers(1, 17)))
    else:
        national = data.draw(st.from_regex(r"[0-9]{1,17}", fullmatch=True))
    expected = util._number_type_helper(national, metadata) != util.PhoneNumberType.UNKNOWN
    assert _typed(national, metadata) is expected


def test_every_example_number_s_type_is_known_and_changed_ones_as_phonenumbers_says():
    from phonenumbers import phonenumberutil as util

    from linkcheck.normalize.phone import _typed

    known = 0
    for region in _metadata_regions():
        metadata = _metadata(region)
        for national in _example_nationals(region):
            assert _typed(national, metadata), (region, national)
            known += 1
            for changed in (national[:-1], national + "0", "9" + national[1:], national[:1] + "0" + national[2:]):
                expected = util._number_type_helper(changed, metadata) != util.PhoneNumberType.UNKNOWN
                assert _typed(changed, metadata) is expected, (region, changed)
    assert known > 1000


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(sorted(__import__("phonenumbers").COUNTRY_CODE_TO_REGION_CODE)),
       st.from_regex(r"[0-9]{1,15}", fullmatch=True), st.integers(0, 2))
def test_a_number_is_valid_exactly_when_phonenumbers_says_so(country_code, national, zeros):
    import phonenumbers

    from linkcheck.normalize.phone import _valid

    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    if zeros:
        number.italian_leading_zero = True
        number.number_of_leading_zeros = zeros
    assert _valid(number) == phonenumbers.is_valid_number(number)


def test_numbers_of_a_country_code_shared_by_regions_are_valid_as_phonenumbers_says():
    """+1 (25 regions), +7, +44, +61, +262... and a non-geographic code: each region's examples,
    and the same a digit changed, through `_valid`'s loop over the regions."""
    import phonenumbers

    from linkcheck.normalize.phone import _valid

    checked = 0
    for code, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        if len(regions) < 2 and code != 800:
            continue
        for region in regions:
            nationals = _example_nationals(region) if region != "001" else [
                phonenumbers.national_significant_number(phonenumbers.example_number_for_non_geo_entity(code))]
            for national in nationals:
                for changed in (national, national[:-1] + "5", national + "1", "2" + national[1:]):
                    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(changed))
                    assert _valid(number) == phonenumbers.is_valid_number(number), (code, changed)
                    checked += 1
    assert checked > 300


# ---------------------------------------------------------------------------------------------
# IPv6 addresses: hex groups found by splitting (`network._v6_number`)

_V6_FULL = re.compile(r"[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}")
_V6_GAP = re.compile(r"((?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)::((?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)")


def _v6_number_as_before(text: str) -> int | None:
    """`network._v6_number` as the thirteenth session wrote it (by its two patterns)."""
    if _V6_FULL.fullmatch(text):
        return int("".join([group.zfill(4) for group in text.split(":")]), 16)
    m = _V6_GAP.fullmatch(text)
    if m is None:
        return None
    high, low = m.group(1), m.group(2)
    high_groups = high.split(":") if high else []
    low_groups = low.split(":") if low else []
    if len(high_groups) + len(low_groups) > 7:
        return None
    groups = [*high_groups, *["0"] * (8 - len(high_groups) - len(low_groups)), *low_groups]
    return int("".join([group.zfill(4) for group in groups]), 16)


_GROUP = st.text(alphabet="0123456789abcdef", min_size=0, max_size=6)
_SPELLINGS = st.one_of(
    st.lists(_GROUP, min_size=1, max_size=10).map(":".join),
    st.builds(lambda high, low: f"{':'.join(high)}::{':'.join(low)}",
              st.lists(_GROUP, max_size=8), st.lists(_GROUP, max_size=8)),
    st.builds(lambda a, b, c: f"{a}{b}{c}", st.lists(_GROUP, max_size=4).map(":".join),
              st.sampled_from([":::", "::", ":", "::0:", ".", "%", "g", "::ffff:1.2.3.4", " ", "０"]),
              st.lists(_GROUP, max_size=4).map(":".join)),
    st.text(alphabet="0123456789abcdefABG:.% \u0660", max_size=45),
    st.text(max_size=20),
)


@settings(max_examples=5000, deadline=None)
@given(_SPELLINGS)
def test_an_ipv6_spelling_reads_as_before(text):
    assert network._v6_number(text) == _v6_number_as_before(text)


def test_ipv6_spellings_at_the_edges_read_as_before():
    for text in ("::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
                 "1::2::3", ":::", ":1::", "1:::2", "12345::", "1:2:3:4:5:6:7", "::1:2:3:4:5:6:7:8", "", ":", "0:0::0:0:0:0",
                 "2001:db8:0:1a0::10", "fe80::1", "1:2:3:4:5:6::7", "1:2:3:4:5:6:7::8"):
        assert network._v6_number(text) == _v6_number_as_before(text), text


# ---------------------------------------------------------------------------------------------
# Pinyin words by one pattern (`person._pinyin_word`)


def _pinyin_words():
    from linkcheck.normalize import person

    syllables = sorted(person._syllables())
    letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=3)
    glued = st.lists(st.sampled_from(syllables), min_size=1, max_size=4).map("".join)
    return st.one_of(
        glued,
        st.builds(lambda a, b, c: a + b + c, glued, letters, st.one_of(glued, st.just(""))),
        st.builds(lambda word, at: word[:at] + word[at + 1:], glued, st.integers(0, 12)),
        st.text(alphabet="abcdeghijklmnoprstuwxyz", min_size=1, max_size=14),
        st.text(max_size=8),
    )


@settings(max_examples=5000, deadline=None)
@given(_pinyin_words())
def test_a_word_is_pinyin_by_the_pattern_exactly_when_it_is_by_the_cuts(word):
    from linkcheck.normalize import person

    assert (person._pinyin_pattern()(word) is not None) is person._is_pinyin(word)


def test_every_syllable_and_pairs_and_triples_of_them_are_pinyin_as_before():
    import itertools

    from linkcheck.normalize import person

    syllables = sorted(person._syllables())
    match = person._pinyin_pattern()
    for word in syllables:
        assert match(word) is not None
    for a, b in itertools.product(syllables[::7], syllables[::5]):
        for word in (a + b, a + b + "ng", a + b + a, b + a + b + a):
            assert (match(word) is not None) is person._is_pinyin(word), word


# ---------------------------------------------------------------------------------------------
# Company names: the brand in pinyin (`company.brand_pinyin`) and the letter check


def _brand_pinyin_as_before(tokens):
    """`company.brand_pinyin` as the fifteenth session left it."""
    from pypinyin import lazy_pinyin

    from linkcheck.normalize import company, person

    brand = [t for t in tokens if t not in company.COMPANY_GENERIC]
    if not brand or len(brand) > 4:
        return None
    if all(company._HAN_ONLY.fullmatch(t) for t in brand):
        chars = "".join(brand)
        if not 2 <= len(chars) <= 4:
            return None
        return "".join(lazy_pinyin(chars))
    if all(t.isascii() and t.isalpha() for t in brand):
        if not any(t in company.CN_PLACES_LATIN for t in tokens):
            return None
        joined = "".join(brand)
        if joined in person._syllables() or not all(map(person._is_pinyin, brand)):
            return None
        return joined
    return None


_COMPANY_TOKENS = ["shenzhen", "guangzhou", "yiwu", "china", "hong", "kong", "trading", "home", "technology", "acme",
                   "pengyuan", "peng", "yuan", "lihegehe", "xin", "panda", "nike", "深圳", "鹏远", "鑫", "科技", "a1",
                   "3m", "", "é", "zhuangli", "li", "na", "weixin", "ltd", "&"]


@settings(max_examples=4000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_COMPANY_TOKENS), st.text(max_size=6),
                          st.text(alphabet="abcdefghinougz", min_size=1, max_size=9)), max_size=7))
def test_a_company_s_brand_in_pinyin_is_as_before(tokens):
    from linkcheck.normalize import company

    assert company.brand_pinyin(list(tokens)) == _brand_pinyin_as_before(list(tokens))


_COMPANY_WORDS = ["Shenzhen", "Lihegehe", "Trading", "Co.,", "Ltd.", "Pengyuan", "Technology", "深圳市", "鹏远科技有限公司",
                  "GmbH", "Inc", "&", "+", "123", "No.", "-", "Acme", "Xin", "(Hong Kong)", "Limited", "ＡＣＭＥ", "_"]


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_COMPANY_WORDS), min_size=1, max_size=6).map(" ".join), st.text(max_size=20)))
def test_a_company_name_is_as_before(text):
    from linkcheck.normalize import company
    from linkcheck.normalize.text import _LETTER, Canonical, Rejected

    try:
        got = company.company_name(text)
    except Rejected as e:
        got = ("refused", e.reason)
    try:
        tokens = company.company_tokens(text)
        if not tokens:
            raise Rejected("no name besides the legal form")
        if not any(_LETTER.search(t) for t in tokens):
            raise Rejected("a company name has letters")
        pinyin = _brand_pinyin_as_before(tokens)
        related = (("company_name", company.PINYIN_MARK + pinyin),) if pinyin else ()
        expected = Canonical(" ".join(tokens), key="".join(tokens), related=related)
    except Rejected as e:
        expected = ("refused", e.reason)
    assert got == expected


# ---------------------------------------------------------------------------------------------
# Registration numbers: three digits or more without a list of them


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789ABXÑ&", max_size=12), st.text(max_size=12)))
def test_three_digits_are_found_as_by_counting_them(text):
    from linkcheck.normalize import numbers

    assert bool(numbers._THREE_DIGITS(text)) is (len(numbers._DIGIT_COUNT.findall(text)) >= 3)


def test_types_that_cannot_be_one_pattern_are_tried_one_by_one():
    """A later metadata whose type patterns cannot be joined into one (a group name repeated,
    a back-reference) is still read as _number_type_helper reads it: each pattern in turn."""
    import importlib
    from types import SimpleNamespace

    phone = importlib.import_module("linkcheck.normalize.phone")  # (the package's `phone` is its function)

    def desc(pattern, lengths=(4,)):
        return SimpleNamespace(national_number_pattern=pattern, possible_length=list(lengths))

    none = desc(None)
    for first, second in (("(?P<a>12)34", "(?P<a>56)78"), (r"(1)(?:\1)34", "5678")):
        metadata = SimpleNamespace(premium_rate=desc(first), toll_free=desc(second), shared_cost=none, voip=none,
                                   personal_number=none, pager=none, uan=none, voicemail=none, fixed_line=none,
                                   mobile=none, same_mobile_and_fixed_line_pattern=False)
        matches = phone._types_pattern(metadata, 4)
        wanted = [re.compile(first), re.compile(second)]
        for national in ("1234", "1134", "5678", "9999", "12"):
            assert bool(matches(national)) == any(p.fullmatch(national) for p in wanted), (first, national)
    assert phone._types_pattern(metadata, 5) is None  # no type allows five digits
