"""Account health: parsing, targets, statuses, the `health` commands, exposure in the audit, the appeal paragraph."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal

import pytest

from linkcheck import health as hl
from linkcheck.linkage.engine import Cluster, Link
from linkcheck.models import Account, Level
from linkcheck.linkage.rules import parse_rules, rules_from_dict

from conftest import write_json


def _figures(by_day: dict) -> dict:
    return {date.fromisoformat(d): {k: hl.parse_rate(v) for k, v in values.items()} for d, values in by_day.items()}


def _health(by_day: dict, marketplace: str = "amazon.com", name: str = "acme-us") -> hl.AccountHealth:
    return hl.assess(Account(name, marketplace), _figures(by_day), hl.DEFAULT_TARGETS)


def _set(cli, name, *args):
    result = cli("health", "set", name, *args)
    assert result.exit_code == 0, result.output
    return result


# ----- percentages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["0.4%", "0.4 %", " 0.4% ", ".4%", "0,4%", "0.4％", "０.４％", "+0.4%", "4‰", "0.004", ".004", "4e-3", "4E-3",
     "0.40%", 0.004],
)
def test_every_spelling_of_four_tenths_of_a_percent_reads_the_same(spelling):
    assert hl.parse_rate(spelling) == Decimal("0.004")


@pytest.mark.parametrize("spelling, expected", [
    ("0%", "0"), ("0", "0"), (0, "0"), ("100%", "1"), ("1", "1"), (1, "1"), ("98.6%", "0.986"), ("0.986", "0.986"),
])
def test_the_ends_of_the_range_are_accepted(spelling, expected):
    assert hl.parse_rate(spelling) == Decimal(expected)


@pytest.mark.parametrize("spelling, message", [
    ("", "empty"),
    ("   ", "empty"),
    ("abc", "is not a percentage"),
    ("0.4%%", "is not a percentage"),
    ("0.4.1%", "is not a percentage"),
    ("1,234,5%", "is not a percentage"),
    ("%", "is not a percentage"),
    ("-0.4%", "negative"),
    ("-0.004", "negative"),
    ("100.1%", "outside 0-100%"),
    ("150%", "outside 0-100%"),
    ("97", "write 97% or 0.97"),
    ("1.5", "write 1.5% or 0.015"),
    ("nan", "is not a percentage"),
    ("inf", "is not a percentage"),
    ("1e-999999999", "is not a percentage"),
    ("1e999999999", "is not a percentage"),
    ("4" * 41 + "%", "too long"),
    (True, "expected a percentage"),
    (None, "expected a percentage"),
    (float("nan"), "expected a percentage"),
    ([0.4], "expected a percentage"),
])
def test_what_is_not_a_rate_is_refused_with_what_to_write(spelling, message):
    with pytest.raises(ValueError) as refused:
        hl.parse_rate(spelling)
    assert message in str(refused.value)


@pytest.mark.parametrize("rate, shown", [
    ("0.004", "0.4%"), ("0.986", "98.6%"), ("0.01", "1%"), ("0.025", "2.5%"), ("0", "0%"), ("1", "100%"),
    ("0.00125", "0.125%"),
])
def test_rates_are_shown_as_amazon_shows_them(rate, shown):
    assert hl.format_percent(Decimal(rate)) == shown


@pytest.mark.parametrize("spelling", ["2026-11-01", "2026/11/1", "2026.11.01", "2026年11月1日", " 2026-11-01 "])
def test_dates_are_read_in_the_usual_spellings(spelling):
    assert hl.parse_date(spelling, latest=date(2026, 12, 31)) == date(2026, 11, 1)


@pytest.mark.parametrize("spelling, message", [
    ("11/01/2026", "YYYY-MM-DD"), ("2026-02-30", "not a calendar date"), ("1999-12-31", "before 2000"),
    ("yesterday", "YYYY-MM-DD"),
])
def test_what_is_not_a_date_is_refused(spelling, message):
    with pytest.raises(ValueError) as refused:
        hl.parse_date(spelling, latest=date(2026, 12, 31))
    assert message in str(refused.value)


def test_a_date_after_tomorrow_is_refused_as_a_typo():
    tomorrow = hl.today() + timedelta(days=1)
    assert hl.parse_date(tomorrow.isoformat()) == tomorrow  # a seller east of UTC records "today"
    with pytest.raises(ValueError, match="in the future"):
        hl.parse_date((tomorrow + timedelta(days=1)).isoformat())


# ----- statuses at the boundaries ------------------------------------------------------------


@pytest.mark.parametrize("metric, value, status", [
    ("odr", "0.79%", "ok"), ("odr", "0.8%", "warning"), ("odr", "0.99%", "warning"), ("odr", "1%", "breach"),
    ("odr", "1.01%", "breach"), ("odr", "0%", "ok"),
    ("cancel_rate", "1.99%", "ok"), ("cancel_rate", "2%", "warning"), ("cancel_rate", "2.49%", "warning"),
    ("cancel_rate", "2.5%", "breach"),
    ("late_shipment", "3.19%", "ok"), ("late_shipment", "3.2%", "warning"), ("late_shipment", "3.99%", "warning"),
    ("late_shipment", "4%", "breach"),
    ("valid_tracking", "100%", "ok"), ("valid_tracking", "96.01%", "ok"), ("valid_tracking", "96%", "warning"),
    ("valid_tracking", "95.01%", "warning"), ("valid_tracking", "95%", "breach"), ("valid_tracking", "94.99%", "breach"),
])
def test_status_at_the_boundaries_of_amazons_targets(metric, value, status):
    assert hl.status_of(hl.parse_rate(value), hl.DEFAULT_TARGET_SET[metric]) == status


def test_the_account_takes_the_worst_status_of_its_metrics_and_the_trend_compares_the_last_two_days():
    h = _health({"2026-10-01": {"odr": "0.9%", "valid_tracking": "97%"},
                 "2026-11-01": {"odr": "0.5%", "valid_tracking": "96%"}})
    assert h.status == "warning"
    assert [(m.metric.key, m.status, m.trend) for m in h.metrics] == [
        ("odr", "ok", "improving"), ("valid_tracking", "warning", "worsening")]
    assert hl.trend_text(h.metric("odr")) == "0.9% → 0.5% (improving)"


# ----- targets per marketplace from the rules file -------------------------------------------

RULES_TOML = """
[health.amazon]
odr = "0.9%"
late_shipment = { target = "3%", warning = "2%" }

