"""What an agency's trial found at the login gate and in `browser audit` (trial 10, items 2, 8, 9).

- A profile with no proxy shows websites this computer's own public IP: with the public IP not
  looked up, the gate says STOP (or, with --allow-unchecked-ip, a GO saying so on its verdict
  line), and an interface address `fingerprint` calls public is compared as that IP.
- `browser audit` reports a profile with no proxy or with WebRTC real (level, why, fix).
- The STOP line names the profile's proxy exit IP as the profile's, a profile on file for
  another account as theirs; a GO line does not single out one of many accounts in one /24, and
  the table counts network-range rows in one line unless --all.

The vendor's API is served on loopback (tests/test_browser.py); the office is a recorded machine.
"""

from __future__ import annotations

import json

import pytest

from linkcheck import capture
from test_browser import KEY, key_file, vendor_server  # noqa: F401 - fixtures used below
from test_gate_office import MACHINES, OFFICE_IP, STORES, _profile, agency, exit_proxy, office  # noqa: F401

NO_ECHO = {capture.ECHO_URLS_ENV: "http://127.0.0.2:9/ip"}


def _no_proxy_row(**changes) -> dict:
    row = _profile(9)
    row["user_proxy_config"] = {"proxy_soft": "no_proxy", "proxy_type": "no_proxy"}
    row.update(changes)
    return row


def _machine(tmp_path, name: str, *, public_interface: str | None = None, gateway: str | None = None):
    """The office computer without a recorded public IP; optionally on a public interface address
    (and with another default gateway)."""
    data = json.loads((MACHINES / "laptop-a.json").read_text(encoding="utf-8"))
    data["hostname"] = "office-pc-01"
    data["public_ip"] = {"address": None, "source": None}
    if public_interface:
        family = "ipv6" if ":" in public_interface else "ipv4"
        data["interfaces"][0]["addresses"].append({"address": public_interface, "family": family, "scope": "public"})
    if gateway:
        data["gateway"] = {"address": gateway, "interface": "Wi-Fi", "mac": data["gateway"]["mac"]}
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _check(cli, server, key_file, machine, *args, name="store-3"):  # noqa: F811
    return cli("check", name, "--browser", "adspower:p3", "--browser-api", server.url, "--api-key-file", key_file,
               "--machine", machine, *args, env=NO_ECHO)


UNCHECKED = ("adspower:p3 has no proxy, so websites see this computer's own public IP, which was not checked: check "
             "again without --no-public-ip (or with --public-ip ADDRESS), or in adspower give the profile its own proxy")


def test_a_profile_with_no_proxy_and_the_public_ip_unchecked_is_a_stop(cli, agency, vendor_server, key_file, tmp_path):  # noqa: F811
    server = vendor_server("adspower", [_no_proxy_row()])
    machine = _machine(tmp_path, "office-private.json")  # behind the router: no public address of its own
    result = _check(cli, server, key_file, machine, "--no-public-ip")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == "STOP: " + UNCHECKED
    assert "Do not log in to store-3 from this machine and network." in result.output
    data = json.loads(_check(cli, server, key_file, machine, "--no-public-ip", "--format", "json").output)
    assert data["verdict"] == "STOP" and data["reason"] == UNCHECKED and data["conflicts"] == []
    # --allow-unchecked-ip goes on, and the verdict line says what the GO did not check.
    allowed = _check(cli, server, key_file, machine, "--no-public-ip", "--allow-unchecked-ip")
    assert allowed.exit_code == 0, allowed.output
    assert allowed.output.splitlines()[0].startswith(
        "GO (public IP not checked; adspower:p3 has no proxy, so websites see this computer's public IP, which was "
        "not checked): ")
    # A profile with a proxy is not stopped for it: its exit hides the office's IP.
    proxied = vendor_server("adspower", [_profile(9)])
    assert _check(cli, proxied, key_file, machine, "--no-public-ip").exit_code == 0


