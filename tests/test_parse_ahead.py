"""Values parsed ahead in a second process (importers/ahead.py) change nothing an import does."""

from __future__ import annotations

import sys

import pytest

from conftest import PASSPHRASE, write_json
from linkcheck import accounts
from linkcheck.importers import ProfileRecord, RawValue
from linkcheck.importers.ahead import ParseAhead, parse_record
from linkcheck.registry import kinds
from linkcheck.store.sqlite import Store, create

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child is forked on Linux only")

RECORDS = [
    ProfileRecord("f:1", "us-shop", "amazon.com", values=(
        RawValue("phone", "(201) 555-0123"), RawValue("email", "Ops@Acme.example"), RawValue("ip", "203.0.113.7"),
    )),
    ProfileRecord("f:2", "de-shop", "amazon.de", values=(
        RawValue("phone", "030 1234567"), RawValue("card", "4111 1111 1111 1112"),  # fails Luhn: not answered
        RawValue("email", ["not", "text"]),
    )),
    ProfileRecord("f:3", "bare", None, values=(RawValue("company_name", "Acme Trading Co., Ltd."),)),
]


def test_each_answer_is_what_parse_value_gives_in_that_region():
    for record in RECORDS:
        answers = parse_record(record, None, "GB")
        for (kind, value, region), answer in answers.items():
            assert answer == kinds.parse_value(kind, value, region=region).as_tuple()
    us = parse_record(RECORDS[0], None, None)
    assert set(us) == {("phone", "(201) 555-0123", "US"), ("email", "Ops@Acme.example", "US"),
                       ("ip", "203.0.113.7", "US")}
    de = parse_record(RECORDS[1], None, None)
    assert set(de) == {("phone", "030 1234567", "DE")}  # the bad card and the list are left to the import
    assert set(parse_record(RECORDS[2], None, "CN")) == {("company_name", "Acme Trading Co., Ltd.", "CN")}
    assert set(parse_record(RECORDS[0], "CA", None)) == {(k, v, "CA") for k, v, _ in us}  # --region wins


@linux_only
def test_the_child_answers_record_by_record_in_order():
    ahead = ParseAhead(lambda: iter(RECORDS), None, None)
    try:
        got = [ahead.next() for _ in RECORDS]
        assert got == [parse_record(r, None, None) for r in RECORDS]
        assert ahead.next() is None  # past the end: the import parses anything more itself
    finally:
        ahead.close()


@linux_only
def test_a_child_that_fails_leaves_every_value_to_the_import():
    def broken():
        yield RECORDS[0]
        raise RuntimeError("unreadable file")

    ahead = ParseAhead(broken, None, None)
    try:
        assert [ahead.next() for _ in range(3)] == [None, None, None]
    finally:
        ahead.close()


def _imported(tmp_path, name: str, reread: bool, records: list) -> list:
    path = tmp_path / name
    create(path, PASSPHRASE)
    with Store.open(path, PASSPHRASE, write=True) as st:
        # An existing account without the file's marketplace: the child guesses its region wrong.
        accounts.import_records(st, [ProfileRecord("f:0", "bare", "amazon.co.jp")], region=None)
        result = accounts.import_records(
            st, iter(records), default_region="GB", skip_invalid=True, reread=(lambda: iter(records)) if reread else None
        )
    with Store.open(path, PASSPHRASE) as st:
        return [result, [(p.account, [a._replace(first_seen=0, last_seen=0) for a in p.attributes]) for p in st.profiles()]]


def test_an_import_with_values_parsed_ahead_is_the_import_without(tmp_path):
    records = [*RECORDS, ProfileRecord("f:4", "bare", None, values=(RawValue("phone", "03-1234-5678"),))]
    with_child = _imported(tmp_path, "a.db", True, records)
    without = _imported(tmp_path, "b.db", False, records)
    assert with_child[1] == without[1]
    assert with_child[0].skipped == without[0].skipped and len(with_child[0].skipped) == 2
    assert (with_child[0].accounts_created, with_child[0].values_added) == (1, 5)  # de-shop skipped whole
    phones = [a.normalized for acc, attrs in with_child[1] for a in attrs if acc.name == "bare" and a.kind == "phone"]
    assert phones == ["+81312345678"]  # read as Japanese (the account's marketplace), not as the child guessed


def test_the_cli_import_stores_what_parse_value_gives(cli, store, tmp_path):
    data = [{"account": f"shop-{i}", "marketplace": "amazon.com", "attributes": {
        "phone": [f"(201) 555-{i:04d}"], "email": [f"ops{i}@shop.example"], "company_name": ["Acme Trading Co"]}}
        for i in range(300)]
    result = cli("import", str(write_json(tmp_path / "a.json", data)))
    assert result.exit_code == 0, result.output
    assert "Imported 300 new account(s), updated 0, added 900 value(s)." in result.output
    with Store.open(store, PASSPHRASE) as st:
        profiles = st.profiles()
    assert len(profiles) == 300
    for profile in profiles:
        for a in profile.attributes:
            parsed = kinds.parse_value(a.kind, a.value, region="US")
            assert (a.normalized, a.keys, a.flags) == parsed.as_tuple()
