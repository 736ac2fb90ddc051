"""The parsers' fast paths (issue 17, the twelfth session) give what the paths they skip give:
each test feeds a value the fast path takes and one it must leave to the full path.
(bench/parse_identical.py compares every value of the bench inputs, FEBRL1-4 and the suite's
strings between two trees; these pin the paths themselves.)"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.errors import InvalidValue
from linkcheck.importers import ProfileRecord, RawValue
from linkcheck.importers.ahead import _where, parse_batch
from linkcheck.normalize import Rejected, blocking, clean, company_tokens, email, phone
from linkcheck.normalize import person, text
from linkcheck.registry import kinds


# ----- text.clean: printable ASCII skips the search for control characters -----

def test_clean_takes_printable_ascii_as_it_is_trimmed():
    assert clean("  Acme Trading  ") == "Acme Trading"
    assert clean("a\tb\nc") == "a\tb\nc"  # tabs and newlines are not printable, and still allowed


@pytest.mark.parametrize("value", ["ab\x00c", "ab\x1bc", "ab\x7fc", "\x0b", "ab\x85c", "\u200bab\x01"])
def test_clean_still_refuses_control_characters_in_ascii_and_beyond(value):
    with pytest.raises(Rejected, match="control characters"):
        clean(value)


def test_clean_still_strips_invisible_characters_and_refuses_blank():
    assert clean("\u200bAcme\ufeff") == "Acme"
    with pytest.raises(Rejected, match="empty"):
        clean("   ")


# ----- kinds: each kind's parse_tuple is one function made once -----

_VALUES = {
    "email": ["J.Doe+amz@GMail.com", "ops@acme.example", "not an address", "a@localhost.test"],
    "company_name": ["Shenzhen Acme Trading Co., Ltd.", "深圳市鹏远科技有限公司", "Co., Ltd."],
    "address": ["Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen", "12"],
    "legal_representative": ["Li Wei", "李伟"],
    "registration_number": ["91440300MA5F0ACME1", "DE123456789", "x"],
    "phone": ["+86 138 0013 8000", "201 555 0123", "+1 201 555 0123 ext. 12", "call me"],
    "ip": ["203.0.113.7", "10.0.0.1", "2001:db8::1", "999.1.1.1"],
    "supplier": ["Dongguan Bright Plastics Co., Ltd."],
    "brand": ["AcmeHome", "!!!"],
    "mac": ["3C-22-FB-12-34-56", "zz"],
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_each_kind_s_parse_tuple_is_the_plain_one(language, monkeypatch):
    monkeypatch.setattr(kinds, "language", lambda: language)
    for name, values in _VALUES.items():
        kind = kinds.KINDS[name]
        assert kind.parse_tuple is not kinds.Kind.parse_tuple  # the kind's own
        for value in values:
            for region in (None, "US", "amazon.de", "CN"):
                assert _outcome(kind.parse_tuple, value, region) == _outcome(kind._parse_tuple, value, region)


def test_a_normaliser_that_fails_is_refused_as_before(monkeypatch):
    def broken(text, region):
        raise KeyError(text)

    kind = kinds.Kind("email", "contact", "Email", "电子邮箱", fuzzy=False, sensitive=True, normaliser=broken,
                      masker=str, facets=("email",))
    assert _outcome(kind.parse_tuple, "a@example.com", None) == ("invalid", "email", "cannot be read as a email")
    assert _outcome(kind.parse_tuple, "a@example.com", None) == _outcome(kind._parse_tuple, "a@example.com", None)


def _outcome(parse, *args):
    try:
        return parse(*args)
    except InvalidValue as exc:
        return ("invalid", exc.kind, exc.reason)


# ----- email: the sub-address separators looked for only where they are -----

def test_email_without_a_tag_keeps_its_local_part():
    assert email("ops.team@acme.example").value == "ops.team@acme.example"
    assert email("ops.team@yahoo.com").value == "ops.team@yahoo.com"  # no `-`: nothing cut


def test_email_with_tags_still_drops_them():
    assert email("ops+amz@acme.example").value == "ops@acme.example"
    assert email("j.doe+x@googlemail.com").value == "jdoe@gmail.com"
    assert email("base-keyword@yahoo.com").value == "base@yahoo.com"
    assert email("base-keyword@acme.example").value == "base-keyword@acme.example"  # `-` tags are Yahoo's
    assert email("+x@acme.example").value == "+x@acme.example"  # nothing before the +: no mailbox to keep
    assert email("ops@gmail.com").flags == ("free_mail",)
    assert email("ops@acme.example").related == (("email_domain", "acme.example"),)


# ----- phone: digits and separators only have no extension to look for -----

def test_a_phone_of_digits_and_separators_reads_as_before():
    assert phone(" +1 (201) 555-0123 ").value == "+12015550123"
    assert phone("201.555.0123", "US").value == "+12015550123"


@pytest.mark.parametrize("written", ["+1 201 555 0123 ext. 12", "+1 201 555 0123 x12", "+1 201 555 0123#12",
                                     "+1 201 555 0123 分机 12", "+1 201 555 0123;ext=12"])
def test_a_phone_with_an_extension_still_loses_it(written):
    assert phone(written).value == "+12015550123"


# ----- company_tokens: the phrase pattern runs only where a phrase can begin -----

def test_company_phrases_are_still_one_spelling():
    assert company_tokens("Hong Kong Acme Trading Ltd") == company_tokens("Hongkong Acme Trading Ltd")
    assert "hongkong" in company_tokens("Acme Hong Kong Limited")
    assert company_tokens("Acme Import and Export Co., Ltd.") == company_tokens("Acme Imp & Exp Co Ltd")


def test_a_synonym_of_two_words_is_two_words():
    # `jinchukou` is `import export`: two words, even where no phrase is found
    assert company_tokens("Acme Jinchukou Co Ltd") == ["acme", "import", "export"]
    assert company_tokens("Acme") == ["acme"]
    assert company_tokens("Acme Trading") == ["acme", "trading"]


# ----- blocking: what each word allows is remembered by word -----

def test_blocking_gives_the_same_keys_the_second_time_and_for_each_minimum():
    generic = frozenset({"trading"})
    first = blocking(["acme", "trading", "li", "深圳", "12"], generic)
    assert first == blocking(["acme", "trading", "li", "深圳", "12"], generic)
    assert "li" not in first and "深圳" in first and "12" not in first
    assert "li" in blocking(["acme", "trading", "li"], generic, min_length=2)  # another minimum, its own answer
    assert "li" not in blocking(["acme", "trading", "li"], generic)
    assert "acme" not in blocking(["acme"], frozenset({"acme"}))  # generic words are asked each time


def test_blocking_forgets_its_words_when_it_holds_too_many(monkeypatch):
    monkeypatch.setattr(text, "_CUTS", {3: {f"w{i}": 2 for i in range(100_001)}})
    assert blocking(["acme"], frozenset()) == ("acme", "ac*", "*me")
    assert text._CUTS[3] == {"acme": 2}


# ----- person._is_pinyin: a loop in place of any() -----

def _is_pinyin_as_before(word: str, depth: int = 0) -> bool:
    if word in person._syllables():
        return True
    if depth == 2:
        return False
    return any(word[:i] in person._syllables() and _is_pinyin_as_before(word[i:], depth + 1)
               for i in range(1, min(len(word), 6)))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aeiouhgnzxwy", max_size=16))
def test_is_pinyin_is_what_it_was(word):
    assert person._is_pinyin(word) == _is_pinyin_as_before(word)


def test_is_pinyin_on_names():
    for word in ("wei", "xiuying", "zhangwei", "pengyuan", "lihegehe", "panda", "acme", ""):
        assert person._is_pinyin(word) == _is_pinyin_as_before(word), word


# ----- parse_batch: each marketplace's region looked up once a batch -----

def test_parse_batch_reads_each_record_in_its_own_region():
    records = [
        ProfileRecord("f:1", "shop-1", "amazon.com", values=(RawValue("phone", "201 555 0123"),)),
        ProfileRecord("f:2", "shop-2", "amazon.de", values=(RawValue("phone", "030 901820"),)),
        ProfileRecord("f:3", "shop-3", None, values=(RawValue("phone", "201 555 0123"),)),
        ProfileRecord("f:4", "shop-4", ["not", "text"], values=(RawValue("phone", "201 555 0123"),)),
        ProfileRecord("f:5", "shop-5", "amazon.com", values=(RawValue("phone", "201 555 0124"),)),
    ]
    for region, default in ((None, None), (None, "GB"), ("FR", None)):
        answers = parse_batch(records, region, default)
        expected = {}
        for record in records:
            where = _where(record, region, default)
            for raw in record.values:
                try:
                    expected[(raw[0], raw[1], where)] = kinds.parse_tuple(raw[0], raw[1], where)
                except InvalidValue:
                    pass
        assert answers == expected
    assert parse_batch(records, None, None)[("phone", "201 555 0123", "US")][0] == "+12015550123"


# ----- network: a MAC as canonically written, and IPv6 text without ipaddress -----

def test_a_mac_written_canonically_is_itself_and_others_are_read_as_before():
    from linkcheck.normalize import mac

    assert mac("3c:22:fb:12:34:56") == mac("3C-22-FB-12-34-56") == mac("3c22.fb12.3456")
    assert mac("3c:22:fb:12:34:56").value == "3c:22:fb:12:34:56"
    assert mac("3C:22:FB:12:34:56").value == "3c:22:fb:12:34:56"  # upper case: folded first
    assert mac("00:50:56:12:34:56").flags == ("vm_vendor:VMware",)
    assert mac("01:00:5e:00:00:01").identifying is False
    for bad, reason in (("00:00:00:00:00:00", "all-zero"), ("ff:ff:ff:ff:ff:ff", "broadcast"),
                        ("3c:22:fb:12:34:5g", "not a MAC")):
        with pytest.raises(Rejected, match=reason):
            mac(bad)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from([0, 0, 0, 1, 0x10, 0xABC, 0xFFFF]) | st.integers(0, 0xFFFF), min_size=8, max_size=8))
def test_ipv6_text_is_what_ipaddress_prints(hextets):
    import ipaddress

    from linkcheck.normalize import ipv6_text

    number = 0
    for hextet in hextets:
        number = number << 16 | hextet
    assert ipv6_text(number) == str(ipaddress.IPv6Address(number))


def test_ipv6_text_compresses_the_first_longest_run_at_either_end():
    from linkcheck.normalize import ipv6_text

    assert ipv6_text(0) == "::"
    assert ipv6_text(1) == "::1"
    assert ipv6_text(1 << 112) == "1::"
    assert ipv6_text(0x20010DB8000000010000000000000010) == "2001:db8:0:1::10"  # one zero alone stays
    assert ipv6_text(0x00010000000000010000000000000001) == "1:0:0:1::1"  # the longer run
    assert ipv6_text(0x00010000000000010000000000010001) == "1::1:0:0:1:1"  # the first of two equal runs