def test_a_public_ipv6_on_an_interface_is_not_the_public_ipv4_checked(cli, agency, vendor_server, key_file, tmp_path):  # noqa: F811
    """Attack 11, finding 4: on a dual-stack computer (an IPv4 default route, a global IPv6 on its
    Wi-Fi), the IPv6 address compared does not stand for the NATed IPv4 address IPv4 sites see:
    STOP until the IPv4 side is checked. With no IPv4 default route, the IPv6 one is enough."""
    server = vendor_server("adspower", [_no_proxy_row()])
    machine = _machine(tmp_path, "office-v6.json", public_interface="2001:db8:1234:5678:a1b2:c3d4:e5f6:1234")
    result = _check(cli, server, key_file, machine, "--no-public-ip")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        "STOP: adspower:p3 has no proxy, so websites see this computer's own public IP, and only its IPv6 address "
        "was checked, not the IPv4 one websites reached over IPv4 see: check again without --no-public-ip (or with "
        "--public-ip ADDRESS), or in adspower give the profile its own proxy")
    # The IPv4 address given: compared, and it is on file for another store.
    given = _check(cli, server, key_file, machine, "--public-ip", OFFICE_IP)
    assert given.exit_code == 1 and given.output.startswith("STOP: this machine's IP address (203.0.113.x) is on file")
    # An IPv6-only network (its default route is IPv6): the IPv6 address is the public IP checked.
    v6_only = _machine(tmp_path, "v6-only.json", public_interface="2001:db8:1234:5678:a1b2:c3d4:e5f6:1234",
                       gateway="fe80::1")
    result = _check(cli, server, key_file, v6_only, "--no-public-ip")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GO")


def test_with_no_proxy_a_public_interface_address_is_the_ip_websites_see(cli, agency, vendor_server, key_file, tmp_path):  # noqa: F811
    """The trial: the office's 192.0.2.2 is on an interface, on file for another store, and a
    profile with no proxy was told it hid it."""
    server = vendor_server("adspower", [_no_proxy_row()])
    machine = _machine(tmp_path, "office-public.json", public_interface=OFFICE_IP)
    result = _check(cli, server, key_file, machine, "--no-public-ip")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("STOP: this machine's IP address (203.0.113.x) is on file for store-")
    assert lines[0].endswith("; websites see it because adspower:p3 has no proxy, so websites see this computer's own "
                             "public IP: in adspower, give the profile its own proxy")
    assert "  IP address (203.0.113.x): adspower:p3 has no proxy, so websites see this computer's own public IP" \
        in result.output
    context = next(line for line in lines if line.startswith("Context (not a STOP): "))
    assert "hides from websites" in context and "IP address" not in context  # never "hides" the IP
    data = json.loads(_check(cli, server, key_file, machine, "--no-public-ip", "--format", "json").output)
    own = next(r for r in data["computer"]["identifiers"] if r["value"] == "203.0.113.x")
    assert (own["role"], own["seen"], own["why"]) == ("public_ip", True, "no_proxy")
    # Behind a proxy, the same address is context, as before.
    proxied = vendor_server("adspower", [_profile(9)])
    result = _check(cli, proxied, key_file, machine, "--no-public-ip")
    assert result.exit_code == 0, result.output
    assert "IP address (203.0.113.x)" in next(line for line in result.output.splitlines()
                                              if line.startswith("Context (not a STOP): "))


def test_adspower_proxy_soft_no_proxy_turns_the_proxy_off():
    from linkcheck.importers.vendors import adspower, ziniao

    row = _profile(9)
    row["user_proxy_config"]["proxy_soft"] = "no_proxy"  # the host and type are left over from before
    assert adspower.parse(row, "row").proxy is None
    assert adspower.parse(_profile(9), "row").proxy == "http://s3:s3-proxy-pw@127.0.0.1:9"
    assert "proxy" in ziniao.parse({"storeId": "1", "storeName": "x", "ip": "203.0.113.9"}, "row").unknown


def test_the_profiles_exit_ip_is_named_as_the_profiles(cli, agency, vendor_server, key_file, tmp_path):  # noqa: F811
    assert cli("attr", "add", "store-4", "ip", "198.51.100.50").exit_code == 0
    server = vendor_server("adspower", [{**_profile(9), "ip": "198.51.100.50"}])
    machine = _machine(tmp_path, "office-private.json")
    result = _check(cli, server, key_file, machine, "--no-public-ip")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == "STOP: adspower:p3's proxy exit IP (198.51.100.x) is on file for store-4 (high)"
    assert "this machine's IP address" not in result.output
    # The table's column of the values read is this login's (the profile's exit IP is not this machine's).
    header = next(line for line in result.output.splitlines() if line.startswith("account "))
    assert header.split()[:5] == ["account", "level", "kind", "this", "login"] and "this machine" not in header


