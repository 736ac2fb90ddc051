"""Time `check` (and `account list`, `audit`) against a team store on a local PostgreSQL server.

    python bench/team.py                       # 100,000 accounts (about two minutes to build)
    python bench/team.py --accounts 10000 --runs 3
    python bench/team.py --url postgresql://lc@localhost/bench   # an empty database of your own
    python bench/team.py --from-store /tmp/bench/100000/store.db   # migrate a kept bench store (no import)

Without --url it starts a throwaway cluster as the tests do (tests/pgcluster.py: initdb and
pg_ctl in a temporary folder, Unix socket only) and deletes it afterwards. The store is built
the way a team would: synthetic profiles (bench/synth.py) imported into a file store, then
`linkcheck store migrate --to URL`. Every timed command is a whole `linkcheck` process with the
calibrated Argon2id derivation of the member's key file, as a member would run it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import synth  # noqa: E402
from run import PASSPHRASE, _machine_fixture, _run  # noqa: E402


def _linkcheck(args: list[str], env: dict, workdir: Path, expect: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """One whole `linkcheck` process: (wall seconds, CPU seconds)."""
    wall, cpu, _peak = _run(args, env, workdir, expect)
    return wall, cpu


def _median(runs: list[tuple[float, float]]) -> dict:
    return {"wall_s": round(statistics.median(w for w, _c in runs), 2),
            "cpu_s": round(statistics.median(c for _w, c in runs), 2)}


def bench(url: str, count: int, runs: int, workdir: Path, from_store: Path | None = None) -> dict:
    cache = workdir / "cache"  # the gate cache (store/gatecache.py), here rather than the user's
    env = dict(os.environ, LINKCHECK_STORE=str(workdir / "store.db"), LINKCHECK_PASSPHRASE=PASSPHRASE,
               XDG_CONFIG_HOME=str(workdir / "config"), LINKCHECK_NEW_PASSPHRASE=PASSPHRASE,
               XDG_CACHE_HOME=str(cache))
    env.pop("LINKCHECK_TEST_INSECURE_FAST_KDF", None)
    machine = _machine_fixture(workdir / "machine.json", 5)
    figures: dict = {"accounts": count}
    if from_store is not None:
        env["LINKCHECK_STORE"] = str(from_store)
    else:
        files = synth.write_files(count, workdir / "input")
        _linkcheck(["init"], env, workdir)
        figures["import (file store)"] = _median([_linkcheck(["import", *map(str, files)], env, workdir)])
    figures["migrate to team"] = _median(
        [_linkcheck(["store", "migrate", "--to", url, "--member", "bench"], env, workdir)])
    file_env = dict(env)
    env["LINKCHECK_STORE"] = url
    # The same check on the file store of the same data, interleaved with the team store's, so
    # the figures are taken under the same load: without a gate cache (the full open, which then
    # writes it), then with it.
    team_checks: list = []
    file_checks: list = []
    team_full: list = []
    file_full: list = []
    check = ["check", "store-000005", "--machine", str(machine)]
    for _ in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        team_full.append(_linkcheck(check, env, workdir, (0, 1)))
        file_full.append(_linkcheck(check, file_env, workdir, (0, 1)))
        team_checks.append(_linkcheck(check, env, workdir, (0, 1)))
        file_checks.append(_linkcheck(check, file_env, workdir, (0, 1)))
    figures["check"] = _median(team_checks)
    figures["check (the file store, same data)"] = _median(file_checks)
    figures["check, no gate cache (full open; writes it)"] = _median(team_full)
    figures["check, no gate cache (the file store)"] = _median(file_full)
    figures["check --record"] = _median(
        [_linkcheck([*check, "--record"], env, workdir, (0, 1)) for _ in range(runs)])
    figures["account list --limit 50"] = _median(
        [_linkcheck(["account", "list", "--limit", "50"], env, workdir) for _ in range(runs)])
    figures["audit"] = _median([_linkcheck(["audit", "--format", "json"], env, workdir, (0, 1))])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per timed command (median)")
    parser.add_argument("--url", default=None, help="an empty PostgreSQL database (default: a throwaway cluster)")
    parser.add_argument("--from-store", type=Path, default=None,
                        help="migrate this file store (bench/run.py --keep's, same passphrase) instead of importing")
    args = parser.parse_args()
    cluster = None
    url = args.url
    if url is None:
        from pgcluster import Cluster, find_bindir

        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("no PostgreSQL server binaries (initdb) here; give --url")
        cluster = Cluster(bindir)
        cluster.start()
    try:
        if cluster is not None:
            url = cluster.new_database()
        with tempfile.TemporaryDirectory(prefix="linkcheck-bench-team-") as tmp:
            print(f"building and timing a team store of {args.accounts:,} accounts…", file=sys.stderr)
            figures = bench(url, args.accounts, args.runs, Path(tmp), args.from_store)
    finally:
        if cluster is not None:
            cluster.stop()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(json.dumps({"machine": {"python": platform.python_version(), "platform": platform.platform(),
                                  "cpus": os.cpu_count(), "load_average_at_end_1_5_15_min": load},
                      "figures": figures},
                     indent=2))


if __name__ == "__main__":
    main()
