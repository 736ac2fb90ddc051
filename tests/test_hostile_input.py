"""Hostile and messy input: arbitrary import files, real spreadsheets, formula injection, oversized input.

Each kind's validator and normaliser already has its properties in test_kinds.py; this file
covers what surrounds them: the JSON and CSV importers (importers.read_records feeding
accounts.import_records into a real store), attribute metadata, free text from the command
line, files as Excel writes them, and input far too large to be real.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linkcheck import accounts as book
from linkcheck.store import codec as store_mod
from linkcheck.errors import InvalidInput
from linkcheck.importers import read_records
from linkcheck.importers.safety import FORMULA_STARTS
from linkcheck.registry.kinds import KIND_NAMES, KINDS
from linkcheck.models import SOURCES, STATUSES, Account, Profile, iso
from linkcheck.store import Store

from conftest import PASSPHRASE

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any code point, lone surrogates included (JSON "\ud800" escapes and undecodable command-line
# bytes both produce them).
ANY_CHAR = st.characters(blacklist_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=40)
VALID_VALUES = st.sampled_from([(name, kind.example) for name, kind in KINDS.items()])


def _import_file(store_path: Path, path: Path, fmt: str, *, skip_invalid: bool = False, encoding=None):
    """What `linkcheck import` does: stream the file's records into one write transaction."""
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        return book.import_records(st, read_records(path, fmt, encoding=encoding), skip_invalid=skip_invalid)


def _accepts_or_refuses(store_path: Path, path: Path, fmt: str, **kwargs) -> None:
    """The importer's contract: it imports, or raises InvalidInput (exit 3) — nothing else."""
    try:
        _import_file(store_path, path, fmt, **kwargs)
    except InvalidInput:
        pass


def _shown_names(cli) -> list[str]:
    result = cli("account", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    return [row["name"] for row in json.loads(result.output)]


# ----- property: the JSON importer -----------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3), max_leaves=8
)
timestamps = st.integers() | st.sampled_from(
    ["2024-05-01T10:00:00Z", "2024-05-01", "yesterday", "9999-12-31T23:59:59+14:00"]
)
value_entries = (
    VALID_VALUES.map(lambda kv: kv[1])
    | ANY_TEXT
    | json_values
    | st.fixed_dictionaries(
        {"value": VALID_VALUES.map(lambda kv: kv[1]) | json_values},
        optional={
            "note": ANY_TEXT | json_values,
            "source": st.sampled_from(SOURCES) | json_values,
            "first_seen": timestamps | json_values,
            "last_seen": timestamps | json_values,
        },
    )
)
attribute_maps = st.dictionaries(
    st.sampled_from(KIND_NAMES) | ANY_TEXT, st.lists(value_entries, max_size=3) | value_entries, max_size=4
)
profiles = st.fixed_dictionaries(
    {},
    optional={
        "account": st.sampled_from(["acme-us", "shop-1", " padded "]) | ANY_TEXT | json_values,
        "marketplace": st.sampled_from(["amazon.com", "amazon.cn"]) | ANY_TEXT | json_values,
        "status": st.sampled_from(STATUSES) | ANY_TEXT | json_values,
        "note": ANY_TEXT | json_values,
        "attributes": attribute_maps | json_values,
        "extra": json_values,
    },
)
json_documents = profiles | st.lists(profiles, max_size=4) | json_values


@PROPERTIES
@given(text=st.text(ANY_CHAR) | st.binary().map(lambda b: b.decode("latin-1")))
@example(text="[" * 100_000)
@example(text='{"account": "a", "note": "\\ud800"}')
@example(text='\ufeff[{"account": "a"}]')
def test_arbitrary_text_as_a_json_import_is_imported_or_invalid_input(store, tmp_path, text):
    path = tmp_path / "input.json"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _accepts_or_refuses(store, path, "json")


