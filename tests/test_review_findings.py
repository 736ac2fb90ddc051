"""Findings of the outside review of unlock/settings/health/output safety: each test shows one
problem that was found (and is now fixed)."""

from __future__ import annotations

import json
import os
import socket
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from linkcheck import agent


def _linkcheck(*args, timeout=30, env=None):
    """linkcheck in a child process (a hang fails the test instead of hanging the suite)."""
    environment = dict(os.environ, **(env or {}))
    try:
        return subprocess.run([sys.executable, "-m", "linkcheck", *map(str, args)], capture_output=True,
                              text=True, timeout=timeout, env=environment, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"linkcheck {' '.join(map(str, args))} hung")


# ----- settings ------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_settings_file_that_is_a_fifo_is_an_error_not_a_hang(tmp_path):
    # Every command reads the settings file (the store's path, the format): a FIFO there used to
    # block every command forever, the pre-login gate included.
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    result = _linkcheck("config", "list", env={"LINKCHECK_SETTINGS": str(fifo)})
    assert result.returncode == 3, result.stderr
    assert result.stderr == f"linkcheck: error: settings file {fifo} is not a regular file; fix or delete it\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_rules_setting_pointing_at_a_fifo_is_an_error_not_a_hang(tmp_path, store):
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    result = _linkcheck("audit", env={"LINKCHECK_RULES": str(fifo), "LINKCHECK_PASSPHRASE": "correct horse battery staple"})
    assert result.returncode == 3, result.stderr
    assert result.stderr == "linkcheck: error: rules file rules.toml: cannot read it (not a regular file)\n"


def test_a_rules_file_is_read_with_a_size_cap(tmp_path, cli, demo_store):
    # /dev/zero (or a huge file) named as the rules file used to be read whole into memory.
    big = tmp_path / "rules.json"
    with open(big, "wb") as fh:
        fh.truncate(64 * 1024 * 1024)
    result = cli("audit", "--rules", big)
    assert result.exit_code == 3, result.output
    assert "linkcheck: error: rules file rules.json: cannot read it (larger than 4 MiB)" in result.output


# ----- health import -------------------------------------------------------------------------


def test_health_import_of_deeply_nested_json_is_invalid_input(tmp_path, cli, demo_store):
    hostile = tmp_path / "health.json"
    hostile.write_text("[" * 100_000 + "]" * 100_000)
    result = cli("health", "import", hostile)
    assert result.exit_code == 3, result.output
    assert "linkcheck: error: health.json: not valid JSON (nested too deeply)" in result.output


@pytest.mark.parametrize("header", ["account,date,odr,odr", "account,date,odr,order_defect_rate",
                                    "account,date,ODR,odr"])
def test_health_import_refuses_two_columns_for_one_metric(tmp_path, cli, demo_store, header):
    # Two cells for the order defect rate of one row (0.1% and 0.9%): one used to be recorded
    # silently, whichever came last.
    path = tmp_path / "health.csv"
    path.write_text(f"{header}\nacme-us,2026-10-01,0.1%,0.9%\n")
    result = cli("health", "import", path)
    assert result.exit_code == 3, result.output
    assert "health.csv header: two columns for odr" in result.output
    shown = json.loads(cli("health", "--format", "json").output)
    assert shown["accounts"] == []


def test_health_import_refuses_two_json_members_for_one_metric(tmp_path, cli, demo_store):
    path = tmp_path / "health.json"
    path.write_text(json.dumps([{"account": "acme-us", "date": "2026-10-01", "odr": "0.1%",
                                 "order_defect_rate": "0.9%"}]))
    result = cli("health", "import", path)
    assert result.exit_code == 3, result.output
    assert "health.json record 1: two members for odr" in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_health_import_of_a_fifo_is_an_error_not_a_hang(tmp_path, store):
    fifo = tmp_path / "health.csv"
    os.mkfifo(fifo)
    result = _linkcheck("health", "import", fifo, env={"LINKCHECK_PASSPHRASE": "correct horse battery staple"})
    assert result.returncode == 3, result.stderr
    assert result.stderr == f"linkcheck: error: {fifo}: cannot read (not a regular file)\n"


# ----- help ----------------------------------------------------------------------------------


def test_health_import_help_shows_no_escaped_backspace(cli):
    # A `\b` (click's no-rewrap mark) not after a blank line reached the terminal filter,
    # which showed it as a literal `\u0008`.
    result = cli("health", "import", "--help")
    assert result.exit_code == 0
    assert "\\u0008" not in result.output
    assert "  health.csv:\n    account,date,odr,cancel_rate,late_shipment,valid_tracking\n" in result.output


# ----- unlock --------------------------------------------------------------------------------


def _fake_agent(path, reply: bytes):
    """A listener on the agent's socket (as an agent of another linkcheck version could be)."""
    agent._ensure_private_dir(path.parent)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(reply + b"\n")

    threading.Thread(target=serve, daemon=True).start()
    return server


@pytest.mark.skipif(agent.unsupported_reason() is not None, reason="no unlock agent here")
@pytest.mark.parametrize("reply", [{"ok": True}, {"ok": True, "expires": "soon", "pid": None}])
def test_unlock_status_with_an_unexpected_agent_reply_is_no_internal_error(cli, store, store_path, reply,
                                                                         monkeypatch):
    folder = Path(tempfile.mkdtemp(prefix="lc-", dir="/tmp"))  # a socket path must be short
    folder.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    server = _fake_agent(agent.socket_path(store_path), json.dumps(reply).encode())
    try:
        table = cli("unlock", "--status", passphrase=None)
        shown = cli("unlock", "--status", "--format", "json", passphrase=None)
    finally:
        server.close()
        shutil.rmtree(folder, ignore_errors=True)
    assert table.exit_code == 0, table.output
    assert table.output == f"Locked: no agent keeps the key of {store_path}.\n"
    assert json.loads(shown.output)["unlocked"] is False


