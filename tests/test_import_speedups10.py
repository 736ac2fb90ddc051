"""The faster forms of the tenth session's import (issue 17) give exactly what the forms they
replace give: an account row's lines written by orjson, the key index of values without
blocking keys, a new account row's id known before it is written."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PASSPHRASE
from linkcheck import accounts
from linkcheck.crypto.aead import Keyring
from linkcheck.errors import InvalidInput
from linkcheck.models import Account, Attribute, Profile
from linkcheck.store import Store, codec
from linkcheck.store.keyindex import _TEXT_SEPARATOR, index_blob

# Text as values arrive (ASCII, accents, CJK, emoji), with what JSON must escape (quotes,
# backslashes, every control character) and what it must not (DEL, U+2028), and lone
# surrogates (text no UTF-8 can hold: the row is refused either way).
_TEXT = st.one_of(
    st.text(max_size=12),
    st.text(alphabet='aZ09 "\\/\x00\x01\x08\x09\x0a\x0c\x0d\x1f\x7f\u00e9\u2028\u4e2d\U0001f600', max_size=12),
    st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=4),
)
_KEY = st.one_of(_TEXT.map(lambda t: "email:" + t), _TEXT.map(lambda t: "~company_name:" + t))
_DATE = st.one_of(st.integers(0, 253_402_300_799), st.integers(-(2**70), 2**70), st.just(1.5),
                  st.floats(allow_nan=True), st.just(True))
_PERIOD = st.tuples(st.integers(0, 2_000_000_000), st.one_of(st.none(), st.integers(0, 2_000_000_000)),
                    st.one_of(st.none(), _TEXT))


@st.composite
def _attributes(draw) -> Attribute:
    keys = draw(st.lists(_KEY, max_size=5))
    keys = sorted(keys, key=lambda k: k.startswith("~"))  # blocking keys last, as the kinds put them
    return Attribute(draw(_TEXT), draw(_TEXT), draw(_TEXT), tuple(keys), draw(st.sampled_from(["import", "manual"])),
                     draw(_DATE), draw(_DATE), draw(st.one_of(st.none(), _TEXT)),
                     tuple(draw(st.lists(_TEXT, max_size=2))),
                     tuple(draw(st.lists(_PERIOD, max_size=2))))


_ACCOUNTS = st.builds(
    Account, _TEXT, _TEXT, st.sampled_from(["active", "suspended"]), st.one_of(st.none(), _TEXT),
    st.integers(0, 2**40), st.integers(0, 2**40), st.one_of(st.none(), _TEXT), st.one_of(st.none(), _TEXT))


def _body(encode, profile: Profile, n_exact: list[int]):
    try:
        return encode(profile, n_exact)
    except InvalidInput as exc:
        return ("refused", exc.message)


@settings(max_examples=500, deadline=None)
@given(_ACCOUNTS, st.lists(_attributes(), max_size=6))
def test_the_row_s_lines_by_orjson_are_the_standard_encoder_s(account, attrs):
    profile = Profile(account, tuple(attrs))
    n_exact = [codec._exact_key_count(a.keys) for a in attrs]
    plain = _body(lambda p, n: codec._utf8_or_invalid(lambda: codec._profile_lines(p, n, 3), "row"), profile, n_exact)
    fast = _body(lambda p, n: codec._utf8_or_invalid(lambda: codec._profile_body(p, n, 3), "row"), profile, n_exact)
    assert fast == plain


def test_the_row_s_lines_by_orjson_on_imported_values():
    from linkcheck.registry import kinds

    values = {"email": ["Ops@Acme.example"], "phone": ["+1 415 555 0101"], "company_name": ["Shenzhen Zorbex Trading Co., Ltd."],
              "address": ["Room 5, 1 Zorbex Road, Shenzhen"], "ip": ["2001:db8::5", "192.0.2.7"],
              "legal_representative": ["张伟"], "note": []}
    attrs = tuple(accounts.make_attribute(kind, value, region="US", when=1_790_000_000, note='a "note"\n')
                  for kind, vs in values.items() if kind in kinds.KINDS for value in vs)
    profile = Profile(Account("shop-1", "amazon.com", "active", None, 1, 2, legal_name_en="Zorbex"), attrs)
    n_exact = [codec._exact_key_count(a.keys) for a in attrs]
    assert any(n < len(a.keys) for n, a in zip(n_exact, attrs, strict=True))
    assert codec._profile_body(profile, n_exact) == codec._profile_lines(profile, n_exact, 3)
    assert codec._profile_body(profile, n_exact, 2) == codec._profile_lines(profile, n_exact, 2)


def test_a_value_with_blocking_keys_only_is_in_order():
    """(Before, two or more blocking keys and no exact one were refused as out of order.)"""
    assert codec._exact_key_count(("~a:x", "~a:y")) == 0
    assert codec._exact_key_count(("~a:x", "~a:y", "~a:z")) == 0
    with pytest.raises(ValueError, match="out of order"):
        codec._exact_key_count(("~a:x", "a:1", "~a:y"))


def test_without_orjson_the_row_is_written_the_standard_way(monkeypatch):
    attr = accounts.make_attribute("email", "ops@acme.example", when=1)
    profile = Profile(Account("a"), (attr,))
    expected = codec._profile_lines(profile, [1], 3)
    monkeypatch.setattr(codec, "_ORJSON_LINE", False)
    assert codec._profile_body(profile, [1]) == expected


def _index_blob_as_before(profile: Profile, tag, n_exact: list[int]) -> bytes:
    """`keyindex.index_blob` as the ninth session wrote it (every value's keys sliced in two)."""
    exact_counts, block_counts = bytearray(), bytearray()
    exact_keys: list[str] = []
    block_keys: list[str] = []
    texts = []
    for attr, split in zip(profile.attributes, n_exact, strict=True):
        exact, blocking = attr.keys[:split], attr.keys[split:]
        if len(exact) > 255 or len(blocking) > 255:
            raise InvalidInput("too many")
        exact_counts.append(len(exact))
        block_counts.append(len(blocking))
        exact_keys.extend(exact)
        if blocking:
            block_keys.extend(blocking)
            if _TEXT_SEPARATOR in attr.kind or _TEXT_SEPARATOR in attr.normalized:
                raise InvalidInput("NUL")
            texts.append(attr.kind)
            texts.append(attr.normalized)
    head = len(profile.attributes).to_bytes(4, "little") + exact_counts + block_counts
    text = _TEXT_SEPARATOR.join(texts).encode("utf-8") if texts else b""
    return b"".join((head, bytes(-len(head) % 8), *map(tag, exact_keys + block_keys), text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["email", "company_name", "a\x00b"]),
                          st.text(alphabet="ab\x00é", max_size=4),
                          st.integers(0, 300), st.integers(0, 3)), max_size=6))
