"""linkcheck's CSV import format: its reader, and its twin `profile_to_row` (what `export --format csv` writes).

One row per account: columns account, marketplace, status, note and any kind names, several
values in a cell separated by ';'.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from ..errors import InvalidInput
from ..models import Profile
from . import ImportFile, reader
from .records import ProfileRecord, RawValue, exported_value
from .safety import MAX_CELL_CHARS, csv_rows, unescape_formula

ACCOUNT_FIELDS = ("account", "marketplace", "status", "note")
CSV_VALUE_SEPARATOR = ";"


@reader("csv", extensions=(".csv", ".tsv", ".txt"))
def read_csv(source: ImportFile) -> Iterator[ProfileRecord]:
    path = source.path
    rows = csv_rows(path, source.fh, source.encoding)
    header = next(rows, None)
    if header is None:
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    if "account" not in header:
        raise InvalidInput(f"{path}: CSV needs an 'account' column (found: {', '.join(header)[:200]})")
    # Rows are numbered as a spreadsheet shows them (the header is row 1), not by text line: a
    # quoted cell may span several lines.
    for row_number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        yield _csv_profile(f"{path.name} row {row_number}", header, row)


def split_cell(cell: str) -> list[str]:
    """Split a CSV cell on ';' (a literal semicolon is written '\\;'); strip formula escapes."""
    parts, current, escaped = [], [], False
    for ch in unescape_formula(cell):
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == CSV_VALUE_SEPARATOR:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _csv_profile(origin: str, header: list[str], row: list[str]) -> ProfileRecord:
    problems = []
    if len(row) > len(header):
        problems.append(f"{len(row)} cells but only {len(header)} columns")
    fields: dict[str, str] = {}
    values: list[RawValue] = []
    for column, cell in zip(header, row, strict=False):  # a short row leaves columns empty
        if len(cell) > MAX_CELL_CHARS:
            problems.append(f"{column}: cell longer than {MAX_CELL_CHARS} characters")
            continue
        if column in ACCOUNT_FIELDS:
            fields[column] = unescape_formula(cell.strip())
        elif column:
            values.extend(RawValue(column, v) for v in split_cell(cell))
    return ProfileRecord(
        origin,
        fields.get("account") or None,
        fields.get("marketplace") or None,
        fields.get("status") or None,
        fields.get("note") or None,
        tuple(values),
        tuple(problems),
    )


def export_header(kind_names: Iterable[str]) -> list[str]:
    return list(ACCOUNT_FIELDS) + list(kind_names)


def profile_to_row(profile: Profile, kind_names: Iterable[str]) -> list[str]:
    """The profile as this reader reads it back: one cell per column of `export_header`, the
    values of a kind joined by ';' (a ';' or '\\' in a value escaped with '\\'). The formula
    guard and the quoting are the CSV writer's (cli/output.py), undone by `split_cell`."""
    by_kind: dict[str, list[str]] = {}
    for a in profile.attributes:
        by_kind.setdefault(a.kind, []).append(_escape_value(exported_value(a)))
    acc = profile.account
    row = [acc.name, acc.marketplace, acc.status, acc.note or ""]
    row += [CSV_VALUE_SEPARATOR.join(by_kind.get(k, [])) for k in kind_names]
    return row


def _escape_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace(CSV_VALUE_SEPARATOR, "\\" + CSV_VALUE_SEPARATOR)
