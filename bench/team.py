"""Time `check` (and `account list`, `audit`) against a team store on a local PostgreSQL server.

    python bench/team.py                       # 100,000 accounts (about two minutes to build)
    python bench/team.py --accounts 10000 --runs 3
    python bench/team.py --url postgresql://lc@localhost/bench   # an empty database of your own

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
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import synth  # noqa: E402
from run import PASSPHRASE, _linkcheck, _machine_fixture  # noqa: E402


def bench(url: str, count: int, runs: int, workdir: Path) -> dict:
    env = dict(os.environ, LINKCHECK_STORE=str(workdir / "store.db"), LINKCHECK_PASSPHRASE=PASSPHRASE,
               XDG_CONFIG_HOME=str(workdir / "config"), LINKCHECK_NEW_PASSPHRASE=PASSPHRASE)
    env.pop("LINKCHECK_TEST_INSECURE_FAST_KDF", None)
    files = synth.write_files(count, workdir / "input")
    machine = _machine_fixture(workdir / "machine.json", 5)
    _linkcheck(["init"], env)
    figures: dict = {"accounts": count}
    figures["import (file store)"] = _linkcheck(["import", *map(str, files)], env)
    figures["migrate to team"] = _linkcheck(["store", "migrate", "--to", url, "--member", "bench"], env)
    file_env = dict(env)
    env["LINKCHECK_STORE"] = url
    # The same check on the file store of the same data, interleaved with the team store's, so
    # the two figures are taken under the same load.
    team_checks, file_checks = [], []
    for _ in range(runs):
        team_checks.append(_linkcheck(["check", "store-000005", "--machine", str(machine)], env, expect=(0, 1)))
        file_checks.append(_linkcheck(["check", "store-000005", "--machine", str(machine)], file_env, expect=(0, 1)))
    figures["check"] = statistics.median(team_checks)
    figures["check (the file store, same data)"] = statistics.median(file_checks)
    figures["check --record"] = statistics.median(
        _linkcheck(["check", "store-000005", "--machine", str(machine), "--record"], env, expect=(0, 1))
        for _ in range(runs))
    figures["account list --limit 50"] = statistics.median(
        _linkcheck(["account", "list", "--limit", "50"], env) for _ in range(runs))
    figures["audit"] = _linkcheck(["audit", "--format", "json"], env, expect=(0, 1))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per timed command (median)")
    parser.add_argument("--url", default=None, help="an empty PostgreSQL database (default: a throwaway cluster)")
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
            figures = bench(url, args.accounts, args.runs, Path(tmp))
    finally:
        if cluster is not None:
            cluster.stop()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(json.dumps({"machine": {"python": platform.python_version(), "platform": platform.platform(),
                                  "cpus": os.cpu_count(), "load_average_at_end_1_5_15_min": load},
                      "figures": {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}},
                     indent=2))


if __name__ == "__main__":
    main()
