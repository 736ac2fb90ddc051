"""Time `linkcheck report` as a whole process on a synthetic store, and the page alone.

    python bench/report.py                      # 10,000 accounts, 3 runs (median)
    python bench/report.py --accounts 1000 --runs 1

The store uses the cheap test key derivation (the passphrase derivation is not what this
measures). "page" is build_report alone (template and JSON) over the store's audit, in-process,
after a first build that pays for importing Jinja2 and compiling the template.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

PASSPHRASE = "benchmark passphrase, not a secret"


def _timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "linkcheck", *args], env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"`linkcheck {args[0]}` exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per timed command (median)")
    args = parser.parse_args()

    from linkcheck.models import Level
    from linkcheck.report import build_report
    from linkcheck.linkage.rules import load_rules
    from linkcheck.store import Store
    from linkcheck.usecases.audit import AuditOptions, audit_store

    with tempfile.TemporaryDirectory(prefix="linkcheck-bench-report-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, LINKCHECK_STORE=str(work / "store.db"), LINKCHECK_PASSPHRASE=PASSPHRASE,
                   LINKCHECK_TEST_INSECURE_FAST_KDF="1")
        files = synth.write_files(args.accounts, work / "input")
        _timed(["init"], env)
        _timed(["import", *map(str, files)], env)
        out = str(work / "report.html")
        report = statistics.median(_timed(["report", "-o", out], env) for _ in range(args.runs))
        audit = statistics.median(_timed(["audit", "--format", "json"], env) for _ in range(args.runs))

        os.environ["LINKCHECK_TEST_INSECURE_FAST_KDF"] = "1"
        options = AuditOptions(load_rules(None), Level.LOW, every_account=True)
        found = audit_store(functools.partial(Store.open, work / "store.db", PASSPHRASE), options)
        build = functools.partial(build_report, found.audit, found.accounts, min_level=Level.LOW, generated_at=0)
        first = time.perf_counter()
        build()
        first = time.perf_counter() - first
        pages = []
        for _ in range(args.runs):
            start = time.perf_counter()
            build()
            pages.append(time.perf_counter() - start)
        size = (work / "report.html").stat().st_size

    print(f"{args.accounts:,} accounts, median of {args.runs} run(s), {os.cpu_count()} CPUs")
    print(f"  linkcheck report      {report:6.2f} s   ({size / 1e6:.1f} MB page)")
    print(f"  linkcheck audit       {audit:6.2f} s   (the same audit, for comparison)")
    print(f"  page, first build     {first:6.2f} s   (imports Jinja2, compiles the template)")
    print(f"  page, later builds    {statistics.median(pages):6.2f} s")


if __name__ == "__main__":
    main()