def test_a_profile_on_file_for_another_account_is_named_as_theirs(
    cli, agency, vendor_server, key_file, tmp_path  # noqa: F811
):
    server = vendor_server("adspower", [_profile(9)])
    mapping = tmp_path / "map.csv"
    mapping.write_text("profile,account\np3,store-4\n", encoding="utf-8")
    imported = cli("browser", "import", "adspower", "--api", server.url, "--api-key-file", key_file, "--map", mapping)
    assert imported.exit_code == 0, imported.output
    result = _check(cli, server, key_file, _machine(tmp_path, "office-private.json"), "--no-public-ip")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        "STOP: this profile (adspower:p3) belongs to store-4 (critical): open store-3's own profile")
    data = json.loads(_check(cli, server, key_file, _machine(tmp_path, "o.json"), "--no-public-ip",
                             "--format", "json").output)
    assert data["conflicts"] == ["store-4"] and data["reason"].startswith("this profile (adspower:p3) belongs to")


@pytest.fixture
def one_range(cli, store, tmp_path):
    """Four other accounts whose IPs are in the /24 of the IP this check sees; one more shares a phone-less nothing."""
    for name in ("shop", "n-1", "n-2", "n-3", "n-4"):
        assert cli("account", "add", name).exit_code == 0
    for i, name in enumerate(("n-1", "n-2", "n-3", "n-4"), start=1):
        assert cli("attr", "add", name, "ip", f"203.0.113.{i}").exit_code == 0
    return _machine(tmp_path, "m.json")


def test_a_go_line_counts_the_accounts_in_one_range_instead_of_naming_one(cli, one_range):
    result = cli("check", "shop", "--machine", one_range, "--public-ip", "203.0.113.99")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("GO: nothing at or above high; the strongest is medium: IP network (/24 or /64), shared with "
                        "4 accounts")
    assert "4 account(s) in the same IP network (/24 or /64), below high: not listed; --all lists them (--format json " \
           "always does)." in lines
    assert not any(line.startswith("n-1 ") for line in lines)  # no table row for them
    shown = cli("check", "shop", "--machine", one_range, "--public-ip", "203.0.113.99", "--all").output.splitlines()
    assert sum(1 for line in shown if line.startswith(("n-1 ", "n-2 ", "n-3 ", "n-4 "))) == 4
    assert not any("not listed" in line for line in shown)
    data = json.loads(cli("check", "shop", "--machine", one_range, "--public-ip", "203.0.113.99",
                          "--format", "json").output)
    assert len(data["pairs"]) == 4  # the JSON is complete
    # One account: named, with what it shares.
    assert cli("account", "remove", "n-2", "--yes").exit_code == 0
    assert cli("account", "remove", "n-3", "--yes").exit_code == 0
    assert cli("account", "remove", "n-4", "--yes").exit_code == 0
    single = cli("check", "shop", "--machine", one_range, "--public-ip", "203.0.113.99")
    assert single.output.splitlines()[0] == ("GO: nothing at or above high; the strongest is medium: IP network "
                                             "(/24 or /64), shared with n-1")


def test_a_stop_table_lists_the_stopping_rows_and_counts_the_range(cli, one_range):
    assert cli("attr", "add", "n-1", "ip", "203.0.113.99").exit_code == 0
    result = cli("check", "shop", "--machine", one_range, "--public-ip", "203.0.113.99")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "STOP: this machine's IP address (203.0.113.x) is on file for n-1 (high)"
    rows = [line for line in lines if line.startswith(("n-1 ", "n-2 ", "n-3 ", "n-4 "))]
    assert len(rows) == 1 and " high " in rows[0] and " exact " in rows[0]
    assert any(line.startswith("account ") and "this machine" in line for line in lines)
    assert "3 account(s) in the same IP network (/24 or /64), below high: not listed; --all lists them " \
           "(--format json always does)." in lines


