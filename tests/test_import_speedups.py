"""The faster forms an import uses (issue 17, sixth session) give exactly what the plain forms give."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.normalize import network, numbers

# Text as registration numbers arrive at python-stdnum (upper-case ASCII letters and digits),
# as other callers could give it (separators, stdnum's look-alike characters, any Unicode).
_LOOK_ALIKES = "-*,./: '`\u2010\u2013\u2014\uff10\uff11\u00b4\u02bc\u2019\u3000"
_TEXT = st.one_of(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=24),
    st.text(alphabet="ABCXYZ0189" + _LOOK_ALIKES, max_size=24),
    st.text(max_size=24),
)


def _fast_clean():
    numbers._country_modules("US")  # loads stdnum's US modules, and puts the fast clean in place
    from stdnum import util

    return util._linkcheck_fast_clean


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.sampled_from(["", " ", " -", " -./,:", "-", " -.", "'", "`", " -'`"]))
def test_the_fast_stdnum_clean_is_stdnum_s_clean(number, deletechars):
    fast = _fast_clean()
    assert fast(number, deletechars) == fast.original(number, deletechars)
    assert fast(number) == fast.original(number)


def test_the_fast_stdnum_clean_refuses_what_stdnum_refuses():
    from stdnum.exceptions import InvalidFormat

    fast = _fast_clean()
    for bad in (None, 12345, 1.5):
        for clean in (fast, fast.original):
            try:
                clean(bad, " -")
            except InvalidFormat:
                continue
            raise AssertionError(f"{bad!r} was cleaned")
    assert fast(("9", "1"), "") == fast.original(("9", "1"), "") == "91"  # stdnum joins any iterable of text


def test_stdnum_s_number_modules_use_the_fast_clean_once_loaded():
    fast = _fast_clean()
    numbers._country_modules("DE")
    from stdnum import util
    from stdnum.de import vat
    from stdnum.us import ein, tin

    for module in (ein, tin, vat):
        assert module.clean is fast
    assert util.clean is fast.original  # stdnum's own stays what it was
    assert all(getattr(m, "clean", None) is not fast.original for n, m in sys.modules.items()
               if n.startswith("stdnum.") and m is not util)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet="ABDEGKLNRSUX0123456789 -./", min_size=5, max_size=20),
                 st.from_regex(r"(DE|GB|FR|IT|NL|BE|DK|91)[0-9]{7,16}[A-Z0-9]?", fullmatch=True)),
       st.sampled_from([None, "US", "DE", "GB", "CN", "FR"]))
def test_registration_numbers_read_the_same_with_the_fast_clean(text, region):
    fast = _fast_clean()
    from linkcheck.normalize.text import Rejected

    def read():
        numbers._registry_value.cache_clear()
        numbers._WRONG_LENGTH.clear()
        try:
            return numbers.registry_code(text, region)
        except Rejected as exc:
            return exc.reason

    with_fast = read()
    patched = [(m, m.clean) for n, m in sys.modules.items() if n.startswith("stdnum.") and getattr(m, "clean", None) is fast]
    try:
        for module, _clean in patched:
            module.clean = fast.original
        plain = read()
    finally:
        for module, clean in patched:
            module.clean = clean
    assert with_fast == plain


# ----- values: parse_tuple, and the kinds' match keys ----------------------------------------

from linkcheck import accounts  # noqa: E402
from linkcheck.errors import InvalidValue  # noqa: E402
from linkcheck.importers import ProfileRecord, RawValue  # noqa: E402
from linkcheck.importers.ahead import parse_batch  # noqa: E402
from linkcheck.models import Account, Attribute, Profile  # noqa: E402
from linkcheck.registry import kinds  # noqa: E402
from linkcheck.registry.facets import BLOCKING_PREFIX  # noqa: E402

# Values of every kind, valid and not, in several spellings (bench/synth.py's and others).
_VALUES = {
    "company_name": ["Shenzhen Lihegehe Trading Co., Ltd.", "深圳市艾克美贸易有限公司", "ACME", "Co., Ltd."],
    "registration_number": ["91440300MA5F0ACME1", "DE 123 456 789", "91440000000000X", "12"],
    "tax_id": ["DE123456789", "GB 123 4567 89", "EL094019245"],
    "legal_representative": ["Maple Lihegehe", "李伟", "Li Na"],
    "address": ["Room 100, 1 Lihegehe Road, Shenzhen", "广东省深圳市南山区科苑路88号", "1 Main St, Newark, USA"],
    "email": ["ops@lihegehe0.example", "Lihegehe.Sales0@gmail.com", "not an email"],
    "phone": ["+1 201 555 0000", "(201) 555-0123", "030 1234567", "+86 138 0013 8000", "12"],
    "bank_account": ["DE89 3704 0044 0532 0130 00", "000000000001", "x"],
    "card": ["4000000000000002", "4111 1111 1111 1112"],
    "payment_account": ["pay-lihegehe-0@payments.example", "+1 201 555 0100", "ACCT123456"],
    "ip": ["192.0.2.1", "2001:db8:0:1::10", "192.168.0.2", "64:ff9b::203.0.113.7", "300.1.1.1"],
    "mac": ["3c:22:00:00:00:01", "3C22.FB12.3456", "01:00:5e:00:00:01"],
    "gateway_mac": ["a4:2b:00:00:00:fe"],
    "hostname": ["ops-lihegehe-0", "localhost", "Acme-Laptop.local"],
    "machine_id": ["0a5d2f346baa9455e3e70682c2094cac", "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}", "short"],
    "brand": ["LihegeheTrading", "Acme Home"],
    "supplier": ["Acme Soranujo Factory"],
    "logistics": ["SF Express"],
    "category": ["Home & Kitchen"],
    "proxy": ["socks5://user1:pw@203.0.113.5:1080"],
    "device_name": ["DESKTOP-7Q2M4KD"],
}
_REGIONS = [None, "US", "amazon.de", "CN", "GB"]


def _keys_as_before(kind: kinds.Kind, canonical) -> tuple[str, ...]:
    """`Kind.keys` as it was written before the sixth session."""
    if not canonical.identifying:
        return ()
    keys = [f"{kind.name}:{canonical.key or canonical.value}"]
    keys.extend(f"{facet}:{value}" for facet, value in canonical.related)
    if kind.blocker is not None:
        keys.extend(f"{BLOCKING_PREFIX}{kind.name}:{block}" for block in kind.blocker(canonical.value))
    return tuple(keys)


def _outcome(parse, *args, **kwargs):
    try:
        return parse(*args, **kwargs)
    except InvalidValue as exc:
        return ("invalid", exc.kind, exc.reason)


def test_parse_tuple_is_parse_value_as_a_tuple_with_the_keys_as_before():
    from linkcheck import normalize

    for name, values in _VALUES.items():
        kind = kinds.KINDS[name]
        for value in values:
            for region in _REGIONS:
                fast = _outcome(kinds.parse_tuple, name, value, region)
                assert fast == _outcome(lambda *a, **k: kinds.parse_value(*a, **k).as_tuple(), name, value, region=region)
                if fast[0] != "invalid":
                    canonical = kind.normaliser(normalize.clean(value), region)
                    assert fast == (canonical.value, _keys_as_before(kind, canonical), canonical.flags)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(_VALUES)), st.text(max_size=40), st.sampled_from(_REGIONS))
def test_parse_tuple_is_parse_value_on_any_text(name, value, region):
    assert _outcome(kinds.parse_tuple, name, value, region) == _outcome(
        lambda *a, **k: kinds.parse_value(*a, **k).as_tuple(), name, value, region=region)


def _records(values: list[tuple[str, str]], marketplace: str | None = "amazon.com") -> list[ProfileRecord]:
    return [ProfileRecord(f"f:{i}", f"shop-{i}", marketplace, values=(RawValue(kind, value),))
            for i, (kind, value) in enumerate(values)]


_PAIRS = [(name, value) for name, values in _VALUES.items() for value in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PAIRS), max_size=12), max_size=6), st.sampled_from([None, "CN"]),
       st.sampled_from([None, "US"]), st.integers(1, 6))
def test_answers_kept_across_batches_are_the_answers_parsed_afresh(batches, region, default_region, limit):
    """`Memo`: an import's answers, kept across its batches (a value seen again is not parsed
    again), are each batch's answers parsed alone, however small its bounds."""
    from linkcheck.importers.ahead import Memo

    memo = Memo(cold=limit, hot=limit)
    for values in batches:
        records = _records(values)
        assert parse_batch(records, region, default_region, memo) == parse_batch(records, region, default_region)
        assert len(memo.cold) <= limit and len(memo.hot) <= limit


