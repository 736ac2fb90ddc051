"""The report and history (issue 13): findings filterable by state, past-only links marked."""

from __future__ import annotations

import subprocess

import pytest

from test_report import page_data, run_chromium, write_report

MAC = "3C-22-FB-12-34-56"


@pytest.fixture
def history_store(cli, store):
    """shop-a/shop-b share a MAC still in use; shop-c/shop-d shared one, retired by shop-c on
    2026-10-14; shop-e/shop-f share a phone (current) and a retired MAC."""
    for name in ("shop-a", "shop-b", "shop-c", "shop-d", "shop-e", "shop-f"):
        assert cli("account", "add", name).exit_code == 0
    for name in ("shop-a", "shop-b"):
        assert cli("attr", "add", name, "mac", MAC, "--since", "2025-01-01").exit_code == 0
    for name in ("shop-c", "shop-d"):
        assert cli("attr", "add", name, "mac", "3C-22-FB-00-00-02", "--since", "2025-01-01").exit_code == 0
    assert cli("attr", "retire", "shop-c", "mac", "3C-22-FB-00-00-02", "--on", "2026-10-14").exit_code == 0
    for name in ("shop-e", "shop-f"):
        assert cli("attr", "add", name, "phone", "+1 201 555 0142").exit_code == 0
        assert cli("attr", "add", name, "mac", "3C-22-FB-00-00-03", "--since", "2025-01-01").exit_code == 0
    assert cli("attr", "retire", "shop-f", "mac", "3C-22-FB-00-00-03", "--on", "2026-09-01").exit_code == 0
    return store


def _pair(data: dict, a: str, b: str) -> dict:
    (pair,) = [p for p in data["pairs"] if sorted(p["accounts"]) == [a, b]]
    return pair


def test_report_data_carries_each_findings_state_and_past_only_pairs(cli, history_store, tmp_path):
    _, html = write_report(cli, tmp_path)
    data = page_data(html)
    assert data["columns"]["finding_types"][-1] == "state"
    current = _pair(data, "shop-a", "shop-b")
    assert current["past_only"] is False and [f["state"] for f in current["findings"]] == ["current"]
    past = _pair(data, "shop-c", "shop-d")
    assert past["past_only"] is True and past["level"] == "critical"  # the marketplace does not forget
    (finding,) = past["findings"]
    assert finding["state"] == "past"
    # The side that stopped using it says until when, as the audit's table does.
    values = {finding["value_a"], finding["value_b"]}
    assert any(v.endswith(" (until 2026-10-14)") for v in values)
    assert sum("until" in v for v in values) == 1
    mixed = _pair(data, "shop-e", "shop-f")
    assert mixed["past_only"] is False
    assert sorted(f["state"] for f in mixed["findings"]) == ["current", "past"]


def test_report_page_has_a_state_filter_and_a_past_legend(cli, history_store, tmp_path):
    _, html = write_report(cli, tmp_path)
    assert '<select id="filter-state"><option value="">current and past</option>' in html
    assert '<option value="past">no longer in use (past)</option>' in html
    assert '<span class="line past"></span>past only' in html


@pytest.mark.browser
def test_report_in_chromium_filters_findings_by_state(cli, history_store, tmp_path):
    page, _ = write_report(cli, tmp_path)
    done = run_chromium(page, tmp_path / "chromium-all", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count('<tbody class="pair"') == 3
    assert done.stdout.count('data-past-only="true"') == 1
    from test_scale_views import run_chromium_command

    past = subprocess.run([*run_chromium_command(tmp_path / "chromium-past"), page.resolve().as_uri() + "#state=past"],
                          capture_output=True, text=True, timeout=180, check=False)
    assert past.returncode == 0, past.stderr[-2000:]
    dom = past.stdout
    # Two pairs have a past finding (c-d, e-f); only their past findings are listed.
    assert dom.count('<tbody class="pair"') == 2
    assert dom.count('data-state="past"') == 2 and 'data-state="current"' not in dom
    assert "Showing 2 of 3 linked pair(s), 2 finding(s), on values no longer in use." in dom
    current = subprocess.run([*run_chromium_command(tmp_path / "chromium-cur"),
                              page.resolve().as_uri() + "#state=current"],
                             capture_output=True, text=True, timeout=180, check=False)
    assert current.returncode == 0, current.stderr[-2000:]
    assert current.stdout.count('<tbody class="pair"') == 2  # a-b and e-f
    assert current.stdout.count('data-state="current"') == 2 and 'data-state="past"' not in current.stdout
