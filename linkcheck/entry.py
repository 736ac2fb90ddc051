"""The `linkcheck` console script and `python -m linkcheck`: begin the store's key derivation
(early.py) before anything else is imported, then run the command line.

Huge pages for the derivation (Linux, glibc 2.35 and later, transparent huge pages in `madvise`
mode). The store's Argon2id touches 64 MiB or more of fresh memory: in 4 KiB pages that is
16,384 page faults and as many TLB misses as the lanes jump about, a fifth of the derivation's
CPU. glibc's allocator asks for transparent huge pages (madvise MADV_HUGEPAGE) for its large
blocks when the tunable `glibc.malloc.hugetlb=1` is in GLIBC_TUNABLES -- but the loader reads
that only when the process starts. So `check`, `precheck` and `run`, which stand between a user
and a login, run themselves again at once with it set (`os.execv`: the same process, the same
interpreter, the very command line the user gave, nothing added to it) when the early derivation
would begin; the command line itself begins only then. The variable is given back its own value
in the new process (`_restore_environment`), so what the command starts (a browser, `ip`) gets
the user's environment, and `_AGAIN` marks the run so it happens once. Nothing of the key
derivation changes: the same parameters, the same call; only where its memory comes from.
"""

import os
import sys

TUNABLES = "GLIBC_TUNABLES"
HUGE_PAGES = "glibc.malloc.hugetlb=1"
# Set in the environment of the run again: the user's own GLIBC_TUNABLES after "=" ("-": none).
_AGAIN = "_LINKCHECK_HUGE_PAGES"
# The commands that run again for it: the pre-login ones, whose whole time is the derivation's.
HUGE_PAGE_COMMANDS = frozenset({"check", "precheck", "run"})
_THP_SETTING = "/sys/kernel/mm/transparent_hugepage/enabled"


def run() -> None:
    try:
        if _wants_huge_pages(sys.argv[1:]):
            _again_with_huge_pages()
        _restore_environment()
        from . import early

        early.start(sys.argv[1:])
        from .cli import run as run_command_line
    except KeyboardInterrupt:
        # Ctrl-C while the command line's modules are imported: what a Ctrl-C says anywhere
        # else (exit 130), not a traceback. (English: the interface's language is not read yet.)
        sys.stderr.write("linkcheck: interrupted\n")
        sys.exit(130)
    run_command_line(at_once=True)


def _restore_environment() -> None:
    """In the run again: GLIBC_TUNABLES as the user had it, and the mark gone."""
    mark = os.environ.pop(_AGAIN, None)
    if mark is None:
        return
    if mark.startswith("="):
        os.environ[TUNABLES] = mark[1:]
    else:
        os.environ.pop(TUNABLES, None)


def _wants_huge_pages(argv: list[str]) -> bool:
    """Whether this command line should run again with huge pages: a pre-login command whose
    key the early derivation will derive (the passphrase in the environment, a file store),
    started as a script or module with exactly these arguments, on a system where the tunable
    does something, and not run again already (or told otherwise by the user's own tunable)."""
    if not sys.platform.startswith("linux") or os.environ.get(_AGAIN) is not None:
        return False
    if "glibc.malloc.hugetlb" in os.environ.get(TUNABLES, "") or not os.environ.get("LINKCHECK_PASSPHRASE"):
        return False
    command, store = read_command_line(argv, HUGE_PAGE_COMMANDS)
    if command not in HUGE_PAGE_COMMANDS:
        return False
    if store is None:
        store = os.environ.get("LINKCHECK_STORE") or None
    if store is not None and not _is_file(store):
        return False  # a team store, a missing one: no early derivation to speed up
    return _exact_command_line(argv) and _glibc_with_tunable() and _thp_on_request()


def read_command_line(argv: list[str], commands: frozenset[str]) -> tuple[str | None, str | None]:
    """The command's name (the first word that is one of `commands`) and a --store given;
    (None, None) when help or the version is asked for, or a passphrase file is given (read
    where its checks are). Here, not in early.py, so that a run again reads its command line
    without importing early (its threading) twice."""
    command = store = None
    args = iter(argv)
    for arg in args:
        if arg == "--":
            break
        if arg in ("-h", "--help", "--version") or arg.startswith("--passphrase-file"):
            return None, None
        if arg == "--store":
            store = next(args, None)
        elif arg.startswith("--store="):
            store = arg[len("--store="):]
        elif command is None and arg in commands:
            command = arg
    return command, store


def _is_file(store: str) -> bool:
    import stat

    if store.strip().lower().startswith(("postgresql://", "postgres://")):
        return False
    try:
        return stat.S_ISREG(os.stat(os.path.expanduser(store)).st_mode)
    except (OSError, ValueError):
        return False


def _exact_command_line(argv: list[str]) -> bool:
    """Whether the interpreter's own command line ends with `argv` and runs linkcheck as its
    main program -- the console script, `python -m linkcheck`, or a program that runs the
    module `linkcheck` as its __main__ (runpy, as bench/run.py's memory probe does) -- so that
    running it again runs this same command. Not other code that calls `run` (a test's, given
    with -c): what it did before would be done twice."""
    orig = getattr(sys, "orig_argv", None)
    if not orig or not sys.executable or not os.path.isabs(sys.executable):
        return False
    head = orig[:len(orig) - len(argv)]
    if len(head) < 2 or orig[len(head):] != argv:
        return False
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None:  # python -m linkcheck (or runpy.run_module("linkcheck", alter_sys=True))
        return spec.name == "linkcheck.__main__"
    script = getattr(main, "__file__", None)  # the console script (-c code has no file)
    return (isinstance(script, str) and not head[-1].startswith("-") and head[-2] != "-c"
            and os.path.abspath(head[-1]) == os.path.abspath(script))


def _glibc_with_tunable() -> bool:
    try:
        name, _space, version = (os.confstr("CS_GNU_LIBC_VERSION") or "").partition(" ")
        major, minor = (int(part) for part in version.split(".")[:2])
    except (ValueError, OSError, AttributeError):
        return False
    return name == "glibc" and (major, minor) >= (2, 35)


def _thp_on_request() -> bool:
    """Transparent huge pages given to the memory that asks (`madvise` mode): under `always`
    every large block has them already, under `never` none can."""
    try:
        with open(_THP_SETTING, "rb") as setting:
            return b"[madvise]" in setting.read(200)
    except OSError:
        return False


def _again_with_huge_pages() -> None:
    """Run this very command line again, now, with the tunable set. Returns when it cannot."""
    own = os.environ.get(TUNABLES)
    env = dict(os.environ)
    env[TUNABLES] = f"{own}:{HUGE_PAGES}" if own else HUGE_PAGES
    env[_AGAIN] = "-" if own is None else "=" + own
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
    except OSError:
        return  # (nothing changed here: the command runs as it would have)
