"""The passphrase stays out of reach: of the command `run` starts, and of the test-only KDF switch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import linkcheck
from linkcheck import crypto
from linkcheck.store import Store, read_info

from conftest import PASSPHRASE

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
NEW_PASSPHRASE = "a different passphrase, long enough"

# COMMAND for `run`: copies its parent's (linkcheck's) environment block, as /proc shows it to
# any process of the same user, and its own environment, into files.
SNOOP = (
    "import os, pathlib, sys; "
    "pathlib.Path(sys.argv[1]).write_bytes(pathlib.Path(f'/proc/{os.getppid()}/environ').read_bytes()); "
    "pathlib.Path(sys.argv[2]).write_bytes(pathlib.Path('/proc/self/environ').read_bytes())"
)


def _linkcheck(*args, env: dict) -> subprocess.CompletedProcess:
    """linkcheck as its own process, from the same source tree as the tests import."""
    source = str(Path(linkcheck.__file__).resolve().parent.parent)
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *map(str, args)],
        env={**os.environ, "PYTHONPATH": source, **env}, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/PID/environ is Linux's")
@pytest.mark.parametrize("variable", ["LINKCHECK_PASSPHRASE", "LINKCHECK_NEW_PASSPHRASE"])
def test_the_command_run_starts_cannot_read_the_passphrase_from_its_parent(cli, store, tmp_path, variable):
    assert cli("account", "add", "shop-a").exit_code == 0
    parent, own = tmp_path / "parent-environ", tmp_path / "own-environ"
    secret = NEW_PASSPHRASE if variable == "LINKCHECK_NEW_PASSPHRASE" else PASSPHRASE
    env = {"LINKCHECK_PASSPHRASE": PASSPHRASE, variable: secret}
    result = _linkcheck(
        "run", "shop-a", "--machine", MACHINES / "laptop-a.json", "--", sys.executable, "-c", SNOOP, parent, own,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("GO (public IP not checked): ")
    parent_env, own_env = parent.read_bytes(), own.read_bytes()
    assert b"LINKCHECK_STORE=" in parent_env  # it did read linkcheck's environment block
    assert secret.encode() not in parent_env and secret.encode() not in own_env
    assert PASSPHRASE.encode() not in parent_env and PASSPHRASE.encode() not in own_env
    assert f"{variable}=".encode() not in own_env


def test_the_test_kdf_switch_never_weakens_an_existing_store_on_passwd(cli, store_path, monkeypatch):
    strong = crypto.KdfParams("argon2id", os.urandom(16), iterations=3, memory_kib=2048, lanes=2)
    with monkeypatch.context() as mp:  # a store made without the switch (cheaper than calibrating)
        mp.setattr(crypto, "calibrate_kdf", lambda: crypto.KdfParams(**{**strong.__dict__, "salt": os.urandom(16)}))
        assert cli("init").exit_code == 0
    assert os.environ["LINKCHECK_TEST_INSECURE_FAST_KDF"] == "1"
    result = cli("passwd", env={"LINKCHECK_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert result.exit_code == 0, result.output
    kdf = read_info(store_path).kdf
    assert (kdf["iterations"], kdf["memory_kib"], kdf["lanes"]) == (3, 2048, 2)
    with Store.open(store_path, NEW_PASSPHRASE) as st:
        assert st.count_accounts() == 0


def test_passwd_on_a_store_made_with_the_switch_keeps_working(cli, store, store_path):
    result = cli("passwd", env={"LINKCHECK_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert result.exit_code == 0, result.output
    assert cli("account", "list", passphrase=NEW_PASSPHRASE).exit_code == 0
    assert cli("account", "list").exit_code == 4


def test_kdf_at_least_takes_the_larger_cost_of_each_parameter():
    weak = crypto.KdfParams("argon2id", b"s" * 16, iterations=1, memory_kib=64, lanes=1)
    strong = crypto.KdfParams("argon2id", b"t" * 16, iterations=4, memory_kib=65536, lanes=4)
    raised = weak.at_least(strong)
    assert (raised.salt, raised.iterations, raised.memory_kib, raised.lanes) == (b"s" * 16, 4, 65536, 4)
    assert strong.at_least(weak) == strong
    raised.check_bounds()
