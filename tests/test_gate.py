"""The pre-login gate: check, run, capture and log, driven from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PASSPHRASE, write_json
from linkcheck import capture, gate
from linkcheck.models import Level
from linkcheck.linkage.rules import load_rules
from linkcheck.store import Store

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
LAPTOP_A = MACHINES / "laptop-a.json"
LAPTOP_B = MACHINES / "laptop-b.json"
LAPTOP_B_SAME_ROUTER = MACHINES / "laptop-b-same-router.json"
DEMO_MACHINE = Path(capture.__file__).resolve().parent / "fixtures" / "demo-machine.json"
PUBLIC_IP = "203.0.113.50"


def _touch_command(marker: Path) -> list[str]:
    """A COMMAND that leaves a marker file when (and only when) it is started."""
    return [sys.executable, "-c", "import pathlib, sys; pathlib.Path(sys.argv[1]).touch()", str(marker)]


@pytest.fixture
def shops(cli, store):
    """Two accounts, shop-a and shop-b, with nothing on file yet."""
    for name in ("shop-a", "shop-b"):
        assert cli("account", "add", name).exit_code == 0
    return store


@pytest.fixture
def a_on_laptop_a(cli, shops):
    """shop-a's values captured from laptop A."""
    result = cli("capture", "shop-a", "--machine", LAPTOP_A)
    assert result.exit_code == 0, result.output
    return shops


def _values(cli, name: str) -> list[dict]:
    return json.loads(cli("account", "show", name, "--format", "json", "--reveal").output)["attributes"]


