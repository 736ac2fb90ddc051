"""Time every command of issue 17's table as whole linkcheck processes on synthetic stores,
with each one's peak memory.

    python bench/run.py --sizes 10000,100000   # the issue's two sizes (a quarter of an hour)
    python bench/run.py --sizes 1000,10000     # quicker
    python bench/run.py --sizes 2000 --runs 1 --fast-kdf --json   # the CI smoke test
    python bench/run.py --sizes 100000 --keep /tmp/bench --check-identical /path/to/old/checkout

Rows: `import` (the synthetic files into a new store), `audit --format json` three ways --
with no caches ("cold": the first audit of a store, or the first after a linkcheck upgrade or a
change of rules; it leaves the sieve's verdicts, store/sievecache.py, and the audit cache's
snapshot of the verified accounts, store/auditcache.py, to detached processes), with both
("warm": the repeated audits between two writes, the figure on the audit row) and the first
after a write (one account's note changed, untimed; then a full open, which takes the unchanged
rows' key indexes from the older snapshot and makes it again; the verdicts kept: an audit after
a few accounts changed re-sieves only their blocks) -- and, when the run builds the store,
its first audit right after the import ("audit, first after import": the snapshot the import
left, no verdicts yet; one run) --, `export -o
all.json`, `account list --limit 50` (the first page, what a terminal shows), `report -o
page.html` (and the page's size), `precheck` and `check`. Each store is built with the real
(calibrated) key derivation unless --fast-kdf, so `precheck` and `check` figures include the
passphrase derivation, as the targets require. Time is the median of --runs runs (import: one);
peak is the largest resident size of the command's processes (its own high-water mark, VmHWM,
and that of any child it forked and waited for -- the audit's fuzzy side), the largest over the
runs. Prints a table, the growth ratios between sizes, the targets, the machine and its load
average (this VM is shared: say the load with every figure).

`--keep DIR` keeps each size's store in DIR/N (and reuses it when it is there: the import is
then not re-timed). `--check-identical SRC` also runs `audit --format json` with the linkcheck
package found in the source tree SRC (e.g. an unpacked `git archive` of the commit before a
change) on the same store, and fails unless the two outputs are byte for byte the same.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

PASSPHRASE = "benchmark passphrase, not a secret"
# The rows of issue 17's table, in its order: (key, command shown).
ROWS = (
    ("import", "import"),
    ("audit", "audit --format json"),  # warm: the sieve's verdicts file in place
    ("export", "export -o all.json"),
    ("list", "account list (first 50)"),
    ("report", "report"),
    ("precheck", "precheck"),
    ("check", "check"),
)
TIMED = tuple(key for key, _ in ROWS)
# Issue 17's targets at 100,000 accounts: seconds per command, and memory.
TARGETS = {"import": 12.0, "audit": 3.0, "export": 8.0, "list": 1.5, "report": 3.0, "precheck": 0.6, "check": 0.6,
           "export_peak_mb": 400.0, "peak_mb": 1000.0, "report_page_mb": 3.0}
# Runs linkcheck in-process and writes its peak resident memory (KiB) when it exits: its own
# VmHWM, or that of a child it waited for when larger (ru_maxrss of RUSAGE_CHILDREN).
PEAK_PROBE = """
import atexit, resource, runpy, sys
report = sys.argv.pop(1)
def record():
    with open("/proc/self/status") as status:
        own = int(next(line for line in status if line.startswith("VmHWM")).split()[1])
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(report, "w") as out:
        out.write(str(max(own, children)))
