"""What entering a value checks beyond the value: the company's country (issue 16)."""

from __future__ import annotations

import json

from conftest import write_json

GERMAN_NUMBER = "+49 30 901820"  # valid in Germany once +49 is given to it
WARNING = ("phone ****1820 has no country code and was read as a DE number, but its company name says the "
           "company is in CN; write it with its +country code if it is not a DE number")


def _shown(cli, name: str) -> list[dict]:
    result = cli("account", "show", name, "--format", "json", "--reveal")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["attributes"]


def test_import_warns_when_a_number_takes_the_marketplaces_country_but_the_company_is_elsewhere(cli, store, tmp_path):
    path = write_json(tmp_path / "p.json", {
        "account": "jade-de", "marketplace": "amazon.de",
        "attributes": {"company_name": ["深圳市翠玉贸易有限公司"], "phone": ["030 901820"]},
    })
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"warning: {path.name}: account 'jade-de': {WARNING}"]
    phone = [a for a in _shown(cli, "jade-de") if a["kind"] == "phone"][0]
    assert phone["flags"] == ["region:DE"]  # kept: a warning, not a refusal
    assert "Imported 1 new account(s)" in result.stdout


def test_no_warning_when_the_company_is_in_the_marketplaces_country_or_the_number_has_its_code(cli, store, tmp_path):
    path = write_json(tmp_path / "p.json", [
        {"account": "linden-de", "marketplace": "amazon.de",
         "attributes": {"address": ["Lindenallee 5, 10115 Berlin, Germany"], "phone": ["030 901820"]}},
        {"account": "jade-de", "marketplace": "amazon.de",
         "attributes": {"company_name": ["深圳市翠玉贸易有限公司"], "phone": [GERMAN_NUMBER]}},
        {"account": "plain-de", "marketplace": "amazon.de", "attributes": {"phone": ["030 901820"]}},
    ])
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


def test_attr_add_warns_on_stderr_and_adds_the_value(cli, store):
    cli("account", "add", "jade-de", "--marketplace", "amazon.de")
    assert cli("attr", "add", "jade-de", "registration_number", "91440300MA5F7QX20H").exit_code == 0
    result = cli("attr", "add", "jade-de", "phone", "030 901820")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "warning: account 'jade-de': phone ****1820 has no country code and was read as a DE number, but its "
        "registration number says the company is in CN; write it with its +country code if it is not a DE number"
    )
    assert result.stdout.strip() == "Added phone ****1820 to jade-de"


def test_a_bare_tax_number_takes_the_companys_country_before_the_marketplaces(cli, store, tmp_path):
    path = write_json(tmp_path / "p.json", [
        {"account": "linden-uk", "marketplace": "amazon.co.uk",
         "attributes": {"address": ["Lindenallee 5, 10115 Berlin, Germany"], "tax_id": ["246813508"]}},
        {"account": "linden-de", "marketplace": "amazon.de", "attributes": {"tax_id": ["DE 246 813 508"]}},
    ])
    assert cli("import", path).exit_code == 0
    uk = [a for a in _shown(cli, "linden-uk") if a["kind"] == "tax_id"][0]
    assert uk["flags"] == ["country:DE"]
    audit = json.loads(cli("audit", "--format", "json").output)
    pair = [p for p in audit["pairs"] if set(p["accounts"]) == {"linden-uk", "linden-de"}]
    assert pair and pair[0]["level"] == "critical"


def test_a_bad_checksum_is_shown_on_the_account(cli, store):
    cli("account", "add", "linden-de", "--marketplace", "amazon.de")
    assert cli("attr", "add", "linden-de", "tax_id", "DE 246 813 509").exit_code == 0
    result = cli("account", "show", "linden-de")
    assert "bad-checksum" in result.stdout
    assert [a["flags"] for a in _shown(cli, "linden-de")] == [["country:DE", "bad-checksum"]]


def test_attr_remove_finds_a_bare_number_read_in_the_companys_country(cli, store):
    cli("account", "add", "linden-uk", "--marketplace", "amazon.co.uk")
    assert cli("attr", "add", "linden-uk", "address", "Lindenallee 5, 10115 Berlin, Germany").exit_code == 0
    assert cli("attr", "add", "linden-uk", "tax_id", "246813508").exit_code == 0
    assert [a["flags"] for a in _shown(cli, "linden-uk") if a["kind"] == "tax_id"] == [["country:DE"]]
    result = cli("attr", "remove", "linden-uk", "tax_id", "246 813 508", "--yes")
    assert result.exit_code == 0, result.output
    assert [a["kind"] for a in _shown(cli, "linden-uk")] == ["address"]


def test_a_chinese_mobile_without_86_on_a_us_account_of_a_chinese_company_is_warned_about(cli, store, tmp_path):
    # 13055500123 is also +1 305 550 0123: written bare, the marketplace's leading-1 reading
    # took the US, so the company's country decides whether it is worth a warning.
    path = write_json(tmp_path / "p.json", {
        "account": "jade-us", "marketplace": "amazon.com",
        "attributes": {"company_name": ["深圳市翠玉贸易有限公司"], "phone": ["13055500123"]},
    })
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {path.name}: account 'jade-us': phone ****0123 has no country code and was read as a US number, "
        "but its company name says the company is in CN; write it with its +country code if it is not a US number"]
    phone = [a for a in _shown(cli, "jade-us") if a["kind"] == "phone"][0]
    assert phone["flags"] == ["region:US", "cn_mobile_shape"]


def test_a_number_grouped_as_a_chinese_mobile_is_warned_about_even_when_nothing_places_the_company(cli, store, tmp_path):
    path = write_json(tmp_path / "p.json", [
        {"account": "jade-us", "marketplace": "amazon.com", "attributes": {"phone": ["130 5550 0123"]}},
        {"account": "oak-us", "marketplace": "amazon.com", "attributes": {"phone": ["1 305 550 0124"]}},
        {"account": "elm-us", "marketplace": "amazon.com", "attributes": {"phone": ["13055500125"]}},
    ])
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    # Only the 3-4-4 grouping, which no North American number is written in; the same digits
    # bare or grouped 1-3-3-4 are as likely a US number with its leading 1.
    assert result.stderr.splitlines() == [
        f"warning: {path.name}[0]: account 'jade-us': phone ****0123 has no country code and was read as a US number, "
        "but it is written as a Chinese mobile number is (3-4-4 digits); write it as +86 and the number if that is "
        "what it is"]


def test_no_chinese_mobile_warning_for_a_us_company(cli, store, tmp_path):
    path = write_json(tmp_path / "p.json", {
        "account": "oak-us", "marketplace": "amazon.com",
        "attributes": {"address": ["100 Oak Street, Springfield, IL 62701, USA"], "phone": ["130 5550 0123"]},
    })
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


def test_precheck_warns_like_an_import_and_still_checks(cli, store):
    result = cli("precheck", "-m", "amazon.com", "--phone", "13055500123", "--company-name", "深圳市翠玉贸易有限公司")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: account 'planned': phone ****0123 has no country code and was read as a US number, but its company "
        "name says the company is in CN; write it with its +country code if it is not a US number"]
    assert result.stdout.startswith("CLEAR: planned shares nothing")
    quiet = cli("precheck", "-m", "amazon.com", "--phone", "(305) 550-0123")
    assert quiet.exit_code == 0 and quiet.stderr == ""