def test_a_value_seen_twice_is_kept_and_one_seen_once_only_for_a_while():
    from linkcheck.importers.ahead import Memo

    memo = Memo(cold=2, hot=10)
    category = ("category", "Home & Kitchen")
    parse_batch(_records([category]), None, None, memo)
    key = ("category", "Home & Kitchen", "US")
    assert key in memo.cold and key not in memo.hot
    parse_batch(_records([category]), None, None, memo)  # seen again: taken from `cold`, kept in `hot`
    assert key in memo.hot and key not in memo.cold
    memo.hot[key] = ("kept", (), ())
    assert parse_batch(_records([category]), None, None, memo)[key] == ("kept", (), ())  # not parsed again
    parse_batch(_records([("brand", f"Brand{i}") for i in range(3)]), None, None, memo)
    assert not memo.cold and key in memo.hot  # `cold` over its bound starts over; `hot` stays


# ----- an import's attributes: the values parsed ahead without metadata ----------------------

_METADATA = st.one_of(
    st.just({}),
    st.fixed_dictionaries({}, optional={
        "note": st.sampled_from([None, "a note", "x" * 5000]),
        "source": st.sampled_from([None, "manual", "capture", "nonsense"]),
        "first_seen": st.sampled_from([None, 0, 1_700_000_000, -5]),
        "last_seen": st.sampled_from([None, 1_700_000_100, 10**13]),
        "periods": st.sampled_from([(), ((None, None, None),), ((1_600_000_000, 1_500_000_000, None),)]),
    }),
)
_RAW = st.one_of(
    st.builds(lambda kv, meta: RawValue(kv[0], kv[1], **meta),
              st.sampled_from([(k, pad % v) for k, vs in _VALUES.items() for v in vs for pad in ("%s", " %s\t")]),
              _METADATA),
    st.builds(RawValue, st.sampled_from(["email", "nonsense", 5]), st.one_of(st.none(), st.integers(), st.text(max_size=8))),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_RAW, max_size=8), st.sampled_from(["amazon.com", "amazon.de", "", "mars"]),
       st.sampled_from([None, "CN", "GB"]), st.sampled_from([None, "US"]), st.sampled_from(["import", "capture", "bogus"]),
       st.sampled_from([None, 1_790_000_000]))