atexit.register(record)
sys.argv[0] = "linkcheck"
runpy.run_module("linkcheck", run_name="__main__", alter_sys=True)
"""
HAVE_PROC = Path("/proc/self/status").exists()


def _run(args: list[str], env: dict, workdir: Path, expect: tuple[int, ...] = (0,),
         stdout=None) -> tuple[float, float, float]:
    """Run one linkcheck command: (wall seconds, CPU seconds of its processes, peak resident MB)."""
    report = workdir / "peak-kib"
    report.unlink(missing_ok=True)
    command = [sys.executable, "-c", PEAK_PROBE, str(report)] if HAVE_PROC else [sys.executable, "-m", "linkcheck"]
    start = time.perf_counter()
    proc = subprocess.Popen([*command, *args], env=env, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in expect:
        raise SystemExit(f"`linkcheck {' '.join(args[:2])}` exited {code}: {stderr.decode()[-500:]}")
    if HAVE_PROC and report.exists():
        peak = int(report.read_text()) / 1024
    else:  # ru_maxrss is in KiB on Linux, in bytes on macOS
        peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    # wait4's usage covers the process and the children it waited for (the audit's fuzzy side)
    return elapsed, usage.ru_utime + usage.ru_stime, peak


def _machine_fixture(path: Path, index: int) -> Path:
    """A machine description that is account `index`'s own laptop on its own network."""
    attrs = synth.profile(index)["attributes"]
    machine = {
        "origin": f"synthetic laptop of store-{index:06d}",
        "hostname": attrs["hostname"][0],
        "machine_id": {"present": False},
        "os": {"name": "Linux", "version": "bench"},
        "cpu": {"model": "bench", "count": 2},
        "memory_bytes": 8 << 30,
        "time_zone": "UTC",
        "locale": "en_US.UTF-8",
        "virtual_machine": None,
        "public_ip": {"address": attrs["ip"][0], "source": "given"},
        "gateway": {"address": "192.168.1.1", "interface": "eth0", "mac": attrs["gateway_mac"][0]},
        "wifi_bssid": None,
        "interfaces": [
            {
                "name": "eth0",
                "up": True,
                "kind": "physical",
                "mac": attrs["mac"][0],
                "mac_flags": [],
                "addresses": [{"address": "192.168.1.20", "family": "ipv4", "scope": "private"}],
            }
        ],
        "warnings": [],
    }
    path.write_text(json.dumps(machine), encoding="utf-8")
    return path


def _timed(figures: dict, key: str, args: list[str], env: dict, workdir: Path, runs: int,
           expect: tuple[int, ...] = (0,)) -> None:
    times, cpus, peaks = [], [], []
    for _ in range(runs):
        seconds, cpu, peak = _run(args, env, workdir, expect)
        times.append(seconds)
        cpus.append(cpu)
        peaks.append(peak)
    figures[key] = round(statistics.median(times), 3)
    figures[f"{key}_cpu"] = round(statistics.median(cpus), 3)
    figures[f"{key}_peak_mb"] = round(max(peaks), 1)


GATE_CACHE_MIN_ACCOUNTS = 2000  # store/gatecache.py MIN_ACCOUNTS: smaller stores get no snapshot


def _wait_for_gate_cache(cache: Path, count: int, since: float, seconds: float = 60.0) -> None:
    """Until the detached writer has put a snapshot written after `since` (time.time() before
    the command that makes it) in place and let go of its lock (or a minute); at once for a
    store too small to get one. Every call follows a write or an emptied cache, so a new
    snapshot is always coming: an older one a kept store holds (`--keep`) is not it."""
    if count < GATE_CACHE_MIN_ACCOUNTS:
        return
    gate = cache / "linkcheck" / "gate"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (gate.is_dir() and not any(gate.glob(".*.lock"))
                and any(_modified(path) >= since - 0.05 for path in gate.glob("*.sealed"))):
            return
        time.sleep(0.1)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # (renamed or removed meanwhile)
        return 0.0


SIEVE_CACHE_MIN_ACCOUNTS = 5000  # below, a store may have too few blocks for the sieve (no file)
AUDIT_CACHE_MIN_ACCOUNTS = 20_000  # store/auditcache.py MIN_ACCOUNTS: smaller stores get no snapshot


def _wait_for_sieve_cache(cache: Path, count: int, seconds: float = 60.0) -> None:
    """Until the verdicts file (store/sievecache.py) is in place and its writer let go of its
    lock (or a minute); at once for a small store, which may get none."""
    if count >= SIEVE_CACHE_MIN_ACCOUNTS:
        _wait_for_file(cache / "linkcheck" / "sieve", seconds)


