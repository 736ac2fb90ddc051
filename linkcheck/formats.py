"""Import/export files (JSON, CSV) and output rendering (table, json, csv)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, TextIO

from tabulate import tabulate

from .errors import InvalidInput
from .models import Attribute, Profile, iso
from .safetext import visible

OUTPUT_FORMATS = ("table", "json", "csv")
ACCOUNT_FIELDS = ("account", "marketplace", "status", "note")
# Both formats are streamed, profile by profile (JSON) or row by row (CSV), so a file may be of
# any size; what one profile may take is bounded instead.
MAX_RECORD_BYTES = 16 * 1024 * 1024
# A profile is nested four deep (list, profile, attributes, values, value object).
MAX_JSON_DEPTH = 16
JSON_CHUNK = 64 * 1024
MAX_CELL_CHARS = 64 * 1024
# CSV is read line by line; one line (a row, or part of a quoted multi-line cell) is capped.
MAX_LINE_CHARS = 4 * 1024 * 1024
# A file the user points at (rules, a machine description) is small; this much is read at most.
MAX_USER_TEXT_BYTES = 4 * 1024 * 1024
CSV_VALUE_SEPARATOR = ";"
# Cells a spreadsheet would run as a formula; exported with a leading apostrophe (OWASP advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Where a cell can start for some reader of a CSV file: the start of the field, and after a line
# break, a comma, a semicolon or a tab inside it (a program that splits lines or cells without
# honouring quotes; Excel in a locale that separates with ';'). The guard goes at each of them.
_FORMULA_CLASS = "[" + re.escape("".join(FORMULA_STARTS)) + "]"
_CELL_START = r"(?:^|(?<=[\r\n,;\t]))"
_UNGUARDED_RE = re.compile(f"{_CELL_START}(?='*{_FORMULA_CLASS})")
_GUARD_RE = re.compile(f"{_CELL_START}'(?='*{_FORMULA_CLASS})")
# A field holding one of these is quoted, so no reader splits it into rows or cells.
_CSV_QUOTE_IF = re.compile('[",;\t\r\n]')


@dataclass(frozen=True)
class RawValue:
    """One value as it appears in an import file, before its kind validates it."""

    kind: str
    value: Any
    note: str | None = None
    source: str | None = None
    first_seen: int | None = None
    last_seen: int | None = None


@dataclass(frozen=True)
class ProfileRecord:
    """One account as read from an import file; `origin` says where (file and row/index)."""

    origin: str
    name: Any
    marketplace: Any = None
    status: Any = None
    note: Any = None
    values: tuple[RawValue, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)


SPREADSHEET_HELP = "it looks like an Excel workbook; save it as CSV (File > Save As > CSV UTF-8) and import that"


def read_user_text(path: Path, what: str) -> str:
    """A small UTF-8 file the user points at (rules, a machine description), or one clear error."""
    try:
        # O_NONBLOCK: a FIFO named here is refused, not waited on; the size is capped.
        fd = os.open(str(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise InvalidInput(f"{what} {path.name}: cannot read it (not a regular file)")
            data = fh.read(MAX_USER_TEXT_BYTES + 1)
        if len(data) > MAX_USER_TEXT_BYTES:
            raise InvalidInput(f"{what} {path.name}: cannot read it (larger than {MAX_USER_TEXT_BYTES // (1024 * 1024)} MiB)")
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text() reads
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not readable UTF-8 text"
        raise InvalidInput(f"{what} {path.name}: cannot read it ({reason})") from None


def open_import_file(path: Path) -> BinaryIO:
    """Open a file to import, refusing anything that is not a regular file.

    The check is on the opened file (fstat), so nothing can swap it in between; the open does
    not block, so a FIFO is refused instead of waited on, and /dev/zero is never read.
    """
    nonblock = getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(str(path), os.O_RDONLY | nonblock | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InvalidInput(f"{path}: not a regular file (a device, pipe or socket cannot be imported)")
        if nonblock:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def detect_format(path: Path, forced: str | None, head: bytes = b"") -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls", ".xlsm", ".ods", ".numbers") or head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        raise InvalidInput(f"{path}: {SPREADSHEET_HELP}")
    if forced:
        return forced
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    raise InvalidInput(f"{path}: cannot tell the format from the extension; add --format json or --format csv")


def read_records(path: Path, fmt: str | None, *, encoding: str | None = None) -> Iterator[ProfileRecord]:
    """Yield the profiles of one import file; structural problems become records with problems.

    `fmt` None means: tell it from the file's extension."""
    with open_import_file(path) as fh:
        try:
            head = fh.read(4)
            fh.seek(0)
        except OSError as exc:
            raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
        fmt = detect_format(path, fmt, head)
        if fmt == "json":
            yield from _read_json(path, fh)
        else:
            yield from _read_csv(path, fh, encoding)