def test_the_key_index_is_as_before(specs):
    keys = Keyring(bytes(32))
    attrs = tuple(Attribute(kind, text, text, tuple(f"{kind}:{i}" for i in range(n)) + tuple(f"~{kind}:{i}" for i in range(b)))
                  for kind, text, n, b in specs)
    profile = Profile(Account("a"), attrs)
    n_exact = [codec._exact_key_count(a.keys) for a in attrs]

    def outcome(make):
        try:
            return make()
        except InvalidInput:
            return "refused"

    assert outcome(lambda: index_blob(profile, keys.index_tag, n_exact, tags=keys.index_tags)) == outcome(
        lambda: _index_blob_as_before(profile, keys.index_tag, n_exact))


# ----- a new account row's id --------------------------------------------------------------------


def _ids(path) -> tuple[list[int], int]:
    with sqlite3.connect(path) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM accounts ORDER BY id")]
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'accounts'").fetchone()[0]
    return ids, seq


def _profile(name: str) -> Profile:
    return Profile(Account(name), (accounts.make_attribute("email", f"{name}@shop.example", when=1),))


def test_new_rows_take_the_ids_autoincrement_gives(store, store_path):
    """Never an id used before (a removed account's, in this transaction or an earlier one), one
    more than the largest ever; updates and new rows in any order; across transactions."""
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        st.put_profile(_profile("a"))
        body, index = st.row_content(_profile("b"))
        st.put_new_row("b", body, index)
        st.put_profile(_profile("c"))
        st.remove_account("c")
        st.put_profile(_profile("a"))  # an update: no new id
        st.put_profile(_profile("d"))
    assert _ids(store_path) == ([1, 2, 4], 4)
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        st.remove_account("d")
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        body, index = st.row_content(_profile("e"))
        st.put_new_row("e", body, index)
        st.put_profile(_profile("f"))
    assert _ids(store_path) == ([1, 2, 5, 6], 6)
    with Store.open(store_path, PASSPHRASE) as st:  # every row verifies (ids in the sealed AD, the manifest)
        assert [p.account.name for p in map(st.profile, "abef")] == list("abef")


def test_a_new_row_refused_by_sqlite_uses_no_id(store, store_path):
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        st.put_profile(_profile("a"))
        tag = st._keys.name_tag("a")
        with pytest.raises(sqlite3.IntegrityError):
            st._put_row(tag, None, b"x", b"y")  # the name is on file: UNIQUE refuses the row
        st.put_profile(_profile("b"))
    assert _ids(store_path) == ([1, 2], 2)


def test_an_identity_without_legal_names_adds_no_company_name():
    known = [accounts.make_attribute("company_name", "Zorbex Trading Ltd", when=1)]
    assert accounts.legal_name_attributes({"display_name": "Zorbex"}, known=known) == []
    assert accounts.legal_name_attributes({"legal_name_en": 5}, known=known) == []
    added = accounts.legal_name_attributes({"legal_name_en": "Quorvane Ltd"}, known=known, when=1)
    assert [a.normalized for a in added] == [accounts.make_attribute("company_name", "Quorvane Ltd").normalized]
    assert accounts.legal_name_attributes({"legal_name_en": "Zorbex Trading Ltd"}, known=known) == []


def _file_of_as_before(origin: str) -> str:
    import re

    from linkcheck.i18n import translate

    found = re.fullmatch(r"(.*)\[\d+\]", origin)
    if found:
        return found.group(1)
    template = re.escape(translate("{file} row {row}")).replace(r"\{file\}", "(.*)").replace(r"\{row\}", r"\d+")
    found = re.fullmatch(template, origin)
    return found.group(1) if found else origin


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab.[]0189\u0663\uff11 \n\rrow", max_size=16))
def test_the_file_an_origin_names_is_as_before(origin):
    assert accounts._file_of(origin) == _file_of_as_before(origin)


def test_the_file_an_origin_names():
    for origin, file in (("profiles.json[2]", "profiles.json"), ("a[1]b[20]", "a[1]b"), ("x.json", "x.json"),
                         ("stores.csv row 3", "stores.csv"), ("a[1]]", "a[1]]"), ("[7]", ""), ("a\nb[1]", "a\nb[1]")):
        assert accounts._file_of(origin) == file == _file_of_as_before(origin)
