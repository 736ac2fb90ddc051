"""The registered readers of import files, and `read_records`, the one way a file is read.

A file is opened safely, its reader chosen by name, extension or first bytes, and its accounts
yielded as `ProfileRecord`s.

A reader is a function from an `ImportFile` to `ProfileRecord`s, registered with `@reader`:

    @reader("tabs", extensions=(".tabs",))
    def read_tabs(source: ImportFile) -> Iterator[ProfileRecord]: ...

It never opens the file itself: `read_records` has already refused anything that is not a
regular file (or is a spreadsheet) and hands over the open file; `importers.safety` has the
bounded JSON and CSV readers to build on. The built-in readers are the modules named in
`BUILTIN_READERS`, imported (and so registered) with this package.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from ..i18n import _, os_reason
from ..errors import InvalidInput, UsageError
from .records import ProfileRecord, RawValue
from .safety import open_import_file, refuse_spreadsheet

__all__ = ["ImportFile", "ProfileRecord", "RawValue", "Reader", "reader", "reader_names", "detect_format", "read_records"]

# Enough of a file's start for a reader to recognise its own (a vendor export's first keys).
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class ImportFile:
    """One file being imported, as a reader gets it."""

    path: Path
    fh: BinaryIO  # open for binary reading, at its start; a regular file
    head: bytes  # its first SNIFF_BYTES bytes (also still to be read from `fh`)
    encoding: str | None = None  # --encoding, for readers of text


@dataclass(frozen=True)
class Reader:
    """A registered format: its name (for --format), the file names it claims, and optionally
    `sniff(head) -> bool`, which recognises its files by their first bytes."""

    name: str
    read: Callable[[ImportFile], Iterator[ProfileRecord]]
    extensions: tuple[str, ...] = ()
    sniff: Callable[[bytes], bool] | None = None


_READERS: dict[str, Reader] = {}


def reader(name: str, *, extensions: tuple[str, ...] = (), sniff: Callable[[bytes], bool] | None = None):
    """Register the decorated function as the reader of format `name`."""

    def register(read: Callable[[ImportFile], Iterator[ProfileRecord]]):
        if name in _READERS:
            raise ValueError(f"a reader named {name!r} is already registered")
        _READERS[name] = Reader(name, read, tuple(e.lower() for e in extensions), sniff)
        return read

    return register


def reader_names() -> tuple[str, ...]:
    """The registered formats, in the order they were registered (the choices of --format)."""
    return tuple(_READERS)


def _choose(path: Path, head: bytes) -> Reader | None:
    """The reader of a file: among the readers claiming its extension, the first whose sniff
    recognises it, else the first that does not sniff (the format's generic reader); with no
    reader claiming the extension, the first whose sniff recognises it."""
    suffix = path.suffix.lower()
    claiming = [r for r in _READERS.values() if suffix in r.extensions]
    sniffers = claiming or list(_READERS.values())
    for candidate in sniffers:
        if candidate.sniff is not None and candidate.sniff(head):
            return candidate
    return next((r for r in claiming if r.sniff is None), None)


def detect_format(path: Path, forced: str | None, head: bytes | None = None) -> str | None:
    """The name of the reader for `path` (`forced` if given), or one clear error.

    Without `head` (the file not read yet), None where only its first bytes can tell; then
    `read_records` decides."""
    refuse_spreadsheet(path, head or b"")
    if forced:
        if forced not in _READERS:
            raise UsageError(_("unknown format {forced!r}; use one of: {items}", forced=forced, items=', '.join(_READERS)))
        return forced
    if head is None and any(r.sniff is not None for r in _READERS.values()):
        return None
    chosen = _choose(path, head or b"")
    if chosen is None:
        given = " or ".join(f"--format {name}" for name in _READERS)
        raise InvalidInput(_("{path}: cannot tell the format from the extension; add {given}", path=path, given=given))
    return chosen.name


def read_records(path: Path, fmt: str | None, *, encoding: str | None = None) -> Iterator[ProfileRecord]:
    """Yield the profiles of one import file; structural problems become records with problems.

    `fmt` None means: tell it from the file's extension (or its first bytes)."""
    with open_import_file(path) as fh:
        try:
            head = fh.read(SNIFF_BYTES)
            fh.seek(0)
        except OSError as exc:
            raise InvalidInput(_("{path}: cannot read ({strerror})", path=path, strerror=os_reason(exc))) from None
        name = detect_format(path, fmt, head)
        yield from _READERS[name].read(ImportFile(path, fh, head, encoding))  # type: ignore[index]  # head given: not None


# The built-in readers: adding one is its module here, registering itself with @reader.
BUILTIN_READERS = ("json", "csv")
for _module in BUILTIN_READERS:
    importlib.import_module(f"{__name__}.{_module}")
del _module
