"""Faults with real `linkcheck` processes: SIGKILL mid-command, many processes at once, full or read-only disks.

Every process here is `python -m linkcheck ...` started by subprocess. It inherits the test's
isolated environment (store path, HOME, the cheap test KDF) from os.environ, which conftest's
autouse fixture sets; the passphrase is added to each process's environment.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from linkcheck import crypto
from linkcheck.errors import PassphraseError
from linkcheck.store import Store

from conftest import PASSPHRASE, PROFILES_DIR
from session_folders import once_per_session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import synth  # noqa: E402

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
SYNTHETIC_COUNT = 3000
DEMO_NAMES = {p.stem for p in PROFILES_DIR.glob("*.json")}
NEW_PASSPHRASE = "a new and different passphrase"


def _env(**extra) -> dict:
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    for name in ("LINKCHECK_NEW_PASSPHRASE", "LINKCHECK_DEBUG"):
        env.pop(name, None)
    env.update(extra)
    return env


def _start(*args, env=None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "linkcheck", *map(str, args)],
        env=env or _env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _run(*args, env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", *map(str, args)],
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=180,
        **kwargs,
    )


def _names(path: Path, passphrase: str = PASSPHRASE) -> set[str]:
    """The account names in the store (opening it verifies every row against the manifest)."""
    with Store.open(path, passphrase) as st:
        return {p.name for p in st.profiles()}


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("linkcheck: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 60.0) -> bool:
    """SIGKILL `proc` as soon as `ready()` is true; False if it finished first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.wait()
    return False


def _after(seconds: float):
    start = time.monotonic()
    return lambda: time.monotonic() - start >= seconds


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # not there yet, or already renamed or removed
        return -1


def _file_over(path: Path, size: int):
    return lambda: _size(path) > size


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


@pytest.fixture(scope="module")
def synthetic_file(tmp_path_factory) -> Path:
    """One JSON import file of a few thousand synthetic profiles (bench/synth.py)."""

    def build(folder):
        synth.write_files(SYNTHETIC_COUNT, folder, per_file=SYNTHETIC_COUNT)

    (path,) = once_per_session(tmp_path_factory, "synthetic", build).glob("*.json")
    return path


@pytest.fixture(scope="module")
def big_store_bytes(tmp_path_factory, synthetic_file) -> bytes:
    """A checkpointed store holding the synthetic profiles (built once, copied into each test)."""

    def build(folder):
        path = folder / "store.db"
        env = _env(LINKCHECK_STORE=str(path), LINKCHECK_TEST_INSECURE_FAST_KDF="1", HOME=str(folder))
        for args in (("init",), ("import", synthetic_file)):
            result = _run(*args, env=env)
            assert result.returncode == 0, result.stderr
        assert not _wal(path).exists()

    return (once_per_session(tmp_path_factory, "big-store", build) / "store.db").read_bytes()


@pytest.fixture
def big_store(store_path, big_store_bytes) -> Path:
    store_path.parent.mkdir(parents=True, exist_ok=True)
    store_path.write_bytes(big_store_bytes)
    store_path.chmod(0o600)
    return store_path