def test_attributes_of_values_parsed_ahead_are_those_made_one_by_one(values, marketplace, region, default_region,
                                                                    source, when):
    record = ProfileRecord("f:1", "shop", marketplace, values=tuple(values))
    account = Account("shop", marketplace, "active", None, 1, 1)
    known = (Attribute("address", "1 Main St, Newark, USA", "1 main st newark usa", (), "import", 1, 1),)
    answers = parse_batch([record], region, default_region)

    def attributes(ahead):
        try:
            return accounts.record_attributes(record, account, region, when, source=source,
                                              default_region=default_region, known=known, ahead=ahead)
        except Exception as exc:  # noqa: BLE001 - the same failure both ways
            return type(exc).__name__, str(exc)

    if when is None:  # make_attribute takes the time itself: compare all but the times
        accounts_now = accounts.now
        try:
            accounts.now = lambda: 1_800_000_000
            assert attributes(answers) == attributes(None)
        finally:
            accounts.now = accounts_now
        return
    fast, plain = attributes(answers), attributes(None)
    assert fast == plain
    if isinstance(fast, tuple) and fast and fast[0]:
        assert all(type(a) is Attribute for a in fast[0])


# ----- rows: the key index's tags, and the attribute lines ----------------------------------


def test_index_tags_are_index_tag_of_each_key_and_the_index_is_the_same():
    import os

    from linkcheck.crypto.aead import Keyring
    from linkcheck.store.codec import _exact_key_count
    from linkcheck.store.keyindex import index_blob

    keys = Keyring(os.urandom(32))
    some = ["email:ops@acme.example", "~company_name:acme", "", "é 中文", "~company_name:acme"]
    assert keys.index_tags(some) == [keys.index_tag(k) for k in some]
    assert keys.index_tags([]) == []
    attrs = tuple(Attribute(name, value, *kinds.parse_tuple(name, value, "US")[:2], "import", 1, 1)
                  for name, values in _VALUES.items() for value in values
                  if _outcome(kinds.parse_tuple, name, value, "US")[0] != "invalid")
    profile = Profile(Account("shop", "amazon.com", "active", None, 1, 1), attrs)
    n_exact = [_exact_key_count(a.keys) for a in attrs]
    assert any(n < len(a.keys) for n, a in zip(n_exact, attrs, strict=True))  # blocking keys too
    assert index_blob(profile, keys.index_tag, n_exact, tags=keys.index_tags) == index_blob(
        profile, keys.index_tag, n_exact)


def test_exact_key_count_refuses_keys_out_of_order():
    import pytest

    from linkcheck.store.codec import _exact_key_count

    assert _exact_key_count(()) == 0
    assert _exact_key_count(("a:1", "b:2", "~a:x", "~a:y")) == 2
    assert _exact_key_count(("~a:x",)) == 0
    for bad in (("a:1", "~a:x", "b:2"), ("~a:x", "a:1", "b:2")):
        with pytest.raises(ValueError, match="out of order"):
            _exact_key_count(bad)


def _near_blocks_as_before(value: str) -> tuple[str, ...]:
    from linkcheck.normalize.text import NEAR_BLOCK_MIN_LENGTH

    n = len(value)
    if n < NEAR_BLOCK_MIN_LENGTH:
        return ()
    out: list[str] = []
    for k in sorted({(n - 2) // 2, (n - 1) // 2} - set(range((NEAR_BLOCK_MIN_LENGTH - 1) // 2))):
        out += ["^" + value[:k], value[-k:] + "$"]
    return tuple(out)


def test_near_blocks_are_as_before_at_every_length():
    from linkcheck.normalize.text import near_blocks

    for n in range(0, 60):
        value = "".join(chr(65 + i % 26) for i in range(n))
        assert near_blocks(value) == _near_blocks_as_before(value), n


def test_phone_numbers_are_parsed_with_phonenumbers_pattern_cache_on():
    import phonenumbers
    from phonenumbers import re_util

    from linkcheck.normalize.phone import _e164

    _e164.cache_clear()
    assert _e164("12015550123", None) == ("+12015550123", False)
    if hasattr(phonenumbers, "enable_pattern_cache"):
        assert re_util._COMPILED_PATTERNS  # kept, not looked up again in the re module's cache


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.from_regex(r"[0-9]{5,14}", fullmatch=True), st.from_regex(r"9[0-9]{2}[5-9][0-9]{5}", fullmatch=True),
                 st.from_regex(r"P[0-9]{8}", fullmatch=True), st.from_regex(r"[0-9]{2}[A-Z0-9]{6,16}", fullmatch=True),
                 st.sampled_from(["078051120", "123456789", "912707010", "041234567", "P01594846", "91440000000000X",
                                  "0994000617721", "1234567890121"])),
       st.sampled_from(["US", "TH"]))
