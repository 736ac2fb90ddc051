"""The reader registry: a new format is one module and one registration, and every reader gets
the same safe file handling (regular files only, spreadsheets refused) as the built-in ones."""

from __future__ import annotations

import json
import os
from typing import Iterator

import pytest

from linkcheck import importers
from linkcheck.errors import InvalidInput
from linkcheck.importers import ImportFile, ProfileRecord, RawValue, read_records, reader


@pytest.fixture
def registry(monkeypatch):
    """The registry as shipped; whatever a test registers is gone after it."""
    monkeypatch.setattr(importers, "_READERS", dict(importers._READERS))
    return importers


def _register_tabs() -> None:
    """A tiny format: one account per line, `name<TAB>kind=value<TAB>kind=value...`."""

    @reader("tabs", extensions=(".tabs",))
    def read_tabs(source: ImportFile) -> Iterator[ProfileRecord]:
        for number, line in enumerate(source.fh.read().decode("utf-8").splitlines(), 1):
            name, *cells = line.split("\t")
            values = tuple(RawValue(*cell.split("=", 1)) for cell in cells)
            yield ProfileRecord(f"{source.path.name} line {number}", name, "amazon.com", values=values)


def test_a_registered_reader_imports_through_the_cli(cli, store, tmp_path, registry):
    _register_tabs()
    path = tmp_path / "accounts.tabs"
    path.write_text(
        "acme-us\temail=ops@acme-trading.example\tip=203.0.113.7\n"
        "pine-mx\temail=hola@pine-goods.example\n",
        encoding="utf-8",
    )

    result = cli("import", path)

    assert result.exit_code == 0, result.output
    assert "Imported 2 new account(s), updated 0, added 3 value(s)." in result.output
    shown = json.loads(cli("account", "show", "acme-us", "--reveal", "--format", "json").output)
    assert shown["marketplace"] == "amazon.com"
    assert [(a["kind"], a["value"]) for a in shown["attributes"]] == [
        ("email", "ops@acme-trading.example"),
        ("ip", "203.0.113.7"),
    ]


def test_a_registered_reader_is_validated_like_any_import(cli, store, tmp_path, registry):
    _register_tabs()
    path = tmp_path / "bad.tabs"
    path.write_text("acme-us\temail=not-an-email\n", encoding="utf-8")

    result = cli("import", path)

    assert result.exit_code == 3
    assert "bad.tabs line 1: account 'acme-us': email 'not-an-email'" in result.output
    assert "No accounts yet" in cli("account", "list").output


def test_a_reader_recognises_its_files_by_their_first_bytes(tmp_path, registry):
    @reader("vendor-x", extensions=(".json",), sniff=lambda head: head.startswith(b'{"vendorXProfiles"'))
    def read_vendor(source: ImportFile) -> Iterator[ProfileRecord]:
        for item in json.load(source.fh)["vendorXProfiles"]:
            yield ProfileRecord(f"{source.path.name} {item['id']}", item["title"])

    vendor = tmp_path / "export.json"
    vendor.write_text(json.dumps({"vendorXProfiles": [{"id": "p1", "title": "acme-us"}]}), encoding="utf-8")
    plain = tmp_path / "profiles.json"
    plain.write_text(json.dumps({"account": "pine-mx"}), encoding="utf-8")

    assert [(r.origin, r.name) for r in read_records(vendor, None)] == [("export.json p1", "acme-us")]
    assert [(r.origin, r.name) for r in read_records(plain, None)] == [("profiles.json", "pine-mx")]
    assert importers.detect_format(vendor, None) is None  # decided when the file's first bytes are read


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_registered_reader_never_gets_a_pipe(tmp_path, registry):
    _register_tabs()
    fifo = tmp_path / "accounts.tabs"
    os.mkfifo(fifo)

    with pytest.raises(InvalidInput, match="not a regular file"):
        list(read_records(fifo, None))


def test_a_registered_reader_never_gets_a_workbook(tmp_path, registry):
    _register_tabs()
    path = tmp_path / "accounts.tabs"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 60)

    with pytest.raises(InvalidInput, match="looks like an Excel workbook"):
        list(read_records(path, None))


def test_an_unknown_extension_names_every_registered_format(tmp_path, registry):
    _register_tabs()
    path = tmp_path / "accounts.dat"
    path.write_text("acme-us\n", encoding="utf-8")

    with pytest.raises(InvalidInput) as caught:
        list(read_records(path, None))

    assert caught.value.message == (
        f"{path}: cannot tell the format from the extension; add --format json or --format csv or --format tabs"
    )
    assert [r.name for r in read_records(path, "tabs")] == ["acme-us"]


def test_a_format_name_is_registered_once(registry):
    with pytest.raises(ValueError, match="'csv' is already registered"):
        reader("csv")(lambda source: iter(()))