def _log(cli, *args) -> list[dict]:
    result = cli("log", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# ----- this machine, for real ----------------------------------------------------------------


def test_this_machine_recorded_for_a_stops_a_check_for_b_naming_a(cli, shops):
    assert cli("capture", "shop-a", "--public-ip", PUBLIC_IP).exit_code == 0
    result = cli("check", "shop-b", "--public-ip", PUBLIC_IP)
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("STOP: this machine's ") and "on file for shop-a" in first


def test_this_machine_recorded_for_a_passes_a_check_for_a(cli, shops):
    assert cli("capture", "shop-a", "--public-ip", PUBLIC_IP).exit_code == 0
    result = cli("check", "shop-a", "--public-ip", PUBLIC_IP)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GO: ")


def test_run_b_does_not_start_the_command_when_this_machine_is_a(cli, shops, tmp_path):
    cli("capture", "shop-a", "--public-ip", PUBLIC_IP)
    marker = tmp_path / "started"
    result = cli("run", "shop-b", "--public-ip", PUBLIC_IP, "--", *_touch_command(marker))
    assert result.exit_code == 1
    assert not marker.exists()
    assert "STOP" in result.stderr and "Not starting" in result.stderr


def test_run_a_returns_the_commands_exit_code(cli, shops):
    cli("capture", "shop-a", "--public-ip", PUBLIC_IP)
    result = cli("run", "shop-a", "--public-ip", PUBLIC_IP, "--", "sh", "-c", "exit 7")
    assert result.exit_code == 7
    assert result.stderr.startswith("GO: ")


def test_run_a_starts_the_command(cli, shops, tmp_path):
    cli("capture", "shop-a", "--public-ip", PUBLIC_IP)
    marker = tmp_path / "started"
    assert cli("run", "shop-a", "--public-ip", PUBLIC_IP, "--", *_touch_command(marker)).exit_code == 0
    assert marker.exists()


def test_check_output_holds_no_raw_machine_id(cli, shops):
    raw = capture.read_machine_id()
    cli("capture", "shop-a", "--public-ip", PUBLIC_IP)
    outputs = [
        cli("check", "shop-b", "--format", fmt).output for fmt in ("table", "json")
    ] + [cli("log", "--format", fmt).output for fmt in ("table", "json", "csv")]
    if raw:
        assert all(raw not in out for out in outputs)


# ----- what stops and what does not ----------------------------------------------------------


def test_a_shared_private_address_and_gateway_ip_do_not_stop(cli, a_on_laptop_a):
    # Laptop B sits behind another router set up the same way: 192.168.1.23 via 192.168.1.1.
    result = cli("check", "shop-b", "--machine", LAPTOP_B)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GO (public IP not checked): ")
    assert "shop-a" not in result.output


def test_a_shared_public_gateway_ip_does_not_stop(cli, shops, tmp_path):
    # Gateways with a public address (ISP-provided, or a public DNS resolver set as gateway) are
    # shared by strangers: the gateway's IP is never recorded, only the router's MAC.
    def with_public_gateway(source: Path, name: str) -> Path:
        data = json.loads(source.read_text(encoding="utf-8"))
        data["gateway"]["address"] = "8.8.8.8"
        return write_json(tmp_path / name, data)

    a = with_public_gateway(LAPTOP_A, "a.json")
    b = with_public_gateway(LAPTOP_B, "b.json")
    assert cli("capture", "shop-a", "--machine", a).exit_code == 0
    assert cli("check", "shop-b", "--machine", b).exit_code == 0


def test_a_shared_router_mac_stops(cli, a_on_laptop_a):
    result = cli("check", "shop-b", "--machine", LAPTOP_B_SAME_ROUTER)
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("STOP: this machine's router (gateway) MAC") and "shop-a" in first


def test_a_shared_public_ip_stops(cli, a_on_laptop_a):
    assert cli("capture", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.23").exit_code == 0
    result = cli("check", "shop-b", "--machine", LAPTOP_B, "--public-ip", "198.51.100.23")
    assert result.exit_code == 1
    assert "IP address" in result.output.splitlines()[0]


def test_fail_on_critical_lets_a_shared_router_pass(cli, a_on_laptop_a):
    result = cli("check", "shop-b", "--machine", LAPTOP_B_SAME_ROUTER, "--fail-on", "critical")
    assert result.exit_code == 0
    assert result.output.startswith("GO (public IP not checked): nothing at or above critical")
    assert "gateway_mac" in result.output  # still shown


def test_check_reports_values_never_seen_on_the_account_without_failing(cli, a_on_laptop_a):
    result = cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.23", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["verdict"] == "GO"
    assert data["new_values"] == [{"kind": "ip", "value": "198.51.100.x"}]


def test_check_unknown_account_is_a_usage_error(cli, shops):
    result = cli("check", "no-such-shop", "--machine", LAPTOP_A)
    assert result.exit_code == 2
    assert "no account named 'no-such-shop'" in result.output


def test_check_stop_names_a_suspended_account_as_suspended(cli, a_on_laptop_a):
    cli("account", "set", "shop-a", "--status", "suspended")
    first = cli("check", "shop-b", "--machine", LAPTOP_A).output.splitlines()[0]
    assert "on file for shop-a (suspended)" in first


def test_check_warns_when_the_public_ip_differs_from_the_accounts(cli, shops):
    cli("capture", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.23")
    data = json.loads(
        cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "203.0.113.9", "--format", "json").output
    )
    assert any(w.startswith("public IP 203.0.113.x is not among the public IPs on file for shop-a")
               for w in data["warnings"])


def test_another_address_of_the_accounts_own_network_is_not_called_a_different_network(cli, shops):
    cli("capture", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.23")
    data = json.loads(
        cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.57", "--format", "json").output
    )
    assert ("public IP 198.51.100.x is not one on file for shop-a, though in the same network as those on file "
            "(198.51.100.x): another address of the usual network") in data["warnings"]
    assert not any("different network" in w for w in data["warnings"])

def test_the_accounts_own_proxy_address_is_neither_new_nor_a_different_network(cli, shops):
    """One proxy per store: a public IP that is the host of the account's own proxy is its exit."""
    cli("capture", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.23")
    assert cli("attr", "add", "shop-a", "proxy", "http://pyuk2@203.0.113.40:8000").exit_code == 0
    data = json.loads(
        cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "203.0.113.40", "--format", "json").output
    )
    assert not any("public IP" in w for w in data["warnings"]), data["warnings"]
    assert data["new_values"] == []
    other = json.loads(  # another address is still a different network
        cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "203.0.113.41", "--format", "json").output
    )
    assert any("is not among the public IPs on file for shop-a" in w for w in other["warnings"])
    assert other["new_values"] == [{"kind": "ip", "value": "203.0.113.x"}]
    again = json.loads(  # from the gate cache now (nothing written since): the same
        cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "203.0.113.40", "--format", "json").output
    )
    assert again["new_values"] == [] and not any("public IP" in w for w in again["warnings"])


def test_a_public_ip_that_is_no_address_lists_every_accepted_value(cli, shops):
    result = cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100")
    assert result.exit_code == 3
    assert result.stderr.strip().endswith("--public-ip must be an IPv4 or IPv6 address, 'auto' or 'off'")
    assert cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "off").exit_code == 0


