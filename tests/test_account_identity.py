"""Account identity for appeals (issue 14): display name, merchant token, legal names; and
explanations with a note per language."""

from __future__ import annotations

import json

from linkcheck.models import Account, Profile
from linkcheck.store import codec

IDENTITY = ["--display-name", "Kestrel Outdoors", "--merchant-token", "a1b2c3d4e5f6g7",
            "--legal-name-en", "Shenzhen Xinghe Trading Co., Ltd.", "--legal-name-local", "深圳市星河贸易有限公司"]


def _show(cli, name):
    result = cli("account", "show", name, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_account_add_and_set_keep_the_identity(cli, store):
    assert cli("account", "add", "kestrel-us", "-m", "amazon.com", *IDENTITY).exit_code == 0
    shown = _show(cli, "kestrel-us")
    assert shown["display_name"] == "Kestrel Outdoors"
    assert shown["merchant_token"] == "A1B2C3D4E5F6G7"  # as Seller Central writes it
    assert shown["legal_name_en"] == "Shenzhen Xinghe Trading Co., Ltd."
    assert shown["legal_name_local"] == "深圳市星河贸易有限公司"
    result = cli("account", "set", "kestrel-us", "--display-name", "Kestrel Trail Outdoors", "--legal-name-local", "")
    assert result.exit_code == 0, result.output
    shown = _show(cli, "kestrel-us")
    assert shown["display_name"] == "Kestrel Trail Outdoors"
    assert "legal_name_local" not in shown
    assert shown["merchant_token"] == "A1B2C3D4E5F6G7"
    table = cli("account", "show", "kestrel-us").output
    assert "display name: Kestrel Trail Outdoors" in table.splitlines()


def test_a_merchant_token_that_is_not_one_is_refused(cli, store):
    result = cli("account", "add", "kestrel-us", "--merchant-token", "A1B2-C3 !")
    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [
        "linkcheck: error: a merchant token is 8 to 20 letters and digits, as Seller Central shows it "
        "(Settings, Account Info, Merchant Token)"]
    assert cli("account", "list", "--format", "json").output.strip() == "[]"


def test_an_account_without_identity_is_sealed_as_before():
    profile = Profile(Account("acme-us", "amazon.com", "active", None, 1, 2))
    body = codec._encode_profile(profile)
    assert body == b'{"n":"acme-us","m":"amazon.com","s":"active","o":null,"c":1,"u":2}\n'
    with_identity = Profile(Account("acme-us", "amazon.com", "active", None, 1, 2, display_name="Acme Home",
                                    merchant_token="A1B2C3D4E5F6G7", appeal_case='{"relationship":"own"}'))
    assert codec._decode_profile(codec._encode_profile(with_identity)) == with_identity


def test_json_and_csv_round_trips_keep_the_identity_exactly(cli, store, tmp_path):
    assert cli("account", "add", "kestrel-us", "-m", "amazon.com", *IDENTITY).exit_code == 0
    assert cli("account", "add", "plain-de", "-m", "amazon.de").exit_code == 0
    assert cli("attr", "add", "kestrel-us", "email", "ops@kestrel.example").exit_code == 0
    for fmt in ("json", "csv"):
        first = tmp_path / f"first.{fmt}"
        assert cli("export", "--format", fmt, "-o", first).exit_code == 0
        other = tmp_path / f"other-{fmt}" / "store.db"
        env = {"LINKCHECK_STORE": str(other)}
        assert cli("init", env=env).exit_code == 0
        assert cli("import", first, env=env).exit_code == 0
        second = tmp_path / f"second.{fmt}"
        assert cli("export", "--format", fmt, "-o", second, env=env).exit_code == 0
        if fmt == "json":
            assert first.read_text() == second.read_text()
            assert json.loads(first.read_text())[0]["legal_name_local"] == "深圳市星河贸易有限公司"
        else:
            assert first.read_text() == second.read_text()
            header = first.read_text(encoding="utf-8-sig").splitlines()[0]
            assert header.startswith("account,marketplace,status,note,display_name,merchant_token,legal_name_en,"
                                     "legal_name_local,company_name")


def test_csv_export_without_identity_keeps_its_columns(cli, store, tmp_path):
    assert cli("account", "add", "plain-de", "-m", "amazon.de").exit_code == 0
    out = tmp_path / "out.csv"
    assert cli("export", "--format", "csv", "-o", out).exit_code == 0
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("account,marketplace,status,note,company_name")


def test_csv_import_reads_identity_columns_by_their_chinese_names(cli, store, tmp_path):
    path = tmp_path / "stores.csv"
    path.write_text("店铺,站点,店铺显示名称,卖家记号,公司中文名称\nkestrel-us,amazon.com,Kestrel Outdoors,A1B2C3D4E5F6G7,"
                    "深圳市星河贸易有限公司\n", encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    shown = _show(cli, "kestrel-us")
    assert (shown["display_name"], shown["merchant_token"], shown["legal_name_local"]) == (
        "Kestrel Outdoors", "A1B2C3D4E5F6G7", "深圳市星河贸易有限公司")


def test_explain_keeps_a_note_per_language(cli, store):
    for name in ("kestrel-us", "marigold-us"):
        assert cli("account", "add", name).exit_code == 0
        assert cli("attr", "add", name, "ip", "203.0.113.77").exit_code == 0
    result = cli("explain", "kestrel-us", "marigold-us", "ip", "--note", "Both offices are in the Hub coworking space",
                 "--note-zh", "两家公司都在Hub联合办公空间办公", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(cli("explain", "--list", "--format", "json").output)
    assert listed == [{"accounts": "kestrel-us / marigold-us", "all_holders": False, "kind": "ip",
                       "note": "Both offices are in the Hub coworking space",
                       "note_zh": "两家公司都在Hub联合办公空间办公", "values": ["203.0.113.x"],
                       "recorded": listed[0]["recorded"]}]


def test_a_chinese_statement_quotes_the_chinese_note(cli, store):
    for name in ("kestrel-us", "marigold-us"):
        assert cli("account", "add", name).exit_code == 0
        assert cli("attr", "add", name, "ip", "203.0.113.77").exit_code == 0
    assert cli("explain", "kestrel-us", "marigold-us", "ip", "--note", "Both rent desks at the Hub coworking space",
               "--note-zh", "两家公司都在Hub联合办公空间租用工位").exit_code == 0
    zh = cli("statement", "kestrel-us", "--against", "marigold-us", "--lang", "zh")
    en = cli("statement", "kestrel-us", "--against", "marigold-us")
    assert zh.exit_code == 0 and en.exit_code == 0
    assert "两家公司都在Hub联合办公空间租用工位。" in "".join(zh.stdout.split())
    assert "Both rent desks" not in zh.stdout
    assert "Both rent desks at the Hub coworking space." in " ".join(en.stdout.split())
    assert "联合办公" not in en.stdout
