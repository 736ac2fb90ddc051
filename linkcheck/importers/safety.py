"""What every reader of a user's file relies on: safe opening, bounded JSON and CSV, the formula guard.

Regular files only (never a pipe or a device), bounded reads (one profile, one line, one cell),
the streaming ijson reader, CSV encoding detection and rows, and the spreadsheet-formula guard
with its exact undo; every problem is one InvalidInput line that never quotes the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from pathlib import Path
from typing import Any, BinaryIO, Iterator, TextIO

from ..i18n import N_, _, language, os_reason, translate
from ..files import FileTooLarge, NotRegularFile, read_capped
from ..errors import InvalidInput

# Files are streamed, profile by profile (JSON) or row by row (CSV), so a file may be of any
# size; what one profile may take is bounded instead.
MAX_RECORD_BYTES = 16 * 1024 * 1024
# A profile is nested four deep (list, profile, attributes, values, value object).
MAX_JSON_DEPTH = 16
JSON_CHUNK = 64 * 1024
MAX_CELL_CHARS = 64 * 1024
# CSV is read line by line; one line (a row, or part of a quoted multi-line cell) is capped.
MAX_LINE_CHARS = 4 * 1024 * 1024
# A file the user points at (rules, a machine description) is small; this much is read at most.
MAX_USER_TEXT_BYTES = 4 * 1024 * 1024
# Cells a spreadsheet would run as a formula; exported with a leading apostrophe (OWASP advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Where a cell can start for some reader of a CSV file: the start of the field, and after a line
# break, a comma, a semicolon or a tab inside it (a program that splits lines or cells without
# honouring quotes; Excel in a locale that separates with ';'). The guard goes at each of them.
_FORMULA_CLASS = "[" + re.escape("".join(FORMULA_STARTS)) + "]"
_CELL_START = r"(?:^|(?<=[\r\n,;\t]))"
_UNGUARDED_RE = re.compile(f"{_CELL_START}(?='*{_FORMULA_CLASS})")
_GUARD_RE = re.compile(f"{_CELL_START}'(?='*{_FORMULA_CLASS})")

SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")
SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def read_user_text(path: Path, what: str) -> str:
    """A small UTF-8 file the user points at (rules, a machine description), or one clear error."""
    try:
        data = read_capped(path, MAX_USER_TEXT_BYTES)
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text() reads
    except NotRegularFile:
        raise InvalidInput(_("{what} {name}: cannot read it (not a regular file)", what=translate(what), name=path.name)) from None
    except FileTooLarge:
        raise InvalidInput(_("{what} {name}: cannot read it (larger than {n} MiB)", what=translate(what), name=path.name, n=MAX_USER_TEXT_BYTES // (1024 * 1024))) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = os_reason(exc) if isinstance(exc, OSError) and exc.strerror else _("not readable UTF-8 text")
        raise InvalidInput(_("{what} {name}: cannot read it ({reason})", what=translate(what), name=path.name, reason=reason)) from None


def open_import_file(path: Path) -> BinaryIO:
    """Open a file to import, refusing anything that is not a regular file.

    The check is on the opened file (fstat), so nothing can swap it in between; the open does
    not block, so a FIFO is refused instead of waited on, and /dev/zero is never read.
    """
    nonblock = getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(str(path), os.O_RDONLY | nonblock | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InvalidInput(_("{path}: cannot read ({strerror})", path=path, strerror=os_reason(exc))) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InvalidInput(_("{path}: not a regular file (a device, pipe or socket cannot be imported)", path=path))
        if nonblock:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def refuse_spreadsheet(path: Path, head: bytes) -> None:
    """A workbook (by its name or its first bytes) is refused with how to save it as CSV."""
    if path.suffix.lower() in SPREADSHEET_SUFFIXES or head[:4] in SPREADSHEET_MAGIC:
        raise InvalidInput(_("{path}: it looks like an Excel workbook; save it as CSV (File > Save As > CSV UTF-8) and import that", path=path))


def short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
                _("{path}: one profile is longer than {n} MiB; is it really a linkcheck import file?", path=self._path, n=MAX_RECORD_BYTES // (1024 * 1024))
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
                    _("{path}: a value is not valid text: an unpaired \\uD800-\\uDFFF escape at byte {at:,}", path=self._path, at=at)
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
                raise InvalidInput(_("{path}: not valid JSON for an import (nested deeper than {MAX_JSON_DEPTH} levels)", path=path, MAX_JSON_DEPTH=MAX_JSON_DEPTH))
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


def json_items(path: Path, fh: BinaryIO) -> Iterator[tuple[bool, Any]]:
    """The items of a JSON file, streamed (or parsed whole where that reads the same:
    `_whole_file_items`): (in_list, item) for each element of a top-level list,
    or (False, value) for a single top-level value. UTF-8 (a BOM is skipped); each item bounded
    by `MAX_RECORD_BYTES` and `MAX_JSON_DEPTH`; any problem is one InvalidInput line that never
    quotes the file."""
    import ijson

    if fh.read(3) != codecs.BOM_UTF8:
        fh.seek(0)
    whole = _whole_file_items(fh)
    if whole is not None:
        yield from whole
        return
    source = _JsonSource(fh, path)
    try:
        yield from _json_documents(ijson.basic_parse(source, use_float=True), source, path)
    except OSError as exc:
        raise InvalidInput(_("{path}: cannot read ({strerror})", path=path, strerror=os_reason(exc))) from None
    except UnicodeDecodeError:
        raise InvalidInput(_("{path}: JSON must be UTF-8 text", path=path)) from None
    except ijson.JSONError as exc:
        if _blank(fh):
            raise InvalidInput(_("{path}: the file is empty; an import file holds a JSON list of accounts (see the "
                                 "README's Import section)", path=path)) from None
        raise InvalidInput(_("{path}: not valid JSON ({json_problem})", path=path, json_problem=_json_problem(exc))) from None
    except ValueError as exc:
        raise InvalidInput(_("{path}: not valid JSON ({short})", path=path, short=short(str(exc)))) from None


def _blank(fh: BinaryIO) -> bool:
    """Whether the file holds nothing but white space (after a BOM): read again from its start,
    where it can be; never an error."""
    try:
        fh.seek(0)
        head = fh.read(4096)
        return not head.removeprefix(codecs.BOM_UTF8).strip(b" \t\r\n") and not fh.read(1)
    except (OSError, ValueError, AttributeError):
        return False


# A file of at most this many bytes is parsed whole by orjson first (`_whole_file_items`): no
# profile in it can pass MAX_RECORD_BYTES, which only the streaming reader must bound.
WHOLE_JSON_BYTES = MAX_RECORD_BYTES
# The integers the streaming parser (yajl) reads: those of a C long long, but its smallest.
_YAJL_INTS = (-(1 << 63) + 1, (1 << 63) - 1)


def _whole_file_items(fh: BinaryIO) -> list[tuple[bool, Any]] | None:
    """What `json_items` yields for the rest of `fh`, parsed whole by orjson (about three times
    faster than the streaming reader building the profiles in Python), for a file of at most
    `WHOLE_JSON_BYTES` whose every part both parsers read the same way: strings, booleans,
    nulls, the integers yajl reads, lists and objects nested at most `MAX_JSON_DEPTH` deep, no
    `\\uD800`-style escape. None for anything else -- a file orjson refuses, a float (the two
    may round or refuse differently), an integer yajl refuses, deeper nesting, a read that
    fails --, with `fh` back where it was: the streaming reader then reads it, and says
    exactly what it says of it. An import file is a few profiles' worth of small strings, so
    the common file takes this way, and every answer is the streaming reader's."""
    import orjson

    try:
        start = fh.tell()
        data = fh.read(WHOLE_JSON_BYTES + 1)
    except OSError:
        data = None
    try:
        if data is None or len(data) > WHOLE_JSON_BYTES or b"\\u" in data and _LONE_SURROGATE.search(data):
            return None
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        del data
        if type(document) is list:
            return [(True, item) for item in document] if _plain(document, 0) else None
        return [(False, document)] if _plain([document], 0) else None
    finally:
        try:
            fh.seek(start)  # (the streaming reader reads from here if None; unread otherwise)
        except (OSError, UnboundLocalError):
            pass


