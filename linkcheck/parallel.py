"""`balanced_map`: a function over a stream of items, on both cores.

linkcheck runs on small machines (two cores is typical), and its long jobs are Python loops
that a thread cannot spread. `balanced_map(func, items)` hands items, pickled, to a forked
child process that applies `func` and hands the results back, while this process applies
`func` to the items the child has no room for; results come out in the order of the items,
exactly what `map(func, items)` gives. Only on Linux; elsewhere, with `parallel` false, or
when the child fails for any reason (killed, out of memory, an item or result that does not
pickle, `func` raising), this process computes the item itself -- which raises the proper
error if there is one. The child is the same program with the same memory: it reads nothing
but the items from its pipe, drops its standard streams, dies with its parent (Linux
PR_SET_PDEATHSIG) and leaves with os._exit. `ForkedResult` runs one function in a forked
child and takes its result; `fork_with_pipes`, `detach_child` and `kill_and_reap` are the
pieces the import's parse-ahead child and the audit's fuzzy child are made of.
"""

from __future__ import annotations

import collections
import contextlib
import os
import pickle
import queue
import select
import signal
import sys
import threading
import time
from typing import Callable, Iterable, Iterator, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")
_END = object()


def balanced_map(func: Callable[[_T], _R], items: Iterable[_T], *, parallel: bool = True, ahead: int = 3,
                 held: int = 8) -> Iterator[_R]:
    """`map(func, items)`, the items shared with a forked child as each process comes free: the
    child is kept `ahead` items ahead (threads write them to its pipe and read its results, so
    neither process waits for the other to read), and whenever the child's oldest item is not
    done this process computes the next item itself -- so this process's own work besides (reading the items, using the
    results) does not leave the child idle, nor the child's slowness this one. Results come in
    the order of the items, an error of `func` where its item's result would (nothing after it
    computed); at most `held` results wait for an earlier one of the child's (this process then
    waits for the child). When the child fails, this process computes its items itself. Close the iterator (or exhaust it) to stop the child."""
    child = _Feeder(func) if parallel else None
    # (_MINE, result), (_THEIRS, item sent to the child), (_FAILED, the error func raised here)
    pending: collections.deque = collections.deque()
    in_child = 0
    it = iter(items)
    exhausted = False
    try:
        while True:
            while pending:  # what is due, in order
                whose, value = pending[0]
                if whose is _MINE:
                    pending.popleft()
                    yield value
                    continue
                if whose is _FAILED:
                    raise value
                if child is not None and not (exhausted or len(pending) >= held or child.ready()):
                    break  # the child's oldest is not done: work on the next item meanwhile
                pending.popleft()
                in_child -= 1
                answer = child.receive() if child is not None else _END
                if answer is _END:
                    child = None  # failed (and stopped): its items are computed here
                    yield func(value)
                else:
                    yield answer  # type: ignore[misc]  # the child's func(value)
            if exhausted:
                return
            item = next(it, _END)
            if item is _END:
                exhausted = True
                continue
            if child is not None and in_child < ahead:
                if child.send(item):
                    pending.append((_THEIRS, item))
                    in_child += 1
                    continue
                child = None
            try:
                pending.append((_MINE, func(item)))  # type: ignore[arg-type]  # not _END here
            except Exception as exc:  # raised in its turn, after the results before it
                pending.append((_FAILED, exc))
                exhausted = True
    finally:
        if child is not None:
            child.stop()


_MINE, _THEIRS, _FAILED = object(), object(), object()