# ----- JSON ----------------------------------------------------------------------------------


class _JsonSource:
    """The bytes of a JSON import for the streaming parser, with the checks the parser cannot make.

    It bounds what is read for one profile (`MAX_RECORD_BYTES`, however big the file is), and
    refuses a ``\\ud800``-style escape without its pair: the parser would silently turn it into
    '?'. `record_done` is called after each profile.
    """

    def __init__(self, fh: BinaryIO, path: Path):
        self._fh, self._path = fh, path
        self._since_record = 0
        self._offset = 0
        self._carry = b""

    def record_done(self) -> None:
        self._since_record = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(JSON_CHUNK if size is None or size < 0 else size)
        self._since_record += len(data)
        if self._since_record > MAX_RECORD_BYTES + JSON_CHUNK:
            raise InvalidInput(
                f"{self._path}: one profile is longer than {MAX_RECORD_BYTES // (1024 * 1024)} MiB; "
                "is it really a linkcheck import file?"
            )
        self._check_surrogates(data)
        self._offset += len(data)
        return data

    def _check_surrogates(self, data: bytes) -> None:
        # A match is judged once, with 12 bytes of context on each side (split escapes, pairs).
        window = self._carry + data
        start = max(len(self._carry) - 12, 0)
        end = len(window) if not data else len(window) - 12
        if b"\\u" in window:
            for match in _LONE_SURROGATE.finditer(window, start):
                if match.start() >= end:
                    break
                at = self._offset - len(self._carry) + match.start()
                raise InvalidInput(
                    f"{self._path}: a value is not valid text: an unpaired \\uD800-\\uDFFF escape at byte {at:,}"
                )
        self._carry = window[-24:]


# A high surrogate escape not followed by a low one, or a low one not preceded by a high one.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_STRUCTURE = frozenset(("start_map", "start_array", "end_map", "end_array"))


def _json_documents(events: Iterator[tuple[str, Any]], source: _JsonSource, path: Path) -> Iterator[tuple[bool, Any]]:
    """Build the profiles from the parser's events: (in_list, value) for each element of a
    top-level list, or for the one top-level value. Nesting deeper than a profile can be is
    refused (the parser's own object builder would use memory quadratic in the depth)."""
    stack: list[Any] = []  # the open containers below the top-level list
    keys: list[Any] = []
    key = None
    parent: Any = None  # stack[-1], and whether it is a dict
    in_dict = False
    top_is_list = False
    for event, value in events:
        if event == "map_key":
            key = value
        elif event not in _STRUCTURE:  # a scalar
            if parent is None:
                yield top_is_list, value
                source.record_done()
            elif in_dict:
                parent[key] = value
            else:
                parent.append(value)
        elif event == "start_map" or event == "start_array":
            new: Any = {} if event == "start_map" else []
            if parent is None and not top_is_list and event == "start_array" and not stack:
                top_is_list = True  # the list of profiles itself is never built
                continue
            if len(stack) >= MAX_JSON_DEPTH:
                raise InvalidInput(f"{path}: not valid JSON for an import (nested deeper than {MAX_JSON_DEPTH} levels)")
            if parent is not None:
                if in_dict:
                    parent[key] = new
                else:
                    parent.append(new)
            stack.append(new)
            keys.append(key)
            parent, in_dict = new, event == "start_map"
        else:  # end_map, end_array
            if not stack:
                continue  # the end of the top-level list
            done = stack.pop()
            key = keys.pop()
            if stack:
                parent = stack[-1]
                in_dict = isinstance(parent, dict)
            else:
                parent = None
                yield top_is_list, done
                source.record_done()


def _read_json(path: Path, fh: BinaryIO) -> Iterator[ProfileRecord]:
    import ijson

    if fh.read(3) != codecs.BOM_UTF8:
        fh.seek(0)
    source = _JsonSource(fh, path)
    index = 0
    try:
        for in_list, item in _json_documents(ijson.basic_parse(source, use_float=True), source, path):
            origin = f"{path.name}[{index}]" if in_list else path.name
            index += 1
            yield _json_profile(origin, item)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: JSON must be UTF-8 text") from None
    except ijson.JSONError as exc:
        raise InvalidInput(f"{path}: not valid JSON ({_json_problem(exc)})") from None
    except ValueError as exc:
        raise InvalidInput(f"{path}: not valid JSON ({_short(str(exc))})") from None


