"""Where an import's wall time goes: what runs when, in the importing process and in its
parse-ahead child (importers/ahead.py), issue 17.

    LINKCHECK_STORE=COPY/store.db LINKCHECK_PASSPHRASE="benchmark passphrase, not a secret" \\
        python bench/import_timeline.py import DIR/accounts-*.json

Runs `linkcheck ARGS...` in this process (the key derivation begun at once, as the console
script begins it) with the import's steps wrapped, and writes to stderr at the end: each
step's start and end (seconds since this script started) and CPU time, in time order (the
child's batches summed); then, per process, the CPU time, the time spent waiting for the
other one (the importing process for a batch, the child for room in the pipe), and the serial
stretches (one process busy, the other not started, waiting or done). Timing only: the
command's output is its own, unchanged. Run it on a copy of a store: it writes.
"""

from __future__ import annotations

import atexit
import os
import sys
import time

from timeline_log import TimelineLog  # bench/, beside this script

LOG = TimelineLog("import-timeline-", cpu_clock=time.process_time)
START = LOG.start
PARENT = os.getpid()
_write, _mark, _wrap = LOG.write, LOG.mark, LOG.wrap


def _instrument() -> None:
    from linkcheck import accounts
    from linkcheck.importers import ahead
    from linkcheck.store import sqlite

    for owner, names in ((sqlite.Store, ("_unlock", "_verify_manifest")),
                         (accounts, ("_import_records",)), (ahead, ("parse_batch",))):
        for name in names:
            _wrap(owner, name)
    real_send = ahead._send

    def send(pipe, batch, regions, cache, rows=None):
        began, cpu = time.time(), time.process_time()
        real_write = pipe.write
        waited = [0.0]

        class Timed:  # the write blocks while the pipe is full: the child waits for the parent
            def write(self, data):
                t = time.time()
                try:
                    return real_write(data)
                finally:
                    waited[0] += time.time() - t

        try:
            return real_send(Timed(), batch, regions, cache, rows)  # type: ignore[arg-type]
        finally:
            _write(f"SEND\t{os.getpid()}\t{began - START:.3f}\t{time.time() - START:.3f}\t"
                   f"{time.process_time() - cpu:.3f}\t{waited[0]:.3f}\t{'parsed' if regions else 'raw'}")

    ahead._send = send
    real_init = ahead.ParseAhead.__init__

    def init(self, *args, **kwargs):
        _mark("fork")
        real_init(self, *args, **kwargs)

    ahead.ParseAhead.__init__ = init  # type: ignore[method-assign]
    real_receive = ahead.ParseAhead._receive

    def receive(self):
        began = time.time()
        try:
            return real_receive(self)
        finally:
            _write(f"RECV\t{os.getpid()}\t{began - START:.3f}\t{time.time() - START:.3f}")

    ahead.ParseAhead._receive = receive  # type: ignore[method-assign]
    real_commit, real_gate = sqlite.Store._commit_manifest, sqlite.Store._write_gate_cache

    def commit_manifest(self):
        real_commit(self)
        _mark("COMMIT")  # what follows: SQLite's commit, its checkpoint, the close

    def write_gate_cache(self):
        _mark("closed")
        real_gate(self)

    sqlite.Store._commit_manifest, sqlite.Store._write_gate_cache = commit_manifest, write_gate_cache  # type: ignore[method-assign]


def _report() -> None:
    if os.getpid() != PARENT:
        return
    _mark("exit")
    steps, marks, sends, recvs = [], {}, [], []
    for fields in LOG.read():
        if fields[0] == "STEP":
            steps.append(fields[1:])
        elif fields[0] == "SEND":
            sends.append(fields[1:])
        elif fields[0] == "RECV":
            recvs.append(fields[1:])
        else:
            marks[fields[2]] = (float(fields[3]), float(fields[4]))
    out = sys.stderr
    parent_batches = [s for s in steps if s[0] == str(PARENT) and s[-1].endswith("parse_batch")]
    steps = [s for s in steps if not s[-1].endswith("parse_batch")]
    print(f"{'pid':>7} {'start':>7} {'end':>7} {'cpu':>6}  step", file=out)
    for pid, _thread, began, ended, cpu, label in sorted(steps, key=lambda s: float(s[2])):
        print(f"{pid:>7} {began:>7} {ended:>7} {cpu:>6}  {label}", file=out)
    for label, (at, cpu) in sorted(marks.items(), key=lambda m: m[1][0]):
        print(f"mark {label}: {at:.3f} s (process CPU {cpu:.2f} s)", file=out)
    if sends:
        first, last = float(sends[0][1]), float(sends[-1][2])
        cpu = sum(float(s[3]) for s in sends)
        blocked = sum(float(s[4]) for s in sends)
        raw = sum(1 for s in sends if s[5] == "raw")
        print(f"child: first batch sent {float(sends[0][2]):.3f} s, last {last:.3f} s; {len(sends)} batches "
              f"({raw} unparsed); CPU in batches {cpu:.2f} s; blocked on a full pipe {blocked:.2f} s; "
              f"began its first at {first:.3f} s", file=out)
    if recvs:
        waits = [float(r[2]) - float(r[1]) for r in recvs]
        print(f"importing: {len(recvs)} receives, first returned {float(recvs[0][2]):.3f} s, last "
              f"{float(recvs[-1][2]):.3f} s; waited {sum(waits):.2f} s in all, {waits[0]:.2f} s for the first", file=out)
    if parent_batches:
        print(f"importing: parsed {len(parent_batches)} batches itself, "
              f"{sum(float(s[4]) for s in parent_batches):.2f} s CPU", file=out)
    if {"COMMIT", "closed"} <= marks.keys():
        (t0, c0), (t1, c1) = marks["COMMIT"], marks["closed"]
        print(f"the commit, its checkpoint and the close: {t1 - t0:.2f} s wall, {c1 - c0:.2f} s CPU", file=out)
    times = os.times()
    print(f"CPU: importing {times.user + times.system:.2f} s, children reaped {times.children_user + times.children_system:.2f} s; "
          f"wall {marks['exit'][0]:.2f} s", file=out)


def main() -> None:
    sys.argv = ["linkcheck", *sys.argv[1:]]
    from linkcheck import early

    early.start(sys.argv[1:])
    _instrument()
    _mark("instrumented")
    atexit.register(_report)
    from linkcheck.cli import run

    run()


if __name__ == "__main__":
    main()
