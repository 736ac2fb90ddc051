"""`check` and `precheck` on a kept bench store: a timeline of one run, and alternating A/B timings.

    python bench/gate.py timeline DIR check       # one `check`: what runs when, ms after exec
    python bench/gate.py timeline DIR precheck --tree /path/to/other/checkout
    python bench/gate.py ab DIR --tree A --tree B --runs 10 --commands check,precheck --modes console,module,probe
    python bench/gate.py gil                      # does the derivation's thread hold the GIL?

DIR is a store folder of `bench/run.py --keep` (DIR/store.db, with machine.json and planned.json
beside it; the gate cache in DIR/cache, made by the first check). Commands run as bench/run.py
runs them (`check store-000005 --machine DIR/machine.json`, `precheck DIR/planned.json`, the
passphrase in LINKCHECK_PASSPHRASE), with the linkcheck package of --tree first on PYTHONPATH
(default: this checkout); compile each tree's bytecode first (`python -m compileall -q
linkcheck`). Other commands: `stop` (a check whose router is on file for store-000006: a STOP
and its table, given DIR/machine-stop.json), `here` (a check of this computer, interfaces read
for real, no public IP), `list` (`account list --limit 50`), `audit`.

`--default-store`: the store is found where a user keeps it by default, as most do (no
$LINKCHECK_STORE: HOME is a temporary folder whose ~/.config/linkcheck/store.db links to DIR's).

`timeline` runs the command once under a small harness: an import hook wraps, as their modules
load, the functions that mark a step (the key derivation in its thread, the imports, reading the
machine or the planned file, the store's open, the wait for the key, the search, the output) and
prints the milestones in milliseconds after exec, with the main thread's CPU time so far; `--all`
prints every event. The harness costs a few ms; compare timelines with timelines.

`ab` runs each command alternately with each tree (the order flips every round) --runs times
and prints the median and range of wall time and of CPU time (user + system of the process and
its threads -- the Argon2id derivation's OpenSSL threads included), with the load average.
Modes: `console` (the venv's `linkcheck` script), `module` (`python -m linkcheck`), `probe`
(bench/run.py's peak-memory probe), `keyed` (everything but the key derivation: this process
derives the store's key once, keeps it in memory and hands it to each run through a pipe --
never through a file or the environment -- where `early.argon2id` returns it; the CPU time is
then all the rest, which the derivation's spread on a loaded machine otherwise hides).
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
PASSPHRASE = "benchmark passphrase, not a secret"  # bench/run.py's


def commands(folder: Path) -> dict[str, list[str]]:
    return {
        "check": ["check", "store-000005", "--machine", str(folder / "machine.json")],
        "stop": ["check", "store-000005", "--machine", str(folder / "machine-stop.json")],
        "here": ["check", "store-000005", "--no-public-ip"],
        "precheck": ["precheck", str(folder / "planned.json")],
        "list": ["account", "list", "--limit", "50"],
        "audit": ["audit", "--format", "json"],
    }


def environment(folder: Path, tree: Path, home: Path | None = None) -> dict[str, str]:
    """The store in $LINKCHECK_STORE; or, with `home`, where a user's store is by default: HOME
    is `home`, whose app folder links to the store (see `default_home`)."""
    env = dict(os.environ, LINKCHECK_STORE=str(folder / "store.db"), LINKCHECK_PASSPHRASE=PASSPHRASE,
               XDG_CACHE_HOME=str(folder / "cache"), PYTHONPATH=str(tree))
    env.pop("LINKCHECK_TEST_INSECURE_FAST_KDF", None)
    if home is not None:
        for name in ("LINKCHECK_STORE", "XDG_CONFIG_HOME", "LINKCHECK_SETTINGS"):
            env.pop(name, None)
        env["HOME"] = str(home)
    return env


def default_home(folder: Path, tmp: Path) -> Path:
    """A home folder whose linkcheck app folder (~/.config/linkcheck on Linux) links to the store."""
    home = tmp / "home"
    app = home / ".config" / "linkcheck"
    app.mkdir(parents=True, exist_ok=True)
    link = app / "store.db"
    if not link.exists():
        link.symlink_to(folder / "store.db")
    return home


def console_script() -> list[str]:
    script = Path(sys.executable).parent / "linkcheck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "linkcheck"]


def probe() -> str:
    text = (ROOT / "bench" / "run.py").read_text(encoding="utf-8")
    return text.split('PEAK_PROBE = """', 1)[1].split('"""', 1)[0]


# ----- the timeline ----------------------------------------------------------------------------

# Runs in the measured process: wraps these functions as their modules load (the import order is
# untouched), then runs linkcheck as the console script does. Events: (seconds after exec, thread,
# that thread's CPU seconds, what).
HARNESS = r'''
import atexit, functools, importlib.abc, importlib.util, os, sys, threading, time
T0 = float(os.environ.pop("GATE_T0"))
OUT = os.environ.pop("GATE_OUT")
EVENTS = []
def mark(what):
    EVENTS.append((time.time() - T0, threading.current_thread().name, time.thread_time(), what))
mark("first line of Python")
WRAP = {
    "linkcheck.early": ["start", "argon2id", "_header_params", "_in_helper"],
    "linkcheck.crypto.keys": ["_argon2"],
    "linkcheck.cli": ["LinkcheckGroup.invoke"],
    "linkcheck.store.sqlite": ["Store._unlock", "Store._open_from_gate_cache", "Store._verify_manifest",
                               "Store.candidates", "Store._profiles_by_id"],
    "linkcheck.store.gatecache": ["read_sealed"],
    "linkcheck.capture": ["machine_fingerprint"],
    "linkcheck.gate": ["check_machine"],
    "linkcheck.linkage.engine": ["compare"],
    "linkcheck.usecases.precheck": ["precheck", "planned_from_file"],
    "linkcheck.cli.gate_cmds": ["_echo_check"],
    "linkcheck.cli.audit_cmds": ["_pairs_table"],
}
TOP = {"click", "cryptography", "psutil", "netifaces", "rapidfuzz", "tabulate", "wcwidth", "phonenumbers",
       "platformdirs", "sqlite3", "numpy"}
def wrap(owner, attr, label):
    raw = owner.__dict__[attr]
    kind = type(raw) if isinstance(raw, (staticmethod, classmethod)) else None
    fn = raw.__func__ if kind else raw
    @functools.wraps(fn)
    def marked(*args, **kwargs):
        mark("> " + label)
        try:
            return fn(*args, **kwargs)
        finally:
            mark("< " + label)
    setattr(owner, attr, kind(marked) if kind else marked)
class Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in WRAP and name not in TOP and not (name.startswith("linkcheck.cli.") and name.endswith("_cmds")):
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module
        def exec_module(module, run=run):
            mark("import " + name)
            run(module)
            mark("imported " + name)
            for item in WRAP.get(name, ()):
                owner = module
                *parents, attr = item.split(".")
                for parent in parents:
                    owner = getattr(owner, parent)
                if attr in vars(owner):
                    wrap(owner, attr, name.replace("linkcheck.", "") + "." + item)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, Hook())
def report():
    mark("exit")
    with open(OUT, "w") as out:
        for t, thread, cpu, what in sorted(EVENTS):
            out.write(f"{t * 1000:.2f}\t{thread}\t{cpu * 1000:.2f}\t{what}\n")
atexit.register(report)
sys.argv[0] = "linkcheck"
from linkcheck.entry import run
run()
'''

MILESTONES = (  # (label, first/last, event names)
    ("first line of Python (interpreter and site started)", "first", ("first line of Python",)),
    ("early.start: reads the store header", "first", ("> early.start",)),
    ("the derivation begins (its thread)", "first", ("> early.argon2id", "> crypto.keys._argon2")),
    ("the helper process is started (its thread)", "first", ("> early._in_helper",)),
    ("early.start returns: the main thread imports the command", "first", ("< early.start",)),
    ("click imported", "first", ("imported click",)),
    ("the command's module imported", "first", ("imported linkcheck.cli.gate_cmds", "imported linkcheck.cli.audit_cmds")),
    ("the planned file read and parsed", "first", ("< usecases.precheck.planned_from_file",)),
    ("this machine read", "first", ("< capture.machine_fingerprint",)),
    ("store opened as far as it goes without the key: waits", "first", ("< store.gatecache.read_sealed",)),
    ("the derivation ends", "first", ("< early.argon2id", "< crypto.keys._argon2", "< early._in_helper")),
    ("unlocked: the master key unwrapped", "first", ("< store.sqlite.Store._unlock",)),
    ("the snapshot opened, the manifest and the rest verified", "first",
     ("< store.sqlite.Store._open_from_gate_cache", "< store.sqlite.Store._verify_manifest")),
    ("candidates found (their rows read, checked, opened)", "last", ("< store.sqlite.Store.candidates",)),
    ("compared: the verdict", "last", ("< gate.check_machine", "< usecases.precheck.precheck")),
    ("printed", "last", ("< cli.gate_cmds._echo_check", "< cli.audit_cmds._pairs_table", "< cli.LinkcheckGroup.invoke")),
    ("atexit: the interpreter's exit begins", "last", ("exit",)),
)


def timeline(folder: Path, tree: Path, args: list[str], show_all: bool, default_store: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="gate-timeline-") as tmp:
        out = Path(tmp) / "events.tsv"
        home = default_home(folder, Path(tmp)) if default_store else None
        env = dict(environment(folder, tree, home), GATE_OUT=str(out))
        env["GATE_T0"] = repr(time.time())
        # Run from an empty folder: `python -c` and `-m` put the working folder first on sys.path,
        # before PYTHONPATH, so a checkout there would be the linkcheck imported.
        proc = subprocess.Popen([sys.executable, "-c", HARNESS, *args], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=tmp)
        proc.wait()
        gone = (time.time() - float(env["GATE_T0"])) * 1000
        events = [line.split("\t") for line in out.read_text().splitlines()]
    events = [(float(t), thread, float(cpu), what) for t, thread, cpu, what in events]
    print(f"linkcheck {' '.join(args)}  (tree {tree}; load {os.getloadavg()[0]:.2f}; exit code {proc.returncode})")
    if show_all:
        for t, thread, cpu, what in events:
            print(f"{t:9.1f} ms  {thread[:20]:<20} cpu {cpu:7.1f} ms  {what}")
    marks = []
    for label, which, names in MILESTONES:
        found = [e for e in events if e[3] in names]
        if found:
            marks.append((found[0] if which == "first" else found[-1], label))
    for (t, thread, cpu, _what), label in sorted(marks, key=lambda mark: mark[0][0]):
        where = f"main thread, {cpu:6.1f} ms CPU so far" if thread == "MainThread" else f"thread {thread}"
        print(f"{t:9.1f} ms  {label}  [{where}]")
    waits = [e for e in events if e[3] == "< store.gatecache.read_sealed" or e[3].startswith("< store.sqlite.Store._unlock")]
    if len(waits) == 2:
        print(f"          the main thread waited {waits[1][0] - waits[0][0]:.1f} ms for the key")
    print(f"{gone:9.1f} ms  the process is gone (as its parent sees it)")


# ----- the GIL ---------------------------------------------------------------------------------------


def gil(iterations: int, trials: int) -> None:
    """Whether the derivation holds the GIL: a pure-Python loop on the main thread, alone and
    while `early.argon2id` runs in a thread (the same call and parameters a store of
    `iterations` makes). If the derivation held the GIL, the loop beside it could not end
    before it."""
    import threading

    sys.path.insert(0, str(ROOT))
    from linkcheck import early

    def derive() -> None:
        early.argon2id(b"benchmark", b"sixteen byte salt", iterations, 65536, 4)

    def loop() -> None:
        total = 0
        for i in range(3_000_000):
            total += i & 7

    derive()
    for _trial in range(trials):
        start, cpu = time.perf_counter(), time.thread_time()
        loop()
        alone, alone_cpu = time.perf_counter() - start, time.thread_time() - cpu
        start = time.perf_counter()
        derive()
        derivation = time.perf_counter() - start
        ended: dict[str, float] = {}
        begun = time.perf_counter()

        def run(ended: dict[str, float] = ended, begun: float = begun) -> None:
            derive()
            ended["derivation"] = time.perf_counter() - begun

        thread = threading.Thread(target=run)
        cpu = time.thread_time()
        thread.start()
        loop()
        beside, beside_cpu = time.perf_counter() - begun, time.thread_time() - cpu
        thread.join()
        print(f"loop alone {alone * 1000:.0f} ms ({alone_cpu * 1000:.0f} ms CPU), beside the derivation it ends at "
              f"{beside * 1000:.0f} ms ({beside_cpu * 1000:.0f} ms CPU); derivation alone {derivation * 1000:.0f} ms, "
              f"beside the loop {ended['derivation'] * 1000:.0f} ms; load {os.getloadavg()[0]:.2f}")


# ----- A/B ---------------------------------------------------------------------------------------


# `keyed` mode: the store's key-encryption key read from the pipe GATE_KEK_FD names, returned by
# every Argon2id call of the run (the passphrase and parameters are the store's: nothing else runs).
KEYED = """\
import os, sys
fd = int(os.environ.pop("GATE_KEK_FD"))
kek = os.read(fd, 64)
os.close(fd)
import linkcheck.early as early
early.argon2id = lambda *args: kek
early._helper_pays = lambda params: False  # no helper process either: nothing is derived
sys.argv[0] = "linkcheck"
from linkcheck.entry import run
run()
"""


def store_kek(folder: Path) -> bytes:
    """The bench store's key-encryption key, derived here once (kept in memory only)."""
    sys.path.insert(0, str(ROOT))
    from linkcheck import early

    params = early._header_params(str(folder / "store.db"))
    if params is None:
        raise SystemExit(f"no store header in {folder / 'store.db'}")
    _algorithm, salt, iterations, memory_kib, lanes = params
    return early.argon2id(PASSPHRASE.encode("utf-8"), salt, iterations, memory_kib, lanes)


