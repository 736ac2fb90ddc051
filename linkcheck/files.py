"""Reading a small file the user names, safely: a regular file only, and never more than a bound."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(Exception):
    """The path is a FIFO, a device, a folder…: refused without waiting on it or reading it."""


class FileTooLarge(Exception):
    """The file holds more than the caller's bound (found by reading, not by what stat says)."""


def read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes, at most `limit`; NotRegularFile or FileTooLarge otherwise.

    Opened with O_NONBLOCK and checked with fstat on the open file, so a FIFO is refused rather
    than waited on, nothing can be swapped in between, and a device whose size says 0
    (/dev/zero) is not read without end. OSError (missing, permission) reaches the caller.
    """
    fd = os.open(str(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise NotRegularFile(str(path))
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(str(path))
    return data
