"""Issue 11, parts 4 and 5: what import reads, how output files are written, exit codes, and the
JSON round trip at any size. Each test performs one promise and fails on the code before it."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linkcheck.importers import read_records
from linkcheck.importers.safety import JSON_CHUNK, MAX_RECORD_BYTES
from linkcheck.store import Store

from conftest import PASSPHRASE, write_json
from test_faults import _as_nobody, shared_folder  # noqa: F401 - a fixture, used by name

PROFILE = {"account": "acme-us", "marketplace": "amazon.com", "attributes": {"email": ["ops@acme.example"]}}


def _names(cli) -> list[str]:
    return [row["name"] for row in json.loads(cli("account", "list", "--format", "json").output)]


def _env() -> dict:
    return dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)


def _interactive(monkeypatch) -> None:
    """As if at a terminal: linkcheck asks instead of refusing."""
    monkeypatch.setattr("linkcheck.cli.options._interactive", lambda: True)


# ----- import reads only regular files, and bounds what it reads -------------------------------


def test_import_of_dev_zero_is_refused_at_once(store):
    result = subprocess.run(
        [sys.executable, "-m", "linkcheck", "import", "/dev/zero", "--format", "json"],
        env=_env(), capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr == "linkcheck: error: /dev/zero: not a regular file (a device, pipe or socket cannot be imported)\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_import_of_a_fifo_is_refused_instead_of_waiting(store, tmp_path, fmt):
    fifo = tmp_path / f"pipe.{fmt}"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "linkcheck", "import", str(fifo)], env=_env(), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 3, result.stderr
    assert "not a regular file" in result.stderr


def test_a_json_file_over_the_old_64_mib_limit_is_read_in_full(tmp_path):
    path = tmp_path / "big.json"
    note = "n" * 3000
    count = 72 * 1024 * 1024 // 3000
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[")
        for i in range(count):
            fh.write(("," if i else "") + json.dumps({"account": f"shop-{i}", "note": note}))
        fh.write("]")
    assert path.stat().st_size > 70 * 1024 * 1024
    names = [r.name for r in read_records(path, "json")]
    assert len(names) == count
    assert names[-1] == f"shop-{count - 1}"


def test_one_profile_larger_than_the_record_bound_exits_3_naming_the_bound(cli, store, tmp_path):
    path = tmp_path / "one-huge-profile.json"
    path.write_text(json.dumps([{"account": "a"}, {"account": "b", "note": "x" * (MAX_RECORD_BYTES + 2 * JSON_CHUNK)}]))
    result = cli("import", path)
    assert result.exit_code == 3
    assert result.output == f"linkcheck: error: {path}: one profile is longer than 16 MiB; is it really a linkcheck import file?\n"
    assert _names(cli) == []


def test_json_nested_deeper_than_a_profile_exits_3_quickly(cli, store, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 1_000_000 + "]" * 1_000_000)
    result = cli("import", path)
    assert result.exit_code == 3
    assert "nested deeper than 16 levels" in result.output


@pytest.mark.parametrize("split", range(0, 13))
def test_an_unpaired_surrogate_escape_is_refused_wherever_the_read_splits_it(cli, store, tmp_path, split):
    # The escape straddles the reader's first 64 KiB boundary at every offset.
    pad = " " * (JSON_CHUNK - len('[{"account": "a", "note": "') - split)
    path = tmp_path / "in.json"
    path.write_text('[' + pad + '{"account": "a", "note": "\\ud800 x"}]', encoding="ascii")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "not valid text: an unpaired \\uD800-\\uDFFF escape" in result.output


@pytest.mark.parametrize("split", range(0, 13))
def test_a_surrogate_pair_split_by_the_read_is_kept(cli, store, tmp_path, split):
    pad = " " * (JSON_CHUNK - len('[{"account": "a", "note": "') - split)
    path = tmp_path / "in.json"
    path.write_text('[' + pad + '{"account": "a", "note": "\\ud83d\\ude00"}]', encoding="ascii")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("account", "show", "a", "--format", "json").output)
    assert shown["note"] == "\U0001F600"


# ----- output files ----------------------------------------------------------------------------


def test_export_onto_an_existing_file_refuses_without_force_and_keeps_it(cli, demo_store, tmp_path):
    target = tmp_path / "all.json"
    target.write_text("precious")
    result = cli("export", "-o", target)
    assert result.exit_code == 2
    assert result.output == f"linkcheck: error: {target} already exists; add --force to overwrite it\n"
    assert target.read_text() == "precious"


@pytest.mark.parametrize(
    "command",
    [
        ("export", "-o", "{target}"),
        ("statement", "lotus-jp", "--against", "nordic-de", "-o", "{target}"),
        ("report", "-o", "{target}"),
        ("backup", "{target}"),
    ],
    ids=["export", "statement", "report", "backup"],
)
@pytest.mark.parametrize("answer", ["n", "y"])
def test_overwriting_an_output_asks_the_same_way_everywhere(cli, demo_store, tmp_path, monkeypatch, command, answer):
    target = tmp_path / "out.file"
    target.write_text("precious")
    target.chmod(0o644)
    _interactive(monkeypatch)
    result = cli(*[a.format(target=target) for a in command], input=answer + "\n")
    assert f"{target} already exists. Overwrite it? [y/N]" in result.output
    if answer == "n":
        assert result.exit_code == 1
        assert target.read_text() == "precious"
    else:
        assert result.exit_code == 0, result.output
        assert target.read_bytes() != b"precious" and target.stat().st_size > 100
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.file")] == []


@pytest.mark.parametrize(
    "command",
    [
        ("export", "--force", "-o", "{target}"),
        ("statement", "lotus-jp", "--against", "nordic-de", "--force", "-o", "{target}"),
        ("report", "--force", "-o", "{target}"),
        ("backup", "--force", "{target}"),
    ],
    ids=["export", "statement", "report", "backup"],
)
def test_force_overwrites_without_asking(cli, demo_store, tmp_path, command):
    target = tmp_path / "out.file"
    target.write_text("precious")
    result = cli(*[a.format(target=target) for a in command])
    assert result.exit_code == 0, result.output
    assert "Overwrite" not in result.output
    assert target.read_bytes() != b"precious"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_force_replaces_a_symlink_itself_not_the_file_it_points_to(cli, demo_store, tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours")
    link = tmp_path / "all.json"
    link.symlink_to(elsewhere)
    assert cli("export", "--force", "-o", link).exit_code == 0
    assert elsewhere.read_text() == "not yours"
    assert not link.is_symlink()
    assert len(json.loads(link.read_text())) == 10


def test_a_failed_export_leaves_the_existing_file_and_no_partial(cli, demo_store, tmp_path, monkeypatch):
    target = tmp_path / "all.json"
    target.write_text("precious")

    def fail_half_way(profiles, fmt, out, kind_names):
        out.write("[\n  {")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("linkcheck.cli.account_cmds.write_export", fail_half_way)
    result = cli("export", "--force", "-o", target)
    assert result.exit_code == 2
    assert result.output == f"linkcheck: error: cannot write {target}: No space left on device\n"
    assert target.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".all.json")) == []


def test_export_onto_a_writable_file_owned_by_someone_else_does_not_truncate_it(shared_folder):  # noqa: F811
    prefix = _as_nobody()
    if not prefix:
        pytest.skip("needs root to set up a file owned by another user")
    store = shared_folder / "store" / "linkcheck.db"
    env = dict(_env(), LINKCHECK_STORE=str(store), HOME=str(shared_folder))
    subprocess.run([sys.executable, "-m", "linkcheck", "init"], env=env, capture_output=True, check=True)
    for p in (store.parent, store):
        os.chown(p, 65534, 65534)
    out = shared_folder / "out"
    out.mkdir()
    out.chmod(0o755)  # root's folder: the other user cannot create files in it
    target = out / "all.json"
    target.write_text("root's data")
    target.chmod(0o666)  # but may write this one
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "linkcheck", "export", "--force", "-o", str(target)],
        env=env, cwd="/", capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"linkcheck: error: cannot write {target}: ")
    assert target.read_text() == "root's data"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_without_an_output_says_it_is_missing(cli, demo_store, fmt):
    """-o is required (`-o -` for standard output): without it, click's usage error and exit 2
    -- not an internal error (click 8.3 and later stopped enforcing a required option given
    `default=None`, and the export went on with no path)."""
    result = cli("export", "--format", fmt)
    assert result.exit_code == 2, result.output
    assert "Missing option '-o' / '--output'" in result.stderr
    assert "internal error" not in result.output
    assert result.stdout == ""


def test_dash_writes_the_export_to_standard_output(cli, demo_store):
    result = cli("export", "-o", "-")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data) == 10
    assert "Exported 10 account(s) to standard output" in result.stderr
    assert not Path("-").exists()


def test_dash_writes_the_statement_and_the_report_to_standard_output(cli, demo_store):
    statement = cli("statement", "lotus-jp", "--against", "nordic-de", "-o", "-")
    assert statement.exit_code == 0
    assert "lotus-jp" in statement.stdout and "signature" in statement.stdout.lower()
    report = cli("report", "-o", "-")
    assert report.exit_code == 0
    assert report.stdout.lstrip().lower().startswith("<!doctype html>")
    assert not Path("-").exists()


def test_dash_writes_the_backup_to_standard_output(cli, demo_store, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "linkcheck", "backup", "-"], env=_env(), capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "copy.db"
    copy.write_bytes(result.stdout)
    with Store.open(copy, PASSPHRASE) as st:
        assert st.count_accounts() == 10


def test_the_demo_can_run_twice_into_the_same_folder(cli, tmp_path):
    assert cli("demo", "--output-dir", tmp_path / "out").exit_code == 0
    second = cli("demo", "--output-dir", tmp_path / "out")
    assert second.exit_code == 0, second.output


# ----- exit codes --------------------------------------------------------------------------------


def _ctrl_c_at_prompt(args: list[str], prompt: bytes, env: dict) -> tuple[int, str]:
    """Run linkcheck on a real terminal (a pty), press Ctrl-C when `prompt` shows; exit code, screen."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        # Ctrl-C as a terminal delivers it, even when this test runs under a shell that started
        # it in the background (which ignores SIGINT, and an ignored signal stays so across exec).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execve(sys.executable, [sys.executable, "-m", "linkcheck", *args], env)
    screen = b""
    deadline = time.monotonic() + 60
    pressed = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        if not pressed and prompt in screen:
            time.sleep(0.2)
            os.write(fd, b"\x03")
            pressed = True
    done, status = os.waitpid(pid, os.WNOHANG)
    give_up = time.monotonic() + 15
    while done == 0 and time.monotonic() < give_up:
        time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:  # still running long after the deadline: fail, never hang the suite
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert pressed, screen
    return os.waitstatus_to_exitcode(status), screen.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a pty")
