"""What an agency's trial (14 Amazon stores for 6 clients) found: a shared login listed twice by
`statement`, explanations that covered every value of a kind, hubs that could never be explained,
bank numbers that lost their leading zeros in Excel, and smaller wording."""

from __future__ import annotations

import json

import pytest


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _accounts(cli, *names: str) -> None:
    for name in names:
        _ok(cli("account", "add", name, "--marketplace", "amazon.com"))


def _add(cli, name: str, kind: str, value: str) -> None:
    _ok(cli("attr", "add", name, kind, value))


# ----- 1. one shared thing, once ---------------------------------------------------------------


@pytest.fixture
def shared_login(cli, store):
    """Two stores that hold one email login both as their platform login and as their contact email."""
    _accounts(cli, "oak-us", "elm-us")
    for name in ("oak-us", "elm-us"):
        _add(cli, name, "platform_login", "seller@oak-agency.example")
        _add(cli, name, "email", "seller@oak-agency.example")
    return store


def test_a_login_that_is_also_both_accounts_email_is_refused_as_one_identifier(cli, shared_login):
    result = cli("statement", "oak-us", "--against", "elm-us")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "oak-us shares 1 identifier without an explanation" in lines[0]
    assert [line for line in lines if line.startswith("  - ")] == [
        "  - email with elm-us (exact): oak-us: s***@oak-agency.example / elm-us: s***@oak-agency.example"
    ]


def test_a_disclosed_login_is_listed_once_in_every_format(cli, shared_login):
    doc = json.loads(_ok(cli("statement", "oak-us", "--against", "elm-us", "--disclose", "--format", "json")).stdout)
    assert len(doc["shared"]) == 1
    text = _ok(cli("statement", "oak-us", "--against", "elm-us", "--disclose")).stdout
    section = text[text.index("Shared identifiers (disclosed)\n"): text.index("Login environment history\n")]
    assert section.count("shared by oak-us and elm-us") == 1


def test_one_accounts_login_that_is_the_others_email_is_one_identifier(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    _add(cli, "oak-us", "platform_login", "seller@oak-agency.example")
    _add(cli, "oak-us", "email", "seller@oak-agency.example")
    _add(cli, "elm-us", "platform_login", "seller@oak-agency.example")
    result = cli("statement", "oak-us", "--against", "elm-us")
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("  - ")] == [
        "  - email with elm-us (exact): oak-us: s***@oak-agency.example / elm-us: s***@oak-agency.example"
    ]


def test_an_explanation_of_the_login_covers_it_whichever_facet_found_it(cli, shared_login):
    _ok(cli("explain", "oak-us", "elm-us", "platform_login", "--note", "One agency login, used for both clients"))
    result = cli("statement", "oak-us", "--against", "elm-us", "--format", "json")
    assert result.exit_code == 0, result.stderr
    shared = json.loads(result.stdout)["shared"]
    assert len(shared) == 1
    assert shared[0]["explanation"]["note"] == "One agency login, used for both clients"


