"""Time linkcheck's start-up: whole `linkcheck` processes that do little besides starting.

    python bench/startup.py              # 20 runs of each command, median and min
    python bench/startup.py --runs 50 --json

Rows: `python -c pass` (the interpreter alone), `linkcheck --version`, `--help`, `check --help`,
and `check`, `precheck`, `run` on a store of the ten example profiles made with the cheap test
key derivation (LINKCHECK_TEST_INSECURE_FAST_KDF=1), so what is left is start-up, imports and
the command's own small work: the Argon2id derivation at its calibrated cost (about 0.45 s on
this VM) comes on top in real use. `check` and `run` read the machine from the demo fixture
(`--machine`) and look no public IP up, so no network and no interface scan is timed.

Each figure is the median (and minimum) over --runs runs of wall time and CPU time (user +
system, from the operating system's accounting of the finished child). The package's bytecode
is compiled first (as `pip install` does), unless --no-compile: with PYTHONDONTWRITEBYTECODE set,
an editable checkout would otherwise compile every module on every run. Prints the load
average: the VM is shared, so quote it with every figure.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "linkcheck"
PROFILES = sorted((PACKAGE / "example_profiles").glob("*.json"))
MACHINE = PACKAGE / "capture" / "fixtures" / "demo-machine.json"
PASSPHRASE = "correct horse battery staple"


def linkcheck_command() -> list[str]:
    script = shutil.which("linkcheck", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "linkcheck"]


def rows(pass_file: Path) -> list[tuple[str, list[str]]]:
    lc = linkcheck_command()
    secret = ["--passphrase-file", str(pass_file)]
    return [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("linkcheck --version", [*lc, "--version"]),
        ("python -m linkcheck --version", [sys.executable, "-m", "linkcheck", "--version"]),
        ("linkcheck --help", [*lc, "--help"]),
        ("linkcheck check --help", [*lc, "check", "--help"]),
        ("linkcheck check", [*lc, "check", "acme-us", *secret, "--machine", str(MACHINE)]),
        ("linkcheck precheck --email", [*lc, "precheck", *secret, "--email", "hello@new-brand.example"]),
        ("linkcheck run -- true", [*lc, "run", "acme-us", *secret, "--machine", str(MACHINE), "--", "true"]),
    ]


def timed(cmd: list[str], env: dict) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-compile", action="store_true", help="do not compile the package's bytecode first")
    args = parser.parse_args()
    if not args.no_compile:
        compileall.compile_dir(str(PACKAGE), quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKCHECK_")}
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_RUNTIME_DIR=str(home / "run"),
                   LINKCHECK_STORE=str(home / "store" / "linkcheck.db"), LINKCHECK_TEST_INSECURE_FAST_KDF="1",
                   LINKCHECK_PUBLIC_IP="off", LANG="C.UTF-8")
        pass_file = home / "passphrase"
        pass_file.write_text(PASSPHRASE + "\n")
        pass_file.chmod(0o600)
        setup = dict(env, LINKCHECK_PASSPHRASE=PASSPHRASE)
        for step in (["init"], ["import", *map(str, PROFILES)]):
            subprocess.run([*linkcheck_command(), *step], env=setup, check=True, capture_output=True)
        results = []
        for name, cmd in rows(pass_file):
            timed(cmd, env)  # warm-up: the page cache, not the figure
            runs = [timed(cmd, env) for _ in range(args.runs)]
            walls, cpus, codes = zip(*runs, strict=True)
            results.append({"command": name, "exit": sorted(set(codes)),
                            "wall_median": statistics.median(walls), "wall_min": min(walls),
                            "cpu_median": statistics.median(cpus), "cpu_min": min(cpus)})
    load = os.getloadavg()
    if args.json:
        print(json.dumps({"runs": args.runs, "load": load, "rows": results}, indent=2))
        return
    print(f"{args.runs} runs each; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"Python {sys.version.split()[0]}")
    print(f"{'command':32} {'wall median':>12} {'wall min':>9} {'cpu median':>11} {'cpu min':>8}  exit")
    for r in results:
        print(f"{r['command']:32} {r['wall_median']:11.3f}s {r['wall_min']:8.3f}s {r['cpu_median']:10.3f}s "
              f"{r['cpu_min']:7.3f}s  {','.join(map(str, r['exit']))}")


if __name__ == "__main__":
    main()
