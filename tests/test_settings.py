"""Settings that stick: the settings file, `config`, and option > environment > file > default."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import PASSPHRASE, write_json
from linkcheck import capture, settings
from linkcheck.store import Store

FIXTURE_MACHINE = Path(__file__).resolve().parent / "fixtures" / "machines" / "laptop-a.json"


@pytest.fixture
def config_file(tmp_path) -> Path:
    return tmp_path / "home" / ".config" / "linkcheck" / "settings.toml"


def _write_settings(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ----- where the file is -----------------------------------------------------------------------


def test_settings_file_is_in_xdg_config_home(cli, config_file):
    result = cli("config", "path")
    assert result.exit_code == 0
    assert result.output.strip() == str(config_file)


def test_config_set_writes_a_toml_file_mode_600_that_tomllib_reads(cli, config_file):
    assert cli("config", "set", "region", "cn").exit_code == 0
    assert cli("config", "set", "operator", 'Acme "Home" \\ LLC').exit_code == 0
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_file.parent.stat().st_mode) == 0o700
    assert tomllib.loads(config_file.read_text(encoding="utf-8")) == {
        "region": "CN",
        "operator": 'Acme "Home" \\ LLC',
    }
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["settings.toml"]  # no partial file left


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_the_toml_writer_round_trips_any_text(text):
    assert tomllib.loads(settings.render({"operator": text})) == {"operator": text}


# ----- config set / get / unset / list ---------------------------------------------------------


def test_config_get_json_says_value_and_source(cli, config_file):
    cli("config", "set", "format", "csv")
    result = cli("config", "get", "format", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["key"], data["value"], data["source"], data["from"]) == (
        "format", "csv", "settings file", str(config_file)
    )


def test_config_get_prints_the_bare_value(cli):
    cli("config", "set", "lang", "zh")
    result = cli("config", "get", "lang")
    assert result.output == "zh\n"


def test_config_unset_brings_back_the_default(cli, config_file):
    cli("config", "set", "lang", "zh")
    result = cli("config", "unset", "lang")
    assert result.exit_code == 0
    # The settings file said zh when the command began: it answers in Chinese (the interface language).
    assert f"已从 {config_file} 删除 lang" in result.output
    data = json.loads(cli("config", "get", "lang", "--format", "json").output)
    assert (data["value"], data["source"]) == ("en", "default")
    assert "nothing to remove" in cli("config", "unset", "lang").output


def test_config_list_json_shows_every_setting_with_its_source(cli, config_file, store_path):
    cli("config", "set", "region", "GB")
    result = cli("config", "list", "--format", "json", env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["settings_file"] == str(config_file)
    by_key = {row["key"]: row for row in data["settings"]}
    assert set(by_key) == set(settings.KEYS)
    assert (by_key["region"]["value"], by_key["region"]["source"]) == ("GB", "settings file")
    assert (by_key["lang"]["value"], by_key["lang"]["source"], by_key["lang"]["from"]) == (
        "zh", "environment", "LINKCHECK_LANG"
    )
    assert (by_key["format"]["value"], by_key["format"]["source"]) == ("table", "default")
    assert (by_key["store"]["value"], by_key["store"]["source"]) == (str(store_path), "environment")


@pytest.mark.public_ip_default
def test_config_list_table_names_the_source_of_each_value(cli):
    cli("config", "set", "public_ip", "auto")
    lines = cli("config", "list").output.splitlines()
    assert lines[0].split() == ["key", "value", "source", "from"]
    public_ip = next(line for line in lines if line.startswith("public_ip"))
    assert public_ip.split()[:4] == ["public_ip", "auto", "settings", "file"]


@pytest.mark.public_ip_default
def test_config_list_table_speaks_chinese_but_json_keeps_the_english_words(cli):
    cli("config", "set", "lang", "zh")
    lines = cli("config", "list").output.splitlines()
    assert lines[0].split() == ["设置项", "值", "来源", "具体来源"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert rows["lang"].split()[1:3] == ["zh", "设置文件"]
    assert rows["proxy"].split()[1:] == ["默认", "无（直连）"]
    assert rows["rules"].split()[1:] == ["默认", "内置规则"]
    assert rows["operator"].split()[1:] == ["默认", "账户记录的公司名称"]  # no English after the key
    listed = json.loads(cli("config", "list", "--format", "json").output)["settings"]
    proxy = next(row for row in listed if row["key"] == "proxy")
    assert (proxy["source"], proxy["from"]) == ("default", "none (direct)")


def test_config_set_accepts_a_dashed_key(cli, config_file):
    assert cli("config", "set", "public-ip", "AUTO").exit_code == 0
    assert 'public_ip = "auto"' in config_file.read_text(encoding="utf-8")


def test_config_set_makes_a_relative_store_path_absolute(cli, tmp_path, config_file):
    cli("config", "set", "store", "mine.db")
    assert tomllib.loads(config_file.read_text(encoding="utf-8"))["store"] == str(tmp_path / "mine.db")


def test_config_set_warns_when_the_environment_wins(cli):
    result = cli("config", "set", "format", "json", env={"LINKCHECK_FORMAT": "csv"})
    assert result.exit_code == 0
    assert "$LINKCHECK_FORMAT is set in this environment and wins" in result.output


# ----- refusals --------------------------------------------------------------------------------


def test_unknown_setting_is_refused_with_exit_3_listing_the_valid_ones(cli, config_file):
    for args in (("set", "colour", "red"), ("get", "colour"), ("unset", "colour")):
        result = cli("config", *args)
        assert result.exit_code == 3, args
        assert result.output.strip() == (
            "linkcheck: error: unknown setting 'colour'; valid settings: "
            "computer, format, lang, operator, proxy, public_ip, region, rules, store"
        )
    assert not config_file.exists()


@pytest.mark.parametrize(
    "key, value, complaint",
    [
        ("format", "xml", "must be one of table, json, csv"),
        ("lang", "fr", "must be one of en, zh"),
        ("region", "XX", "must be a two-letter country code"),
        ("public_ip", "203.0.113.7", "must be one of auto, off"),
        ("proxy", "socks5://127.0.0.1:1080", "must be an http:// or https:// proxy URL"),
        ("operator", "line\nbreak", "must be printable text"),
    ],
)
def test_bad_values_are_refused_with_exit_3_naming_the_setting(cli, config_file, key, value, complaint):
    result = cli("config", "set", key, value)
    assert result.exit_code == 3
    assert result.output.startswith(f"linkcheck: error: invalid value for setting '{key}': {complaint}")
    assert not config_file.exists()


def test_a_rules_file_that_does_not_load_is_refused(cli, tmp_path, config_file):
    bad = tmp_path / "rules.toml"
    bad.write_text('[levels]\nwifi = "high"\n', encoding="utf-8")
    result = cli("config", "set", "rules", bad)
    assert result.exit_code == 3
    assert not config_file.exists()


def test_a_damaged_settings_file_is_one_line_naming_file_and_line(cli, demo_store, config_file):
    _write_settings(config_file, 'region = "CN"\nformat = json\n')
    result = cli("account", "list")
    assert result.exit_code == 3
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"linkcheck: error: settings file {config_file}, line 2: not valid TOML")
    assert "Traceback" not in result.output


def test_an_unknown_key_in_the_file_names_its_line_and_unset_removes_it(cli, demo_store, config_file):
    _write_settings(config_file, '# mine\nregion = "CN"\ncolour = "red"\n')
    result = cli("account", "list")
    assert result.exit_code == 3
    assert result.output.startswith(f"linkcheck: error: settings file {config_file}, line 3: unknown setting 'colour'")
    assert "valid settings: computer, format, lang" in result.output
    assert cli("config", "unset", "colour").exit_code == 0
    assert tomllib.loads(config_file.read_text(encoding="utf-8")) == {"region": "CN"}
    assert cli("account", "list").exit_code == 0


def test_a_bad_value_in_the_file_names_its_line(cli, demo_store, config_file):
    _write_settings(config_file, 'format = "xml"\n')
    result = cli("account", "list")
    assert result.exit_code == 3
    assert result.output.strip() == (
        f"linkcheck: error: settings file {config_file}, line 1: format must be one of table, json, csv"
    )


def test_a_bad_environment_value_is_refused(cli, demo_store):
    result = cli("account", "list", env={"LINKCHECK_FORMAT": "xml"})
    assert result.exit_code == 3
    assert result.output.strip() == "linkcheck: error: $LINKCHECK_FORMAT: must be one of table, json, csv"


def test_config_path_works_with_a_damaged_file(cli, config_file):
    _write_settings(config_file, "this is = = not toml")
    assert cli("config", "path").exit_code == 0


# ----- precedence: option > environment > settings file > default ------------------------------


def test_format_precedence(cli, demo_store):
    default = cli("account", "list").output
    assert default.startswith("name ")
    cli("config", "set", "format", "json")
    from_file = cli("account", "list").output
    assert json.loads(from_file)[0]["name"] == "acme-de"
    from_env = cli("account", "list", env={"LINKCHECK_FORMAT": "csv"}).output
    assert from_env.startswith("name,marketplace,status")
    from_option = cli("account", "list", "--format", "table", env={"LINKCHECK_FORMAT": "csv"}).output
    assert from_option == default


def test_format_setting_applies_only_where_the_command_offers_it(cli, demo_store):
    cli("config", "set", "format", "csv")
    result = cli("check", "acme-us", "--machine", FIXTURE_MACHINE)
    assert result.output.split("\n")[0].startswith(("GO", "STOP"))  # check has no CSV: its table
    key_line = cli("pubkey").output.splitlines()[0]
    assert len(key_line) == 44 and " " not in key_line  # pubkey's own default: the key alone


def test_store_precedence(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("LINKCHECK_STORE")
    from_file = tmp_path / "from-file.db"
    from_env = tmp_path / "from-env.db"
    from_option = tmp_path / "from-option.db"
    cli("config", "set", "store", from_file)
    assert cli("init").exit_code == 0
    assert cli("init", env={"LINKCHECK_STORE": str(from_env)}).exit_code == 0
    assert cli("init", "--store", from_option, env={"LINKCHECK_STORE": str(from_env)}).exit_code == 0
    for path in (from_file, from_env, from_option):
        with Store.open(path, PASSPHRASE) as st:
            assert st.count_accounts() == 0
    cli("config", "unset", "store")
    default = json.loads(cli("config", "get", "store", "--format", "json").output)
    assert default["source"] == "default"
    assert default["value"] == str(tmp_path / "home" / ".config" / "linkcheck" / "store.db")


def _phone_profile(tmp_path, marketplace: str = "") -> Path:
    return write_json(
        tmp_path / "shop.json",
        {"account": "willow-shop", "marketplace": marketplace, "attributes": {"phone": ["138 0013 8000"]}},
    )


def _phones(cli, name="willow-shop") -> list[str]:
    data = json.loads(cli("account", "show", name, "--reveal", "--format", "json").output)
    return [a["value"] for a in data["attributes"] if a["kind"] == "phone"]


def test_region_setting_reads_numbers_without_a_country_code(cli, store, tmp_path):
    profile = _phone_profile(tmp_path)
    refused = cli("import", profile)
    assert refused.exit_code == 3 and "no country code" in refused.output
    cli("config", "set", "region", "CN")
    assert cli("import", profile).exit_code == 0
    with Store.open(store, PASSPHRASE) as st:
        assert [a.normalized for a in st.profile("willow-shop").attributes] == ["+8613800138000"]


def test_region_environment_wins_over_the_file_and_the_option_over_both(cli, store, tmp_path):
    cli("config", "set", "region", "US")  # 138 0013 8000 is not a US number
    profile = _phone_profile(tmp_path)
    assert cli("import", profile).exit_code == 3
    assert cli("import", profile, env={"LINKCHECK_REGION": "CN"}).exit_code == 0
    cli("account", "remove", "willow-shop", "--yes")
    assert cli("import", profile, "--region", "CN", env={"LINKCHECK_REGION": "US"}).exit_code == 0


def test_the_accounts_marketplace_comes_before_the_region_setting(cli, store, tmp_path):
    # Read as Chinese, (201) 555-0123 would be a valid Guangzhou number: the marketplace wins.
    cli("config", "set", "region", "CN")
    write_json(tmp_path / "us.json", {"account": "acme-us", "marketplace": "amazon.com",
                                      "attributes": {"phone": ["(201) 555-0123"]}})
    assert cli("import", tmp_path / "us.json").exit_code == 0
    assert cli("attr", "add", "acme-us", "phone", "(201) 555-0188").exit_code == 0
    with Store.open(store, PASSPHRASE) as st:
        assert sorted(a.normalized for a in st.profile("acme-us").attributes) == ["+12015550123", "+12015550188"]


def test_region_setting_applies_to_attr_add_and_precheck(cli, store):
    cli("account", "add", "willow-shop")
    cli("config", "set", "region", "CN")
    assert cli("attr", "add", "willow-shop", "phone", "138 0013 8000").exit_code == 0
    result = cli("precheck", "--phone", "13800138000", "--format", "json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["pairs"][0]["accounts"] == ["planned", "willow-shop"]


def test_lang_and_operator_precedence_on_statement(cli, demo_store):
    args = ("statement", "lotus-jp", "--against", "nordic-de", "--format", "json")
    default = json.loads(cli(*args).output)
    assert default["lang"] == "en"
    cli("config", "set", "lang", "zh")
    cli("config", "set", "operator", "Lotus Paper Holdings")
    from_file = json.loads(cli(*args).output)
    assert (from_file["lang"], from_file["operator"]) == ("zh", "Lotus Paper Holdings")
    from_env = json.loads(cli(*args, env={"LINKCHECK_LANG": "en", "LINKCHECK_OPERATOR": "Lotus Trading"}).output)
    assert (from_env["lang"], from_env["operator"]) == ("en", "Lotus Trading")
    from_option = json.loads(cli(*args, "--lang", "zh", "--operator", "Lotus KK",
                                 env={"LINKCHECK_LANG": "en", "LINKCHECK_OPERATOR": "Lotus Trading"}).output)
    assert (from_option["lang"], from_option["operator"]) == ("zh", "Lotus KK")


def test_rules_precedence(cli, demo_store, tmp_path):
    strict = tmp_path / "strict.toml"
    strict.write_text('[levels]\nbrand = "critical"\n', encoding="utf-8")
    lenient = tmp_path / "lenient.toml"
    lenient.write_text('[levels]\nbrand = "low"\n', encoding="utf-8")

    def brand_levels(*args, env=None):
        result = cli("audit", "--format", "json", "--fail-on", "critical", *args, env=env)
        findings = [f for p in json.loads(result.output)["pairs"] for f in p["findings"] if f["facet"] == "brand"]
        return {f["level"] for f in findings}

    default = brand_levels()
    assert default and "critical" not in default
    cli("config", "set", "rules", strict)
    assert brand_levels() == {"critical"}
    assert brand_levels(env={"LINKCHECK_RULES": str(lenient)}) == {"low"}
    assert brand_levels("--rules", strict, env={"LINKCHECK_RULES": str(lenient)}) == {"critical"}


def test_a_missing_rules_file_in_the_settings_is_invalid_input(cli, demo_store, tmp_path, config_file):
    _write_settings(config_file, f'rules = "{tmp_path / "gone.toml"}"\n')
    result = cli("audit")
    assert result.exit_code == 3
    assert "gone.toml" in result.output


@pytest.fixture
def echo_server():
    import http.server
    import threading

    servers = []

    def start(answer: bytes) -> str:
        class Echo(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/ip"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.public_ip_default
def test_public_ip_setting_and_its_overrides(cli, echo_server):
    url = echo_server(b"203.0.113.44")
    env = {capture.ECHO_URLS_ENV: url}

    def public_ip(*args, extra=None):
        result = cli("fingerprint", "--format", "json", *args, env={**env, **(extra or {})})
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["public_ip"]["address"]

    assert public_ip() is None  # default: no network call
    cli("config", "set", "public_ip", "auto")
    assert public_ip() == "203.0.113.44"
    assert public_ip(extra={"LINKCHECK_PUBLIC_IP": "off"}) is None
    assert public_ip("--public-ip", "off") is None
    assert public_ip("--public-ip", "198.51.100.9") == "198.51.100.9"


@pytest.mark.public_ip_default
def test_proxy_setting_is_used_by_the_public_ip_lookup(cli, echo_server):
    # A plain HTTP proxy receives the absolute URL: the echo server answers it as a proxy would.
    proxy = echo_server(b"198.51.100.8").rsplit("/", 1)[0]
    cli("config", "set", "public_ip", "auto")
    cli("config", "set", "proxy", proxy)
    result = cli("fingerprint", "--format", "json", env={capture.ECHO_URLS_ENV: "http://127.0.0.2:9/ip"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["public_ip"]["address"] == "198.51.100.8"


@pytest.mark.public_ip_default
def test_explicit_proxy_needs_public_ip_auto_from_option_or_setting(cli):
    assert cli("fingerprint", "--machine", FIXTURE_MACHINE, "--proxy", "http://127.0.0.1:9").exit_code == 2
    cli("config", "set", "public_ip", "auto")
    result = cli("fingerprint", "--machine", FIXTURE_MACHINE, "--proxy", "http://127.0.0.1:9",
                 "--public-ip", "off")
    assert result.exit_code == 2


def test_setting_choices_match_the_commands():
    from linkcheck.appeal import statement
    from linkcheck.cli.output import OUTPUT_FORMATS

    assert settings.LANGS == tuple(statement.LANGS)
    assert settings.OUTPUT_FORMATS == tuple(OUTPUT_FORMATS)


# ----- the store path before the passphrase; account remove ------------------------------------


@pytest.mark.parametrize("args", [("account", "list"), ("account", "add", "x"), ("audit",), ("unlock",),
                                  ("check", "acme-us"), ("passwd",), ("backup", "b.db"), ("store", "--counts"),
                                  ("pubkey",), ("log",), ("report",), ("import", "x.json"), ("verify", "x.json")])
def test_the_store_path_is_checked_before_asking_for_a_passphrase(cli, monkeypatch, tmp_path, args):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    result = cli(*args, input=PASSPHRASE + "\n", passphrase=None)
    assert "passphrase" not in result.output.lower()
    if args[0] != "verify":
        assert result.exit_code == 2
        assert "no store at" in result.output


def test_account_remove_of_an_unknown_account_says_so_before_asking(cli, demo_store, monkeypatch):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)
    result = cli("account", "remove", "no-such-shop", input="y\n")
    assert result.exit_code == 2
    assert "no-such-shop" in result.output
    assert "Remove account" not in result.output


def test_account_remove_on_a_terminal_asks_the_passphrase_once(cli, demo_store, monkeypatch):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)
    result = cli("account", "remove", "acme-us", input=f"wrong\n{PASSPHRASE}\ny\n", passphrase=None)
    assert result.exit_code == 0, result.output
    assert result.output.count("Store passphrase") == 2  # one wrong try, then the right one: no third
    assert "Removed account acme-us" in result.output
    with Store.open(demo_store, PASSPHRASE) as st:
        assert not st.has_account("acme-us")


def test_account_remove_still_asks_for_a_known_account(cli, demo_store, monkeypatch):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)
    result = cli("account", "remove", "acme-us", input="n\n")
    assert "Remove account 'acme-us' and all its values?" in result.output
    assert result.exit_code == 1  # declined: click's Abort
    with Store.open(demo_store, PASSPHRASE) as st:
        assert st.has_account("acme-us")


def test_settings_file_in_an_unreachable_folder_is_as_if_absent(tmp_path, monkeypatch):
    # Someone else's config folder (`sudo -E`): nothing can be seen, so nothing applies.
    monkeypatch.setattr(os, "access", lambda path, mode: False)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", denied)
    assert settings.read_file(tmp_path / "nowhere" / "settings.toml") == {}


@pytest.mark.public_ip_default
def test_the_demo_runs_on_the_defaults_whatever_the_users_settings(cli, tmp_path):
    plain = cli("demo", "--output-dir", tmp_path / "plain")
    assert plain.exit_code == 0, plain.output
    strict = tmp_path / "strict.toml"
    strict.write_text('[levels]\nbrand = "critical"\n', encoding="utf-8")
    # Every setting but `lang` (the language the user reads, which the demo keeps: see test_demo.py).
    for key, value in (("format", "json"), ("public_ip", "auto"), ("rules", str(strict)),
                       ("region", "CN"), ("operator", "Someone Else Ltd")):
        assert cli("config", "set", key, value).exit_code == 0
    closed = "http://127.0.0.1:9/ip"  # were public_ip=auto applied, the check step would STOP
    configured = cli("demo", "--output-dir", tmp_path / "configured",
                     env={capture.ECHO_URLS_ENV: closed, "LINKCHECK_FORMAT": "csv"})
    assert configured.exit_code == 0, configured.output
    def comparable(text: str) -> str:  # the throwaway folder's random name aside
        text = re.sub(r"linkcheck-demo-[^/]+/", "linkcheck-demo-X/", text.replace("configured", "plain"))
        text = re.sub(r"\d{4}-\d\d-\d\dT[\d:]+Z", "<TS>", text)
        return re.sub(r"machine_id [0-9a-f]{4}…", "machine_id X…", text)  # keyed per store

    assert comparable(configured.output) == comparable(plain.output)
    assert cli("config", "get", "format").output == "json\n"  # and the settings are still there


def test_a_failed_write_leaves_the_old_settings_file_and_no_partial(cli, config_file, monkeypatch):
    cli("config", "set", "region", "CN")
    before = config_file.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(settings.os, "replace", disk_full)
    result = cli("config", "set", "format", "json")
    assert result.exit_code == 3
    assert result.output.strip() == (
        f"linkcheck: error: cannot write the settings file {config_file}: No space left on device"
    )
    assert config_file.read_bytes() == before
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["settings.toml"]