def _audit_rows(port: int) -> list[dict]:
    webrtc = _profile(port, webrtc="local")
    no_proxy = {**_no_proxy_row(), "profile_id": "p4", "name": "store-4", "username": "seller-4@example.com"}
    no_proxy["fingerprint_config"] = {**no_proxy["fingerprint_config"], "device_name": "DESKTOP-S4",
                                      "mac_address_config": {"model": "1", "address": "3C-22-FB-0A-0C-04"},
                                      "ua": "Mozilla/5.0 (X11; Linux x86_64) Chrome/121.0.0.0"}
    return [webrtc, no_proxy]


def test_browser_audit_reports_webrtc_real_and_no_proxy(cli, store, vendor_server, key_file):  # noqa: F811
    for name in STORES:
        assert cli("account", "add", name).exit_code == 0
    server = vendor_server("adspower", _audit_rows(9))
    assert cli("browser", "import", "adspower", "--api", server.url, "--api-key-file", key_file).exit_code == 0
    table = cli("browser", "audit")
    assert table.exit_code == 1, table.output
    assert ("HIGH: store-3: WebRTC real: adspower:p3 sets WebRTC to real, so websites see this computer's IP "
            "addresses; opened on a computer other stores are opened on, it links store-3 to every account seen from "
            "there. Fix: in adspower, set the profile's WebRTC to replace or disabled instead of real.") in table.output
    assert ("HIGH: store-4: Profile without a proxy: adspower:p4 has no proxy, so websites see this computer's own "
            "public IP; opened on a computer other stores are opened on, it links store-4 to every account seen from "
            "there. Fix: in adspower, give the profile its own proxy.") in table.output
    data = json.loads(cli("browser", "audit", "--format", "json").output)
    leaks = {(f["check"], f["accounts"][0]): f for f in data["findings"] if "why" in f}
    assert set(leaks) == {("WebRTC real", "store-3"), ("profile without a proxy", "store-4")}
    assert leaks[("WebRTC real", "store-3")]["level"] == "high"
    assert leaks[("WebRTC real", "store-3")]["profiles"] == ["adspower:p3"]
    assert leaks[("profile without a proxy", "store-4")]["fix"] == "in adspower, give the profile its own proxy"
    # Fixed in the vendor app and imported again: the findings are gone.
    fixed = _audit_rows(9)
    fixed[0]["fingerprint_config"]["webrtc"] = "proxy"
    fixed[1]["user_proxy_config"] = {"proxy_type": "http", "proxy_host": "198.51.100.9", "proxy_port": "8000"}
    server.rows[:] = fixed
    assert cli("browser", "import", "adspower", "--api", server.url, "--api-key-file", key_file).exit_code == 0
    after = cli("browser", "audit", "--format", "json")
    assert after.exit_code == 0, after.output
    assert not [f for f in json.loads(after.output)["findings"] if "why" in f]


