"""Every command is documented: help text with examples, and a place in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from linkcheck.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CI_RUN = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = prefix + (name,)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = list(_commands(main))


@pytest.fixture(autouse=True)
def _english_help():
    """The commands' help as English holds it: a test that ran a command in Chinese before, in
    this process, left the shared command objects localised (cli/localise.py puts them back in
    English only when the next command runs in English)."""
    from linkcheck.cli.localise import localise

    localise(main, "en")


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_examples(path, command):
    assert command.help and len(command.help.strip()) > 20
    assert "Examples:" in command.help, f"`linkcheck {' '.join(path)} --help` has no Examples block"


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_is_in_the_readme(path, command):
    assert f"linkcheck {' '.join(path)}" in README


def test_readme_starts_with_the_two_setup_commands():
    head = README.split("## Quick start")[0]
    assert "linkcheck demo" in head
    assert "python -m pytest" in head


def test_ci_runs_the_readme_test_command():
    readme_test = re.search(r"python -m pip install -e '\.\[test\]' && python -m pytest[^\n]*", README).group(0)
    assert readme_test in CI_RUN


def test_readme_has_no_unfilled_sections():
    assert not re.search(r"\b[A-Z]+_SECTION\b", README)


@pytest.mark.parametrize("code", ["0", "1", "2", "3", "4", "5", "6"])
def test_readme_documents_each_exit_code(code):
    assert re.search(rf"^\| {code} \|", README, re.M)
