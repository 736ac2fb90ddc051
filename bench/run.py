"""Time linkcheck as whole processes on synthetic stores: import, audit, precheck, check.

    python bench/run.py                        # 1,000 / 10,000 / 100,000 accounts (several minutes)
    python bench/run.py --sizes 1000,10000     # quicker
    python bench/run.py --sizes 2000 --runs 1 --fast-kdf --json   # the CI smoke test

Each store is built with the real (calibrated) key derivation unless --fast-kdf, so `precheck`
and `check` figures include the passphrase derivation, as the targets require. Prints a table,
the growth ratios between sizes, and the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
TARGETS = {"import": 60.0, "audit": 10.0, "precheck": 1.5, "check": 1.5}


def _linkcheck(args: list[str], env: dict, expect: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "linkcheck", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in expect:
        raise SystemExit(f"`linkcheck {' '.join(args[:2])}` exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed


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


def bench_size(count: int, runs: int, fast_kdf: bool, workdir: Path) -> dict:
    env = dict(os.environ, LINKCHECK_STORE=str(workdir / "store.db"), LINKCHECK_PASSPHRASE=PASSPHRASE)
    env.pop("LINKCHECK_TEST_INSECURE_FAST_KDF", None)
    if fast_kdf:
        env["LINKCHECK_TEST_INSECURE_FAST_KDF"] = "1"
    files = synth.write_files(count, workdir / "input")
    planned = workdir / "planned.json"
    planned.write_text(json.dumps(synth.planned_profile()), encoding="utf-8")
    machine = _machine_fixture(workdir / "machine.json", 5)

    _linkcheck(["init"], env)
    figures = {"accounts": count}
    figures["import"] = _linkcheck(["import", *map(str, files)], env)
    figures["audit"] = statistics.median(
        _linkcheck(["audit", "--format", "json"], env, expect=(0, 1)) for _ in range(runs)
    )
    figures["precheck"] = statistics.median(
        _linkcheck(["precheck", str(planned)], env, expect=(0, 1)) for _ in range(max(runs, 3))
    )
    figures["check"] = statistics.median(
        _linkcheck(["check", "store-000005", "--machine", str(machine)], env, expect=(0, 1))
        for _ in range(max(runs, 3))
    )
    figures["store_mb"] = round((workdir / "store.db").stat().st_size / 1e6, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated account counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per timed command (median)")
    parser.add_argument("--fast-kdf", action="store_true", help="cheap test KDF (smoke tests only; not for figures)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    results = []
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="linkcheck-bench-") as tmp:
            print(f"building and timing {count:,} accounts…", file=sys.stderr)
            results.append(bench_size(count, args.runs, args.fast_kdf, Path(tmp)))

    growth = []
    for small, big in pairwise(results):
        ratio = big["accounts"] / small["accounts"]
        growth.append(
            {
                "from": small["accounts"],
                "to": big["accounts"],
                "accounts_x": ratio,
                **{k: round(big[k] / small[k], 2) for k in ("import", "audit", "precheck", "check")},
            }
        )
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "kdf": "test (insecure, fast)" if args.fast_kdf else "calibrated Argon2id",
    }
    if args.json:
        print(json.dumps({"machine": machine, "results": results, "growth": growth, "targets": TARGETS}, indent=2))
        return
    print(f"machine: {machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, KDF {machine['kdf']}")
    print()
    print(f"{'accounts':>9}  {'import s':>9}  {'audit s':>8}  {'precheck s':>10}  {'check s':>8}  {'store MB':>8}")
    for r in results:
        print(
            f"{r['accounts']:>9,}  {r['import']:>9.2f}  {r['audit']:>8.2f}  {r['precheck']:>10.2f}  "
            f"{r['check']:>8.2f}  {r['store_mb']:>8.1f}"
        )
    print(f"{'target':>9}  {'<60':>9}  {'<10':>8}  {'<1.5':>10}  {'<1.5':>8}   (at 100,000 accounts)")
    if growth:
        print()
        print("growth (time ratio when accounts grow by the given factor; linear = the factor)")
        for g in growth:
            print(
                f"  {g['from']:,} -> {g['to']:,} (x{g['accounts_x']:.0f}): import x{g['import']}, "
                f"audit x{g['audit']}, precheck x{g['precheck']}, check x{g['check']}"
            )


if __name__ == "__main__":
    main()
