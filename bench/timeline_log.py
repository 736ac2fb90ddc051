"""The log the bench timelines write (audit_timeline.py, import_timeline.py): a temporary file
that a command and the child processes it forks append one tab-separated line to at a time.

    LOG = TimelineLog("audit-timeline-")         # at the script's start: times are since then
    LOG.wrap(module, "function")                 # each call: STEP pid thread start end cpu label
    LOG.mark("fork")                             # MARK pid label time cpu (cpu: `cpu_clock`)
    LOG.write(f"SEND\\t...")                      # any other record
    for fields in LOG.read(): ...                # at the end, in the parent: every record; the file goes
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
import time
from typing import Callable


class TimelineLog:
    def __init__(self, prefix: str, cpu_clock: Callable[[], float] = time.thread_time):
        self.start = time.time()
        self.path = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log", delete=False).name  # noqa: SIM115
        self.cpu_clock = cpu_clock

    def write(self, line: str) -> None:
        with open(self.path, "a", encoding="utf-8") as out:  # appended by the command and its child alike
            out.write(line + "\n")

    def mark(self, label: str) -> None:
        self.write(f"MARK\t{os.getpid()}\t{label}\t{time.time() - self.start:.3f}\t{self.cpu_clock():.3f}")

    def wrap(self, owner, name: str, label: str | None = None) -> None:
        """Replace `owner.name` by a function that logs each call's times (its thread's CPU time)."""
        real = getattr(owner, name)
        label = label or f"{getattr(owner, '__name__', owner)}.{name}"
        start = self.start

        @functools.wraps(real)
        def timed(*args, **kwargs):
            began, cpu = time.time(), time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                self.write(f"STEP\t{os.getpid()}\t{threading.current_thread().name}\t{began - start:.3f}\t"
                           f"{time.time() - start:.3f}\t{time.thread_time() - cpu:.3f}\t{label}")

        setattr(owner, name, timed)

    def read(self) -> list[list[str]]:
        """Every record written, as its fields; the file is removed."""
        with open(self.path, encoding="utf-8") as lines:
            records = [line.rstrip("\n").split("\t") for line in lines]
        os.unlink(self.path)
        return records
