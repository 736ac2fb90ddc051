"""The CLI's one output path: --format and its rendering, the CSV writer, the export file, output files, the terminal filter.

Every command that prints data renders it here (table, JSON, or CSV through `write_csv_row`);
every file it writes goes through `private_output` (-o, --force, '-' for standard output); and
everything on stdout and stderr passes `terminal_safe_output`.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import io
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TextIO

import click

from .. import jsontext
from ..i18n import translate, N_, _, os_reason
from ..errors import UsageError
from ..importers.csv import export_header, has_identity, profile_to_row
from ..importers.json import export_item_bytes, profile_to_json
from ..importers.safety import FORMULA_STARTS, escape_formula
from ..parallel import balanced_map
from ..safetext import TerminalSafeStream, visible

OUTPUT_FORMATS = ("table", "json", "csv")
# Words shown in table cells of the level and status columns, in the interface language
# (JSON and CSV keep them as they are: they are values, for scripts).
CELL_WORDS = (N_("critical"), N_("high"), N_("medium"), N_("low"), N_("context"), N_("active"), N_("suspended"),
              N_("closed"), N_("planned"))
# How a finding matched (the "match" column: "exact", "fuzzy 95%"): its first word in words.
MATCH_WORDS = (N_("exact"), N_("normalised"), N_("network"), N_("fuzzy"), N_("near"))
_TRANSLATED_CELLS = {"level", "pair_level", "status", "role", "match"}
_CONTEXT = " (context)"
# A field holding one of these is quoted, so no reader splits it into rows or cells.
_CSV_QUOTE_IF = re.compile('[",;\t\r\n]')


@contextlib.contextmanager
def terminal_safe_output():
    """stdout and stderr, for the duration of one command, through TerminalSafeStream."""
    saved = sys.stdout, sys.stderr
    if sys.stdout is not None:
        sys.stdout = TerminalSafeStream(sys.stdout)
    if sys.stderr is not None:
        sys.stderr = TerminalSafeStream(sys.stderr, allow_cr=True)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def format_option(*choices: str, default: str = "table", help: str = "Output format."):
    """--format, the same on every command that prints data; its default is the `format`
    setting where this command offers that format."""
    choices = choices or OUTPUT_FORMATS

    def default_format() -> str:
        from .options import setting_value

        chosen = setting_value("format")
        return chosen if chosen in choices else default

    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices, case_sensitive=False),
        default=default_format,
        show_default=default,
        help=help,
    )


# ----- rendering -----------------------------------------------------------------------------


def render_rows(rows: list[dict], fmt: str, columns: list[str] | None = None) -> str:
    """The one renderer for commands that print rows: a table, a JSON array, or CSV."""
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    if fmt == "json":
        return jsontext.dumps(rows)
    if fmt == "csv":
        buf = io.StringIO()
        write_csv_row(buf, columns)
        for row in rows:
            write_csv_row(buf, [_cell(row.get(c)) for c in columns])
        return buf.getvalue().rstrip("\n")
    if not rows:
        return _("(none)")
    # Control characters shown here already (not only by the terminal filter), so columns align.
    # Headers in the interface language; tabulate measures Chinese as two columns (wcwidth).
    # Several values in one cell: "a; b" in English, "a；b" as Chinese writes a list of things
    # that may hold commas themselves (a CSV cell keeps "; " in every language).
    between = _("; ")
    cells = [[_table_cell(c, row.get(c), between) for c in columns] for row in rows]
    headers = [translate(c) for c in columns]
    plain = plain_table(cells, headers)
    if plain is not None:
        return plain
    from tabulate import tabulate

    return tabulate(cells, headers=headers)


# What may stand in a cell that tabulate would read as a number (int, float, "inf", "nan",
# "1e5", "1_000", "1,000.5") or a boolean: a cell of printable ASCII with any other character
# is text to it.
_MAYBE_NUMBER = re.compile(r"[0-9+\-.,_eEiInNfFtTyYaA]*")
_DIGITS = re.compile(r"[0-9]{1,300}")  # (int() refuses a number of more than 4,300 digits: text to tabulate)


def plain_table(cells: list[list[str]], headers: list[str]) -> str | None:
    """`tabulate(cells, headers=headers)` -- its "simple" table, the same text -- for the tables
    linkcheck prints most (a check's STOP, a precheck's pairs: English words, masked values,
    whole numbers), without importing tabulate and wcwidth, which take 20-40 ms of CPU (tabulate
    reads its own version from the installed packages' metadata at import) on the path after
    the store's key. None for anything else -- a character outside printable ASCII (Chinese,
    which tabulate measures by display width), a cell with spaces at either end, a cell tabulate
    reads as a number other than digits alone (or as a boolean) -- which tabulate lays out."""
    if not headers or not cells or any(len(row) != len(headers) for row in cells):
        return None
    columns = []
    for index, header in enumerate(headers):
        if not (header.isascii() and header.isprintable()):
            return None
        column = [row[index] for row in cells]
        numbers = text = False
        for cell in column:
            if type(cell) is not str or not (cell.isascii() and cell.isprintable()):
                return None
            if not cell:
                continue
            if cell != cell.strip(" ") or cell in ("True", "False"):
                return None
            if not _MAYBE_NUMBER.fullmatch(cell):
                text = True
            elif _DIGITS.fullmatch(cell):
                numbers = True
            else:
                return None  # "1.5", "-2", "nan", "tea", ...: tabulate's rules, tabulate's layout
        width = max(len(header) + 2, *map(len, column))
        if numbers and not text:  # a column of whole numbers: right-aligned, its header too
            columns.append([header.rjust(width), "-" * width, *(cell.rjust(width) for cell in column)])
        else:
            columns.append([header.ljust(width), "-" * width, *(cell.ljust(width) for cell in column)])
    return "\n".join("  ".join(line).rstrip() for line in zip(*columns, strict=True))


def _table_cell(column: str, value: Any, between: str) -> str:
    text = visible(_cell(value, between))
    if column not in _TRANSLATED_CELLS or not text:
        return text
    if column == "match":
        word, sep, rest = text.partition(" ")
        return translate(word) + sep + rest
    if text.endswith(_CONTEXT):
        return _("{level} ({context})", level=translate(text[: -len(_CONTEXT)]), context=translate("context"))
    return translate(text)


def render_json(data: Any) -> str:
    return jsontext.dumps(data)  # json.dumps(data, ensure_ascii=False, indent=2), faster


# What TerminalSafeStream would show as an escape, in UTF-8 (C0 controls never appear raw in
# JSON): DEL, the C1 controls, the bidi embeddings, overrides and isolates. UTF-8 is
# self-synchronising, so these bytes occur only as those characters.
_UNSAFE_UTF8 = re.compile(b"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def json_bytes_unsafe(text: bytes) -> bool:
    """Whether UTF-8 JSON text holds a character linkcheck's terminal filter would escape."""
    # Each such character's UTF-8 begins with one of these bytes: text holding none of them
    # (the audit's JSON, Chinese reasons and all) is answered by three byte searches, about a
    # tenth of the pattern's time over tens of megabytes.
    if b"\xe2" not in text and b"\xc2" not in text and b"\x7f" not in text:
        return False
    return _UNSAFE_UTF8.search(text) is not None