def test_browser_audit_says_nothing_of_a_ziniao_store_that_reports_no_proxy(cli, store, vendor_server):  # noqa: F811
    assert cli("account", "add", "zn-1").exit_code == 0
    server = vendor_server("ziniao", [{"browserId": "1001", "browserName": "zn-1", "ip": "203.0.113.50"}])
    login = store.parent / "ziniao-login.json"
    login.write_text(json.dumps({"company": "c", "username": "u", "password": "made-up-password"}), encoding="utf-8")
    imported = cli("browser", "import", "ziniao", "--api", server.url, "--api-key-file", login)
    assert imported.exit_code == 0, imported.output
    result = cli("browser", "audit", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["findings"] == []


def test_the_new_messages_in_chinese(cli, agency, vendor_server, key_file, tmp_path):  # noqa: F811
    server = vendor_server("adspower", [_no_proxy_row()])
    result = cli("check", "store-3", "--browser", "adspower:p3", "--browser-api", server.url, "--api-key-file",
                 key_file, "--machine", _machine(tmp_path, "o.json"), "--no-public-ip",
                 env={**NO_ECHO, "LINKCHECK_LANG": "zh"})
    assert result.exit_code == 1
    assert "adspower:p3 没有设置代理，网站能看到本机自己的公网 IP，而这次没有检查它" in result.output.splitlines()[0]


def test_the_go_line_and_range_count_in_chinese(cli, one_range):
    result = cli("check", "shop", "--machine", one_range, "--public-ip", "203.0.113.99", env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("没有达到或超过高级别的关联；最强的一项为中级别，与 4 个账户共用：IP 网段（/24 或 /64）")
    assert "另有 4 个账户与之同在一个 IP 网段（/24 或 /64），低于高级别，未逐一列出；加 --all 可列出（--format json 总是全部列出）。" in lines


# ---------------------------------------------------------------------------------------------
# A socks5 profile: the public IP is looked up through its proxy, as through an http one

SOCKS_EXIT = "198.51.100.88"


@pytest.fixture
def socks_proxy():
    """A SOCKS5 proxy on loopback (RFC 1928/1929) that wants user s5 / password s5-pw and, for
    the CONNECT it is asked, answers the HTTP request itself with SOCKS_EXIT."""
    import socket
    import socketserver
    import threading

    seen: list[dict] = []

    def read(sock, n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            s = self.request
            try:
                _v, n = read(s, 2)
                methods = read(s, n)
                if 2 not in methods:
                    s.sendall(b"\x05\xff")
                    return
                s.sendall(b"\x05\x02")
                _v, ulen = read(s, 2)
                user = read(s, ulen).decode()
                plen = read(s, 1)[0]
                password = read(s, plen).decode()
                ok = (user, password) == ("s5", "s5-pw")
                s.sendall(b"\x01" + (b"\x00" if ok else b"\x01"))
                if not ok:
                    return
                _v, _cmd, _r, kind = read(s, 4)
                host = (read(s, read(s, 1)[0]).decode() if kind == 3 else
                        socket.inet_ntop(socket.AF_INET if kind == 1 else socket.AF_INET6, read(s, 4 if kind == 1 else 16)))
                port = int.from_bytes(read(s, 2), "big")
                seen.append({"host": host, "port": port})
                s.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
                request = b""
                while b"\r\n\r\n" not in request:
                    request += s.recv(4096)
                body = (SOCKS_EXIT + "\n").encode()
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
                          + body)
            except (ConnectionError, OSError):
                pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def _socks_row(port: int, password: str = "s5-pw") -> dict:
    row = _profile(9)
    row["user_proxy_config"] = {"proxy_type": "socks5", "proxy_host": "127.0.0.1", "proxy_port": str(port),
                                "proxy_user": "s5", "proxy_password": password}
    return row


def test_a_socks5_profile_is_looked_up_through_its_proxy(cli, agency, vendor_server, key_file, socks_proxy):  # noqa: F811
    port, seen = socks_proxy
    server = vendor_server("adspower", [_socks_row(port)])
    result = _check(cli, server, key_file, agency, "--public-ip", "auto", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["public_ip_checked"] is True and data["caveats"] == []
    exit_ip = next(r for r in data["computer"]["identifiers"] if r["role"] == "exit_ip")
    assert (exit_ip["value"], exit_ip["seen"]) == ("198.51.100.x", True)
    own = next(r for r in data["computer"]["identifiers"] if r["role"] == "public_ip")
    assert (own["value"], own["seen"], own["why"]) == ("203.0.113.x", False, "behind_proxy")
    assert seen == [{"host": "127.0.0.2", "port": 9}]  # the echo service, reached through the proxy
    assert "s5-pw" not in result.output


def test_a_socks5_proxy_that_refuses_the_login_stops_the_check_without_the_password(
    cli, agency, vendor_server, key_file, socks_proxy  # noqa: F811
):
    port, _seen = socks_proxy
    server = vendor_server("adspower", [_socks_row(port, password="wrong-pw")])
    result = _check(cli, server, key_file, agency, "--public-ip", "auto")
    assert result.exit_code == 1
    assert "the SOCKS5 proxy refused the user name and password" in result.stderr
    assert "wrong-pw" not in result.output + result.stderr


def test_a_proxy_linkcheck_cannot_ask_through_says_what_to_do(cli, agency, vendor_server, key_file, tmp_path):  # noqa: F811
    row = _profile(9)
    row["user_proxy_config"] = {"proxy_type": "socks4", "proxy_host": "127.0.0.1", "proxy_port": "9",
                                "proxy_user": "s4", "proxy_password": "s4-pw"}
    server = vendor_server("adspower", [row])
    result = _check(cli, server, key_file, agency, "--public-ip", "auto")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "linkcheck: error: STOP: the public IP could not be checked: adspower:p3's socks4 proxy cannot be used to look "
        "it up (linkcheck asks through http, https and socks5 proxies); give the exit IP adspower shows for the profile "
        "with --public-ip ADDRESS, or add --no-public-ip to rely on the proxy (the verdict line then says the public IP "
        "was not checked)")
    machine = _machine(tmp_path, "office-private.json")  # with the office's public IP recorded, it would count
    assert _check(cli, server, key_file, machine, "--no-public-ip").exit_code == 0


def test_a_proxy_the_vendor_names_without_a_host_is_not_no_proxy(cli, agency, vendor_server, key_file, tmp_path):  # noqa: F811
    from linkcheck.importers.vendors import adspower, bitbrowser, gologin

    assert "proxy" in gologin.parse({"id": "g1", "proxy": {"mode": "gologin"}}, "row").unknown
    assert "proxy" in gologin.parse({"id": "g2", "proxy": {"mode": "tor"}}, "row").unknown
    assert "proxy" not in gologin.parse({"id": "g3", "proxy": {"mode": "none"}}, "row").unknown
    extracted = {"id": "b1", "proxyMethod": 3, "proxyType": "socks5", "host": "", "port": ""}
    assert "proxy" in bitbrowser.parse(extracted, "row").unknown
    assert "proxy" not in bitbrowser.parse({"id": "b2", "proxyMethod": 2, "proxyType": "noproxy"}, "row").unknown
    row = _profile(9)
    row["user_proxy_config"] = {"proxy_soft": "brightdata", "proxy_type": "http"}
    assert "proxy" in adspower.parse(row, "row").unknown
    assert "proxy" not in adspower.parse(_no_proxy_row(), "row").unknown
    # The gate: no STOP for the unchecked public IP; a known one counts, with the reason why.
    server = vendor_server("adspower", [row])
    machine = _machine(tmp_path, "office-private.json")
    assert _check(cli, server, key_file, machine, "--no-public-ip").exit_code == 0
    result = _check(cli, server, key_file, agency, "--format", "json")  # the office's public IP, recorded
    assert result.exit_code == 1, result.output
    own = next(r for r in json.loads(result.output)["computer"]["identifiers"] if r["role"] == "public_ip")
    assert (own["seen"], own["why"]) == (True, "proxy_unknown")
    assert own["reason"] == ("the vendor does not say where adspower:p3's proxy leaves from, so this computer's own "
                             "public IP is taken as what websites see")
    # The audit claims nothing about it.
    assert cli("browser", "import", "adspower", "--api", server.url, "--api-key-file", key_file).exit_code == 0
    assert not [f for f in json.loads(cli("browser", "audit", "--format", "json").output)["findings"] if "why" in f]


def test_webrtc_real_with_the_public_ip_unchecked_is_a_stop_too(cli, agency, vendor_server, key_file, tmp_path):  # noqa: F811
    """WebRTC real lets a website read this computer's public IP even behind the profile's proxy
    (found re-running the trial on the merged code): with the public IP not looked up, no quiet GO."""
    webrtc = _profile(9)
    webrtc["fingerprint_config"] = {**webrtc["fingerprint_config"], "webrtc": "local"}
    server = vendor_server("adspower", [webrtc])
    machine = _machine(tmp_path, "office-private.json")
    result = _check(cli, server, key_file, machine, "--no-public-ip")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == (
        "STOP: adspower:p3 sets WebRTC to real, so websites can read this computer's own public IP even behind its "
        "proxy, and it was not checked: check again without --no-public-ip (or with --public-ip ADDRESS), or in "
        "adspower set the profile's WebRTC to replace or disabled")
    allowed = _check(cli, server, key_file, machine, "--no-public-ip", "--allow-unchecked-ip")
    assert allowed.exit_code == 0, allowed.output
    assert allowed.output.splitlines()[0].startswith(
        "GO (public IP not checked; adspower:p3 sets WebRTC to real, so websites can read this computer's public IP, "
        "which was not checked): ")