def test_ctrl_c_at_the_passphrase_prompt_exits_130(demo_store):
    env = {k: v for k, v in os.environ.items() if k != "LINKCHECK_PASSPHRASE"}
    code, screen = _ctrl_c_at_prompt(["account", "list"], b"Store passphrase:", env)
    assert code == 130, screen
    assert "linkcheck: interrupted" in screen
    assert "Aborted!" not in screen


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a pty")
def test_ctrl_c_at_the_overwrite_question_exits_130_and_keeps_the_file(demo_store, tmp_path):
    target = tmp_path / "all.json"
    target.write_text("precious")
    code, screen = _ctrl_c_at_prompt(["export", "-o", str(target)], b"Overwrite it? [y/N]", _env())
    assert code == 130, screen
    assert "linkcheck: interrupted" in screen and "Aborted!" not in screen
    assert target.read_text() == "precious"


def test_verify_without_a_key_does_not_print_ok_when_it_exits_3(cli, demo_store, tmp_path):
    out = tmp_path / "appeal.txt"
    assert cli("statement", "lotus-jp", "--against", "nordic-de", "-o", out).exit_code == 0
    result = cli("verify", out, passphrase=None)
    assert result.exit_code == 3
    assert "OK" not in result.stdout
    assert result.stdout.startswith("NOT VERIFIED: ")
    as_json = cli("verify", out, "--format", "json", passphrase=None)
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)["valid"] is False