@PROPERTIES
@given(document=json_documents, skip_invalid=st.booleans())
@example(document={"account": "a", "note": "\ud800"}, skip_invalid=False)
@example(document={"account": "a", "marketplace": "\udcff"}, skip_invalid=True)
@example(document={"account": "a", "attributes": {"email": [{"value": "a@b.example", "first_seen": 10**14}]}},
         skip_invalid=True)
@example(document={"account": "a", "attributes": {"email": [{"value": "a@b.example", "note": "\udfff"}]}},
         skip_invalid=True)
def test_arbitrary_json_profiles_are_imported_or_invalid_input(store, tmp_path, document, skip_invalid):
    path = tmp_path / "input.json"
    path.write_text(json.dumps(document, ensure_ascii=True, allow_nan=True), encoding="utf-8")
    _accepts_or_refuses(store, path, "json", skip_invalid=skip_invalid)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=json_documents)
@example(document={"account": "a", "attributes": {"email": [{"value": "a@b.example", "first_seen": 10**14}]}})
def test_whatever_a_json_import_accepts_can_be_shown_and_exported(cli, store, tmp_path, document):
    path = tmp_path / "input.json"
    path.write_text(json.dumps(document, ensure_ascii=True), encoding="utf-8")
    result = cli("import", "--skip-invalid", path)
    assert result.exit_code in (0, 3), result.output
    for name in _shown_names(cli):
        shown = cli("account", "show", "--format", "json", "--", name)  # (a name may begin with "-")
        assert shown.exit_code == 0, shown.output
    assert cli("export", "--force", "-o", tmp_path / "out.json").exit_code == 0
    assert cli("export", "--force", "--format", "csv", "-o", tmp_path / "out.csv").exit_code == 0


# ----- property: the CSV importer ------------------------------------------------------------

csv_columns = st.lists(
    st.sampled_from(["account", "marketplace", "status", "note", *KIND_NAMES]) | ANY_TEXT, min_size=1, max_size=6
)
csv_cells = (
    VALID_VALUES.map(lambda kv: kv[1])
    | st.text(ANY_CHAR.filter(lambda c: not "\ud800" <= c <= "\udfff"), max_size=30)
    | st.sampled_from(["", ";", "\\;", "'=1+1", "a;b;;c", '"', "\r\n", "\x00"])
)


@PROPERTIES
@given(data=st.binary(max_size=2000))
@example(data=b"account,email\n\x00,\x00\n")
@example(data=b'account,email\n"unterminated\n')
@example(data=b"\xef\xbb\xbfaccount\n\xff\xfe\n")
@example(data=b"\xff\xfea\x00c\x00c\x00o\x00u\x00n\x00t\x00\n\x00")
def test_arbitrary_bytes_as_a_csv_import_are_imported_or_invalid_input(store, tmp_path, data):
    path = tmp_path / "input.csv"
    path.write_bytes(data)
    _accepts_or_refuses(store, path, "csv")


