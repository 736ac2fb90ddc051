"""The export -> new store -> import round trip, timed, with each command's peak memory.

    python bench/roundtrip.py                      # 100,000 accounts (several minutes)
    python bench/roundtrip.py --accounts 2000 --fast-kdf   # a quick check

Builds a store of N synthetic accounts (bench/synth.py, imported with `linkcheck import`),
exports it to JSON, imports that file into a fresh store, exports the fresh store again and
checks the two exports are byte-for-byte identical. Prints the wall time and the peak resident
memory of each `linkcheck` process. Exits 1 if the round trip is not exact.

Peak memory is the process's own VmHWM (Linux /proc, read as it exits), because the ru_maxrss
that getrusage reports for a child starts from its parent's peak (fork copies it, exec keeps
it); elsewhere it falls back to ru_maxrss from os.wait4, and the synthetic files are written by
a separate process so that this one stays small either way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


PASSPHRASE = "benchmark passphrase, not a secret"
MEMORY_TARGET_MB = 500
# Runs linkcheck in-process and writes its own peak resident memory (KiB) when it exits.
PEAK_PROBE = """
import atexit, runpy, sys
report = sys.argv.pop(1)
def record():
    with open("/proc/self/status") as status, open(report, "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM")).split()[1])
atexit.register(record)
sys.argv[0] = "linkcheck"
runpy.run_module("linkcheck", run_name="__main__", alter_sys=True)
"""
HAVE_PROC = Path("/proc/self/status").exists()


def _linkcheck(args: list[str], env: dict, workdir: Path) -> dict:
    """Run one linkcheck command; its wall time (s) and peak RSS (MB)."""
    report = workdir / "peak-kib"
    report.unlink(missing_ok=True)
    command = [sys.executable, "-c", PEAK_PROBE, str(report)] if HAVE_PROC else [sys.executable, "-m", "linkcheck"]
    start = time.perf_counter()
    proc = subprocess.Popen([*command, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"`linkcheck {' '.join(args[:2])}` exited {proc.returncode}: {stderr.decode()[-500:]}")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    if HAVE_PROC:
        rss = int(report.read_text()) / 1024
    else:
        rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return {"seconds": round(elapsed, 2), "peak_mb": round(rss, 1)}


def roundtrip(count: int, fast_kdf: bool, workdir: Path) -> dict:
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    env.pop("LINKCHECK_TEST_INSECURE_FAST_KDF", None)
    if fast_kdf:
        env["LINKCHECK_TEST_INSECURE_FAST_KDF"] = "1"
    first = dict(env, LINKCHECK_STORE=str(workdir / "first.db"))
    second = dict(env, LINKCHECK_STORE=str(workdir / "second.db"))
    subprocess.run(
        [sys.executable, "-c", "import sys, synth; from pathlib import Path; "
         "synth.write_files(int(sys.argv[1]), Path(sys.argv[2]))", str(count), str(workdir / "input")],
        cwd=Path(__file__).resolve().parent, check=True,
    )
    files = sorted((workdir / "input").glob("*.json"))
    _linkcheck(["init"], first, workdir)
    build = _linkcheck(["import", *map(str, files)], first, workdir)
    for path in files:
        path.unlink()
    exported = workdir / "all.json"
    export = _linkcheck(["export", "-o", str(exported)], first, workdir)
    _linkcheck(["init"], second, workdir)
    imported = _linkcheck(["import", str(exported)], second, workdir)
    again = workdir / "again.json"
    _linkcheck(["export", "-o", str(again)], second, workdir)
    identical = _same_bytes(exported, again)
    return {
        "accounts": count,
        "export_mib": round(exported.stat().st_size / (1024 * 1024), 1),
        "build_import": build,
        "export": export,
        "import": imported,
        "identical": identical,
    }


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--fast-kdf", action="store_true", help="cheap test KDF (quick checks only; not for figures)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of lines")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="linkcheck-roundtrip-") as tmp:
        print(f"building a store of {args.accounts:,} accounts, then the round trip…", file=sys.stderr)
        result = roundtrip(args.accounts, args.fast_kdf, Path(tmp))
    result["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "kdf": "test (insecure, fast)" if args.fast_kdf else "calibrated Argon2id",
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        m = result["machine"]
        print(f"machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}, KDF {m['kdf']}")
        print(f"accounts: {result['accounts']:,}; export file {result['export_mib']} MiB")
        r = result["build_import"]
        print(f"  (building: import of the synthetic files {r['seconds']:.1f} s, peak {r['peak_mb']:.1f} MB)")
        for step in ("export", "import"):
            r = result[step]
            print(f"  {step:<7} {r['seconds']:>8.1f} s   peak {r['peak_mb']:>7.1f} MB   (target < {MEMORY_TARGET_MB} MB)")
        print(f"  re-export identical to the first export: {'yes' if result['identical'] else 'NO'}")
    if not result["identical"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
