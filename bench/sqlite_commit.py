"""What SQLite's commit of an import-sized transaction costs, with and without syncing the
files as they are written (issue 17: the flush tried, and dropped, in the ninth session; see
the README, "`import` in the ninth session").

    python bench/sqlite_commit.py 100000 0   # no flushing: SQLite's own syncs do it all
    python bench/sqlite_commit.py 100000 0 65536   # a 64 MiB page cache, as `import` has (eleventh session)
    python bench/sqlite_commit.py 100000 2   # a thread fdatasyncs the log and the file every 0.2 s
    strace -f --seccomp-bpf -T -e trace=fdatasync,fsync python bench/sqlite_commit.py 100000 0

Writes N rows of the store's shape (a 16-byte name tag, a 3,500-byte body and a 1,200-byte key
index, written with its id in one INSERT, as `import` has written a new account since the tenth
session) in one transaction into a new WAL-mode
file with `synchronous = FULL` in /tmp, and prints the time of the rows, of the COMMIT (the
log's sync, then the automatic checkpoint: the log copied into the file, and its sync) and of
the close (the log removed), and what the COMMIT read (Linux: /proc/self/io): the checkpoint
reads the log once; more is the log read again, to checksum it, because a page went to it twice
(the third argument: the page cache in KiB, SQLite's default 2,000 without). Random bytes, no linkcheck code: the file is
removed at the end.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import threading
import time


def main() -> None:
    count, mode = int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "0"
    cache_kib = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    folder = tempfile.mkdtemp(prefix="sqlite-commit-")
    path = os.path.join(folder, "store.db")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name_tag BLOB UNIQUE, version INTEGER, body BLOB, keys BLOB)")
    conn.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    if cache_kib:
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")
    conn.execute("BEGIN IMMEDIATE")
    stop = threading.Event()
    fds: list[int] = []

    def flush() -> None:
        while not stop.wait(0.2):
            if not fds:
                try:
                    fds.append(os.open(path + "-wal", os.O_RDONLY))
                except FileNotFoundError:
                    continue
                fds.append(os.open(path, os.O_RDONLY))
            for fd in fds:
                os.fdatasync(fd)

    thread = threading.Thread(target=flush, daemon=True)
    if mode != "0":
        thread.start()
    began = time.time()
    for n in range(count):
        conn.execute("INSERT INTO accounts (id, name_tag, version, body, keys) VALUES (?, ?, 1, ?, ?)",
                     (n + 1, os.urandom(16), os.urandom(3500), os.urandom(1200)))
        if n % 100 == 0:
            time.sleep(0.01)  # the import's own work between rows
    rows = time.time()
    cpu = time.process_time()
    logged = os.path.getsize(path + "-wal")
    read = _bytes_read()
    conn.execute("COMMIT")
    committed = time.time()
    read = _bytes_read() - read
    conn.close()
    closed = time.time()
    stop.set()
    if thread.is_alive():
        thread.join()
    for fd in fds:  # only after the connection is closed (closing a descriptor drops the process's locks)
        os.close(fd)
    done = time.time()
    print(f"mode {mode}: rows {rows - began:.2f} s, COMMIT {committed - rows:.2f} s, close {closed - committed:.2f} s, "
          f"then {done - closed:.2f} s; CPU from the COMMIT on {time.process_time() - cpu:.2f} s; "
          f"the log {logged / 1e6:.0f} MB before the COMMIT, which read {read / 1e6:.0f} MB "
          f"(page cache {cache_kib or 'default'} KiB)")
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)


def _bytes_read() -> int:
    """What this process has read through read(2) and its kin so far (0 where /proc has no io)."""
    try:
        with open("/proc/self/io") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))
    except (OSError, StopIteration):
        return 0


if __name__ == "__main__":
    main()
