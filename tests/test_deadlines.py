"""One overall deadline per lookup (attack 11, finding 5): a SOCKS5 proxy, an IP echo service or a
vendor's local API that answers one byte at a time -- each byte inside the socket's own timeout --
is cut off at the lookup's total limit, not waited for without end. Loopback servers only; the
limits are made small here, and each test asserts the call returned well before the drip would
have ended."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from linkcheck.capture import public_ip
from linkcheck.importers.vendors import common


@pytest.fixture
def drip_server():
    """A loopback TCP server: `start(prefix, drip)` sends `prefix` at once, then `drip` one byte
    every 0.2 s (after reading whatever the client sends first)."""
    servers = []

    def start(prefix: bytes, drip: bytes) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        stop = threading.Event()
        servers.append((listener, stop))

        def serve():
            while not stop.is_set():
                try:
                    conn, _addr = listener.accept()
                except OSError:
                    return
                threading.Thread(target=talk, args=(conn,), daemon=True).start()

        def talk(conn):
            try:
                conn.settimeout(30)
                conn.recv(65536)
                conn.sendall(prefix)
                for byte in drip:
                    if stop.is_set():
                        break
                    time.sleep(0.2)
                    conn.sendall(bytes([byte]))
            except OSError:
                pass
            finally:
                conn.close()

        threading.Thread(target=serve, daemon=True).start()
        return listener.getsockname()[1]

    yield start
    for listener, stop in servers:
        stop.set()
        listener.close()


def test_a_socks5_proxy_that_drips_its_handshake_is_cut_off_at_the_total(drip_server, monkeypatch):
    monkeypatch.setattr(public_ip, "ECHO_TOTAL_SECONDS", 1.5)
    # Method "no login", then a CONNECT reply whose bound address is a 255-byte name: 260 bytes, 52 s.
    port = drip_server(b"", b"\x05\x00" + b"\x05\x00\x00\x03\xff" + b"a" * 255 + b"\x00\x50")
    started = time.monotonic()
    found = public_ip.lookup_public_ip(proxy=f"socks5://127.0.0.1:{port}", echo_urls=["http://127.0.0.1:9/ip"],
                                       timeout=1.0, socks=True)
    elapsed = time.monotonic() - started
    assert found.address is None and found.warning == "public IP lookup failed (127.0.0.1: timed out)"
    assert elapsed < 6


def test_an_echo_service_that_drips_its_answer_is_cut_off_at_the_total(drip_server, monkeypatch):
    monkeypatch.setattr(public_ip, "ECHO_TOTAL_SECONDS", 1.5)
    port = drip_server(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 200 + b"\r\n\r\n203.0.113.7\n")
    started = time.monotonic()
    found = public_ip.lookup_public_ip(echo_urls=[f"http://127.0.0.1:{port}/ip"], timeout=1.0)
    elapsed = time.monotonic() - started
    assert found.address is None and found.warning == "public IP lookup failed (127.0.0.1: timed out)"
    assert elapsed < 6


def test_a_vendor_api_that_drips_its_body_is_cut_off_at_its_timeout(drip_server):
    body = b'{"code": 0, "data": {"list": []}, "padding": "' + b"a" * 200 + b'"}'
    port = drip_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                       + str(len(body)).encode() + b"\r\n\r\n", body)
    api = common.LocalApi("adspower", f"http://127.0.0.1:{port}", timeout=1.0)
    started = time.monotonic()
    with pytest.raises(common.VendorUnavailable) as caught:
        api.call("GET", "/api/v1/user/list")
    elapsed = time.monotonic() - started
    assert caught.value.message == (f"adspower: cannot reach the local API at http://127.0.0.1:{port} (timed out); "
                                    "is the app running with its local API enabled?")
    assert elapsed < 6


def test_a_vendor_api_that_answers_in_time_is_read_whole(drip_server):
    body = b'{"code": 0, "data": {"list": []}}'
    port = drip_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                       + str(len(body)).encode() + b"\r\n\r\n" + body, b"")
    assert common.LocalApi("adspower", f"http://127.0.0.1:{port}", timeout=5.0).call("GET", "/x") == {
        "code": 0, "data": {"list": []}}