def _plain(container: list | dict, depth: int) -> bool:
    """Whether the streaming reader reads what `container` (orjson's, at nesting `depth`: the
    top-level list's is 0, a profile's 1) holds as orjson read it, within MAX_JSON_DEPTH
    (`_whole_file_items`)."""
    if depth > MAX_JSON_DEPTH:
        return False
    items = container.values() if type(container) is dict else container
    types = set(map(type, items))  # (most containers: strings only)
    if types <= _STRINGS:
        return True
    if float in types:  # (or a big integer, which orjson reads as a float)
        return False
    depth += 1
    for item in items:
        kind = type(item)
        if kind is dict or kind is list:
            if not _plain(item, depth):
                return False
        elif kind is int and not _YAJL_INTS[0] <= item <= _YAJL_INTS[1]:
            return False
    return True


_STRINGS = frozenset((str, bool, type(None)))


# The JSON parser's reasons (yajl's, and ijson's pure-Python backend's) in words a person
# reads, in the interface language; anything else: "the parser stopped at an error".
_ENDS_EARLY = N_("it ends too early: a list, object or string is not closed")
_JSON_REASONS = (
    ("invalid bytes in UTF8", N_("it must be UTF-8 text")),
    ("premature EOF", _ENDS_EARLY),
    ("Incomplete JSON content", _ENDS_EARLY),
    ("inside map, I expect", N_("a comma or a closing brace is missing in an object")),
    ("after array element", N_("a comma or a closing bracket is missing in a list")),
    ("separated by a colon", N_("a key is not followed by a colon")),
    ("invalid object key", N_("a key is not in double quotes, or a comma comes before a closing brace")),
    ("unallowed token", N_("something JSON does not allow there, such as a comma before a closing bracket")),
    ("trailing garbage", N_("there is more text after the end of the JSON")),
    ("Additional data found", N_("there is more text after the end of the JSON")),
    ("invalid character inside string", N_("a string holds a control character (a tab or a line break must be written \\t or \\n)")),
    ("occurs before a character", N_("a string holds a backslash that starts no valid escape")),
    ("invalid char in json text", N_("a character JSON does not allow, such as a single quote, a key without quotes, or NaN")),
    ("invalid string in json text", N_("a word JSON does not know (only true, false and null are allowed)")),
    ("Unexpected symbol", N_("a character JSON does not allow, such as a single quote, a key without quotes, or NaN")),
)


