"""`linkcheck store upgrade`: a store keyed by an older linkcheck's rules (match keys version)
keyed again in place, keeping everything; and what `export`/`import` say they do not carry.

An older store is made the way an older linkcheck wrote it: a value stored with the match key
version 5 gave it (`深圳市宝安区西乡镇宝源路100号`: version 6 leaves the place-level word 镇 out
of the key, so `深圳市宝安区西乡宝源路100号` now meets it), and the manifest recording version 5.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from linkcheck import models
from linkcheck.models import Account, Attribute, Profile
from linkcheck.registry import kinds
from linkcheck.store import Store, manifest

MACHINE = Path(__file__).resolve().parent / "fixtures" / "machines" / "laptop-a.json"
OLD_ADDRESS = "深圳市宝安区西乡镇宝源路100号"
NEW_SPELLING = "深圳市宝安区西乡宝源路100号"  # the same address, 镇 left out: one key by version 6's rules
V5_KEY = "address:shenzhenbaoan西乡town宝源road100"  # what version 5 made of OLD_ADDRESS
CASE = '{"case_id":"00112233445566778899aabbccddeeff","notice_date":"2026-11-28","relationship":"own"}'


def _v5_address() -> Attribute:
    normalized, keys, flags = kinds.parse_tuple("address", OLD_ADDRESS)
    exact = next(k for k in keys if k.startswith("address:"))
    assert exact != V5_KEY  # version 6 keys it otherwise (else this test tests nothing)
    return Attribute("address", OLD_ADDRESS, normalized, tuple(V5_KEY if k == exact else k for k in keys),
                     "import", 1_700_000_000, 1_700_000_000, "registered office", flags,
                     ((1_700_000_000, None, "since the company was registered"),))


@pytest.fixture
def old_store(cli, store):
    """A store written by a linkcheck of match keys version KEYS_VERSION - 1: two accounts at one
    address keyed by that version, an appeal case, a captured machine, health figures and an
    explanation -- everything an export and import would lose."""
    with pytest.MonkeyPatch.context() as older:
        older.setattr(manifest, "KEYS_VERSION", models.KEYS_VERSION - 1)
        with Store.open(store, PASSPHRASE, write=True) as st:
            for name in ("old-a", "old-b"):
                st.put_profile(Profile(Account(name, "amazon.com", "active", appeal_case=CASE if name == "old-a" else None,
                                               display_name=f"{name} Home"), (_v5_address(),)))
        for args in (("capture", "old-a", "--machine", MACHINE),
                     ("health", "set", "old-a", "--odr", "0.5%", "--date", "2026-11-01"),
                     ("explain", "old-a", "old-b", "address", "--note", "One group's registered office")):
            result = cli(*args)
            assert result.exit_code == 0, result.output
    assert json.loads(cli("store", "--counts", "--format", "json").stdout)["keys_version"] == models.KEYS_VERSION - 1
    return store


def _planned_pairs(cli) -> set[str]:
    result = cli("precheck", "--address", NEW_SPELLING, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return {name for pair in json.loads(result.stdout)["pairs"] for name in pair["accounts"] if name != "planned"}


def _machine_id_rows(cli) -> list[str]:
    result = cli("check", "old-b", "--machine", MACHINE)
    return [line for line in result.stdout.splitlines() if " machine_id " in line and not line.startswith("New ")]


def _state(store) -> tuple:
    with Store.open(store, PASSPHRASE) as st:
        return ([p.account for p in st.profiles()], st.events(), st.explanations(), st.keys_version,
                [a for p in st.profiles() for a in p.attributes])


def test_an_upgrade_keys_values_by_todays_rules_and_keeps_everything(cli, old_store):
    assert _planned_pairs(cli) == set()  # the new spelling does not meet the old key
    accounts, events, explanations, _version, attributes = _state(old_store)
    assert ["old-a"] == [row.split()[0] for row in _machine_id_rows(cli)]

    result = cli("store", "upgrade")
    assert result.exit_code == 0, result.output
    old = models.KEYS_VERSION - 1
    assert result.stdout.splitlines()[:3] == [
        f"Upgraded the match keys from version {old} to {models.KEYS_VERSION}: 2 of 8 value(s) keyed again by "
        "today's rules, in 2 account(s).",
        "Keyed again, by kind: address 2",
        "1 explanation(s) now name their values by the new keys too.",
    ]
    assert "1 keyed hash(es)" in result.stdout
    assert "older linkcheck" not in result.stderr  # the command the note advises does not print it

    after_accounts, after_events, after_explanations, version, after_attributes = _state(old_store)
    assert version == models.KEYS_VERSION
    assert after_accounts == accounts  # every field, the appeal case included
    assert after_accounts[0].appeal_case == CASE
    assert after_events[:-1] == events  # the log, health figures included, and one entry more
    assert (after_events[-1].action, after_events[-1].verdict) == ("store-upgrade", "UPGRADED")
    assert after_events[-1].detail["from"] == old and after_events[-1].detail["values"] == 2
    address = next(a for a in after_attributes if a.kind == "address")
    assert address.keys == kinds.parse_tuple("address", OLD_ADDRESS)[1]
    before = next(a for a in attributes if a.kind == "address")
    assert (address.value, address.note, address.source, address.first_seen, address.periods) == (
        before.value, before.note, before.source, before.first_seen, before.periods)
    assert [a for a in after_attributes if a.kind != "address"] == [a for a in attributes if a.kind != "address"]
    assert len(after_explanations) == 1 and set(explanations[0].values) < set(after_explanations[0].values)

    assert _planned_pairs(cli) == {"old-a", "old-b"}  # found now, by today's key
    assert ["old-a"] == [row.split()[0] for row in _machine_id_rows(cli)]  # the keyed hash still matches
    health = cli("health", "--format", "json")
    assert health.exit_code == 0 and "2026-11-01" in health.stdout
    audit = cli("audit")
    assert "One group's registered office" in audit.stdout  # the explanation still covers the address
    log = cli("log")
    assert f"match keys version {old} to {models.KEYS_VERSION}: 2 value(s) of 2 account(s) keyed again" in log.stdout
    assert "older linkcheck" not in cli("account", "list").stderr
    again = cli("store", "upgrade")
    assert again.exit_code == 0 and "already keyed by this linkcheck's rules" in again.stdout


def test_a_dry_run_says_what_would_change_and_writes_nothing(cli, old_store):
    before = _state(old_store)
    result = cli("store", "upgrade", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Dry run, nothing written: upgrading the match keys from version "
                                    f"{models.KEYS_VERSION - 1} to {models.KEYS_VERSION} would key 2 of 8 value(s) again")
    assert _state(old_store) == before


@pytest.mark.parametrize("where, exc, code", [
    ("put_profile", KeyboardInterrupt, 130),  # Ctrl-C after the first account was written
    ("add_event", RuntimeError, 70),  # a failure after every account and explanation was written
])
def test_an_interrupted_upgrade_leaves_the_store_as_it_was(cli, old_store, where, exc, code):
    before = _state(old_store)
    real = getattr(Store, where)
    calls = []

    def fail_midway(self, *args):
        calls.append(where)
        if len(calls) == (2 if where == "put_profile" else 1):
            raise exc()
        return real(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, where, fail_midway)
        result = cli("store", "upgrade")
    assert result.exit_code == code, result.output
    assert "Upgraded" not in result.stdout
    assert _state(old_store) == before
    assert _planned_pairs(cli) == set()
    assert json.loads(cli("store", "--counts", "--format", "json").stdout)["keys_version"] == models.KEYS_VERSION - 1


def test_a_wrong_passphrase_or_a_damaged_store_gives_its_exit_code(cli, old_store):
    wrong = cli("store", "upgrade", passphrase="not the passphrase at all")
    assert wrong.exit_code == 4 and "wrong passphrase" in wrong.stderr
    data = bytearray(old_store.read_bytes())
    data[-200:-100] = b"\0" * 100
    old_store.write_bytes(bytes(data))
    damaged = cli("store", "upgrade")
    assert damaged.exit_code == 5, damaged.output
    assert len(damaged.stderr.strip().splitlines()) == 1 and "Traceback" not in damaged.output


def test_a_value_todays_rules_refuse_keeps_its_old_keys_and_is_reported(cli, store):
    with pytest.MonkeyPatch.context() as older:
        older.setattr(manifest, "KEYS_VERSION", models.KEYS_VERSION - 1)
        with Store.open(store, PASSPHRASE, write=True) as st:
            st.put_profile(Profile(Account("odd", "amazon.com"), (
                Attribute("phone", "not a number", "+15555550100", ("phone:+15555550100",), "manual", 1, 1),)))
    result = cli("store", "upgrade")
    assert result.exit_code == 0, result.output
    assert "warning: 1 value(s) that today's rules refuse kept their old keys (phone 1)" in result.stderr
    with Store.open(store, PASSPHRASE) as st:
        assert st.profile("odd").attributes[0].keys == ("phone:+15555550100",)
        assert st.keys_version == models.KEYS_VERSION


def test_a_phone_read_in_its_region_is_read_in_it_again(cli, store):
    """A number entered without its country code under --region CN on a US store is read as
    Chinese again (its `region:CN` flag), not as a US number."""
    assert cli("account", "add", "cn", "--marketplace", "amazon.com").exit_code == 0
    assert cli("attr", "add", "cn", "phone", "138 0013 8000", "--region", "CN").exit_code == 0
    with Store.open(store, PASSPHRASE) as st:
        before = st.profile("cn").attributes
    with pytest.MonkeyPatch.context() as older:
        older.setattr(manifest, "KEYS_VERSION", models.KEYS_VERSION - 1)
        assert cli("account", "add", "another").exit_code == 0
    assert cli("store", "upgrade").exit_code == 0
    with Store.open(store, PASSPHRASE) as st:
        assert st.profile("cn").attributes == before


def test_the_notice_on_an_older_store_names_the_upgrade_in_english_and_chinese(cli, old_store):
    english = cli("account", "list").stderr
    assert "run `linkcheck store upgrade`" in english
    chinese = cli("account", "list", env={"LINKCHECK_LANG": "zh"}).stderr
    assert "linkcheck store upgrade" in chinese and "导出" not in chinese
    counts = cli("store", "--counts").stdout
    assert "`linkcheck store upgrade` keys it by today's rules" in counts


def test_export_says_what_it_does_not_carry_and_import_warns_of_keyed_hashes(cli, old_store, tmp_path):
    out = tmp_path / "all.json"
    exported = cli("export", "-o", out)
    assert exported.exit_code == 0
    assert ("note: an export carries the accounts and their values only, not the health figures, appeal cases, log "
            "or explanations") in exported.stderr
    assert "not the health" in cli("export", "--help").stdout.replace("\n    ", " ")
    env = {"LINKCHECK_STORE": str(tmp_path / "fresh.db")}
    assert cli("init", env=env).exit_code == 0
    imported = cli("import", out, env=env)
    assert imported.exit_code == 0, imported.output
    assert "warning: the file holds values of machine_id: a captured machine ID" in imported.stderr
    csv_out = tmp_path / "all.csv"
    assert cli("export", "--format", "csv", "-o", csv_out).exit_code == 0
    env = {"LINKCHECK_STORE": str(tmp_path / "fresh-csv.db")}
    assert cli("init", env=env).exit_code == 0
    assert "the file holds values of machine_id:" in cli("import", csv_out, env=env).stderr


def test_an_import_without_keyed_hashes_says_nothing_of_them(cli, store, tmp_path):
    assert cli("account", "add", "plain").exit_code == 0
    assert cli("attr", "add", "plain", "email", "ops@example.com").exit_code == 0
    for fmt in ("json", "csv"):
        out = tmp_path / f"plain.{fmt}"
        assert cli("export", "--format", fmt, "-o", out).exit_code == 0
        env = {"LINKCHECK_STORE": str(tmp_path / f"fresh-{fmt}.db")}
        assert cli("init", env=env).exit_code == 0
        imported = cli("import", out, env=env)
        assert imported.exit_code == 0 and "keyed hash" not in imported.stderr


def test_a_store_already_current_or_newer(cli, store, monkeypatch):
    result = cli("store", "upgrade")
    assert result.exit_code == 0
    assert result.stdout.strip() == ("The store's values are already keyed by this linkcheck's rules (match keys "
                                     f"version {models.KEYS_VERSION}); nothing to change.")
    monkeypatch.setattr(models, "KEYS_VERSION", models.KEYS_VERSION - 1)
    newer = cli("store", "upgrade")
    assert newer.exit_code == 2
    assert "this store was written by a newer linkcheck" in newer.stderr


def test_a_team_store_is_upgraded_by_an_owner_only(cli, team_url, monkeypatch, tmp_path):
    from linkcheck.store import postgres
    from test_team_store import _admit

    monkeypatch.setenv("LINKCHECK_STORE", team_url)
    assert cli("init", "--member", "dana").exit_code == 0
    with pytest.MonkeyPatch.context() as older:
        older.setattr(manifest, "KEYS_VERSION", models.KEYS_VERSION - 1)
        with postgres.TeamStore.open(team_url, postgres.member_key(team_url, PASSPHRASE), write=True) as st:
            st.put_profile(Profile(Account("old-a", "amazon.com"), (_v5_address(),)))
    operator = _admit(cli, tmp_path, "olu", "operator")
    refused = operator("store", "upgrade")
    assert refused.exit_code == 2
    assert refused.stderr.strip().endswith("you are olu, an operator: only an owner of the team upgrades its match keys")
    assert _planned_pairs(cli) == set()
    result = cli("store", "upgrade")
    assert result.exit_code == 0, result.output
    assert "1 of 1 value(s) keyed again" in result.stdout
    assert _planned_pairs(cli) == {"old-a"}
    assert json.loads(cli("store", "--counts", "--format", "json").stdout)["keys_version"] == models.KEYS_VERSION


def test_a_browser_profiles_recorded_settings_are_kept():
    """A browser profile's flags are its settings as imported (time zone, country, hardware showing
    through), not what its normaliser gives: the upgrade keeps them (found on the trial's store)."""
    from linkcheck.usecases.upgrade import rederived

    normalized, keys, _flags = kinds.parse_tuple("browser_profile", "bitbrowser:a1b2c3d4e5f6")
    recorded = ("passthrough:canvas", "tz:America/New_York", "lang:en-US", "country:US")
    attr = Attribute("browser_profile", "bitbrowser:a1b2c3d4e5f6", normalized, ("browser_profile:old",), "import",
                     1, 1, "browser bitbrowser:a1b2c3d4e5f6", recorded)
    new = rederived(attr, Account("shop", "amazon.com"))
    assert new is not None and new.flags == recorded and new.keys == keys and new.note == attr.note
