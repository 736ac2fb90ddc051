"""What a plain (non-editable) install ships."""

from __future__ import annotations

import configparser
from pathlib import Path

import linkcheck


def test_every_data_file_of_the_package_is_shipped_by_a_plain_install():
    """A catalog, template or style sheet setup.cfg's package_data misses is absent from a
    non-editable `pip install .`, and the command that reads it fails there only."""
    root = Path(linkcheck.__file__).resolve().parent
    config = configparser.ConfigParser()
    config.read(root.parent / "setup.cfg", encoding="utf-8")
    entries = config["options.package_data"]["linkcheck"]
    assert "\n" not in entries.strip(), "one line: a continuation line is read as another package"
    shipped = {p for pattern in entries.split(",") for p in root.glob(pattern.strip()) if p.is_file()}
    data = {
        p for p in root.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert sorted(str(p.relative_to(root)) for p in data - shipped) == []
    assert root / "catalogs" / "zh" / "statement.toml" in shipped
    assert root / "appeal" / "templates" / "statement.html.j2" in shipped