def _json_problem(exc: Exception) -> str:
    """The parser's reason in the interface language; never the excerpt of the file the parser
    appends to its message (it could quote a value)."""
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text).split("\n", 1)[0].strip()
    if not text:
        return _ENDS_EARLY.render(language())
    for found, reason in _JSON_REASONS:
        if found in text:
            return reason.render(language())
    return _("the parser stopped at an error")


# ----- CSV -----------------------------------------------------------------------------------


def _open_text(fh: BinaryIO, encoding: str | None) -> TextIO:
    """Read a CSV as text: UTF-8 (with or without Excel's BOM), UTF-16 with its byte-order mark (Excel's
    "Unicode text"), else GB18030 as Chinese Excel writes."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput(_("unknown encoding {encoding!r}", encoding=encoding)) from None
        return io.TextIOWrapper(fh, encoding=encoding, newline="")
    head = fh.read(1024 * 1024)
    fh.seek(0)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Excel's "Unicode text" (UTF-16, tab-separated)
        return io.TextIOWrapper(fh, encoding="utf-16", newline="")
    try:
        head.decode("utf-8-sig")
        chosen = "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the 1 MiB window is still UTF-8.
        chosen = "utf-8-sig" if exc.start >= len(head) - 4 else "gb18030"
    return io.TextIOWrapper(fh, encoding=chosen, newline="")


def _not_text(path: Path, encoding: str | None) -> InvalidInput:
    if encoding:
        return InvalidInput(_("{path}: not valid {encoding} text; try another --encoding (utf-8, gb18030, utf-16, ...)", path=path, encoding=encoding))
    return InvalidInput(
        _("{path}: not valid text in the detected encoding; give --encoding (utf-8, gb18030, utf-16, ...)", path=path)
    )


def decode_text(path: Path, raw: bytes, encoding: str | None) -> str:
    """A whole (bounded) file's text, its encoding given or told as a CSV import tells it
    (`_open_text`: UTF-8 with or without a BOM, UTF-16 with its BOM, else GB18030); a BOM is
    not part of the text."""
    try:
        with _open_text(io.BytesIO(raw), encoding) as fh:
            text = fh.read()
    except UnicodeError:
        raise _not_text(path, encoding) from None
    return text.removeprefix("\ufeff")


def _sniff_delimiter(sample: str) -> str:
    first_line = sample.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _bounded_lines(fh: TextIO, path: Path) -> Iterator[str]:
    """The file's lines, refusing one too long to be a spreadsheet row (it would fill memory)."""
    while True:
        line = fh.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS:
            raise InvalidInput(_("{path}: a line is longer than {MAX_LINE_CHARS} characters; is it really a CSV file?", path=path, MAX_LINE_CHARS=MAX_LINE_CHARS))
        yield line