def test_subprocesses_inherit_the_isolated_test_environment(store):
    result = _run("store", "--format", "json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["path"] == str(store)
    assert info["kdf"]["memory_kib"] < crypto.DEFAULT_MEMORY_KIB  # the cheap test KDF, not a calibrated one


# ----- SIGKILL -------------------------------------------------------------------------------


KILL_MOMENTS = {
    "at 0.05 s": lambda path: _after(0.05),
    "at 0.3 s": lambda path: _after(0.3),
    "at 0.6 s": lambda path: _after(0.6),
    "at 1.0 s": lambda path: _after(1.0),
    "once the journal holds 1 MB": lambda path: _file_over(_wal(path), 1 << 20),
    "once the journal holds 6 MB": lambda path: _file_over(_wal(path), 6 << 20),
}


@pytest.mark.parametrize("moment", KILL_MOMENTS)
def test_import_killed_leaves_all_or_none_of_it(demo_store, synthetic_file, moment):
    proc = _start("import", synthetic_file)
    _kill_when(proc, KILL_MOMENTS[moment](demo_store))
    names = _names(demo_store)
    imported = names - DEMO_NAMES
    assert DEMO_NAMES <= names
    assert len(imported) in (0, SYNTHETIC_COUNT)


def test_import_killed_mid_write_was_really_cut_short(demo_store, synthetic_file):
    proc = _start("import", synthetic_file)
    assert _kill_when(proc, _file_over(_wal(demo_store), 1 << 20)), "the import finished before the kill"
    assert _names(demo_store) == DEMO_NAMES


def test_import_killed_mid_write_can_be_rerun_to_completion(demo_store, synthetic_file):
    proc = _start("import", synthetic_file)
    _kill_when(proc, _file_over(_wal(demo_store), 1 << 20))
    result = _run("import", synthetic_file)
    assert result.returncode == 0, result.stderr
    assert len(_names(demo_store) - DEMO_NAMES) == SYNTHETIC_COUNT


def _passphrases_that_open(path: Path) -> list[str]:
    opened = []
    for passphrase in (PASSPHRASE, NEW_PASSPHRASE):
        try:
            with Store.open(path, passphrase) as st:
                assert st.count_accounts() == len(DEMO_NAMES)
            opened.append(passphrase)
        except PassphraseError:
            pass
    return opened


@pytest.mark.slow
def test_passwd_killed_at_any_moment_leaves_exactly_one_passphrase_working(demo_store, tmp_path):
    pristine = demo_store.read_bytes()
    # The real, calibrated key derivation for the new passphrase (about half a second), so the
    # kills land before, during and after the derivation and the commit.
    env = _env(LINKCHECK_NEW_PASSPHRASE=NEW_PASSPHRASE)
    env.pop("LINKCHECK_TEST_INSECURE_FAST_KDF")
    started = time.monotonic()
    finished = _run("passwd", env=env)
    full = time.monotonic() - started
    assert finished.returncode == 0, finished.stderr
    assert _passphrases_that_open(demo_store) == [NEW_PASSPHRASE]
    outcomes = []
    for fraction in (0.3, 0.6, 0.85, 0.95, 1.0, 1.1):
        for sidecar in demo_store.parent.iterdir():
            sidecar.unlink()
        demo_store.write_bytes(pristine)
        proc = _start("passwd", env=env)
        _kill_when(proc, _after(full * fraction))
        opened = _passphrases_that_open(demo_store)
        outcomes.append((fraction, opened))
        assert len(opened) == 1, outcomes


def _backup_leftovers(directory: Path, target: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p != target)


BACKUP_MOMENTS = {
    "at 0.1 s": lambda partials: _after(0.1),
    "at 0.3 s": lambda partials: _after(0.3),
    "as the partial copy appears": lambda partials: lambda: any(partials()),
    "once the partial copy holds 2 MB": lambda partials: lambda: any(_size(p) > 2 << 20 for p in partials()),
}


@pytest.mark.parametrize("moment", BACKUP_MOMENTS)
def test_backup_killed_leaves_the_target_absent_or_complete(big_store, tmp_path, moment):
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "backup.db"
    proc = _start("backup", target)
    _kill_when(proc, BACKUP_MOMENTS[moment](lambda: [p for p in folder.iterdir() if p.is_file()]))
    if target.exists():
        assert _names(target) == _names(big_store)


def test_backup_killed_mid_copy_leaves_only_a_hidden_partial_file(big_store, tmp_path):
    """What a killed backup can leave: `.NAME.partial-PID` (and its journal), never NAME itself."""
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "backup.db"
    proc = _start("backup", target)
    assert _kill_when(proc, lambda: any(folder.iterdir())), "the backup finished before the kill"
    assert not target.exists()
    for name in _backup_leftovers(folder, target):
        assert name.startswith(f".{target.name}.partial-{proc.pid}"), name


def test_backup_killed_mid_copy_can_be_rerun(big_store, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "backup.db"
    _kill_when(_start("backup", target), lambda: any(folder.iterdir()))
    result = _run("backup", target)
    assert result.returncode == 0, result.stderr
    assert _names(target) == _names(big_store)


@pytest.mark.parametrize("command", [("audit",), ("account", "list", "--format", "json"), ("log",)])
def test_output_to_a_closed_pipe_stops_quietly(demo_store, command):
    """Like `linkcheck audit | head -0`: the reader is gone before linkcheck writes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkcheck", *command],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode == 141, stderr
    assert stderr == ""


@pytest.mark.parametrize("command", [("audit", "--format", "json"), ("audit",), ("audit", "--fail-on", "critical"),
                                     ("report", "-o", "-")])
def test_a_command_that_ends_the_process_at_once_writes_and_exits_as_the_library_does(demo_store, cli, command,
                                                                                    tmp_path):
    """`audit` and `report` leave their findings to the process's end (`keep_until_exit`) and
    end it at once: the same output, exit code and exit handlers as the command run in-process."""
    expected = cli(*command)
    marker = tmp_path / "exit-handlers-ran"
    code = ("import atexit, pathlib, sys; atexit.register(pathlib.Path(sys.argv.pop(1)).touch); "
            "sys.argv[0] = 'linkcheck'; from linkcheck.entry import run; run()")
    proc = subprocess.run([sys.executable, "-c", code, str(marker), *command], env=_env(), capture_output=True,
                          timeout=180)
    assert proc.returncode == expected.exit_code, proc.stderr
    if command[0] == "report":  # the page but for its time of writing
        assert proc.stdout.count(b"\n") == expected.stdout.count("\n") > 100
        assert proc.stdout.decode().split("\n")[-5:] == expected.stdout.split("\n")[-5:]
    else:
        assert proc.stdout == expected.stdout_bytes
    assert proc.stderr.decode() == expected.stderr
    assert marker.exists()


# ----- many processes at once ----------------------------------------------------------------


def _storm(folder: Path) -> None:
    """8 writers and 8 readers, two commands each, all started at once on one store."""
    path = folder / "store.db"
    env = _env(LINKCHECK_STORE=str(path), LINKCHECK_TEST_INSECURE_FAST_KDF="1", HOME=str(folder))
    for args in (("init",), ("import", *sorted(PROFILES_DIR.glob("*.json")))):
        assert _run(*args, env=env).returncode == 0
    for i in range(2):
        for r in range(2):
            batch = [{"account": f"batch-{i}-{r}-{k}", "attributes": {"email": [f"ops{k}@batch{i}{r}.example"]}}
                     for k in range(5)]
            (folder / f"batch-{i}-{r}.json").write_text(json.dumps(batch))
    writers = {
        "add-0": lambda r: ("account", "add", f"added-0-{r}"),
        "add-1": lambda r: ("account", "add", f"added-1-{r}"),
        "attr-0": lambda r: ("attr", "add", "acme-us", "hostname", f"host-0-{r}"),
        "attr-1": lambda r: ("attr", "add", "acme-us", "hostname", f"host-1-{r}"),
        "import-0": lambda r: ("import", folder / f"batch-0-{r}.json"),
        "import-1": lambda r: ("import", folder / f"batch-1-{r}.json"),
        "check-0": lambda r: ("check", "lotus-jp", "--record", "--machine", MACHINES / "laptop-a.json"),
        "check-1": lambda r: ("check", "nordic-de", "--record", "--machine", MACHINES / "laptop-b.json"),
    }
    readers = {f"list-{i}": lambda r: ("account", "list", "--format", "json") for i in range(4)}
    readers.update({f"audit-{i}": lambda r: ("audit", "--format", "json") for i in range(4)})
    clients = {**writers, **readers}
    runs: list[dict] = []
    barrier = threading.Barrier(len(clients))

    def client(name):
        barrier.wait()
        for r in range(2):
            args = [str(a) for a in clients[name](r)]
            result = _run(*args, env=env)
            runs.append({"client": name, "writer": name in writers, "args": args, "returncode": result.returncode,
                         "stdout": result.stdout, "stderr": result.stderr})

    threads = [threading.Thread(target=client, args=(name,)) for name in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (folder / "runs.json").write_text(json.dumps(runs))


@pytest.fixture(scope="module")
def storm(tmp_path_factory):
    """What the processes printed, and the store they left (opened and verified here)."""
    folder = once_per_session(tmp_path_factory, "storm", _storm)
    runs = json.loads((folder / "runs.json").read_text())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LINKCHECK_TEST_INSECURE_FAST_KDF", "1")
        with Store.open(folder / "store.db", PASSPHRASE) as st:
            final = {p.name: p for p in st.profiles()}
            events = st.events()
    assert len(runs) == 32
    return {"runs": runs, "final": final, "events": events}


def test_concurrent_writers_lose_no_update(storm):
    final, events = storm["final"], storm["events"]
    assert {f"added-{i}-{r}" for i in range(2) for r in range(2)} <= set(final)
    assert {f"batch-{i}-{r}-{k}" for i in range(2) for r in range(2) for k in range(5)} <= set(final)
    hostnames = {a.value for a in final["acme-us"].attributes if a.kind == "hostname"}
    assert {f"host-{i}-{r}" for i in range(2) for r in range(2)} <= hostnames
    assert sorted(e.account for e in events if e.action == "check") == ["lotus-jp"] * 2 + ["nordic-de"] * 2
    assert any(a.source == "check" for a in final["lotus-jp"].attributes)
    assert any(a.source == "check" for a in final["nordic-de"].attributes)


def test_concurrent_use_never_shows_database_is_locked(storm):
    for run in storm["runs"]:
        assert run["returncode"] in (0, 1), run
        assert "locked" not in run["stderr"].lower() and "busy" not in run["stderr"].lower(), run
        assert "Traceback" not in run["stderr"]


def test_concurrent_readers_each_see_a_consistent_store(storm):
    final = set(storm["final"])
    for run in storm["runs"]:
        if run["writer"]:
            continue
        data = json.loads(run["stdout"])
        if run["args"][0] == "account":
            seen = {row["name"] for row in data}
            assert DEMO_NAMES <= seen <= final, run["client"]
            # An import lands whole: a reader sees all five accounts of a batch or none.
            for i in range(2):
                for r in range(2):
                    batch = {f"batch-{i}-{r}-{k}" for k in range(5)}
                    assert len(seen & batch) in (0, 5), (run["client"], sorted(seen & batch))
        else:
            assert isinstance(data, dict) and "pairs" in data, run["client"]


# ----- full disk, read-only store ------------------------------------------------------------


def _file_size_limit(limit: int):
    def apply():
        # CPython already ignores SIGXFSZ; be explicit: a write past the limit fails with EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_import_on_a_full_disk_exits_6_and_writes_nothing(demo_store, synthetic_file):
    result = _run("import", synthetic_file, preexec_fn=_file_size_limit(1 << 20))
    assert result.returncode == 6, result.stderr
    line = _one_error_line(result.stderr)
    assert "cannot write the store" in line and "disk" in line
    assert _names(demo_store) == DEMO_NAMES


def test_account_add_on_a_full_disk_exits_6_and_writes_nothing(demo_store):
    result = _run("account", "add", "one-more-shop", preexec_fn=_file_size_limit(4096))
    assert result.returncode == 6, result.stderr
    _one_error_line(result.stderr)
    assert _names(demo_store) == DEMO_NAMES


def test_backup_to_a_full_disk_exits_6_and_leaves_no_file(big_store, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "backup.db"
    result = _run("backup", target, preexec_fn=_file_size_limit(1 << 20))
    assert result.returncode == 6, result.stderr
    _one_error_line(result.stderr)
    assert list(folder.iterdir()) == []


def test_init_on_a_full_disk_exits_6_and_leaves_no_files(store_path):
    result = _run("init", preexec_fn=_file_size_limit(8192))
    assert result.returncode == 6, result.stderr
    _one_error_line(result.stderr)
    assert not store_path.parent.exists() or list(store_path.parent.iterdir()) == []


NOBODY = 65534


def _as_nobody() -> list[str]:
    """A command prefix that runs as an unprivileged user (root ignores file permissions)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot test permissions root would ignore")
    prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    # The unprivileged user must be able to import linkcheck from this environment (a venv
    # under a private folder, such as /root or a mktemp directory, is out of its reach).
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import linkcheck"], capture_output=True, cwd="/", timeout=60
    )
    if probe.returncode != 0:
        pytest.skip("the unprivileged user cannot import linkcheck from this Python environment")
    return prefix


@pytest.fixture
def shared_folder():
    """A folder an unprivileged user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="linkcheck-ro-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.rmtree(folder)


def _store_owned_by_runner(folder: Path) -> Path:
    """A demo store in folder/store/, owned by the user the permission tests run as."""
    path = folder / "store" / "linkcheck.db"
    env = _env(LINKCHECK_STORE=str(path))
    assert _run("init", env=env).returncode == 0
    assert _run("import", *sorted(PROFILES_DIR.glob("*.json")), env=env).returncode == 0
    if os.geteuid() == 0:
        for p in (path.parent, path):
            os.chown(p, NOBODY, NOBODY)
    return path


def _run_as_runner(folder: Path, path: Path, *args) -> subprocess.CompletedProcess:
    env = _env(LINKCHECK_STORE=str(path), HOME=str(folder))
    return subprocess.run(
        [*_as_nobody(), sys.executable, "-m", "linkcheck", *map(str, args)],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_write_to_a_store_in_a_read_only_folder_exits_6_and_changes_nothing(shared_folder):
    path = _store_owned_by_runner(shared_folder)
    before = path.read_bytes()
    path.parent.chmod(0o500)
    result = _run_as_runner(shared_folder, path, "account", "add", "one-more-shop")
    assert result.returncode == 6, result.stderr
    line = _one_error_line(result.stderr)
    assert "read-only" in line
    assert path.read_bytes() == before
    assert _names(path) == DEMO_NAMES


def test_write_to_a_read_only_store_file_exits_6_and_changes_nothing(shared_folder):
    path = _store_owned_by_runner(shared_folder)
    before = path.read_bytes()
    path.chmod(0o400)
    result = _run_as_runner(shared_folder, path, "attr", "add", "acme-us", "hostname", "another-laptop")
    assert result.returncode == 6, result.stderr
    _one_error_line(result.stderr)
    assert path.read_bytes() == before


def test_read_only_store_file_can_still_be_read(shared_folder):
    path = _store_owned_by_runner(shared_folder)
    path.chmod(0o400)
    result = _run_as_runner(shared_folder, path, "account", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert {row["name"] for row in json.loads(result.stdout)} == DEMO_NAMES


def test_init_in_a_read_only_folder_exits_6(shared_folder):
    folder = shared_folder / "locked"
    folder.mkdir()
    if os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)
    folder.chmod(0o500)
    result = _run_as_runner(shared_folder, folder / "new" / "linkcheck.db", "init")
    assert result.returncode == 6, result.stderr
    _one_error_line(result.stderr)
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [("account", "list"), ("audit",), ("audit", "--format", "json"), ("store",)])
def test_output_to_a_full_disk_is_an_error_not_a_success(demo_store, args):
    # `linkcheck account list > file` on a full disk (/dev/full: every write fails with ENOSPC):
    # the last buffer of output was written at the interpreter's exit, where its failure went
    # unseen -- a cut or empty file and exit 0. Now exit 6 and one line saying why.
    env = _env()
    env.pop("PYTHONUNBUFFERED", None)  # standard output buffered, as a user's shell has it
    with open("/dev/full", "wb") as sink:
        result = subprocess.run([sys.executable, "-m", "linkcheck", *args], env=env, stdout=sink,
                                stderr=subprocess.PIPE, text=True, timeout=180)
    assert result.returncode == 6, (result.returncode, result.stderr)
    assert "is the disk full" in _one_error_line(result.stderr)