@PROPERTIES
@given(
    columns=csv_columns,
    rows=st.lists(st.lists(csv_cells, max_size=7), max_size=5),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    skip_invalid=st.booleans(),
)
def test_arbitrary_csv_tables_are_imported_or_invalid_input(
    store, tmp_path, columns, rows, delimiter, encoding, skip_invalid
):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows(rows)
    path = tmp_path / "input.csv"
    path.write_bytes(buf.getvalue().encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace"))
    _accepts_or_refuses(store, path, "csv", skip_invalid=skip_invalid)


# ----- property: attribute metadata ----------------------------------------------------------


@PROPERTIES
@given(
    kind=st.sampled_from(KIND_NAMES) | ANY_TEXT,
    value=VALID_VALUES.map(lambda kv: kv[1]) | ANY_TEXT | json_scalars,
    note=st.none() | ANY_TEXT,
    source=st.sampled_from(SOURCES) | ANY_TEXT,
    first_seen=st.none() | st.integers(),
    last_seen=st.none() | st.integers(),
)
@example(kind="email", value="ops@shop.example", note="\ud800", source="import", first_seen=None, last_seen=None)
@example(kind="email", value="ops@shop.example", note=None, source="import", first_seen=-(10**12), last_seen=None)
@example(kind="email", value="ops@shop.example", note=None, source="import", first_seen=None, last_seen=10**14)
def test_make_attribute_gives_a_storable_showable_attribute_or_invalid_input(
    kind, value, note, source, first_seen, last_seen
):
    try:
        attribute = book.make_attribute(
            kind, value, note=note, source=source, first_seen=first_seen, last_seen=last_seen, region="US"
        )
    except InvalidInput:
        return
    profile = Profile(Account("shop", "amazon.com", "active", None, 1, 1), (attribute,))
    assert store_mod._decode_profile(store_mod._encode_profile(profile)) == profile
    assert iso(attribute.first_seen) and iso(attribute.last_seen)


# ----- free text from the command line -------------------------------------------------------


def _subprocess(*args: bytes | str) -> subprocess.CompletedProcess:
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE, LC_ALL="C.UTF-8")
    return subprocess.run([sys.executable, "-m", "linkcheck", *args], env=env, capture_output=True, timeout=120)


@pytest.mark.parametrize(
    "args",
    [
        (b"account", b"add", b"shop-x", b"--note", b"caf\xe9"),
        (b"account", b"add", b"shop-x", b"--marketplace", b"amazon.\xff"),
        (b"account", b"set", b"acme-us", b"--note", b"\xc4\xe3\xba\xc3"),
        (b"attr", b"add", b"acme-us", b"hostname", b"laptop-2", b"--note", b"\xd6\xd0\xce\xc4"),
        (b"explain", b"harbor-au", b"cedar-us", b"ip", b"--note", b"\xff office"),
    ],
    ids=["latin-1 note", "undecodable marketplace", "GBK note", "GBK attribute note", "explanation note"],
)
def test_undecodable_command_line_text_exits_3(demo_store, args):
    before = demo_store.read_bytes()
    result = _subprocess(*args)
    assert result.returncode == 3, result.stderr
    assert result.stderr.decode().startswith("linkcheck: error: ")
    assert "not valid text" in result.stderr.decode()
    assert demo_store.read_bytes() == before


@pytest.mark.parametrize("command", [b"account show", b"check", b"attr add"])
def test_undecodable_account_name_is_simply_not_found(demo_store, command):
    extra = [b"hostname", b"laptop-2"] if command == b"attr add" else []
    result = _subprocess(*command.split(), b"acme-\xff", *extra)
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().startswith("linkcheck: error: no account named")