def test_a_number_reads_the_same_without_the_modules_that_only_repeat_others(number, country):
    def read(either_of):
        saved = numbers._EITHER_OF
        numbers._EITHER_OF = either_of
        numbers._country_modules.cache_clear()
        numbers._WRONG_LENGTH.clear()
        try:
            return [m.__name__ for m in numbers._country_modules(country)], numbers._national_number(country, number)
        finally:
            numbers._EITHER_OF = saved
            numbers._country_modules.cache_clear()
            numbers._WRONG_LENGTH.clear()

    trimmed, fast = read(numbers._EITHER_OF)
    full, plain = read(frozenset())
    assert f"stdnum.{country.lower()}.tin" in full and f"stdnum.{country.lower()}.tin" not in trimmed
    assert fast == plain


def test_the_modules_left_out_are_tried_after_every_module_they_repeat():
    from stdnum.th import tin as th_tin
    from stdnum.us import tin as us_tin

    for country, union in (("US", us_tin), ("TH", th_tin)):
        modules = numbers._country_modules(country)
        assert union not in modules and set(union._tin_modules) <= set(modules)


# ----- the eighth session's faster normalisers: each is what it was ----------------------


def _blocking_as_before(tokens, generic, *, min_length=3, limit=3):
    """`normalize.blocking` as it was written before the eighth session."""
    from linkcheck.normalize.text import _LETTER, is_cjk

    out = []
    found = 0
    for index, token in enumerate(tokens):
        if token in generic or not _LETTER.search(token):
            continue
        cjk = is_cjk(token[0])
        if len(token) < (2 if cjk else min_length):
            continue
        h = 1 if cjk or len(token) <= 3 else 2
        head, tail = tokens[:index], tokens[index + 1:]
        out.append(token)
        out.append(" ".join((*head, token[:h] + "*", *tail)))
        out.append(" ".join((*head, "*" + token[-h:], *tail)))
        found += 1
        if found == limit:
            break
    return tuple(dict.fromkeys(out))


_WORDS = ["acme", "trading", "shenzhen", "road", "12", "a", "ab", "abc", "li", "深圳", "星", "艾克美", "x1", "_", "",
          "é", "ßtraße", "ⅻ", "٣", "co", "ltd", "room", "1203", "ａｂｃ", "ｱｲ", "가나"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=6)), max_size=9),
       st.sampled_from(["company", "address", "none", "acme"]), st.integers(1, 4), st.integers(1, 4), st.booleans())
def test_blocking_is_as_before(tokens, generic, min_length, limit, as_tuple):
    from linkcheck import normalize

    generic = {"company": normalize.COMPANY_GENERIC, "address": normalize.ADDRESS_GENERIC, "none": frozenset(),
               "acme": frozenset({"acme"})}[generic]
    tokens = tuple(tokens) if as_tuple else tokens
    assert normalize.blocking(tokens, generic, min_length=min_length, limit=limit) == _blocking_as_before(
        tokens, generic, min_length=min_length, limit=limit)


def _parsed_international(digits):
    import phonenumbers

    try:
        return phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException as exc:
        return "raises", exc.error_type


@settings(max_examples=2000, deadline=None)
@given(st.one_of(
    st.builds(lambda code, rest: f"{code}{rest}", st.sampled_from(sorted(__import__("phonenumbers").COUNTRY_CODE_TO_REGION_CODE)),
              st.from_regex(r"[0-9]{0,17}", fullmatch=True)),
    st.builds(lambda code, trunk, rest: f"{code}{trunk}{rest}",
              st.sampled_from(sorted(__import__("phonenumbers").COUNTRY_CODE_TO_REGION_CODE)),
              st.sampled_from(["0", "00", "000", "1", "8", "9"]), st.from_regex(r"[0-9]{4,12}", fullmatch=True)),
    st.from_regex(r"[0-9]{0,20}", fullmatch=True),
    st.text(max_size=14)))
def test_an_international_number_is_what_phonenumbers_parse_gives(digits):
    """`phone._international`: phonenumbers' parse of `+digits` without its text scanning --
    the very PhoneNumber, or None for parse itself to read it."""
    import phonenumbers

    from linkcheck.normalize.phone import _international

    fast = _international(digits)
    if fast is not None:
        assert fast == _parsed_international(digits)
        assert phonenumbers.is_valid_number(fast) == phonenumbers.is_valid_number(_parsed_international(digits))


def test_every_example_number_in_phonenumbers_metadata_reads_the_same():
    import phonenumbers

    from linkcheck.normalize.phone import _international

    examples = [phonenumbers.example_number_for_type(region, kind)
                for region in sorted(phonenumbers.SUPPORTED_REGIONS) for kind in range(12)]
    examples += [phonenumbers.example_number_for_non_geo_entity(code)
                 for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)]
    read = 0
    for example in filter(None, examples):
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[1:]
        code = str(example.country_code)
        # as written; with a trunk 0 after the country code (+44 020...); a digit short or over
        for digits in (e164, code + "0" + e164[len(code):], code + "00" + str(example.national_number),
                       e164[:-1], e164 + "5"):
            fast = _international(digits)
            assert fast is None or fast == _parsed_international(digits), digits
            if digits == e164:
                assert fast == example, digits
                read += 1
    assert read > 1000


def _person_name_as_before(text):
    """`normalize.person_name` as it was written before the eighth session."""
    from linkcheck.normalize import person
    from linkcheck.normalize.text import _LETTER, Canonical, Rejected, _split_cjk, _text

    words = _text(text, initials=False)
    if not words.isascii():
        words = _split_cjk(person._HONORIFICS_ZH.sub("", words.strip()))
    tokens = [t for t in words.split() if t not in person._HONORIFICS]
    if not tokens or not any(_LETTER.search(t) for t in tokens):
        raise Rejected("not a name")
    if any(c.isdigit() for t in tokens for c in t):
        raise Rejected("a name has no digits")
    if len(tokens) == 1 and person._HAN_ONLY.fullmatch(tokens[0]) and 2 <= len(tokens[0]) <= 4:
        pinyin = person._pinyin_key(tokens)  # (a Han name: as it was)
    elif 2 <= len(tokens) <= 3 and all(t.isascii() and t.isalpha() and person._is_pinyin(t) for t in tokens):
        pinyin = " ".join(sorted(tokens))
    else:
        pinyin = None
    related = ((person._FACET, person.PINYIN_MARK + pinyin),) if pinyin else ()
    return Canonical(" ".join(tokens), key=" ".join(sorted(tokens)), related=related)


_NAME_PARTS = ["Li", "Wei", "li", "Na", "Xiuying", "Acme", "Bakadafa", "Mr", "Dr.", "DOE,", "John", "O'Neil", "2",
               "Ⅻ", "²", "٣", "李伟", "欧阳明", "先生", "Zhang San", "  ", ".", "Jean-Luc", "ｗｅｉ", "x1"]


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_NAME_PARTS), min_size=1, max_size=4).map(" ".join), st.text(max_size=20)))
def test_person_name_is_as_before(text):
    from linkcheck.normalize import person_name
    from linkcheck.normalize.text import Rejected

    def outcome(name):
        try:
            return name(text)
        except Rejected as exc:
            return "rejected", exc.reason
        except Exception as exc:  # noqa: BLE001 - the same failure both ways
            return type(exc).__name__

    assert outcome(person_name) == outcome(_person_name_as_before)


_COMPANY_WORDS = ["PT", "The", "OOO", "ООО", "ZAO", "Acme", "Trading", "Co.,", "Ltd", "Limited", "GmbH", "SA", "S.A.",
                  "Shenzhen", "深圳市", "有限公司", "Tov", "the", "PT.", "&", "+", "and", "Company", "Holdings", "Inc"]


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_COMPANY_WORDS), min_size=1, max_size=6).map(" ".join), st.text(max_size=20)))
def test_company_tokens_strip_legal_prefixes_as_before(text):
    """The legal prefixes looked up by the name's first word: the same first match as trying
    every prefix in order."""
    from linkcheck.normalize import company

    tokens = company.company_tokens(text)
    saved = company._LEGAL_PREFIXES_BY_FIRST
    try:
        company._LEGAL_PREFIXES_BY_FIRST = _EveryPrefix(company._LEGAL_PREFIXES)
        assert company.company_tokens(text) == tokens
    finally:
        company._LEGAL_PREFIXES_BY_FIRST = saved


class _EveryPrefix(dict):
    """Every legal prefix for any first word, in order: the loop as it was."""

    def __init__(self, forms):
        super().__init__()
        self._forms = list(forms)

    def get(self, key, default=None):
        return self._forms


@settings(max_examples=2000, deadline=None)
@given(st.builds(lambda code, rest: f"{code}{rest}",
                 st.sampled_from(sorted(__import__("phonenumbers").COUNTRY_CODE_TO_REGION_CODE)),
                 st.from_regex(r"[0-9]{1,15}", fullmatch=True)))
def test_a_number_is_valid_where_phonenumbers_says_it_is(digits):
    import phonenumbers

    from linkcheck.normalize.phone import _valid

    number = _parsed_international(digits)
    if isinstance(number, phonenumbers.PhoneNumber):
        assert _valid(number) == phonenumbers.is_valid_number(number)


