"""Anti-detect browser profiles: imported from a vendor API served on loopback by these tests (a
real HTTP server answering from recorded fixtures shaped as the vendors document them) and from
export files; audited; gated, and opened only on GO."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
import http.server
import json
import threading
import urllib.parse
from pathlib import Path

import pytest

from linkcheck import capture
from linkcheck.importers.vendors import adspower

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "vendors"
KEY = "made-up-api-key-0001"
SECRETS = ("alice-pw-1", "alice-pw-2", "carol-pw", "not-kept", "JBSWY3DPEHPK3PXP", "147-0000001-0000001",
           "bob-pw", "dan-pw", "KRUGS4ZANFZSAYJA", "erin-pw", "fay-pw", "made-up-cookie-1", "gus-pw")


def _load(*parts):
    return json.loads((FIXTURES.joinpath(*parts)).read_text(encoding="utf-8"))


class VendorServer:
    """A vendor's local API on 127.0.0.1: routes answer from fixture rows; every request is recorded."""

    def __init__(self, vendor: str, rows: list, *, key: str | None = KEY, v2: bool = True):
        self.vendor, self.rows, self.key, self.v2 = vendor, rows, key, v2
        self.requests: list[dict] = []
        self.override = None  # (status, headers, bytes) to answer everything with
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                split = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(split.query))
                body = json.loads(raw) if raw else None
                outer.requests.append({"method": self.command, "path": split.path, "query": query, "body": body,
                                       "auth": self.headers.get("Authorization")})
                status, headers, payload = outer.answer(self.command, split.path, query, body, self.headers)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def paths(self):
        return [r["path"] for r in self.requests]

    def _json(self, data, status=200):
        return status, {"Content-Type": "application/json"}, json.dumps(data).encode()

    def answer(self, method, path, query, body, headers):
        if self.override is not None:
            return self.override
        if self.vendor == "adspower":
            if self.key and headers.get("Authorization") != f"Bearer {self.key}":
                return self._json({"code": -1, "msg": "api key is invalid"}, 401)
            if method == "POST" and path == "/api/v2/browser-profile/list" and self.v2:
                page, limit = body["page"], body["limit"]
                return self._json({"code": 0, "msg": "Success", "data": {
                    "list": self.rows[(page - 1) * limit: page * limit], "page": page, "page_size": limit}})
            if method == "GET" and path == "/api/v1/user/list":
                page, size = int(query["page"]), int(query["page_size"])
                rows = [{**{k: v for k, v in r.items() if k not in ("profile_id", "fingerprint_config")},
                         "user_id": r["profile_id"]} for r in self.rows]
                return self._json({"code": 0, "msg": "Success", "data": {"list": rows[(page - 1) * size: page * size]}})
            if method == "GET" and path == "/api/v1/browser/start":
                return self._json({"code": 0, "msg": "success", "data": {
                    "ws": {"puppeteer": "ws://127.0.0.1:9/devtools/browser/made-up"}, "debug_port": "9"}})
        if self.vendor == "bitbrowser" and method == "POST":
            if path == "/browser/list":
                page, size = body["page"], body["pageSize"]
                return self._json({"success": True, "data": {"list": self.rows[page * size:(page + 1) * size]}})
            if path == "/browser/open":
                return self._json({"success": True, "data": {"ws": "ws://127.0.0.1:9/x", "http": "127.0.0.1:9"}})
        if self.vendor == "ziniao" and method == "POST" and path == "/":
            if body.get("action") != "getBrowserList" or body.get("password") != "made-up-password":
                return self._json({"statusCode": -10003, "err": "login failed"})
            return self._json({"statusCode": 0, "browserList": self.rows})
        if self.vendor == "gologin" and method == "GET" and path == "/browser/v2":
            if headers.get("Authorization") != f"Bearer {self.key}":
                return self._json({"message": "Unauthorized"}, 401)
            page = int(query["page"])
            return self._json({"profiles": self.rows[(page - 1) * 30: page * 30], "allProfilesCount": len(self.rows)})
        return self._json({"code": -1, "msg": "not found"}, 404)


@pytest.fixture
def vendor_server():
    servers = []

    def start(vendor, rows=None, **kwargs):
        if rows is None:
            rows = {
                "adspower": lambda: _load("adspower", "browser-profile-list.json")["data"]["list"],
                "bitbrowser": lambda: _load("bitbrowser", "browser-list.json")["data"]["list"],
                "ziniao": lambda: _load("ziniao", "browser-list.json")["browserList"],
                "gologin": lambda: _load("gologin", "profiles.json")["profiles"],
            }[vendor]()
        server = VendorServer(vendor, rows, **kwargs)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.close()


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "adspower.key"
    path.write_text(KEY + "\n", encoding="utf-8")
    return path