def test_an_unknown_kind_is_the_same_exit_code_in_attr_add_attr_remove_and_explain(cli, demo_store):
    codes = {
        cli("attr", "add", "lotus-jp", "shoe_size", "42").exit_code,
        cli("attr", "remove", "lotus-jp", "shoe_size", "42").exit_code,
        cli("explain", "lotus-jp", "nordic-de", "shoe_size", "--note", "n").exit_code,
    }
    assert codes == {2}


def test_ctrl_c_after_the_import_committed_says_it_was_applied(cli, store, tmp_path, monkeypatch):
    path = write_json(tmp_path / "in.json", [PROFILE, {"account": "bad", "attributes": {"email": ["nope"]}}])

    def ctrl_c(message):
        raise KeyboardInterrupt

    monkeypatch.setattr("linkcheck.cli.account_cmds.echo_err", ctrl_c)
    result = cli("import", "--skip-invalid", path)
    assert result.exit_code == 130
    assert result.output == (
        "linkcheck: interrupted, but the import was already applied: 1 new account(s), 0 updated, 1 value(s) added\n"
    )
    assert _names(cli) == ["acme-us"]



def test_ctrl_c_before_the_import_committed_says_nothing_was_imported(cli, store, tmp_path, monkeypatch):
    path = write_json(tmp_path / "in.json", [PROFILE])

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("linkcheck.accounts.import_records", ctrl_c)
    result = cli("import", path)
    assert (result.exit_code, result.output) == (130, "linkcheck: interrupted; nothing was imported (the store is as it was)\n")
    assert _names(cli) == []