def echo_json(data: Any, pieces: dict[int, tuple] | None = None) -> None:
    """`click.echo(render_json(data))`, the same bytes out; a large document (the audit's tens
    of megabytes) goes to the binary stream underneath as `jsontext.dumps_bytes` writes it,
    without a str made and encoded again, where that is what the text stream would write:
    stdout is linkcheck's TerminalSafeStream over a UTF-8 stream that does not translate line
    breaks, and the text holds nothing that stream would escape (else the text way).
    `pieces`: the first value's items written already (`jsontext.dumps_bytes`), each one's
    third element True where `json_bytes_unsafe` was false of it."""
    out = sys.stdout
    binary = None
    if isinstance(out, TerminalSafeStream) and os.linesep == "\n":
        encoding = getattr(out, "encoding", None)
        if encoding and codecs.lookup(encoding).name == "utf-8":
            binary = out.binary_stream()
    if binary is None:
        click.echo(render_json(data))
        return
    text, unsafe = jsontext.dumps_bytes_found(data, pieces, json_bytes_unsafe)
    if unsafe:
        click.echo(text.decode("utf-8"))
        return
    out.flush()  # what was written to the text stream before goes first
    binary.write(text)
    binary.write(b"\n")
    binary.flush()


def _cell(value: Any, between: str = "; ") -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return between.join(_cell(v, between) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v, between)}" for k, v in value.items())
    return str(value)


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


