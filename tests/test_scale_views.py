"""Views that stay usable at 100,000 accounts: `account list` paged and filtered, and the
report drawing linked accounts only, its findings rendered from the page's data."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import write_json


@pytest.fixture
def listed_store(cli, store, tmp_path):
    """Seven accounts: three suspended, two on amazon.de, added in this order."""
    rows = [
        {"account": f"shop-{i}", "marketplace": "amazon.de" if i in (2, 5) else "amazon.com",
         "status": "suspended" if i % 3 == 0 else "active", "attributes": {"email": [f"a{i}@shop{i}.example"]}}
        for i in range(7)
    ]
    assert cli("import", write_json(tmp_path / "accounts.json", rows)).exit_code == 0
    return store


def names(cli, *args) -> list[str]:
    result = cli("account", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [row["name"] for row in json.loads(result.stdout)]


def test_account_list_prints_every_account_when_not_on_a_terminal(cli, listed_store):
    assert names(cli) == [f"shop-{i}" for i in range(7)]


def test_account_list_limit_offset_and_page(cli, listed_store):
    assert names(cli, "--limit", "2") == ["shop-0", "shop-1"]
    assert names(cli, "--limit", "2", "--offset", "3") == ["shop-3", "shop-4"]
    assert names(cli, "--limit", "3", "--page", "3") == ["shop-6"]
    assert names(cli, "--limit", "3", "--page", "4") == []
    assert names(cli, "--limit", "0") == [f"shop-{i}" for i in range(7)]


def test_account_list_filters(cli, listed_store):
    assert names(cli, "--status", "suspended") == ["shop-0", "shop-3", "shop-6"]
    assert names(cli, "--marketplace", "AMAZON.DE") == ["shop-2", "shop-5"]
    assert names(cli, "--filter", "SHOP-5") == ["shop-5"]
    assert names(cli, "--filter", "amazon.de", "--status", "active") == ["shop-2", "shop-5"]
    assert names(cli, "--filter", "suspend", "--limit", "1", "--page", "2") == ["shop-3"]


def test_account_list_table_says_how_many_matched_when_it_shows_a_page(cli, listed_store):
    result = cli("account", "list", "--limit", "2", "--page", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[2:4]] == ["shop-2", "shop-3"]
    assert lines[-1] == ("Showing 3-4 of 7 account(s); --limit, --page or --offset show others (--limit 0: all).")


def test_account_list_table_has_no_paging_line_when_everything_is_shown(cli, listed_store):
    result = cli("account", "list")
    assert result.stdout.splitlines()[-1].split()[0] == "shop-6"


def test_account_list_leaves_out_the_value_count_unless_asked(cli, listed_store):
    plain = json.loads(cli("account", "list", "--format", "json", "--limit", "1").stdout)
    assert list(plain[0]) == ["name", "marketplace", "status", "note", "created", "updated"]
    counted = cli("account", "list", "--format", "csv", "--count-values", "--status", "suspended")
    rows = list(csv.DictReader(io.StringIO(counted.stdout)))
    assert [(r["name"], r["values"]) for r in rows] == [("shop-0", "1"), ("shop-3", "1"), ("shop-6", "1")]


def test_account_list_refuses_offset_with_page(cli, listed_store):
    result = cli("account", "list", "--offset", "1", "--page", "2")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["linkcheck: error: --offset and --page cannot be used together"]


def test_account_list_page_without_limit_uses_pages_of_fifty(cli, listed_store):
    assert names(cli, "--page", "1") == [f"shop-{i}" for i in range(7)]
    assert names(cli, "--page", "2") == []
