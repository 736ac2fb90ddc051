"""Parsing an import's values ahead, in a second process: `ParseAhead`.

An import spends about half its time validating and normalising values (phone numbers,
registration numbers, addresses...), the other half reading the files, merging, sealing and
writing. On Linux, `ParseAhead` forks a child that reads the same files itself and parses
every value with the region it expects the value to be read in, and hands back, record by
record, {(kind, value, region): (normalized, keys, flags)} -- what `kinds.parse_value` gives,
which depends on nothing else. The importing process takes an answer only for the very
(kind, value, region) it is about to parse; anything missing (a value the child could not
parse, a region it guessed otherwise, a child that failed or is not there) is parsed in the
importing process as before. So what is imported, and every error, is exactly what it would
be without the child: the child only saves time.

The child shares nothing with the store: it is forked before anything is parsed, touches
no SQLite connection, drops its standard streams, dies with its parent (Linux
PR_SET_PDEATHSIG) and writes only pickled answers to a pipe only the two processes hold.
"""

from __future__ import annotations

import os
import pickle
from typing import Callable, Iterable

from ..parallel import detach_child, fork_with_pipes, kill_and_reap
from ..registry import kinds
from .records import ProfileRecord

_BATCH = 200  # records per pickled batch

Answers = dict[tuple[str, str, "str | None"], tuple[str, tuple[str, ...], tuple[str, ...]]]


def parse_record(record: ProfileRecord, region: str | None, default_region: str | None) -> Answers:
    """The parsed values of `record`, each read in the region the import will read it in when
    the account is new or keeps the file's marketplace (`accounts.record_attributes`)."""
    marketplace = record.marketplace if isinstance(record.marketplace, str) else ""
    where = region or kinds.region_for_marketplace(marketplace) or default_region
    out: Answers = {}
    for raw in record.values:
        if not (isinstance(raw.kind, str) and isinstance(raw.value, str)):
            continue
        try:
            parsed = kinds.parse_value(raw.kind, raw.value, region=where)
        except Exception:  # noqa: BLE001 - the importing process parses it again and reports
            continue
        out[(raw.kind, raw.value, where)] = (parsed.normalized, parsed.keys, parsed.flags)
    return out


class ParseAhead:
    """`next()` once per record of the import, in order: that record's answers, or None."""

    def __init__(self, records: Callable[[], Iterable[ProfileRecord]], region: str | None,
                 default_region: str | None):
        self._pid: int | None = None
        self._read = None
        self._batch: list = []
        self._at = 0
        forked = fork_with_pipes(1)
        if forked is None:
            return
        pid, [(read_fd, write_fd)] = forked
        if pid == 0:  # the child
            try:
                detach_child()
                os.close(read_fd)
                with os.fdopen(write_fd, "wb") as pipe:
                    batch = []
                    for record in records():
                        batch.append(parse_record(record, region, default_region))
                        if len(batch) == _BATCH:
                            pickle.dump(batch, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                            batch = []
                    pickle.dump(batch, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:  # noqa: BLE001 - the parent parses everything itself
                pass
            finally:
                os._exit(0)
        os.close(write_fd)
        self._pid = pid
        self._read = os.fdopen(read_fd, "rb")

    def next(self) -> Answers | None:
        if self._at == len(self._batch):
            if self._read is None:
                return None
            try:
                self._batch = pickle.load(self._read)  # our own child's output, through our own pipe
            except Exception:  # noqa: BLE001 - a child that failed: parse here from now on
                self.close()
                return None
            self._at = 0
            if not self._batch:
                self.close()
                return None
        answers = self._batch[self._at]
        self._at += 1
        return answers

    def close(self) -> None:
        """Stop the child (done or not) and reap it."""
        if self._read is not None:
            self._read.close()
            self._read = None
        pid, self._pid = self._pid, None
        if pid is not None:
            kill_and_reap(pid)
