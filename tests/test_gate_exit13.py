"""`check` and `precheck` after the key (thirteenth session): the same answer, sooner.

- `plain_table` writes the tables linkcheck prints most exactly as tabulate's "simple" format
  does, without importing tabulate (whose import reads the installed packages' metadata) or
  wcwidth; anything it is not sure of goes to tabulate.
- `_width` answers printable ASCII without wcwidth, as wcwidth would.
- Run as the console script or `python -m linkcheck` (`linkcheck.entry`), `check` and
  `precheck` end the process once the answer is written: the same stdout, stderr and exit code as
  in-process, exit handlers run, output flushed into a pipe.
"""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate
from wcwidth import wcswidth

from conftest import PASSPHRASE, PROFILES_DIR
from linkcheck.cli.localise import _width
from linkcheck.cli.output import plain_table, render_rows

# Characters that make tabulate read a cell as a number, a boolean or something to strip, and
# plain letters and punctuation; a few wide and invisible ones.
TRICKY = ["", "0", "7", "42", "007", "1.5", "-3", "+4", "1e5", "1_000", "1,000", "1,000.5", ".", "-", "+", "e", "E",
          "inf", "-inf", "nan", "NaN", "Infinity", "tea", "fine", "any", "True", "False", "true", " 5", "5 ", " a",
          "a b", "1 2", "****0010", "critical", "normalised", "phone", "store-000121", "(context)", "a;b", "x" * 12,
          "1" * 301, "9" * 300, "深圳", "é", "\x1b[31m1\x1b[0m", "tab\there", "two\nlines", "\x01"]
cell = st.one_of(st.sampled_from(TRICKY), st.text(alphabet=string.printable[:95], max_size=8),
                 st.text(alphabet="0123456789.,+-_eEinfatyINFATY ", max_size=5))


@settings(max_examples=600, deadline=None)
@given(st.integers(min_value=1, max_value=5).flatmap(
    lambda n: st.tuples(st.lists(cell, min_size=n, max_size=n),
                        st.lists(st.lists(cell, min_size=n, max_size=n), min_size=1, max_size=6))))
def test_the_plain_table_is_tabulate_s_or_none(table):
    headers, cells = table
    plain = plain_table(cells, headers)
    if plain is not None:
        assert plain == tabulate(cells, headers=headers)


def test_the_tables_a_check_and_a_precheck_print_take_the_plain_path():
    headers = ["kind", "level", "weight", "match", "planned-brand", "store-000121"]
    cells = [["phone", "critical", "24", "normalised", "****0010", "****0010"],
             ["address", "medium (context)", "", "similar 0.93", "Suite 9, 1 B*** Road", "S*** 9"],
             ["email_domain", "low", "3", "exact", "brandnew.example", "brandnew.example"]]
    plain = plain_table(cells, headers)
    assert plain is not None and plain == tabulate(cells, headers=headers)
    rows = [dict(zip(headers, row, strict=True)) for row in cells]
    assert render_rows(rows, "table", headers) == plain


@pytest.mark.parametrize("cells", [[["1.5"]], [["深圳"]], [[" padded"]], [["True"]], [["nan"]], [["1" * 301]]])
def test_what_the_plain_table_is_not_sure_of_goes_to_tabulate(cells):
    assert plain_table(cells, ["value"]) is None
    assert render_rows([{"value": row[0]} for row in cells], "table", ["value"]) == tabulate(
        [[row[0].strip() if row[0].strip() != row[0] else row[0]] for row in cells], headers=["value"])


def test_width_of_ascii_is_wcwidth_s():
    for code in range(128):
        text = chr(code) * 3 + "ab"
        expected = wcswidth(text)
        assert _width(text) == (len(text) if expected < 0 else expected), code
    for text in ["", "CRITICAL", "严重", "é", "a\u0301", "ｆｕｌｌ"]:
        expected = wcswidth(text)
        assert _width(text) == (len(text) if expected < 0 else expected), text


# ----- the process ends once the answer is written ------------------------------------------------------

ENTRY = ("import atexit, pathlib, sys; atexit.register(pathlib.Path(sys.argv.pop(1)).touch); "
         "sys.argv[0] = 'linkcheck'; from linkcheck.entry import run; run()")
# The same, reporting whether the interpreter's own teardown ran: it finalises the objects of the
# modules left in sys.modules, which os._exit never does.
TEARDOWN = ("import os, sys, types\n"
            "class Witness:\n    def __del__(self, write=os.write): write(2, b'teardown ran\\n')\n"
            "module = types.ModuleType('witness'); module.witness = Witness(); sys.modules['witness'] = module\n"
            "del module; sys.argv.pop(1); sys.argv[0] = 'linkcheck'; from linkcheck.entry import run; run()")


def _now_out(text: bytes) -> bytes:
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"(now)", text)


def _env(store):
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE, LINKCHECK_STORE=str(store))
    return env


MACHINE = PROFILES_DIR.parent / "capture" / "fixtures" / "demo-machine.json"


