"""`check` and `precheck`, sixteenth session: the key derived in a helper process with huge pages.

The pre-login commands hand the early derivation to a helper process started with glibc's
huge-page tunable (linkcheck/early.py), instead of running the whole command line again with it
(the fourteenth session's way). These tests hold that the helper gives exactly the key the
thread would (random parameters), that the passphrase is on no command line and in no
environment of the helper, that every failure of the helper falls back to the thread's own
derivation with the same key, that a helper still running at exit is killed, and that a
command answers the same, exit code, stdout and stderr, with the helper and without it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSPHRASE, PROFILES_DIR
from linkcheck import early, kdfcall
from test_early_key import fresh_early_state  # noqa: F401 - each test starts as a new process would

MACHINE = PROFILES_DIR.parent / "capture" / "fixtures" / "demo-machine.json"

here = pytest.mark.skipif(not (sys.platform.startswith("linux") and early.glibc_with_tunable()
                               and early.thp_on_request() and hasattr(os, "posix_spawn")),
                          reason="huge pages on request: Linux, glibc 2.35 or later, THP in madvise mode")


def _derivation(passphrase: bytes, params) -> early._Derivation:
    derivation = early._Derivation(passphrase, params)
    derivation.helper = True
    return derivation


# ----- the helper's key -------------------------------------------------------------------------------


@here
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(passphrase=st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1,
                          max_size=40),
       salt=st.binary(min_size=16, max_size=64), iterations=st.integers(1, 3), lanes=st.integers(1, 4),
       memory=st.integers(0, 64))
def test_the_helper_s_key_is_the_thread_s(passphrase, salt, iterations, lanes, memory):
    secret = passphrase.encode("utf-8")
    params = ("argon2id", salt, iterations, 8 * lanes + memory, lanes)
    derivation = _derivation(secret, params)
    assert early._in_helper(derivation, secret) == early.argon2id(secret, *params[1:])
    assert derivation.helper_pid is None  # waited for


@here
def test_a_long_passphrase_and_store_sized_memory(monkeypatch):
    secret = ("correct horse " * 8000).encode()  # more than a pipe holds at once
    params = ("argon2id", b"sixteen byte salt", 1, 16 * 1024, 4)
    assert early._in_helper(_derivation(secret, params), secret) == early.argon2id(secret, *params[1:])


@here
def test_the_helper_s_command_line_and_environment_hold_no_secret(monkeypatch):
    seen = []
    spawn = os.posix_spawn

    def recording(path, argv, env, **kwargs):
        seen.append((path, list(argv), dict(env), kwargs["file_actions"]))
        return spawn(path, argv, env, **kwargs)

    monkeypatch.setattr(os, "posix_spawn", recording)
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("LINKCHECK_ADSPOWER_API_KEY", "a vendor's key")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.perturb=0")
    params = ("argon2id", b"sixteen byte salt", 1, 64, 1)
    secret = PASSPHRASE.encode()
    assert early._in_helper(_derivation(secret, params), secret) == early.argon2id(secret, *params[1:])
    [(path, argv, env, actions)] = seen
    assert path == sys.executable and argv == [sys.executable, "-I", "-S", "-c", early.HELPER_CODE]
    assert set(env) <= {"GLIBC_TUNABLES", "LD_LIBRARY_PATH"}
    assert env["GLIBC_TUNABLES"] == "glibc.malloc.perturb=0:glibc.malloc.hugetlb=1"  # the user's, then ours
    assert PASSPHRASE not in json.dumps([argv, env]) and "vendor" not in json.dumps(env)
    assert (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0) in actions  # nothing it says is shown


def test_the_helper_s_request_is_read_as_written(monkeypatch):
    # serve() in this process: the key for what the thread writes it after the folders.
    written = []
    monkeypatch.setattr(os, "write", lambda fd, data: written.append((fd, bytes(data))) or len(data))
    kdfcall.serve(b"\0".join((b"73" * 16, b"2", b"64", b"1", b"pass\0phrase\nwith a newline")))
    assert written == [(1, early.argon2id(b"pass\0phrase\nwith a newline", b"s" * 16, 2, 64, 1))]
    with pytest.raises(SystemExit):  # out of bounds: nothing derived
        kdfcall.serve(b"\0".join((b"73" * 16, b"2", b"%d" % (early.MAX_MEMORY_KIB + 1), b"1", b"pw")))


def test_the_one_argon2id_call_is_cryptography_s_public_class():
    from cryptography.hazmat.bindings._rust import openssl
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    from linkcheck.crypto import keys

    assert openssl.kdf.Argon2id is Argon2id
    assert early.argon2id is kdfcall.argon2id
    assert kdfcall.argon2id(b"pw", b"s" * 16, 2, 64, 1) == Argon2id(
        salt=b"s" * 16, length=32, iterations=2, lanes=1, memory_cost=64).derive(b"pw")
    assert (kdfcall.KEY_BYTES, kdfcall.MAX_MEMORY_KIB, kdfcall.MAX_ITERATIONS, kdfcall.MAX_LANES) == (
        keys.KEY_BYTES, keys.MAX_MEMORY_KIB, keys.MAX_ITERATIONS, keys.MAX_LANES)


def test_the_helper_imports_nothing_of_linkcheck_but_the_call(tmp_path):
    # The helper's own program, run as early.py runs it (tiny parameters): the right key, and
    # of linkcheck only its package and kdfcall loaded; not threading, not cryptography.utils.
    code = early.HELPER_CODE.replace("serve(d[n:])\n", "serve(d[n:])\nprint(sorted(sys.modules), file=sys.stderr)\n")
    folders = early._import_folders()
    request = b"%d\n%s" % (len(folders), folders) + b"\0".join((b"73" * 16, b"2", b"64", b"1", b"pw"))
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", code], input=request, capture_output=True, env={},
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout == kdfcall.argon2id(b"pw", b"s" * 16, 2, 64, 1)
    modules = eval(proc.stderr)  # noqa: S307 - the list this test's own code printed
    assert [m for m in modules if m.startswith("linkcheck")] == ["linkcheck", "linkcheck.kdfcall"]
    assert "threading" not in modules and "cryptography.utils" not in modules


# ----- when the helper fails -----------------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["no interpreter", "exits", "says nothing", "says too much", "spawn fails",
                                     "spawn raises"])
def test_every_failure_of_the_helper_falls_back_to_the_thread(monkeypatch, failure):
    if not hasattr(os, "posix_spawn"):
        pytest.skip("no posix_spawn")
    fake = {"no interpreter": "/nonexistent/python", "exits": "/bin/false", "says nothing": "/bin/true",
            "says too much": "/bin/echo", "spawn fails": sys.executable, "spawn raises": sys.executable}[failure]
    monkeypatch.setattr(sys, "executable", fake)
    if failure in ("spawn fails", "spawn raises"):
        def refuse(*_args, **_kwargs):
            raise OSError("no process to be had") if failure == "spawn fails" else ValueError("odd")
        monkeypatch.setattr(os, "posix_spawn", refuse)
    params = ("argon2id", b"sixteen byte salt", 1, 64, 1)
    secret = PASSPHRASE.encode()
    derivation = _derivation(secret, params)
    assert early._in_helper(derivation, secret) is None
    # The thread, given that helper, derives the key itself: the same key.
    derivation = _derivation(secret, params)
    derivation.begin()
    derivation.thread.join()
    assert derivation.kek == early.argon2id(secret, *params[1:])


def test_a_helper_raising_anything_falls_back_to_the_thread(monkeypatch):
    def broken(_derivation, _secret):
        raise RuntimeError("anything")

    monkeypatch.setattr(early, "_in_helper", broken)
    params = ("argon2id", b"sixteen byte salt", 1, 64, 1)
    secret = PASSPHRASE.encode()
    derivation = _derivation(secret, params)
    derivation.begin()
    derivation.thread.join()
    assert derivation.kek == early.argon2id(secret, *params[1:])


def test_early_start_through_a_failing_helper_gives_the_store_s_key(store, monkeypatch):
    from test_early_key import _params

    from linkcheck.crypto import keys

    monkeypatch.setattr(early, "_helper_pays", lambda params: True)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("LINKCHECK_STORE", str(store))
    assert early.start(["check", "shop-a"]) is True
    assert early._pending.helper
    params = _params(store)
    assert early.take(PASSPHRASE.encode(), params) == keys._argon2(PASSPHRASE.encode(), params)


@here
def test_early_start_through_the_helper_gives_the_store_s_key(store, monkeypatch):
    from test_early_key import _params

    from linkcheck.crypto import keys

    used = []
    in_helper = early._in_helper
    monkeypatch.setattr(early, "HELPER_MIN_MEMORY_KIB", 0)
    monkeypatch.setattr(early, "_in_helper", lambda *args: used.append(in_helper(*args)) or used[-1])
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("LINKCHECK_STORE", str(store))
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    assert early.start(["precheck", "--email", "a@b.example"]) is True
    params = _params(store)
    kek = early.take(PASSPHRASE.encode(), params)
    assert kek == keys._argon2(PASSPHRASE.encode(), params) and used == [kek]


def test_a_helper_still_running_at_exit_is_killed():
    if not hasattr(os, "posix_spawn"):
        pytest.skip("no posix_spawn")
    # A stand-in helper that never answers (sleeps); _stop_helper, as at exit, ends it at once.
    derivation = _derivation(b"pw", ("argon2id", b"sixteen byte salt", 1, 64, 1))
    script = "import time; time.sleep(120)"
    spawn = os.posix_spawn
    pids = []

    def sleeper(path, argv, env, **kwargs):
        pids.append(spawn(path, [path, "-c", script], env, **kwargs))
        return pids[-1]

    result = []
    original = os.posix_spawn
    os.posix_spawn = sleeper
    try:
        worker = threading.Thread(target=lambda: result.append(early._in_helper(derivation, b"pw")))
        worker.start()
        for _ in range(500):
            if derivation.helper_pid is not None:
                break
            threading.Event().wait(0.01)
    finally:
        os.posix_spawn = original
    early._stop_helper(derivation)
    worker.join(30)
    assert not worker.is_alive() and result == [None] and derivation.helper_pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)  # gone, and waited for


def _sleeping_helpers(monkeypatch) -> list[int]:
    """os.posix_spawn starting a stand-in helper that never answers (it sleeps); their pids."""
    spawn = os.posix_spawn
    pids: list[int] = []

    def sleeper(path, argv, env, **kwargs):
        pids.append(spawn(path, [path, "-c", "import time; time.sleep(120)"], env, **kwargs))
        return pids[-1]

    monkeypatch.setattr(os, "posix_spawn", sleeper)
    return pids


def _reaped(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_helper_stopped_at_exit_leaves_nothing_to_derive(monkeypatch):
    if not hasattr(os, "posix_spawn"):
        pytest.skip("no posix_spawn")
    # The command ended before it opened the store: the helper is killed, and the thread must
    # not then derive the key itself (a whole derivation's memory and CPU as the process exits).
    pids = _sleeping_helpers(monkeypatch)
    derived = []
    monkeypatch.setattr(early, "argon2id", lambda *args: derived.append(args) or b"k" * 32)
    derivation = _derivation(b"pw", ("argon2id", b"sixteen byte salt", 1, 64, 1))
    derivation.begin()
    for _ in range(500):
        if derivation.helper_pid is not None:
            break
        threading.Event().wait(0.01)
    early._stop_helper(derivation)
    derivation.thread.join(30)
    assert not derivation.thread.is_alive()
    assert derived == [] and derivation.kek is None and derivation.passphrase is None
    assert len(pids) == 1 and _reaped(pids[0])


def test_a_helper_stopped_before_it_started_is_ended_at_once(monkeypatch):
    if not hasattr(os, "posix_spawn"):
        pytest.skip("no posix_spawn")
    pids = _sleeping_helpers(monkeypatch)
    derivation = _derivation(b"pw", ("argon2id", b"sixteen byte salt", 1, 64, 1))
    early._stop_helper(derivation)
    assert early._in_helper(derivation, b"pw") is None
    assert derivation.helper_pid is None and len(pids) == 1 and _reaped(pids[0])


def test_an_interrupt_while_the_helper_derives_ends_it_at_once(monkeypatch):
    if not hasattr(os, "posix_spawn") or not hasattr(signal, "setitimer"):
        pytest.skip("no posix_spawn or interval timer")
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    # Ctrl-C while a passphrase typed at the prompt is derived (early.derive): the interrupt
    # surfaces now, not when the helper would have finished, and the helper is gone.
    pids = _sleeping_helpers(monkeypatch)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    began = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            early._in_helper(_derivation(b"pw", ("argon2id", b"sixteen byte salt", 1, 64, 1)), b"pw")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - began < 30
    assert len(pids) == 1 and _reaped(pids[0])


def test_a_key_not_wanted_any_more_stops_its_helper(monkeypatch):
    # The store's header changed between the early start and the open: the early derivation is
    # dropped, its helper stopped rather than left deriving on the other core.
    stopped = []
    derivation = _derivation(b"pw", ("argon2id", b"sixteen byte salt", 1, 64, 1))
    monkeypatch.setattr(early, "_pending", derivation)
    monkeypatch.setattr(early, "_stop_helper", stopped.append)

    class Other:
        algorithm, salt, iterations, memory_kib, lanes = "argon2id", b"another salt, 16b", 1, 64, 1

    assert early.take(b"pw", Other) is None
    assert stopped == [derivation] and derivation.passphrase is None


def test_when_the_helper_pays(monkeypatch):
    params = ("argon2id", b"sixteen byte salt", 6, 64 * 1024, 4)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(early, "glibc_with_tunable", lambda: True)
    monkeypatch.setattr(early, "thp_on_request", lambda: True)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    assert early._helper_pays(params)
    assert not early._helper_pays(params[:3] + (early.HELPER_MIN_MEMORY_KIB - 1,) + params[4:])
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0")  # the user's own choice
    assert not early._helper_pays(params)
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.perturb=0")
    assert early._helper_pays(params)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert not early._helper_pays(params)
    monkeypatch.delattr(sys, "frozen")
    monkeypatch.setattr(early, "thp_on_request", lambda: False)
    assert not early._helper_pays(params)
    monkeypatch.setattr(early, "thp_on_request", lambda: True)
    monkeypatch.setattr(early, "glibc_with_tunable", lambda: False)
    assert not early._helper_pays(params)
    monkeypatch.setattr(early, "glibc_with_tunable", lambda: True)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not early._helper_pays(params)


def test_only_the_pre_login_commands_use_it():
    assert early.HELPER_COMMANDS == {"check", "precheck", "run"} and early.HELPER_COMMANDS <= early.COMMANDS


def test_glibc_and_thp_are_read_without_failing():
    assert early.glibc_with_tunable() in (True, False)
    assert early.thp_on_request() in (True, False)


# ----- whole commands: the same answer with the helper and without ---------------------------------------

# `linkcheck ARGS` as the console script runs it, the helper used whatever the store's memory
# (the test stores' derivation is tiny); "used" or "not used" written to the file named first.
WITH_HELPER = """\
import atexit, sys
import linkcheck.early as early
report, sys.argv = sys.argv[1], ["linkcheck", *sys.argv[2:]]
early.HELPER_MIN_MEMORY_KIB = 0
used = []
in_helper = early._in_helper
def counted(*args):
    used.append(in_helper(*args))
    return used[-1]
