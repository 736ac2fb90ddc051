"""What stress runs of large stores found (thirteenth session).

Ctrl-C at any moment of a command ends it with "linkcheck: interrupted" and exit 130 (the
documented code), never click's "Aborted!" with exit 1 -- which `audit` uses for "findings at
or above --fail-on" -- nor a traceback. (Found by sending SIGINT to whole `linkcheck audit`
process groups at random moments: before the command began, rc 1 and "Aborted!", or a traceback.)

A detached cache writer killed while it wrote leaves no partial file for ever: the next writer
of that file removes it.

A full disk under the audit's JSON (or too low a `ulimit -n`) is an error that says so (exit 6),
not "internal error (OSError)" (exit 70).
"""

from __future__ import annotations

import errno
import gc
import os
import subprocess
import sys
import time

import click
import pytest

import linkcheck.cli as cli_module
from linkcheck import early, entry
from linkcheck.cli import LinkcheckContext, main


def _raise_ctrl_c(*_args, **_kwargs):
    raise KeyboardInterrupt


def _no_aborted(output: str) -> None:
    assert "Aborted!" not in output
    assert "linkcheck: interrupted" in output


def test_ctrl_c_while_the_command_line_is_read_exits_130(cli, monkeypatch):
    monkeypatch.setattr(click.Group, "parse_args", _raise_ctrl_c)
    result = cli("audit")
    assert result.exit_code == 130, result.output
    _no_aborted(result.output)


def test_ctrl_c_before_the_command_runs_exits_130(cli, monkeypatch):
    # Between the command line read and the command's own handlers: the output filter's set-up.
    import linkcheck.cli.output as output

    monkeypatch.setattr(output, "terminal_safe_output", _raise_ctrl_c)
    result = cli("audit")
    assert result.exit_code == 130, result.output
    _no_aborted(result.output)


@pytest.fixture
def console_script(monkeypatch):
    """`cli.run()` as the console script runs it, without its process-wide effects lasting."""
    monkeypatch.setattr(early, "start", lambda argv: False)
    monkeypatch.setattr(cli_module, "_ENDS_THE_PROCESS", False)
    monkeypatch.setattr(cli_module, "_KEPT", [])
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()


def test_ctrl_c_inside_clicks_own_code_still_exits_130(console_script, monkeypatch, capsys):
    # Where no linkcheck handler runs (click's main entering the context): click says
    # "Aborted!" and exits 1; the console script makes that exit 130.
    monkeypatch.setattr(LinkcheckContext, "__enter__", _raise_ctrl_c)
    monkeypatch.setattr(sys, "argv", ["linkcheck", "audit"])
    with pytest.raises(SystemExit) as exited:
        cli_module.run()
    assert exited.value.code == 130
    assert "linkcheck: interrupted" in capsys.readouterr().err


def test_ctrl_c_before_clicks_main_exits_130(console_script, monkeypatch, capsys):
    monkeypatch.setattr(cli_module.i18n, "set_language", _raise_ctrl_c)
    monkeypatch.setattr(sys, "argv", ["linkcheck", "audit"])
    with pytest.raises(SystemExit) as exited:
        cli_module.run()
    assert exited.value.code == 130
    assert "linkcheck: interrupted" in capsys.readouterr().err


def test_ctrl_c_while_the_modules_are_imported_exits_130(monkeypatch, capsys):
    monkeypatch.setattr(early, "start", _raise_ctrl_c)
    with pytest.raises(SystemExit) as exited:
        entry.run()
    assert exited.value.code == 130
    err = capsys.readouterr().err
    assert err == "linkcheck: interrupted\n"


def test_a_plain_exit_1_is_kept(console_script, monkeypatch):
    # Not every exit 1 is a Ctrl-C: findings keep theirs.
    def findings(*_args, **_kwargs):
        sys.exit(1)

    monkeypatch.setattr(main, "main", findings)
    monkeypatch.setattr(sys, "argv", ["linkcheck", "audit"])
    with pytest.raises(SystemExit) as exited:
        cli_module.run()
    assert exited.value.code == 1


# ----- a detached cache writer killed while it wrote -----------------------------------------