def _json_problem(exc: Exception) -> str:
    """The parser's reason, without the excerpt of the file it appends (it could quote a value)."""
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text).split("\n", 1)[0].strip()
    if "invalid bytes in UTF8" in text:
        return "it must be UTF-8 text"
    return _short(text) or "it ends too early"


def _json_profile(origin: str, item: Any) -> ProfileRecord:
    if not isinstance(item, dict):
        return ProfileRecord(origin, None, problems=("a profile must be a JSON object",))
    problems = []
    unknown = set(item) - {"account", "marketplace", "status", "note", "attributes"}
    if unknown:
        problems.append(f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    attributes = item.get("attributes") or {}
    values: list[RawValue] = []
    if not isinstance(attributes, dict):
        problems.append("'attributes' must be an object of kind -> list of values")
        attributes = {}
    for kind, entries in attributes.items():
        if isinstance(entries, (str, dict)):
            entries = [entries]
        if not isinstance(entries, list):
            problems.append(f"{kind}: values must be a list")
            continue
        for entry in entries:
            if isinstance(entry, dict):
                values.append(
                    RawValue(
                        kind,
                        entry.get("value"),
                        note=entry.get("note"),
                        source=entry.get("source"),
                        first_seen=_int_or_none(entry.get("first_seen")),
                        last_seen=_int_or_none(entry.get("last_seen")),
                    )
                )
            else:
                values.append(RawValue(kind, entry))
    return ProfileRecord(
        origin,
        item.get("account"),
        item.get("marketplace"),
        item.get("status"),
        item.get("note"),
        tuple(values),
        tuple(problems),
    )


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        from datetime import datetime

        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None


# ----- CSV -----------------------------------------------------------------------------------


def _open_text(fh: BinaryIO, encoding: str | None) -> TextIO:
    """Read a CSV as text: UTF-8 (with or without Excel's BOM), else GB18030 as Chinese Excel writes."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput(f"unknown encoding {encoding!r}") from None
        return io.TextIOWrapper(fh, encoding=encoding, newline="")
    head = fh.read(1024 * 1024)
    fh.seek(0)
    try:
        head.decode("utf-8-sig")
        chosen = "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the 1 MiB window is still UTF-8.
        chosen = "utf-8-sig" if exc.start >= len(head) - 4 else "gb18030"
    return io.TextIOWrapper(fh, encoding=chosen, newline="")


def _sniff_delimiter(sample: str) -> str:
    first_line = sample.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


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


def unescape_formula(text: str) -> str:
    """The exact inverse of escape_formula: one guard apostrophe removed at each cell start."""
    return _GUARD_RE.sub("", text)


def _bounded_lines(fh: TextIO, path: Path) -> Iterator[str]:
    """The file's lines, refusing one too long to be a spreadsheet row (it would fill memory)."""
    while True:
        line = fh.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS:
            raise InvalidInput(f"{path}: a line is longer than {MAX_LINE_CHARS} characters; is it really a CSV file?")
        yield line


def _read_csv(path: Path, raw: BinaryIO, encoding: str | None) -> Iterator[ProfileRecord]:
    try:
        fh = _open_text(raw, encoding)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        try:
            sample = fh.read(64 * 1024)
            fh.seek(0)
            if sample.startswith("\ufeff"):
                fh.read(1)
            reader = csv.reader(_bounded_lines(fh, path), delimiter=_sniff_delimiter(sample))
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip().lstrip("\ufeff") for h in header]
            if "account" not in header:
                raise InvalidInput(f"{path}: CSV needs an 'account' column (found: {', '.join(header)[:200]})")
            # Rows are numbered as a spreadsheet shows them (the header is row 1), not by text
            # line: a quoted cell may span several lines.
            for row_number, row in enumerate(reader, 2):
                if not any(cell.strip() for cell in row):
                    continue
                yield _csv_profile(f"{path.name} row {row_number}", header, row)
        except UnicodeError:  # UnicodeDecodeError, and UTF-16 files without a byte-order mark
            if encoding:
                raise InvalidInput(f"{path}: not valid {encoding} text; try another --encoding (utf-8, gb18030, ...)") from None
            raise InvalidInput(
                f"{path}: not valid text in the detected encoding; give --encoding (utf-8, gb18030, ...)"
            ) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise InvalidInput(f"{path}: a cell is longer than {MAX_CELL_CHARS} characters") from None
            raise InvalidInput(f"{path}: malformed CSV ({_short(str(exc))})") from None


def _csv_profile(origin: str, header: list[str], row: list[str]) -> ProfileRecord:
    problems = []
    if len(row) > len(header):
        problems.append(f"{len(row)} cells but only {len(header)} columns")
    fields: dict[str, str] = {}
    values: list[RawValue] = []
    for column, cell in zip(header, row):
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