# ----- the terminal filter -------------------------------------------------------------------


def test_a_carriage_return_in_a_file_name_quoted_on_stderr_is_shown_not_sent(tmp_path, cli, demo_store):
    # stderr let every CR through (for progress lines); a file named "evil\rImported ... OK"
    # quoted in an error message overwrote the start of the line with a message of its own.
    name = "evil\rImported 10 accounts OK.csv"
    (tmp_path / name).write_text("account,date,odr\nnobody,2026-10-01,0.1%\n")
    result = cli("health", "import", tmp_path / name)
    assert result.exit_code == 3
    assert "\r" not in result.output
    assert "evil\\u000dImported 10 accounts OK.csv row 2: no account named 'nobody'" in result.output


def test_the_progress_line_still_redraws_with_a_carriage_return():
    import io

    from linkcheck.safetext import TerminalSafeStream

    out = io.StringIO()
    stream = TerminalSafeStream(out, allow_cr=True)
    stream.write("\r  1,000 accounts read…")
    stream.write("\r" + " " * 40 + "\r")
    stream.write("a\rb\n")
    assert out.getvalue() == "\r  1,000 accounts read…\r" + " " * 40 + "\ra\\u000db\n"


# ----- settings: the environment -------------------------------------------------------------


def test_a_relative_linkcheck_store_is_taken_from_the_current_folder(cli, tmp_path, monkeypatch):
    # LINKCHECK_STORE=store.db worked before settings landed (as --store store.db still does);
    # it became "$LINKCHECK_STORE: must be an absolute path", exit 3, for every command.
    monkeypatch.setenv("LINKCHECK_STORE", "mine.db")
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine.db").is_file()
    shown = cli("config", "get", "store")
    assert shown.exit_code == 0, shown.output
    assert shown.output.strip().splitlines()[0] == str(tmp_path / "mine.db")


def test_a_proxy_with_an_unclosed_bracket_is_a_bad_value_not_an_internal_error(cli, demo_store, tmp_path):
    # urlsplit raises on "http://[::1"; the check then read a variable it never set: exit 70,
    # and with the value in the settings file, for every command.
    result = cli("config", "set", "proxy", "http://[::1")
    assert result.exit_code == 3, result.output
    assert "invalid value for setting 'proxy': must be an http:// or https:// proxy URL" in result.output
    settings = tmp_path / "settings.toml"
    settings.write_text('proxy = "http://[::1"\n')
    listed = cli("account", "list", env={"LINKCHECK_SETTINGS": str(settings)})
    assert listed.exit_code == 3, listed.output
    assert f"settings file {settings}, line 1: proxy must be an http:// or https:// proxy URL" in listed.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_verify_of_a_fifo_is_an_error_not_a_hang(tmp_path):
    fifo = tmp_path / "appeal.txt"
    os.mkfifo(fifo)
    result = _linkcheck("verify", fifo, "--integrity-only")
    assert result.returncode == 3, result.stderr
    assert result.stderr == f"linkcheck: error: {fifo} is not a regular file: it is not a linkcheck statement\n"


# ----- deep nesting in the files a user points at ----------------------------------------------


def test_a_deeply_nested_settings_file_is_invalid_input_not_an_internal_error(cli, tmp_path):
    settings = tmp_path / "settings.toml"
    settings.write_text("a = " + "[" * 60_000 + "\n")  # under the 64 KiB cap
    result = cli("config", "list", env={"LINKCHECK_SETTINGS": str(settings)})
    assert result.exit_code == 3, result.output
    assert f"linkcheck: error: settings file {settings}: not valid TOML (nested too deeply); fix or delete it" in result.output


@pytest.mark.parametrize("name, kind", [("rules.toml", "TOML"), ("rules.json", "JSON")])
def test_a_deeply_nested_rules_file_is_invalid_input_not_an_internal_error(cli, demo_store, tmp_path, name, kind):
    rules = tmp_path / name
    rules.write_text(("a = " if kind == "TOML" else "") + "[" * 60_000 + "\n")
    result = cli("audit", "--rules", rules)
    assert result.exit_code == 3, result.output
    assert f"linkcheck: error: rules file {name}: not valid {kind} (nested too deeply)" in result.output


def test_a_deeply_nested_machine_file_is_invalid_input_not_an_internal_error(cli, demo_store, tmp_path):
    machine = tmp_path / "machine.json"
    machine.write_text("[" * 60_000 + "\n")
    result = cli("check", "acme-us", "--machine", machine, "--public-ip", "203.0.113.5")
    assert result.exit_code == 3, result.output
    assert "linkcheck: error: machine file machine.json: not valid JSON (nested too deeply)" in result.output


def test_health_import_problem_lines_quote_at_most_a_short_part_of_a_huge_cell(cli, demo_store, tmp_path):
    # A 100,000-character account name or date in an import file used to be echoed whole, once
    # per problem, on stderr.
    path = tmp_path / "health.json"
    path.write_text(json.dumps([{"account": "x" * 100_000, "date": "2026-10-01", "odr": "0.1%"},
                                {"account": "acme-us", "date": "2" * 100_000, "odr": "0.1%"}]))
    result = cli("health", "import", path)
    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) < 300, [line[:120] for line in lines]
    assert f"  health.json record 1: no account named '{'x' * 80}'… on file (`linkcheck account list`)" in lines