# ----- --skip-invalid counts, --problems, empty inputs -----------------------------------------


def _bad_rows(count: int) -> list[dict]:
    """Rows with two invalid values each (and one good one)."""
    return [
        {"account": f"shop-{i}", "attributes": {"email": ["nope", f"ok{i}@shop.example"], "ip": ["999.1.1.1"]}}
        for i in range(count)
    ]


def test_skip_invalid_counts_rows_and_problems_separately(cli, store, tmp_path):
    path = write_json(tmp_path / "in.json", [PROFILE, *_bad_rows(3)])
    result = cli("import", "--skip-invalid", path)
    assert result.exit_code == 0
    assert "Skipped 3 invalid rows (6 problems)." in result.stderr
    assert result.stdout == "Imported 1 new account(s), updated 0, added 1 value(s).\n"


def test_skip_invalid_lists_at_most_200_problems_and_problems_file_has_all(cli, store, tmp_path):
    path = write_json(tmp_path / "in.json", [PROFILE, *_bad_rows(150)])
    problems = tmp_path / "problems.txt"
    result = cli("import", "--skip-invalid", "--problems", problems, path)
    assert result.exit_code == 0
    assert result.stderr.count("  skipped ") == 200
    assert "  … and 100 more\n" in result.stderr
    assert "Skipped 150 invalid rows (300 problems)." in result.stderr
    lines = problems.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 300
    assert lines[0].startswith("in.json[1]: account 'shop-0': email ")
    assert stat.S_IMODE(problems.stat().st_mode) == 0o600


def test_problems_file_is_written_when_the_import_is_refused(cli, store, tmp_path):
    path = write_json(tmp_path / "in.json", _bad_rows(2))
    problems = tmp_path / "problems.txt"
    result = cli("import", "--problems", problems, path)
    assert result.exit_code == 3
    assert len(problems.read_text(encoding="utf-8").splitlines()) == 4
    assert _names(cli) == []


