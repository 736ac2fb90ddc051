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