class _Feeder:
    """A forked process applying `func` to each item it is sent; a thread of this process writes
    the items to its pipe and another reads its results (each after its length) as they come,
    so neither process waits for the other to read."""

    def __init__(self, func: Callable) -> None:
        self._pid: int | None = None
        forked = _fork_worker(func)
        if forked is None:
            return
        self._pid, to_child, from_child = forked
        self._items: queue.SimpleQueue = queue.SimpleQueue()
        self._results: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = (
            threading.Thread(target=self._write, args=(os.fdopen(to_child, "wb"),), name="linkcheck-feed", daemon=True),
            threading.Thread(target=self._read, args=(from_child,), name="linkcheck-results", daemon=True),
        )
        for thread in self._threads:
            thread.start()

    def _write(self, outbox) -> None:
        """The first thread: each item queued (pickled), written to the child's pipe, until _END
        or a failure (the child gone: the reading thread then ends too)."""
        with contextlib.suppress(OSError, ValueError), outbox:
            while True:
                data = self._items.get()
                if data is _END:
                    return
                outbox.write(data)
                outbox.flush()

    def _read(self, fd: int) -> None:
        """The second thread: each whole result the child sends, then _END when it ends."""
        try:
            while True:
                size = int.from_bytes(_read_exactly(fd, 8), "little")
                self._results.put(_read_exactly(fd, size))
        except Exception:  # noqa: BLE001 - the child ended (or failed): the parent computes the rest
            self._results.put(_END)
        finally:
            os.close(fd)

    def send(self, item) -> bool:
        """Queue an item for the child; False (and no child from now on) when there is no
        child or the item does not pickle."""
        if self._pid is None:
            return False
        try:
            data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an item that does not pickle: computed here
            self.stop()
            return False
        self._items.put(data)
        return True

    def ready(self) -> bool:
        """Whether `receive()` answers without waiting for the child's work."""
        return self._pid is None or not self._results.empty()

    def receive(self):
        """The child's result for its oldest item, or _END (and no child from now on)."""
        if self._pid is None:
            return _END
        data = self._results.get()
        try:
            if data is _END:
                raise EOFError
            return pickle.loads(data)  # our own child's output, through our own pipe
        except Exception:  # noqa: BLE001 - the child failed: the parent computes it
            self.stop()
            return _END

    def stop(self) -> None:
        pid, self._pid = self._pid, None
        if pid is None:
            return
        self._items.put(_END)
        kill_and_reap(pid)  # its pipes end with it: the threads' reads and writes end
        for thread in self._threads:
            thread.join()


def _fork_worker(func: Callable) -> tuple[int, int, int] | None:
    """A forked process applying `func` to each item pickled to it, one at a time, until its
    input ends: (its pid, the fd to write items to, the fd to read results from), or None when
    it cannot be started. Each result is pickled after its length in 8 bytes (`_Feeder` reads
    them whole)."""
    forked = fork_with_pipes(2)
    if forked is None:
        return None
    pid, (to_child, from_child) = forked
    if pid == 0:
        try:
            detach_child()
            os.close(to_child[1])
            os.close(from_child[0])
            with os.fdopen(to_child[0], "rb") as inbox, os.fdopen(from_child[1], "wb") as outbox:
                while True:
                    try:
                        item = pickle.load(inbox)  # our own parent's items, through our own pipe
                    except EOFError:
                        break
                    data = pickle.dumps(func(item), protocol=pickle.HIGHEST_PROTOCOL)
                    outbox.write(len(data).to_bytes(8, "little"))
                    outbox.write(data)
                    outbox.flush()
        except BaseException:  # noqa: BLE001 - the parent computes the item itself
            pass
        finally:
            os._exit(0)
    os.close(to_child[0])
    os.close(from_child[1])
    return pid, to_child[1], from_child[0]


def _read_exactly(fd: int, size: int) -> bytearray:
    """`size` bytes from `fd`; EOFError when it ends before."""
    data = bytearray(size)
    view = memoryview(data)
    got = 0
    while got < size:
        n = os.readv(fd, [view[got:]])
        if n == 0:
            raise EOFError
        got += n
    return data