@pytest.mark.parametrize("command", [
    ("check", "acme-us", "--machine", str(MACHINE)),
    ("check", "acme-us", "--machine", str(MACHINE), "--format", "json"),
    ("check", "no-such-account", "--machine", str(MACHINE)),
    ("precheck", "--email", "hello@new-brand.example"),
    ("precheck", "--email", "ops@acme-trading.example", "--phone", "+86 138 0013 8000"),
    ("precheck", "--email", "ops@acme-trading.example", "--format", "json"),
])
def test_check_and_precheck_end_the_process_with_the_library_s_answer(demo_store, cli, command, tmp_path):
    expected = cli(*command)
    marker = tmp_path / "exit-handlers-ran"
    proc = subprocess.run([sys.executable, "-c", ENTRY, str(marker), *command], env=_env(demo_store),
                          capture_output=True, timeout=180)
    assert proc.returncode == expected.exit_code, proc.stderr
    # Flushed into the pipe, every byte (but the planned account's time of seeing: now).
    assert _now_out(proc.stdout) == _now_out(expected.stdout_bytes)
    assert proc.stderr.decode() == expected.stderr
    assert marker.exists()  # the exit handlers ran


def test_check_ends_without_the_interpreter_s_teardown_and_other_commands_keep_it(demo_store, tmp_path):
    marker = tmp_path / "marker"
    check = subprocess.run([sys.executable, "-c", TEARDOWN, str(marker), "check", "acme-us", "--machine",
                            str(MACHINE)], env=_env(demo_store), capture_output=True, timeout=180)
    assert check.returncode in (0, 1), check.stderr
    assert b"teardown ran" not in check.stderr and check.stdout.startswith((b"GO", b"STOP"))
    listed = subprocess.run([sys.executable, "-c", TEARDOWN, str(marker), "account", "list"],
                            env=_env(demo_store), capture_output=True, timeout=180)
    assert listed.returncode == 0, listed.stderr
    assert b"teardown ran" in listed.stderr


def test_check_record_still_writes_when_the_process_ends_at_once(demo_store, cli, tmp_path):
    before = cli("log").stdout
    marker = tmp_path / "exit-handlers-ran"
    proc = subprocess.run([sys.executable, "-c", ENTRY, str(marker), "check", "acme-us", "--machine", str(MACHINE),
                           "--record"], env=_env(demo_store), capture_output=True, timeout=180)
    assert proc.returncode in (0, 1), proc.stderr
    assert b"Recorded" in proc.stdout
    after = cli("log").stdout
    assert len(after.splitlines()) > len(before.splitlines())


def test_in_process_the_command_line_returns(cli, demo_store):
    # Inside another program (tests, `demo`) the command returns as before: the process goes on.
    result = cli("check", "acme-us", "--machine", str(MACHINE))
    assert result.exit_code in (0, 1)
    assert sys.modules["linkcheck.cli"]._END_WHEN_ANSWERED is True


# ----- patterns compiled at first use ----------------------------------------------------------------


def test_a_lazy_pattern_compiles_at_first_use_and_then_is_the_pattern():
    import re

    from linkcheck.lazy import LazyPattern, lazy_pattern

    namespace: dict = {}
    namespace["gap"] = lazy_pattern(namespace, "gap", r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")
    held = namespace["gap"]  # as another module's `from ... import gap` holds it
    assert isinstance(held, LazyPattern)
    assert held.sub("", "深 圳 ab c") == "深圳 ab c"
    assert type(namespace["gap"]) is re.Pattern  # the module's own name is the compiled pattern now
    assert held.pattern == namespace["gap"].pattern and held.findall("一 二") == [" "]
    unnamed = lazy_pattern(None, None, "a|b")
    assert unnamed.findall("cab") == ["a", "b"]


def test_check_and_precheck_of_ascii_values_compile_no_cjk_pattern(tmp_path, demo_store):
    # What `check` and `precheck` import no longer compiles the patterns of Chinese text (5-25 ms
    # of CPU while the key is derived); the ones they use are compiled when used.
    code = ("import json, sys; out = sys.argv.pop(1); sys.argv = ['linkcheck', *sys.argv[1:]]\n"
            "from linkcheck.cli import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "modules = [sys.modules['linkcheck.' + m] for m in ('normalize.text', 'cli.localise', 'normalize.address')]\n"
            "lazy = [n for m in modules for n, v in vars(m).items() if type(v).__name__ == 'LazyPattern']\n"
            "open(out, 'w').write(json.dumps(lazy))")
    import json
    for args in (("check", "acme-us", "--machine", str(MACHINE)), ("precheck", "--email", "hello@new-brand.example")):
        out = tmp_path / "lazy.json"
        proc = subprocess.run([sys.executable, "-c", code, str(out), *args], env=_env(demo_store),
                              capture_output=True, timeout=180)
        assert proc.returncode in (0, 1), proc.stderr
        assert {"_CJK_GAP", "_CJK_EDGE", "_TOKEN", "_WIDE_GAP", "_ZH_PROVINCE_BEFORE_CITY"} <= set(json.loads(out.read_text()))
