"""Time `linkcheck report` as a whole process on a synthetic store, and the page alone.

    python bench/report.py                      # 10,000 accounts, 3 runs (median)
    python bench/report.py --accounts 1000 --runs 1
    python bench/report.py --accounts 100000 --runs 1 --keep /tmp/store-100k   # build once, reuse after

`--keep DIR` keeps the synthetic store in DIR and reuses it when it is already there (building
100,000 accounts takes minutes). "peak" is the report process's peak resident memory (its own
rusage, from os.wait4). `account list` is timed the same way, as JSON (every account).

"open in Chromium" is how long headless Chromium takes to load the page and run its scripts to
the end (the graph laid out and the first page of findings drawn): the wall time of
`chromium --headless --dump-dom --virtual-time-budget=60000 PAGE` minus that of the same command on an
empty page (Chromium's own start-up), median of --runs. The dumped DOM must show the graph
panel's data-status="ready" (report.js sets it once the graph is laid out), so a page that failed
or did not finish is an error, not a fast figure. Skipped when no Chromium is found
(set CHROMIUM=/path/to/chromium).

The store uses the cheap test key derivation (the passphrase derivation is not what this
measures). "page" is build_report alone (template and JSON) over the store's audit, in-process,
after a first build that pays for importing Jinja2 and compiling the template.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

PASSPHRASE = "benchmark passphrase, not a secret"


PEAKS: dict[str, int] = {}  # command -> the largest peak resident size seen, in bytes


def _timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "linkcheck", *args], env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"`linkcheck {args[0]}` exited {code}: {err.read().decode()[-500:]}")
    key = " ".join(args[:2]) if args[0] == "account" else args[0]
    PEAKS[key] = max(PEAKS.get(key, 0), usage.ru_maxrss * 1024)
    return elapsed


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--virtual-time-budget=60000", "--dump-dom"]


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _open_once(browser: str, page: Path, profile: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", page.resolve().as_uri()],
                          capture_output=True, text=True, timeout=600)
    return time.perf_counter() - start, proc.stdout


def open_time(page: Path, runs: int, work: Path) -> float | None:
    """Seconds headless Chromium takes to load `page` and run its scripts, beyond its start-up."""
    browser = _chromium()
    if browser is None:
        return None
    blank = work / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
    spent, empty = [], []
    for run in range(runs):
        empty.append(_open_once(browser, blank, work / f"chromium-blank-{run}")[0])
        seconds, dom = _open_once(browser, page, work / f"chromium-{run}")
        panel = re.search(r'<div id="graph-panel"[^>]*>', dom)
        if not panel or 'data-status="ready"' not in panel.group(0):
            raise SystemExit(f"the page did not finish in Chromium: {panel.group(0) if panel else dom[-300:]}")
        spent.append(seconds)
    return max(0.0, statistics.median(spent) - statistics.median(empty))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per timed command (median)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the synthetic store in DIR, and reuse it if it is there")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium open time")
    args = parser.parse_args()

    from linkcheck.models import Level
    from linkcheck.report import build_report
    from linkcheck.linkage.rules import load_rules
    from linkcheck.store import Store
    from linkcheck.usecases.audit import AuditOptions, audit_store

    with tempfile.TemporaryDirectory(prefix="linkcheck-bench-report-") as tmp:
        work = Path(tmp)
        home = args.keep if args.keep is not None else work
        home.mkdir(parents=True, exist_ok=True)
        store = home / "store.db"
        env = dict(os.environ, LINKCHECK_STORE=str(store), LINKCHECK_PASSPHRASE=PASSPHRASE,
                   LINKCHECK_TEST_INSECURE_FAST_KDF="1")
        if not store.exists():
            files = synth.write_files(args.accounts, work / "input")
            _timed(["init"], env)
            _timed(["import", *map(str, files)], env)
        out = work / "report.html"
        report = statistics.median(_timed(["report", "--force", "-o", str(out)], env) for _ in range(args.runs))
        audit = statistics.median(_timed(["audit", "--format", "json"], env) for _ in range(args.runs))
        listing = statistics.median(_timed(["account", "list", "--format", "json"], env) for _ in range(args.runs))
        size = out.stat().st_size
        opened = None if args.no_browser else open_time(out, args.runs, work)

        os.environ["LINKCHECK_TEST_INSECURE_FAST_KDF"] = "1"
        options = AuditOptions(load_rules(None), Level.LOW, every_account=True)
        found = audit_store(functools.partial(Store.open, store, PASSPHRASE), options)
        accounts = found.accounts
        build = functools.partial(build_report, found.audit, accounts, min_level=Level.LOW, generated_at=0)
        first = time.perf_counter()
        build()
        first = time.perf_counter() - first
        pages = []
        for _ in range(args.runs):
            start = time.perf_counter()
            build()
            pages.append(time.perf_counter() - start)

    print(f"{len(accounts):,} accounts, median of {args.runs} run(s), {os.cpu_count()} CPUs")
    print(f"  linkcheck report      {report:6.2f} s   ({size / 1e6:.2f} MB page, peak {PEAKS['report'] / 1e6:,.0f} MB)")
    print(f"  linkcheck audit       {audit:6.2f} s   (the same audit, for comparison; peak {PEAKS['audit'] / 1e6:,.0f} MB)")
    print(f"  page, first build     {first:6.2f} s   (imports Jinja2, compiles the template)")
    print(f"  page, later builds    {statistics.median(pages):6.2f} s   (the page alone, after the audit)")
    print(f"  account list (json)   {listing:6.2f} s   (peak {PEAKS['account list'] / 1e6:,.0f} MB)")
    if opened is None:
        print("  open in Chromium        (skipped: no Chromium, or --no-browser)")
    else:
        print(f"  open in Chromium      {opened:6.2f} s   (load, scripts and layout, beyond Chromium's start-up)")


if __name__ == "__main__":
    main()
