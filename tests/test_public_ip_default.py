"""The gate checks what websites see, by default: `check` and `run` look the public IP up unless
told not to, and a GO without it says so on the verdict line."""

from __future__ import annotations

import http.server
import json
import sys
import threading

import pytest

from linkcheck import capture

pytestmark = pytest.mark.public_ip_default  # the real default: no LINKCHECK_PUBLIC_IP from conftest


class _Echo(http.server.BaseHTTPRequestHandler):
    answer = b"203.0.113.77\n"
    asked: list

    def do_GET(self):  # noqa: N802
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo():
    """A plain-text IP echo on loopback; `.asked` lists the requests it answered."""
    asked: list = []
    handler = type("Handler", (_Echo,), {"asked": asked})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    server.asked = asked
    server.url = f"http://127.0.0.1:{server.server_address[1]}/ip"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop(cli, store):
    assert cli("account", "add", "shop-a").exit_code == 0


def _touch(marker):
    return [sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"]


def test_check_looks_the_public_ip_up_by_default(cli, shop, echo):
    result = cli("check", "shop-a", "--format", "json", env={capture.ECHO_URLS_ENV: echo.url})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert echo.asked == ["/ip"]
    assert data["public_ip_checked"] is True and data["caveats"] == []
    table = cli("check", "shop-a", env={capture.ECHO_URLS_ENV: echo.url})
    assert table.output.startswith("GO: "), table.output


def test_a_default_lookup_that_fails_is_a_stop(cli, shop):
    # conftest points the echo list at a closed loopback port
    result = cli("check", "shop-a")
    assert result.exit_code == 1
    assert result.stderr.startswith("linkcheck: error: STOP: the public IP could not be checked (public IP lookup failed")
    assert result.stderr.count("\n") == 1 and "--no-public-ip" in result.stderr


def test_run_does_not_start_the_command_when_the_default_lookup_fails(cli, shop, tmp_path):
    marker = tmp_path / "started"
    result = cli("run", "shop-a", "--", *_touch(marker))
    assert result.exit_code == 1
    assert not marker.exists()
    assert "STOP: the public IP could not be checked" in result.stderr


def test_no_public_ip_says_so_on_the_verdict_line(cli, shop, echo):
    result = cli("check", "shop-a", "--no-public-ip", env={capture.ECHO_URLS_ENV: echo.url})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GO (public IP not checked): none of this machine's ")
    assert echo.asked == []
    data = json.loads(cli("check", "shop-a", "--no-public-ip", "--format", "json").output)
    assert data["caveats"] == ["public IP not checked"] and data["public_ip_checked"] is False


def test_run_with_no_public_ip_starts_and_says_so(cli, shop, tmp_path):
    marker = tmp_path / "started"
    result = cli("run", "shop-a", "--no-public-ip", "--", *_touch(marker))
    assert result.exit_code == 0, result.stderr
    assert marker.exists()
    assert result.stderr.startswith("GO (public IP not checked): ")


def test_the_off_setting_is_not_checked_too(cli, shop, echo):
    assert cli("config", "set", "public_ip", "off").exit_code == 0
    result = cli("check", "shop-a", env={capture.ECHO_URLS_ENV: echo.url})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GO (public IP not checked): ")
    assert echo.asked == []
    assert cli("check", "shop-a", "--public-ip", "off").output.startswith("GO (public IP not checked): ")


def test_a_suspended_account_is_said_on_the_go_line(cli, shop):
    assert cli("account", "set", "shop-a", "--status", "suspended").exit_code == 0
    result = cli("check", "shop-a", "--public-ip", "203.0.113.5")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GO (shop-a is suspended): ")


def test_no_public_ip_and_an_address_conflict(cli, shop):
    result = cli("check", "shop-a", "--no-public-ip", "--public-ip", "203.0.113.5")
    assert result.exit_code == 2
    assert "--no-public-ip and --public-ip cannot be used together" in result.stderr


def test_fingerprint_makes_no_network_call_by_default(cli, echo):
    result = cli("fingerprint", "--format", "json", env={capture.ECHO_URLS_ENV: echo.url})
    assert result.exit_code == 0, result.output
    assert echo.asked == [] and json.loads(result.output)["public_ip"]["address"] is None