def test_check_warns_when_the_public_ip_was_not_checked(cli, a_on_laptop_a):
    data = json.loads(cli("check", "shop-a", "--machine", LAPTOP_A, "--format", "json").output)
    assert any("public IP was not checked" in w for w in data["warnings"])


def test_check_json_has_the_verdict_and_masked_pairs(cli, a_on_laptop_a):
    result = cli("check", "shop-b", "--machine", LAPTOP_B_SAME_ROUTER, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["verdict"] == "STOP" and data["level"] == "high" and data["conflicts"] == ["shop-a"]
    finding = data["pairs"][0]["findings"][0]
    assert finding["kind"] == "gateway_mac"
    assert finding["values"]["shop-a"] == "c0:ff:d4:**:**:01"
    assert "c0:ff:d4:00:00:01" not in result.output


def test_demo_machine_passes_for_acme_us_and_stops_for_lotus_jp(cli, demo_store):
    assert cli("check", "acme-us", "--machine", DEMO_MACHINE).exit_code == 0
    result = cli("check", "lotus-jp", "--machine", DEMO_MACHINE)
    assert result.exit_code == 1
    assert "on file for acme-us" in result.output.splitlines()[0]


def test_a_machine_with_nothing_identifying_stops(cli, shops, tmp_path):
    empty = write_json(tmp_path / "empty.json", {"interfaces": [{"name": "lo", "kind": "loopback"}]})
    result = cli("check", "shop-a", "--machine", empty)
    assert result.exit_code == 1
    assert "nothing identifying" in result.output


# ----- recording and the log -----------------------------------------------------------------


def test_check_without_record_writes_nothing(cli, a_on_laptop_a):
    before = _values(cli, "shop-a")
    cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.23")
    assert _values(cli, "shop-a") == before
    assert [e["action"] for e in _log(cli)] == ["capture"]


def test_check_record_writes_the_log(cli, a_on_laptop_a):
    assert cli("check", "shop-a", "--machine", LAPTOP_A, "--record").exit_code == 0
    entries = _log(cli, "shop-a")
    assert [(e["action"], e["verdict"]) for e in entries] == [("capture", "RECORDED"), ("check", "GO")]
    check = entries[-1]
    assert check["routers"] == ["c0:ff:d4:**:**:01"]
    assert check["devices"][0] == "f8:e4:3b:**:**:01" and check["devices"][1].startswith("machine:")
    assert check["hostname"] == "shop-a-laptop"


def test_log_json_is_masked(cli, a_on_laptop_a):
    cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.23", "--record")
    output = cli("log", "--format", "json").output
    for raw in ("198.51.100.23", "f8:e4:3b:0a:00:01", "c0:ff:d4:00:00:01", "fixture-machine-laptop-a"):
        assert raw not in output
    assert json.loads(output)[-1]["public_ip"] == "198.51.100.x"
    assert json.loads(output)[-1]["networks"] == ["198.51.100.x"]


def test_check_record_on_go_keeps_the_values_with_source_check(cli, a_on_laptop_a):
    cli("check", "shop-a", "--machine", LAPTOP_A, "--public-ip", "198.51.100.23", "--record")
    values = {(v["kind"], v["value"]): v["source"] for v in _values(cli, "shop-a")}
    assert values[("ip", "198.51.100.23")] == "check"
    assert values[("mac", "f8:e4:3b:0a:00:01")] == "capture"


def test_check_record_on_stop_logs_but_keeps_no_values(cli, a_on_laptop_a):
    result = cli("check", "shop-b", "--machine", LAPTOP_B_SAME_ROUTER, "--record")
    assert result.exit_code == 1
    assert _values(cli, "shop-b") == []
    entry = _log(cli, "shop-b")[-1]
    assert (entry["action"], entry["verdict"]) == ("check", "STOP")
    assert (entry["conflicts"], entry["level"]) == (["shop-a"], "high")


def test_run_logs_every_run(cli, a_on_laptop_a):
    cli("run", "shop-a", "--machine", LAPTOP_A, "--", "true")
    cli("run", "shop-b", "--machine", LAPTOP_A, "--", "true")
    assert [(e["account"], e["action"], e["verdict"]) for e in _log(cli)][1:] == [
        ("shop-a", "run", "GO"),
        ("shop-b", "run", "STOP"),
    ]


def test_log_since_filters_by_day(cli, a_on_laptop_a):
    assert len(_log(cli, "--since", "2000-01-01")) == 1
    assert _log(cli, "--since", "2999-01-01") == []


@pytest.mark.parametrize("day, message, lang", [
    ("2026-13-01", "Error: Invalid value for '--since': 2026-13-01 does not exist: there is no month 13", "en"),
    ("2026-02-29", "Error: Invalid value for '--since': 2026-02-29 does not exist: 2026-02 has 28 days", "en"),
    ("1/2/2026", "Error: Invalid value for '--since': '1/2/2026' must be a date written YYYY-MM-DD", "en"),
    ("2026-13-01", "错误：'--since' 的值无效：2026-13-01 这个日期不存在：没有 13 月", "zh"),
])
def test_log_since_a_day_not_in_the_calendar_says_so(cli, shops, day, message, lang):
    result = cli("log", "--since", day, env={"LINKCHECK_LANG": lang})
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == message


def test_log_csv_has_a_header_and_one_row_per_entry(cli, a_on_laptop_a):
    lines = cli("log", "--format", "csv").output.splitlines()
    assert lines[0].startswith("when,account,action,verdict") and len(lines) == 2


def test_log_of_an_unknown_account_is_a_usage_error(cli, shops):
    assert cli("log", "no-such-shop").exit_code == 2


def test_capture_records_values_with_source_capture(cli, a_on_laptop_a):
    values = _values(cli, "shop-a")
    kinds = sorted({v["kind"] for v in values})
    assert kinds == ["gateway_mac", "hostname", "ip", "mac", "machine_id"]
    assert all(v["source"] == "capture" for v in values)
    # The WSL adapter's MAC is software's, and the gateway's IP is everyone's: neither is kept.
    assert all(v["value"] not in ("00:15:5d:a0:00:01", "192.168.1.1") for v in values)


def test_capture_warns_loudly_when_the_values_belong_to_another_account(cli, a_on_laptop_a):
    result = cli("capture", "shop-b", "--machine", LAPTOP_A)
    assert result.exit_code == 0
    assert "WARNING" in result.stderr and "shop-a (critical)" in result.stderr
    assert _values(cli, "shop-b")  # recorded all the same


def test_capture_json_output(cli, shops):
    data = json.loads(cli("capture", "shop-a", "--machine", LAPTOP_A, "--format", "json").output)
    assert data["account"] == "shop-a" and data["added"] == data["recorded"] == 6
    assert data["conflicts"] == []


# ----- fail closed ---------------------------------------------------------------------------


def test_run_with_a_wrong_passphrase_does_not_start_the_command(cli, a_on_laptop_a, tmp_path):
    marker = tmp_path / "started"
    result = cli("run", "shop-a", "--machine", LAPTOP_A, "--", *_touch_command(marker), passphrase="wrong")
    assert result.exit_code == 4
    assert not marker.exists()


def test_run_without_a_passphrase_does_not_start_the_command(cli, a_on_laptop_a, tmp_path):
    marker = tmp_path / "started"
    result = cli("run", "shop-a", "--machine", LAPTOP_A, "--", *_touch_command(marker), passphrase=None)
    assert result.exit_code == 4
    assert not marker.exists()


def test_run_with_a_damaged_store_does_not_start_the_command(cli, a_on_laptop_a, store_path, tmp_path):
    data = bytearray(store_path.read_bytes())
    data[100:400] = os.urandom(300)
    store_path.write_bytes(bytes(data))
    marker = tmp_path / "started"
    result = cli("run", "shop-a", "--machine", LAPTOP_A, "--", *_touch_command(marker))
    assert result.exit_code == 5
    assert not marker.exists()


def test_run_with_a_store_that_is_not_a_store_does_not_start_the_command(cli, a_on_laptop_a, store_path, tmp_path):
    for suffix in ("-wal", "-shm"):
        Path(str(store_path) + suffix).unlink(missing_ok=True)
    store_path.write_bytes(b"this is not a linkcheck store" * 100)
    marker = tmp_path / "started"
    result = cli("run", "shop-a", "--machine", LAPTOP_A, "--", *_touch_command(marker))
    assert result.exit_code == 5
    assert not marker.exists()


def test_run_without_a_store_does_not_start_the_command(cli, tmp_path):
    marker = tmp_path / "started"
    result = cli("run", "shop-a", "--machine", LAPTOP_A, "--", *_touch_command(marker))
    assert result.exit_code == 2
    assert not marker.exists()


def test_run_for_an_unknown_account_does_not_start_the_command(cli, shops, tmp_path):
    marker = tmp_path / "started"
    assert cli("run", "nobody", "--machine", LAPTOP_A, "--", *_touch_command(marker)).exit_code == 2
    assert not marker.exists()


def test_run_command_not_found_is_exit_127_with_a_clear_message(cli, a_on_laptop_a):
    result = cli("run", "shop-a", "--machine", LAPTOP_A, "--", "no-such-browser-xyz")
    assert result.exit_code == 127
    assert "command not found: no-such-browser-xyz" in result.stderr


def test_run_of_a_missing_path_is_exit_127_before_anything_is_recorded(cli, a_on_laptop_a, tmp_path):
    before = json.loads(cli("log", "--format", "json").stdout)
    missing = tmp_path / "no-such-dir" / "browser"
    result = cli("run", "shop-a", "--machine", LAPTOP_A, "--", str(missing))
    assert result.exit_code == 127
    assert result.stderr == f"linkcheck: error: command not found: {missing}; nothing was started\n"
    assert json.loads(cli("log", "--format", "json").stdout) == before


def test_run_without_a_command_is_a_usage_error(cli, a_on_laptop_a):
    assert cli("run", "shop-a", "--machine", LAPTOP_A).exit_code == 2


def test_run_end_to_end_in_a_real_process(cli, a_on_laptop_a, store_path):
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "run", "shop-a", "--machine", str(LAPTOP_A), "--",
         sys.executable, "-c", "print('browser here'); raise SystemExit(7)"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 7
    assert done.stdout == "browser here\n"
    assert done.stderr.startswith("GO (public IP not checked): ")


def test_run_passes_no_vendor_secret_to_the_command(cli, a_on_laptop_a, store_path):
    """Attack 11, finding 8: the vendors' API keys and the Ziniao login linkcheck reads from the
    environment are stripped from the started command's environment, as the passphrase is."""
    from linkcheck.importers import vendors

    secrets = {"LINKCHECK_ZINIAO_LOGIN": '{"company":"example-co","username":"op1","password":"not-a-real-pw"}',
               "LINKCHECK_ADSPOWER_API_KEY": "fake-adspower-key", "LINKCHECK_BITBROWSER_API_KEY": "fake-bit-key",
               "LINKCHECK_GOLOGIN_TOKEN": "fake-gologin-token"}
    assert set(secrets) == set(vendors.KEY_ENVS) == {vendors.reader(v).KEY_ENV for v in vendors.VENDORS}
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE, PYTHONPATH=str(Path(__file__).resolve().parent.parent),
               OTHER_SETTING="kept", **secrets)
    show = ("import os; print(sorted(k for k in os.environ if k.startswith('LINKCHECK_') and 'KEY' in k or "
            "k.endswith(('_LOGIN', '_TOKEN', 'PASSPHRASE')))); print(os.environ.get('OTHER_SETTING'))")
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "run", "shop-a", "--machine", str(LAPTOP_A), "--",
         sys.executable, "-c", show], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\nkept\n"


