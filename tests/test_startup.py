"""Start-up: `linkcheck` loads only what the command it runs needs.

`check` and `run` stand between the user and a login, so the interpreter's start-up counts in
their budget. The command group imports a command's module only when that command runs, and
`linkcheck --help` lists every command from the table `linkcheck.cli.COMMANDS` without importing
any. Heavy libraries are imported where they are used, not at a module's top: these tests run
`linkcheck` in a fresh interpreter and fail when one comes back on a path that does not use it.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import click
import pytest

from conftest import PASSPHRASE, PROFILES_DIR
from linkcheck.cli import COMMANDS, main
from linkcheck.lazy import LazyImport

# Run `linkcheck ARGS` in this fresh interpreter, then write the names of the loaded modules to
# the file named by the first argument (after the command has printed and exited).
RUNNER = """\
import json, sys
out, args = sys.argv[1], sys.argv[2:]
sys.argv = ["linkcheck", *args]
try:
    from linkcheck.cli import run
    run()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(out, "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""
# `linkcheck --help` with every command's module loaded first.
ALL_LOADED_HELP = """\
import importlib, sys
from linkcheck.cli import COMMANDS, main, run
for module in sorted({module for module, _help in COMMANDS.values()}):
    importlib.import_module("linkcheck.cli." + module).register(main)
sys.argv = ["linkcheck", "--help"]
run()
"""

# Third-party libraries (and linkcheck's own heavier parts) that none of --version, --help and
# a command's --help needs.
HEAVY_LIBRARIES = ("phonenumbers", "rapidfuzz", "jinja2", "psycopg", "tabulate", "pypinyin", "stdnum", "psutil",
                   "netifaces", "ijson", "cryptography", "sqlite3", "wcwidth")
NOT_FOR_HELP = HEAVY_LIBRARIES + ("linkcheck.normalize", "linkcheck.registry", "linkcheck.store", "linkcheck.linkage",
                                  "linkcheck.importers", "linkcheck.cli.output", "importlib.resources")
# What `check` (and its --help) loads without using: phone numbers, fuzzy scoring, the report's
# templates, the team store's driver, tables, Chinese names, business registry numbers, import files.
NOT_FOR_CHECK = ("phonenumbers", "rapidfuzz", "jinja2", "psycopg", "tabulate", "pypinyin", "stdnum", "ijson")


def loaded_modules(tmp_path, *args: str) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    done = subprocess.run([sys.executable, "-c", RUNNER, str(out), *args], env=env, capture_output=True, text=True,
                          timeout=120)
    assert out.exists(), done.stderr
    data = json.loads(out.read_text())
    return data["code"], set(data["modules"])


def heavy_in(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(name for name in names if name in modules or any(m.startswith(name + ".") for m in modules))


def test_every_command_s_short_help_is_the_one_in_the_table():
    # The table is what `linkcheck --help` shows without loading the commands: it must say what
    # each command's own help says, for every command and no other.
    ctx = click.Context(main)
    for name, (module, short_help) in COMMANDS.items():
        importlib.import_module(f"linkcheck.cli.{module}")
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert command.get_short_help_str(10**6) == short_help, name
        assert not command.hidden and not command.deprecated, name
    assert set(main.commands) == set(COMMANDS)


def test_help_lists_every_command_without_importing_one(tmp_path):
    code, modules = loaded_modules(tmp_path, "--help")
    assert code == 0
    assert [m for m in modules if m.startswith("linkcheck.cli.") and m.endswith("_cmds")] == []
    assert heavy_in(modules, NOT_FOR_HELP) == []
    lazy = subprocess.run([sys.executable, "-m", "linkcheck", "--help"], capture_output=True, text=True, check=True)
    # The same page with every command loaded, so each speaks for itself.
    loaded = subprocess.run([sys.executable, "-c", ALL_LOADED_HELP], capture_output=True, text=True, check=True)
    assert lazy.stdout == loaded.stdout
    for name, (_module, short_help) in COMMANDS.items():
        first_words = " ".join(short_help.split()[:3])
        assert any(line.split()[:1] == [name] and first_words in line for line in lazy.stdout.splitlines()), name


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("-h",)])
def test_version_and_help_load_no_command_and_no_heavy_library(tmp_path, args):
    code, modules = loaded_modules(tmp_path, *args)
    assert code == 0
    assert heavy_in(modules, NOT_FOR_HELP) == []


@pytest.mark.parametrize("command", ["check", "precheck", "run", "fingerprint", "import", "report", "account", "init"])
def test_a_command_s_help_loads_no_heavy_library_it_does_not_use(tmp_path, command):
    code, modules = loaded_modules(tmp_path, command, "--help")
    assert code == 0
    assert f"linkcheck.cli.{COMMANDS[command][0]}" in modules
    assert heavy_in(modules, NOT_FOR_CHECK) == []


def test_check_loads_no_phone_numbers_templates_or_database_driver(tmp_path, demo_store):
    machine = PROFILES_DIR.parent / "capture" / "fixtures" / "demo-machine.json"
    code, modules = loaded_modules(tmp_path, "check", "acme-us", "--machine", str(machine))
    assert code == 0
    assert "linkcheck.gate" in modules
    assert heavy_in(modules, NOT_FOR_CHECK + ("psutil", "netifaces")) == []



def test_precheck_without_a_phone_number_loads_no_phone_numbers(tmp_path, demo_store):
    code, modules = loaded_modules(tmp_path, "precheck", "--email", "hello@new-brand.example")
    assert code == 0
    assert "linkcheck.usecases.precheck" in modules
    assert heavy_in(modules, NOT_FOR_CHECK) == []
    # ...and with one, it does: the number is read by phonenumbers.
    code, modules = loaded_modules(tmp_path, "precheck", "--phone", "+1 201 555 0100")
    assert code == 0
    assert "phonenumbers" in modules


def test_a_lazy_import_puts_the_real_object_in_place_at_first_use():
    namespace: dict = {}
    namespace["fold"] = LazyImport(namespace, "fold", "unicodedata", "normalize")
    namespace["text"] = LazyImport(namespace, "text", "textwrap")
    assert isinstance(namespace["fold"], LazyImport) and isinstance(namespace["text"], LazyImport)
    assert namespace["fold"]("NFKC", "\uff21") == "A"  # a call imports, then calls
    import unicodedata
    import textwrap

    assert namespace["fold"] is unicodedata.normalize  # later uses are the function itself
    assert namespace["text"].dedent("  a\n  b") == "a\nb"  # an attribute imports too
    assert namespace["text"] is textwrap


# The interpreter's exit ends with a full collection over every live object (the imported modules',
# the command's): 15-25 ms of CPU after the command has answered. `run` freezes them first.
FROZEN_AT_EXIT = """\
import atexit, gc, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps({"frozen": gc.get_freeze_count(), "enabled": gc.isenabled()})))
sys.argv = ["linkcheck", *sys.argv[1:]]
from linkcheck.entry import run
run()
"""


@pytest.mark.parametrize("args", [("--version",), ("account", "list"), ("account", "show", "no-such-account")])
def test_the_exit_scans_no_object_the_command_left(tmp_path, demo_store, args):
    out = tmp_path / "gc.json"
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    done = subprocess.run([sys.executable, "-c", FROZEN_AT_EXIT, str(out), *args], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode in (0, 2), done.stderr
    found = json.loads(out.read_text())
    assert found["frozen"] > 10_000 and found["enabled"] is False
