"""The seventeenth session's import (issue 17): the row maker (`accounts.NewAccountRows`)
builds a plain record's attributes, the company's country, the mistyped values and the bank
numbers in one pass (`_plain_attributes`), and leaves every other record to the steps one by
one -- so each row it makes, or leaves to the importing process, is what it was."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSPHRASE
from linkcheck import accounts
from linkcheck.importers import ProfileRecord, RawValue
from linkcheck.importers.ahead import parse_batch
from linkcheck.models import Attribute
from linkcheck.store import Store, codec
from linkcheck.store.sqlite import create

# Values that take each way through the maker: a number read again in the company's country
# and replaced (a German address and 40303265045 or 136695976 on amazon.com) or not (a Chinese
# company and a 15-character number: the bench's), a phone without its country code (a region
# warning, or none), mistyped numbers, a bank number of digits, a value given twice, values the
# kinds refuse, an unknown kind, a value that is not text.
_VALUES = [
    ("email", "ops@shop.example"), ("email", "Ops@Shop.example"), ("email", "not an email"),
    ("phone", "+1 201 555 0100"), ("phone", "(201) 555-0100"), ("phone", "130 1234 5678"), ("phone", "+86 130 1234 5678"),
    ("registration_number", "40303265045"), ("registration_number", "136695976"),
    ("registration_number", "91440000000000X"), ("registration_number", "91440300MA5GPY7K39"),
    ("registration_number", "91440300MA5F0ACME1"), ("registration_number", "12"), ("tax_id", "40303265045"),
    ("tax_id", "DE 123 456 789"),
    ("address", "1 Main Street, Berlin, Germany"), ("address", "1 High Street, London, United Kingdom"),
    ("address", "Room 100, 1 Lihegehe Road, Shenzhen"), ("address", "广东省深圳市南山区科技园1号"),
    ("company_name", "Shenzhen Lihegehe Trading Co., Ltd."), ("company_name", "深圳市星辰贸易有限公司"),
    ("company_name", "Berlin Kebamumi Toys GmbH"), ("company_name", "Acme Widgets LLC"),
    ("bank_account", "000000000001"), ("bank_account", "DE89370400440532013000"), ("card", "4000000000000002"),
    ("card", "4000000000000001"), ("id_number", "11010519491231002"), ("ip", "192.0.2.1"), ("brand", "LihegeheTrading"),
    ("supplier", "Acme Soranujo Factory"), ("category", "Home & Kitchen"), ("bogus_kind", "x"),
]


@st.composite
def _raw_values(draw) -> RawValue:
    kind, value = draw(st.sampled_from(_VALUES))
    if draw(st.integers(0, 19)) == 0:
        value = ["not", "text"]  # type: ignore[assignment]
    if draw(st.integers(0, 9)) == 0:  # metadata of its own
        return RawValue(kind, value, note=draw(st.sampled_from([None, "a note"])), source=draw(st.sampled_from([None, "manual"])),
                        first_seen=draw(st.sampled_from([None, 1_700_000_000])))
    return RawValue(kind, value)


_RECORDS = st.lists(
    st.builds(lambda values, market, identity, name: ProfileRecord(
                  "f.json[0]", name, market, None, values=tuple(values), identity=identity),
              st.lists(_raw_values(), max_size=8),
              st.sampled_from(["amazon.com", "amazon.de", "amazon.cn", None]),
              st.sampled_from([(), (("legal_name_en", "Shenzhen Lihegehe Trading Co., Ltd."),)]),
              st.sampled_from(["shop-1", "shop-2", "shop-3"])),
    min_size=1, max_size=4)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("s17") / "s.db"
    create(path, PASSPHRASE)
    with Store.open(path, PASSPHRASE, write=True) as opened:
        yield opened


def _made(store, records, answers, *, one_pass: bool, strict: bool, monkeypatch) -> list:
    with monkeypatch.context() as m:
        if not one_pass:  # the steps one by one, as before this session
            m.setattr(accounts.NewAccountRows, "_plain_attributes", lambda self, *args: None)
        maker = accounts.NewAccountRows(store, 1_790_000_000, None, None, strict)
        return [maker(record, answers) for record in records]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=_RECORDS, drop=st.integers(0, 5), strict=st.booleans())
def test_the_one_pass_makes_the_rows_the_steps_made(store, monkeypatch, records, drop, strict):
    answers = parse_batch(records, None, None)
    if drop:  # an answer the child could not give: the record is left to the usual steps
        answers = {key: answer for n, (key, answer) in enumerate(answers.items()) if n % 6 != drop}
    assert (_made(store, records, answers, one_pass=True, strict=strict, monkeypatch=monkeypatch)
            == _made(store, records, answers, one_pass=False, strict=strict, monkeypatch=monkeypatch))


def test_the_one_pass_makes_the_bench_s_rows_and_the_steps_the_others(store, monkeypatch):
    taken = []
    plain = accounts.NewAccountRows._plain_attributes

    def counted(self, *args):
        made = plain(self, *args)
        taken.append(made is not None)
        return made

    monkeypatch.setattr(accounts.NewAccountRows, "_plain_attributes", counted)

    def record(name, *values):
        return ProfileRecord("f.json[0]", name, "amazon.com", "active", values=tuple(RawValue(k, v) for k, v in values))

    bench = record("a", ("company_name", "Shenzhen Lihegehe Trading Co., Ltd."), ("registration_number", "91440000000000X"),
                   ("address", "Room 100, 1 Lihegehe Road, Shenzhen"), ("phone", "+1 201 555 0000"),
                   ("bank_account", "000000000000"), ("email", "ops@lihegehe0.example"))
    replaced = record("b", ("address", "1 Main Street, Berlin, Germany"), ("registration_number", "40303265045"))
    twice = record("c", ("email", "Ops@Shop.example"), ("email", "ops@shop.example"))
    warned = record("d", ("company_name", "深圳市星辰贸易有限公司"), ("phone", "(201) 555-0100"))
    records = [bench, replaced, twice, warned]
    rows = _made(store, records, parse_batch(records, None, None), one_pass=True, strict=False, monkeypatch=monkeypatch)
    assert taken == [True, False, False, False]
    name, _market, added, body, index, _origin, banks, flagged = rows[0]
    assert (name, added, banks) == ("a", 6, ("000000000000",))
    assert [a.kind for a in flagged] == ["registration_number"]  # (15 characters: mistyped)
    assert (body, index) == store.row_content(codec._decode_profile(body))
    # the German number read again in Germany, as the steps read it
    made = codec._decode_profile(rows[1][3])
    assert [a.normalized for a in made.attributes if a.kind == "registration_number"] == ["DE40303265045"]
    assert rows[2][2] == 1  # the email once
    assert rows[3] is None  # the phone's region said by the importing process


def test_in_company_country_replaces_as_before():
    attrs = [Attribute("address", "1 Main Street, Berlin, Germany", "x", ()),
             Attribute("registration_number", "40303265045", "40303265045", ("registration_number:40303265045",)),
             Attribute("tax_id", "136695976", "US136695976", ("tax_id:US136695976",), flags=("country:US",))]
    out = accounts.in_company_country(attrs)
    assert out is not attrs and attrs[1].normalized == "40303265045"  # (the list given is left as it was)
    assert [a.normalized for a in out[1:]] == ["DE40303265045", "DE136695976"]
    assert all("country:DE" in a.flags for a in out[1:]) and out[0] is attrs[0]
    kept = attrs[:1] + [attrs[1]._replace(value="91440000000000X", normalized="91440000000000X")]
    assert accounts.in_company_country(kept) == kept