def test_two_different_values_of_one_kind_stay_two_identifiers_and_their_network_adds_none(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    for name in ("oak-us", "elm-us"):
        _add(cli, name, "ip", "203.0.113.7")
        _add(cli, name, "ip", "203.0.113.9")
    result = cli("statement", "oak-us", "--against", "elm-us")
    assert result.exit_code == 1
    assert [line[:len("  - ip with elm-us (exact)")] for line in result.stderr.splitlines() if line.startswith("  - ")] == [
        "  - ip with elm-us (exact)", "  - ip with elm-us (exact)"]


def test_a_network_two_accounts_share_without_a_common_address_is_one_identifier(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    _add(cli, "oak-us", "ip", "203.0.113.7")
    _add(cli, "oak-us", "ip", "203.0.113.8")
    _add(cli, "elm-us", "ip", "203.0.113.9")
    result = cli("statement", "oak-us", "--against", "elm-us")
    assert result.exit_code == 1
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(listed) == 1 and listed[0].startswith("  - ip (ip_network) with elm-us (network)")


# ----- 2. an explanation covers the values it names -------------------------------------------


def _audit(cli, *args: str) -> tuple[int, dict]:
    result = cli("audit", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def _explanations_of(data: dict, a: str, b: str) -> dict[str, str | None]:
    """{value a holds: explanation} of the findings between a and b."""
    pair = next(p for p in data["pairs"] if p["accounts"] == sorted([a, b]))
    return {f["values"][a]: f["explanation"] for f in pair["findings"] if f["facet"] == "ip"}


@pytest.fixture
def office(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    for name in ("oak-us", "elm-us"):
        _add(cli, name, "ip", "203.0.113.7")
    return store


def test_explaining_the_office_ip_does_not_explain_a_second_ip_shared_later(cli, office):
    recorded = _ok(cli("explain", "oak-us", "elm-us", "ip", "--note", "We share the office IP"))
    assert recorded.stdout.splitlines() == [
        "Recorded why elm-us and oak-us share ip.",
        "It covers 203.0.113.x; another ip value they come to share needs its own explanation.",
    ]
    assert cli("audit", "--fail-unexplained").exit_code == 0
    for name in ("oak-us", "elm-us"):
        _add(cli, name, "ip", "198.51.100.4")
    code, data = _audit(cli, "--fail-unexplained")
    assert code == 1
    assert _explanations_of(data, "oak-us", "elm-us") == {"203.0.113.x": "We share the office IP", "198.51.100.x": None}
    rows = [line.split() for line in cli("audit").stdout.splitlines() if line.startswith("    ip ")]
    assert sorted(rows) == [["ip", "high", "12", "exact", "198.51.100.x", "198.51.100.x"],
                            ["ip", "high", "12", "exact", "203.0.113.x", "203.0.113.x", "We", "share", "the", "office", "IP"]]
    refused = cli("statement", "oak-us", "--against", "elm-us")
    assert refused.exit_code == 1
    assert [line for line in refused.stderr.splitlines() if line.startswith("  - ")] == [
        "  - ip with elm-us (exact): oak-us: 198.51.100.x / elm-us: 198.51.100.x"]


def test_value_names_the_one_value_explained(cli, office):
    for name in ("oak-us", "elm-us"):
        _add(cli, name, "ip", "198.51.100.4")
    done = json.loads(_ok(cli("explain", "oak-us", "elm-us", "ip", "--value", " 203.0.113.7 ", "--note", "office",
                              "--format", "json")).stdout)
    assert done["values"] == ["203.0.113.x"] and done["accounts"] == ["elm-us", "oak-us"]
    code, data = _audit(cli, "--fail-unexplained")
    assert code == 1
    assert _explanations_of(data, "oak-us", "elm-us") == {"203.0.113.x": "office", "198.51.100.x": None}
    _ok(cli("explain", "oak-us", "elm-us", "ip", "--value", "198.51.100.4", "--note", "the warehouse line"))
    assert cli("audit", "--fail-unexplained").exit_code == 0
    listed = json.loads(_ok(cli("explain", "--list", "--format", "json")).stdout)
    assert sorted((row["note"], tuple(row["values"])) for row in listed) == [
        ("office", ("203.0.113.x",)), ("the warehouse line", ("198.51.100.x",))]


def test_a_value_neither_account_holds_is_refused(cli, office):
    result = cli("explain", "oak-us", "elm-us", "ip", "--value", "198.51.100.9", "--note", "x")
    assert result.exit_code == 2
    assert result.stderr == ("linkcheck: error: neither oak-us nor elm-us holds that ip value (--value 198.51.100.x); "
                             "`linkcheck account show NAME` lists an account's values\n")
    assert cli("explain", "--list", "--format", "json").stdout.strip() == "[]"


def test_an_invalid_value_is_invalid_input(cli, office):
    result = cli("explain", "oak-us", "elm-us", "ip", "--value", "not-an-ip", "--note", "x")
    assert result.exit_code == 3
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_explaining_a_kind_the_accounts_do_not_share_is_refused_in_english_and_chinese(cli, office):
    result = cli("explain", "oak-us", "elm-us", "mac", "--note", "just in case")
    assert result.exit_code == 2
    assert result.stderr == ("linkcheck: error: oak-us and elm-us share no mac value on record now, so there is "
                             "nothing to explain; to explain a value before they share it, name it with --value VALUE\n")
    zh = cli("explain", "oak-us", "elm-us", "mac", "--note", "x", env={"LINKCHECK_LANG": "zh"})
    assert zh.exit_code == 2
    assert "oak-us 与 elm-us 目前没有共用任何 mac 类信息，无需说明" in zh.stderr


def test_an_explanation_recorded_before_values_were_named_covers_what_was_on_record_then(cli, office, store_path):
    from linkcheck.models import Explanation, now
    from linkcheck.store import Store

    from conftest import PASSPHRASE

    with Store.open(store_path, PASSPHRASE, write=True) as st:  # as an earlier linkcheck wrote it: no values
        st.put_explanation(Explanation(("elm-us", "oak-us"), "ip", "the office", now()))
    code, data = _audit(cli, "--fail-unexplained")
    assert code == 0 and _explanations_of(data, "oak-us", "elm-us") == {"203.0.113.x": "the office"}
    listed = cli("explain", "--list").stdout
    assert "those on record then" in listed
    with Store.open(store_path, PASSPHRASE, write=True) as st:  # recorded before the values were
        st.put_explanation(Explanation(("elm-us", "oak-us"), "ip", "the office", now() - 86_400))
    code, data = _audit(cli, "--fail-unexplained")
    assert code == 1 and _explanations_of(data, "oak-us", "elm-us") == {"203.0.113.x": None}


def test_the_store_keeps_no_explained_value_in_plain_text(cli, office, store_path):
    from linkcheck.store import Store

    from conftest import PASSPHRASE

    _ok(cli("explain", "oak-us", "elm-us", "ip", "--note", "office"))
    with Store.open(store_path, PASSPHRASE) as st:
        (explanation,) = st.explanations()
    assert explanation.shown == ("203.0.113.x",)
    assert explanation.values and not any("203.0.113" in v for v in explanation.values)
    assert all(len(v) == 16 and int(v, 16) >= 0 for v in explanation.values)


def test_migrate_carries_what_an_explanation_covers(cli, office, tmp_path):
    _ok(cli("explain", "oak-us", "elm-us", "ip", "--note", "office"))
    copy = tmp_path / "copy.db"
    _ok(cli("store", "migrate", "--to", copy, env={"LINKCHECK_NEW_PASSPHRASE": "another passphrase 1"}))
    result = cli("audit", "--format", "json", "--fail-unexplained", env={"LINKCHECK_STORE": str(copy)},
                 passphrase="another passphrase 1")
    assert result.exit_code == 0, result.output
    assert _explanations_of(json.loads(result.stdout), "oak-us", "elm-us") == {"203.0.113.x": "office"}


# ----- 2b. a hub is explained for every account holding its value -----------------------------


@pytest.fixture
def agency(cli, store, tmp_path):
    """Four stores behind one office IP, with a hub size of 3: the IP is a hub."""
    names = ("s1-us", "s2-us", "s3-us", "s4-us")
    _accounts(cli, *names)
    for name in names:
        _add(cli, name, "ip", "203.0.113.7")
    rules = tmp_path / "rules.toml"
    rules.write_text("[combine]\nhub_size = 3\n", encoding="utf-8")
    return rules


def test_a_hub_stays_unexplained_until_explained_for_every_holder(cli, agency):
    code, data = _audit(cli, "--rules", agency, "--fail-unexplained")
    assert code == 1
    assert [h.get("explanation", "absent") for h in data["hubs"] if h["facet"] == "ip"] == ["absent"]
    done = _ok(cli("explain", "--all-holders", "ip", "--value", "203.0.113.7", "--note", "Our agency office line"))
    assert done.stdout == "Recorded why every account holding this ip value shares it: 203.0.113.x.\n"
    code, data = _audit(cli, "--rules", agency, "--fail-unexplained")
    assert code == 0
    assert {h["facet"]: h["explanation"] for h in data["hubs"]} == {
        "ip": "Our agency office line", "ip_network": "Our agency office line"}
    table = cli("audit", "--rules", agency).stdout
    assert "Our agency office line" in table
    listed = json.loads(cli("explain", "--list", "--format", "json").stdout)
    assert listed == [{"accounts": "", "all_holders": True, "kind": "ip", "note": "Our agency office line",
                       "values": ["203.0.113.x"], "recorded": listed[0]["recorded"]}]
    assert "every account holding the values" in cli("explain", "--list").stdout


def test_an_all_holders_explanation_covers_no_other_value(cli, agency):
    _ok(cli("explain", "--all-holders", "ip", "--value", "203.0.113.7", "--note", "office"))
    _add(cli, "s1-us", "ip", "198.51.100.4")
    _add(cli, "s2-us", "ip", "198.51.100.4")
    code, data = _audit(cli, "--rules", agency, "--fail-unexplained")
    assert code == 1
    # The pair the new IP links shows the hub's explained value beside it, and the new one unexplained.
    assert _explanations_of(data, "s1-us", "s2-us") == {"198.51.100.x": None, "203.0.113.x": "office"}


def test_all_holders_needs_a_value_that_someone_holds(cli, agency):
    missing = cli("explain", "--all-holders", "ip", "--note", "x")
    assert missing.exit_code == 2 and "--all-holders explains named values" in missing.stderr
    nobody = cli("explain", "--all-holders", "ip", "--value", "198.51.100.9", "--note", "x")
    assert nobody.exit_code == 2
    assert nobody.stderr == ("linkcheck: error: no account holds that ip value (--value 198.51.100.x); "
                             "`linkcheck account show NAME` lists an account's values\n")
    assert cli("explain", "--all-holders", "s1-us", "ip", "--value", "203.0.113.7", "--note", "x").exit_code == 2


# ----- 3. bank account numbers that lost their leading zeros -----------------------------------

ZEROS_WARNING = ("bank account ****5678 ({digits} digits) is the same number as bank account ****5678 ({digits2} "
                 "digits) of {other} once leading zeros are dropped, as a spreadsheet drops them; if they are one "
                 "account, write the number with its zeros (format the column as text), or the audit takes them "
                 "for two")


def test_attr_add_warns_about_a_number_on_file_with_its_leading_zeros(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    _add(cli, "oak-us", "bank_account", "0012345678")
    result = cli("attr", "add", "elm-us", "bank_account", "12345678")
    assert result.exit_code == 0
    assert result.stderr == "warning: account 'elm-us': " + ZEROS_WARNING.format(
        digits=8, digits2=10, other="oak-us") + "\n"
    assert "Added bank_account ****5678 to elm-us" in result.stdout
    assert "1234" not in result.stderr.replace("****5678", "")


def test_a_csv_import_warns_about_numbers_excel_stripped(cli, store, tmp_path):
    _accounts(cli, "oak-us")
    _add(cli, "oak-us", "bank_account", "0012345678")
    path = tmp_path / "from-excel.csv"
    path.write_text("account,marketplace,bank_account\nelm-us,amazon.com,12345678\npine-us,amazon.com,87654321\n",
                    encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "leading zeros" in line]
    assert len(warned) == 1
    assert warned[0].startswith("warning: ") and warned[0].endswith(
        "row 2: account 'elm-us': " + ZEROS_WARNING.format(digits=8, digits2=10, other="oak-us"))
    assert json.loads(cli("account", "show", "elm-us", "--format", "json").stdout)


def test_two_spellings_in_one_import_are_said_once(cli, store, tmp_path):
    path = tmp_path / "both.json"
    path.write_text(json.dumps([{"account": "oak-us", "attributes": {"bank_account": ["0012345678"]}},
                                {"account": "elm-us", "attributes": {"bank_account": ["12345678"]}}]), encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "leading zeros" in line]
    assert len(warned) == 1
    assert warned[0].startswith("warning: both.json[0]: account 'oak-us': " + ZEROS_WARNING.format(
        digits=10, digits2=8, other="elm-us")[:60])
    assert warned[0].endswith(ZEROS_WARNING.format(digits=10, digits2=8, other="elm-us"))


def test_no_warning_for_other_numbers_or_the_same_spelling(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    _add(cli, "oak-us", "bank_account", "0012345678")
    for value in ("0012345678", "112345678", "DE89 3704 0044 0532 0130 00"):
        result = cli("attr", "add", "elm-us", "bank_account", value)
        assert result.exit_code == 0 and result.stderr == "", (value, result.stderr)


def test_the_warning_reads_in_chinese(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    _add(cli, "oak-us", "bank_account", "0012345678")
    result = cli("attr", "add", "elm-us", "bank_account", "12345678", env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 0
    assert "去掉开头的 0 后" in result.stderr and "****5678" in result.stderr
    assert "leading zeros" not in result.stderr


# ----- 4. smaller ones: one supplier, the cause of a not-owned link, health's column names ------


def test_one_suppliers_invoices_are_from_our_supplier(cli, store, tmp_path):
    from test_appeal import _appeal, scenario_not_owned

    args, *_ = scenario_not_owned(cli, store)
    _ok(_appeal(cli, *args, "-o", tmp_path / "one"))
    exhibits = (tmp_path / "one" / "exhibits.txt").read_text(encoding="utf-8")
    assert "Recent invoices from our supplier and our logistics agreement" in exhibits
    assert "suppliers" not in exhibits
    _ok(cli("attr", "add", "kestrel-us", "supplier", "Yiwu Summit Textiles Co., Ltd.", "--since", "2025-03-01"))
    _ok(_appeal(cli, *args, "-o", tmp_path / "two", "--force"))
    assert "Recent invoices from our suppliers and our logistics agreement" in (
        tmp_path / "two" / "exhibits.txt").read_text(encoding="utf-8")


def test_the_not_owned_letter_carries_how_the_accounts_came_to_be_linked(cli, store, tmp_path):
    from test_appeal import _appeal, scenario_not_owned

    args, *_ = scenario_not_owned(cli, store)
    without = _appeal(cli, *args, "-o", tmp_path / "bare")
    assert without.exit_code == 0, without.output
    assert ("note: the letter says you do not own, control or access the related account but not how the accounts "
            "came to be linked; give it with --cause TEXT") in without.stderr
    result = _appeal(cli, *args, "--bilingual", "-o", tmp_path / "p",
                     "--cause", "Our phone number was given to us by the carrier after Marigold Home gave it up",
                     "--cause-zh", "我们的电话号码是运营商在 Marigold Home 停用后重新分配给我们的")
    assert result.exit_code == 0, result.output
    assert "--cause" not in result.stderr
    en = " ".join((tmp_path / "p" / "plan-of-action.txt").read_text(encoding="utf-8").split())
    zh = (tmp_path / "p" / "plan-of-action.zh.txt").read_text(encoding="utf-8")
    assert ("no business relationship with the company that runs it. As far as we can tell, this is how the accounts "
            "came to be linked: Our phone number was given to us by the carrier after Marigold Home gave it up.") in en
    assert "据我们了解，两个账户是这样被关联起来的：我们的电话号码是运营商在 Marigold Home 停用后重新分配给我们的。" in zh
    # The case keeps it: the next run says it again without --cause.
    again = _appeal(cli, "-o", tmp_path / "q")
    assert again.exit_code == 0 and "--cause" not in again.stderr
    assert "this is how the accounts came to be linked" in (tmp_path / "q" / "plan-of-action.txt").read_text(encoding="utf-8")


def test_a_cause_naming_an_address_is_refused_and_a_chinese_appeal_needs_it_in_chinese(cli, store, tmp_path):
    from test_appeal import _appeal, scenario_not_owned

    args, *_ = scenario_not_owned(cli, store)
    leaky = _appeal(cli, *args, "-o", tmp_path / "p", "--cause", "We both used the office line 203.0.113.7")
    assert leaky.exit_code != 0 and len(leaky.stderr.strip().splitlines()) == 1
    assert "--cause holds a MAC address, an IP address or a long number" in leaky.stderr
    english_only = _appeal(cli, *args, "-o", tmp_path / "z", "--lang", "zh", "--cause", "A recycled phone number")
    assert english_only.exit_code != 0
    assert "give it with --cause-zh TEXT" in english_only.stderr


@pytest.mark.parametrize("header", ["ODR", "Order-Defect Rate", "\ufeffaccount"])
def test_health_import_reads_column_names_as_import_does(cli, demo_store, tmp_path, header):
    first, odr = ("account", header) if header != "\ufeffaccount" else (header, "odr")
    path = tmp_path / "health.csv"
    path.write_text(f"{first},date,{odr}\nacme-us,2026-11-01,0.4%\n", encoding="utf-8")
    result = cli("health", "import", path)
    assert result.exit_code == 0, result.output


def test_a_bulk_import_compares_its_numbers_among_themselves_only():
    """Over STORE_CHECK_LIMIT numbers the store is not searched (None here would fail if it were),
    and two spellings of one number among them are still told, once."""
    from linkcheck import bankzeros

    entered = [bankzeros.Entered(f"acct-{i}", f"row {i}", f"{i:012d}") for i in range(1, bankzeros.STORE_CHECK_LIMIT + 50)]
    entered += [bankzeros.Entered("late", "row x", "42424242"), bankzeros.Entered("early", "row y", "0042424242")]
    lines = bankzeros.warnings(None, entered)
    assert len(lines) == 1 and lines[0].startswith("row x: bank account ****4242 (8 digits)") and "of early" in lines[0]
    assert bankzeros.warnings(None, entered[:-1]) == []


@pytest.mark.parametrize("scenario, option, route", [
    ("scenario_former_tenant", "--cause", "not-owned"),
    ("scenario_own", "--cause-zh", "not-owned"),
    ("scenario_not_owned", "--business-need", "own"),
    ("scenario_error", "--business-need-zh", "own"),
])
def test_a_fact_only_another_route_says_is_refused_not_dropped(cli, store, tmp_path, scenario, option, route):
    import test_appeal
    from test_appeal import PASSPHRASE, _appeal

    from linkcheck.store import Store

    args, *_ = getattr(test_appeal, scenario)(cli, store)
    result = _appeal(cli, *args, "-o", tmp_path / "p", option, "We sell different products")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"linkcheck: error: {option} is read only when the relationship is {route}, and this appeal's is "
        f"{args[1]}: leave {option} out, or give --relationship {route}"]
    assert not (tmp_path / "p").exists()
    with Store.open(store, PASSPHRASE) as st:  # the refused run kept nothing of its case
        assert st.profile("kestrel-us").account.appeal_case is None
    assert _appeal(cli, *args, "-o", tmp_path / "p").exit_code == 0  # without it, the pack is written