# ----- the core, directly --------------------------------------------------------------------


def test_check_machine_compares_against_other_accounts_only(a_on_laptop_a, store_path):
    with Store.open(store_path, PASSPHRASE) as st:
        fp = capture.load_fixture(LAPTOP_A, hash_machine_id=st.machine_hash)
        result = gate.check_machine(st, "shop-a", fp, load_rules(None))
    assert (result.verdict, result.exit_code, result.pairs, result.new_values) == ("GO", 0, (), ())


def test_check_machine_result_is_stop_with_the_conflict(a_on_laptop_a, store_path):
    with Store.open(store_path, PASSPHRASE) as st:
        fp = capture.load_fixture(LAPTOP_A, hash_machine_id=st.machine_hash)
        result = gate.check_machine(st, "shop-b", fp, load_rules(None), fail_on=Level.HIGH)
    assert (result.verdict, result.exit_code) == ("STOP", 1)
    assert (result.conflicts, result.level) == (("shop-a",), Level.CRITICAL)
    assert {f.kind for f in result.pairs[0].findings} == {"mac", "machine_id", "gateway_mac", "hostname"}


def test_check_reads_this_machine_before_the_key_and_keys_its_id_after(cli, a_on_laptop_a, monkeypatch):
    # The machine is read while the store's key is derived (before the unlock); only the machine
    # id's keyed hash waits for the key, and it is the store's hash of the raw id all the same.
    order: list[str] = []
    real_read, real_unlock = capture.machine_fingerprint, Store._unlock

    def reading(*args, **kwargs):
        order.append("read this machine")
        return real_read(*args, **kwargs)

    def unlocking(*args, **kwargs):
        order.append("unlock")
        return real_unlock(*args, **kwargs)

    monkeypatch.setattr(capture, "machine_fingerprint", reading)
    monkeypatch.setattr(Store, "_unlock", staticmethod(unlocking))
    result = cli("check", "shop-b", "--machine", LAPTOP_A, "--format", "json")
    assert result.exit_code == 1, result.output
    assert order == ["read this machine", "unlock"]
    kinds = {f["kind"] for pair in json.loads(result.output)["pairs"] for f in pair["findings"]}
    assert "machine_id" in kinds  # the hash made after the unlock meets the one `capture` recorded
    assert cli("check", "shop-a", "--machine", LAPTOP_A).output.startswith("GO ")