def test_json_note_with_a_lone_surrogate_escape_exits_3(cli, store, tmp_path):
    path = tmp_path / "in.json"
    path.write_text('{"account": "shop-x", "note": "broken \\ud800 text"}', encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 3, result.output
    assert "is not valid text" in result.output


def test_out_of_range_first_seen_in_json_exits_3(cli, store, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(
        json.dumps(
            {"account": "shop-x", "attributes": {"email": [{"value": "ops@shop.example", "first_seen": 10**14}]}}
        )
    )
    result = cli("import", path)
    assert result.exit_code == 3, result.output
    assert "first_seen is not a date" in result.output


# ----- spreadsheets as Excel writes them -----------------------------------------------------

CHINESE_CSV = (
    "account,marketplace,company_name,address,note\r\n"
    "深圳-店铺一,amazon.com,深圳市创新贸易有限公司,广东省深圳市南山区科苑路88号,主账号\r\n"
    "广州-店铺二,amazon.co.uk,广州市明亮家居有限公司,广东省广州市天河区体育西路1号,备用\r\n"
)


def _company(cli, name: str) -> str:
    shown = json.loads(cli("account", "show", name, "--reveal", "--format", "json").output)
    return next(a["value"] for a in shown["attributes"] if a["kind"] == "company_name")


def test_excel_utf8_csv_with_bom_and_crlf_imports_intact(cli, store, tmp_path):
    path = tmp_path / "excel-utf8.csv"
    path.write_bytes(CHINESE_CSV.encode("utf-8-sig"))
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert sorted(_shown_names(cli)) == sorted(["深圳-店铺一", "广州-店铺二"])
    assert _company(cli, "深圳-店铺一") == "深圳市创新贸易有限公司"


def test_chinese_excel_gbk_csv_is_detected_and_imported_intact(cli, store, tmp_path):
    path = tmp_path / "excel-gbk.csv"
    path.write_bytes(CHINESE_CSV.encode("gbk"))
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert _company(cli, "广州-店铺二") == "广州市明亮家居有限公司"


def test_gb18030_csv_with_characters_beyond_gbk_imports_intact(cli, store, tmp_path):
    text = "account,note\r\n吉-店铺,𠮷野家 supplier ￡ note\r\n"
    path = tmp_path / "excel-gb18030.csv"
    path.write_bytes(text.encode("gb18030"))
    assert cli("import", path).exit_code == 0
    rows = json.loads(cli("account", "list", "--format", "json").output)
    assert rows[0]["note"] == "𠮷野家 supplier ￡ note"


def _gbk_after_a_mebibyte(tmp_path: Path) -> Path:
    # Excel keeps the empty rows of a sheet as lines of bare separators.
    head = "account,note\r\n" + ",\r\n" * 400_000
    assert len(head) > 1024 * 1024
    path = tmp_path / "late-chinese.csv"
    path.write_bytes(head.encode("ascii") + "深圳-店铺,深圳笔记本\r\n".encode("gbk"))
    return path


def test_gbk_text_beyond_the_detection_window_asks_for_encoding(cli, store, tmp_path):
    result = cli("import", _gbk_after_a_mebibyte(tmp_path))
    assert result.exit_code == 3
    assert "--encoding" in result.output
    assert _shown_names(cli) == []


def test_encoding_option_forces_how_a_csv_is_read(cli, store, tmp_path):
    result = cli("import", _gbk_after_a_mebibyte(tmp_path), "--encoding", "gbk")
    assert result.exit_code == 0, result.output
    assert "深圳-店铺" in _shown_names(cli)


def test_forced_encoding_that_does_not_fit_exits_3(cli, store, tmp_path):
    path = tmp_path / "excel-gbk.csv"
    path.write_bytes(CHINESE_CSV.encode("gbk"))
    result = cli("import", path, "--encoding", "utf-8")
    assert result.exit_code == 3
    assert "not valid utf-8 text" in result.output


def test_unknown_encoding_exits_3(cli, store, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("account\nshop\n")
    result = cli("import", path, "--encoding", "klingon-8")
    assert result.exit_code == 3
    assert "unknown encoding" in result.output


def test_excel_unicode_text_utf16_tab_separated_imports_with_encoding_option(cli, store, tmp_path):
    path = tmp_path / "unicode-text.txt"
    path.write_bytes(CHINESE_CSV.replace(",", "\t").encode("utf-16"))
    result = cli("import", path, "--encoding", "utf-16")
    assert result.exit_code == 0, result.output
    assert _company(cli, "深圳-店铺一") == "深圳市创新贸易有限公司"


def test_semicolon_separated_csv_imports_with_quoted_multi_value_cells(cli, store, tmp_path):
    path = tmp_path / "european-excel.csv"
    path.write_text(
        'account;marketplace;email;note\r\n'
        'acme-de;amazon.de;"ops@acme.example;sales@acme.example";"Lager; Berlin"\r\n',
        encoding="utf-8-sig",
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("account", "show", "acme-de", "--reveal", "--format", "json").output)
    assert sorted(a["value"] for a in shown["attributes"]) == ["ops@acme.example", "sales@acme.example"]
    assert shown["note"] == "Lager; Berlin"


def test_quoted_multi_line_cells_are_kept_intact(cli, store, tmp_path):
    path = tmp_path / "multi-line.csv"
    path.write_text(
        'account,note,address\r\n'
        'acme-us,"first line\r\nsecond line","Suite 9\n1 Example Road\nNewark"\r\n',
        encoding="utf-8",
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    rows = json.loads(cli("account", "list", "--format", "json").output)
    assert rows[0]["note"] == "first line\nsecond line"  # a CRLF line break in a note is kept as LF


def test_errors_after_a_multi_line_cell_name_the_spreadsheet_row(cli, store, tmp_path):
    path = tmp_path / "multi-line.csv"
    path.write_text(
        'account,note,email\n'
        'shop-a,"one\ntwo\nthree",a@shop-a.example\n'
        'shop-b,,not-an-email\n',
        encoding="utf-8",
    )
    result = cli("import", path)
    assert result.exit_code == 3
    assert "multi-line.csv row 3: account 'shop-b'" in result.output


# ----- CSV formula injection -----------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]


@pytest.mark.parametrize("formula", FORMULAS, ids=["=", "+", "-", "@"])
def test_csv_export_escapes_formula_cells_in_notes(cli, store, tmp_path, formula):
    assert cli("account", "add", "shop-x", "--note", formula).exit_code == 0
    out = tmp_path / "export.csv"
    assert cli("export", "--format", "csv", "-o", out).exit_code == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[1][rows[0].index("note")] == "'" + formula


@pytest.mark.parametrize("formula", FORMULAS, ids=["=", "+", "-", "@"])
def test_csv_output_of_list_commands_escapes_formula_cells(cli, store, formula):
    assert cli("account", "add", "shop-x", "--note", formula).exit_code == 0
    result = cli("account", "list", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[1][rows[0].index("note")] == "'" + formula


def test_every_formula_start_is_escaped():
    from linkcheck.importers.safety import escape_formula

    for start in FORMULA_STARTS:
        assert escape_formula(start + "1") == "'" + start + "1"


def test_escaped_formula_cells_import_back_to_their_original_text(cli, store, tmp_path):
    for i, formula in enumerate(FORMULAS):
        assert cli("account", "add", f"shop-{i}", "--note", formula, "-m", formula).exit_code == 0
    out = tmp_path / "export.csv"
    assert cli("export", "--format", "csv", "-o", out).exit_code == 0
    other = tmp_path / "other.db"
    assert cli("init", "--store", other).exit_code == 0
    assert cli("import", "--store", other, out).exit_code == 0
    rows = json.loads(cli("account", "list", "--store", other, "--format", "json").output)
    assert sorted((r["note"], r["marketplace"]) for r in rows) == sorted((f, f) for f in FORMULAS)


# ----- oversized input -----------------------------------------------------------------------


HUGE = 200 * 1024 * 1024
# Sparse files: a real head and tail around a 200 MB hole, so no disk space is used. The JSON
# is one huge string; the CSV is one huge line (a cell that never ends).
HUGE_FILES = {
    "json": (b'[{"account": "shop", "note": "', b'"}]\n'),
    "csv": (b"account,note\nshop,", b"\n"),
}
# Runs linkcheck in-process and records its own peak resident memory (VmHWM, reset by exec,
# unlike the ru_maxrss of a forked child, which starts from the parent's).
PEAK_MEMORY_PROBE = """
import atexit, runpy, sys
report = sys.argv.pop(1)
def record():
    with open("/proc/self/status") as status, open(report, "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM")).split()[1])
atexit.register(record)
sys.argv[0] = "linkcheck"
runpy.run_module("linkcheck", run_name="__main__", alter_sys=True)
"""


def _import_huge_file(tmp_path: Path, fmt: str) -> tuple[subprocess.CompletedProcess, int]:
    """Run `linkcheck import` on a 200 MB file; its result and peak memory in KiB."""
    path = tmp_path / f"huge.{fmt}"
    head, tail = HUGE_FILES[fmt]
    with open(path, "wb") as fh:
        fh.write(head)
        fh.seek(HUGE - len(tail))
        fh.write(tail)
    peak = tmp_path / "peak-kib"
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    try:
        assert path.stat().st_size == HUGE
        result = subprocess.run(
            [sys.executable, "-c", PEAK_MEMORY_PROBE, str(peak), "import", str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        path.unlink()
    return result, int(peak.read_text())


@pytest.mark.parametrize("fmt", HUGE_FILES)
def test_200_mb_import_file_is_refused_with_a_one_line_message(store, tmp_path, fmt):
    result, _ = _import_huge_file(tmp_path, fmt)
    assert result.returncode == 3, result.stderr
    message = result.stderr.strip()
    assert "\n" not in message and message.startswith("linkcheck: error: ")
    # JSON: the hole is NUL bytes, which no JSON string may hold, so the streaming parser stops at
    # the first one (tests/test_trust_io.py covers a huge but valid profile).
    assert "longer than" in message or (fmt == "json" and "not valid JSON" in message)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read peak memory")
@pytest.mark.parametrize("fmt", HUGE_FILES)
def test_200_mb_import_file_never_reaches_memory(store, tmp_path, fmt):
    result, peak_kib = _import_huge_file(tmp_path, fmt)
    assert result.returncode == 3, result.stderr
    assert peak_kib < 100 * 1024  # an interpreter and linkcheck, not the file


@pytest.mark.parametrize(
    "document, said",
    [
        ({"account": "shop", "attributes": {"email": ["x" * (1 << 20) + "@shop.example"]}}, "longer than 1,000"),
        ({"account": "shop", "note": "n" * (1 << 20)}, "note longer than"),
        ({"account": "s" * (1 << 20)}, "name longer than"),
        ({"account": "shop", "attributes": {"bank_account": ["1" * (1 << 20)]}}, "longer than"),
    ],
    ids=["value", "note", "account name", "secret value"],
)
def test_megabyte_value_in_json_is_refused_with_a_short_message(cli, store, tmp_path, document, said):
    path = tmp_path / "big-value.json"
    path.write_text(json.dumps(document))
    result = cli("import", path)
    assert result.exit_code == 3
    assert said in result.output
    assert len(result.output) < 1000
    assert _shown_names(cli) == []


@pytest.mark.parametrize("quoted", [False, True], ids=["bare", "quoted"])
def test_megabyte_csv_cell_is_refused_with_a_clear_message(cli, store, tmp_path, quoted):
    cell = "x" * (1 << 20)
    path = tmp_path / "big-cell.csv"
    path.write_text(f"account,note\nshop,{json.dumps(cell) if quoted else cell}\n")
    result = cli("import", path)
    assert result.exit_code == 3
    assert "cell is longer than" in result.output or "cell longer than" in result.output
    assert len(result.output) < 1000


@pytest.mark.parametrize(
    "args",
    [
        ("attr", "add", "shop", "email", "x" * (1 << 20) + "@shop.example"),
        ("attr", "add", "shop", "card", "4" * (1 << 20)),
        ("attr", "add", "shop", "hostname", "laptop", "--note", "n" * (1 << 20)),
        ("account", "add", "s" * (1 << 20)),
        ("account", "set", "shop", "--note", "n" * (1 << 20)),
    ],
    ids=["value", "secret value", "note", "account name", "account note"],
)
def test_megabyte_command_line_argument_is_refused_with_a_short_message(cli, store, args):
    assert cli("account", "add", "shop").exit_code == 0
    result = cli(*args)
    assert result.exit_code == 3, result.output[:300]
    assert "longer than" in result.output
    assert len(result.output) < 1000