def test_every_example_number_is_valid_both_ways_and_a_digit_more_or_less_the_same():
    import phonenumbers

    from linkcheck.normalize.phone import _valid

    shared = [region for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items() if len(regions) > 1
              for region in regions]
    for region in shared:
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            assert _valid(example) == phonenumbers.is_valid_number(example)
            for other in (example.national_number // 10, example.national_number * 10 + 7, example.national_number + 1):
                number = phonenumbers.PhoneNumber(country_code=example.country_code, national_number=other)
                assert _valid(number) == phonenumbers.is_valid_number(number)


def _email_as_before(text):
    """`normalize.email` as it was written before the eighth session (its domain checked in line)."""
    import importlib
    import unicodedata

    from linkcheck.normalize.text import Canonical, Rejected, _nfkc

    m = importlib.import_module("linkcheck.normalize.email")

    if not text.isascii() and m._FOLDS_TO_SEPARATOR.search(text):
        raise Rejected("not an email address")
    text = _nfkc(text).replace("\u3002", ".")
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    local, at, domain = text.strip().rpartition("@")
    if not at or not local:
        raise Rejected("not an email address")
    local = local.lower()
    if len(local.encode("utf-8")) > m.MAX_LOCAL_OCTETS or not m._LOCAL_PART.fullmatch(local):
        raise Rejected("not an email address")
    if not local.isascii() and not m._LOCAL_PART.fullmatch(unicodedata.normalize("NFD", local)):
        raise Rejected("not an email address")
    if domain.endswith("."):
        raise Rejected("not an email address (bad domain)")
    try:
        domain = m.domain_name(domain)
    except Rejected:
        raise Rejected("not an email address (bad domain)") from None
    tld = domain.rpartition(".")[2]
    if "." not in domain or not m._tld_ok(tld) or any(m._RESERVED_LABEL.match(label) for label in domain.split(".")):
        raise Rejected("not an email address (bad domain)")
    octets = len(local.encode("utf-8")) + 1 + len(domain if domain.isascii() else m._ascii_domain(domain))
    if octets > m.MAX_EMAIL_OCTETS:
        raise Rejected(f"longer than {m.MAX_EMAIL_OCTETS} octets, more than an email address can be")
    if tld in m._SPECIAL_USE_TLDS:
        raise Rejected(f"a special-use domain (.{tld}) where no mailbox can be")
    domain = m._MAIL_ALIASES.get(domain, domain)
    if domain in m._IGNORE_DOTS:
        local = local.replace(".", "")
    local = m._base_mailbox(local, "+")
    if domain.partition(".")[0] in m._DASH_TAG_BRANDS:
        local = m._base_mailbox(local, "-")
    value = f"{local}@{domain}"
    if m.is_free_mail(domain):
        return Canonical(value, flags=("free_mail",))
    return Canonical(value, related=(("email_domain", domain),))


_LOCALS = ["ops", "J.Doe+amz", "a-b", "x" * 64, "x" * 65, "é", "<ops", "mailto:ops", "", "a..b", "≮"]
_DOMAINS = ["gmail.com", "GMail.com", "example.com.", "acme.example", "münchen.de", "xn--mnchen-3ya.de", "a--b.example",
            "localhost", "x.test", "yandex.ru", "ya.ru", "me.com", "a" * 250 + ".example", "-a.example", "a.b",
            "co.uk", "1.2.3.4", "xn--zz.example", "example。com", "b.onion", "x.y.z.arpa", "a" * 63 + ".com"]


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.builds(lambda local, at, domain: f"{local}{at}{domain}", st.sampled_from(_LOCALS),
                           st.sampled_from(["@", "@@", "＠", " @ "]), st.sampled_from(_DOMAINS)),
                 st.text(max_size=30)))
def test_email_is_as_before(text):
    from linkcheck.normalize import email
    from linkcheck.normalize.text import Rejected

    def outcome(read):
        try:
            return read(text)
        except Rejected as exc:
            return "rejected", exc.reason
        except Exception as exc:  # noqa: BLE001 - the same failure both ways
            return type(exc).__name__

    assert outcome(email) == outcome(_email_as_before)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(max_size=20), st.text(alphabet=[chr(c) for c in range(128)], max_size=20),
                 st.sampled_from(["store-000123", "acme-us", " shop ", "a\x7fb", "a\tb", "店铺\u200b", "x" * 300])))
def test_an_account_name_is_checked_as_before(name):
    import unicodedata

    from linkcheck.errors import InvalidInput

    def as_before(text):
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("an account needs a non-empty name")
        text = text.strip()
        if len(text) > accounts.MAX_NAME_CHARS:
            raise InvalidInput(f"account name longer than {accounts.MAX_NAME_CHARS} characters")
        if any(unicodedata.category(ch).startswith("C") for ch in text):
            raise InvalidInput("account name contains control characters")
        return text

    def outcome(check):
        try:
            return check(name)
        except InvalidInput as exc:
            return "refused", exc.message

    assert outcome(accounts.check_name) == outcome(as_before)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.sampled_from(["amazon.com", "amazon.co.uk", "UK", "de", "美国站", "亚马逊日本", "", " ", "x.y",
                                  "https://sellercentral.amazon.de/x", "ebay.com.au", "amazon.con", "mars"]),
                 st.text(max_size=24)))
