"""Start-up cost of the interface language: `linkcheck --help` and `linkcheck check` as whole
processes, in English and in Chinese, and the Chinese catalog's load alone.

    python bench/interface_language.py            # 15 runs each, fastest and median
    python bench/interface_language.py --runs 30

A throwaway store (cheap test key derivation) holds the shipped example accounts; `check` runs
against a recorded machine (capture/fixtures), public IP off, so no network and no real machine
facts are involved. The fastest of the runs is the figure least disturbed by other load on the
machine; the median is given beside it. "catalog" is importing linkcheck.i18n and reading every
Chinese messages file (i18n.messages("zh")) in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "bench passphrase, not secret"


def _time(cmd: list[str], env: dict, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def _in_process(code: str, env: dict, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        best = min(best, float(out.stdout))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    linkcheck = [sys.executable, "-c", "from linkcheck.cli import run; run()"]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONPATH=str(ROOT), LINKCHECK_STORE=str(Path(tmp) / "store.db"),
                   LINKCHECK_TEST_INSECURE_FAST_KDF="1", LINKCHECK_PASSPHRASE=PASSPHRASE,
                   LINKCHECK_SETTINGS=os.devnull, LINKCHECK_PUBLIC_IP="off", LANG="C.UTF-8")
        env.pop("LC_ALL", None)
        env.pop("LINKCHECK_LANG", None)
        subprocess.run([*linkcheck, "init"], env=env, capture_output=True, check=True)
        profiles = sorted(str(p) for p in (ROOT / "linkcheck" / "example_profiles").glob("*.json"))
        subprocess.run([*linkcheck, "import", *profiles], env=env, capture_output=True, check=True)
        machine = sorted((ROOT / "linkcheck" / "capture" / "fixtures").glob("*.json"))[0]
        for lang in ("en", "zh"):
            e = dict(env, LINKCHECK_LANG=lang)
            h = _time([*linkcheck, "--help"], e, args.runs)
            c = _time([*linkcheck, "check", "acme-de", "--machine", str(machine)], e, args.runs)
            print(f"{lang}: --help {h[0]:4.0f} ms (median {h[1]:4.0f})   check {c[0]:4.0f} ms (median {c[1]:4.0f})")
        quick = _in_process("import time; t = time.perf_counter(); from linkcheck import i18n; "
                            "i18n.messages('zh'); print((time.perf_counter() - t) * 1000)", env, args.runs)
        print(f"catalog (import i18n, read every zh messages file): {quick:.1f} ms")


if __name__ == "__main__":
    main()
