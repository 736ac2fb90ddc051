"""One office computer, many stores, a browser profile and a proxy per store (check --browser).

A website sees what the profile shows, not the computer: the router's MAC, the network cards'
MACs, the hostname, the machine id and the office's own public IP (behind the profile's proxy)
are context unless a setting of the profile lets them through (WebRTC real, noise off, the
computer's MAC or name). The vendor's API is served on loopback (tests/test_browser.py), the
exit IP is looked up through a loopback HTTP proxy, and the office is a recorded machine."""

from __future__ import annotations

import copy
import http.server
import json
import threading
from pathlib import Path

import pytest

from linkcheck import capture
from test_browser import KEY, key_file, vendor_server  # noqa: F401 - fixtures used below

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
OFFICE_IP = "203.0.113.10"  # the office line, recorded with the machine
EXIT_IP = "198.51.100.77"  # what the echo service answers through the profile's proxy
STORES = ("store-1", "store-2", "store-3", "store-4")


@pytest.fixture
def exit_proxy():
    """A plain HTTP proxy on loopback that answers every echo request with EXIT_IP."""

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - a plain HTTP proxy receives the absolute URL
            self.send_response(200)
            self.end_headers()
            self.wfile.write((EXIT_IP + "\n").encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def office(tmp_path):
    """The office computer, with the office's own public IP recorded."""
    data = json.loads((MACHINES / "laptop-a.json").read_text(encoding="utf-8"))
    data["origin"] = "the office computer"
    data["hostname"] = "office-pc-01"
    data["public_ip"] = {"address": OFFICE_IP, "source": "fixture"}
    path = tmp_path / "office.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _profile(port: int, **fingerprint) -> dict:
    """store-3's AdsPower profile behind its own proxy, hiding the computer unless told otherwise."""
    fp = {"ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0", "screen_resolution": "1920_1080",
          "canvas": "1", "webgl": "3", "webgl_image": "1", "audio": "1", "webrtc": "proxy",
          "hardware_concurrency": "8", "device_memory": "8", "device_name_switch": "1",
          "device_name": "DESKTOP-S3S3S3", "mac_address_config": {"model": "1", "address": "3C-22-FB-0A-0C-03"},
          "webgl_config": {"unmasked_vendor": "Google Inc. (Intel)", "unmasked_renderer": "ANGLE (Intel HD 630)"}}
    fp.update(fingerprint)
    return {"profile_id": "p3", "name": "store-3", "username": "seller-3@example.com",
            "user_proxy_config": {"proxy_type": "http", "proxy_host": "127.0.0.1", "proxy_port": str(port),
                                  "proxy_user": "s3", "proxy_password": "s3-proxy-pw"},
            "fingerprint_config": fp}


@pytest.fixture
def agency(cli, store, office):
    """Four stores; store-1 and store-2 captured the office computer (its MACs, router, hostname,
    machine id and the office's public IP)."""
    for name in STORES:
        assert cli("account", "add", name).exit_code == 0
    for name in ("store-1", "store-2"):
        result = cli("capture", name, "--machine", office)
        assert result.exit_code == 0, result.output
    return office


def _check(cli, server, key_file, office, *args, name="store-3", env=None):  # noqa: F811
    return cli("check", name, "--browser", "adspower:p3", "--browser-api", server.url, "--api-key-file", key_file,
               "--machine", office, "--public-ip", "auto", *args,
               env={capture.ECHO_URLS_ENV: "http://127.0.0.2:9/ip", **(env or {})})


def _serve(vendor_server, port, **fingerprint):  # noqa: F811
    return vendor_server("adspower", [_profile(port, **fingerprint)])


def test_a_profile_hiding_the_computer_goes_with_the_office_as_context(cli, agency, vendor_server, key_file, exit_proxy):  # noqa: F811
    server = _serve(vendor_server, exit_proxy)
    result = _check(cli, server, key_file, agency)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("GO: none of the ")
    assert " values websites see through adspower:p3 (" in lines[0]
    assert lines[0].endswith(") is on file for another account")
    context = next(line for line in lines if line.startswith("Context (not a STOP): "))
    assert context.startswith("Context (not a STOP): this computer is also on file for 2 other accounts "
                              "(store-1, store-2); adspower:p3 hides from websites: ")
    for shown in ("router (gateway) MAC (c0:ff:d4:**:**:01)", "hostname", "machine ID", "IP address (203.0.113.x)"):
        assert shown in context, shown
    assert "What websites see of this computer" not in result.output  # nothing of it is seen


def test_the_json_gives_each_identifier_its_judgement(cli, agency, vendor_server, key_file, exit_proxy):  # noqa: F811
    server = _serve(vendor_server, exit_proxy)
    result = _check(cli, server, key_file, agency, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == "GO" and data["conflicts"] == [] and data["pairs"] == []
    computer = data["computer"]
    assert computer["profile"] == "adspower:p3" and computer["strict"] is False
    by_role = {}
    for row in computer["identifiers"]:
        by_role.setdefault(row["role"], []).append(row)
    exit_ip = by_role["exit_ip"][0]
    assert (exit_ip["value"], exit_ip["seen"], exit_ip["why"]) == ("198.51.100.x", True, "exit_ip")
    own = by_role["public_ip"][0]
    assert (own["value"], own["seen"], own["why"], own["fix"]) == ("203.0.113.x", False, "behind_proxy", None)
    assert own["on_file_for"] == ["store-1", "store-2"]
    for role in ("gateway_mac", "mac", "hostname", "machine_id"):
        row = by_role[role][0]
        assert (row["seen"], row["why"], row["reason"]) == (False, "unreadable", "a website cannot read it"), role
        assert row["on_file_for"] == ["store-1", "store-2"], role
    assert all(not r["compared"] for r in by_role["lan_ip"])  # private addresses identify no one
    assert {p["accounts"][0] if p["accounts"][1] == "store-3" else p["accounts"][1]
            for p in computer["hidden_context"]} == {"store-1", "store-2"}


def test_webrtc_real_lets_the_office_ip_through_and_stops_naming_the_setting(
    cli, agency, vendor_server, key_file, exit_proxy  # noqa: F811
):
    server = _serve(vendor_server, exit_proxy, webrtc="local")
    result = _check(cli, server, key_file, agency)
    assert result.exit_code == 1, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("STOP: this machine's IP address (203.0.113.x) is on file for store-")
    assert first.endswith("; websites see it because adspower:p3 sets WebRTC to real, so websites see this "
                          "computer's IP addresses: in adspower, set the profile's WebRTC to replace or disabled "
                          "instead of real")
    assert "\nWhat websites see of this computer through adspower:p3:\n" in result.output
    assert "  IP address (203.0.113.x): adspower:p3 sets WebRTC to real" in result.output
    data = json.loads(_check(cli, server, key_file, agency, "--format", "json").output)
    own = next(r for r in data["computer"]["identifiers"] if r["role"] == "public_ip")
    assert (own["seen"], own["why"]) == (True, "webrtc_real")
    assert own["fix"] == "in adspower, set the profile's WebRTC to replace or disabled instead of real"


@pytest.mark.parametrize("change, why", [
    ({"webrtc": "real"}, "webrtc_unknown"),          # a value linkcheck does not know
    ({"canvas": "false"}, "hardware_unknown"),
    ({"drop": ("webrtc", "canvas", "audio", "webgl", "webgl_image", "device_name_switch", "mac_address_config")},
     None),                                           # the settings left out of the vendor's answer
])
def test_a_setting_the_vendor_leaves_unsaid_is_taken_as_showing_the_computer(
    cli, agency, vendor_server, key_file, exit_proxy, change, why  # noqa: F811
):
    """A GO rests on what is known: a missing or unknown privacy setting fails closed."""
    row = _profile(exit_proxy)
    for key in change.pop("drop", ()):
        del row["fingerprint_config"][key]
    row["fingerprint_config"].update(change)
    server = vendor_server("adspower", [row])
    result = _check(cli, server, key_file, agency)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("STOP: "), result.output
    assert "the vendor does not say" in result.output.splitlines()[0]
    data = json.loads(_check(cli, server, key_file, agency, "--format", "json").output)
    reasons = {r["role"]: r["why"] for r in data["computer"]["identifiers"] if r["seen"]}
    if why is not None:
        assert why in reasons.values()
    else:
        assert {"webrtc_unknown", "hardware_unknown", "mac_unknown", "device_name_unknown"} <= set(reasons.values())


def test_noise_off_shows_the_computer_and_stops_naming_the_setting(cli, agency, vendor_server, key_file, exit_proxy):  # noqa: F811
    server = _serve(vendor_server, exit_proxy, canvas="0", audio="0")
    result = _check(cli, server, key_file, agency)
    assert result.exit_code == 1, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("STOP: this machine's machine ID (")
    assert ("; websites see it because adspower:p3 shows this computer's real graphics and audio hardware (canvas "
            "noise off, audio noise off), which identifies the computer as its machine id does: in adspower, turn "
            "canvas, WebGL image and audio noise on and give WebGL custom metadata") in first
    # The values still hidden are context beside the STOP.
    assert "Context (not a STOP): this computer is also on file for 2 other accounts" in result.output


def test_the_computers_mac_and_name_let_them_through(cli, agency, vendor_server, key_file, exit_proxy):  # noqa: F811
    server = _serve(vendor_server, exit_proxy, device_name_switch="0", mac_address_config={"model": "0"})
    result = _check(cli, server, key_file, agency, "--format", "json")
    assert result.exit_code == 1, result.output
    rows = {r["role"]: r for r in json.loads(result.output)["computer"]["identifiers"]}
    assert (rows["mac"]["seen"], rows["mac"]["why"]) == (True, "mac_real")
    assert rows["mac"]["fix"] == "in adspower, give the profile a custom MAC address instead of the computer's"
    assert (rows["hostname"]["seen"], rows["hostname"]["why"]) == (True, "device_name_real")
    assert (rows["gateway_mac"]["seen"], rows["machine_id"]["seen"]) == (False, False)


def test_strict_keeps_todays_behaviour(cli, agency, vendor_server, key_file, exit_proxy):  # noqa: F811
    server = _serve(vendor_server, exit_proxy)
    before = cli("check", "store-3", "--machine", agency)  # no profile: as it always was
    assert before.exit_code == 1
    strict = _check(cli, server, key_file, agency, "--strict-computer")
    assert strict.exit_code == 1, strict.output
    first = strict.output.splitlines()[0]
    assert first.startswith(before.output.splitlines()[0].split(" is on file for ")[0] + " is on file for store-")
    assert first.endswith("; adspower:p3 hides it from websites, but the `computer` setting is strict (or "
                          "--strict-computer): every value of this computer counts")
    assert "Context (not a STOP)" not in strict.output  # every value counts: none is mere context
    assert cli("config", "set", "computer", "strict").exit_code == 0
    by_setting = _check(cli, server, key_file, agency, "--format", "json")
    assert by_setting.exit_code == 1
    computer = json.loads(by_setting.output)["computer"]
    assert computer["strict"] is True
    gateway = next(r for r in computer["identifiers"] if r["role"] == "gateway_mac")
    assert (gateway["seen"], gateway["counts"]) == (False, True)  # hidden, and counted all the same
    # The option wins over the setting.
    assert _check(cli, server, key_file, agency, "--no-strict-computer").exit_code == 0
    assert cli("config", "set", "computer", "lenient").exit_code == 3


def test_without_a_profile_nothing_changes(cli, agency):
    result = cli("check", "store-3", "--machine", agency, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert "computer" not in data
    assert sorted(data["conflicts"]) == ["store-1", "store-2"]
    assert cli("check", "store-3", "--machine", agency, "--strict-computer").exit_code == 2


def test_record_keeps_only_what_websites_see(cli, agency, vendor_server, key_file, exit_proxy):  # noqa: F811
    server = _serve(vendor_server, exit_proxy)
    result = _check(cli, server, key_file, agency, "--record")
    assert result.exit_code == 0, result.output
    assert ("This computer's values that adspower:p3 hides from websites were logged, not kept on store-3."
            in result.output)
    shown = json.loads(cli("account", "show", "store-3", "--format", "json").output)
    values = shown.get("attributes") or shown.get("values") or []
    kinds = {a["kind"] for a in values}
    assert {"browser_profile", "proxy", "ip", "mac"} <= kinds  # the profile's own MAC is the profile's
    assert not kinds & {"gateway_mac", "hostname", "machine_id"}
    assert [a["value"] for a in values if a["kind"] == "mac"] == ["3c:22:fb:**:**:03"]  # not the computer's
    # store-4 on the office computer without a profile is stopped by the stores that captured it,
    # not by store-3, which kept nothing of the computer.
    plain = json.loads(cli("check", "store-4", "--machine", agency, "--format", "json").output)
    assert sorted(plain["conflicts"]) == ["store-1", "store-2"]
    log = json.loads(cli("log", "store-3", "--format", "json").output)[-1]
    assert log["action"] == "check" and log["verdict"] == "GO" and log["profile"] == "adspower:p3"
    assert log["computer"]["strict"] is False and log["computer"]["seen"] == {}
    assert set(log["computer"]["hidden"]) == {"mac", "gateway_mac", "hostname", "machine_id", "public_ip"}
    assert log["computer"]["hidden_shared_with"] == ["store-1", "store-2"]
    assert log["routers"] == ["c0:ff:d4:**:**:01"]  # which computer was used stays in the log


def test_an_explained_share_is_shown_and_still_stops(cli, agency, vendor_server, key_file, exit_proxy):  # noqa: F811
    # store-3 was once used on the office computer without a profile: the three share its machine id
    assert cli("capture", "store-3", "--machine", agency).exit_code == 0
    for other in ("store-1", "store-2"):
        explained = cli("explain", "store-3", other, "machine_id", "--note", "one office computer")
        assert explained.exit_code == 0, explained.output
    server = _serve(vendor_server, exit_proxy, canvas="0")
    result = _check(cli, server, key_file, agency)
    assert result.exit_code == 1, result.output
    assert ("Explained with `linkcheck explain`: store-1, store-2. Still a STOP: an explanation is for the people "
            "who read an appeal; the marketplace links what it sees, whatever the reason.") in result.output
    assert "one office computer" in result.output  # the explanation column of the findings
    data = json.loads(_check(cli, server, key_file, agency, "--format", "json").output)
    machine = next(r for r in data["computer"]["identifiers"] if r["role"] == "machine_id")
    assert machine["explained"] == {"store-1": "one office computer", "store-2": "one office computer"}


def test_the_office_messages_in_chinese(cli, agency, vendor_server, key_file, exit_proxy):  # noqa: F811
    server = _serve(vendor_server, exit_proxy)
    result = _check(cli, server, key_file, agency, env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("可以登录（GO）：通过 adspower:p3 网站能看到的 ")
    context = next(line for line in lines if line.startswith("背景信息（不会因此停止）："))
    assert "这台电脑还登记在另外 2 个账户上（store-1、store-2）；adspower:p3 对网站隐藏了：" in context
    stopped = _check(cli, _serve(vendor_server, exit_proxy, webrtc="local"), key_file, agency,
                     env={"LINKCHECK_LANG": "zh"})
    assert stopped.exit_code == 1
    assert ("网站能看到它，因为 adspower:p3 的 WebRTC 设为真实，网站能看到本机的 IP 地址：请在 AdsPower 中把该环境的 WebRTC "
            "改为替换或禁用，不要用真实") in stopped.output.splitlines()[0]


def test_bitbrowser_webrtc_allow_and_real_device_info_are_read(tmp_path):
    from linkcheck.importers.vendors import bitbrowser, gologin

    row = copy.deepcopy({"id": "b1", "name": "x", "browserFingerPrint": {"webRTC": "1", "deviceInfoEnabled": False}})
    p = bitbrowser.parse(row, "row")
    assert p.webrtc_real and {"mac_real", "device_name_real"} <= set(p.passthrough)
    assert not bitbrowser.parse({"id": "b2", "browserFingerPrint": {"webRTC": "0"}}, "row").webrtc_real
    assert gologin.parse({"id": "g1", "webRTC": {"mode": "real"}}, "row").webrtc_real
    assert not gologin.parse({"id": "g2", "webRTC": {"mode": "alerted"}}, "row").webrtc_real


def test_an_ip_the_vendor_reports_for_the_profile_counts_even_when_it_is_the_offices(
    cli, agency, vendor_server, key_file, exit_proxy  # noqa: F811
):
    row = _profile(exit_proxy)
    row["ip"] = OFFICE_IP  # the profile was once seen leaving through the office line
    server = vendor_server("adspower", [row])
    result = _check(cli, server, key_file, agency, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert sorted(data["conflicts"]) == ["store-1", "store-2"]
    own = next(r for r in data["computer"]["identifiers"] if r["role"] == "public_ip")
    assert (own["seen"], own["why"]) == (True, "profile")
    assert own["reason"] == "adspower:p3 has this value among its own, as the vendor reports the profile"


def test_run_opens_a_profile_hiding_the_computer_and_says_the_context(
    cli, agency, vendor_server, key_file, exit_proxy  # noqa: F811
):
    server = _serve(vendor_server, exit_proxy)
    result = cli("run", "store-3", "--browser", "adspower:p3", "--browser-api", server.url, "--api-key-file", key_file,
                 "--machine", agency, "--public-ip", "auto", env={capture.ECHO_URLS_ENV: "http://127.0.0.2:9/ip"})
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("GO: none of the ")
    assert lines[1].startswith("  Context, not a STOP: this computer is also on file for 2 other accounts "
                               "(store-1, store-2); adspower:p3 hides from websites: ")
    assert [r["query"] for r in server.requests if r["path"] == "/api/v1/browser/start"] == [{"user_id": "p3"}]
    assert "Opened adspower:p3 for store-3." in result.output
    # A profile that lets the computer through is never opened.
    stopped = _serve(vendor_server, exit_proxy, webrtc="local")
    result = cli("run", "store-3", "--browser", "adspower:p3", "--browser-api", stopped.url, "--api-key-file",
                 key_file, "--machine", agency, "--public-ip", "auto", env={capture.ECHO_URLS_ENV: "http://127.0.0.2:9/ip"})
    assert result.exit_code == 1
    assert "sets WebRTC to real" in result.stderr.splitlines()[0]
    assert "/api/v1/browser/start" not in stopped.paths()


def test_webrtc_real_on_this_computer_looks_its_own_public_ip_up_and_fails_closed(
    cli, agency, vendor_server, key_file, exit_proxy  # noqa: F811
):
    # No recorded machine: the exit IP comes through the profile's proxy, and since WebRTC would
    # show this computer's own public IP, that is looked up directly -- here it cannot be (the
    # echo service answers only through the proxy), so the check stops rather than guess.
    server = _serve(vendor_server, exit_proxy, webrtc="local")
    args = ("check", "store-3", "--browser", "adspower:p3", "--browser-api", server.url, "--api-key-file", key_file,
            "--public-ip", "auto")
    env = {capture.ECHO_URLS_ENV: "http://127.0.0.2:9/ip"}
    result = cli(*args, env=env)
    assert result.exit_code == 1
    assert ("STOP: the public IP could not be checked (adspower:p3 sets WebRTC to real, so this computer's own "
            "public IP was looked up too, and that failed: public IP lookup failed (127.0.0.2: ") in result.stderr
    assert cli(*args, "--allow-unchecked-ip", env=env).exit_code == 0  # asked to go on without it
    hiding = _serve(vendor_server, exit_proxy)  # WebRTC replaced: nothing looked up directly
    assert cli("check", "store-3", "--browser", "adspower:p3", "--browser-api", hiding.url, "--api-key-file",
               key_file, "--public-ip", "auto", env=env).exit_code == 0


def test_no_public_ip_leaves_out_a_recorded_machines_own_public_ip(cli, agency):
    """--no-public-ip (or --public-ip off) checks no public IP at all: not the one the recorded
    machine (--machine) holds either -- which the help and the verdict say was not checked, and
    which a user's trial found still compared."""
    for off in (("--no-public-ip",), ("--public-ip", "off")):
        shown = json.loads(cli("fingerprint", "--machine", agency, *off, "--format", "json").output)
        assert shown["public_ip"] == {"address": None, "source": None}
        result = cli("check", "store-3", "--machine", agency, *off, "--format", "json")
        data = json.loads(result.output)
        assert data["public_ip_checked"] is False
        assert OFFICE_IP not in result.output and "203.0.113." not in result.output
    kept = json.loads(cli("check", "store-3", "--machine", agency, "--format", "json").output)
    assert kept["public_ip_checked"] is True
