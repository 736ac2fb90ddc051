"""Views that stay usable at 100,000 accounts: `account list` paged and filtered, and the
report drawing linked accounts only, its findings rendered from the page's data."""

from __future__ import annotations

import csv
import re
import subprocess
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


def test_account_list_table_says_where_the_accounts_end_for_a_page_past_them(cli, listed_store):
    result = cli("account", "list", "--limit", "3", "--page", "4")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["Page 4 is past the end: 7 account(s), 3 page(s) of 3."]
    result = cli("account", "list", "--page", "2")  # (pages of fifty: one)
    assert result.stdout.splitlines() == ["Page 2 is past the end: 7 account(s), 1 page(s) of 50."]
    result = cli("account", "list", "--offset", "7", "--status", "active")
    assert result.stdout.splitlines() == ["--offset 7 is past the end: 4 account(s)."]
    # In Chinese, as the rest of the listing.
    result = cli("account", "list", "--limit", "3", "--page", "4", env={"LINKCHECK_LANG": "zh"})
    assert result.stdout.splitlines() == ["第 4 页超出了范围：共 7 个账户，每页 3 个，共 3 页。"]


def test_account_list_says_what_matched_nothing(cli, listed_store):
    result = cli("account", "list", "--page", "2", "--status", "closed")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["No account matches --status closed (of 7 on file)."]
    result = cli("account", "list", "--filter", "zzz", "--marketplace", "amazon.fr")
    assert result.stdout.splitlines() == ["No account matches --filter 'zzz' --marketplace 'amazon.fr' (of 7 on file)."]
    result = cli("account", "list", "--filter", "zzz", env={"LINKCHECK_LANG": "zh"})
    assert result.stdout.splitlines() == ["没有账户符合 --filter 'zzz'（共 7 个账户）。"]
    assert json.loads(cli("account", "list", "--filter", "zzz", "--format", "json").stdout) == []


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


# ----- the report at scale -------------------------------------------------------------------

from linkcheck.accounts import make_attribute  # noqa: E402
from linkcheck.models import Account, Profile  # noqa: E402
from linkcheck.report.builder import COLLAPSE_OVER, DRAW_EVERY_ACCOUNT_MAX, GRAPH_BUDGET  # noqa: E402

from test_report import build, page_data, rendered_graph, run_chromium  # noqa: E402


def scale_profiles(count: int) -> list[Profile]:
    """`count` made-up accounts: store-0000..0019 chain into one cluster (each shares a phone with
    the next), then pairs sharing an email two by two up to 2,400 accounts; the rest stand alone."""
    profiles = []
    for i in range(count):
        values = [make_attribute("email", f"own{i}@shop{i}.example", when=1_700_000_000)]
        if i < 20:
            for j in (i - 1, i):
                if 0 <= j < 19:
                    values.append(make_attribute("phone", f"+1 201 555 {j:04d}", when=1_700_000_000))
        elif i < 2400:
            values.append(make_attribute("email", f"ops{i // 2}@pair{i // 2}.example", when=1_700_000_000))
        profiles.append(Profile(Account(f"store-{i:04d}", "amazon.com", "active"), tuple(values)))
    return profiles


@pytest.fixture(scope="module")
def big_page():
    profiles = scale_profiles(3000)
    result, html = build(profiles)
    return profiles, result, html


def test_report_at_scale_lists_linked_accounts_only_and_counts_the_others(big_page):
    profiles, result, html = big_page
    data = page_data(html)
    linked = sorted({name for pair in result.pairs for name in pair.accounts})
    assert len(profiles) > DRAW_EVERY_ACCOUNT_MAX
    assert sorted(a["name"] for a in data["accounts"]) == linked and len(linked) == 2400
    assert data["headline"]["accounts"] == 3000
    assert '<p class="muted" id="graph-scope">600 of 3000 accounts are linked to no other account' in html


def test_small_report_still_lists_every_account():
    profiles = scale_profiles(30)
    _, html = build(profiles)
    assert [a["name"] for a in page_data(html)["accounts"]] == [p.name for p in profiles]
    assert 'id="graph-scope"' not in html


def test_report_findings_are_data_not_rows_of_html(big_page):
    _, result, html = big_page
    body = html[html.index("</style>"):html.index("<script")]
    assert "<tbody" not in body and "pair-head" not in body
    pairs = page_data(html)["pairs"]
    assert len(pairs) == len(result.pairs) == 1209
    first = result.pairs[0]
    assert pairs[0]["accounts"] == list(first.accounts)
    assert [f["reason"] for f in pairs[0]["findings"]] == [f.reason for f in first.findings]
    assert pairs[0]["kinds"] == list(first.kinds)


