"""Identifier history (issue 13): periods of use, `attr retire`, `account history`, store format 3."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linkcheck.models import Account, Attribute, Profile, is_current, periods_of
from linkcheck.store import Store
from linkcheck.store import codec
from linkcheck.store import sqlite as sqlite_store

from conftest import PASSPHRASE, PROFILES_DIR
from session_folders import once_per_session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import synth  # noqa: E402

OCT_14 = 1_791_936_000  # 2026-10-14T00:00:00Z
JAN_2 = 1_767_312_000  # 2026-01-02T00:00:00Z


def _format(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT format FROM header").fetchone()[0]
    finally:
        conn.close()


def _history(cli, name: str) -> dict:
    result = cli("account", "history", name, "--format", "json", "--reveal")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# ----- the model and the codec ---------------------------------------------------------------


def test_a_value_without_periods_is_current_since_first_seen():
    a = Attribute("email", "a@example.com", "a@example.com", first_seen=JAN_2, last_seen=JAN_2)
    assert is_current(a)
    assert periods_of(a) == ((JAN_2, None, None),)
    retired = a._replace(periods=((JAN_2, OCT_14, "router replaced"),))
    assert not is_current(retired)


def test_format3_body_round_trips_periods_and_format2_bodies_still_read():
    periods = ((JAN_2, OCT_14, "moved office"), (OCT_14 + 86400, None, None))
    attr = Attribute("ip", "203.0.113.7", "203.0.113.7", ("ip:203.0.113.7",), "manual", JAN_2, OCT_14, None, (),
                     periods)
    profile = Profile(Account("acme-us", "amazon.com", "active", None, 1, 2), (attr,))
    raw = codec._encode_profile(profile)
    assert codec._decode_profile(raw) == profile
    assert len(json.loads(raw.split(b"\n")[1])) == 10
    company = Attribute("company_name", "Acme", "acme", ("company_name:acme", "~company_name:acme"))
    assert codec._decode_profile(codec._encode_profile(Profile(profile.account, (company,)), fmt=2)).attributes == (
        company,)
    old = codec._encode_profile(profile, fmt=2)
    assert len(json.loads(old.split(b"\n")[1])) == 9
    assert codec._decode_profile(old) == Profile(profile.account, (attr._replace(periods=()),))


# ----- attr retire, attr remove, account history ---------------------------------------------


def test_retire_ends_the_period_and_keeps_the_value(cli, store):
    cli("account", "add", "acme-us", "--marketplace", "amazon.com")
    assert cli("attr", "add", "acme-us", "mac", "3C-22-FB-12-34-56", "--since", "2025-06-01").exit_code == 0
    result = cli("attr", "retire", "acme-us", "mac", "3c22.fb12.3456", "--on", "2026-10-14", "--note", "router replaced")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Retired mac ") and result.output.endswith(" of acme-us on 2026-10-14\n")
    (value,) = _history(cli, "acme-us")["values"]
    assert value["value"] == "3C-22-FB-12-34-56"
    assert value["state"] == "past"
    assert value["periods"] == [{"since": "2025-06-01T00:00:00Z", "until": "2026-10-14T00:00:00Z", "note": "router replaced"}]
    shown = json.loads(cli("account", "show", "acme-us", "--format", "json").output)["attributes"]
    assert [a["kind"] for a in shown] == ["mac"]


def test_retire_twice_is_refused_and_adding_again_begins_a_second_period(cli, store):
    cli("account", "add", "acme-us")
    cli("attr", "add", "acme-us", "ip", "203.0.113.7", "--since", "2025-12-01")
    assert cli("attr", "retire", "acme-us", "ip", "203.0.113.7", "--on", "2026-01-02").exit_code == 0
    again = cli("attr", "retire", "acme-us", "ip", "203.0.113.7")
    assert again.exit_code == 2
    assert "already retired on 2026-01-02" in again.output
    assert cli("attr", "add", "acme-us", "ip", "203.0.113.7").exit_code == 0
    (value,) = _history(cli, "acme-us")["values"]
    assert value["state"] == "current"
    assert [p["until"] for p in value["periods"]] == ["2026-01-02T00:00:00Z", None]
    assert value["periods"][0]["since"] == "2025-12-01T00:00:00Z"
    assert value["periods"][1]["since"] >= "2026-01-02T00:00:00Z"


def test_retire_refuses_a_date_before_the_value_was_in_use_and_a_bad_date(cli, store):
    cli("account", "add", "acme-us")
    cli("attr", "add", "acme-us", "ip", "203.0.113.7")
    early = cli("attr", "retire", "acme-us", "ip", "203.0.113.7", "--on", "1999-01-01")
    assert early.exit_code == 3 and "before the value came into use" in early.output
    bad = cli("attr", "retire", "acme-us", "ip", "203.0.113.7", "--on", "last tuesday")
    assert bad.exit_code == 3 and "is not a date" in bad.output
    missing = cli("attr", "retire", "acme-us", "ip", "198.51.100.1")
    assert missing.exit_code == 2 and "has no ip matching that value" in missing.output
    assert _history(cli, "acme-us")["values"][0]["state"] == "current"


def test_attr_remove_asks_to_confirm_and_points_at_retire(cli, store):
    cli("account", "add", "acme-us")
    cli("attr", "add", "acme-us", "ip", "203.0.113.7")
    refused = cli("attr", "remove", "acme-us", "ip", "203.0.113.7")
    assert refused.exit_code == 2
    assert "refusing to remove without confirmation; add --yes" in refused.output
    assert "attr retire" in refused.output
    assert len(_history(cli, "acme-us")["values"]) == 1
    assert cli("attr", "remove", "acme-us", "ip", "203.0.113.7", "--yes").exit_code == 0
    assert _history(cli, "acme-us")["values"] == []


def test_history_lists_status_changes_and_the_timeline(cli, store):
    cli("account", "add", "acme-us")
    cli("attr", "add", "acme-us", "ip", "203.0.113.7")
    assert cli("account", "set", "acme-us", "--status", "suspended").exit_code == 0
    cli("attr", "retire", "acme-us", "ip", "203.0.113.7", "--note", "line cancelled")
    data = _history(cli, "acme-us")
    assert data["status"] == "suspended"
    assert [(c["from"], c["to"]) for c in data["status_changes"]] == [("active", "suspended")]
    table = cli("account", "history", "acme-us")
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0] == "acme-us  (no marketplace, suspended)"
    assert lines[2].split() == ["date", "event", "kind", "value", "detail"]
    events = [line.split()[1:] for line in lines[4:]]
    assert ["in", "use", "ip", "203.0.113.x", "manual"] == events[0]
    assert ["status", "active", "->", "suspended"] in events
    assert ["retired", "ip", "203.0.113.x", "line", "cancelled"] in events
    assert "203.0.113.7" not in table.output  # masked without --reveal
    # the check log stays a log of checks
    assert "suspended" not in cli("log").output


# ----- store format 3: a format-2 store is read as it is, upgraded at its first write ----------


def _as_format2(monkeypatch):
    monkeypatch.setattr(sqlite_store, "FORMAT_VERSION", 2)


def test_format2_store_is_read_as_it_is_and_upgraded_at_the_first_write(cli, store_path, monkeypatch, tmp_path):
    with monkeypatch.context() as m:
        _as_format2(m)
        assert cli("init").exit_code == 0
        assert cli("import", *sorted(PROFILES_DIR.glob("*.json"))).exit_code == 0
    assert _format(store_path) == 2
    before = cli("export", "-o", tmp_path / "before.json")
    assert before.exit_code == 0
    audit = cli("audit", "--format", "json")
    assert cli("account", "history", "acme-us", "--format", "json").exit_code == 0
    assert _format(store_path) == 2
    first = json.loads(cli("account", "list", "--format", "json").output)[0]
    assert cli("account", "set", first["name"], "--marketplace", first["marketplace"]).exit_code == 0
    assert _format(store_path) == 3
    with Store.open(store_path, PASSPHRASE) as st:
        assert st._format == 3
    assert cli("audit", "--format", "json").output == audit.output
    assert cli("export", "-o", tmp_path / "after.json").exit_code == 0
    assert (tmp_path / "after.json").read_text() == (tmp_path / "before.json").read_text()


FORMAT2_RUNNER = (
    "import sys; import linkcheck.store.sqlite as s; s.FORMAT_VERSION = 2; "
    "sys.argv = ['linkcheck', *sys.argv[1:]]; from linkcheck.cli import run; run()"
)


def _env(**extra) -> dict:
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def format2_big_store_bytes(tmp_path_factory) -> bytes:
    """A checkpointed format-2 store of 3,000 synthetic accounts (written by a format-2 linkcheck)."""

    def build(folder):
        synth.write_files(3000, folder, per_file=3000)
        (source,) = folder.glob("*.json")
        path = folder / "store.db"
        env = _env(LINKCHECK_STORE=str(path), LINKCHECK_TEST_INSECURE_FAST_KDF="1", HOME=str(folder))
        for args in (("init",), ("import", str(source))):
            result = subprocess.run([sys.executable, "-c", FORMAT2_RUNNER, *args], env=env, capture_output=True,
                                    text=True, timeout=180)
            assert result.returncode == 0, result.stderr
        assert _format(path) == 2

    return (once_per_session(tmp_path_factory, "format2-big-store", build) / "store.db").read_bytes()


def _wal_over(path: Path, size: int) -> bool:
    try:
        return path.with_name(path.name + "-wal").stat().st_size > size
    except FileNotFoundError:
        return False


def test_upgrade_killed_midway_leaves_format2_intact(store_path, format2_big_store_bytes):
    store_path.parent.mkdir(parents=True, exist_ok=True)
    store_path.write_bytes(format2_big_store_bytes)
    store_path.chmod(0o600)
    with Store.open(store_path, PASSPHRASE) as st:
        names = {p.name for p in st.profiles()}
        first = st.profiles()[0].name
    proc = subprocess.Popen([sys.executable, "-m", "linkcheck", "account", "set", first, "--note", "after"],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    killed = False
    while proc.poll() is None and time.monotonic() < deadline:
        if _wal_over(store_path, 1 << 20):
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.002)
    proc.wait()
    assert killed, "the upgrade finished before the kill"
    assert _format(store_path) == 2
    with Store.open(store_path, PASSPHRASE) as st:
        assert st._format == 2
        assert {p.name for p in st.profiles()} == names
        assert st.profile(first).account.note != "after"
    # and the next write upgrades it completely
    result = subprocess.run([sys.executable, "-m", "linkcheck", "account", "set", first, "--note", "after"],
                            env=_env(), capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert _format(store_path) == 3
    with Store.open(store_path, PASSPHRASE) as st:
        assert {p.name for p in st.profiles()} == names
        assert st.profile(first).account.note == "after"


# ----- import and export carry the periods ------------------------------------------------------


def _store_with_history(cli):
    cli("account", "add", "acme-us", "--marketplace", "amazon.com")
    assert cli("attr", "add", "acme-us", "ip", "198.51.100.9", "--since", "2024-03-01T10:00:00Z").exit_code == 0
    assert cli("attr", "retire", "acme-us", "ip", "198.51.100.9", "--on", "2024-05-01", "--note", "moved").exit_code == 0
    assert cli("attr", "add", "acme-us", "ip", "198.51.100.9").exit_code == 0  # a second period
    assert cli("attr", "add", "acme-us", "mac", "3c22.fb12.3456", "--since", "2025-01-01").exit_code == 0
    assert cli("attr", "retire", "acme-us", "mac", "3c22.fb12.3456", "--on", "2026-10-14").exit_code == 0
    assert cli("attr", "add", "acme-us", "email", "x|y@example.com").exit_code == 0  # a '|' in a value
    assert cli("attr", "add", "acme-us", "email", "ops@example.com").exit_code == 0  # no period recorded


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_round_trip_keeps_every_period(cli, store, store_path, tmp_path, fmt):
    _store_with_history(cli)
    with Store.open(store_path, PASSPHRASE) as st:
        before = st.profile("acme-us").attributes
    first = tmp_path / f"first.{fmt}"
    assert cli("export", "--format", fmt, "-o", first).exit_code == 0
    other = tmp_path / "other" / "store.db"
    env = {"LINKCHECK_STORE": str(other)}
    assert cli("init", env=env).exit_code == 0
    imported = cli("import", first, env=env)
    assert imported.exit_code == 0, imported.output
    second = tmp_path / f"second.{fmt}"
    assert cli("export", "--format", fmt, "-o", second, env=env).exit_code == 0
    assert second.read_bytes() == first.read_bytes()
    with Store.open(other, PASSPHRASE) as st:
        after = {(a.kind, a.normalized): a.periods for a in st.profile("acme-us").attributes}
    expected = {(a.kind, a.normalized): a.periods for a in before}
    if fmt == "csv":  # CSV carries no notes (of values or of periods)
        expected = {k: tuple((s, u, None) for s, u, _ in p) for k, p in expected.items()}
    assert after == expected
    assert after[("ip", "198.51.100.9")][0][:2] == (1_709_287_200, 1_714_521_600)
    assert after[("ip", "198.51.100.9")][1][1] is None
    assert after[("mac", "3c:22:fb:12:34:56")] == ((1_735_689_600, OCT_14, None),)
    assert after[("email", "ops@example.com")] == ()


def test_json_periods_shorthand_and_list(cli, store, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps([
        {"account": "a", "attributes": {"mac": [{"value": "3c22.fb12.3456", "since": "2025-01-01", "until": "2026-10-14"}],
                                        "ip": [{"value": "203.0.113.7", "first_seen": "2025-02-01T00:00:00Z",
                                                "periods": [{"until": "2025-03-01", "note": "old line"},
                                                            {"since": "2025-06-01T08:00:00Z", "until": None}]}]}},
    ]))
    assert cli("import", path).exit_code == 0
    values = {v["kind"]: v for v in _history(cli, "a")["values"]}
    assert values["mac"]["periods"] == [{"since": "2025-01-01T00:00:00Z", "until": "2026-10-14T00:00:00Z", "note": None}]
    assert values["mac"]["state"] == "past"
    assert values["ip"]["periods"] == [
        {"since": "2025-02-01T00:00:00Z", "until": "2025-03-01T00:00:00Z", "note": "old line"},
        {"since": "2025-06-01T08:00:00Z", "until": None, "note": None},
    ]
    assert values["ip"]["state"] == "current"


@pytest.mark.parametrize("entry, problem", [
    ({"value": "203.0.113.7", "since": "2026-01-01", "until": "2025-01-01"}, "a period ends before it begins"),
    ({"value": "203.0.113.7", "since": "yesterday"}, "since is not an ISO date or date-time"),
    ({"value": "203.0.113.7", "periods": [{"since": "2025-01-01"}, {"since": "2025-06-01"}]}, "periods must be in order"),
    ({"value": "203.0.113.7", "periods": "2025"}, "'periods' must be a list"),
    ({"value": "203.0.113.7", "since": "2025-01-01", "periods": []}, "not both"),
])
def test_json_bad_periods_are_invalid_rows(cli, store, tmp_path, entry, problem):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"account": "a", "attributes": {"ip": [entry]}}))
    result = cli("import", path)
    assert result.exit_code == 3
    assert problem in result.output
    assert json.loads(cli("account", "list", "--format", "json").output) == []


def test_csv_periods_syntax(cli, store, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("account,ip,proxy_account\n"
                    "a,203.0.113.7|2025-01-01..2025-03-01T12:00:00Z;198.51.100.4|..,"
                    "acct|not periods\n")
    assert cli("import", path).exit_code == 0, cli("import", path).output
    values = {(v["kind"], v["value"]): v for v in _history(cli, "a")["values"]}
    assert values[("ip", "203.0.113.7")]["periods"] == [
        {"since": "2025-01-01T00:00:00Z", "until": "2025-03-01T12:00:00Z", "note": None}]
    assert values[("ip", "198.51.100.4")]["periods"][0]["until"] is None
    assert values[("ip", "198.51.100.4")]["periods"][0]["since"] == values[("ip", "198.51.100.4")]["first_seen"]
    assert ("proxy_account", "acct|not periods") in values
    bad = tmp_path / "bad.csv"
    bad.write_text("account,ip\nb,203.0.113.7|2025-13-01..\n")
    result = cli("import", bad)
    assert result.exit_code == 3 and "since '2025-13-01' is not an ISO date or date-time" in result.output


def test_a_retired_value_shared_with_another_account_is_still_an_audit_finding(cli, store):
    for name in ("acme-us", "acme-de"):
        cli("account", "add", name)
        assert cli("attr", "add", name, "mac", "3c22.fb12.3456", "--since", "2025-01-01").exit_code == 0
    assert cli("attr", "retire", "acme-de", "mac", "3c22.fb12.3456", "--on", "2025-06-01").exit_code == 0
    audit = cli("audit", "--format", "json")
    assert audit.exit_code == 1, audit.output
    pairs = json.loads(audit.output)["pairs"]
    assert [sorted(p["accounts"]) for p in pairs] == [["acme-de", "acme-us"]]
    assert [f["kind"] for f in pairs[0]["findings"]] == ["mac"]


def test_adding_a_value_again_with_since_never_leaves_two_open_periods(cli, store):
    cli("account", "add", "acme-us")
    assert cli("attr", "add", "acme-us", "ip", "203.0.113.7", "--since", "2025-01-01").exit_code == 0
    assert cli("attr", "add", "acme-us", "ip", "203.0.113.7", "--since", "2025-06-01").exit_code == 0
    assert _history(cli, "acme-us")["values"][0]["periods"] == [
        {"since": "2025-01-01T00:00:00Z", "until": None, "note": None}]
    assert cli("attr", "add", "acme-us", "ip", "203.0.113.7", "--since", "2024-06-01").exit_code == 0
    assert _history(cli, "acme-us")["values"][0]["periods"] == [
        {"since": "2024-06-01T00:00:00Z", "until": None, "note": None}]
    future = cli("attr", "retire", "acme-us", "ip", "203.0.113.7", "--on", "9000-01-01")
    assert future.exit_code == 3 and "--on is in the future" in future.output


def test_retire_on_the_day_the_value_came_into_use_ends_it_that_day(cli, store):
    """A value imported today and retired `--on` today (a date has no hour): ended now, not refused."""
    from datetime import datetime, timezone

    cli("account", "add", "acme-us")
    assert cli("attr", "add", "acme-us", "ip", "203.0.113.7").exit_code == 0
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    result = cli("attr", "retire", "acme-us", "ip", "203.0.113.7", "--on", today)
    assert result.exit_code == 0, result.output
    (value,) = _history(cli, "acme-us")["values"]
    (period,) = value["periods"]
    assert value["state"] == "past"
    assert period["since"] <= period["until"] and period["until"].startswith(today)
    # The day before is still before the value came into use.
    cli("attr", "add", "acme-us", "ip", "198.51.100.4")
    early = cli("attr", "retire", "acme-us", "ip", "198.51.100.4", "--on", "2000-01-01")
    assert early.exit_code == 3 and "before the value came into use" in early.output