# ----- the export file -----------------------------------------------------------------------


def write_export(profiles: Iterable, fmt: str, out: TextIO, kind_names: Iterable[str]) -> int:
    """Every profile in the import format `fmt` (json or csv), each encoded by its reader's
    twin (importers/json.py, importers/csv.py) so that importing the file gives them back."""
    if fmt == "json":
        if isinstance(profiles, SealedRows):
            return write_json_export_rows(profiles.rows, profiles.open_row_as, out)
        return _write_json_export(profiles, out)
    profiles = list(profiles)
    kinds = list(kind_names)
    identity = any(has_identity(p) for p in profiles)
    write_csv_row(out, export_header(kinds, identity))
    for p in profiles:
        write_csv_row(out, profile_to_row(p, kinds, identity))
    return len(profiles)


class SealedRows:
    """A store's sealed account rows (`Store.iter_account_rows`), the function that opens one
    (`Store.open_account_row`) and the one that opens it as something else
    (`Store.open_account_row_as`): iterated, the profiles; `write_export` lays out a JSON
    export from them on both cores, straight from each row's plaintext."""

    def __init__(self, rows: Iterable, open_row: Callable[[Any], Any], open_row_as: Callable):
        self.rows = rows
        self.open_row = open_row
        self.open_row_as = open_row_as

    def __iter__(self) -> Iterator:
        return map(self.open_row, self.rows)


def write_json_export_rows(rows: Iterable, open_row_as: Callable, out: TextIO) -> int:
    """`write_export(..., "json", ...)` from a store's sealed rows (`Store.iter_account_rows`)
    and the function that opens one as something else (`Store.open_account_row_as`): the same
    file, written a hundred accounts at a time, each account's text made straight from its
    row's plaintext (`export_item_bytes`, the same bytes), the batches shared with a second
    process as each comes free (`parallel.balanced_map`), so both cores work; a batch crosses
    the pipe and reaches the file as one UTF-8 text."""
    count = 0
    write = _written_behind(out, _utf8_writer(out))
    batches = balanced_map(functools.partial(_export_bytes, open_row_as), _batches(rows, _EXPORT_BATCH))
    with contextlib.closing(batches):
        for n, text in batches:
            write(b"[\n  " if count == 0 else b",\n  ")
            write(text)
            count += n
    write(b"\n]\n" if count else b"[]\n")
    return count


def _write_json_export(profiles: Iterable, out: TextIO) -> int:
    """A JSON list written one profile at a time (memory stays that of one profile), laid out
    exactly as `json.dump(..., indent=2)` would lay out the whole list."""
    count = 0
    for profile in profiles:
        out.write(("[\n  " if count == 0 else ",\n  ") + _export_text(profile))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


_EXPORT_BATCH = 100


def _export_text(profile) -> str:
    """The profile's JSON as it reads one level deep in the export's list."""
    return jsontext.dumps(profile_to_json(profile)).replace("\n", "\n  ")


def _export_bytes(open_row_as: Callable, rows: list) -> tuple[int, bytes]:
    """(how many, the UTF-8 of the rows' `_export_text`s joined by ",\\n  "): each item made by
    `export_item_bytes` where it can, else from the row's Profile (`_export_text`)."""
    items = []
    for row in rows:
        item = open_row_as(row, export_item_bytes)
        items.append(item if type(item) is bytes else _export_text(item).encode("utf-8"))
    return len(items), b",\n  ".join(items)


# A large output file's pages are handed to the disk every this many bytes as they are written
# (`_written_behind`), so the fsync that closes it (`private_output`) waits for the last ones only.
WRITE_BEHIND_BYTES = 32 << 20