def _wait_for_audit_cache(cache: Path, count: int, seconds: float = 60.0) -> None:
    """As `_wait_for_gate_cache`, for the audit cache's snapshot (store/auditcache.py), which an
    audit or report writes after its full open."""
    if count > AUDIT_CACHE_MIN_ACCOUNTS:
        _wait_for_file(cache / "linkcheck" / "audit", seconds)


def _wait_for_file(folder: Path, seconds: float) -> None:
    time.sleep(0.3)  # (the detached writer takes its lock a moment after the command's exit)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if folder.is_dir() and any(folder.glob("*.sealed")) and not any(folder.glob(".*.lock")):
            return
        time.sleep(0.1)


def _kdf_cost(store: Path) -> tuple[int, int]:
    """(Argon2id iterations, memory in KiB) of the store's header (clear, no key needed)."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        kdf = json.loads(conn.execute("SELECT kdf FROM header WHERE id = 1").fetchone()[0])
    finally:
        conn.close()
    return int(kdf["iterations"]), int(kdf["memory_kib"])


def _load() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else 0.0


def bench_size(count: int, runs: int, fast_kdf: bool, workdir: Path, identical_src: Path | None = None) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "store.db"
    # The gate cache (store/gatecache.py) in the bench's folder, not the user's cache folder.
    cache = workdir / "cache"
    env = dict(os.environ, LINKCHECK_STORE=str(store), LINKCHECK_PASSPHRASE=PASSPHRASE, XDG_CACHE_HOME=str(cache))
    env.pop("LINKCHECK_TEST_INSECURE_FAST_KDF", None)
    if fast_kdf:
        env["LINKCHECK_TEST_INSECURE_FAST_KDF"] = "1"
    planned = workdir / "planned.json"
    planned.write_text(json.dumps(synth.planned_profile()), encoding="utf-8")
    machine = _machine_fixture(workdir / "machine.json", 5)
    figures: dict = {"accounts": count, "load_before": _load()}
    if not store.exists():
        files = synth.write_files(count, workdir / "input")
        _run(["init"], env, workdir)
        _timed(figures, "import", ["import", *map(str, files)], env, workdir, 1)
        for path in files:
            path.unlink()
        # The first audit of the new store, right after the import (once its detached writer
        # has left the audit cache's snapshot; no sieve verdicts yet): what a user runs first.
        _wait_for_audit_cache(cache, count)
        wall, cpu, peak = _run(["audit", "--format", "json"], env, workdir, (0, 1))
        figures.update(audit_import=round(wall, 3), audit_import_cpu=round(cpu, 3), audit_import_peak_mb=round(peak, 1))
        _wait_for_sieve_cache(cache, count)
        _wait_for_audit_cache(cache, count)
    # The audit with no caches first ("cold": the first audit of a store, or after an upgrade or
    # a rules change; each run removes the sieve's verdicts (store/sievecache.py) and the audit
    # cache's snapshot (store/auditcache.py), then waits for the detached writers to put them
    # back). Then the repeated audits the audit row shows (both in place: the audits a user runs
    # between two writes), and the first audit after a write ("audit, first after a write": one
    # account changed, then the full open, which reuses the older snapshot's key indexes of the
    # rows that did not change and makes it again; the verdicts, true of their texts, kept).
    cold = []
    for _ in range(runs):
        shutil.rmtree(cache / "linkcheck" / "sieve", ignore_errors=True)
        shutil.rmtree(cache / "linkcheck" / "audit", ignore_errors=True)
        cold.append(_run(["audit", "--format", "json"], env, workdir, (0, 1)))
        _wait_for_sieve_cache(cache, count)
        _wait_for_audit_cache(cache, count)
    figures["audit_cold"] = round(statistics.median(t for t, _c, _p in cold), 3)
    figures["audit_cold_cpu"] = round(statistics.median(c for _t, c, _p in cold), 3)
    figures["audit_cold_peak_mb"] = round(max(p for _t, _c, p in cold), 1)
    _timed(figures, "audit", ["audit", "--format", "json"], env, workdir, runs, expect=(0, 1))
    full_audits = []
    for number in range(runs):
        # A write (untimed): one account's note. The snapshot is then of an earlier generation:
        # the audit verifies every row again and takes the unchanged rows' key indexes from it.
        _run(["account", "set", "store-000007", "--note", f"bench write {number + 1}"], env, workdir)
        full_audits.append(_run(["audit", "--format", "json"], env, workdir, (0, 1)))
        _wait_for_audit_cache(cache, count)  # its detached writer done before the next run
    figures["audit_full"] = round(statistics.median(t for t, _c, _p in full_audits), 3)
    figures["audit_full_cpu"] = round(statistics.median(c for _t, c, _p in full_audits), 3)
    figures["audit_full_peak_mb"] = round(max(p for _t, _c, p in full_audits), 1)
    _timed(figures, "export", ["export", "--force", "-o", str(workdir / "all.json")], env, workdir, runs)
    figures["export_mb"] = round((workdir / "all.json").stat().st_size / 1e6, 1)
    (workdir / "all.json").unlink()
    _timed(figures, "list", ["account", "list", "--limit", "50"], env, workdir, max(runs, 3))
    page = workdir / "report.html"
    # Steady state, as for the audit: one report first, which adds every account's first line
    # to the audit cache's snapshot (a report lists every account); the timed reports are those
    # a user runs between two writes.
    _run(["report", "--force", "-o", str(page)], env, workdir)
    _wait_for_audit_cache(cache, count)
    _timed(figures, "report", ["report", "--force", "-o", str(page)], env, workdir, runs)
    figures["report_page_mb"] = round(page.stat().st_size / 1e6, 2)
    # Steady state first: one check takes the full open and leaves the gate cache to a detached
    # process; wait for it, so the timed runs are the checks a user makes between two writes
    # (the first check after a write is the "no gate cache" row below).
    since = time.time()
    _run(["check", "store-000005", "--machine", str(machine)], env, workdir, (0, 1))
    _wait_for_gate_cache(cache, count, since)
    _timed(figures, "precheck", ["precheck", str(planned)], env, workdir, max(runs, 3), expect=(0, 1))
    _timed(figures, "check", ["check", "store-000005", "--machine", str(machine)], env, workdir, max(runs, 3),
           expect=(0, 1))
    # The same check with no gate cache: the full open, as the first check after a write takes it
    # (it then writes the cache, which this figure includes).
    full = []
    for _ in range(max(runs, 3)):
        shutil.rmtree(cache, ignore_errors=True)
        since = time.time()
        full.append(_run(["check", "store-000005", "--machine", str(machine)], env, workdir, (0, 1)))
        # Let its detached writer finish before the next run removes the cache (or the bench
        # removes its folder): a snapshot finished during the next run would be used.
        _wait_for_gate_cache(cache, count, since)
    figures["check_full"] = round(statistics.median(t for t, _c, _p in full), 3)
    figures["check_full_cpu"] = round(statistics.median(c for _t, c, _p in full), 3)
    figures["check_full_peak_mb"] = round(max(p for _t, _c, p in full), 1)
    figures["store_mb"] = round(store.stat().st_size / 1e6, 1)
    # The key derivation the store was given at `init`: its calibration times Argon2id on this
    # machine, so a store made on a busy VM gets fewer iterations, and its `check` and `precheck`
    # figures a cheaper derivation than a quiet machine's (say it beside them).
    figures["kdf_iterations"], figures["kdf_memory_kib"] = _kdf_cost(store)
    figures["peak_mb"] = max(figures[f"{key}_peak_mb"] for key in (*TIMED, "audit_cold", "audit_full", "audit_import", "check_full")
                             if f"{key}_peak_mb" in figures)
    figures["load_after"] = _load()
    if identical_src is not None:
        figures["audit_identical"] = _same_audit(env, workdir, identical_src, count)
    return figures


def _same_audit(env: dict, workdir: Path, source: Path, count: int) -> bool:
    """Whether `audit --format json` writes the same bytes with this linkcheck and with the one in
    `source` -- this one's both with no caches (a full open, every block sieved) and with the
    audit cache's snapshot and the sieve's verdicts it left."""
    outputs = []
    cache = Path(env["XDG_CACHE_HOME"])
    shutil.rmtree(cache / "linkcheck" / "audit", ignore_errors=True)
    shutil.rmtree(cache / "linkcheck" / "sieve", ignore_errors=True)
    for name, extra in (("new", {}), ("old", {"PYTHONPATH": str(source.resolve())}), ("new-snapshot", {})):
        if name == "new-snapshot":
            _wait_for_audit_cache(cache, count)
            _wait_for_sieve_cache(cache, count)
        path = workdir / f"audit-{name}.json"
        with open(path, "wb") as out:
            # Not from the source tree's folder: the interpreter puts the current folder first.
            proc = subprocess.run([sys.executable, "-m", "linkcheck", "audit", "--format", "json"],
                                  env=dict(env, **extra), stdout=out, stderr=subprocess.PIPE, cwd=workdir)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"`linkcheck audit` ({name}) exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
        outputs.append(path.read_bytes())
    return outputs[0] == outputs[1] == outputs[2]


def _growth(results: list[dict]) -> list[dict]:
    growth = []
    for small, big in pairwise(results):
        ratios = {k: round(big[k] / small[k], 2) for k in TIMED if small.get(k) and big.get(k)}
        ratios.update({f"{k}_cpu": round(big[f"{k}_cpu"] / small[f"{k}_cpu"], 2)
                       for k in TIMED if small.get(f"{k}_cpu") and big.get(f"{k}_cpu")})
        ratios.update({f"{k}_peak_mb": round(big[f"{k}_peak_mb"] / small[f"{k}_peak_mb"], 2)
                       for k in TIMED if small.get(f"{k}_peak_mb") and big.get(f"{k}_peak_mb")})
        growth.append({"from": small["accounts"], "to": big["accounts"],
                       "accounts_x": big["accounts"] / small["accounts"], **ratios})
    return growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated account counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per timed command (median)")
    parser.add_argument("--fast-kdf", action="store_true", help="cheap test KDF (smoke tests only; not for figures)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep each size's store in DIR/N, and reuse it when it is there")
    parser.add_argument("--check-identical", type=Path, default=None, metavar="SRC",
                        help="fail unless `audit --format json` of the linkcheck in source tree SRC is the same")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.replace(" ", ",").split(",") if s.strip()]

    results = []
    for count in sizes:
        print(f"building and timing {count:,} accounts…", file=sys.stderr)
        if args.keep is not None:
            results.append(bench_size(count, args.runs, args.fast_kdf, args.keep / str(count), args.check_identical))
        else:
            with tempfile.TemporaryDirectory(prefix="linkcheck-bench-") as tmp:
                results.append(bench_size(count, args.runs, args.fast_kdf, Path(tmp), args.check_identical))

    growth = _growth(results)
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "kdf": "test (insecure, fast)" if args.fast_kdf else "calibrated Argon2id",
    }
    different = [r["accounts"] for r in results if r.get("audit_identical") is False]
    if args.json:
        print(json.dumps({"machine": machine, "results": results, "growth": growth, "targets": TARGETS}, indent=2))
    else:
        _print_table(machine, results, growth)
    if different:
        print(f"audit output DIFFERS from {args.check_identical} at {', '.join(map(str, different))} accounts",
              file=sys.stderr)
        sys.exit(1)


def _print_table(machine: dict, results: list[dict], growth: list[dict]) -> None:
    print(f"machine: {machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, KDF {machine['kdf']}")
    print()
    sizes = [r["accounts"] for r in results]
    head = f"{'command':<26}" + "".join(f"{f'{n:,}: wall (CPU) s, peak':>34}" for n in sizes)
    print(head + f"  {'target at 100,000':>22}")
    for key, label in ROWS:
        cells = []
        for r in results:
            if key in r:
                cells.append(f"{r[key]:>8.2f} ({r[f'{key}_cpu']:>6.2f}) s {r[f'{key}_peak_mb']:>8,.0f} MB")
            else:
                cells.append(f"{'(kept store)':>31}")
        target = f"<= {TARGETS[key]:g} s"
        if key == "export":
            target += f", {TARGETS['export_peak_mb']:g} MB"
        print(f"{label:<26}" + "".join(f"{c:>34}" for c in cells) + f"  {target:>22}")
    if all("audit_cold" in r for r in results):
        cells = [f"{r['audit_cold']:>8.2f} ({r['audit_cold_cpu']:>6.2f}) s {r['audit_cold_peak_mb']:>8,.0f} MB"
                 for r in results]
        print(f"{'audit, no caches':<26}" + "".join(f"{c:>34}" for c in cells))
        print(f"{'':<26}(the audit row: repeated audits, the snapshot and the sieve's verdicts in place; this")
        print(f"{'':<26} row: the first audit of a store, or after an upgrade or a rules change)")
    if all("check_full" in r for r in results):
        cells = [f"{r['check_full']:>8.2f} ({r['check_full_cpu']:>6.2f}) s {r['check_full_peak_mb']:>8,.0f} MB"
                 for r in results]
        print(f"{'check, no gate cache':<26}" + "".join(f"{c:>34}" for c in cells))
    if all("audit_full" in r for r in results):
        cells = [f"{r['audit_full']:>8.2f} ({r['audit_full_cpu']:>6.2f}) s {r['audit_full_peak_mb']:>8,.0f} MB"
                 for r in results]
        print(f"{'audit, first after a write':<26}" + "".join(f"{c:>34}" for c in cells))
    if any("audit_import" in r for r in results):
        cells = [f"{r['audit_import']:>8.2f} ({r['audit_import_cpu']:>6.2f}) s {r['audit_import_peak_mb']:>8,.0f} MB"
                 if "audit_import" in r else f"{'(kept store)':>31}" for r in results]
        print(f"{'audit, first after import':<26}" + "".join(f"{c:>34}" for c in cells))
    print(f"{'peak memory of any':<26}" + "".join(f"{r['peak_mb']:>31,.0f} MB" for r in results)
          + f"  {'<= ' + format(TARGETS['peak_mb'], 'g') + ' MB':>22}")
    print(f"{'report page':<26}" + "".join(f"{r['report_page_mb']:>31.2f} MB" for r in results)
          + f"  {'<= 3 MB':>22}")
    print(f"{'export file':<26}" + "".join(f"{r['export_mb']:>31,.1f} MB" for r in results))
    print(f"{'store file':<26}" + "".join(f"{r['store_mb']:>31,.1f} MB" for r in results))
    print(f"{'key derivation (init)':<26}" + "".join(
        format(f"{r['kdf_iterations']} iterations, {r['kdf_memory_kib'] / 1024:g} MiB", ">34") for r in results))
    print(f"{'load average before/after':<26}" + "".join(f"{r['load_before']:>26.1f} / {r['load_after']:<4.1f}"
                                                         for r in results))
    if any("audit_identical" in r for r in results):
        print(f"{'audit JSON identical':<26}" + "".join(
            f"{('yes' if r.get('audit_identical') else 'NO'):>34}" for r in results))
    if growth:
        print()
        print("growth (time ratio when accounts grow by the given factor; linear = the factor)")
        for g in growth:
            parts = [f"{label} x{g[key]} (CPU x{g[key + '_cpu']})" for key, label in ROWS if key in g]
            print(f"  {g['from']:,} -> {g['to']:,} (x{g['accounts_x']:.0f}): " + ", ".join(parts))


if __name__ == "__main__":
    main()