def test_every_gate_command_has_help_with_examples(cli):
    for command in ("fingerprint", "capture", "check", "run", "log"):
        result = cli(command, "--help")
        assert result.exit_code == 0
        assert "Examples:" in result.output, command


def test_run_does_not_hand_the_passphrase_to_the_command(cli, demo_store, tmp_path):
    marker = tmp_path / "env.txt"
    machine = Path(__file__).resolve().parent / "fixtures" / "machines" / "laptop-a.json"
    result = cli(
        "run", "lotus-jp", "--machine", machine, "--",
        "sh", "-c", f'printf "%s" "${{LINKCHECK_PASSPHRASE:-unset}}" > {marker}',
    )
    assert marker.exists(), result.output
    assert marker.read_text() == "unset"


def test_check_stops_when_the_requested_public_ip_cannot_be_found(cli, demo_store, tmp_path):
    machine = Path(__file__).resolve().parent / "fixtures" / "machines" / "laptop-a.json"
    env = {"LINKCHECK_IP_ECHO_URLS": "http://127.0.0.1:9/"}
    result = cli("check", "lotus-jp", "--machine", machine, "--public-ip", "auto", env=env)
    assert result.exit_code == 1
    assert "public IP could not be checked" in result.output
    allowed = cli("check", "lotus-jp", "--machine", machine, "--public-ip", "auto", "--allow-unchecked-ip", env=env)
    assert allowed.exit_code in (0, 1)
    assert "public IP could not be checked" not in allowed.output


