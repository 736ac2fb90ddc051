"""Unlock once: the agent that keeps a store's key for a while, `unlock`, `lock`, and the prompt's tries."""

from __future__ import annotations

import json
import re
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from linkcheck import agent
from linkcheck.store import derive_store_key

pytestmark = pytest.mark.skipif(agent.unsupported_reason() is not None, reason="no Unix sockets here")

NOBODY = 65534


@pytest.fixture
def runtime(monkeypatch):
    """A short private runtime folder (a socket path must fit in 104 bytes); every agent started
    in the test is stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="lc-", dir="/tmp"))
    folder.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    yield folder / "linkcheck"
    pids = []
    for sock in (folder / "linkcheck").glob("agent-*.sock") if (folder / "linkcheck").exists() else ():
        reply = agent._request(sock, {"op": "status"})
        if reply:
            pids.append(reply["pid"])
    agent.lock_all()
    for pid in pids:
        _wait_gone(pid)
    shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Running: not gone, and not a zombie (an agent started by this test process is its child)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0] != "Z"
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)  # a process this test started, by its id
    return False


def _unlock(cli, *args, passphrase=PASSPHRASE):
    result = cli("unlock", *args, passphrase=passphrase)
    assert result.exit_code == 0, result.output
    return result


def _agent_pid(store_path) -> int:
    return agent.status(store_path)["pid"]


# ----- unlock, use, lock -----------------------------------------------------------------------


def test_unlock_then_commands_need_no_passphrase_until_lock(cli, demo_store, runtime):
    assert cli("account", "list", passphrase=None).exit_code == 4
    result = _unlock(cli)
    assert result.output.startswith(f"Unlocked {demo_store} until ")
    # The time says its zone: a team in Shenzhen and a laptop set to UTC read it alike.
    assert re.search(r" until \d{4}-\d\d-\d\d \d\d:\d\d [A-Za-z+\-0-9]+\.", result.output.splitlines()[0])
    listed = cli("account", "list", "--format", "json", passphrase=None)
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)) == 10
    written = cli("account", "add", "willow-new", passphrase=None)  # a write, too
    assert written.exit_code == 0, written.output
    pid = _agent_pid(demo_store)
    locked = cli("lock", passphrase=None)
    assert locked.exit_code == 0
    assert locked.output.strip() == f"Locked: the key of {demo_store} is forgotten."
    assert _wait_gone(pid)
    after = cli("account", "list", passphrase=None)
    assert after.exit_code == 4
    assert "no passphrase" in after.output


def test_the_agent_socket_is_mode_600_in_a_700_folder(cli, store, runtime):
    _unlock(cli)
    sockets = list(runtime.glob("agent-*.sock"))
    assert len(sockets) == 1
    st = sockets[0].lstat()
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o700


def test_the_key_and_passphrase_are_never_written_to_disk(cli, demo_store, runtime, tmp_path):
    _unlock(cli)
    assert cli("audit", "--fail-on", "critical", passphrase=None).exit_code in (0, 1)
    key, _header = derive_store_key(demo_store, PASSPHRASE)
    secrets = [key.kek, key.kek.hex().encode(), PASSPHRASE.encode()]
    folders = {runtime.parent, tmp_path / "home", demo_store.parent}
    scanned = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                scanned += 1
                assert not any(secret in data for secret in secrets), path
    assert scanned >= 1  # the store itself, at least


def test_the_key_is_not_in_the_agents_command_line_or_environment(cli, store, runtime):
    _unlock(cli)
    pid = _agent_pid(store)
    key, _ = derive_store_key(store, PASSPHRASE)
    if not Path(f"/proc/{pid}/cmdline").exists():
        pytest.skip("no /proc here")
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    environ = Path(f"/proc/{pid}/environ").read_bytes()
    for blob in (cmdline, environ):
        assert key.kek.hex().encode() not in blob
        assert PASSPHRASE.encode() not in blob
    assert b"LINKCHECK_PASSPHRASE" not in environ


def test_the_agent_serves_only_the_store_it_was_unlocked_for(cli, store, runtime, tmp_path):
    other = tmp_path / "other" / "second.db"
    assert cli("init", "--store", other).exit_code == 0
    _unlock(cli)
    assert cli("account", "list", passphrase=None).exit_code == 0
    assert cli("account", "list", "--store", other, passphrase=None).exit_code == 4
    # Even asked directly for another store, the agent gives nothing.
    reply = agent._request(agent.socket_path(store), {"op": "key", "store": str(other)})
    assert reply == {"ok": False, "error": "this agent serves another store"}


def test_after_passwd_the_agent_refuses_and_commands_ask_again(cli, demo_store, runtime):
    _unlock(cli)
    pid = _agent_pid(demo_store)
    changed = cli("passwd", env={"LINKCHECK_NEW_PASSPHRASE": "a brand new passphrase"})
    assert changed.exit_code == 0, changed.output
    result = cli("account", "list", passphrase=None)
    assert result.exit_code == 4  # fails closed: no key, no terminal
    assert _wait_gone(pid)  # a stale agent stops by itself
    assert cli("account", "list", passphrase="a brand new passphrase").exit_code == 0


def test_a_wrong_key_from_the_agent_is_ignored_not_trusted(cli, demo_store, runtime, monkeypatch):
    from linkcheck.cli import options
    from linkcheck.store import StoreKey

    monkeypatch.setattr(agent, "key_for", lambda path: StoreKey(bytes(32)))
    result = cli("check", "acme-us", "--machine", Path(__file__).parent / "fixtures" / "machines" / "laptop-a.json",
                 passphrase=None)
    assert result.exit_code == 4
    assert "GO" not in result.output
    monkeypatch.setattr(options, "_interactive", lambda: True)
    asked = cli("account", "list", input=PASSPHRASE + "\n", passphrase=None)
    assert asked.exit_code == 0, asked.output
    assert "Store passphrase" in asked.output


def test_passphrase_sources_given_win_over_the_agent(cli, demo_store, runtime):
    _unlock(cli)
    result = cli("account", "list", passphrase="not the passphrase")
    assert result.exit_code == 4
    assert "wrong passphrase" in result.output


def test_the_agent_exits_at_its_timeout(cli, store, runtime):
    _unlock(cli, "--for", "1s")
    pid = _agent_pid(store)
    assert _wait_gone(pid)
    assert not list(runtime.glob("agent-*.sock"))
    assert cli("account", "list", passphrase=None).exit_code == 4


def test_the_agent_exits_when_its_socket_is_removed(cli, store, runtime):
    _unlock(cli)
    pid = _agent_pid(store)
    for sock in runtime.glob("agent-*.sock"):
        sock.unlink()  # as at logout, when the runtime folder goes
    assert _wait_gone(pid)


def test_unlock_again_replaces_the_agent(cli, store, runtime):
    _unlock(cli)
    first = _agent_pid(store)
    _unlock(cli, "--for", "2h")
    second = _agent_pid(store)
    assert second != first
    assert _wait_gone(first)
    assert 7000 < agent.status(store)["expires"] - time.time() <= 7200


def test_unlock_status_and_lock_all(cli, store, runtime):
    assert cli("unlock", "--status").output.startswith("Locked: no agent keeps the key")
    _unlock(cli)
    status = json.loads(cli("unlock", "--status", "--format", "json").output)
    assert status["unlocked"] is True and status["store"] == str(store)
    result = cli("lock", "--all", passphrase=None)
    assert result.output.strip() == "Locked: 1 agent(s) stopped."
    assert _wait_gone(status["pid"])
    assert cli("lock", passphrase=None).output.startswith("Nothing to lock")


def test_unlock_format_json_prints_json_like_its_status(cli, store, runtime):
    result = _unlock(cli, "--for", "1h", "--format", "json")
    unlocked = json.loads(result.stdout)
    status = json.loads(cli("unlock", "--status", "--format", "json").output)
    assert unlocked.keys() == status.keys()
    assert {k: unlocked[k] for k in ("store", "unlocked", "pid")} == {k: status[k] for k in ("store", "unlocked", "pid")}
    assert abs(unlocked["expires"] - status["expires"]) <= 2  # this command's clock and the agent's
    assert unlocked["unlocked"] is True and unlocked["store"] == str(store)
    assert cli("lock", passphrase=None).exit_code == 0
    assert _wait_gone(unlocked["pid"])


def test_unlock_status_follows_the_format_setting(cli, store, runtime, monkeypatch):
    monkeypatch.setenv("LINKCHECK_FORMAT", "json")
    status = json.loads(cli("unlock", "--status", passphrase=None).stdout)
    assert status == {"store": str(store), "unlocked": False, "expires": None, "pid": None}


def test_unlock_with_a_wrong_passphrase_starts_nothing(cli, store, runtime):
    result = cli("unlock", passphrase="not the passphrase")
    assert result.exit_code == 4
    assert not runtime.exists() or not list(runtime.glob("agent-*.sock"))


@pytest.mark.parametrize("duration", ["0s", "8 weeks", "8x", "-1h", "8d"])
def test_unlock_refuses_a_bad_duration(cli, store, runtime, duration):
    result = cli("unlock", "--for", duration)
    assert result.exit_code == 2
    assert "give a duration from 1s to 7d" in result.output


def test_unlock_without_unix_sockets_says_so(cli, store, runtime, monkeypatch):
    monkeypatch.delattr(socket, "AF_UNIX")
    result = cli("unlock")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "linkcheck: error: this system has no Unix sockets, so `unlock` is not available; "
        "use --passphrase-file instead"
    )
    assert cli("account", "list").exit_code == 0  # everything else works as before
    assert cli("lock").exit_code == 0


def test_the_runtime_folder_falls_back_to_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert agent.runtime_dir() == tmp_path / "home" / ".config" / "linkcheck" / "run"
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # writable by others: not a private runtime folder
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
    assert agent.runtime_dir() == tmp_path / "home" / ".config" / "linkcheck" / "run"


def test_peer_credentials_name_this_user():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        assert agent.peer_uid(left) == os.getuid()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv")
def test_another_user_gets_nothing_even_when_the_socket_is_opened_up(cli, store, runtime):
    _unlock(cli)
    sock = next(runtime.glob("agent-*.sock"))
    # Defeat the file modes on purpose: the peer-credential check must still refuse.
    runtime.parent.chmod(0o755)
    runtime.chmod(0o755)
    sock.chmod(0o666)
    probe = (
        "import json, socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.connect(sys.argv[1])\n"
        "try:\n"
        f"    s.sendall(json.dumps({{'op': 'key', 'store': {str(store)!r}}}).encode() + b'\\n')\n"
        "    print(repr(s.recv(4096)))\n"
        "except (ConnectionResetError, BrokenPipeError):\n"
        "    print('refused')\n"
    )
    result = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-c", probe,
         str(sock)],
        capture_output=True, text=True, timeout=30, cwd="/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in ("b''", "refused")  # connection closed without a word
    runtime.parent.chmod(0o700)
    runtime.chmod(0o700)
    assert agent.key_for(store) is not None  # and its owner is still served


# ----- three tries at the prompt ---------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)


def test_a_prompt_allows_three_tries(cli, demo_store, terminal):
    result = cli("account", "list", input=f"wrong one\nwrong two\n{PASSPHRASE}\n", passphrase=None)
    assert result.exit_code == 0, result.output
    assert result.output.count("Store passphrase") == 3
    assert "wrong passphrase (or the store header was altered); try again (2 left)" in result.output
    assert "try again (1 left)" in result.output
    assert "acme-us" in result.output


def test_three_wrong_passphrases_exit_4(cli, demo_store, terminal):
    result = cli("account", "list", input="a\nb\nc\nd\n", passphrase=None)
    assert result.exit_code == 4
    assert result.output.count("Store passphrase") == 3
    assert result.output.strip().splitlines()[-1] == (
        "linkcheck: error: wrong passphrase (or the store header was altered) (3 tries)"
    )


def test_a_write_command_retries_too_and_writes_once(cli, store, terminal):
    result = cli("account", "add", "willow-new", input=f"nope\n{PASSPHRASE}\n", passphrase=None)
    assert result.exit_code == 0, result.output
    assert "Added account willow-new" in result.output
    listed = json.loads(cli("account", "list", "--format", "json").output)
    assert [row["name"] for row in listed] == ["willow-new"]


def test_unlock_prompt_allows_three_tries(cli, store, terminal, runtime):
    result = cli("unlock", input=f"wrong\n{PASSPHRASE}\n", passphrase=None)
    assert result.exit_code == 0, result.output
    assert "try again (2 left)" in result.output
    assert cli("account", "list", passphrase=None).exit_code == 0


def test_a_wrong_passphrase_from_the_environment_is_not_retried(cli, demo_store, terminal):
    result = cli("account", "list", input=f"{PASSPHRASE}\n", passphrase="wrong")
    assert result.exit_code == 4
    assert "Store passphrase" not in result.output


def test_a_command_uses_the_agent_without_prompting_on_a_terminal(cli, demo_store, terminal, runtime):
    _unlock(cli)
    result = cli("account", "list", input="", passphrase=None)
    assert result.exit_code == 0, result.output
    assert "Store passphrase" not in result.output


def test_a_killed_agents_socket_is_ignored_and_unlock_replaces_it(cli, store, runtime):
    _unlock(cli)
    pid = _agent_pid(store)
    os.kill(pid, signal.SIGKILL)  # the agent this test started, by its id
    assert _wait_gone(pid)
    assert list(runtime.glob("agent-*.sock"))  # left behind: nobody listens
    assert cli("account", "list", passphrase=None).exit_code == 4
    _unlock(cli)
    assert cli("account", "list", passphrase=None).exit_code == 0


def test_unlock_refuses_a_runtime_folder_too_long_for_a_socket(cli, store, monkeypatch, tmp_path):
    deep = Path(tempfile.mkdtemp(prefix="lc-", dir="/tmp"))
    try:
        long_dir = deep / ("x" * 100)
        long_dir.mkdir(mode=0o700)
        deep.chmod(0o700)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(long_dir))
        result = cli("unlock")
        assert result.exit_code == 2
        assert "too long a path for a Unix socket" in result.output
    finally:
        shutil.rmtree(deep, ignore_errors=True)


@pytest.mark.skipif(shutil.which("setsid") is None, reason="needs setsid")
def test_the_agent_exits_when_the_session_it_was_unlocked_from_ends(store, runtime, tmp_path):
    # `setsid sh -c ...`: sh leads a session of its own, as a login shell leads a terminal's.
    secret = tmp_path / "pp"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    secret.chmod(0o600)
    session = subprocess.Popen(
        ["setsid", "sh", "-c", f'"{sys.executable}" -m linkcheck unlock --passphrase-file "{secret}" && sleep 2'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while agent.status(store) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    found = agent.status(store)
    assert found is not None
    assert session.wait(timeout=30) == 0  # the session's leader ends (and is reaped)
    assert _wait_gone(found["pid"])
    assert agent.key_for(store) is None