class ForkedResult:
    """`work()` once, in a forked child process, its result read back through a pipe: the
    audit's fuzzy side (store/prefilter.py `_Background`) and an in-process audit's second
    facet group (linkage/byfacet.py) are made with it.

    The child shares this process's memory copy-on-write, drops its standard streams and dies
    with this process (`detach_child`), writes nothing but its pickled result, after its
    length, to the pipe, and leaves with os._exit (no cleanup, no buffered output); `then()`,
    when given, runs in the child once its result is sent (never an error). `result(missing)`
    is the child's whole result, or `missing` when there is no child (no fork here, or it could
    not be made) or it failed -- the caller then does the work itself; a whole result is used
    as soon as it is read, the child reaped by a thread meanwhile. `cancel()` stops a child
    whose result is no longer wanted."""

    def __init__(self, work: Callable[[], object], then: Callable[[], None] | None = None):
        self._pid: int | None = None
        self._read = None
        forked = fork_with_pipes(1)
        if forked is None:
            return
        pid, [(read_fd, write_fd)] = forked
        if pid == 0:  # the child
            status = 1
            try:
                detach_child()
                os.close(read_fd)
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(len(data).to_bytes(8, "little"))  # the result whole, or none
                    pipe.write(data)
                status = 0
                if then is not None:
                    then()
            except BaseException:  # noqa: BLE001 - the parent does the work itself
                pass
            finally:
                os._exit(status)
        os.close(write_fd)
        self._pid = pid
        self._read = os.fdopen(read_fd, "rb")

    def result(self, missing=None, timeout: float | None = None):
        """The child's result, or `missing`; with `timeout`, also `missing` (the child stopped)
        when it has not sent all of it within that many seconds."""
        if self._pid is None or self._read is None:
            return missing
        try:
            data = self._read.read() if timeout is None else _read_until(self._read.fileno(), time.monotonic() + timeout)
        except BaseException:
            self.cancel()  # e.g. Ctrl-C: do not wait for the child to finish its work
            raise
        if data is None:  # too late: stopped, its work done by the caller
            self.cancel()
            return missing
        self._read.close()
        pid, self._pid = self._pid, None
        if len(data) > 8 and int.from_bytes(data[:8], "little") == len(data) - 8:
            # The whole result, so the child is done: it is reaped meanwhile, not waited for
            # here (its exit, giving back the pages it copied, takes a few hundredths).
            threading.Thread(target=reap, args=(pid,), name="linkcheck-reap", daemon=True).start()
            return pickle.loads(memoryview(data)[8:])  # our own child's output, through our own pipe
        reap(pid)
        return missing

    def ready(self) -> bool:
        """Whether `result()` would answer without waiting for the child's work: it has begun
        sending its result, or ended (or there is no child)."""
        if self._pid is None or self._read is None:
            return True
        try:
            return bool(select.select([self._read], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def cancel(self) -> None:
        pid, self._pid = self._pid, None
        if pid is not None:
            self._read.close()  # type: ignore[union-attr]  # open while the child runs
            kill_and_reap(pid)


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything read from `fd` until its end, or None at `deadline` (time.monotonic())."""
    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if not poller.poll(max(1, int(left * 1000))):
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


# ---------------------------------------------------------------------------------------------
# The fork primitives every second process of linkcheck is made with (this module's, the
# audit's in store/prefilter.py, the import's in importers/ahead.py).


def fork_with_pipes(count: int) -> tuple[int, list[tuple[int, int]]] | None:
    """`count` pipes and a forked child: (pid, [(read_fd, write_fd), ...]), pid 0 in the child.
    None, with nothing left open, where there is no fork (not Linux) or a pipe or the process
    cannot be made: the caller then does the work itself."""
    if not (sys.platform.startswith("linux") and hasattr(os, "fork")):
        return None
    pipes: list[tuple[int, int]] = []
    try:
        for _n in range(count):
            pipes.append(os.pipe())
        pid = os.fork()
    except OSError:
        for fd in (fd for pipe in pipes for fd in pipe):
            os.close(fd)
        return None
    return pid, pipes


def detach_child() -> None:
    """In a forked child: no terminal streams, and die with the parent (Linux only)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def kill_and_reap(pid: int) -> int | None:
    """Stop a child whose work is no longer wanted (done or not) and reap it: its wait status,
    None when the kernel reaped it already (SIGCHLD ignored)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return reap(pid)


def reap(pid: int) -> int | None:
    """Wait for a child: its wait status, None when the kernel reaped it already."""
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None