[health."amazon.de"]
odr = 0.008

[health."*"]
valid_tracking = "97%"
"""


def test_a_more_specific_marketplace_table_wins_metric_by_metric():
    targets = parse_rules(RULES_TOML, toml=True).health
    de = targets.for_marketplace("amazon.de")
    assert (de["odr"].limit, de["late_shipment"].limit, de["late_shipment"].warning) == (
        Decimal("0.008"), Decimal("0.03"), Decimal("0.02"))
    assert de["valid_tracking"].limit == Decimal("0.97") and de["valid_tracking"].warning == Decimal("0.976")
    us = targets.for_marketplace("Amazon.com")
    assert us["odr"].limit == Decimal("0.009") and us["odr"].warning == Decimal("0.0072")
    assert us["cancel_rate"] == hl.DEFAULT_TARGET_SET["cancel_rate"]
    other = targets.for_marketplace("ebay.com")
    assert other["odr"] == hl.DEFAULT_TARGET_SET["odr"] and other["valid_tracking"].limit == Decimal("0.97")
    assert targets.for_marketplace("")["valid_tracking"].limit == Decimal("0.97")


def test_without_a_health_table_every_marketplace_gets_amazons_targets():
    assert hl.targets_of(rules_from_dict({})).for_marketplace("walmart.com") == dict(hl.DEFAULT_TARGET_SET)


@pytest.mark.parametrize("table, message", [
    ({"amazon": {"odr_rate": "1%"}}, "health.amazon.odr_rate: unknown metric"),
    ({"amazon": {"odr": "abc"}}, "health.amazon.odr: 'abc' is not a percentage"),
    ({"amazon": {"odr": "0%"}}, "can never be met"),
    ({"amazon": {"odr": {"target": "1%", "warning": "2%"}}}, "at or below the target"),
    ({"amazon": {"valid_tracking": {"target": "95%", "warning": "90%"}}}, "at or above the target"),
    ({"amazon": {"odr": {"warning": "0.5%"}}}, "a target is needed"),
    ({"amazon": {"odr": {"target": "1%", "alert": "0.5%"}}}, "unknown setting 'alert'"),
    ({"amazon": "1%"}, "expected a table of targets"),
    ({"amazon de": {"odr": "1%"}}, "expected a marketplace"),
])
def test_a_wrong_health_table_is_refused_naming_the_entry(table, message):
    from linkcheck.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        rules_from_dict({"health": table}, name="my-rules.toml")
    assert message in refused.value.message
    assert refused.value.message.startswith("rules file my-rules.toml: health.")


def test_rules_with_health_targets_load_back_from_as_dict():
    custom = parse_rules(RULES_TOML, toml=True)
    again = rules_from_dict(json.loads(json.dumps(custom.as_dict())))
    assert again.health == custom.health
    assert "health" not in rules_from_dict({}).as_dict()


def test_health_command_uses_the_rules_file_targets(cli, demo_store, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[health.amazon]\nodr = "0.5%"\n', encoding="utf-8")
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.6%")
    assert cli("health", "acme-us").exit_code == 0
    strict = cli("health", "acme-us", "--rules", rules, "--format", "json")
    assert strict.exit_code == 1
    metric = json.loads(strict.output)["accounts"][0]["metrics"][0]
    assert (metric["status"], metric["target"]["percent"]) == ("breach", "0.5%")


def test_a_bad_rules_file_exits_3(cli, demo_store, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[health.amazon]\nodr = "5"\n', encoding="utf-8")
    result = cli("health", "--rules", rules)
    assert result.exit_code == 3
    assert "health.amazon.odr: 5 is outside 0-100%" in result.stderr


# ----- health set / show ---------------------------------------------------------------------


def test_set_records_the_figures_and_says_what_it_read(cli, demo_store):
    result = _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.4%", "--cancel-rate", "0,8%",
                  "--late-shipment", "0.011", "--valid-tracking", "98.6 %")
    assert result.output.splitlines() == [
        "Recorded acme-us on 2026-11-01: order defect rate 0.4%, pre-fulfilment cancellation rate 0.8%, "
        "late shipment rate 1.1%, valid tracking rate 98.6%."
    ]
    data = json.loads(cli("health", "acme-us", "--format", "json").output)
    assert [(m["metric"], m["percent"], m["date"]) for m in data["accounts"][0]["metrics"]] == [
        ("odr", "0.4%", "2026-11-01"), ("cancel_rate", "0.8%", "2026-11-01"),
        ("late_shipment", "1.1%", "2026-11-01"), ("valid_tracking", "98.6%", "2026-11-01")]


def test_set_without_a_date_records_today(cli, demo_store):
    _set(cli, "lotus-jp", "--odr", "0.1%")
    data = json.loads(cli("health", "lotus-jp", "--format", "json").output)
    assert data["accounts"][0]["last_date"] == hl.today().isoformat()


def test_setting_a_day_again_replaces_only_the_metrics_given(cli, demo_store):
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.4%", "--late-shipment", "1%")
    again = _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.6%")
    assert "This replaces the order defect rate recorded earlier for that day." in again.output
    metrics = json.loads(cli("health", "acme-us", "--format", "json").output)["accounts"][0]["metrics"]
    assert [(m["metric"], m["percent"], len(m["history"])) for m in metrics] == [
        ("odr", "0.6%", 1), ("late_shipment", "1%", 1)]


def test_a_bare_number_that_looks_like_a_percent_is_recorded_as_a_fraction_with_a_note(cli, demo_store):
    result = _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.4")
    assert "order defect rate 40%" in result.stdout
    assert "note: --odr 0.4 was read as the fraction 0.4, that is 40%" in result.stderr


@pytest.mark.parametrize("args, code, message", [
    (["nobody", "--odr", "0.4%"], 2, "no account named 'nobody'"),
    (["acme-us"], 2, "nothing to record"),
    (["acme-us", "--odr", "1.5%", "--valid-tracking", "97"], 3,
     "--valid-tracking: 97 is outside 0-100%: a number without % is a fraction of one; write 97% or 0.97; "
     "nothing was recorded"),
    (["acme-us", "--odr", "abc", "--late-shipment", "-1%"], 3, "--odr: 'abc' is not a percentage"),
    (["acme-us", "--date", "01/11/2026", "--odr", "0.4%"], 3, "--date: '01/11/2026' is not a date"),
    (["acme-us", "--date", "2999-01-01", "--odr", "0.4%"], 3, "--date: 2999-01-01 is in the future"),
])
def test_set_refuses_bad_input_and_records_nothing(cli, demo_store, args, code, message):
    result = cli("health", "set", *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert "No health figures recorded yet." in cli("health").output


def test_set_lists_every_bad_option_at_once(cli, demo_store):
    result = cli("health", "set", "acme-us", "--odr", "abc", "--late-shipment", "-1%")
    assert result.stderr.strip() == (
        "linkcheck: error: --odr: 'abc' is not a percentage; write 0.4% or the fraction 0.004; "
        "--late-shipment: -1% is negative; a rate is between 0% and 100%; nothing was recorded"
    )


def test_figures_are_sealed_in_the_store(cli, demo_store, store_path):
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.4321%")
    raw = b"".join(p.read_bytes() for p in store_path.parent.iterdir() if p.is_file())
    for plain in (b"0.004321", b"0.4321", b"2026-11-01", b"health", b"odr"):
        assert plain not in raw
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1


def test_health_exits_1_when_an_account_is_in_breach_and_0_otherwise(cli, demo_store):
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.8%")
    assert cli("health").exit_code == 0  # a warning is not a breach
    assert cli("health", "--fail-on", "warning").exit_code == 1
    _set(cli, "lotus-jp", "--date", "2026-11-01", "--valid-tracking", "95%")
    assert cli("health").exit_code == 1
    assert cli("health", "acme-us").exit_code == 0  # only the account asked about counts


def test_health_table_shows_latest_target_status_and_trend(cli, demo_store):
    _set(cli, "acme-us", "--date", "2026-10-01", "--odr", "0.9%", "--valid-tracking", "97.5%")
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "1.2%", "--valid-tracking", "96%")
    result = cli("health")
    assert result.exit_code == 1
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[0] == "BREACH   acme-us (amazon.com): 2 dates, 2026-10-01 to 2026-11-01"
    assert lines[1].split() == ["metric", "latest", "date", "target", "status", "trend"]
    assert lines[3].split() == ["order", "defect", "rate", "1.2%", "2026-11-01", "below", "1%", "breach",
                                "0.9%", "→", "1.2%", "(worsening)"]
    assert lines[4].split() == ["valid", "tracking", "rate", "96%", "2026-11-01", "above", "95%", "warning",
                                "97.5%", "→", "96%", "(worsening)"]
    assert lines[-1] == "1 in breach, 0 warning, 0 ok; 9 of 10 accounts have no figures recorded"


def test_health_table_says_first_reading_instead_of_repeating_it(cli, demo_store):
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "1.2%")
    lines = [line.split() for line in cli("health").output.splitlines()]
    assert ["order", "defect", "rate", "1.2%", "2026-11-01", "below", "1%", "breach", "first", "reading"] in lines
    zh = cli("health", env={"LINKCHECK_LANG": "zh"}).output
    assert "首次记录" in zh and "1.2%  1.2%" not in zh


def test_health_json_has_the_documented_shape(cli, demo_store):
    _set(cli, "acme-us", "--date", "2026-10-01", "--odr", "0.9%")
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.5%", "--cancel-rate", "2%")
    result = cli("health", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["summary"] == {"accounts": 1, "ok": 0, "warning": 1, "breach": 0}
    account = data["accounts"][0]
    assert {k: v for k, v in account.items() if k != "metrics"} == {
        "account": "acme-us", "marketplace": "amazon.com", "account_status": "active", "status": "warning",
        "first_date": "2026-10-01", "last_date": "2026-11-01", "dates": 2}
    assert account["metrics"][0] == {
        "metric": "odr", "label": "order defect rate", "label_zh": "订单缺陷率",
        "value": 0.005, "percent": "0.5%", "date": "2026-11-01",
        "target": {"rule": "below", "value": 0.01, "percent": "1%"},
        "warning_at": {"value": 0.008, "percent": "0.8%"},
        "status": "ok", "trend": "improving",
        "history": [{"date": "2026-10-01", "value": 0.009, "percent": "0.9%"},
                    {"date": "2026-11-01", "value": 0.005, "percent": "0.5%"}],
    }
    assert account["metrics"][1]["status"] == "warning" and account["metrics"][1]["trend"] is None


def test_health_csv_has_one_row_per_account_and_metric(cli, demo_store):
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.5%", "--valid-tracking", "98%")
    lines = cli("health", "--format", "csv").output.splitlines()
    assert lines == [
        "account,marketplace,metric,value,percent,date,target,warning_at,status,trend,history",
        "acme-us,amazon.com,odr,0.005,0.5%,2026-11-01,below 1%,0.8%,ok,,2026-11-01 0.5%",
        "acme-us,amazon.com,valid_tracking,0.98,98%,2026-11-01,above 95%,96%,ok,,2026-11-01 98%",
    ]


def test_health_name_and_health_show_name_are_the_same_and_an_account_named_set_is_reachable(cli, demo_store):
    assert cli("account", "add", "set", "-m", "amazon.com").exit_code == 0
    _set(cli, "set", "--date", "2026-11-01", "--odr", "1%")
    shown = cli("health", "show", "set", "--format", "json")
    assert shown.exit_code == 1
    assert json.loads(shown.output)["accounts"][0]["account"] == "set"
    assert cli("health", "set", "--format", "json").exit_code == 2  # `set` is the subcommand
    assert cli("health", "acme-us").output == cli("health", "show", "acme-us").output
    assert json.loads(cli("health", "--format", "json").output)["summary"]["breach"] == 1


def test_health_for_an_unknown_account_exits_2(cli, demo_store):
    result = cli("health", "nobody")
    assert result.exit_code == 2
    assert "no account named 'nobody'" in result.stderr


def test_health_for_an_account_without_figures_says_how_to_record_them(cli, demo_store):
    result = cli("health", "lotus-jp")
    assert result.exit_code == 0
    assert result.output.strip() == (
        "No health figures recorded for lotus-jp. `linkcheck health set lotus-jp --date YYYY-MM-DD --odr 0.4%` records them."
    )


def test_health_figures_follow_a_renamed_account_and_stay_out_of_the_check_log(cli, demo_store):
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.5%")
    assert cli("account", "set", "acme-us", "--rename", "acme-usa").exit_code == 0
    data = json.loads(cli("health", "--format", "json").output)
    assert [a["account"] for a in data["accounts"]] == ["acme-usa"]
    # No health figure in the log: only the rename's own entry.
    assert [e["action"] for e in json.loads(cli("log", "--format", "json").output)] == ["account-rename"]


# ----- health import -------------------------------------------------------------------------


def test_import_csv_records_every_row(cli, demo_store, tmp_path):
    path = tmp_path / "health.csv"
    path.write_text(
        "account,date,odr,cancel_rate,late_shipment,valid_tracking\n"
        "acme-us,2026-10-01,0.9%,1.2%,2.1%,97.5%\n"
        "acme-us,2026-11-01,0.004,,0.011,0.986\n"
        "lotus-jp,2026-11-01,0.2%,0.1%,0.5%,99%\n",
        encoding="utf-8",
    )
    result = cli("health", "import", path)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Recorded 3 reading(s) for 2 account(s) on 2 date(s) (2026-10-01 to 2026-11-01). `linkcheck health` shows them."
    )
    data = json.loads(cli("health", "--format", "json").output)
    acme = data["accounts"][0]
    assert [(m["metric"], m["percent"], m["date"]) for m in acme["metrics"]] == [
        ("odr", "0.4%", "2026-11-01"), ("cancel_rate", "1.2%", "2026-10-01"),
        ("late_shipment", "1.1%", "2026-11-01"), ("valid_tracking", "98.6%", "2026-11-01")]


def test_an_import_warns_of_a_bare_number_that_looks_like_a_percent_as_health_set_does(cli, demo_store, tmp_path):
    path = tmp_path / "health.csv"
    path.write_text(
        "account,date,odr,cancel_rate,late_shipment,valid_tracking\n"
        "acme-us,2026-11-01,0.4,0.8%,0.011,0.986\n",
        encoding="utf-8",
    )
    result = cli("health", "import", path)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "note: health.csv row 2: odr 0.4 was read as the fraction 0.4, that is 40%; if you meant 0.4%, "
        "write it with the % sign and import the file again (the latest record wins)")
    json_path = write_json(tmp_path / "health.json", [{"account": "acme-us", "date": "2026-11-02", "odr": 0.5}])
    result = cli("health", "import", json_path)
    assert "note: health.json record 1: odr 0.5 was read as the fraction 0.5, that is 50%" in result.stderr



def test_an_order_defect_rate_of_five_times_its_target_written_bare_is_noted_and_smaller_ones_are_not(
        cli, demo_store, tmp_path):
    # Account Health shows "ODR 0.09%": copied without its sign it reads as 9 %.
    path = tmp_path / "health.csv"
    path.write_text("Store,Date,ODR,Late shipment rate\nacme-us,2026-11-01,0.09,0.09\nacme-us,2026-11-02,0.04,0.04\n",
                    encoding="utf-8")
    result = cli("health", "import", path)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "note: health.csv row 2: odr 0.09 was read as the fraction 0.09, that is 9%; if you meant 0.09%, "
        "write it with the % sign and import the file again (the latest record wins)")


def test_an_account_name_mistyped_in_an_import_gets_a_did_you_mean(cli, demo_store, tmp_path):
    path = tmp_path / "health.csv"
    path.write_text("account,date,odr\nacme-su,2026-11-01,0.4%\nzzzz,2026-11-01,0.4%\n", encoding="utf-8")
    result = cli("health", "import", path)
    assert result.exit_code == 3
    assert "health.csv row 2: no account named 'acme-su' on file (did you mean acme-us?)" in result.stderr
    assert "health.csv row 3: no account named 'zzzz' on file (`linkcheck account list`)" in result.stderr

@pytest.mark.parametrize("header", ["Store", "Shop name", "店铺名称", "Seller"])
def test_import_takes_the_account_column_under_the_names_import_takes(cli, demo_store, tmp_path, header):
    path = tmp_path / "health.csv"
    path.write_text(f"{header},date,odr\nacme-us,2026-11-01,0.4%\n", encoding="utf-8")
    result = cli("health", "import", path)
    assert result.exit_code == 0, result.output

def test_import_reads_chinese_headers_gb18030_semicolons_and_decimal_commas(cli, demo_store, tmp_path):
    path = tmp_path / "账户状况.csv"
    path.write_bytes(
        "账户;日期;订单缺陷率;配送前取消率;迟发率;有效追踪率\n"
        "acme-us;2026年11月1日;0,4%;0,8%;1,1%;98,6%\n".encode("gb18030")
    )
    assert cli("health", "import", path).exit_code == 0
    metrics = json.loads(cli("health", "acme-us", "--format", "json").output)["accounts"][0]["metrics"]
    assert [m["percent"] for m in metrics] == ["0.4%", "0.8%", "1.1%", "98.6%"]


def test_import_json_accepts_numbers_strings_and_the_long_metric_names(cli, demo_store, tmp_path):
    path = write_json(tmp_path / "health.json", {"health": [
        {"account": "acme-us", "date": "2026-11-01", "order_defect_rate": 0.004, "late_shipment_rate": "1.1%",
         "valid_tracking_rate": None},
    ]})
    assert cli("health", "import", path).exit_code == 0
    metrics = json.loads(cli("health", "acme-us", "--format", "json").output)["accounts"][0]["metrics"]
    assert [(m["metric"], m["percent"]) for m in metrics] == [("odr", "0.4%"), ("late_shipment", "1.1%")]


def test_an_import_with_bad_rows_writes_nothing_and_lists_every_problem(cli, demo_store, tmp_path):
    path = tmp_path / "health.csv"
    path.write_text(
        "account,date,odr,valid_tracking\n"
        "acme-us,2026-10-01,0.9%,97.5%\n"
        "acme-us,2026-11-01,150%,97\n"
        "nobody,2026-11-01,0.5%,99%\n"
        "lotus-jp,,,\n"
        "acme-us,2026-10-01,0.8%,98%\n",
        encoding="utf-8",
    )
    result = cli("health", "import", path)
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "  health.csv row 3: odr: 150% is outside 0-100%",
        "  health.csv row 3: valid_tracking: 97 is outside 0-100%: a number without % is a fraction of one; "
        "write 97% or 0.97",
        "  health.csv row 4: no account named 'nobody' on file (`linkcheck account list`)",
        "  health.csv row 5: no date",
        "  health.csv row 5: no figures; give at least one of odr, cancel_rate, late_shipment, valid_tracking",
        "  health.csv row 6: acme-us 2026-10-01 is already given in health.csv row 2",
        "linkcheck: error: 4 invalid rows (6 problems); nothing was imported",
    ]
    assert "No health figures recorded yet." in cli("health").output


@pytest.mark.parametrize("content, message", [
    ("account,date,odr_pct\nacme-us,2026-11-01,1%\n", "unknown column(s) 'odr_pct'; use account, date, odr"),
    ("account,odr\nacme-us,1%\n", "the header needs account and date columns"),
])
def test_an_import_with_a_wrong_header_exits_3(cli, demo_store, tmp_path, content, message):
    path = tmp_path / "health.csv"
    path.write_text(content, encoding="utf-8")
    result = cli("health", "import", path)
    assert result.exit_code == 3
    assert message in result.stderr


def test_an_import_of_a_workbook_or_bad_json_exits_3_saying_what_to_do(cli, demo_store, tmp_path):
    book = tmp_path / "health.csv"
    book.write_bytes(b"PK\x03\x04rest of a zip")
    result = cli("health", "import", book)
    assert result.exit_code == 3 and "save it as CSV" in result.stderr
    named = tmp_path / "health.xlsx"
    named.write_bytes(b"PK\x03\x04rest of a zip")
    result = cli("health", "import", named)
    assert result.exit_code == 3
    assert result.stderr == (
        f"linkcheck: error: {named}: it looks like an Excel workbook; save it as CSV "
        "(File > Save As > CSV UTF-8) and import that\n"
    )
    broken = tmp_path / "health.json"
    broken.write_text("[{", encoding="utf-8")
    result = cli("health", "import", broken)
    assert result.exit_code == 3 and "not valid JSON" in result.stderr
    odd = tmp_path / "health.json"
    odd.write_text('{"account": "acme-us"}', encoding="utf-8")
    result = cli("health", "import", odd)
    assert result.exit_code == 3 and "expected a list of records" in result.stderr


# ----- exposure in the audit and the report --------------------------------------------------


def _link(a, b, kind="email"):
    return Link(a, b, (kind,), Level.CRITICAL)


def test_exposure_follows_the_chain_from_the_nearest_breached_account():
    clusters = [Cluster(("a", "b", "c", "d"), Level.CRITICAL, (_link("a", "b"), _link("b", "c", "phone"), _link("d", "c")))]
    exposed = hl.exposure(clusters, ["c"], {"d": "suspended"})
    assert [(e.account, e.because_of, [(link.a, link.b, link.kinds) for link in e.chain]) for e in exposed] == [
        ("b", "c", [("c", "b", ("phone",))]),
        ("a", "c", [("c", "b", ("phone",)), ("b", "a", ("email",))]),
    ]


def test_exposure_from_two_breaches_takes_the_nearer_source():
    clusters = [Cluster(("a", "b", "c"), Level.CRITICAL, (_link("a", "b"), _link("b", "c")))]
    exposed = hl.exposure(clusters, ["a", "c"], {})
    assert [(e.account, e.because_of, len(e.chain)) for e in exposed] == [("b", "a", 1)]


def test_audit_lists_the_breached_account_and_every_account_exposed_through_the_chain(cli, demo_store):
    _set(cli, "brightway-uk", "--date", "2026-11-01", "--late-shipment", "4%")
    result = cli("audit")
    lines = result.output.splitlines()
    at = lines.index("Accounts at risk of suspension: account health in breach")
    assert lines[at + 1] == "  brightway-uk (amazon.co.uk): late shipment rate 4% (target below 4%, 2026-11-01)"
    at = lines.index("Accounts exposed to a health breach through their links")
    assert lines[at + 1:at + 3] == [
        "  brightway-ca  because of brightway-uk: brightway-uk –email/ip_network/brand→ brightway-ca",
        "  pine-mx  because of brightway-uk: brightway-uk –email/ip_network/brand→ brightway-ca; "
        "brightway-ca –phone→ pine-mx",
    ]


def test_audit_json_health_section(cli, demo_store):
    _set(cli, "brightway-uk", "--date", "2026-11-01", "--late-shipment", "4%")
    _set(cli, "lotus-jp", "--date", "2026-11-01", "--odr", "0.9%")
    result = cli("audit", "--format", "json")
    assert result.exit_code == 1  # the pairs, as before: health does not change audit's exit code
    section = json.loads(result.output)["health"]
    assert set(section) == {"recorded", "in_breach", "warning", "exposed"}
    assert section["recorded"] == 2
    assert [(a["account"], a["marketplace"], [m["metric"] for m in a["metrics"]]) for a in section["in_breach"]] == [
        ("brightway-uk", "amazon.co.uk", ["late_shipment"])]
    assert [(a["account"], [m["status"] for m in a["metrics"]]) for a in section["warning"]] == [("lotus-jp", ["warning"])]
    assert section["exposed"] == [
        {"account": "brightway-ca", "because_of": "brightway-uk",
         "chain": [{"from": "brightway-uk", "to": "brightway-ca", "kinds": ["email", "ip_network", "brand"],
                    "level": "critical"}]},
        {"account": "pine-mx", "because_of": "brightway-uk",
         "chain": [{"from": "brightway-uk", "to": "brightway-ca", "kinds": ["email", "ip_network", "brand"],
                    "level": "critical"},
                   {"from": "brightway-ca", "to": "pine-mx", "kinds": ["phone"], "level": "critical"}]},
    ]


def test_a_suspended_account_is_neither_at_risk_of_suspension_nor_exposed(cli, demo_store):
    # acme-de is suspended already; acme-us is linked to it and in breach.
    _set(cli, "acme-de", "--date", "2026-11-01", "--odr", "3%")
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "2%")
    section = json.loads(cli("audit", "--format", "json").output)["health"]
    assert [a["account"] for a in section["in_breach"]] == ["acme-us"]
    assert section["exposed"] == []


def test_audit_for_one_account_keeps_the_breach_that_exposes_it(cli, demo_store):
    _set(cli, "brightway-uk", "--date", "2026-11-01", "--late-shipment", "4%")
    section = json.loads(cli("audit", "--account", "pine-mx", "--format", "json").output)["health"]
    assert [a["account"] for a in section["in_breach"]] == ["brightway-uk"]
    assert [e["account"] for e in section["exposed"]] == ["pine-mx"]
    quiet = cli("audit", "--account", "willow-us")
    assert quiet.output.splitlines()[-1] == "Account health: no breach or warning concerns willow-us."


def test_audit_output_is_unchanged_until_health_figures_are_recorded(cli, demo_store):
    data = json.loads(cli("audit", "--format", "json").output)
    assert "health" not in data
    assert "health" not in cli("audit").output.lower()


def test_report_shows_breaches_and_exposed_accounts(cli, demo_store, tmp_path):
    _set(cli, "brightway-uk", "--date", "2026-11-01", "--late-shipment", "4.5%")
    assert cli("report", "-o", tmp_path / "r.html").exit_code == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="health">'):]
    section = section[:section.index("</section>")]
    assert ('<tr class="health-breach"><td class="acct">brightway-uk</td><td>amazon.co.uk</td>'
            "<td>late shipment rate <b>4.5%</b> (target below 4%, 2026-11-01)</td></tr>") in section
    assert '<tr><td class="acct">pine-mx</td><td class="acct">brightway-uk</td>' in section


def test_report_has_no_health_section_without_figures(cli, demo_store, tmp_path):
    assert cli("report", "-o", tmp_path / "r.html").exit_code == 0
    assert 'id="health"' not in (tmp_path / "r.html").read_text(encoding="utf-8")


# ----- the standing paragraph for the appeal -------------------------------------------------

GOOD = {"2026-08-01": {"odr": "0.9%", "cancel_rate": "1%", "late_shipment": "2%", "valid_tracking": "97%"},
        "2026-11-01": {"odr": "0.4%", "cancel_rate": "0.8%", "late_shipment": "1.1%", "valid_tracking": "98.6%"}}


def test_standing_paragraph_in_english_when_every_target_is_met():
    assert hl.standing_paragraph(_health(GOOD)) == (
        "As of 1 November 2026, our account meets all four of Amazon's account health targets: its order defect "
        "rate is 0.4% (target below 1%), its pre-fulfilment cancellation rate is 0.8% (target below 2.5%), its late "
        "shipment rate is 1.1% (target below 4%) and its valid tracking rate is 98.6% (target above 95%). We have "
        "recorded these figures on two dates since 1 August 2026, and every figure recorded has met its target."
    )


def test_standing_paragraph_in_chinese_when_every_target_is_met():
    assert hl.standing_paragraph(_health(GOOD), "zh") == (
        "截至2026年11月1日，我们账户的四项账户状况指标均达到亚马逊的要求：订单缺陷率为0.4%（要求低于1%），"
        "配送前取消率为0.8%（要求低于2.5%），迟发率为1.1%（要求低于4%），有效追踪率为98.6%（要求高于95%）。"
        "自2026年8月1日以来，我们共记录了2次数据，各项指标始终符合要求。"
    )


MIXED = {"2026-10-01": {"odr": "0.4%", "cancel_rate": "4%"},
         "2026-11-01": {"odr": "0.4%", "cancel_rate": "3.1%", "late_shipment": "1%"}}


def test_standing_paragraph_is_honest_about_a_target_not_yet_met_in_english():
    assert hl.standing_paragraph(_health(MIXED)) == (
        "As of 1 November 2026, our account meets Amazon's account health targets for its order defect rate "
        "(0.4%, target below 1%) and its late shipment rate (1%, target below 4%). It does not yet meet the target "
        "for its pre-fulfilment cancellation rate, which is 3.1% against a target below 2.5%, down from 4% on "
        "1 October 2026. We have recorded these figures on two dates since 1 October 2026."
    )


def test_standing_paragraph_is_honest_about_a_target_not_yet_met_in_chinese():
    assert hl.standing_paragraph(_health(MIXED), "zh") == (
        "截至2026年11月1日，我们账户的订单缺陷率和迟发率已达到亚马逊的要求：订单缺陷率为0.4%（要求低于1%），"
        "迟发率为1%（要求低于4%）；但配送前取消率为3.1%，尚未达到低于2.5%的要求，已从2026年10月1日的4%降至3.1%。"
        "自2026年10月1日以来，我们共记录了2次数据。"
    )


RECOVERED = {"2026-10-01": {"odr": "1.2%"}, "2026-11-01": {"odr": "0.5%"}}


def test_standing_paragraph_names_a_breach_brought_back_within_target():
    h = _health(RECOVERED)
    assert hl.standing_paragraph(h, subject="acme-us") == (
        "As of 1 November 2026, acme-us meets Amazon's account health target for its order defect rate (0.5%, "
        "target below 1%). We have recorded these figures on two dates since 1 October 2026. The order defect rate "
        "was outside its target on 1 October 2026 (1.2%) and has since been brought back within it."
    )
    assert hl.standing_paragraph(h, "zh", subject="acme-us") == (
        "截至2026年11月1日，acme-us的订单缺陷率为0.5%（要求低于1%），达到亚马逊的要求。自2026年10月1日以来，"
        "我们共记录了2次数据。订单缺陷率在2026年10月1日曾为1.2%，未达到要求，现已恢复到要求范围内。"
    )


def test_standing_paragraph_when_nothing_is_met_and_the_marketplace_is_not_amazon():
    h = _health({"2026-10-01": {"odr": "1.2%", "valid_tracking": "90%"}}, marketplace="ebay.com")
    assert hl.standing_paragraph(h) == (
        "As of 1 October 2026, our account does not yet meet the marketplace's target for its order defect rate, "
        "which is 1.2% against a target below 1%. Nor does it yet meet the target for its valid tracking rate, "
        "which is 90% against a target above 95%."
    )
    assert hl.standing_paragraph(h, "zh") == (
        "截至2026年10月1日，我们账户的订单缺陷率为1.2%，尚未达到低于1%的要求；有效追踪率为90%，尚未达到高于95%的要求。"
    )


def test_standing_paragraph_dates_a_metric_read_earlier_than_the_others():
    h = _health({"2026-10-01": {"odr": "0.3%", "valid_tracking": "97%"}, "2026-10-15": {"odr": "0.2%"}})
    assert "(97%, target above 95%, recorded on 1 October 2026)" in hl.standing_paragraph(h)
    assert "有效追踪率为97%（要求高于95%，2026年10月1日数据），均达到亚马逊的要求。" in hl.standing_paragraph(h, "zh")


def test_standing_paragraph_reads_the_recorded_figures_from_the_store(cli, demo_store, store_path):
    from linkcheck.errors import UsageError
    from linkcheck.store import Store

    from conftest import PASSPHRASE

    _set(cli, "acme-us", "--date", "2026-10-01", "--odr", "1.2%")
    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.5%")
    with Store.open(store_path, PASSPHRASE) as st:
        (h,) = hl.load(st, hl.DEFAULT_TARGETS, account="acme-us")
        assert hl.standing_paragraph(h) == hl.standing_paragraph(_health(RECOVERED))
        assert hl.standing_from_store(st, "acme-us", "zh") == hl.standing_paragraph(_health(RECOVERED), "zh")
        with pytest.raises(UsageError, match="no health figures recorded for lotus-jp"):
            hl.standing_from_store(st, "lotus-jp")
        with pytest.raises(UsageError, match="no account named 'nobody'"):
            hl.standing_from_store(st, "nobody")


def test_standing_paragraph_without_figures_or_in_another_language_is_refused():
    from linkcheck.errors import UsageError

    with pytest.raises(UsageError, match="no health figures recorded for acme-us"):
        hl.standing_paragraph(hl.assess(Account("acme-us", "amazon.com"), {}, hl.DEFAULT_TARGETS))
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        hl.standing_paragraph(_health(GOOD), "fr")


def test_health_figures_are_not_login_history_in_a_statement(cli, demo_store, tmp_path):
    def login_history() -> dict:
        out = tmp_path / "statement.json"
        result = cli("statement", "lotus-jp", "--against", "nordic-de", "--format", "json", "-o", out, "--force")
        assert result.exit_code == 0, result.output
        return json.loads(out.read_text(encoding="utf-8"))["login_history"]

    before = login_history()
    _set(cli, "lotus-jp", "--date", "2026-11-01", "--odr", "0.2%")
    assert login_history() == before
    assert before["first"] is None  # no check was logged: the health entry did not become one


def test_a_json_import_lists_every_bad_record_including_unknown_keys(cli, demo_store, tmp_path):
    path = tmp_path / "figures.txt"
    path.write_text(json.dumps([
        {"account": "acme-us", "date": "2026-11-01", "odr": "0.4%", "tracking": "99%"},
        "acme-us",
        {"account": "acme-us", "date": "2026-11-02", "odr": True},
        {"account": "lotus-jp", "date": "2026-11-01", "valid_tracking": 0.99},
    ]), encoding="utf-8")
    result = cli("health", "import", path, "--input-format", "json")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "  figures.txt record 1: unknown column(s) 'tracking'; use account, date, odr, cancel_rate, late_shipment, "
        "valid_tracking",
        "  figures.txt record 2: expected an object with account, date and metrics",
        "  figures.txt record 3: odr: expected a percentage such as 0.4% or a fraction such as 0.004",
        "linkcheck: error: 3 invalid rows; nothing was imported",
    ]
    assert "No health figures recorded yet." in cli("health").output


def test_the_store_hands_out_only_health_entries_when_asked(cli, demo_store, store_path):
    from linkcheck.models import Event
    from linkcheck.store import Store

    from conftest import PASSPHRASE

    _set(cli, "acme-us", "--date", "2026-11-01", "--odr", "0.5%")
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        # A detail that quotes the marker must not pass for a health entry.
        st.add_event(Event(1, "acme-us", "check", "GO", {"note": {"action": "health"}}))
    with Store.open(store_path, PASSPHRASE) as st:
        assert [e.action for e in st.events()] == ["health", "check"]
        assert [e.action for e in st.events(action="health")] == ["health"]
        assert [e.action for e in st.events(account="acme-us", action="check")] == ["check"]


def test_a_new_account_does_not_inherit_the_health_figures_of_a_removed_one(cli, demo_store):
    assert cli("health", "set", "acme-us", "--date", "2026-11-01", "--odr", "2%").exit_code == 0
    assert cli("health", "set", "lotus-jp", "--date", "2026-11-01", "--odr", "0.2%").exit_code == 0
    assert cli("account", "remove", "acme-us", "--yes").exit_code == 0
    assert cli("account", "add", "acme-us", "--marketplace", "amazon.com").exit_code == 0
    shown = json.loads(cli("health", "--format", "json").output)
    assert [a["account"] for a in shown["accounts"]] == ["lotus-jp"]
    # the store still verifies after the deletes (the manifest was kept in step)
    assert cli("audit", "--format", "json").exit_code in (0, 1)
    assert cli("log").exit_code == 0


def test_renaming_another_account_to_a_removed_name_does_not_bring_its_figures_back(cli, demo_store):
    assert cli("health", "set", "acme-us", "--date", "2026-11-01", "--odr", "2%").exit_code == 0
    assert cli("account", "remove", "acme-us", "--yes").exit_code == 0
    assert cli("account", "set", "lotus-jp", "--rename", "acme-us").exit_code == 0
    shown = json.loads(cli("health", "--format", "json").output)
    assert shown["accounts"] == []
