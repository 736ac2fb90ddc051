"""The match keys' version (models.KEYS_VERSION): a change to what the normalisers give any value
must come with a new version, and a store keyed by an older one says so.

A store keeps each value's match keys as they were computed when the value was entered; nothing
re-normalises at audit time. So a normaliser that now reads two spellings as one does not make an
old value meet a new one. The version makes that visible: SAMPLE below is parsed, its output
hashed, and the hash must be the one recorded for the current version in
tests/data/keys_versions.json. Changed a normaliser on purpose? Bump models.KEYS_VERSION and run
`python tests/test_keys_version.py --record` (it refuses to overwrite a version's recorded hash).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from linkcheck import models
from linkcheck.demo import example_profiles
from linkcheck.errors import InvalidInput, InvalidValue
from linkcheck.normalize import Rejected
from linkcheck.registry import kinds
from linkcheck.store import manifest

RECORD = Path(__file__).resolve().parent / "data" / "keys_versions.json"

# (kind, text, region): our own values, each a spelling a normaliser has an opinion about.
SAMPLE: list[tuple[str, str, str | None]] = [
    ("company_name", "Shenzhen Acme Trading Co., Ltd.", None),
    ("company_name", "SHENZHEN ACME TRADING CO LTD", None),
    ("company_name", "深圳市星辰贸易有限公司", None),
    ("company_name", "星辰（深圳）贸易有限公司", None),
    ("company_name", "Jade Tiger GmbH & Co. KG", None),
    ("company_name", "Tiger Jade Aktiengesellschaft", None),
    ("company_name", "Nordlys Handel A/S", None),
    ("company_name", "Brightway Goods S.A. de C.V.", None),
    ("company_name", "Pine + Cedar LLC", None),
    ("company_name", "Kowalski sp. z o.o.", None),
    ("company_name", "Tamm Puit OÜ", None),
    ("company_name", "Oy Kivijärvi Puu", None),
    ("company_name", "髮藝國際有限公司", None),       # a Traditional character kept (its Simplified is 發's too)
    ("company_name", "恆通國際貿易(香港)有限公司", None),
    ("company_name", "Panda Technology Inc.", None),   # no place in China: no brand in pinyin
    ("company_name", "Shenzhen Pengyuan Keji Youxian Gongsi", None),
    ("legal_representative", "鍾偉明", None),
    ("payment_account", "Payoneer 4455667788", None),
    ("payment_account", "支付宝：13800138001", None),  # a wallet opened with a phone number is that phone
    ("address", "深圳南山科技园路1号", None),  # 南山 is 南山区
    ("address", "广东省佛山市顺德区北滘镇美的大道6号", None),  # 顺德区北滘镇 is 顺德北滘 in the key
    ("address", "杭州市余杭区五常街道文一西路969号", None),  # also keyed without its subdistrict
    ("address", "1 Keyuan Road, Nanshan District, Shenzhen", None),
    ("phone", "138 0013 8101（微信同号）", "CN"),  # a note in brackets after the number
    ("phone", "138 0013 8101", "GB"),
    ("company_name", "恆通國際貿易(香港)有限公司", None),
    ("company_name", "Shenzhen Pengyuan Keji Youxian Gongsi", None),
    ("registration_number", "91440300MA5F0ACME1", None),
    ("registration_number", "HRB 123456", None),
    ("tax_id", "DE123456789", None),
    ("tax_id", "123456789", None),
    ("tax_id", "GB 123 4567 89", None),
    ("tax_id", "12-3456789", None),
    ("tax_id", "BEQ-010203-K12", "MX"),
    ("tax_id", "EU 372 000 041", None),
    ("tax_id", "91440300MA5GPY7K39", "US"),
    ("tax_id", "91440300-MA5GPY7K3X", None),
    ("legal_representative", "Li Wei", None),
    ("legal_representative", "李伟", None),
    ("legal_representative", "王建國", None),
    ("id_number", "110105 19491231 002x", None),
    ("id_number", "440301198001011234", None),
    ("id_number", "E1234-5678", None),
    ("legal_representative", "Wei LI", None),
    ("legal_representative", "Dr. Maria-Luisa García López", None),
    ("address", "Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen", None),
    ("address", "广东省深圳市南山区科技园路1号1203室", None),
    ("address", "香港九龍旺角彌敦道688號旺角中心1座15樓1508室", None),
    ("address", "12/F, 8 Harbour Rd, Wan Chai, Hong Kong", None),
    ("address", "1600 Pennsylvania Ave NW, Washington, DC 20500-0003", None),
    ("address", "123 E Main St Apt 4, Springfield, IL 62701", None),
    ("address", "742 Evergreen Terrace, Springfield, OR 97477, USA", None),
    ("address", "Friedrichstr. 10, 10117 Berlin", None),
    ("address", "100 K St, Anchorage, AK 99501", None),
    ("address", "Post Office Box 418, Dalton, GA 30720", None),
    ("address", "77 Quarry Rd Dept 4, Dalton, GA 30720", None),
    ("email", "J.Doe+amz@example.com", None),
    ("email", "j.d.o.e+shop@gmail.com", None),
    ("email", "JDoe@GoogleMail.com", None),
    ("email", "ops@yandex.ru", None),
    ("email", "store.owner@outlook.com", None),
    ("email", "seller@mail.example.org", None),
    ("email", "admin@router.home.arpa", None),
    ("phone", "+86 138 0013 8000", None),
    ("phone", "138 0013 8000", "CN"),
    ("phone", "(416) 555-0142", "amazon.ca"),
    ("phone", "+1 (416) 555-0142 ext. 12", None),
    ("phone", "030 1234567", "amazon.de"),
    ("phone", "0011 61 2 9876 5432", "AU"),
    ("phone", "00 44 20 7946 0958", "GB"),
    ("phone", "1 201 555 0123", "US"),
    ("phone", "130 5550 0123", "amazon.com"),
    ("phone", "8~10 49 30 901820", "RU"),
    ("bank_account", "DE89 3704 0044 0532 0130 00", None),
    ("bank_account", "6222 0212 3456 7890 123", None),
    ("bank_account", "GB82WEST12345698765432", None),
    ("card", "4111 1111 1111 1111", None),
    ("card", "5500-0000-0000-0004", None),
    ("payment_account", "payouts@example.com", None),
    ("payment_account", "payoneer:1234567", None),
    ("ip", "203.0.113.7", None),
    ("ip", "2001:db8::1", None),
    ("ip", "192.168.1.20", None),
    ("ip", "::ffff:198.51.100.4", None),
    ("mac", "3C-22-FB-12-34-56", None),
    ("mac", "3c22.fb12.3456", None),
    ("mac", "3C22FB123456", None),
    ("mac", "c22:fb12:3456", None),
    ("gateway_mac", "a4:2b:b0:11:22:33", None),
    ("wifi_bssid", "A4-2B-B0-11-22-34", None),
    ("hostname", "ACME-OPS-LAPTOP.local", None),
    ("machine_id", "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}", None),
    ("browser_fingerprint", "9f86d081884c7d65", None),
    ("brand", "AcmeHome", None),
    ("brand", "Acme Home", None),
    ("brand", "星辰", None),
    ("supplier", "Dongguan Bright Plastics Co., Ltd.", None),
    ("logistics", "SF Express", None),
    ("category", "Home & Kitchen", None),
    ("browser_profile", "adspower:jh3k9x", None),
    ("proxy", "socks5://user1@203.0.113.5:1080", None),
    ("proxy", "http://203.0.113.9:8000", None),
    ("proxy_account", "https://api.proxy.example/refresh?key=abc123", None),
    ("platform_login", "seller@example.com", None),
    ("totp_secret", "0f1e2d3c4b5a69788796a5b4c3d2e1f0", None),
    ("cookie", "sellercentral.amazon.com:0f1e2d3c4b5a69788796a5b4c3d2e1f0", None),
    ("device_name", "DESKTOP-7Q2M4KD", None),
]


def _example_values() -> list[tuple[str, str, str | None]]:
    """Every value of the shipped example profiles, with its account's marketplace."""
    values = []
    for _name, text in example_profiles():
        profile = json.loads(text)
        for kind, items in sorted(profile.get("attributes", {}).items()):
            for item in items if isinstance(items, list) else [items]:
                value = item["value"] if isinstance(item, dict) else item
                values.append((kind, value, profile.get("marketplace")))
    return values