# ----- export --------------------------------------------------------------------------------


def exported_value(a: Attribute) -> str:
    """The value as entered, unless it needs context the file cannot carry.

    A phone number entered without its country code was read with the account's (or the
    import's) region; exported as entered it would not import elsewhere, so it is written
    in E.164, which normalises to the very same number.
    """
    if a.kind == "phone" and not a.value.lstrip().startswith(("+", "00")):
        return a.normalized
    return a.value


def profile_to_json(profile: Profile) -> dict:
    """The import format, with each value's metadata so a round trip is exact."""
    acc = profile.account
    attributes: dict[str, list] = {}
    for a in profile.attributes:
        entry = {"value": exported_value(a), "source": a.source, "first_seen": iso(a.first_seen), "last_seen": iso(a.last_seen)}
        if a.note:
            entry["note"] = a.note
        attributes.setdefault(a.kind, []).append(entry)
    out: dict[str, Any] = {"account": acc.name, "marketplace": acc.marketplace, "status": acc.status}
    if acc.note:
        out["note"] = acc.note
    out["attributes"] = attributes
    return out


def escape_formula(text: str) -> str:
    """`text` with a `'` wherever a cell could start (see _CELL_START) with a formula character.

    Also before apostrophes already there ("'=x" becomes "''=x"), so that unescape_formula
    gives back exactly the text, whatever it was.
    """
    return _UNGUARDED_RE.sub("'", text)


def _csv_field(text: str) -> str:
    """One cell as written: formula-guarded, and quoted if it holds a quote, separator or line break."""
    if _CSV_QUOTE_IF.search(text) is None:
        # The common case, and quick: with no separator inside, the cell starts only once.
        return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text
    return '"' + escape_formula(text).replace('"', '""') + '"'


def write_csv_row(out: TextIO, cells: Iterable[str]) -> None:
    """The one CSV writer (export and every `--format csv`): each cell formula-guarded, and
    quoted when it holds a quote, a separator or a line break (CR included), rows ending in LF."""
    cells = list(cells)
    line = ",".join(map(_csv_field, cells))
    out.write(('""' if cells == [""] else line) + "\n")  # one empty cell is not a blank line


def _escape_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace(CSV_VALUE_SEPARATOR, "\\" + CSV_VALUE_SEPARATOR)


def write_export(profiles: Iterable[Profile], fmt: str, out: TextIO, kind_names: Iterable[str]) -> int:
    if fmt == "json":
        return _write_json_export(profiles, out)
    profiles = list(profiles)
    kinds = list(kind_names)
    write_csv_row(out, list(ACCOUNT_FIELDS) + kinds)
    for p in profiles:
        by_kind: dict[str, list[str]] = {}
        for a in p.attributes:
            by_kind.setdefault(a.kind, []).append(_escape_value(exported_value(a)))
        acc = p.account
        row = [acc.name, acc.marketplace, acc.status, acc.note or ""]
        row += [CSV_VALUE_SEPARATOR.join(by_kind.get(k, [])) for k in kinds]
        write_csv_row(out, row)
    return len(profiles)


def _write_json_export(profiles: Iterable[Profile], out: TextIO) -> int:
    """A JSON list written one profile at a time (memory stays that of one profile), laid out
    exactly as `json.dump(..., indent=2)` would lay out the whole list."""
    count = 0
    for profile in profiles:
        text = json.dumps(profile_to_json(profile), ensure_ascii=False, indent=2)
        out.write(("[\n  " if count == 0 else ",\n  ") + text.replace("\n", "\n  "))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


# ----- rendering -----------------------------------------------------------------------------


def render_rows(rows: list[dict], fmt: str, columns: list[str] | None = None) -> str:
    """The one renderer for commands that print rows: a table, a JSON array, or CSV."""
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        write_csv_row(buf, columns)
        for row in rows:
            write_csv_row(buf, [_cell(row.get(c)) for c in columns])
        return buf.getvalue().rstrip("\n")
    if not rows:
        return "(none)"
    # Control characters shown here already (not only by the terminal filter), so columns align.
    return tabulate([[visible(_cell(row.get(c))) for c in columns] for row in rows], headers=columns)


def render_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def attribute_row(a: Attribute, shown: str) -> dict:
    return {
        "kind": a.kind,
        "value": shown,
        "source": a.source,
        "first_seen": iso(a.first_seen),
        "last_seen": iso(a.last_seen),
        "note": a.note or "",
        "flags": list(a.flags),
    }
