"""Recorded periods of use are never rewritten (issue 13, review): `attr add --since`, imports and
checks only add to them; a conflict is refused, and a value in use again says so."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from linkcheck.linkage.results import _overlap

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
ROUTER = "c0:ff:d4:00:00:01"  # laptop-a's and laptop-b-same-router's gateway MAC


def _values(cli, name: str) -> dict:
    result = cli("account", "history", name, "--format", "json", "--reveal")
    assert result.exit_code == 0, result.output
    return {v["kind"]: v for v in json.loads(result.output)["values"]}


def _retired_router(cli):
    cli("account", "add", "shop-a")
    assert cli("attr", "add", "shop-a", "gateway_mac", ROUTER, "--since", "2025-01-01").exit_code == 0
    assert cli("attr", "retire", "shop-a", "gateway_mac", ROUTER, "--on", "2025-06-01", "--note", "sold").exit_code == 0
    return _values(cli, "shop-a")["gateway_mac"]["periods"]


def test_attr_add_since_before_a_retirement_is_refused_and_changes_nothing(cli, store):
    before = _retired_router(cli)
    result = cli("attr", "add", "shop-a", "gateway_mac", ROUTER, "--since", "2024-01-01")
    assert result.exit_code == 3
    assert result.output.strip().splitlines()[-1] == (
        "linkcheck: error: gateway_mac: the period 2024-01-01.. overlaps the recorded period 2025-01-01..2025-06-01; "
        "it was retired on 2025-06-01: a new period of use begins on or after that")
    assert _values(cli, "shop-a")["gateway_mac"]["periods"] == before


def test_attr_add_since_after_the_retirement_begins_a_second_period(cli, store):
    _retired_router(cli)
    result = cli("attr", "add", "shop-a", "gateway_mac", ROUTER, "--since", "2025-09-01")
    assert result.exit_code == 0
    assert "uses this gateway_mac" in result.output and "again: a new period of use begins 2025-09-01" in result.output
    assert "(it was retired on 2025-06-01)" in result.output
    periods = _values(cli, "shop-a")["gateway_mac"]["periods"]
    assert [(p["since"][:10], p["until"] and p["until"][:10], p["note"]) for p in periods] == [
        ("2025-01-01", "2025-06-01", "sold"), ("2025-09-01", None, None)]


def test_attr_add_without_since_reopens_a_retired_value_and_says_so(cli, store):
    _retired_router(cli)
    result = cli("attr", "add", "shop-a", "gateway_mac", ROUTER)
    assert result.exit_code == 0
    assert "again: a new period of use begins" in result.output
    state = _values(cli, "shop-a")["gateway_mac"]
    assert state["state"] == "current" and len(state["periods"]) == 2


def test_attr_add_since_earlier_on_a_current_value_moves_its_beginning_and_says_so(cli, store):
    cli("account", "add", "shop-a")
    assert cli("attr", "add", "shop-a", "mac", "3c:22:fb:12:34:56", "--since", "2025-06-01").exit_code == 0
    result = cli("attr", "add", "shop-a", "mac", "3c:22:fb:12:34:56", "--since", "2025-01-01")
    assert result.exit_code == 0
    assert "its period of use now begins 2025-01-01" in result.output
    (period,) = _values(cli, "shop-a")["mac"]["periods"]
    assert period["since"] == "2025-01-01T00:00:00Z" and period["until"] is None


def test_an_import_that_overlaps_a_recorded_period_is_refused_and_the_store_unchanged(cli, store, tmp_path):
    before = _retired_router(cli)
    crafted = tmp_path / "crafted.json"
    crafted.write_text(json.dumps({"account": "shop-a", "attributes": {
        "gateway_mac": [{"value": "c0ffd4000001",
                         "since": "1970-01-01"}]}}))
    result = cli("import", crafted)
    assert result.exit_code == 3
    assert "gateway_mac: the period 1970-01-01.. overlaps the recorded period 2025-01-01..2025-06-01" in result.output
    assert _values(cli, "shop-a")["gateway_mac"]["periods"] == before
    closed = tmp_path / "closed.json"
    closed.write_text(json.dumps({"account": "shop-a", "attributes": {
        "gateway_mac": [{"value": ROUTER, "since": "2025-03-01", "until": "2025-09-01"}]}}))
    result = cli("import", closed)
    assert result.exit_code == 3
    assert "recorded periods are never changed by an import or `attr add`" in result.output
    assert _values(cli, "shop-a")["gateway_mac"]["periods"] == before


def test_an_import_adds_periods_that_overlap_nothing_and_identical_ones_change_nothing(cli, store, tmp_path):
    before = _retired_router(cli)
    same = tmp_path / "same.json"
    same.write_text(json.dumps({"account": "shop-a", "attributes": {
        "gateway_mac": [{"value": ROUTER, "since": "2025-01-01", "until": "2025-06-01"}]}}))
    assert cli("import", same).exit_code == 0
    assert _values(cli, "shop-a")["gateway_mac"]["periods"] == before
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps({"account": "shop-a", "attributes": {
        "gateway_mac": [{"value": ROUTER, "since": "2023-01-01", "until": "2023-06-01"}]}}))
    assert cli("import", earlier).exit_code == 0
    periods = _values(cli, "shop-a")["gateway_mac"]["periods"]
    assert [p["since"][:10] for p in periods] == ["2023-01-01", "2025-01-01"]
    assert periods[1]["note"] == "sold"


def test_reimporting_a_file_that_lists_a_retired_value_leaves_it_retired_and_says_so(cli, store, tmp_path):
    seller = tmp_path / "seller.json"
    seller.write_text(json.dumps([{"account": "acme-us", "attributes": {"gateway_mac": [ROUTER]}}]))
    assert cli("import", seller).exit_code == 0
    assert cli("attr", "retire", "acme-us", "gateway_mac", ROUTER).exit_code == 0
    before = _values(cli, "acme-us")["gateway_mac"]
    result = cli("import", seller)
    assert result.exit_code == 0
    assert ("1 value(s) retired on file were listed without a period of use and stay retired "
            "(give a \"since\" date, or `attr add`, to record that one is in use again)") in result.output
    after = _values(cli, "acme-us")["gateway_mac"]
    assert after["state"] == "past" and after["periods"] == before["periods"]


def test_an_import_with_a_period_in_the_future_is_refused(cli, store, tmp_path):
    path = tmp_path / "future.csv"
    path.write_text("account,hostname\nx4,pc-04|2025-01-01..2099-01-01\n")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "a period's date (2099-01-01) is in the future" in result.output
    path.write_text("account,hostname\nx5,pc-05|2099-01-01..\n")
    assert cli("import", path).exit_code == 3
    assert json.loads(cli("account", "list", "--format", "json").output) == []


def test_csv_periods_take_a_space_between_date_and_time_and_bad_ones_are_problems(cli, store, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("account,brand\nq6,Acme|2025-01-01 10:00..\n")
    assert cli("import", path).exit_code == 0
    brand = _values(cli, "q6")["brand"]
    assert brand["value"] == "Acme"
    assert brand["periods"][0]["since"] == "2025-01-01T10:00:00Z"
    bad = tmp_path / "bad.csv"
    bad.write_text("account,brand\nq7,Acme|2025/01/01..2025/06/01\n")
    result = cli("import", bad)
    assert result.exit_code == 3
    assert "brand: since '2025/01/01' is not an ISO date or date-time" in result.output


def test_a_check_that_records_a_retired_value_in_use_again_says_so(cli, store):
    cli("account", "add", "shop-a")
    assert cli("capture", "shop-a", "--machine", MACHINES / "laptop-a.json").exit_code == 0
    assert cli("attr", "retire", "shop-a", "gateway_mac", ROUTER).exit_code == 0
    result = cli("check", "shop-a", "--machine", MACHINES / "laptop-a.json", "--record", "--no-public-ip")
    assert result.exit_code == 0, result.output
    assert "1 value(s) retired on shop-a are in use again: a new period of use begins now" in result.output
    data = json.loads(cli("check", "shop-a", "--machine", MACHINES / "laptop-a.json", "--record", "--no-public-ip",
                          "--format", "json").output)
    assert data["recorded"]["values_reopened"] == 0  # already current again
    assert _values(cli, "shop-a")["gateway_mac"]["state"] == "current"
    assert cli("attr", "retire", "shop-a", "gateway_mac", ROUTER).exit_code == 0
    captured = cli("capture", "shop-a", "--machine", MACHINES / "laptop-a.json", "--format", "json")
    assert json.loads(captured.output)["reopened"] == 1


def _brute(a, b) -> bool:
    inf = float("inf")
    return any((sa < (ub if ub is not None else inf) and sb < (ua if ua is not None else inf)) or sa == sb
               for sa, ua, _ in a for sb, ub, _ in b)


def _periods(rng: random.Random, n: int) -> tuple:
    # bounds may repeat: zero-length periods (recorded and retired in one second) and touching ones
    cuts = sorted(rng.choice(range(1, 60)) for _ in range(2 * n))
    out = [(cuts[2 * i], cuts[2 * i + 1], None) for i in range(n)]
    if rng.random() < 0.5:
        out[-1] = (out[-1][0], None, None)
    return tuple(out)


def test_overlap_walks_both_lists_once_and_agrees_with_every_pair_compared():
    rng = random.Random(13)
    for _ in range(3000):
        a, b = _periods(rng, rng.randint(1, 6)), _periods(rng, rng.randint(1, 6))
        assert _overlap(a, b) == _brute(a, b), (a, b)
    # Touching periods (one ends when the other begins) did not overlap.
    assert not _overlap(((0, 10, None),), ((10, None, None),))


def test_overlap_of_many_periods_is_linear():
    many = tuple((2 * i, 2 * i + 1, None) for i in range(200_000))
    other = tuple((2 * i + 1, 2 * i + 2, None) for i in range(200_000))
    # 200,000 periods each: a pairwise comparison would be 4e10 steps; the walk is 4e5.
    assert _overlap(many, other) is False
    assert list(itertools.islice(many, 1)) == [(0, 1, None)]


# ----- one rule for past findings; the gate names who still uses a value -----------------------


def _rules(tmp_path, text: str) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_precheck_applies_history_past_and_the_gate_does_not(cli, store, tmp_path):
    past = _rules(tmp_path, '[history]\npast = "low"\n')
    for name in ("shop-a", "shop-b"):
        cli("account", "add", name)
    assert cli("capture", "shop-a", "--machine", MACHINES / "laptop-a.json").exit_code == 0
    assert cli("attr", "retire", "shop-a", "gateway_mac", ROUTER).exit_code == 0
    planned = cli("precheck", "--gateway-mac", ROUTER, "--rules", past, "--format", "json")
    assert planned.exit_code == 0, planned.output
    (pair,) = json.loads(planned.output)["pairs"]
    assert pair["level"] == "low" and pair["findings"][0]["state"] == "past"
    assert cli("precheck", "--gateway-mac", ROUTER).exit_code == 1  # without the rule: as before
    gate = cli("check", "shop-b", "--machine", MACHINES / "laptop-b-same-router.json", "--rules", past)
    assert gate.exit_code == 1
    assert "as a past value" in gate.output.splitlines()[0]


def test_the_stop_line_names_an_account_still_using_the_value_first(cli, store):
    for name in ("shop-a", "shop-b", "shop-d"):
        cli("account", "add", name)
    for name in ("shop-a", "shop-b"):
        assert cli("attr", "add", name, "gateway_mac", ROUTER).exit_code == 0
    assert cli("attr", "retire", "shop-a", "gateway_mac", ROUTER).exit_code == 0
    first = cli("check", "shop-d", "--machine", MACHINES / "laptop-b-same-router.json").output.splitlines()[0]
    assert "on file for shop-b (" in first and "past" not in first
    assert "1 more account at or above high" in first


def test_account_show_marks_retired_values(cli, store):
    _retired_router(cli)
    table = cli("account", "show", "shop-a", "--reveal").output
    assert f"{ROUTER} (until 2025-06-01)" in table
    data = json.loads(cli("account", "show", "shop-a", "--format", "json").output)
    (value,) = data["attributes"]
    assert value["state"] == "past"
    assert value["periods"] == [{"since": "2025-01-01T00:00:00Z", "until": "2025-06-01T00:00:00Z", "note": "sold"}]


def test_account_history_follows_the_format_setting_and_writes_csv(cli, store):
    _retired_router(cli)
    as_json = cli("account", "history", "shop-a", env={"LINKCHECK_FORMAT": "json"})
    assert json.loads(as_json.output)["account"] == "shop-a"
    as_csv = cli("account", "history", "shop-a", "--format", "csv").output.splitlines()
    assert as_csv[0] == "date,event,kind,value,detail"
    assert any(",retired,gateway_mac," in line and line.endswith(",sold") for line in as_csv)


def test_an_account_added_again_under_a_removed_name_has_no_old_events(cli, store):
    import time

    cli("account", "add", "ghost")
    assert cli("account", "set", "ghost", "--status", "suspended").exit_code == 0
    assert cli("account", "remove", "ghost", "--yes").exit_code == 0
    time.sleep(1.1)  # timestamps are whole seconds
    cli("account", "add", "ghost")
    history = json.loads(cli("account", "history", "ghost", "--format", "json").output)
    assert history["status_changes"] == [] and history["checks"] == []


@pytest.mark.parametrize("entry, problem", [
    ({"value": "203.0.113.7", "sinse": "2025-01-01"}, "ip: unknown field(s) sinse in a value"),
    ({"value": "203.0.113.7", "periods": [{"since": "2025-01-01", "untill": "2025-02-01"}]},
     "ip: unknown field(s) untill in a period"),
])
def test_json_unknown_fields_in_a_value_or_period_are_invalid_rows(cli, store, tmp_path, entry, problem):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"account": "a", "attributes": {"ip": [entry]}}))
    result = cli("import", path)
    assert result.exit_code == 3 and problem in result.output