def invocation(mode: str, args: list[str], peak_file: Path) -> list[str]:
    if mode == "console":
        return [*console_script(), *args]
    if mode == "module":
        return [sys.executable, "-m", "linkcheck", *args]
    if mode == "keyed":
        return [sys.executable, "-c", KEYED, *args]
    return [sys.executable, "-c", probe(), str(peak_file), *args]


def once(folder: Path, tree: Path, mode: str, args: list[str], peak_file: Path,
         home: Path | None = None, kek: bytes | None = None) -> tuple[float, float]:
    env = environment(folder, tree, home)
    fds: tuple[int, ...] = ()
    if mode == "keyed":
        assert kek is not None
        read, write = os.pipe()
        os.write(write, kek)
        os.close(write)
        env["GATE_KEK_FD"], fds = str(read), (read,)
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(invocation(mode, args, peak_file), env=env, pass_fds=fds,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=peak_file.parent)
    finally:
        for fd in fds:  # the key's pipe closed here whether or not the run started
            os.close(fd)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"`linkcheck {' '.join(args)}` ({tree}, {mode}) exited {code}")
    return wall, usage.ru_utime + usage.ru_stime


def ab(folder: Path, trees: list[Path], runs: int, names: list[str], modes: list[str],
       default_store: bool = False) -> None:
    table = commands(folder)
    kek = store_kek(folder) if "keyed" in modes else None
    results: dict[tuple[str, str, Path], list[tuple[float, float]]] = {}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="gate-ab-") as tmp:
        home = default_home(folder, Path(tmp)) if default_store else None
        for round_ in range(runs):
            for name in names:
                for mode in modes:
                    for tree in trees if round_ % 2 == 0 else trees[::-1]:
                        results.setdefault((name, mode, tree), []).append(
                            once(folder, tree, mode, table[name], Path(tmp) / "peak", home, kek))
            loads.append(os.getloadavg()[0])
    print(f"{runs} runs each, alternating; load average (1 min) {min(loads):.2f}-{max(loads):.2f}")
    for (name, mode, tree), found in results.items():
        walls = sorted(w for w, _c in found)
        cpus = sorted(c for _w, c in found)
        print(f"{name:<9} {mode:<8} wall {statistics.median(walls):6.3f} s ({walls[0]:.3f}-{walls[-1]:.3f})  "
              f"CPU {statistics.median(cpus):6.3f} s ({cpus[0]:.3f}-{cpus[-1]:.3f})  {tree}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("timeline", help="one run, its milestones in ms after exec")
    one.add_argument("folder", type=Path)
    one.add_argument("command", choices=sorted(commands(Path("."))))
    one.add_argument("--tree", type=Path, default=ROOT)
    one.add_argument("--all", action="store_true", help="every event, not only the milestones")
    one.add_argument("--default-store", action="store_true",
                     help="find the store where a user keeps it by default (no $LINKCHECK_STORE)")
    two = sub.add_parser("ab", help="alternating runs of two (or more) source trees")
    two.add_argument("folder", type=Path)
    two.add_argument("--tree", type=Path, action="append", required=True)
    two.add_argument("--runs", type=int, default=10)
    two.add_argument("--commands", default="check,precheck")
    two.add_argument("--modes", default="console")
    two.add_argument("--default-store", action="store_true",
                     help="find the store where a user keeps it by default (no $LINKCHECK_STORE)")
    three = sub.add_parser("gil", help="a Python loop on the main thread, alone and beside the derivation")
    three.add_argument("--iterations", type=int, default=24)
    three.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    if args.what == "gil":
        gil(args.iterations, args.trials)
        return
    folder = args.folder.resolve()
    if args.what == "timeline":
        timeline(folder, args.tree.resolve(), commands(folder)[args.command], args.all, args.default_store)
    else:
        modes = args.modes.split(",")
        if not set(modes) <= {"console", "module", "probe", "keyed"}:
            raise SystemExit(f"unknown mode in {args.modes!r}")
        ab(folder, [tree.resolve() for tree in args.tree], args.runs, args.commands.split(","), modes,
           args.default_store)


if __name__ == "__main__":
    main()
