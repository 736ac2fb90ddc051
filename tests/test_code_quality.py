"""The code-quality gates run with the suite: ruff (the rules in pyproject.toml) on the whole
tree, and mypy (the [tool.mypy] settings) on the core package. Both use the project's own
configuration from the project root, so this is the same check CI runs."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> list[str]:
    # Prefer the tool installed next to this Python (the venv's), then one on PATH.
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return [str(beside)]
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]' installs it)")
    return [found]


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = _run(_tool("ruff") + ["check", "--no-cache", "linkcheck", "tests", "bench"])
    assert result.returncode == 0, f"ruff findings:\n{result.stdout}{result.stderr}"


def test_mypy_finds_nothing_in_the_core(tmp_path):
    # A cache under tmp_path: parallel workers and other checkouts never share one.
    result = _run(_tool("mypy") + ["--cache-dir", str(tmp_path / "mypy-cache")])
    assert result.returncode == 0, f"mypy findings:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout
