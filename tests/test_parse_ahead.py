"""Values parsed ahead in a second process (importers/ahead.py) change nothing an import does."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace

import pytest

from conftest import PASSPHRASE, write_json
from linkcheck import accounts
from linkcheck.importers import ProfileRecord, RawValue
from linkcheck.importers import ahead as ahead_module
from linkcheck.importers.ahead import ParseAhead, parse_batch, parse_record
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


def test_a_batch_is_parsed_kind_by_kind_with_the_same_answers():
    batch = parse_batch(RECORDS, None, "GB")
    assert batch == {key: answer for r in RECORDS for key, answer in parse_record(r, None, "GB").items()}
    cache: dict = {}
    assert parse_batch(RECORDS, None, "GB", cache) == batch and cache == batch
    cache[("email", "Ops@Acme.example", "US")] = ("cached", (), ())  # a value seen again is taken from the cache
    assert parse_batch(RECORDS[:1], None, None, cache)[("email", "Ops@Acme.example", "US")] == ("cached", (), ())


def _shops(count: int) -> list[ProfileRecord]:
    return [ProfileRecord(f"f:{i}", f"shop-{i}", "amazon.com", values=(RawValue("phone", f"(201) 555-{i:04d}"),))
            for i in range(count)]


def _not_read_again():
    raise AssertionError("the importing process read the files again")
    yield  # a generator


def _read_ahead(monkeypatch, records):
    """Every (record, answers) of RECORDS through ParseAhead, and the batches this process parsed
    itself (the child counts its own, in its own memory)."""
    ahead = ParseAhead(lambda: iter(records), None, None)
    parsed_here: list[int] = []
    parse_batch = ahead_module.parse_batch
    monkeypatch.setattr(ahead_module, "parse_batch", lambda *args: parsed_here.append(1) or parse_batch(*args))
    try:
        return list(ahead.records(_not_read_again())), parsed_here
    finally:
        ahead.close()


@linux_only
@pytest.mark.parametrize("waited", [False, True], ids=["parsed by the child", "parsed by the importing process"])
def test_the_child_sends_every_record_in_order_with_answers(monkeypatch, waited):
    # Whether the child leaves a batch unparsed depends on what the importing process has
    # begun, so on timing: here it always does, or never.
    monkeypatch.setattr(ahead_module, "_leave_unparsed", lambda unparsed, begun: waited)
    records = _shops(450)  # five batches
    got, parsed_here = _read_ahead(monkeypatch, records)
    assert len(parsed_here) == (4 if waited else 0)  # the last batch is always parsed by the child
    assert [record for record, _answers in got] == records
    for record, answers in got:
        key = ("phone", record.values[0].value, "US")
        assert answers is not None and answers[key] == kinds.parse_value("phone", key[1], region="US").as_tuple()


def test_the_child_keeps_one_unparsed_batch_ahead_of_the_importing_process():
    # (unparsed batches sent, of which begun): the next goes unparsed only when none waits.
    assert ahead_module._leave_unparsed(0, 0)
    assert not ahead_module._leave_unparsed(1, 0)
    assert ahead_module._leave_unparsed(1, 1)
    assert not ahead_module._leave_unparsed(3, 2)


@linux_only
def test_the_importing_process_says_each_unparsed_batch_it_begins(monkeypatch):
    monkeypatch.setattr(ahead_module, "_leave_unparsed", lambda unparsed, begun: unparsed < 3)
    told = []
    tell = ahead_module._tell
    monkeypatch.setattr(ahead_module, "_tell", lambda fd, count: told.append(count) or tell(fd, count))
    records = _shops(550)  # six batches: the first three unparsed
    got, parsed_here = _read_ahead(monkeypatch, records)
    assert len(parsed_here) == 3 and told == [1, 1, 1]
    assert [record for record, _answers in got] == records


@linux_only
def test_the_child_s_outbox_writes_every_batch_in_order_and_says_when_it_cannot():
    import threading

    read_fd, write_fd = os.pipe()
    chunks = [bytes([n % 251]) * (50_000 + n) for n in range(100)]  # 5 MB: the pipe fills, the outbox waits
    got = []
    reader = threading.Thread(target=lambda: got.append(ahead_module._read_exactly(read_fd, sum(map(len, chunks)))))
    reader.start()
    with os.fdopen(write_fd, "wb") as fh:
        outbox = ahead_module._Outbox(fh)
        for chunk in chunks:
            outbox.write(chunk)
        outbox.close()
    reader.join()
    os.close(read_fd)
    assert got == [b"".join(chunks)]

    read_fd, write_fd = os.pipe()
    os.close(read_fd)  # the importing process stopped reading
    fh = os.fdopen(write_fd, "wb")
    outbox = ahead_module._Outbox(fh)
    with pytest.raises(OSError):
        for _n in range(100):
            outbox.write(b"x" * 100_000)
            time.sleep(0.001)
        outbox.close()
    try:
        fh.close()
    except OSError:  # what the thread could not write
        pass


@linux_only
def test_after_a_child_that_fails_the_import_reads_the_rest_itself_and_meets_the_same_error():
    records = _shops(300)

    def broken():
        yield from records[:250]  # two batches of 100 sent, then the reading fails
        raise RuntimeError("unreadable file")

    ahead = ParseAhead(broken, None, None)
    got = []
    try:
        with pytest.raises(RuntimeError, match="unreadable file"):
            for pair in ahead.records(broken()):
                got.append(pair)
    finally:
        ahead.close()
    assert [record for record, _answers in got] == records[:250]
    assert all(answers is not None for _record, answers in got[:200])
    assert all(answers is None for _record, answers in got[200:])  # read and parsed here


def test_without_a_child_every_record_is_read_here(monkeypatch):
    monkeypatch.setattr(ahead_module, "fork_with_pipes", lambda count: None)  # as where there is no fork
    ahead = ParseAhead(_not_read_again, None, None)
    assert list(ahead.records(iter(RECORDS))) == [(record, None) for record in RECORDS]


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
        # Times zeroed: the two imports may run in different seconds.
        return [result, [(replace(p.account, created=0, updated=0), [a._replace(first_seen=0, last_seen=0)
                                                                      for a in p.attributes]) for p in st.profiles()]]


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


# ----- rows of new accounts made in the child (accounts.NewAccountRows) ----------------------

_MIXED = [
    ProfileRecord("f:1", "new-shop", "amazon.com", values=(RawValue("phone", "(201) 555-0100"),
                                                          RawValue("email", "ops@new.example"))),
    ProfileRecord("f:2", "on-file", "amazon.com", values=(RawValue("email", "ops@onfile.example"),)),
    ProfileRecord("f:3", "twice", "amazon.de", values=(RawValue("phone", "030 1234567"),)),
    ProfileRecord("f:4", "twice", "amazon.de", values=(RawValue("email", "ops@twice.example"),)),
    ProfileRecord("f:5", "bad-row", "amazon.com", values=(RawValue("card", "4111 1111 1111 1112"),)),
    ProfileRecord("f:6", "odd-market", "amazon.con", values=(RawValue("email", "ops@odd.example"),)),
    ProfileRecord("f:7", "far-phone", "amazon.de", values=(RawValue("phone", "030 7654321"),
                                                           RawValue("company_name", "Shenzhen Acme Trading Co., Ltd."))),
    ProfileRecord("f:8", "  spaced  ", None, status="SUSPENDED", values=(RawValue("email", "a@spaced.example"),
                                                                         RawValue("email", "A@spaced.example"))),
]


def _rows_store(tmp_path):
    path = tmp_path / "rows.db"
    create(path, PASSPHRASE)
    with Store.open(path, PASSPHRASE, write=True) as st:
        accounts.import_records(st, [ProfileRecord("f:0", "on-file", "amazon.com")])
    return path


def test_the_child_makes_the_rows_of_new_accounts_only(tmp_path):
    path = _rows_store(tmp_path)
    with Store.open(path, PASSPHRASE, write=True) as st:
        rows = accounts.NewAccountRows(st, 1_790_000_000, None, None)
        answers = parse_batch(_MIXED, None, None)
        made = {record.origin: rows(record, answers) for record in _MIXED}
        # New, nothing to report: made, with the row `put_profile` would write.
        assert {origin for origin, row in made.items() if row is not None} == {"f:1", "f:3", "f:8"}
        name, marketplace, added, body, index, origin, banks, mistyped = made["f:8"]
        assert banks == () and mistyped == ()  # (values failing their check digit or length: none)  # its bank account numbers of digits only, for the leading-zeros warning
        assert origin == "f:8"  # said where it came from: one file naming an account twice is warned of
        assert (name, marketplace, added) == ("spaced", None, 1)  # the two spellings merged
        # Left to the importing process: on file, read before, a problem, a warning (marketplace, region).
        assert made["f:2"] is made["f:4"] is made["f:5"] is made["f:6"] is made["f:7"] is None
        profile = replace(accounts.Profile(accounts._new_account("new-shop", "amazon.com", None, None, {}, 1_790_000_000)))
        attrs, _problems = accounts.record_attributes(_MIXED[0], profile.account, None, 1_790_000_000, ahead=answers)
        expected = replace(profile, attributes=tuple(attrs))
        assert made["f:1"] == ("new-shop", "amazon.com", 2, *st.row_content(expected), "f:1", (), ())


def test_a_row_made_ahead_is_sealed_and_written_as_put_profile_writes_it(tmp_path):
    path = _rows_store(tmp_path)
    with Store.open(path, PASSPHRASE, write=True) as st:
        made = accounts.NewAccountRows(st, 1_790_000_000, None, None)(_MIXED[0], parse_batch(_MIXED[:1], None, None))
        assert made is not None
        st.put_new_row(made[0], made[3], made[4])
        with pytest.raises(RuntimeError):  # made for a new account: never over one on file
            st.put_new_row("on-file", made[3], made[4])
    with Store.open(path, PASSPHRASE) as st:
        profile = st.profile("new-shop")
        assert st.row_content(profile) == (made[3], made[4])
        assert [(a.kind, a.normalized, a.first_seen) for a in profile.attributes] == [
            ("phone", "+12015550100", 1_790_000_000), ("email", "ops@new.example", 1_790_000_000)]


@linux_only
@pytest.mark.parametrize("waited", [False, True], ids=["rows made by the child", "batches left to the importing process"])
def test_an_import_with_rows_made_ahead_is_the_import_without(tmp_path, monkeypatch, waited):
    monkeypatch.setattr(ahead_module, "_leave_unparsed", lambda unparsed, begun: waited)
    monkeypatch.setattr(accounts, "now", lambda: 1_790_000_000)
    records = [*_MIXED, *_shops(250)]  # three batches: the last is always made by the child
    results = {}
    for reread in (True, False):
        path = tmp_path / f"{reread}.db"
        create(path, PASSPHRASE)
        with Store.open(path, PASSPHRASE, write=True) as st:
            accounts.import_records(st, [ProfileRecord("f:0", "on-file", "amazon.com")])
            result = accounts.import_records(st, iter(records), skip_invalid=True,
                                             reread=(lambda: iter(records)) if reread else None)
        with Store.open(path, PASSPHRASE) as st:
            results[reread] = result, st.profiles()
    assert results[True] == results[False]
    result, profiles = results[True]
    assert (result.accounts_created, result.accounts_updated, result.skipped_rows) == (255, 1, 1)
    assert len(result.warnings) == 2 and len(profiles) == 256


@linux_only
def test_the_importing_process_writes_the_rows_the_child_made(tmp_path, monkeypatch):
    records = _shops(150)
    built = []
    put_new_row = Store.put_new_row
    monkeypatch.setattr(Store, "put_new_row", lambda self, *row: built.append(row[0]) or put_new_row(self, *row))
    path = tmp_path / "a.db"
    create(path, PASSPHRASE)
    with Store.open(path, PASSPHRASE, write=True) as st:
        monkeypatch.setattr(ahead_module, "_leave_unparsed", lambda unparsed, begun: False)
        result = accounts.import_records(st, iter(records), reread=lambda: iter(records))
    assert result.accounts_created == 150 and built == [f"shop-{i}" for i in range(150)]
