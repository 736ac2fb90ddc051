"""This machine's fingerprint: the real capture, fixture machines, and the public-IP lookup."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from pathlib import Path

import pytest

from linkcheck import capture
from linkcheck.capture import (
    Address,
    Fingerprint,
    Gateway,
    Interface,
    address_scope,
    classify_interface,
    gateway_mac_from_arp_table,
    gateway_mac_from_neighbour_output,
    load_fixture,
    mac_flags,
)
from linkcheck.errors import InvalidInput, UsageError

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
DEMO_MACHINE = Path(capture.__file__).resolve().parent / "fixtures" / "demo-machine.json"


def _raw_machine_id() -> str | None:
    return capture.read_machine_id()


# ----- the real capture on this computer -----------------------------------------------------


def test_real_capture_has_the_documented_structure():
    fp = capture.capture_machine()
    assert isinstance(fp, Fingerprint)
    assert fp.origin == "this computer"
    assert fp.interfaces and all(i.kind in capture.INTERFACE_KINDS for i in fp.interfaces)
    assert any(i.kind == "loopback" for i in fp.interfaces)
    for iface in fp.interfaces:
        for addr in iface.addresses:
            assert addr.family in ("ipv4", "ipv6") and "%" not in addr.address
    assert fp.hostname and fp.os_name and fp.cpu_count and fp.memory_bytes
    assert fp.public_ip is None and fp.public_ip_source is None


def test_real_capture_never_holds_the_raw_machine_id():
    raw = _raw_machine_id()
    fp = capture.capture_machine(hash_machine_id=lambda value: "hashed-" + str(len(value)))
    assert fp.machine_id_present == bool(raw)
    if raw:
        assert fp.machine_id == f"hashed-{len(raw)}"
        assert raw not in repr(fp)


def test_real_capture_without_a_store_leaves_the_machine_id_unhashed():
    fp = capture.capture_machine()
    assert fp.machine_id is None


def test_real_capture_never_waits_long_on_a_system_tool(monkeypatch):
    # Was a wall-clock assertion (< 0.5 s), which a busy machine can fail; what it guarded is
    # that capture never blocks: every system tool it runs has a short timeout and no stdin.
    # `linkcheck fingerprint` is timed by bench/run.py's check figures instead.
    from linkcheck.capture import system

    calls = []
    real_run = system.subprocess.run

    def recording_run(args, **kwargs):
        calls.append(kwargs)
        return real_run(args, **kwargs)

    monkeypatch.setattr(system.subprocess, "run", recording_run)
    capture.capture_machine()
    for kwargs in calls:
        assert 0 < kwargs.get("timeout", 0) <= system.SUBPROCESS_TIMEOUT_SECONDS <= 2
        assert kwargs.get("stdin") is system.subprocess.DEVNULL


def test_real_capture_makes_no_network_call_unless_asked(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network call without --public-ip auto")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    capture.capture_machine()
    capture.capture_machine(public_ip="203.0.113.7")


def test_fingerprint_command_prints_no_raw_machine_id(cli):
    raw = _raw_machine_id()
    for fmt in ("table", "json"):
        result = cli("fingerprint", "--format", fmt)
        assert result.exit_code == 0, result.output
        if raw:
            assert raw not in result.output
    data = json.loads(cli("fingerprint", "--format", "json").output)
    assert data["machine_id"]["hash"] is None
    assert {"interfaces", "gateway", "hostname", "os", "cpu", "memory_bytes", "time_zone", "locale", "public_ip",
            "warnings", "identifying"} <= set(data)


def test_fingerprint_table_shows_interfaces_and_identifying_values(cli):
    result = cli("fingerprint")
    assert result.exit_code == 0
    assert "Interfaces:" in result.output and "Identifying values" in result.output
    assert capture.MACHINE_ID_PRESENT in result.output or "none found" in result.output


def test_fingerprint_needs_no_store(cli, store_path):
    assert not store_path.exists()
    assert cli("fingerprint", passphrase=None).exit_code == 0
    assert not store_path.exists()


def test_fingerprint_json_output_loads_back_as_a_fixture_machine(cli, tmp_path):
    out = cli("fingerprint", "--format", "json").output
    path = tmp_path / "me.json"
    path.write_text(out, encoding="utf-8")
    loaded = load_fixture(path)
    real = capture.capture_machine()
    assert [(k, v) for k, v in loaded.identifying_values()] == [
        (k, v) for k, v in real.identifying_values() if k != "machine_id"
    ]


# ----- classifiers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address, scope",
    [
        ("192.168.1.23", "private"),
        ("10.8.0.6", "private"),
        ("172.20.0.1", "private"),
        ("100.64.3.4", "cgnat"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.10.1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fd00::2", "private"),
        ("224.0.0.251", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("203.0.113.7", "public"),  # documentation ranges count as public, so examples work
        ("2001:db8::1", "public"),
        ("::ffff:192.168.1.1", "private"),
    ],
)
def test_address_scope(address, scope):
    assert address_scope(address) == scope


def test_mac_flags_marks_randomised_and_vm_vendor_addresses():
    assert mac_flags("3c:22:fb:12:34:56") == ()
    assert mac_flags("da:a1:19:00:00:01") == ("locally-administered",)
    assert mac_flags("08:00:27:4e:66:a1") == ("vm-vendor:VirtualBox",)
    assert mac_flags("00:50:56:aa:bb:cc") == ("vm-vendor:VMware",)


@pytest.mark.parametrize(
    "name, kind",
    [
        ("lo0", "loopback"),
        ("Loopback Pseudo-Interface 1", "loopback"),
        ("en0", "physical"),
        ("Ethernet", "physical"),
        ("Wi-Fi", "wireless"),
        ("wlan0", "wireless"),
        ("utun3", "vpn"),
        ("tun0", "vpn"),
        ("wg0", "vpn"),
        ("OpenVPN TAP-Windows6", "vpn"),
        ("docker0", "virtual"),
        ("vEthernet (WSL)", "virtual"),
        ("vboxnet0", "virtual"),
        ("VMware Network Adapter VMnet8", "virtual"),
        ("bridge100", "virtual"),
        ("awdl0", "virtual"),
        ("Local Area Connection* 10", "virtual"),  # Windows' Wi-Fi Direct adapter
    ],
)
def test_interface_kind_by_name_where_there_is_no_sysfs(name, kind):
    assert classify_interface(name) == kind


def test_linux_sysfs_tells_virtual_from_physical(tmp_path):
    sys_class = tmp_path / "class" / "net"
    devices = tmp_path / "devices"
    (devices / "pci0000:00" / "eth0" / "device").mkdir(parents=True)
    (devices / "virtual" / "net" / "docker0").mkdir(parents=True)
    (devices / "pci0000:00" / "wlp2s0" / "wireless").mkdir(parents=True)
    (devices / "pci0000:00" / "wlp2s0" / "device").mkdir()
    (devices / "virtual" / "net" / "tun0").mkdir(parents=True)
    (devices / "virtual" / "net" / "tun0" / "tun_flags").write_text("0x1001")
    sys_class.mkdir(parents=True)
    for name, target in [
        ("eth0", devices / "pci0000:00" / "eth0"),
        ("docker0", devices / "virtual" / "net" / "docker0"),
        ("wlp2s0", devices / "pci0000:00" / "wlp2s0"),
        ("tun0", devices / "virtual" / "net" / "tun0"),
    ]:
        (sys_class / name).symlink_to(target)
    assert classify_interface("eth0", sys_class=sys_class) == "physical"
    assert classify_interface("docker0", sys_class=sys_class) == "virtual"
    assert classify_interface("wlp2s0", sys_class=sys_class) == "wireless"
    assert classify_interface("tun0", sys_class=sys_class) == "vpn"


# ----- the router's MAC --------------------------------------------------------------------

PROC_NET_ARP = """\
IP address       HW type     Flags       HW address            Mask     Device
192.168.1.1      0x1         0x2         a4:2b:b0:11:22:33     *        wlan0
192.168.1.77     0x1         0x0         00:00:00:00:00:00     *        wlan0
"""


def test_gateway_mac_from_linux_arp_table():
    assert gateway_mac_from_arp_table(PROC_NET_ARP, "192.168.1.1") == "a4:2b:b0:11:22:33"


def test_gateway_mac_ignores_incomplete_arp_entries():
    assert gateway_mac_from_arp_table(PROC_NET_ARP, "192.168.1.77") is None
    assert gateway_mac_from_arp_table(PROC_NET_ARP, "192.168.1.254") is None


@pytest.mark.parametrize(
    "output",
    [
        "? (192.168.1.1) at a4:2b:b0:11:22:33 on en0 ifscope [ethernet]\n",  # macOS arp -n
        "Interface: 192.168.1.23 --- 0x7\n  Internet Address      Physical Address      Type\n"
        "  192.168.1.1           a4-2b-b0-11-22-33     dynamic\n",  # Windows arp -a
        "192.168.1.1 dev wlan0 lladdr a4:2b:b0:11:22:33 REACHABLE\n",  # ip neigh
        "? (192.168.1.1) at a4:2b:b0:11:22:33 on re0 expires in 1187 seconds [ethernet]\n",  # BSD
    ],
)
def test_gateway_mac_from_neighbour_tools(output):
    assert gateway_mac_from_neighbour_output(output, "192.168.1.1") == "a4:2b:b0:11:22:33"


def test_gateway_mac_from_neighbour_tools_does_not_take_another_hosts_mac():
    output = "? (192.168.1.10) at 11:22:33:44:55:66 on en0\n? (192.168.1.1) at (incomplete) on en0\n"
    assert gateway_mac_from_neighbour_output(output, "192.168.1.1") is None


# ----- identifying values ------------------------------------------------------------------


def _machine(**changes) -> Fingerprint:
    base = Fingerprint(
        interfaces=(
            Interface("Wi-Fi", True, "wireless", (Address("192.168.1.23", "ipv4", "private"),), "3c:22:fb:12:34:56"),
            Interface("Ethernet", False, "physical", (), "3c:22:fb:00:00:01"),
            Interface("docker0", True, "virtual", (Address("172.17.0.1", "ipv4", "private"),), "02:42:ac:11:00:01"),
            Interface("tun0", True, "vpn", (Address("10.8.0.6", "ipv4", "private"),), None),
            Interface("lo", True, "loopback", (Address("127.0.0.1", "ipv4", "loopback"),), "00:00:00:00:00:00"),
            Interface("en5", True, "physical", (Address("fe80::1", "ipv6", "link-local"),), None),
        ),
        gateway=Gateway("192.168.1.1", "Wi-Fi", "a4:2b:b0:11:22:33"),
        hostname="acme-ops-laptop",
        machine_id="9f2c4e0d1a2b3c4d5e6f708192a3b4c5",
        public_ip="192.0.2.7",
        public_ip_source="given",
    )
    from dataclasses import replace

    return replace(base, **changes)


def test_identifying_values_take_physical_and_wireless_macs_only():
    macs = [v for k, v in _machine().identifying_values() if k == "mac"]
    assert macs == ["3c:22:fb:12:34:56", "3c:22:fb:00:00:01"]


def test_identifying_values_never_include_the_gateway_ip():
    values = _machine().identifying_values()
    assert ("gateway_mac", "a4:2b:b0:11:22:33") in values
    assert all(v != "192.168.1.1" for _, v in values)


def test_identifying_values_include_public_ip_hostname_machine_id_and_interface_addresses():
    values = _machine().identifying_values()
    assert ("ip", "192.0.2.7") in values
    assert ("hostname", "acme-ops-laptop") in values
    assert ("machine_id", "9f2c4e0d1a2b3c4d5e6f708192a3b4c5") in values
    assert ("ip", "192.168.1.23") in values
    assert ("ip", "127.0.0.1") not in values and ("ip", "fe80::1") not in values


def test_hygiene_warnings_name_vpn_vm_and_randomised_mac():
    fp = load_fixture(MACHINES / "vm-behind-vpn.json")
    text = "\n".join(fp.warnings)
    assert "VPN/tunnel interface tun0 is up" in text
    assert "virtual machine (VirtualBox)" in text
    assert "wlx00c0ca000001 uses a randomised" in text
    # The docker bridge's MAC is software's, not this computer's: not recorded, no warning.
    assert "docker0" not in text
    assert ("mac", "02:42:ac:11:00:01") not in fp.identifying_values()
    assert ("mac", "da:a1:19:00:00:01") in fp.identifying_values()


# ----- fixture machines --------------------------------------------------------------------


def test_fixture_machine_loads_with_its_values():
    fp = load_fixture(MACHINES / "laptop-a.json")
    assert fp.origin == "machine file laptop-a.json"
    assert fp.hostname == "shop-a-laptop"
    assert fp.gateway == Gateway("192.168.1.1", "Wi-Fi", "c0:ff:d4:00:00:01")
    assert [i.kind for i in fp.interfaces] == ["wireless", "virtual", "loopback"]


def test_fixture_machine_id_is_hashed_with_the_given_function_and_never_kept_raw():
    fp = load_fixture(MACHINES / "laptop-a.json", hash_machine_id=lambda raw: f"h{len(raw)}")
    assert fp.machine_id == "h29"
    assert "fixture-machine-laptop-a-0001" not in repr(fp)
    assert load_fixture(MACHINES / "laptop-a.json").machine_id is None


def test_given_public_ip_overrides_the_fixture_machines():
    fp = load_fixture(MACHINES / "laptop-a.json", public_ip="203.0.113.7")
    assert (fp.public_ip, fp.public_ip_source) == ("203.0.113.7", "given")


def test_demo_machine_looks_like_acme_us_office_laptop():
    fp = load_fixture(DEMO_MACHINE)
    assert fp.public_ip == "192.0.2.7"
    assert fp.hostname == "acme-ops-laptop"
    assert fp.gateway.mac == "a4:2b:b0:11:22:33" and address_scope(fp.gateway.address) == "private"
    lan = [a.address for i in fp.interfaces for a in i.addresses if a.scope == "private"]
    assert lan == ["192.168.1.23"]


@pytest.mark.parametrize(
    "content, complaint",
    [
        ("{not json", "not valid JSON"),
        ("[]", "one JSON object"),
        ('{"interfaces": [{"name": "en0", "mac": "not-a-mac"}]}', "interfaces[0].mac"),
        ('{"interfaces": [{"name": "en0", "kind": "quantum"}]}', "interfaces[0].kind"),
        ('{"gateway": {"address": "router.local"}}', "gateway.address"),
        ('{"machine_id": "abc"}', "machine_id"),
        ('{"cpu": {"count": "eight"}}', "cpu.count"),
    ],
)
def test_invalid_fixture_machine_is_invalid_input_naming_the_field(tmp_path, content, complaint):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_fixture(path)
    assert "broken.json" in caught.value.message and complaint in caught.value.message


def test_fingerprint_with_a_fixture_machine_shows_it(cli):
    result = cli("fingerprint", "--machine", MACHINES / "laptop-a.json", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["hostname"] == "shop-a-laptop"
    assert "fixture-machine-laptop-a-0001" not in result.output


# ----- the public IP -----------------------------------------------------------------------


class _Echo(http.server.BaseHTTPRequestHandler):
    answer = b"203.0.113.9\n"
    status = 200

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(self.status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_server():
    """A local plain-text IP echo on 127.0.0.1: tests never use the real network."""
    servers = []

    def start(answer: bytes = b"203.0.113.9\n", status: int = 200) -> str:
        handler = type("Handler", (_Echo,), {"answer": answer, "status": status})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/ip"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/ip"


def test_public_ip_auto_asks_the_echo_service(echo_server):
    url = echo_server()
    found = capture.lookup_public_ip(echo_urls=[url])
    assert (found.address, found.source, found.warning) == ("203.0.113.9", f"auto:{url}", None)


def test_public_ip_auto_tries_the_next_service_when_one_fails(echo_server):
    good = echo_server()
    found = capture.lookup_public_ip(echo_urls=[_closed_port_url(), echo_server(b"", 500), good])
    assert found.address == "203.0.113.9" and found.source == f"auto:{good}"


def test_public_ip_auto_failing_is_a_warning_not_silence(echo_server):
    found = capture.lookup_public_ip(echo_urls=[echo_server(b"oops", 503), echo_server(b"<html>hi</html>")])
    assert found.address is None
    assert found.warning.startswith("public IP lookup failed")
    assert "HTTP 503" in found.warning and "not an IP address" in found.warning


def test_public_ip_auto_survives_an_answer_that_is_not_http():
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer_garbage():
        conn, _ = listener.accept()
        with conn:
            conn.recv(1024)
            conn.sendall(b"garbage\r\n\r\n")

    threading.Thread(target=answer_garbage, daemon=True).start()
    try:
        found = capture.lookup_public_ip(echo_urls=[f"http://127.0.0.1:{listener.getsockname()[1]}/"])
    finally:
        listener.close()
    assert found.address is None and found.warning.startswith("public IP lookup failed")


def test_public_ip_auto_reads_the_service_list_from_the_environment(echo_server, monkeypatch):
    url = echo_server(b"198.51.100.4")
    monkeypatch.setenv(capture.ECHO_URLS_ENV, f" {url} ,")
    fp = capture.capture_machine(public_ip="auto")
    assert (fp.public_ip, fp.public_ip_source) == ("198.51.100.4", f"auto:{url}")


def test_public_ip_auto_failure_shows_as_a_fingerprint_warning(monkeypatch):
    monkeypatch.setenv(capture.ECHO_URLS_ENV, _closed_port_url())
    fp = capture.capture_machine(public_ip="auto")
    assert fp.public_ip is None
    assert any(w.startswith("public IP lookup failed") for w in fp.warnings)


def test_public_ip_auto_refuses_plain_http_to_other_hosts():
    with pytest.raises(UsageError):
        capture.lookup_public_ip(echo_urls=["http://api.ipify.example/"])


def test_public_ip_auto_through_a_proxy_sends_the_request_to_the_proxy(echo_server):
    # A plain HTTP proxy receives the absolute URL: our echo server answers it like a proxy would.
    proxy = echo_server(b"198.51.100.8").rsplit("/", 1)[0]
    found = capture.lookup_public_ip(proxy=proxy, echo_urls=["http://127.0.0.2:9/ip"])
    assert found.address == "198.51.100.8"


def test_proxy_must_be_http():
    with pytest.raises(UsageError):
        capture.lookup_public_ip(proxy="socks5://127.0.0.1:1080", echo_urls=["https://api.ipify.org"])


def test_given_public_ip_is_validated_and_private_ones_warned_about():
    assert capture.resolve_public_ip("::ffff:203.0.113.7").address == "203.0.113.7"
    assert "not a public address" in capture.resolve_public_ip("192.168.1.10").warning
    with pytest.raises(InvalidInput):
        capture.resolve_public_ip("not-an-ip")


def test_fingerprint_public_ip_auto_against_a_local_echo(cli, echo_server):
    url = echo_server(b"203.0.113.44")
    result = cli("fingerprint", "--public-ip", "auto", "--format", "json", env={capture.ECHO_URLS_ENV: url})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["public_ip"] == {"address": "203.0.113.44", "source": f"auto:{url}"}


def test_fingerprint_bad_public_ip_is_invalid_input(cli):
    assert cli("fingerprint", "--public-ip", "nope").exit_code == 3


def test_proxy_without_public_ip_auto_is_a_usage_error(cli):
    result = cli("fingerprint", "--proxy", "http://127.0.0.1:7890")
    assert result.exit_code == 2
    assert "--proxy" in result.output and "--public-ip auto" in result.output


def test_fixture_files_are_json_objects_with_interfaces():
    for path in sorted(MACHINES.glob("*.json")) + [DEMO_MACHINE]:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and data["interfaces"], path.name

