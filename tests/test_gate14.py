"""`check` and `precheck`, fourteenth session: less before the answer.

- A check that compares nothing (no other account holds any of the machine's keys: a GO) does
  not import the linkage engine; one that compares does, and says the same as before.
- Run as the console script or `python -m linkcheck`, a pre-login command runs itself again at
  once with glibc's huge-page tunable set (linkcheck.entry): the same command line (nothing
  secret added), the same output, once, and what it starts gets the user's own environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types

import pytest

from conftest import PASSPHRASE, PROFILES_DIR
from linkcheck import entry
# `linkcheck ARGS` in a fresh interpreter (the command line's own `run`, no run again); the
# loaded modules and the exit code written to the file named first.
from test_startup import RUNNER as MODULES

MACHINE = PROFILES_DIR.parent / "capture" / "fixtures" / "demo-machine.json"


def _now_out(text):
    """The output with its times of checking (now) masked."""
    if isinstance(text, str):
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "(now)", text)
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"(now)", text)


def _env(store, **extra):
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE, LINKCHECK_STORE=str(store), **extra)
    for name in ("GLIBC_TUNABLES", entry._AGAIN):
        if name not in extra:
            env.pop(name, None)
    return env


def _modules(tmp_path, store, *args):
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", MODULES, str(out), *args], env=_env(store), capture_output=True,
                          text=True, timeout=180)
    data = json.loads(out.read_text())
    return data["code"], set(data["modules"]), proc


# ----- the linkage engine at the first comparison -----------------------------------------------------


def test_a_check_that_compares_nothing_does_not_import_the_engine(tmp_path, demo_store, cli):
    code, modules, proc = _modules(tmp_path, demo_store, "check", "acme-us", "--machine", str(MACHINE))
    assert code == 0, proc.stderr
    assert proc.stdout.startswith("GO") and proc.stdout == cli("check", "acme-us", "--machine", str(MACHINE)).stdout
    assert "linkcheck.gate" in modules
    assert not [m for m in modules if m.startswith(("linkcheck.linkage.engine", "linkcheck.linkage.graph",
                                                    "linkcheck.linkage.sieve", "rapidfuzz"))]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_check_that_compares_imports_it_and_says_what_it_said(tmp_path, demo_store, cli, fmt):
    args = ("check", "brightway-uk", "--machine", str(MACHINE), "--format", fmt)
    code, modules, proc = _modules(tmp_path, demo_store, *args)
    expected = cli(*args)
    assert code == expected.exit_code == 1, proc.stderr
    assert "linkcheck.linkage.engine" in modules
    assert _now_out(proc.stdout) == _now_out(expected.stdout) and proc.stderr == expected.stderr
    if fmt == "json":
        assert json.loads(proc.stdout)["conflicts"]


def test_the_gate_s_taint_statuses_are_the_graph_s():
    from linkcheck import gate
    from linkcheck.linkage import graph

    assert gate.TAINT_STATUSES == graph.TAINT_STATUSES


def test_the_engine_stand_in_becomes_the_module_at_first_use():
    from linkcheck import gate
    from linkcheck.linkage import engine

    assert gate.engine.pairs_to_json(()) == engine.pairs_to_json(())
    assert gate.engine is engine


# ----- huge pages: the command line run again -----------------------------------------------------------


@pytest.fixture
def console(monkeypatch, tmp_path):
    """This process made to look like `linkcheck ARGS` run by the console script, on a system
    where the tunable helps; returns a function setting ARGS (the store: a file in tmp_path)."""
    store = tmp_path / "store.db"
    store.write_bytes(b"not read here")
    script = tmp_path / "linkcheck"
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__spec__=None, __file__=str(script)))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(entry, "_glibc_with_tunable", lambda: True)
    monkeypatch.setattr(entry, "_thp_on_request", lambda: True)
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("LINKCHECK_STORE", str(store))
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    monkeypatch.delenv(entry._AGAIN, raising=False)

    def command_line(*args: str, head=("/usr/bin/python3", str(script))) -> list[str]:
        monkeypatch.setattr(sys, "orig_argv", [*head, *args])
        return list(args)

    return command_line


def test_a_pre_login_command_runs_again(console, tmp_path):
    for args in (("check", "acme-us"), ("precheck", "--email", "a@b.example"), ("run", "acme-us", "--", "true"),
                 ("--lang", "en", "check", "acme-us", "--store", str(tmp_path / "store.db"))):
        assert entry._wants_huge_pages(console(*args)), args


def test_python_m_linkcheck_runs_again(console, monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__spec__=types.SimpleNamespace(
        name="linkcheck.__main__")))
    assert entry._wants_huge_pages(console("check", "acme-us", head=("python3", "-m", "linkcheck")))
    # A program running the module as its main (bench/run.py's memory probe): run again whole.
    assert entry._wants_huge_pages(console("check", "acme-us", head=("python3", "-c", "runpy...", "peak-file")))
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__spec__=types.SimpleNamespace(
        name="other.__main__")))
    assert not entry._wants_huge_pages(console("check", "acme-us", head=("python3", "-m", "other")))


def test_what_does_not_run_again(console, monkeypatch, tmp_path):
    assert not entry._wants_huge_pages(console("audit"))  # not a pre-login command
    assert not entry._wants_huge_pages(console("account", "list"))
    assert not entry._wants_huge_pages(console("check", "acme-us", "--help"))
    assert not entry._wants_huge_pages(console("check", "acme-us", "--passphrase-file", "pw"))
    assert not entry._wants_huge_pages(console("check", "acme-us", "--store", "postgresql://db/x"))
    assert not entry._wants_huge_pages(console("check", "acme-us", "--store", str(tmp_path / "none.db")))
    assert not entry._wants_huge_pages(console("check", "acme-us", "--store", str(tmp_path)))  # a folder
    # Code given with -c that calls the entry point: not run again (its own code would run twice).
    args = console("check", "acme-us", head=("python3", "-c", "from linkcheck.entry import run; run()"))
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__spec__=None))
    assert not entry._wants_huge_pages(args)
    monkeypatch.setitem(sys.modules, "__main__", types.SimpleNamespace(__spec__=None,
                                                                       __file__=str(tmp_path / "linkcheck")))
    # A script that is not the one the interpreter ran; a command line that is not these arguments.
    assert not entry._wants_huge_pages(console("check", "acme-us", head=("python3", str(tmp_path / "other"))))
    monkeypatch.setattr(sys, "orig_argv", ["python3", str(tmp_path / "linkcheck"), "check", "other"])
    assert not entry._wants_huge_pages(["check", "acme-us"])
    args = console("check", "acme-us")
    assert entry._wants_huge_pages(args)
    monkeypatch.setenv(entry._AGAIN, "-")  # already run again
    assert not entry._wants_huge_pages(args)
    monkeypatch.delenv(entry._AGAIN)
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0")  # the user's own choice
    assert not entry._wants_huge_pages(args)
    monkeypatch.delenv("GLIBC_TUNABLES")
    monkeypatch.delenv("LINKCHECK_PASSPHRASE")  # a prompt: no early derivation
    assert not entry._wants_huge_pages(args)
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not entry._wants_huge_pages(args)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(entry, "_thp_on_request", lambda: False)
    assert not entry._wants_huge_pages(args)


def test_the_environment_is_given_back(monkeypatch):
    monkeypatch.setenv(entry._AGAIN, "=glibc.malloc.perturb=0")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.perturb=0:" + entry.HUGE_PAGES)
    entry._restore_environment()
    assert os.environ["GLIBC_TUNABLES"] == "glibc.malloc.perturb=0" and entry._AGAIN not in os.environ
    monkeypatch.setenv(entry._AGAIN, "-")
    monkeypatch.setenv("GLIBC_TUNABLES", entry.HUGE_PAGES)
    entry._restore_environment()
    assert "GLIBC_TUNABLES" not in os.environ and entry._AGAIN not in os.environ


def test_glibc_and_thp_are_read_without_failing():
    assert entry._glibc_with_tunable() in (True, False)
    assert entry._thp_on_request() in (True, False)


here = pytest.mark.skipif(not (sys.platform.startswith("linux") and entry._glibc_with_tunable()
                               and entry._thp_on_request()),
                          reason="huge pages on request: Linux, glibc 2.35 or later, THP in madvise mode")

# What `linkcheck run` starts: its parent's command line and initial environment (as /proc shows
# them to any process of the user), and its own environment.
REPORT = ("import json, os; p = os.getppid(); print(json.dumps({"
          "'cmdline': open(f'/proc/{p}/cmdline', 'rb').read().decode().split(chr(0))[:-1], "
          "'environ': [e.decode() for e in open(f'/proc/{p}/environ', 'rb').read().split(bytes(1)) if e], "
          "'own': {k: v for k, v in os.environ.items() if k in ('GLIBC_TUNABLES', 'LINKCHECK_PASSPHRASE', "
          "'_LINKCHECK_HUGE_PAGES')}}))")


@here
@pytest.mark.parametrize("tunables", [None, "glibc.malloc.perturb=0"])
@pytest.mark.parametrize("how", ["module", "console"])
def test_run_runs_again_once_with_the_same_command_line(demo_store, tmp_path, tunables, how):
    extra = {} if tunables is None else {"GLIBC_TUNABLES": tunables}
    script = os.path.join(os.path.dirname(sys.executable), "linkcheck")
    if how == "console" and not os.path.exists(script):
        pytest.skip("no console script beside this interpreter")
    head = [sys.executable, "-m", "linkcheck"] if how == "module" else [sys.executable, script]
    args = ["run", "acme-us", "--machine", str(MACHINE), "--", sys.executable, "-c", REPORT]
    proc = subprocess.run([*head, *args], env=_env(demo_store, **extra), capture_output=True, text=True,
                          timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["cmdline"] == [*head, *args]  # the user's command line, nothing added
    assert PASSPHRASE not in "".join(seen["cmdline"]) and f"LINKCHECK_PASSPHRASE={PASSPHRASE}" not in seen["environ"]
    mark = "-" if tunables is None else "=" + tunables
    assert f"{entry._AGAIN}={mark}" in seen["environ"]  # run again, by this
    assert seen["own"] == extra  # what it starts has the user's environment
    assert proc.stderr.startswith("GO")


@here
def test_a_program_calling_the_entry_point_is_not_run_again(demo_store, tmp_path):
    code = "import sys; sys.argv[0] = 'linkcheck'; from linkcheck.entry import run; run()"
    args = ["run", "acme-us", "--machine", str(MACHINE), "--", sys.executable, "-c", REPORT]
    proc = subprocess.run([sys.executable, "-c", code, *args], env=_env(demo_store), capture_output=True, text=True,
                          timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not [e for e in json.loads(proc.stdout)["environ"] if e.startswith((entry._AGAIN, "GLIBC_TUNABLES"))]


@here
@pytest.mark.parametrize("command", [
    ("check", "acme-us", "--machine", str(MACHINE)),
    ("check", "brightway-uk", "--machine", str(MACHINE)),
    ("check", "brightway-uk", "--machine", str(MACHINE), "--format", "json"),
    ("check", "no-such-account", "--machine", str(MACHINE)),
    ("precheck", "--email", "ops@acme-trading.example", "--phone", "+86 138 0013 8000"),
    ("precheck", "--email", "ops@acme-trading.example", "--format", "json"),
])
def test_the_answer_is_the_same_run_again_or_not(demo_store, tmp_path, command):
    outputs = []
    for tunables in (None, "glibc.malloc.hugetlb=0"):  # run again; the user's own tunable: not
        extra = {} if tunables is None else {"GLIBC_TUNABLES": tunables}
        proc = subprocess.run([sys.executable, "-m", "linkcheck", *command], env=_env(demo_store, **extra),
                              capture_output=True, timeout=180, cwd=tmp_path)
        outputs.append((proc.returncode, proc.stdout.replace(b"\r", b""), proc.stderr))
    assert outputs[0][0] in (0, 1, 2)
    assert [(c, _now_out(o), e) for c, o, e in outputs[:1]] == [(c, _now_out(o), e) for c, o, e in outputs[1:]]


@here
def test_a_wrong_passphrase_is_still_exit_4_run_again(demo_store, tmp_path):
    env = _env(demo_store)
    env["LINKCHECK_PASSPHRASE"] = "not the passphrase at all"
    proc = subprocess.run([sys.executable, "-m", "linkcheck", "check", "acme-us", "--machine", str(MACHINE)], env=env,
                          capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert proc.returncode == 4 and "Traceback" not in proc.stderr


@here
def test_bench_s_memory_probe_runs_the_command_as_a_user_does(demo_store, tmp_path):
    # bench/run.py times `check` through a probe that runs the module `linkcheck` as __main__:
    # it is run again whole, so the bench times what a user's console script does.
    sys.path.insert(0, str(PROFILES_DIR.parent.parent / "bench"))
    try:
        import run as bench_run
    finally:
        sys.path.pop(0)
    peak = tmp_path / "peak-kib"
    args = ["run", "acme-us", "--machine", str(MACHINE), "--", sys.executable, "-c", REPORT]
    proc = subprocess.run([sys.executable, "-c", bench_run.PEAK_PROBE, str(peak), *args], env=_env(demo_store),
                          capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"{entry._AGAIN}=-" in json.loads(proc.stdout)["environ"]
    assert int(peak.read_text()) > 0
