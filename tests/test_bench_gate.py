"""bench/gate.py runs end to end on a small synthetic store: the timeline's milestones come in the
order a check takes them, and the A/B mode reports every command for every tree (not its timings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import run as bench_run  # noqa: E402
import synth  # noqa: E402


def _bench_store(folder: Path) -> dict:
    env = dict(os.environ, LINKCHECK_STORE=str(folder / "store.db"), LINKCHECK_PASSPHRASE=bench_run.PASSPHRASE,
               LINKCHECK_TEST_INSECURE_FAST_KDF="1", XDG_CACHE_HOME=str(folder / "cache"))
    files = synth.write_files(30, folder / "input")
    for args in (["init"], ["import", *map(str, files)]):
        done = subprocess.run([sys.executable, "-m", "linkcheck", *args], env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
    bench_run._machine_fixture(folder / "machine.json", 5)
    (folder / "planned.json").write_text(json.dumps(synth.planned_profile()), encoding="utf-8")
    return env


def _gate(*args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCH / "gate.py"), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_timeline_shows_the_derivation_beside_the_command_and_the_machine_read_before_the_key(tmp_path):
    _bench_store(tmp_path)
    out = _gate("timeline", str(tmp_path), "check")
    lines = out.splitlines()
    order = [label for label in (
        "the derivation begins (its thread)", "the command's module imported", "this machine read",
        "store opened as far as it goes without the key: waits", "printed", "the process is gone")
        if any(label in line for line in lines)]
    assert len(order) == 6 and "unlocked: the master key unwrapped" in out, out
    positions = [next(i for i, line in enumerate(lines) if label in line) for label in order]
    assert positions == sorted(positions), out  # milestones print in time order
    assert "waited" in out and "exit code 0" in out


def test_ab_reports_each_command_for_each_tree(tmp_path):
    _bench_store(tmp_path)
    out = _gate("ab", str(tmp_path), "--tree", str(BENCH.parent), "--runs", "1", "--commands", "check,precheck",
                "--modes", "console,probe")
    rows = [line for line in out.splitlines() if " wall " in line]
    assert len(rows) == 4, out
    assert {row.split()[0] for row in rows} == {"check", "precheck"}
    assert all("CPU" in row and str(BENCH.parent) in row for row in rows)


def test_ab_keyed_runs_without_the_derivation_and_writes_no_key(tmp_path):
    _bench_store(tmp_path)
    before = {p for p in tmp_path.rglob("*")}
    out = _gate("ab", str(tmp_path), "--tree", str(BENCH.parent), "--runs", "1", "--commands", "check,precheck",
                "--modes", "keyed")
    rows = [line for line in out.splitlines() if " wall " in line]
    assert len(rows) == 2 and all(" keyed " in row for row in rows), out
    # The key went through a pipe: nothing new in the store's folder but the caches.
    assert all("cache" in p.parts for p in set(tmp_path.rglob("*")) - before)


def test_the_gil_check_runs_the_loop_beside_the_derivation():
    out = _gate("gil", "--iterations", "1", "--trials", "1")
    assert out.startswith("loop alone ") and "beside the derivation it ends at" in out and "load" in out


def test_the_bench_waits_for_the_gate_snapshot_its_check_makes_not_an_older_one(tmp_path):
    """A kept store's folder holds the snapshot of an earlier generation: the wait before the
    timed prechecks goes on until the check's detached writer has put the new one in place (an
    older bench took the old file for it, and timed prechecks that took the full open)."""
    import threading
    import time

    gate = tmp_path / "linkcheck" / "gate"
    gate.mkdir(parents=True)
    old = gate / "old.sealed"
    old.write_bytes(b"older generation")
    os.utime(old, (time.time() - 600, time.time() - 600))
    since = time.time()
    new = gate / "new.sealed"

    def writer() -> None:
        time.sleep(0.3)
        lock = gate / ".new.lock"
        lock.write_bytes(b"")
        (gate / "new.tmp").write_bytes(b"this generation")
        os.replace(gate / "new.tmp", new)
        lock.unlink()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        bench_run._wait_for_gate_cache(tmp_path, bench_run.GATE_CACHE_MIN_ACCOUNTS, since, seconds=30)
        assert new.exists()
    finally:
        thread.join()


def test_the_bench_does_not_wait_for_a_gate_snapshot_a_small_store_never_gets(tmp_path):
    import time

    started = time.monotonic()
    bench_run._wait_for_gate_cache(tmp_path, bench_run.GATE_CACHE_MIN_ACCOUNTS - 1, time.time(), seconds=30)
    assert time.monotonic() - started < 5
