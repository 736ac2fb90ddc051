"""linkcheck's CSV import format: its reader, and its twin `profile_to_row` (what `export --format csv` writes).

One row per account: columns account, marketplace, status, note and any kind names, several
values in a cell separated by ';'. Headers are matched loosely and by their English and Chinese
aliases (registry/columns.py); an unknown column refuses the file, with a "did you mean".
A value may end with its periods of use after a '|':
`value|SINCE..UNTIL`, several periods separated by ',' (`|2025-01-01..2026-10-14,2026-11-02..`;
SINCE or UNTIL a date or ISO date-time, UNTIL empty while in use). A literal '|' in a value is
written '\\|' (a '|' followed by something that is not periods is read as part of the value).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, Iterator

from .. import i18n
from ..i18n import _
from ..errors import InvalidInput
from ..models import IDENTITY_FIELDS, Profile
from ..registry.columns import (ACCOUNT_FIELDS, IDENTITY_COLUMNS, RECORD_FIELDS, column_key, column_name,
                                column_suggestion, header_in, ignored_column)
from . import ImportFile, reader
from .records import ProfileRecord, RawValue, exported_value, parse_time, period_time
from .safety import MAX_CELL_CHARS, csv_rows, unescape_formula

CSV_VALUE_SEPARATOR = ";"
# The full-width ； separates values too: Chinese staff type it between two emails in one cell.
# Export escapes it like ";", so a value holding it comes back whole.
CSV_FULL_WIDTH_SEPARATOR = "；"
_SEPARATORS = frozenset((CSV_VALUE_SEPARATOR, CSV_FULL_WIDTH_SEPARATOR))
# A first column that only numbers the rows, as Chinese (and other) spreadsheets start: its header
# compared as headers are (`column_key`). It is ignored, with a note.
INDEX_COLUMNS = frozenset(column_key(h) for h in ("序号", "行号", "编号", "No.", "No", "#", "Nr."))
# Kinds whose values are long digit strings, which Excel shows (and saves) as 6.22202E+18.
NUMBER_KINDS = frozenset({"bank_account", "card", "phone", "tax_id", "registration_number", "payment_account"})
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")


@reader("csv", extensions=(".csv", ".tsv", ".txt"))
def read_csv(source: ImportFile) -> Iterator[ProfileRecord]:
    path = source.path
    rows = csv_rows(path, source.fh, source.encoding)
    header = next(rows, None)
    if header is None:
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    notes: tuple[str, ...] = ()
    first = 0  # the first cell a row's content starts at (1: after its row number)
    if len(header) > 1 and column_key(header[0]) in INDEX_COLUMNS:
        # A spreadsheet's row numbers (序号, No.): not about the account; said once, on the first row.
        notes = (_("{file_name}: the first column {column!r} numbers the rows; it was ignored",
                   file_name=path.name, column=header[0][:40]),)
        header = ["", *header[1:]]
        first = 1
    skipped = [h for h in header if h and ignored_column(h)]
    if skipped:
        notes += (_("{file_name}: columns {columns} hold nothing a marketplace links accounts by; they were ignored",
                    file_name=path.name, columns=i18n.join_list(repr(h[:40]) for h in skipped)),)
        header = ["" if h and ignored_column(h) else h for h in header]
    header = _header_names(path.name, header)
    # Rows are numbered as a spreadsheet shows them (the header is row 1), not by text line: a
    # quoted cell may span several lines.
    for row_number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row[first:]):
            continue
        record = _csv_profile(_("{file} row {row}", file=path.name, row=row_number), header, row)
        if notes:
            record = replace(record, notes=notes)
            notes = ()
        yield record


def _header_names(file_name: str, header: list[str]) -> list[str]:
    """The field or kind each column names ("" for a column without a header, whose cells are
    ignored), or one InvalidInput for the whole file: an unknown column (with a "did you
    mean"), two columns naming one account field, or no account column."""
    names: list[str] = []
    unknown: list[str] = []
    taken: dict[str, str] = {}
    for column in header:
        name = column_name(column) if column else ""
        if name is None:
            guess = column_suggestion(column)
            unknown.append(_("{column!r} (did you mean {guess}?)", column=column[:40], guess=header_in(guess, column))
                           if guess
                           else repr(column[:40]))
            name = ""
        elif name in RECORD_FIELDS:
            if name in taken:
                raise InvalidInput(
                    _("{file_name}: columns {taken!r} and {column!r} both name the {name}; keep one", file_name=file_name, taken=taken[name][:40], column=column[:40], name=name)
                )
            taken[name] = column
        names.append(name)
    if unknown:
        shown = ", ".join(unknown[:10])
        if len(unknown) > 10:
            shown = _("{items} and {n} more", items=shown, n=len(unknown) - 10)
        raise InvalidInput(
            _("{file_name}: unknown columns {shown}; nothing was imported. Columns are account, marketplace, status, note and the kind names or their aliases (see the README's Import section); a column not meant for linkcheck: remove the column or clear its header", file_name=file_name, shown=shown)
            if len(unknown) > 1 else
            _("{file_name}: unknown column {shown}; nothing was imported. Columns are account, marketplace, status, note and the kind names or their aliases (see the README's Import section); a column not meant for linkcheck: remove the column or clear its header", file_name=file_name, shown=shown)
        )
    if "account" not in taken:
        raise InvalidInput(_("{file_name}: CSV needs a column naming the account: account, store name or shop (in Chinese "
                             "店铺名称, 店铺 or 账户) (found: {items})", file_name=file_name,
                             items=i18n.join_list(h for h in header if h)[:200]))
    return names


def excel_number_problem(kind: str, value: str) -> str | None:
    """Why a number-like value that Excel wrote in scientific notation is refused, or None."""
    if kind in NUMBER_KINDS and _SCIENTIFIC.fullmatch(value.strip()):
        return _("{kind}: Excel turned this number into {value}, which has lost its digits; format the column as "
                 "Text before saving as CSV (or type the number with a leading apostrophe), then export again",
                 kind=kind, value=value.strip()[:20])
    return None


def split_cell(cell: str) -> list[str]:
    """Split a CSV cell on ';' (a literal semicolon is written '\\;'); strip formula escapes."""
    return [value for value, _ in split_cell_periods(cell)]


def split_cell_periods(cell: str) -> list[tuple[str, str | None]]:
    """The cell's values, each with the text of its periods (after its last unescaped '|', when
    that text reads as periods) or None."""
    parts: list[tuple[str, str | None]] = []
    current: list[str] = []
    bars: list[int] = []
    escaped = False

    def end_part():
        value, periods = "".join(current), None
        if bars:
            tail = value[bars[-1] + 1 :].strip()
            # Text after the last unescaped '|' that holds ".." is meant as periods: read as
            # periods (a date that does not parse is a problem), never kept as part of the value.
            if PERIODS_TEXT.fullmatch(tail) or ".." in tail:
                value, periods = value[: bars[-1]], tail
        parts.append((value.strip(), periods))

    for ch in unescape_formula(cell):
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in _SEPARATORS:
            end_part()
            current, bars = [], []
        else:
            if ch == PERIOD_MARK:
                bars.append(len(current))
            current.append(ch)
    if escaped:
        current.append("\\")
    end_part()
    return [(v, p) for v, p in parts if v]


PERIOD_MARK = "|"
_BOUND = r"[0-9][0-9T:.+\-Z ]*"  # a date, or a date-time with "T" or a space
PERIODS_TEXT = re.compile(rf"(?:{_BOUND})?\.\.(?:{_BOUND})?(?:\s*,\s*(?:{_BOUND})?\.\.(?:{_BOUND})?)*")


def _parse_periods(kind: str, text: str, problems: list[str]) -> tuple:
    out = []
    for item in text.split(","):
        since_text, dots, until_text = item.strip().partition("..")
        if not dots:
            problems.append(_("{kind}: {item!r} is not a period (SINCE..UNTIL, either side may be empty)",
                              kind=kind, item=item.strip()[:40]))
            continue
        since_text, until_text = since_text.strip(), until_text.strip()
        bounds = []
        for label, bound in (("since", since_text), ("until", until_text)):
            ts = parse_time(bound) if bound else None
            if bound and ts is None:
                problems.append(_("{kind}: since {bound!r} is not an ISO date or date-time", kind=kind, bound=bound[:40])
                                if label == "since" else
                                _("{kind}: until {bound!r} is not an ISO date or date-time", kind=kind, bound=bound[:40]))
            bounds.append(ts)
        out.append((bounds[0], bounds[1], None))
    return tuple(out)


def _csv_profile(origin: str, header: list[str], row: list[str]) -> ProfileRecord:
    problems = []
    if len(row) > len(header):
        problems.append(_("{cells} cells but only {columns} columns", cells=len(row), columns=len(header)))
    fields: dict[str, str] = {}
    values: list[RawValue] = []
    for column, cell in zip(header, row, strict=False):  # a short row leaves columns empty
        if len(cell) > MAX_CELL_CHARS:
            problems.append(_("{column}: cell longer than {limit} characters", column=column, limit=MAX_CELL_CHARS))
            continue
        if column in RECORD_FIELDS:
            fields[column] = unescape_formula(cell.strip())
        elif column:
            for v, p in split_cell_periods(cell):
                problem = excel_number_problem(column, v)
                if problem:
                    problems.append(problem)
                else:
                    values.append(RawValue(column, v, periods=_parse_periods(column, p, problems) if p else ()))
    return ProfileRecord(
        origin,
        fields.get("account") or None,
        fields.get("marketplace") or None,
        fields.get("status") or None,
        fields.get("note") or None,
        tuple(values),
        tuple(problems),
        tuple((f, fields[f]) for f in IDENTITY_FIELDS if fields.get(f)),
    )


def export_header(kind_names: Iterable[str], identity: bool = False) -> list[str]:
    """The export's columns; the identity columns only with `identity` (some account has one)."""
    return list(ACCOUNT_FIELDS) + (list(IDENTITY_COLUMNS) if identity else []) + list(kind_names)


def has_identity(profile: Profile) -> bool:
    return any(getattr(profile.account, f) for f in IDENTITY_FIELDS)


def profile_to_row(profile: Profile, kind_names: Iterable[str], identity: bool = False) -> list[str]:
    """The profile as this reader reads it back: one cell per column of `export_header`, the
    values of a kind joined by ';' (a ';' or '\\' in a value escaped with '\\'). The formula
    guard and the quoting are the CSV writer's (cli/output.py), undone by `split_cell`."""
    by_kind: dict[str, list[str]] = {}
    for a in profile.attributes:
        text = _escape_value(exported_value(a))
        if a.periods:
            text += PERIOD_MARK + ",".join(
                f"{period_time(since)}..{period_time(until) if until is not None else ''}"
                for since, until, _ in a.periods)
        by_kind.setdefault(a.kind, []).append(text)
    acc = profile.account
    row = [acc.name, acc.marketplace, acc.status, acc.note or ""]
    if identity:
        row += [getattr(acc, f) or "" for f in IDENTITY_FIELDS]
    row += [CSV_VALUE_SEPARATOR.join(by_kind.get(k, [])) for k in kind_names]
    return row


def _escape_value(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(CSV_VALUE_SEPARATOR, "\\" + CSV_VALUE_SEPARATOR)
            .replace(CSV_FULL_WIDTH_SEPARATOR, "\\" + CSV_FULL_WIDTH_SEPARATOR).replace(PERIOD_MARK, "\\" + PERIOD_MARK))