# A line after the file's last one (`csv_rows`): read as a row of its own when the file's last
# row is closed, taken into a cell when a quote is left open. (Private-use characters: a file
# that holds this line itself is read as before, as a row, since it is not the end.)
_END_LINE = "\ue000linkcheck: the end of the file\ue001"


def _with_end_line(lines: Iterator[str], ended: list) -> Iterator[str]:
    yield from lines
    ended.append(True)
    yield _END_LINE + "\n"


def csv_rows(path: Path, raw: BinaryIO, encoding: str | None) -> Iterator[list[str]]:
    """The rows of a CSV file, header first, streamed: the encoding detected (`_open_text`) or
    given, the separator (',', ';' or tab) told from the first line, each line bounded
    (`MAX_LINE_CHARS`); any problem is one InvalidInput line that never quotes the file."""
    try:
        fh = _open_text(raw, encoding)
    except OSError as exc:
        raise InvalidInput(_("{path}: cannot read ({strerror})", path=path, strerror=os_reason(exc))) from None
    with fh:
        try:
            sample = fh.read(64 * 1024)
            fh.seek(0)
            if sample.startswith("\ufeff"):
                fh.read(1)
            ended: list[bool] = []  # (set once every line of the file has been handed to the reader)
            rows = csv.reader(_with_end_line(_bounded_lines(fh, path), ended), delimiter=_sniff_delimiter(sample))
            start = 1  # the line the next row starts on
            for row in rows:
                if ended:
                    if row == [_END_LINE]:  # the file's last row was closed: it ends here
                        return
                    # The reader took the end line into a cell: a quote opened on `start`'s line
                    # is never closed (the reader alone would have made the rest of the file
                    # that one cell, and imported it as an account's name).
                    raise InvalidInput(_("{path}: line {line}: a quote (\") opens a cell that is never closed; close it "
                                         "or remove it", path=path, line=start))
                yield row
                start = rows.line_num + 1
        except UnicodeError:  # UnicodeDecodeError, and UTF-16 files without a byte-order mark
            raise _not_text(path, encoding) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise InvalidInput(_("{path}: a cell is longer than {MAX_CELL_CHARS} characters", path=path, MAX_CELL_CHARS=MAX_CELL_CHARS)) from None
            raise InvalidInput(_("{path}: malformed CSV ({short})", path=path, short=short(str(exc)))) from None


# ----- the formula guard ---------------------------------------------------------------------


def escape_formula(text: str) -> str:
    """`text` with a `'` wherever a cell could start (see _CELL_START) with a formula character.

    Also before apostrophes already there ("'=x" becomes "''=x"), so that unescape_formula
    gives back exactly the text, whatever it was.
    """
    return _UNGUARDED_RE.sub("'", text)


def unescape_formula(text: str) -> str:
    """The exact inverse of escape_formula: one guard apostrophe removed at each cell start."""
    return _GUARD_RE.sub("", text)
