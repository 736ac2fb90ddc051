"""What uses it (issue 13): audit and precheck findings say whether each side still uses the
value, each side's periods of use, and whether the two ever used it at the same time."""

from __future__ import annotations

import json

MAC = "3C-22-FB-12-34-56"


def _finding(cli, *args):
    result = cli("audit", "--format", "json", *args)
    data = json.loads(result.output)
    (pair,) = data["pairs"]
    (finding,) = [f for f in pair["findings"] if f["facet"] == "mac"]
    return result, pair, finding


def _two_accounts(cli, since_a="2025-01-01", since_b="2025-06-01"):
    cli("account", "add", "acme-us")
    cli("account", "add", "acme-de")
    assert cli("attr", "add", "acme-us", "mac", MAC, "--since", since_a).exit_code == 0
    assert cli("attr", "add", "acme-de", "mac", MAC, "--since", since_b).exit_code == 0


def test_current_values_give_state_current_and_overlap(cli, store):
    _two_accounts(cli)
    result, pair, finding = _finding(cli)
    assert result.exit_code == 1
    assert pair["level"] == "critical" and finding["level"] == "critical"
    assert finding["state"] == "current"
    assert finding["overlapped"] is True
    assert finding["periods"] == {
        "acme-us": [{"since": "2025-01-01T00:00:00Z", "until": None}],
        "acme-de": [{"since": "2025-06-01T00:00:00Z", "until": None}],
    }
    table = cli("audit").output
    assert "until " not in table


def test_retired_value_keeps_its_level_and_shows_past_with_dates(cli, store):
    _two_accounts(cli)
    assert cli("attr", "retire", "acme-us", "mac", MAC, "--on", "2026-10-14").exit_code == 0
    result, pair, finding = _finding(cli)
    assert result.exit_code == 1
    assert pair["level"] == "critical" and finding["level"] == "critical"
    assert finding["state"] == "past"
    assert finding["overlapped"] is True  # both in use from 2025-06-01 to 2026-10-14
    assert finding["periods"]["acme-us"] == [{"since": "2025-01-01T00:00:00Z", "until": "2026-10-14T00:00:00Z"}]
    assert finding["periods"]["acme-de"] == [{"since": "2025-06-01T00:00:00Z", "until": None}]
    table = cli("audit", "--reveal").output
    (row,) = [line for line in table.splitlines() if line.strip().startswith("mac ")]
    assert "3c:22:fb:12:34:56 (until 2026-10-14)" in row
    assert row.count("until") == 1  # acme-de still uses it


def test_non_overlapping_use_is_not_overlapped(cli, store):
    # A former tenant's router that the next company inherited.
    _two_accounts(cli, since_a="2024-01-01", since_b="2025-03-01")
    assert cli("attr", "retire", "acme-us", "mac", MAC, "--on", "2025-03-01").exit_code == 0
    _, pair, finding = _finding(cli)
    assert pair["level"] == "critical"  # unchanged by default
    assert finding["state"] == "past"
    assert finding["overlapped"] is False


