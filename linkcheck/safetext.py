"""Free text on its way in (refused if it holds control characters) and stored text on its way
to a terminal (control characters shown, never sent).

A note, a marketplace or an explanation is typed by a person or read from an import file; a
terminal treats some characters in it as commands: ESC starts sequences that set the window
title, write the clipboard (OSC 52) or reset the screen (ESC c), CR and BS overwrite what is
already shown, and the Unicode bidi controls (U+202A-U+202E, U+2066-U+2069) reorder what
follows them. linkcheck refuses them on entry, and shows any it finds in stored data (a store
written by an older version, or edited) as a `\\u001b`-style escape instead of writing it.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

from .i18n import _
from .errors import InvalidInput

# C0 controls except TAB and LF, DEL, C1 controls, the bidi embeddings/overrides/isolates, and
# lone surrogates (which no terminal encoding can write). TAB and LF are plain layout.
_OTHERS = "\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_RE = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHERS}]")
_UNSAFE_ONE_LINE_RE = re.compile(f"[\x00-\x1f{_OTHERS}]")
_UNSAFE_BUT_CR_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_OTHERS}]")


def _escape(match: re.Match) -> str:
    # The same spelling as a JSON or Python string escape: JSON output stays valid JSON and
    # means the same text, and a person can read which character it was.
    return f"\\u{ord(match.group(0)):04x}"


def visible(text: str) -> str:
    """`text` with every control character (other than TAB and LF) written as `\\uXXXX`."""
    return _UNSAFE_RE.sub(_escape, text) if _UNSAFE_RE.search(text) else text


def check_free_text(label: str, text: str, *, one_line: bool = False) -> str:
    """`text` if it holds no control character (CRLF becomes LF where line breaks are allowed).

    Raises InvalidInput (exit 3) naming the field and the first offending character. Line
    breaks and tabs are allowed unless `one_line`.
    """
    if not one_line:
        text = text.replace("\r\n", "\n")
    bad = (_UNSAFE_ONE_LINE_RE if one_line else _UNSAFE_RE).search(text)
    if bad and "\ud800" <= bad.group(0) <= "\udfff":
        # Undecodable bytes on the command line, or a \ud800 escape in JSON: not text at all.
        raise InvalidInput(_("{label} is not valid text (it holds undecodable characters)", label=label))
    if bad:
        allowed = "it must be one line of plain text" if one_line else "only line breaks and tabs are allowed"
        raise InvalidInput(_("{label} contains the control character U+{ord:04X}; {allowed}", label=label, ord=ord(bad.group(0)), allowed=allowed))
    return text


class TerminalSafeStream:
    """A text stream that writes through to `stream` with control characters made visible.

    linkcheck installs one on stdout and stderr for every command (see cli.LinkcheckGroup), so
    whatever a command prints -- tables, notes, names, CSV, JSON -- cannot send an escape
    sequence to the terminal. On stderr a CR is let through at the start or the end of one write
    only: progress lines redraw with it ("\\r  1,000 accounts read…"), while a CR inside a message
    (a file name quoted in an error) could overwrite what the line says, so it is shown.
    """

    def __init__(self, stream: TextIO, *, allow_cr: bool = False):
        self._stream = stream
        self._allow_cr = allow_cr
        self._pattern = _UNSAFE_BUT_CR_RE if allow_cr else _UNSAFE_RE

    def write(self, text: Any) -> int:
        if isinstance(text, str) and self._pattern.search(text):
            text = self._pattern.sub(_escape, text)
        if self._allow_cr and isinstance(text, str) and "\r" in text.strip("\r"):
            inner = text.strip("\r")
            start = text.index(inner)
            text = text[:start] + inner.replace("\r", "\\u000d") + text[start + len(inner):]
        return self._stream.write(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def binary_stream(self):
        """The binary stream underneath, for deliberate binary output (a backup to `-`); the
        caller refuses a terminal first, since nothing filters what goes there."""
        return self._stream.buffer

    def __getattr__(self, name: str) -> Any:
        # No binary `buffer`: click would write bytes there, around this filter.
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._stream, name)