@pytest.fixture
def shops(cli, store):
    for name in ("shop-a", "shop-b", "shop-c"):
        assert cli("account", "add", name).exit_code == 0


def _import_adspower(cli, server, key_file, *args):
    return cli("browser", "import", "adspower", "--api", server.url, "--api-key-file", key_file, *args)


def _shown(cli, name):
    result = cli("account", "show", name, "--reveal", "--format", "json")
    assert result.exit_code == 0, result.output
    return result.output


def _values(cli, name):
    data = json.loads(_shown(cli, name))
    attrs = data.get("attributes") or data.get("values") or []
    return {(a["kind"], a.get("normalized") or a.get("value")) for a in attrs}


# ----- import from the local API ---------------------------------------------------------------


def test_adspower_import_puts_each_profile_on_its_account_and_lists_the_rest(cli, shops, vendor_server, key_file):
    server = vendor_server("adspower")
    result = _import_adspower(cli, server, key_file, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["matched"] == [{"profile": "adspower:jh001", "account": "shop-a"},
                               {"profile": "adspower:jh002", "account": "shop-b"},
                               {"profile": "adspower:jh003", "account": "shop-c"}]
    assert data["unmatched"] == [{"profile": "adspower:jh004", "name": "Pine MX new"}]
    # read-only: only the list was asked for, with the key as a Bearer header
    assert set(server.paths()) == {"/api/v2/browser-profile/list"}
    assert all(r["auth"] == f"Bearer {KEY}" for r in server.requests)
    shown = _shown(cli, "shop-a")
    assert "http://alice@198.51.100.20:8000" in shown
    assert "adspower:jh001" in shown and "DESKTOP-A1B2C3D" in shown
    for secret in SECRETS:
        assert secret not in shown
    kinds = {k for k, _ in _values(cli, "shop-a")}
    assert {"browser_profile", "proxy", "ip", "proxy_account", "platform_login", "totp_secret", "cookie",
            "device_name", "mac", "browser_fingerprint"} <= kinds


def test_the_table_lists_unmatched_profiles(cli, shops, vendor_server, key_file):
    result = _import_adspower(cli, vendor_server("adspower"), key_file)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Read 4 adspower profile(s): 3 on accounts, ")
    assert "1 profile(s) match no account" in result.output and "adspower:jh004  Pine MX new" in result.output


def test_adspower_pages_through_every_profile(cli, shops, vendor_server, key_file, monkeypatch):
    monkeypatch.setattr(adspower, "PAGE", 2)
    server = vendor_server("adspower")
    assert _import_adspower(cli, server, key_file).exit_code == 0
    assert [r["body"]["page"] for r in server.requests] == [1, 2, 3]


def test_adspower_falls_back_to_the_v1_user_list(cli, shops, vendor_server, key_file):
    server = vendor_server("adspower", v2=False)
    result = _import_adspower(cli, server, key_file, "--format", "json")
    assert result.exit_code == 0, result.output
    assert server.paths() == ["/api/v2/browser-profile/list", "/api/v1/user/list"]
    assert len(json.loads(result.output)["matched"]) == 3


def test_reimport_updates_and_never_duplicates(cli, shops, vendor_server, key_file, tmp_path):
    server = vendor_server("adspower")
    assert _import_adspower(cli, server, key_file).exit_code == 0
    before = _values(cli, "shop-a")
    again = json.loads(_import_adspower(cli, server, key_file, "--format", "json").output)
    assert (again["values_added"], again["values_retired"]) == (0, 0)
    assert _values(cli, "shop-a") == before
    # the proxy disappears from jh001: its value is retired (its period of use ends), not deleted
    server.rows[0]["user_proxy_config"] = {"proxy_type": "no_proxy"}
    third = json.loads(_import_adspower(cli, server, key_file, "--format", "json").output)
    assert third["values_retired"] == 2 and third["values_added"] == 0  # proxy and its refresh URL
    assert _values(cli, "shop-a") == before  # still on file: the marketplace remembers
    assert cli("export", "-o", tmp_path / "all.json").exit_code == 0
    exported = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    shop_a = next(p for p in (exported if isinstance(exported, list) else [exported]) if p["account"] == "shop-a")
    proxies = [v for v in shop_a["attributes"]["proxy"]]
    assert proxies and all(isinstance(v, dict) and v.get("until") for v in proxies)
    # importing again retires nothing more
    fourth = json.loads(_import_adspower(cli, server, key_file, "--format", "json").output)
    assert (fourth["values_added"], fourth["values_retired"]) == (0, 0)


def test_the_log_counts_only_the_values_an_import_added(cli, shops, vendor_server, key_file):
    server = vendor_server("adspower")
    assert _import_adspower(cli, server, key_file).exit_code == 0
    assert _import_adspower(cli, server, key_file).exit_code == 0
    entries = [e for e in json.loads(cli("log", "shop-a", "--format", "json").output) if e["action"] == "browser-import"]
    counts = sorted(e["new_values"] for e in entries)
    assert counts == [0, counts[1]] and counts[1] > 0  # the second import added nothing


def test_create_makes_accounts_for_unmatched_profiles(cli, shops, vendor_server, key_file):
    result = _import_adspower(cli, vendor_server("adspower"), key_file, "--create", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["created"] == ["Pine MX new"]
    assert "adspower:jh004" in _shown(cli, "Pine MX new")


def test_account_from_tag_and_map_file(cli, shops, vendor_server, key_file, tmp_path):
    assert cli("account", "add", "cedar").exit_code == 0
    server = vendor_server("adspower")
    data = json.loads(_import_adspower(cli, server, key_file, "--account-from", "tag", "--format", "json").output)
    assert data["matched"] == [{"profile": "adspower:jh003", "account": "cedar"}]
    mapping = tmp_path / "map.csv"
    mapping.write_text("profile,account\njh004,shop-c\nadspower:jh001,shop-b\n", encoding="utf-8")
    data = json.loads(_import_adspower(cli, server, key_file, "--map", mapping, "--format", "json").output)
    assert data["matched"] == [{"profile": "adspower:jh001", "account": "shop-b"},
                               {"profile": "adspower:jh004", "account": "shop-c"}]
    # jh001 moved from shop-a to shop-b, jh003 stays on cedar from the earlier import
    listed = json.loads(cli("browser", "list", "--format", "json").output)
    assert {(r["id"], r["account"]) for r in listed} == {("jh001", "shop-b"), ("jh003", "cedar"), ("jh004", "shop-c")}


def test_a_map_and_an_account_from_given_together_both_place_profiles(cli, shops, vendor_server, key_file, tmp_path):
    assert cli("account", "add", "cedar").exit_code == 0
    server = vendor_server("adspower")
    mapping = tmp_path / "map.csv"
    mapping.write_text("profile,account\njh004,shop-c\n", encoding="utf-8")
    data = json.loads(_import_adspower(cli, server, key_file, "--map", mapping, "--account-from", "tag",
                                       "--format", "json").output)
    assert data["matched"] == [{"profile": "adspower:jh003", "account": "cedar"},
                               {"profile": "adspower:jh004", "account": "shop-c"}]


def test_an_unmatched_profile_shows_the_label_that_was_looked_up(cli, shops, vendor_server, key_file):
    server = vendor_server("adspower")
    result = _import_adspower(cli, server, key_file, "--account-from", "tag")
    assert result.exit_code == 0, result.output
    assert "adspower:jh003  " in result.output and "(looked up: cedar)" in result.output
    data = json.loads(_import_adspower(cli, server, key_file, "--account-from", "tag", "--format", "json").output)
    assert {"profile": "adspower:jh003", "name": next(u["name"] for u in data["unmatched"]
                                                      if u["profile"] == "adspower:jh003"),
            "looked_up": "cedar"} in data["unmatched"]

def test_browser_list(cli, shops, vendor_server, key_file):
    assert cli("browser", "list").output.startswith("No browser profiles on file.")
    assert _import_adspower(cli, vendor_server("adspower"), key_file).exit_code == 0
    rows = json.loads(cli("browser", "list", "--format", "json").output)
    assert [(r["vendor"], r["id"], r["account"]) for r in rows] == [
        ("adspower", "jh001", "shop-a"), ("adspower", "jh002", "shop-b"), ("adspower", "jh003", "shop-c")]
    assert rows[0]["values"] >= 8


def test_a_refused_key_is_one_line_and_nothing_written(cli, shops, vendor_server, tmp_path):
    wrong = tmp_path / "wrong.key"
    wrong.write_text("not-the-key", encoding="utf-8")
    server = vendor_server("adspower")
    result = cli("browser", "import", "adspower", "--api", server.url, "--api-key-file", wrong)
    assert result.exit_code == 2
    assert result.stderr == "linkcheck: error: adspower: the local API refused the key (HTTP 401)\n"
    assert "not-the-key" not in result.stderr


def test_the_app_not_running_is_a_clear_error(cli, shops, key_file):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = cli("browser", "import", "adspower", "--api", f"http://127.0.0.1:{port}", "--api-key-file", key_file)
    assert result.exit_code == 2
    assert "cannot reach the local API" in result.stderr and "is the app running" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("answer", [
    (200, {"Content-Type": "application/json"}, b"<html>not json</html>"),
    (200, {"Content-Type": "application/json"}, b'{"code": 0, "data": {"list": "everything"}}'),
    (200, {"Content-Type": "application/json"}, b'{"code": 0, "data": {"list": [{"profile_id": ["x"]}]}}'),
    (200, {"Content-Type": "application/json"}, b'{"code": 0, "data": {"list": [{"profile_id": "x", "name": 7.5}]}}'),
    (302, {"Location": "http://198.51.100.1/api/v1/user/list"}, b""),
])
def test_garbage_from_the_vendor_is_exit_3_in_one_line(cli, shops, vendor_server, key_file, answer):
    server = vendor_server("adspower")
    server.override = answer
    result = _import_adspower(cli, server, key_file)
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("linkcheck: error: ") and result.stderr.count("\n") == 1
    assert len(server.requests) == 1  # a redirect is never followed
    assert cli("browser", "list").output.startswith("No browser profiles on file.")


def test_an_api_off_this_computer_is_refused(cli, shops, key_file):
    result = cli("browser", "import", "adspower", "--api", "http://198.51.100.1:50325", "--api-key-file", key_file)
    assert result.exit_code == 2 and "127.0.0.1" in result.stderr


def test_the_key_is_never_taken_from_argv(cli, shops):
    result = cli("browser", "import", "adspower", "--api-key", KEY)
    assert result.exit_code == 2


def test_bitbrowser_api_import(cli, shops, vendor_server):
    server = vendor_server("bitbrowser", key=None)
    result = cli("browser", "import", "bitbrowser", "--api", server.url, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [m["account"] for m in data["matched"]] == ["shop-a", "shop-b"]
    assert data["unmatched"] == [{"profile": "bitbrowser:2c9c29a28a1f4b2f018a2f0d0e0f0003", "name": "unmatched-window"}]
    assert server.requests[0]["body"] == {"page": 0, "pageSize": 100}
    shown = _shown(cli, "shop-a")
    assert "socks5://bob@203.0.113.50:1080" in shown and "DESKTOP-BIT0001" in shown
    for secret in SECRETS:
        assert secret not in shown + _shown(cli, "shop-b")


def test_ziniao_api_import_reads_the_login_from_a_file(cli, shops, vendor_server, tmp_path):
    server = vendor_server("ziniao")
    login = tmp_path / "ziniao.json"
    login.write_text(json.dumps({"company": "made-up-co", "username": "ops", "password": "made-up-password"}))
    result = cli("browser", "import", "ziniao", "--api", server.url, "--api-key-file", login, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [m["profile"] for m in json.loads(result.output)["matched"]] == ["ziniao:17001", "ziniao:17002"]
    assert "203.0.113.70" in _shown(cli, "shop-b")
    login.write_text(json.dumps({"company": "made-up-co", "username": "ops", "password": "wrong"}))
    refused = cli("browser", "import", "ziniao", "--api", server.url, "--api-key-file", login)
    assert refused.exit_code == 2 and "login failed" in refused.stderr and "wrong" not in refused.stderr


def test_ziniao_without_its_login_asks_for_the_company_login_not_an_api_key(cli, shops, vendor_server, monkeypatch):
    monkeypatch.delenv("LINKCHECK_ZINIAO_LOGIN", raising=False)
    result = cli("browser", "import", "ziniao", "--api", vendor_server("ziniao").url)
    assert result.exit_code == 2
    assert 'ziniao needs your company login: put {"company": "…", "username": "…", "password": "…"}' in result.stderr
    assert "API key" not in result.stderr


def test_gologin_api_import(cli, shops, vendor_server, monkeypatch):
    server = vendor_server("gologin")
    monkeypatch.setenv("LINKCHECK_GOLOGIN_TOKEN", KEY)
    result = cli("browser", "import", "gologin", "--api", server.url, "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["matched"]) == 2
    assert server.requests[0]["query"] == {"page": "1"} and server.requests[0]["auth"] == f"Bearer {KEY}"


# ----- import from export files ------------------------------------------------------------------


@pytest.mark.parametrize("vendor, path, expected", [
    ("adspower", ("adspower", "export.json"), {"shop-a", "shop-b", "shop-c"}),
    ("bitbrowser", ("bitbrowser", "export.json"), {"shop-a", "shop-b"}),
    ("ziniao", ("ziniao", "store-list.csv"), {"shop-a", "shop-b"}),
    ("gologin", ("gologin", "profile_export.csv"), {"shop-a", "shop-c"}),
    ("gologin", ("gologin", "profiles.json"), {"shop-a", "shop-b"}),
])
def test_export_files(cli, shops, vendor, path, expected):
    result = cli("browser", "import", vendor, FIXTURES.joinpath(*path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert {m["account"] for m in json.loads(result.output)["matched"]} == expected
    shown = "".join(_shown(cli, n) for n in ("shop-a", "shop-b", "shop-c"))
    for secret in SECRETS:
        assert secret not in shown


def test_a_map_row_naming_no_account_refuses_the_import_naming_the_row_and_the_close_name(cli, shops, tmp_path):
    export = FIXTURES / "adspower" / "export.json"
    mapping = tmp_path / "map.csv"
    mapping.write_text("profile,account\njh001,shop-a\njh002,shop-bb\njh003,harbor-xx\n", encoding="utf-8")
    result = cli("browser", "import", "adspower", export, "--map", mapping)
    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines() == [
        "  map.csv row 3: no account named 'shop-bb' for profile adspower:jh002 (did you mean shop-b?)",
        "  map.csv row 4: no account named 'harbor-xx' for profile adspower:jh003; `linkcheck account list` "
        "shows the accounts on file, --create makes it",
        "linkcheck: error: 2 invalid rows; nothing was imported",
    ]
    assert cli("browser", "list").output.startswith("No browser profiles on file.")
    # --create makes the accounts the map names
    created = cli("browser", "import", "adspower", export, "--map", mapping, "--create", "--format", "json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["created"] == ["shop-bb", "harbor-xx"]


def test_gologin_csv_keeps_the_cookie_as_a_keyed_hash_only(cli, shops):
    assert cli("browser", "import", "gologin", FIXTURES / "gologin" / "profile_export.csv").exit_code == 0
    cookies = [v for k, v in _values(cli, "shop-a") if k == "cookie"]
    assert len(cookies) == 1 and cookies[0].startswith("amazon.com:") and len(cookies[0].split(":")[1]) == 32


def test_a_damaged_export_file_is_exit_3(cli, shops, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"profile_id": "x", "user_proxy_config": [1, 2]}]', encoding="utf-8")
    result = cli("browser", "import", "adspower", bad)
    assert result.exit_code == 3 and result.stderr.count("\n") == 1


@pytest.mark.parametrize("vendor, row, line", [
    ("adspower", '{"profile_id": "x", "cookie": "' + "[" * 50000 + '"}',
     "bad.json: profile #1: field 'cookie' is not JSON"),
    ("adspower", '{"profile_id": "x", "user_proxy_config": {"proxy_type": "http", "proxy_host": "192.0.2.1", '
                 '"proxy_port": "80", "proxy_user": "\\ud800"}}',
     "bad.json: profile #1: a text value is not valid text (it holds a lone surrogate)"),
    ("adspower", '{"profile_id": "x", "cookie": "[{\\"domain\\": \\"example.com\\", \\"value\\": \\"\\\\udc80\\"}]"}',
     "bad.json: profile #1: a text value is not valid text (it holds a lone surrogate)"),
    ("bitbrowser", '{"id": "x", "name": "a", "a": ' + "[" * 40 + "]" * 40 + '}',
     "bad.json: profile #1: nested deeper than 16 levels"),
    ("gologin", '{"id": "x", "name": "a", "fonts": {"families": 7}}', "bad.json: profile #1: fonts is not a list"),
])
def test_vendor_rows_that_crashed_the_parsers_are_exit_3_in_one_line(cli, shops, tmp_path, vendor, row, line):
    """Attack 11, finding 7: deep nesting inside a cookie string, lone surrogates (valid JSON) and a
    number where a list belongs were internal errors (exit 70); as `import` does, exit 3."""
    bad = tmp_path / "bad.json"
    bad.write_text("[" + row + "]", encoding="utf-8")
    result = cli("browser", "import", vendor, bad)
    assert (result.exit_code, result.stderr) == (3, f"linkcheck: error: {line}\n"), result.output


def test_profiles_that_hold_too_much_stop_the_import_before_anything_is_written(cli, shops, monkeypatch):
    """Attack 11, finding 6: every profile read is held until the import writes, so what they keep
    (cookies, tags, settings) is capped in total: past it, exit 3 and nothing written (the cap is
    made small here; it is 64 MiB)."""
    from linkcheck.importers.vendors import adspower, common

    export = FIXTURES / "adspower" / "export.json"
    sizes = [common.kept_size(p) for p in common.parse_rows(common.file_rows(export), adspower.parse,
                                                             lambda n: f"row {n}")]
    assert len(sizes) >= 2
    monkeypatch.setattr(common, "MAX_KEPT_BYTES", sizes[0])
    result = cli("browser", "import", "adspower", export)
    assert (result.exit_code, result.stderr) == (
        3, f"linkcheck: error: export.json: profile #2: the profiles read so far hold more than "
           f"{sizes[0] // 2 ** 20} MiB of cookies, tags and settings; stopped, and nothing was written\n")
    assert cli("browser", "list").output.startswith("No browser profiles on file.")
    monkeypatch.setattr(common, "MAX_KEPT_BYTES", sum(sizes))
    assert cli("browser", "import", "adspower", export).exit_code == 0


# ----- the gate with a browser profile -------------------------------------------------------------


def _api(server, key_file):
    return ("--browser-api", server.url, "--api-key-file", key_file)


def test_a_profile_sharing_a_proxy_with_another_account_stops_and_is_not_opened(
    cli, shops, vendor_server, key_file
):
    server = vendor_server("adspower")
    assert _import_adspower(cli, server, key_file).exit_code == 0
    server.requests.clear()
    result = cli("run", "shop-b", "--browser", "adspower:jh002", *_api(server, key_file), "--no-public-ip")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first == ("STOP: this browser profile's proxy (http://a***@198.51.100.x:8000) is on file for shop-a "
                     "(high)")
    assert "Not opening adspower:jh002." in result.stderr
    assert "/api/v1/browser/start" not in server.paths()  # the browser was never opened


def test_a_clean_profile_is_opened_on_go_and_logged(cli, shops, vendor_server, key_file):
    server = vendor_server("adspower")
    assert _import_adspower(cli, server, key_file).exit_code == 0
    server.requests.clear()
    result = cli("run", "shop-c", "--browser", "adspower:jh003", *_api(server, key_file), "--no-public-ip")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("GO (public IP not checked): ")
    starts = [r for r in server.requests if r["path"] == "/api/v1/browser/start"]
    assert [r["query"] for r in starts] == [{"user_id": "jh003"}]
    assert "Opened adspower:jh003 for shop-c." in result.output
    log = json.loads(cli("log", "shop-c", "--format", "json").output)
    assert [e["action"] for e in log][-2:] == ["run", "browser-open"]
    everything = result.output + result.stderr + cli("log", "--format", "json").output
    for secret in SECRETS:
        assert secret not in everything


def test_check_with_a_profile_on_another_account_stops(cli, shops, vendor_server, key_file):
    server = vendor_server("adspower")
    assert _import_adspower(cli, server, key_file).exit_code == 0
    result = cli("check", "shop-b", "--browser", "adspower:jh001", *_api(server, key_file), "--no-public-ip")
    assert result.exit_code == 1
    assert "shop-a" in result.output.splitlines()[0]


def test_the_vendor_app_not_running_fails_closed(cli, shops, key_file):
    result = cli("run", "shop-c", "--browser", "adspower:jh003", "--browser-api", "http://127.0.0.1:9",
                 "--api-key-file", key_file, "--no-public-ip")
    assert result.exit_code == 2 and "cannot reach the local API" in result.stderr


@pytest.mark.public_ip_default
def test_the_exit_ip_is_looked_up_through_the_profiles_proxy(cli, shops, vendor_server, key_file):
    asked = []

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - a plain HTTP proxy receives the absolute URL
            asked.append((self.path, self.headers.get("Proxy-Authorization")))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"203.0.113.88\n")

        def log_message(self, *args):
            pass

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        rows = copy.deepcopy(_load("adspower", "browser-profile-list.json")["data"]["list"])
        rows[2]["user_proxy_config"] = {"proxy_type": "http", "proxy_host": "127.0.0.1",
                                        "proxy_port": str(proxy.server_address[1]), "proxy_user": "carol",
                                        "proxy_password": "carol-pw"}
        server = vendor_server("adspower", rows)
        result = cli("check", "shop-c", "--browser", "adspower:jh003", *_api(server, key_file), "--format", "json",
                     env={capture.ECHO_URLS_ENV: "http://127.0.0.2:9/ip"})
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["public_ip_checked"] is True
        assert asked and asked[0][0] == "http://127.0.0.2:9/ip" and asked[0][1].startswith("Basic ")
    finally:
        proxy.shutdown()
        proxy.server_close()


@pytest.mark.public_ip_default
def test_a_socks_profile_whose_proxy_does_not_answer_stops(cli, shops, vendor_server, key_file):
    """The lookup goes through the profile's socks5 proxy (tests/test_gate_trial10.py); one that fails stops."""
    server = vendor_server("adspower")
    result = cli("check", "shop-c", "--browser", "adspower:jh003", *_api(server, key_file))
    assert result.exit_code == 1
    assert "STOP: the public IP could not be checked (public IP lookup failed (" in result.stderr
    assert "bob-pw" not in result.stderr and "carol-pw" not in result.stderr


# ----- the audit across profiles -----------------------------------------------------------------


def _audit(cli):
    result = cli("browser", "audit", "--format", "json")
    return result.exit_code, {f["check"]: f for f in json.loads(result.output)["findings"]}


def test_audit_finds_a_shared_proxy_and_real_hardware_showing_through(cli, shops, vendor_server, key_file):
    assert _import_adspower(cli, vendor_server("adspower"), key_file).exit_code == 0
    code, found = _audit(cli)
    assert code == 1
    proxy = found["shared proxy"]
    assert (proxy["level"], proxy["accounts"], proxy["profiles"]) == (
        "high", ["shop-a", "shop-b"], ["adspower:jh001", "adspower:jh002"])
    assert "leave through the same exit" in proxy["reason"]
    hardware = found["real hardware showing through"]
    assert hardware["accounts"] == ["shop-b", "shop-c"] and hardware["level"] == "high"
    assert "show the real hardware of the computer they run on" in hardware["reason"]
    assert "canvas noise is off" in hardware["reason"] and "WebGL metadata is the computer's own" in hardware["reason"]
    assert "the MAC address is the computer's" in hardware["reason"]  # jh002's MAC mode "use the computer's"
    table = cli("browser", "audit")
    assert table.exit_code == 1 and "HIGH: shop-a, shop-b: Shared proxy: " in table.output


@pytest.mark.parametrize("note", [None, "Lee's profile"])
def test_profiles_entered_by_hand_first_are_audited_like_imported_ones(cli, shops, vendor_server, key_file, note):
    """A browser_profile value typed in (`attr add`) before the vendor's profiles are read takes
    the profile's settings: the audit finds the same as in a store that never had it typed in,
    a re-import adds nothing, and a note of the user's stays."""
    for shop, ref in (("shop-b", "adspower:jh002"), ("shop-c", "adspower:jh003")):
        assert cli("attr", "add", shop, "browser_profile", ref, *(("--note", note) if note else ())).exit_code == 0
    server = vendor_server("adspower")
    first = _import_adspower(cli, server, key_file)
    assert first.exit_code == 0
    code, found = _audit(cli)
    assert code == 1
    hardware = found["real hardware showing through"]
    assert hardware["accounts"] == ["shop-b", "shop-c"] and hardware["level"] == "high"
    assert "canvas noise is off" in hardware["reason"] and "the MAC address is the computer's" in hardware["reason"]
    again = _import_adspower(cli, server, key_file)
    assert "0 value(s) added" in again.output
    shown = json.loads(_shown(cli, "shop-b"))
    profile_values = [a for a in shown["attributes"] if a["kind"] == "browser_profile"]
    assert len(profile_values) == 1
    assert profile_values[0]["note"] == (note or "browser adspower:jh002")


def test_audit_shows_a_replaced_proxy_as_past_and_applies_history_past(cli, shops, vendor_server, key_file, tmp_path):
    rows = copy.deepcopy(_load("adspower", "browser-profile-list.json")["data"]["list"])
    server = vendor_server("adspower", rows)
    assert _import_adspower(cli, server, key_file).exit_code == 0
    assert _audit(cli)[1]["shared proxy"]["state"] == "current"
    jh002 = next(r for r in rows if r["profile_id"] == "jh002")
    jh002["user_proxy_config"]["proxy_host"] = "198.51.100.99"  # shop-b's proxy replaced: the old one retired
    assert _import_adspower(cli, server, key_file).exit_code == 0
    code, found = _audit(cli)
    proxy = found["shared proxy"]
    today = datetime.now(timezone.utc).date().isoformat()
    assert (proxy["level"], proxy["state"], proxy["until"]) == ("high", "past", {"shop-b": today})
    assert proxy["reason"] == (
        f"Shared proxy, no longer in use (shop-b until {today}): different accounts had it in their profiles "
        "(adspower:jh001, adspower:jh002); the marketplace remembers what it saw, so it still counts unless "
        "`[history] past` lowers it.")
    assert "leave through the same exit" not in cli("browser", "audit").output
    rules = tmp_path / "rules.toml"
    rules.write_text('[history]\npast = "medium"\n', encoding="utf-8")
    capped = cli("browser", "audit", "--rules", rules)
    assert f"MEDIUM: shop-a, shop-b: Shared proxy, no longer in use (shop-b until {today})" in capped.output


def test_a_profile_moved_to_another_account_is_a_past_link_not_real_hardware_twice(cli, shops, tmp_path):
    rows = [r for r in _load("adspower", "export.json") if r["profile_id"] == "jh002"]
    export = tmp_path / "one.json"
    export.write_text(json.dumps(rows), encoding="utf-8")
    assert cli("browser", "import", "adspower", export).exit_code == 0  # on shop-b, by its name
    mapping = tmp_path / "map.csv"
    mapping.write_text("jh002,shop-c\n", encoding="utf-8")
    assert cli("browser", "import", "adspower", export, "--map", mapping).exit_code == 0
    code, found = _audit(cli)
    assert "real hardware showing through" not in found  # one profile, not two on one computer
    proxy = found["shared proxy"]
    assert (proxy["accounts"], proxy["profiles"], proxy["state"]) == (["shop-b", "shop-c"], ["adspower:jh002"], "past")


def test_audit_finds_one_login_and_2fa_seed_in_two_profiles(cli, shops):
    assert cli("browser", "import", "bitbrowser", FIXTURES / "bitbrowser" / "export.json").exit_code == 0
    code, found = _audit(cli)
    assert code == 1
    assert found["shared platform login"]["accounts"] == ["shop-a", "shop-b"]
    assert found["shared 2FA secret"]["level"] == "critical"
    assert "KRUGS4ZANFZSAYJA" not in json.dumps(found)


def test_audit_finds_one_combined_fingerprint_and_one_proxy_account(cli, shops):
    assert cli("browser", "import", "gologin", FIXTURES / "gologin" / "profiles.json").exit_code == 0
    code, found = _audit(cli)
    assert found["same combined fingerprint"]["accounts"] == ["shop-a", "shop-b"]
    assert found["shared proxy account"]["profiles"] == ["gologin:64f0c0ffee0000000000a001",
                                                         "gologin:64f0c0ffee0000000000a002"]
    assert "rotate together" in found["shared proxy account"]["reason"]


def test_audit_with_nothing_shared(cli, shops):
    assert cli("browser", "import", "ziniao", FIXTURES / "ziniao" / "store-list.csv").exit_code == 0
    result = cli("browser", "audit")
    assert result.exit_code == 0
    assert result.output.startswith("No browser profiles of different accounts share anything")


def test_audit_says_when_a_time_zone_or_language_contradicts_the_exit_ip(cli, shops, vendor_server, key_file):
    rows = copy.deepcopy(_load("adspower", "browser-profile-list.json")["data"]["list"])
    server = vendor_server("adspower", rows)
    assert _import_adspower(cli, server, key_file).exit_code == 0
    assert "time zone or language against the exit IP" not in _audit(cli)[1]  # New York, en-US, US: consistent
    rows[0]["fingerprint_config"].update(timezone="Asia/Shanghai", language=["zh-CN"])
    assert _import_adspower(cli, server, key_file).exit_code == 0
    found = _audit(cli)[1]["time zone or language against the exit IP"]
    assert (found["level"], found["accounts"], found["profiles"]) == ("context", ["shop-a"], ["adspower:jh001"])
    assert found["reason"] == (
        "Time zone or language against the exit IP: adspower:jh001 (shop-a) leaves through an IP in US, but its "
        "time zone Asia/Shanghai is in CN and its language (zh-CN) is not US's; context, not a link: a site sees "
        "the mismatch and looks closer.")


def test_check_takes_a_ziniao_profile_by_its_chinese_name_and_a_full_width_colon(cli, shops, monkeypatch):
    # as `attr add` takes it: 紫鸟：27810002 is ziniao:27810002 (refused before as not VENDOR:ID)
    from linkcheck.cli.gate_cmds import _BrowserChoice

    for text in ("紫鸟：27810002", "紫鸟:27810002", "ZINIAO:27810002", "ziniao：27810002"):
        choice = _BrowserChoice.parse(text, None, None)
        assert (choice.vendor, choice.profile_id) == ("ziniao", "27810002"), text
    assert _BrowserChoice.parse("比特浏览器：f00d", None, None).vendor == "bitbrowser"
    monkeypatch.delenv("LINKCHECK_ZINIAO_LOGIN", raising=False)
    result = cli("check", "shop-a", "--browser", "紫鸟：27810002", "--no-public-ip")
    assert result.exit_code == 2 and "ziniao needs your company login" in result.stderr