def test_a_killed_writers_partial_file_is_removed_by_the_next_writer(tmp_path):
    # A detached writer killed (kill -9, out of memory) between creating its partial file and
    # renaming it left the whole file -- as large as the snapshot -- in the cache folder for ever.
    from linkcheck.store import auditcache, gatecache, sievecache

    identity, master, context = "file:" + str(tmp_path / "store.db"), bytes(32), bytes(32)
    for path in (sievecache.cache_path(identity), auditcache.cache_path(identity), gatecache.cache_path(identity)):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        left = [path.with_name(f".{path.name}.partial-{pid}") for pid in (_dead_pid(), _dead_pid())]
        for partial in left:
            partial.write_bytes(b"x" * 1000)
        stale = path.with_name(f".{path.name}.partial-{os.getpid()}")  # alive, but not written to
        stale.write_bytes(b"x")                                         # for LOCK_SECONDS
        os.utime(stale, (time.time() - gatecache.LOCK_SECONDS - 5,) * 2)
        left.append(stale)
        other = path.with_name(f".{path.name}.lockless")  # anything else is not the writer's
        other.write_bytes(b"kept")
        lock = gatecache._claim(path)
        assert lock is not None
        try:
            assert not any(partial.exists() for partial in left)
            assert other.read_bytes() == b"kept"
        finally:
            lock.unlink()
    # And a real write of the sieve's verdicts: its own file in place, nothing partial left.
    path = sievecache.cache_path(identity)
    path.with_name(f".{path.name}.partial-{_dead_pid()}").write_bytes(b"y")
    assert sievecache.write(identity, master, context, {bytes(16): True})
    assert sorted(p.name for p in path.parent.iterdir() if "partial" in p.name) == []
    assert sievecache.load(sievecache.read(identity), master, identity, context) is not None


def _dead_pid() -> int:
    """The process id of a process that has ended (a killed writer's)."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def test_a_live_writers_fresh_partial_is_kept_by_the_next_lock_holder(tmp_path):
    # A writer slower than LOCK_SECONDS loses its lock to the next one, but is still writing its
    # partial file: the new holder's sweep keeps it while its process lives, and takes it once
    # the process is gone.
    from linkcheck.store import gatecache

    path = gatecache.cache_path("file:" + str(tmp_path / "store.db"))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        partial = path.with_name(f".{path.name}.partial-{writer.pid}")
        partial.write_bytes(b"being written")
        lock = gatecache._claim(path)
        assert lock is not None
        lock.unlink()
        assert partial.exists()
    finally:
        writer.kill()
        writer.wait()
    lock = gatecache._claim(path)
    assert lock is not None
    lock.unlink()
    assert not partial.exists()


def test_a_writer_holding_the_lock_keeps_the_others_partials(tmp_path):
    # Only the lock's holder sweeps: a second writer that finds the lock taken touches nothing.
    from linkcheck.store import gatecache

    path = gatecache.cache_path("file:" + str(tmp_path / "store.db"))
    lock = gatecache._claim(path)
    assert lock is not None
    try:
        mine = path.with_name(f".{path.name}.partial-{1}")
        mine.write_bytes(b"being written")
        assert gatecache._claim(path) is None
        assert mine.exists()
    finally:
        lock.unlink()


# ----- the machine out of room -----------------------------------------------------------------


@pytest.mark.parametrize(("number", "reason"), [(errno.ENOSPC, "No space left on device"),
                                                (errno.EFBIG, "File too large"),
                                                (errno.EMFILE, "Too many open files")])
def test_a_full_disk_or_too_few_files_is_an_error_not_an_internal_error(cli, store, monkeypatch, number, reason):
    # `linkcheck audit --format json > file` on a full disk (its JSON written to stdout), or
    # under a low `ulimit -n`: exit 6 and what the system said, not "internal error (OSError)".
    import linkcheck.usecases.audit as audit_job

    def out_of_room(*_args, **_kwargs):
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(audit_job, "audit_store", out_of_room)
    result = cli("audit", "--format", "json")
    assert result.exit_code == 6, result.output
    assert "internal error" not in result.output
    assert reason in result.output and "linkcheck: error:" in result.output


def test_any_other_os_error_is_still_an_internal_error(cli, store, monkeypatch):
    import linkcheck.usecases.audit as audit_job

    def refused(*_args, **_kwargs):
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    monkeypatch.setattr(audit_job, "audit_store", refused)
    result = cli("audit")
    assert result.exit_code == 70
    assert "internal error (OSError)" in result.output