@pytest.mark.parametrize(
    "name, content",
    [("header-only.csv", "account,email\n"), ("empty.csv", ""), ("empty-list.json", "[]")],
)
def test_an_input_without_rows_says_nothing_was_imported(cli, store, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    result = cli("import", path)
    assert result.exit_code == 0
    assert result.stdout == "Nothing was imported: the input holds no account rows.\n"


def test_all_rows_invalid_with_skip_invalid_says_nothing_was_imported(cli, store, tmp_path):
    path = write_json(tmp_path / "in.json", _bad_rows(2))
    result = cli("import", "--skip-invalid", path)
    assert result.exit_code == 0
    assert result.stdout == "Nothing was imported: all 2 row(s) were invalid.\n"


# ----- the round trip ------------------------------------------------------------------------------


def test_export_import_export_is_byte_identical(cli, demo_store, tmp_path):
    first = tmp_path / "first.json"
    assert cli("export", "-o", first).exit_code == 0
    other = tmp_path / "other" / "store.db"
    assert cli("init", "--store", other).exit_code == 0
    assert cli("import", "--store", other, first).exit_code == 0
    again = tmp_path / "again.json"
    assert cli("export", "--store", other, "-o", again).exit_code == 0
    assert again.read_bytes() == first.read_bytes()
    assert first.read_text(encoding="utf-8") == json.dumps(json.loads(first.read_text(encoding="utf-8")), ensure_ascii=False, indent=2) + "\n"


def test_export_of_an_empty_store_imports_as_nothing(cli, store, tmp_path):
    out = tmp_path / "none.json"
    assert cli("export", "-o", out).exit_code == 0
    assert out.read_text() == "[]\n"
    assert cli("import", out).stdout == "Nothing was imported: the input holds no account rows.\n"


def test_the_round_trip_bench_runs_and_finds_the_re_export_identical(tmp_path):
    """bench/roundtrip.py end to end on 300 accounts (structure and exactness, not timings)."""
    env = dict(os.environ, TMPDIR=str(tmp_path))
    for name in ("LINKCHECK_PASSPHRASE", "LINKCHECK_DEBUG", "LINKCHECK_STORE"):
        env.pop(name, None)
    bench = Path(__file__).resolve().parent.parent / "bench" / "roundtrip.py"
    proc = subprocess.run(
        [sys.executable, str(bench), "--accounts", "300", "--fast-kdf", "--json"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["accounts"] == 300 and report["identical"] is True
    for step in ("build_import", "export", "import"):
        assert report[step]["seconds"] > 0 and 10 < report[step]["peak_mb"] < 500


def test_ijson_uses_its_c_backend():
    """The streaming import is only as fast as the README says with yajl2_c (a pure-Python
    fallback would import silently but several times slower)."""
    import ijson

    assert ijson.backend == "yajl2_c"


def test_the_demo_never_replaces_a_file_of_the_users_that_bears_its_name(cli, tmp_path):
    """A user's own linkcheck-demo-report.html, or one changed since the demo wrote it, is kept:
    the demo refuses (exit 2) before it runs, and says what to do; its own files it replaces."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "linkcheck-demo-report.html").write_text("my own notes", encoding="utf-8")
    result = cli("demo", "--output-dir", out)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (f"linkcheck: error: {out} already holds linkcheck-demo-report.html, which the "
                                     "demo did not write there and would replace: move it away, or give the demo "
                                     "another folder with --output-dir DIR")
    assert (out / "linkcheck-demo-report.html").read_text(encoding="utf-8") == "my own notes"
    assert not (out / "linkcheck-demo-statement.html").exists()
    (out / "linkcheck-demo-report.html").unlink()
    assert cli("demo", "--output-dir", out).exit_code == 0
    # its own files, as it left them, it replaces; one edited since is the user's
    assert cli("demo", "--output-dir", out).exit_code == 0
    with open(out / "linkcheck-demo-statement.html", "a", encoding="utf-8") as fh:
        fh.write("<!-- my edit -->")
    again = cli("demo", "--output-dir", out)
    assert again.exit_code == 2 and "linkcheck-demo-statement.html" in again.stderr
    # a folder of that name that is no appeal pack is the user's too
    other = tmp_path / "other"
    (other / "linkcheck-demo-appeal").mkdir(parents=True)
    refused = cli("demo", "--output-dir", other)
    assert refused.exit_code == 2 and "linkcheck-demo-appeal" in refused.stderr


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n", b"\xef\xbb\xbf\n"])
def test_an_empty_json_file_is_called_empty(cli, store, tmp_path, content):
    """Not "it ends too early: a list, object or string is not closed", which sends a user
    looking for a bracket in a file with nothing in it."""
    path = tmp_path / "empty.json"
    path.write_bytes(content)
    result = cli("import", path)
    assert result.exit_code == 3
    assert result.stderr.strip() == (f"linkcheck: error: {path}: the file is empty; an import file holds a JSON list "
                                     "of accounts (see the README's Import section)")
    cut = tmp_path / "cut.json"
    cut.write_bytes(b'[{"account":')
    assert "it ends too early" in cli("import", cut).stderr


def test_the_demos_record_is_never_written_through_a_link_nor_waited_on(cli, tmp_path):
    """`.linkcheck-demo.json` made a symbolic link to a file elsewhere (a folder someone else
    created first): that file is left as it was, and the record replaced by a file of its own; a
    FIFO of that name is not waited on."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("victim", encoding="utf-8")
    (out / ".linkcheck-demo.json").symlink_to(victim)
    assert cli("demo", "--output-dir", out).exit_code == 0
    assert victim.read_text(encoding="utf-8") == "victim"
    assert not (out / ".linkcheck-demo.json").is_symlink()
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / ".linkcheck-demo.json")
    assert cli("demo", "--output-dir", fifo).exit_code == 0
    assert not stat.S_ISFIFO(os.lstat(fifo / ".linkcheck-demo.json").st_mode)


def test_bytes_of_a_byte_order_mark_alone_are_no_empty_json_file(cli, store, tmp_path):
    """Only the whole three-byte BOM is passed over: two of its bytes are text that is not JSON."""
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xbb\xbf")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "the file is empty" not in result.stderr and "not valid JSON" in result.stderr
