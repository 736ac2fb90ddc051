"""`check` and `precheck`, fourteenth session: less before the answer.

- A check that compares nothing (no other account holds any of the machine's keys: a GO) does
  not import the linkage engine; one that compares does, and says the same as before.
(The fourteenth session's run again with glibc's huge-page tunable gave way to a helper process
for the derivation in the sixteenth: tests/test_gate16.py.)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import PASSPHRASE, PROFILES_DIR
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
    if "GLIBC_TUNABLES" not in extra:
        env.pop("GLIBC_TUNABLES", None)
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
