"""The twelfth session's import (issue 17): a new account's row made in one pass
(`keyindex.row_bytes`, `Store.new_row_content`) is the row `row_content` makes; the row maker
(`accounts.NewAccountRows`) checks a row's marketplace and status once and gives what it gave;
and the importing process makes the rows of the batches it parses itself with the same maker,
so an import is what it was -- the same accounts, the same problems, nothing written when a
row in the middle of a batch is refused."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PASSPHRASE
from linkcheck import accounts
from linkcheck.crypto.aead import Keyring
from linkcheck.errors import ImportErrors, InvalidInput
from linkcheck.importers import ProfileRecord, RawValue
from linkcheck.importers import ahead as ahead_module
from linkcheck.importers.ahead import parse_batch
from linkcheck.models import Account, Attribute, Profile
from linkcheck.store import Store, codec
from linkcheck.store.keyindex import index_blob, row_bytes
from linkcheck.store.sqlite import create

from test_import_speedups10 import _ACCOUNTS, _TEXT, _attributes

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child is forked on Linux only")
_KEYS = Keyring(bytes(32))


def _as_before(profile: Profile):
    """(body, index) as `Store.row_content` makes them (format 3), or what it raises."""
    try:
        n_exact = [codec._exact_key_count(a.keys) for a in profile.attributes]
        return (codec._encode_profile(profile, n_exact, 3),
                index_blob(profile, _KEYS.index_tag, n_exact, tags=_KEYS.index_tags))
    except (InvalidInput, ValueError) as exc:
        return ("refused", type(exc))


@settings(max_examples=500, deadline=None)
@given(_ACCOUNTS, st.lists(_attributes(), max_size=6))
def test_a_row_in_one_pass_is_the_row_made_before(account, attrs):
    profile = Profile(account, tuple(attrs))
    made = row_bytes(profile, _KEYS.index_tags)
    if made is not None:  # (None: not plain -- the caller makes it the usual way)
        assert made == _as_before(profile)


_PLAIN_KEY = st.one_of(_TEXT.map(lambda t: "email:" + t), _TEXT.map(lambda t: "~company_name:" + t))


@settings(max_examples=300, deadline=None)
@given(_ACCOUNTS, st.lists(st.tuples(_TEXT, _TEXT, st.lists(_PLAIN_KEY, max_size=4),
                                     st.lists(_TEXT, max_size=2)), max_size=6))
def test_a_plain_row_is_made_in_one_pass(account, specs):
    """Values as an import makes them (int dates, no periods, blocking keys last): made in one
    pass unless their text is not UTF-8 or holds a NUL where the index keeps it."""
    attrs = tuple(Attribute(kind, text, text, tuple(sorted(keys, key=lambda k: k.startswith("~"))), "import",
                            1_790_000_000, 1_790_000_000, None, tuple(flags))
                  for kind, text, keys, flags in specs)
    profile = Profile(account, attrs)
    made = row_bytes(profile, _KEYS.index_tags)
    before = _as_before(profile)
    if made is None:
        texts = [account.name, account.marketplace, account.note or "", *(t for s in specs for t in (s[0], s[1], *s[2], *s[3]))]
        assert before[0] == "refused" or any("\x00" in s[0] + s[1] for s in specs) or any(
            "\ud800" <= ch <= "\udfff" for t in texts for ch in t)
    else:
        assert made == before


def test_a_row_that_is_not_plain_is_left_to_the_usual_way():
    attr = accounts.make_attribute("email", "ops@acme.example", when=1_790_000_000)
    account = Account("shop-1", "amazon.com")
    assert row_bytes(Profile(account, (attr,)), _KEYS.index_tags) == _as_before(Profile(account, (attr,)))
    with_period = attr._replace(periods=((1_700_000_000, None, None),))
    float_date = attr._replace(first_seen=1.5)
    out_of_order = attr._replace(keys=("~email:x", "email:y", "~email:z"))
    too_many = attr._replace(keys=tuple(f"email:{i}" for i in range(256)))
    nul = Attribute("company_name", "a\x00b", "a\x00b", ("company_name:ab", "~company_name:a"), "import", 1, 1)
    surrogate = attr._replace(value="\ud800")
    for odd in (with_period, float_date, out_of_order, too_many, nul, surrogate):
        assert row_bytes(Profile(account, (attr, odd)), _KEYS.index_tags) is None


def test_new_row_content_is_row_content(tmp_path):
    path = tmp_path / "s.db"
    create(path, PASSPHRASE)
    values = {"email": "Ops@Acme.example", "phone": "+1 415 555 0101", "company_name": "Shenzhen Zorbex Trading Co., Ltd.",
              "address": "Room 5, 1 Zorbex Road, Shenzhen", "ip": "2001:db8::5", "legal_representative": "张伟"}
    attrs = tuple(accounts.make_attribute(kind, value, region="US", when=1_790_000_000) for kind, value in values.items())
    profile = Profile(Account("shop-1", "amazon.com", "active", None, 1, 2, legal_name_en="Zorbex"), attrs)
    periods = Profile(profile.account, (attrs[0]._replace(periods=((1_700_000_000, None, None),)), *attrs[1:]))
    with Store.open(path, PASSPHRASE, write=True) as store:
        for p in (profile, periods):
            assert store.new_row_content(p) == store.row_content(p)


# ----- the row maker's fields --------------------------------------------------------------------


def _maker_rows(tmp_path, records):
    path = tmp_path / "m.db"
    create(path, PASSPHRASE)
    with Store.open(path, PASSPHRASE, write=True) as store:
        maker = accounts.NewAccountRows(store, 1_790_000_000, None, None)
        answers = parse_batch(records, None, None)
        return [maker(record, answers) for record in records], store


def test_the_maker_checks_marketplace_and_status_once_and_as_before(tmp_path, monkeypatch):
    email = (RawValue("email", "ops@shop.example"),)
    records = [ProfileRecord(f"f:{i}", f"shop-{i}", market, status, values=email)
               for i, (market, status) in enumerate([
                   ("amazon.com", "Active"), ("amazon.com", "已停用"), ("amazon.com", None), ("amazon.com", "bogus"),
                   ("amazon.con", None), ("amazon.com\x01", None), ("  ", None), ("amazon.com", "Active"),
                   ("amazon.com", ["a list"]), (None, "closed")])]
    checks = []
    check_status = accounts.check_status
    monkeypatch.setattr(accounts, "check_status", lambda s: checks.append(s) or check_status(s))
    rows, _store = _maker_rows(tmp_path, records)
    made = {r.origin: row for r, row in zip(records, rows, strict=True)}
    # Refused or warned about: left to the importing process, which says so.
    assert made["f:3"] is made["f:4"] is made["f:5"] is made["f:8"] is None
    assert [made[f"f:{i}"][1] for i in (0, 1, 2, 6, 7, 9)] == ["amazon.com", "amazon.com", "amazon.com", None,
                                                              "amazon.com", None]
    assert checks.count("Active") == 1  # (two rows, one check)
    for i, status in ((0, "active"), (1, "suspended"), (2, "active"), (9, "closed")):
        body = made[f"f:{i}"][3]
        assert codec._decode_profile(body).account.status == status


def test_the_maker_merges_a_value_given_twice_as_the_merge_does(tmp_path):
    record = ProfileRecord("f:1", "shop-1", "amazon.com", values=(
        RawValue("email", "Ops@Shop.example"), RawValue("phone", "(201) 555-0100"), RawValue("email", "ops@shop.example")))
    (row,), store = _maker_rows(tmp_path, [record])
    assert row is not None and row[2] == 2  # two values added: the email once
    profile = codec._decode_profile(row[3])
    assert [(a.kind, a.value) for a in profile.attributes] == [("email", "Ops@Shop.example"), ("phone", "(201) 555-0100")]


# ----- the importing process makes the rows of the batches it parses ----------------------------


def _shops(count: int, start: int = 0) -> list[ProfileRecord]:
    return [ProfileRecord(f"f:{i}", f"shop-{i}", "amazon.com", values=(
        RawValue("phone", f"(201) 555-{i:04d}"), RawValue("email", f"ops{i}@shop.example")))
        for i in range(start, start + count)]


def _noted(names: list[str], row):
    if row is not None:
        names.append(row[0])
    return row


@linux_only
def test_the_importing_process_makes_the_rows_of_the_batches_it_parses(tmp_path, monkeypatch):
    """Every batch left to the importing process: its new accounts still go as rows made by the
    maker (`put_new_row`), the same store as an import without the child."""
    monkeypatch.setattr(ahead_module, "_leave_unparsed", lambda unparsed, begun: True)
    monkeypatch.setattr(accounts, "now", lambda: 1_790_000_000)
    records = [*_shops(150), ProfileRecord("f:again", "shop-3", "amazon.com", values=(RawValue("email", "b@shop.example"),)),
               *_shops(100, 150)]
    stores = {}
    made_here: list[str] = []  # (the child appends to its own copy)
    make = accounts.NewAccountRows.__call__
    monkeypatch.setattr(accounts.NewAccountRows, "__call__",
                        lambda self, record, answers: _noted(made_here, make(self, record, answers)))
    written: list[str] = []
    put_new_row = Store.put_new_row
    monkeypatch.setattr(Store, "put_new_row", lambda self, *row: written.append(row[0]) or put_new_row(self, *row))
    for reread in (True, False):
        written.clear()
        path = tmp_path / f"{reread}.db"
        create(path, PASSPHRASE)
        with Store.open(path, PASSPHRASE, write=True) as st_:
            result = accounts.import_records(st_, iter(records), reread=(lambda: iter(records)) if reread else None)
        with Store.open(path, PASSPHRASE) as st_:
            stores[reread] = result, st_.profiles()
        if reread:  # the first two batches' new accounts made here (the child parses the last one, 51 records)
            assert made_here == [f"shop-{i}" for i in range(199)]
        # Every new account written as a row made ahead (without the child: none, `put_profile`).
        assert written == ([f"shop-{i}" for i in range(250)] if reread else [])
    assert stores[True] == stores[False]
    result, profiles = stores[True]
    assert (result.accounts_created, result.accounts_updated, result.values_added) == (250, 0, 501)
    assert [a.normalized for a in next(p for p in profiles if p.name == "shop-3").attributes][-1] == "b@shop.example"


@linux_only
@pytest.mark.parametrize("leave", [True, False], ids=["batches parsed here", "batches parsed by the child"])
def test_a_bad_row_in_the_middle_of_a_batch_is_reported_and_nothing_is_written(tmp_path, monkeypatch, leave):
    monkeypatch.setattr(ahead_module, "_leave_unparsed", lambda unparsed, begun: leave)
    bad = ProfileRecord("f:bad", "shop-bad", "amazon.com", values=(RawValue("card", "4111 1111 1111 1112"),))
    records = [*_shops(50), bad, *_shops(200, 50)]
    path = tmp_path / "s.db"
    create(path, PASSPHRASE)
    with pytest.raises(ImportErrors) as caught:
        with Store.open(path, PASSPHRASE, write=True) as st_:  # (the command's transaction: rolled back)
            accounts.import_records(st_, iter(records), reread=lambda: iter(records))
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("f:bad: account 'shop-bad': card ")
    with Store.open(path, PASSPHRASE) as st_:
        assert st_.profiles() == []