def test_a_marketplace_s_region_remembered_is_the_region_read_again(marketplace):
    from linkcheck.registry import regions

    first = regions.region_for_marketplace(marketplace)
    assert regions.region_for_marketplace(marketplace) == first == regions._region_for_marketplace(marketplace)


# ----- the thirteenth session: US modules that refuse a lettered number by its format ----------

_NATIONAL = st.one_of(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20),
    st.text(alphabet="P0123456789", min_size=1, max_size=12),
    st.text(alphabet="Pp0123456789abcX", min_size=8, max_size=10),
    st.from_regex(r"[0-9]{2}[A-Z0-9]{6,16}", fullmatch=True),
    st.from_regex(r"P[0-9]{8}", fullmatch=True),
    st.from_regex(r"9[0-9]{2}[5-9][0-9]{5}", fullmatch=True),
    st.text(alphabet="0123456789AX-&Ñ\u0660\u00b2 ", max_size=14),
    st.text(max_size=12),
    st.sampled_from(["91440000000000X", "91440300MA5F0ACME1", "P01594846", "p01594846", "078051120", "041234567",
                     "912707010", "123456789", "1234567890", "٠١٢٣٤٥٦٧٨", "²12345678"]),
)


@settings(max_examples=600, deadline=None)
@given(_NATIONAL)
def test_the_us_modules_skipped_by_format_refuse_the_number_by_format(number):
    from stdnum.exceptions import InvalidFormat

    checks = numbers._module_checks(numbers._country_modules("US"), numbers._AUDITED_STDNUM)
    assert {m.__name__ for m, how in checks if how} == set(numbers._REFUSE_LETTERS) | {numbers._PTIN}
    plain = number.isascii() and number.isalnum()
    for module, how in checks:
        if how and plain and (not number.isdigit() if how == 1 else not numbers._ptin_shape(number)):
            try:
                module.validate(number)
            except InvalidFormat:
                continue
            raise AssertionError(f"{module.__name__} did not refuse {number!r} by its format")


@settings(max_examples=600, deadline=None)
@given(_NATIONAL, st.sampled_from(["US", "CN", "TH", "DE"]))
def test_a_national_number_reads_the_same_with_the_format_skips(number, country):
    def read(audited):
        saved = numbers._AUDITED_STDNUM
        numbers._AUDITED_STDNUM = audited
        numbers._WRONG_LENGTH.clear()
        try:
            return numbers._national_number(country, number)
        finally:
            numbers._AUDITED_STDNUM = saved
            numbers._WRONG_LENGTH.clear()

    assert read(numbers._AUDITED_STDNUM) == read(frozenset())


@settings(max_examples=300, deadline=None)
@given(_NATIONAL, st.sampled_from(["US", "CN", None, "MX"]))
def test_a_registration_number_reads_the_same_with_the_format_skips(number, region):
    def read(audited):
        saved = numbers._AUDITED_STDNUM
        numbers._AUDITED_STDNUM = audited
        numbers._WRONG_LENGTH.clear()
        numbers._registry_value.cache_clear()
        try:
            return numbers.registry_code(number, region)
        except Exception as exc:  # noqa: BLE001 - the very refusal, compared
            return type(exc), str(exc)
        finally:
            numbers._AUDITED_STDNUM = saved
            numbers._WRONG_LENGTH.clear()
            numbers._registry_value.cache_clear()

    assert read(numbers._AUDITED_STDNUM) == read(frozenset())


def test_the_format_skips_are_only_for_the_stdnum_versions_read():
    import stdnum

    checks = numbers._module_checks(numbers._country_modules("US"), frozenset({"0.0-not-this"}))
    assert all(how == 0 for _m, how in checks)
    if stdnum.__version__ in numbers._AUDITED_STDNUM:
        assert any(how for _m, how in numbers._country_checks("US"))


# ----- the thirteenth session: IPv6 addresses read and written without ipaddress's loops ------

def _ipv6_text_as_before(number: int) -> str:
    """`normalize.ipv6_text` as it was written before the thirteenth session."""
    digits = f"{number:032x}"
    text = f":{':'.join([digits[i:i + 4].lstrip('0') or '0' for i in range(0, 32, 4)])}:"
    for run in network._ZERO_RUNS:
        at = text.find(run)
        if at >= 0:
            end = at + len(run)
            return (text[1:at] if at else "") + "::" + (text[end:-1] if end < len(text) else "")
    return text[1:-1]


_HEXTET = st.one_of(st.just(0), st.just(0), st.just(0xFFFF), st.integers(0, 0xFFFF), st.integers(0, 0xF))
_V6_INT = st.one_of(st.lists(_HEXTET, min_size=8, max_size=8).map(lambda h: int("".join(f"{x:04x}" for x in h), 16)),
                    st.integers(0, (1 << 128) - 1), st.sampled_from([0, 1, (1 << 128) - 1, 0xFFFF << 32, 0xFFFF << 32 | 1]))