early._in_helper = counted
def record():
    with open(report, "w") as out:
        out.write("used" if used and used[0] else "not used")
atexit.register(record)
from linkcheck.entry import run
run()
"""


def _now_out(text: bytes) -> bytes:
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"(now)", text)


def _env(store, **extra):
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE, LINKCHECK_STORE=str(store))
    env.update(extra)
    if "GLIBC_TUNABLES" not in extra:
        env.pop("GLIBC_TUNABLES", None)
    return env


def _with_helper(store, tmp_path, args, **extra):
    report = tmp_path / "helper-used"
    report.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", WITH_HELPER, str(report), *args], env=_env(store, **extra),
                          capture_output=True, timeout=180, cwd=tmp_path)
    return proc, report.read_text() if report.exists() else None


@here
@pytest.mark.parametrize("command", [
    ("check", "acme-us", "--machine", str(MACHINE)),
    ("check", "brightway-uk", "--machine", str(MACHINE)),
    ("check", "brightway-uk", "--machine", str(MACHINE), "--format", "json"),
    ("check", "no-such-account", "--machine", str(MACHINE)),
    ("precheck", "--email", "ops@acme-trading.example", "--phone", "+86 138 0013 8000"),
    ("precheck", "--email", "ops@acme-trading.example", "--format", "json"),
])
def test_the_answer_is_the_same_with_the_helper_or_not(demo_store, tmp_path, command):
    outputs = []
    for tunables, expected in ((None, "used"), ("glibc.malloc.hugetlb=0", "not used")):
        extra = {} if tunables is None else {"GLIBC_TUNABLES": tunables}
        proc, used = _with_helper(demo_store, tmp_path, command, **extra)
        assert used == expected, proc.stderr
        outputs.append((proc.returncode, _now_out(proc.stdout.replace(b"\r", b"")), proc.stderr))
    assert outputs[0][0] in (0, 1, 2)
    assert outputs[0] == outputs[1]


@here
@pytest.mark.parametrize("spelling", ["--passphrase-file", "--passphrase-file="])
def test_a_passphrase_file_goes_through_the_helper_too(demo_store, tmp_path, spelling):
    # Not begun early (the file is read where its checks are), but the derivation at the store's
    # open still runs in the helper, with the same answer as the environment's passphrase.
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSPHRASE)
    secret.chmod(0o600)
    option = [spelling + str(secret)] if spelling.endswith("=") else [spelling, str(secret)]
    command = ["check", "brightway-uk", "--machine", str(MACHINE), "--format", "json"]
    proc, used = _with_helper(demo_store, tmp_path, [*command, *option], LINKCHECK_PASSPHRASE="")
    assert used == "used", proc.stderr
    plain, _ = _with_helper(demo_store, tmp_path, command)
    assert proc.returncode == plain.returncode and proc.returncode in (0, 1, 2)
    assert _now_out(proc.stdout) == _now_out(plain.stdout) and b"Traceback" not in proc.stderr


@here
def test_a_wrong_passphrase_is_still_exit_4_with_the_helper(demo_store, tmp_path):
    env = {"LINKCHECK_PASSPHRASE": "not the passphrase at all"}
    proc, used = _with_helper(demo_store, tmp_path, ["check", "acme-us", "--machine", str(MACHINE)], **env)
    assert used == "used" and proc.returncode == 4 and b"Traceback" not in proc.stderr


# What `linkcheck run` starts: its parent's command line and initial environment (as /proc shows
# them to any process of the user), and its own environment.
REPORT = ("import json, os; p = os.getppid(); print(json.dumps({"
          "'cmdline': open(f'/proc/{p}/cmdline', 'rb').read().decode().split(chr(0))[:-1], "
          "'environ': [e.decode() for e in open(f'/proc/{p}/environ', 'rb').read().split(bytes(1)) if e], "
          "'own': {k: v for k, v in os.environ.items() if k in ('GLIBC_TUNABLES', 'LINKCHECK_PASSPHRASE')}}))")


@here
@pytest.mark.parametrize("tunables", [None, "glibc.malloc.perturb=0"])
def test_run_starts_its_command_with_the_user_s_environment(demo_store, tmp_path, tunables):
    extra = {} if tunables is None else {"GLIBC_TUNABLES": tunables}
    args = ["run", "acme-us", "--machine", str(MACHINE), "--", sys.executable, "-c", REPORT]
    proc, used = _with_helper(demo_store, tmp_path, args, **extra)
    assert proc.returncode == 0 and used == "used", proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["cmdline"][4:] == args  # linkcheck's own command line: nothing added to it
    assert PASSPHRASE not in "".join(seen["cmdline"]) and f"LINKCHECK_PASSPHRASE={PASSPHRASE}" not in seen["environ"]
    assert seen["own"] == extra  # what it starts has the user's environment: no tunable of ours
    assert proc.stderr.startswith(b"GO")


# ----- a passphrase typed at the prompt -------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "audit", None])
def test_a_key_derived_later_goes_through_the_helper_for_a_pre_login_command(monkeypatch, command):
    from linkcheck.crypto import keys

    monkeypatch.setattr(early, "_command", command)
    monkeypatch.setattr(early, "_helper_pays", lambda params: True)
    asked = []
    monkeypatch.setattr(early, "_in_helper", lambda derivation, secret: asked.append(derivation.params) or b"k" * 32)
    params = keys.KdfParams("argon2id", b"sixteen byte salt", 1, 64, 1)
    key = keys.derive_kek(PASSPHRASE, params)
    if command == "check":
        assert key == b"k" * 32 and asked == [("argon2id", b"sixteen byte salt", 1, 64, 1)]
    else:
        assert key == keys._argon2(PASSPHRASE.encode(), params) and asked == []


@pytest.mark.parametrize("failure", [None, OSError("no process"), ValueError("odd")])
def test_a_failing_helper_later_derives_here(monkeypatch, failure):
    from linkcheck.crypto import keys

    def failing(derivation, secret):
        if failure is not None:
            raise failure
        return None

    monkeypatch.setattr(early, "_command", "precheck")
    monkeypatch.setattr(early, "_helper_pays", lambda params: True)
    monkeypatch.setattr(early, "_in_helper", failing)
    params = keys.KdfParams("argon2id", b"sixteen byte salt", 1, 64, 1)
    assert keys.derive_kek(PASSPHRASE, params) == keys._argon2(PASSPHRASE.encode(), params)


@here
def test_a_key_derived_later_by_the_real_helper_is_the_key(monkeypatch):
    from linkcheck.crypto import keys

    monkeypatch.setattr(early, "_command", "run")
    monkeypatch.setattr(early, "HELPER_MIN_MEMORY_KIB", 0)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    used = []
    in_helper = early._in_helper
    monkeypatch.setattr(early, "_in_helper", lambda *args: used.append(in_helper(*args)) or used[-1])
    params = keys.KdfParams("argon2id", b"sixteen byte salt", 2, 256, 2)
    key = keys.derive_kek(PASSPHRASE, params)
    assert used == [key] and key == keys._argon2(PASSPHRASE.encode(), params)


@pytest.mark.parametrize("argv, expected", [
    (["check", "shop-a", "--passphrase-file", "pw.txt"], ("check", None, False)),
    (["--passphrase-file", "check", "precheck", "--email", "a@b.example"], ("precheck", None, False)),
    (["--passphrase-file=run", "--store", "s.db", "audit"], ("audit", "s.db", False)),
    (["--store=s.db", "check", "shop-a"], ("check", "s.db", True)),
    (["check", "--help"], (None, None, False)),
])
def test_the_command_line_as_the_early_start_reads_it(argv, expected):
    assert early.read_command_line(argv, early.COMMANDS) == expected


def test_a_passphrase_file_names_the_command_but_begins_nothing(monkeypatch):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(early, "_command", None)
    assert early.start(["check", "shop-a", "--passphrase-file", "pw.txt"]) is False
    assert early._command == "check" and early._pending is None


def test_start_reads_the_command_even_when_it_begins_nothing(monkeypatch):
    monkeypatch.delenv("LINKCHECK_PASSPHRASE", raising=False)  # a prompt: nothing begun early
    monkeypatch.setattr(early, "_command", None)
    assert early.start(["--lang", "en", "precheck", "--email", "a@b.example"]) is False
    assert early._command == "precheck"


# A command that fails before it opens the store (its machine file missing) while the helper is
# still at work: the helper (a stand-in that would sleep two minutes) is killed as the process
# exits, and reaped, not left behind.
FAILS_EARLY = """\
import os, sys
import linkcheck.early as early
report, sys.argv = sys.argv[1], ["linkcheck", *sys.argv[2:]]
early.HELPER_MIN_MEMORY_KIB = 0
early.HELPER_CODE = "import time; time.sleep(120)"
spawn = os.posix_spawn
def recording(*args, **kwargs):
    pid = spawn(*args, **kwargs)
    with open(report, "w") as out:
        out.write(str(pid))
    return pid
os.posix_spawn = recording
from linkcheck.entry import run
run()
"""


@here
def test_a_command_ending_before_the_key_leaves_no_helper(demo_store, tmp_path):
    report = tmp_path / "helper-pid"
    args = ["check", "acme-us", "--machine", str(tmp_path / "no-such-machine.json")]
    proc = subprocess.run([sys.executable, "-c", FAILS_EARLY, str(report), *args], env=_env(demo_store),
                          capture_output=True, timeout=60, cwd=tmp_path)
    assert proc.returncode not in (0, 1) and b"Traceback" not in proc.stderr
    pid = int(report.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and waited for at exit