def test_run_does_not_start_the_command_when_the_public_ip_cannot_be_found(cli, demo_store, tmp_path):
    marker = tmp_path / "started"
    machine = Path(__file__).resolve().parent / "fixtures" / "machines" / "laptop-a.json"
    env = {"LINKCHECK_IP_ECHO_URLS": "http://127.0.0.1:9/"}
    result = cli("run", "lotus-jp", "--machine", machine, "--public-ip", "auto", "--", "touch", marker, env=env)
    assert result.exit_code == 1
    assert not marker.exists()


def test_go_line_names_what_was_compared(cli, store):
    # The GO line's count is of the values compared; the list of new values below it also holds
    # private addresses (recorded, never compared), so the line names the kinds it counted.
    assert cli("account", "add", "shop-new").exit_code == 0
    result = cli("check", "shop-new", "--machine", LAPTOP_A)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert "4 identifying values (MAC address, router (gateway) MAC, hostname, machine ID) is on file" in first
    assert "ip 192.168.1.x" in result.output  # listed below as new, not counted above
    zh = cli("check", "shop-new", "--machine", LAPTOP_A, env={"LINKCHECK_LANG": "zh"}).output.splitlines()[0]
    assert "4 项识别信息（MAC 地址、路由器（网关）MAC、主机名、机器 ID）" in zh