@settings(max_examples=1500, deadline=None)
@given(_V6_INT)
def test_ipv6_text_is_what_it_was_and_what_ipaddress_prints(number):
    import ipaddress

    assert network.ipv6_text(number) == _ipv6_text_as_before(number)
    if number >> 32 != 0xFFFF:  # (ipaddress prints a mapped address with its IPv4 part)
        assert network.ipv6_text(number) == str(ipaddress.IPv6Address(number))


def test_ipv6_text_of_a_number_out_of_range_is_what_it_was():
    for number in (-1, 1 << 128, (1 << 130) + 5):
        assert network.ipv6_text(number) == _ipv6_text_as_before(number)


def _v6_spellings(hextets, gap_at, gap_len, widths, upper):
    groups = [f"{h:0{w}x}" if len(f"{h:x}") <= w else f"{h:x}" for h, w in zip(hextets, widths, strict=True)]
    if gap_len:
        groups = groups[:gap_at] + [""] + groups[gap_at + gap_len:]
        text = ":".join(groups)
        text = ("::" + text[1:]) if text.startswith(":") else text
        text = (text[:-1] + "::") if text.endswith(":") and not text.endswith("::") else text
    else:
        text = ":".join(groups)
    return text.upper() if upper else text


_V6_TEXT = st.one_of(
    st.builds(_v6_spellings, st.lists(_HEXTET, min_size=8, max_size=8), st.integers(0, 7), st.integers(0, 8),
              st.lists(st.integers(1, 5), min_size=8, max_size=8), st.booleans()),
    st.text(alphabet="0123456789abcdefABCDEFg:.%/[] ", max_size=44),
    st.from_regex(r"[0-9a-f:]{0,42}", fullmatch=True),
    st.sampled_from(["::", "::1", "1::", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
                     "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", "12345::", ":1::2", "1::2:", "::ffff:1.2.3.4",
                     "::ffff:102:304", "64:ff9b::102:304", "2001:db8::1%eth0", "fe80::1", "2001:db8:0:0::10", "0:0:0:0:0:0:0:0"]),
)


@settings(max_examples=2500, deadline=None)
@given(_V6_TEXT)
def test_an_ipv6_address_reads_as_ipaddress_reads_it(text):
    import ipaddress

    lowered = text.lower()
    number = network._v6_number(lowered)
    try:
        expected = int(ipaddress.IPv6Address(lowered))
    except ValueError:
        expected = None
    if number is not None:
        assert number == expected
    assert number is not None or expected is None or not network._V6_FULL.fullmatch(lowered)


def _ip_as_before(text):
    """`normalize.ip` with every IPv6 address read by ipaddress (as before the thirteenth session)."""
    saved = network._v6_number
    network._v6_number = lambda _text: None
    try:
        return network.ip(text)
    finally:
        network._v6_number = saved


@settings(max_examples=2000, deadline=None)
@given(_V6_TEXT)
def test_an_ip_value_reads_the_same_as_through_ipaddress(text):
    def read(parse):
        try:
            return parse(text)
        except Exception as exc:  # noqa: BLE001 - the very refusal, compared
            return type(exc), str(exc)

    assert read(network.ip) == read(_ip_as_before)


# ----- the thirteenth session: where a company is, by its name or address ---------------------

def _country_hint_as_before(kind, value, flags):
    """`normalize.country.country_hint` of a company name or an address as it was written
    before the thirteenth session."""
    from linkcheck.normalize import country as c

    if kind == "company_name":
        if c._HAS_CJK.search(value):
            return "JP" if c._KANA_OR_JP_FORM.search(value) else "CN"
        if c._HANGUL.search(value):
            return "KR"
        words = c._WORD.findall(c.fold(value))
        return "CN" if words and words[0] in c._CN_PLACES else None
    words = c._WORD.findall(c.fold(value))
    for size in (4, 3, 2, 1):
        if len(words) >= size and tuple(words[-size:]) in c._ADDRESS_COUNTRIES:
            return c._ADDRESS_COUNTRIES[tuple(words[-size:])]
    if c._HAS_CJK.search(value) and c._CN_ADDRESS.search(value) and not c._KANA_OR_JP_FORM.search(value):
        return "CN"
    return None


_PLACE_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="abc XYZ,.-_1 Shenzhen Guangzhou China USA 深圳市路株式会社한국", max_size=40),
    st.lists(st.sampled_from(["Shenzhen", "shenzhen", "Acme", "Trading", "Co.,", "Ltd", "China", "P.R.", "United", "States",
                              "深圳", "有限公司", "株式会社", "서울", "Ｓhenzhen", "_", "123", "Room", "Road", "路", "日本", "Straße"]),
             max_size=8).map(" ".join),
)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(["company_name", "address"]), _PLACE_TEXT)
def test_the_country_a_name_or_address_says_is_what_it_was(kind, value):
    from linkcheck.normalize.country import country_hint

    assert country_hint(kind, value, ()) == _country_hint_as_before(kind, value, ())