def test_value_reused_after_retirement_shows_two_periods(cli, store):
    _two_accounts(cli, since_a="2024-01-01", since_b="2025-03-01")
    assert cli("attr", "retire", "acme-us", "mac", MAC, "--on", "2025-01-01").exit_code == 0
    assert cli("attr", "add", "acme-us", "mac", MAC).exit_code == 0
    _, _, finding = _finding(cli)
    us = finding["periods"]["acme-us"]
    assert len(us) == 2
    assert us[0] == {"since": "2024-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}
    assert us[1]["until"] is None and us[1]["since"] >= "2025-01-01T00:00:00Z"
    assert finding["state"] == "current"
    assert finding["overlapped"] is True


def test_precheck_findings_carry_state_and_periods(cli, store):
    cli("account", "add", "acme-us")
    assert cli("attr", "add", "acme-us", "mac", MAC, "--since", "2025-01-01").exit_code == 0
    assert cli("attr", "retire", "acme-us", "mac", MAC, "--on", "2026-10-14").exit_code == 0
    result = cli("precheck", "--name", "new-shop", "--mac", MAC, "--format", "json")
    data = json.loads(result.output)
    (pair,) = data["pairs"]
    (finding,) = [f for f in pair["findings"] if f["facet"] == "mac"]
    assert pair["level"] == "critical"
    assert finding["state"] == "past"
    assert finding["periods"]["acme-us"] == [{"since": "2025-01-01T00:00:00Z", "until": "2026-10-14T00:00:00Z"}]
    assert set(finding["periods"]) == {"acme-us", "new-shop"}
    # The planned account would use it from now on: after acme-us stopped.
    assert finding["periods"]["new-shop"][0]["until"] is None
    assert finding["overlapped"] is False
    table = cli("precheck", "--name", "new-shop", "--mac", MAC, "--reveal").output
    assert "(until 2026-10-14)" in table


# ----- [history] past in a rules file ---------------------------------------------------------


def _rules(tmp_path, text: str) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_rules_history_past_lowers_only_past_findings(cli, store, tmp_path):
    rules = _rules(tmp_path, '[history]\npast = "medium"\n')
    _two_accounts(cli)
    # Both still use it: the cap does not apply.
    _, pair, finding = _finding(cli, "--rules", rules)
    assert pair["level"] == "critical" and finding["state"] == "current"
    assert cli("attr", "retire", "acme-us", "mac", MAC, "--on", "2026-10-14").exit_code == 0
    result, pair, finding = _finding(cli, "--rules", rules)
    assert finding["state"] == "past"
    assert finding["level"] == "medium" and pair["level"] == "medium"
    assert finding["weight"] == 4.5  # medium's weight
    assert finding["weight_terms"][-1] == {"term": "past", "bits": -19.5}
    assert sum(t["bits"] for t in finding["weight_terms"]) == 4.5
    assert result.exit_code == 0  # below the default --fail-on high
    # Without the rules file the marketplace does not forget: still critical.
    _, pair, finding = _finding(cli)
    assert pair["level"] == "critical" and finding["level"] == "critical"


def test_rules_history_past_never_raises_a_weaker_finding(cli, store, tmp_path):
    rules = _rules(tmp_path, '[history]\npast = "high"\n')
    cli("account", "add", "acme-us")
    cli("account", "add", "acme-de")
    for name in ("acme-us", "acme-de"):
        assert cli("attr", "add", name, "mac", MAC).exit_code == 0
        assert cli("attr", "add", name, "ip", "198.51.100.7").exit_code == 0
    assert cli("attr", "retire", "acme-de", "ip", "198.51.100.7").exit_code == 0
    plain = json.loads(cli("audit", "--format", "json").output)["pairs"][0]
    capped = json.loads(cli("audit", "--format", "json", "--rules", rules).output)["pairs"][0]
    ip_plain = [f for f in plain["findings"] if f["kind"] == "ip"]
    ip_capped = [f for f in capped["findings"] if f["kind"] == "ip"]
    # The IP was below high already: the cap changes nothing about it.
    assert [f["level"] for f in ip_capped] == [f["level"] for f in ip_plain]
    assert [f["weight"] for f in ip_capped] == [f["weight"] for f in ip_plain]
    # The MAC is current on both sides: untouched.
    assert [f["level"] for f in capped["findings"] if f["kind"] == "mac"] == ["critical"]


def test_rules_history_is_checked_and_round_trips(tmp_path):
    from linkcheck.errors import InvalidInput
    from linkcheck.linkage.rules import DEFAULT_RULES, parse_rules, rules_from_dict
    from linkcheck.models import Level

    rules = parse_rules('[history]\npast = "Medium"\n', toml=True)
    assert rules.past is Level.MEDIUM
    assert rules.as_dict()["history"] == {"past": "medium"}
    assert rules_from_dict(rules.as_dict()).past is Level.MEDIUM
    assert "history" not in DEFAULT_RULES.as_dict() and DEFAULT_RULES.past is None
    for text, problem in (
        ('[history]\npast = "sometimes"\n', "history.past: unknown level 'sometimes'"),
        ('[history]\npast = "context"\n', "history.past: unknown level 'context'"),
        ('[history]\nforget = true\n', "history.forget: unknown setting; use past"),
        ('history = "medium"\n', "history: expected a table/object of entries"),
    ):
        try:
            parse_rules(text, toml=True, name="r.toml")
        except InvalidInput as exc:
            assert problem in str(exc), (text, str(exc))
        else:
            raise AssertionError(f"accepted {text!r}")


def test_a_bad_history_section_is_exit_3_naming_it(cli, store, tmp_path):
    result = cli("audit", "--rules", _rules(tmp_path, '[history]\npast = "never"\n'))
    assert result.exit_code == 3
    assert "history.past" in result.output


# ----- the gate: a value retired from another account still stops, and says so -----------------


def test_check_stops_on_a_value_retired_from_another_account_and_says_since_when(cli, store):
    from pathlib import Path

    machines = Path(__file__).resolve().parent / "fixtures" / "machines"
    for name in ("shop-a", "shop-b"):
        assert cli("account", "add", name).exit_code == 0
    assert cli("capture", "shop-a", "--machine", str(machines / "laptop-a.json")).exit_code == 0
    # shop-a replaced the office router today: the old one is retired, still on file.
    assert cli("attr", "retire", "shop-a", "gateway_mac", "c0:ff:d4:00:00:01").exit_code == 0
    values = json.loads(cli("account", "history", "shop-a", "--format", "json").output)["values"]
    (router,) = [v for v in values if v["kind"] == "gateway_mac"]
    retired_on = router["periods"][-1]["until"][:10]
    result = cli("check", "shop-b", "--machine", str(machines / "laptop-b-same-router.json"))
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("STOP: this machine's router (gateway) MAC")
    assert f"on file for shop-a as a past value, no longer used there since {retired_on}" in first
    rows = [line for line in result.output.splitlines() if line.startswith("shop-a") and "gateway_mac" in line]
    assert rows and all(f"c0:ff:d4:**:**:01 (until {retired_on})" in row for row in rows)  # the table says it too
    data = json.loads(cli("check", "shop-b", "--machine", str(machines / "laptop-b-same-router.json"),
                          "--format", "json").output)
    assert data["verdict"] == "STOP"
    (finding,) = [f for p in data["pairs"] for f in p["findings"] if f["kind"] == "gateway_mac"]
    assert finding["state"] == "past"
    assert finding["periods"]["shop-a"][-1]["until"][:10] == retired_on


def test_check_stop_line_for_a_current_value_says_nothing_about_the_past(cli, store):
    from pathlib import Path

    machines = Path(__file__).resolve().parent / "fixtures" / "machines"
    for name in ("shop-a", "shop-b"):
        assert cli("account", "add", name).exit_code == 0
    assert cli("capture", "shop-a", "--machine", str(machines / "laptop-a.json")).exit_code == 0
    first = cli("check", "shop-b", "--machine", str(machines / "laptop-b-same-router.json")).output.splitlines()[0]
    assert first.startswith("STOP:") and "past" not in first and "since" not in first


def test_audit_and_precheck_csv_carry_weight_state_and_until(cli, store):
    import csv as csv_module
    import io

    _two_accounts(cli)
    assert cli("attr", "retire", "acme-us", "mac", MAC, "--on", "2026-10-14").exit_code == 0
    rows = list(csv_module.DictReader(io.StringIO(cli("audit", "--format", "csv").output)))
    (row,) = [r for r in rows if r["kind"] == "mac"]
    assert row["state"] == "past" and float(row["weight"]) > 0
    until = {row["account_a"]: row["until_a"], row["account_b"]: row["until_b"]}
    assert until == {"acme-us": "2026-10-14", "acme-de": ""}
    planned = list(csv_module.DictReader(io.StringIO(
        cli("precheck", "--name", "new-shop", "--mac", MAC, "--format", "csv").output)))
    (row,) = [r for r in planned if r["kind"] == "mac" and "acme-us" in (r["account_a"], r["account_b"])]
    assert row["state"] == "past"
    assert {row["until_a"], row["until_b"]} == {"2026-10-14", ""}