def test_report_at_scale_keeps_the_cluster_in_the_data(big_page):
    _, result, html = big_page
    clusters = page_data(html)["clusters"]
    big = next(c for c in clusters if len(c["accounts"]) == 20)
    assert big["accounts"] == [f"store-{i:04d}" for i in range(20)]
    assert len(big["chain"]) == 19 and 20 > COLLAPSE_OVER


def test_report_of_3000_accounts_is_small(big_page):
    # 1,209 pairs: a page of the old layout (a row of HTML per finding, every account drawn)
    # was over 1 MB here.
    _, _, html = big_page
    assert len(html.encode("utf-8")) < 700_000


@pytest.mark.browser
def test_report_at_scale_draws_a_bounded_graph_with_the_large_cluster_closed(big_page, tmp_path):
    _, _, html = big_page
    page = tmp_path / "big.html"
    page.write_text(html, encoding="utf-8")
    graph = rendered_graph(page, tmp_path)
    assert int(graph["data-expected-nodes"]) == 2400 > GRAPH_BUDGET
    assert 0 < int(graph["data-rendered-nodes"]) <= 300
    assert graph["data-collapsed-clusters"] == "1"  # the cluster of 20, drawn first (critical, largest)


@pytest.mark.browser
def test_report_at_scale_renders_one_page_of_findings_and_clusters(big_page, tmp_path):
    _, _, html = big_page
    page = tmp_path / "big.html"
    page.write_text(html, encoding="utf-8")
    done = run_chromium(page, tmp_path / "chromium-dom", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count('<tbody class="pair"') == 50
    assert done.stdout.count('<li class="cluster"') == 50
    assert "1209 linked pair(s), 1209 finding(s). 50 pair(s) a page." in done.stdout
    assert "Page 1 of 25" in done.stdout


@pytest.mark.browser
def test_report_search_draws_the_account_its_links_and_its_cluster(big_page, tmp_path):
    _, _, html = big_page
    page = tmp_path / "big.html"
    page.write_text(html, encoding="utf-8")
    command_page = page.resolve().as_uri() + "#account=store-2398"
    done = subprocess.run([*run_chromium_command(tmp_path / "chromium-find"), command_page],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '<span id="search-result" class="muted" aria-live="polite">store-2398: 1 link(s), cluster 1191.</span>' in done.stdout
    panel = re.search(r'<div id="graph-panel"[^>]*>', done.stdout).group(0)
    assert 'data-selected="store-2398"' in panel and 'data-status="ready"' in panel
    # The findings now show that account's one pair, and the details panel its link.
    assert done.stdout.count('<tbody class="pair"') == 1
    assert '<tbody class="pair" id="pair-p1208" data-level="4" data-a="store-2398" data-b="store-2399">' in done.stdout
    assert "<p>In cluster 1191 (critical, 2 accounts)</p><p>Linked to:</p><ul><li>store-2399 — critical (email)</li></ul>" \
        in done.stdout


@pytest.mark.browser
def test_report_search_opens_a_closed_cluster(big_page, tmp_path):
    _, _, html = big_page
    page = tmp_path / "big.html"
    page.write_text(html, encoding="utf-8")
    done = subprocess.run([*run_chromium_command(tmp_path / "chromium-find"), page.resolve().as_uri() + "#account=store-0005"],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    panel = dict(re.findall(r'([\w-]+)="([^"]*)"', re.search(r'<div id="graph-panel"([^>]*)>', done.stdout).group(1)))
    assert panel["data-status"] == "ready" and panel["data-selected"] == "store-0005"
    assert panel["data-collapsed-clusters"] == "0"  # opened: its 20 accounts are drawn one by one
    assert "store-0005: 2 link(s), cluster 1." in done.stdout


def run_chromium_command(profile_dir) -> list[str]:
    from test_report import CHROMIUM_FLAGS, chromium

    return [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", "--dump-dom"]


def test_page_script_picks_the_layout_at_the_builders_size():
    from pathlib import Path

    from linkcheck.report import COSE_MAX_NODES

    script = (Path(__file__).resolve().parent.parent / "linkcheck" / "report" / "static" / "report.js").read_text(
        encoding="utf-8")
    assert f"var COSE_MAX_NODES = {COSE_MAX_NODES};" in script