def _written_behind(out: TextIO, write: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """`write`, which, when `out` is a regular file and the system can be told to (Linux's
    posix_fadvise), also starts the writeback of every WRITE_BEHIND_BYTES written -- an
    export is 440 MB at 100,000 accounts, which fsync would otherwise write at the end, about
    0.8 s -- and lets the kernel drop those pages from its cache once written (nothing rereads
    them). Only advice: what reaches the file, and when it is complete, do not change."""
    advise = getattr(os, "posix_fadvise", None)
    try:
        fd = out.fileno()
        if advise is None or not stat.S_ISREG(os.fstat(fd).st_mode):
            return write
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return write
    done = [0, 0]  # bytes written, bytes handed on

    def write_behind(text: bytes) -> None:
        write(text)
        done[0] += len(text)
        if done[0] - done[1] >= WRITE_BEHIND_BYTES:
            # (from a little before the last range: what the writer's buffer held then)
            start = max(0, done[1] - (1 << 20))
            try:
                advise(fd, start, done[0] - start, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass
            done[1] = done[0]

    return write_behind


def _utf8_writer(out: TextIO) -> Callable[[bytes], Any]:
    """A function that writes UTF-8 text to `out` as `out.write(text.decode("utf-8"))` would,
    without the str where that is the same: to the binary buffer of a UTF-8 file that does not
    translate line breaks (`private_output`'s: no linkcheck stream translates "\\n" but to
    os.linesep), or of standard output through the terminal filter (`TerminalSafeStream`, as
    `echo_json`) where the text holds nothing it would escape."""
    if os.linesep == "\n" and type(out) is io.TextIOWrapper and out.errors == "strict" \
            and codecs.lookup(out.encoding).name == "utf-8":
        out.flush()
        return out.buffer.write
    if os.linesep == "\n" and isinstance(out, TerminalSafeStream):
        encoding = getattr(out, "encoding", None)
        if encoding and codecs.lookup(encoding).name == "utf-8":
            binary = out.binary_stream()

            def write(text: bytes) -> None:
                if json_bytes_unsafe(text):
                    out.write(text.decode("utf-8"))
                else:
                    out.flush()  # what was written to the text stream before goes first
                    binary.write(text)

            return write
    return lambda text: out.write(text.decode("utf-8"))


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ----- output files --------------------------------------------------------------------------

STDOUT = "-"


def output_option(*, required: bool = False, default: str | None = None, help: str = "File to write."):
    """-o/--output and --force, the same on every command that writes a file (`-o -`: stdout)."""

    def decorate(func):
        func = click.option(
            "--force", "-f", is_flag=True, help="Overwrite an existing output file without asking."
        )(func)
        # (No `default` at all when there is none: click 8.3 and later take an explicit
        # `default=None` as a value given, and stop enforcing `required`.)
        extra = {"default": default, "show_default": True} if default is not None else {}
        return click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            required=required,
            help=N_("{help} Created with mode 600; '-' writes to standard output.", help=help),
            **extra,
        )(func)

    return decorate


def is_stdout(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDOUT


def confirm_overwrite(path: Path, force: bool) -> None:
    """An existing output file is replaced only with --force, or when the user says so at a prompt."""
    from . import options  # the one test of a terminal for prompts (options imports the store)

    if force or not os.path.lexists(path):
        return
    if os.path.isdir(path):
        raise UsageError(_("{path} is a folder; give a file name", path=path))
    if not options._interactive():
        raise UsageError(_("{path} already exists; add --force to overwrite it", path=path))
    click.confirm(_("{path} already exists. Overwrite it?", path=path), abort=True, err=True)


def temp_path_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial-{os.getpid()}")


def _binary_stdout():
    """Standard output for binary data, refused when it is a terminal."""
    out = sys.stdout
    stream = out.binary_stream() if hasattr(out, "binary_stream") else out.buffer
    if stream.isatty():
        raise UsageError(_("refusing to write binary data to a terminal; redirect standard output to a file"))
    return stream


@contextlib.contextmanager
def private_output(path: Path, *, force: bool, binary: bool = False, encoding: str = "utf-8"):
    """A file handle for one output file, written whole or not at all.

    '-' is standard output. Otherwise the data goes to a new file (mode 600) beside the target,
    which replaces the target only once complete: a failure, or a target the user may write but
    does not own, never leaves it truncated or half written. An existing target asks first
    (`confirm_overwrite`).
    """
    if is_stdout(path):
        stream = _binary_stdout() if binary else sys.stdout
        yield stream
        stream.flush()
        return
    confirm_overwrite(path, force)
    partial = temp_path_beside(path)
    try:
        fd = os.open(str(partial), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise UsageError(_("cannot write {path}: {value}", path=path, value=os_reason(exc))) from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        fh = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(_("cannot write {path}: {value}", path=path, value=os_reason(exc))) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_output(path: Path, text: str, *, force: bool, encoding: str = "utf-8") -> None:
    """Write `text` as one output file (see `private_output`)."""
    with private_output(path, force=force, encoding=encoding) as fh:
        fh.write(text)