def outputs() -> list:
    out = []
    for kind, text, region in SAMPLE + _example_values():
        try:
            parsed = kinds.parse_value(kind, text, region=region)
        except (Rejected, InvalidValue, InvalidInput) as exc:
            out.append([kind, text, region, "rejected", type(exc).__name__])
            continue
        out.append([kind, text, region, parsed.normalized, list(parsed.keys), list(parsed.flags)])
    return out


def digest() -> str:
    return hashlib.sha256(json.dumps(outputs(), ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def recorded() -> dict[str, str]:
    return json.loads(RECORD.read_text(encoding="utf-8"))


def test_the_sample_covers_every_kind():
    assert {kind for kind, _text, _region in SAMPLE} == set(kinds.KIND_NAMES)


def test_the_normalisers_give_what_this_keys_version_recorded():
    versions = recorded()
    assert str(models.KEYS_VERSION) in versions, (
        f"no hash recorded for KEYS_VERSION {models.KEYS_VERSION}: run `python tests/test_keys_version.py --record`")
    assert digest() == versions[str(models.KEYS_VERSION)], (
        "the normalisers now give other normalised values, keys or flags for the sample: stores keyed before "
        "would no longer meet values entered now. Bump models.KEYS_VERSION and run "
        "`python tests/test_keys_version.py --record`.")


def test_every_recorded_version_is_a_different_output():
    versions = recorded()
    assert len(set(versions.values())) == len(versions)
    assert max(map(int, versions)) == models.KEYS_VERSION


# ----- the store ------------------------------------------------------------------------------


@pytest.fixture
def newer_linkcheck(monkeypatch):
    """As if this linkcheck's normalisers were one version newer than the store's keys."""
    return _linkcheck_at(monkeypatch, models.KEYS_VERSION + 1)


def _linkcheck_at(monkeypatch, version: int) -> int:
    """This linkcheck's match keys version as VERSION (where the code reads it)."""
    monkeypatch.setattr(models, "KEYS_VERSION", version)
    monkeypatch.setattr(manifest, "KEYS_VERSION", version)
    return version


def test_a_new_store_records_this_linkcheck_keys_version(cli, store):
    data = json.loads(cli("store", "--counts", "--format", "json").output)
    assert data["keys_version"] == models.KEYS_VERSION
    result = cli("account", "list")
    assert result.exit_code == 0 and "match keys version" not in result.output


def test_an_older_store_says_so_once_per_command_and_its_keys_version_survives_writes(cli, store, newer_linkcheck):
    old = newer_linkcheck - 1
    result = cli("audit", "--format", "json")
    note = (f"note: this store's values were matched by the rules of an older linkcheck (match keys version {old}, "
            f"now {newer_linkcheck})")
    assert result.stderr.count(note) == 1
    json.loads(result.stdout)  # the JSON is untouched: the note is on stderr
    assert cli("account", "add", "new-shop", "--marketplace", "amazon.com").exit_code == 0
    table = cli("store", "--counts").output
    assert f"{old} (older than this linkcheck's {newer_linkcheck}: `linkcheck store upgrade` keys it by today's rules)" in table
    assert json.loads(cli("store", "--counts", "--format", "json").stdout)["keys_version"] == old


def test_export_then_import_into_a_new_store_keys_everything_by_todays_rules(cli, store, newer_linkcheck, tmp_path):
    out = tmp_path / "all.json"
    assert cli("export", "--format", "json", "-o", out).exit_code == 0
    fresh = tmp_path / "fresh.db"
    env = {"LINKCHECK_STORE": str(fresh)}
    assert cli("init", env=env).exit_code == 0
    imported = cli("import", out, env=env)
    assert imported.exit_code == 0, imported.output
    assert "older linkcheck" not in imported.output
    assert json.loads(cli("store", "--counts", "--format", "json", env=env).stdout)["keys_version"] == newer_linkcheck


def test_migrate_keeps_the_keys_version_of_its_source(cli, store, newer_linkcheck, tmp_path):
    copy = tmp_path / "copy.db"
    result = cli("store", "migrate", "--to", copy, env={"LINKCHECK_NEW_PASSPHRASE": "another passphrase 1"})
    assert result.exit_code == 0, result.output
    copied = cli("store", "--counts", "--format", "json", env={"LINKCHECK_STORE": str(copy)},
                 passphrase="another passphrase 1")
    assert json.loads(copied.stdout)["keys_version"] == newer_linkcheck - 1


def test_a_manifest_with_an_impossible_keys_version_is_damage(store_path):
    from linkcheck import crypto

    keyring = crypto.Keyring(crypto.new_master_key())
    for bad in ("2", 0, -1, 10**9, True):
        body = crypto.canonical_json({"generation": 1, "acc": "0", "counts": {}, "keys": bad})
        with pytest.raises(ValueError):
            manifest.Manifest.open(keyring, 1, keyring.seal(body, b"manifest|1|1"))
    body = crypto.canonical_json({"generation": 1, "acc": "0", "counts": {}})
    assert manifest.Manifest.open(keyring, 1, keyring.seal(body, b"manifest|1|1")).keys == 1  # before the record


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    versions = recorded() if RECORD.exists() else {}
    current, now = str(models.KEYS_VERSION), digest()
    if versions.get(current, now) != now:
        raise SystemExit(f"KEYS_VERSION {current} already has another output recorded: bump models.KEYS_VERSION")
    versions[current] = now
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded KEYS_VERSION {current}: {now}")


@pytest.fixture
def older_linkcheck(monkeypatch):
    """As if this linkcheck were one version older than the store's keys (a store from a newer one)."""
    return _linkcheck_at(monkeypatch, models.KEYS_VERSION - 1)


def test_a_store_from_a_newer_linkcheck_says_so_and_claims_no_more_once_this_one_writes(cli, store, older_linkcheck):
    newer = older_linkcheck + 1
    result = cli("account", "list", "--format", "json")
    assert f"this store was written by a newer linkcheck (match keys version {newer}, this one's {older_linkcheck})" \
        in result.stderr
    table = cli("store", "--counts").output
    assert f"{newer} (newer than this linkcheck's {older_linkcheck}: upgrade linkcheck)" in table
    assert cli("account", "add", "new-shop").exit_code == 0  # a write by the older rules
    assert json.loads(cli("store", "--counts", "--format", "json").stdout)["keys_version"] == older_linkcheck
