"""`ordered_map`: a function over a stream of items, every other item on the second core.

linkcheck runs on small machines (two cores is typical), and its long jobs are Python loops
that a thread cannot spread. `ordered_map(func, items)` hands every second item, pickled,
to a forked child process that applies `func` and hands the result back, while this process
applies `func` to the item before; results come out in the order of the items, exactly
what `map(func, items)` gives. Only on Linux; elsewhere, with `parallel` false, or when the
child fails for any reason (killed, out of memory, an item or result that does not pickle,
`func` raising), this process computes the item itself -- which raises the proper error if
there is one. The child is the same program with the same memory: it reads nothing but the
items from its pipe, drops its standard streams, dies with its parent (Linux
PR_SET_PDEATHSIG) and leaves with os._exit.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from typing import Callable, Iterable, Iterator, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")
_END = object()


def ordered_map(func: Callable[[_T], _R], items: Iterable[_T], *, parallel: bool = True) -> Iterator[_R]:
    """`map(func, items)`, every other item computed in a forked child; close the iterator
    (or exhaust it) to stop the child."""
    child = _Child(func) if parallel else None
    try:
        it = iter(items)
        while True:
            first = next(it, _END)
            if first is _END:
                return
            second = next(it, _END)
            sent = second is not _END and child is not None and child.send(second)
            yield func(first)  # type: ignore[arg-type]  # not _END here
            if second is _END:
                return
            answer = child.receive() if sent else _END  # type: ignore[union-attr]  # sent only with a child
            yield func(second) if answer is _END else answer  # type: ignore[arg-type,misc]
    finally:
        if child is not None:
            child.stop()


class _Child:
    """A forked process applying `func` to each item it is sent, one at a time."""

    def __init__(self, func: Callable) -> None:
        self._pid: int | None = None
        if not (sys.platform.startswith("linux") and hasattr(os, "fork")):
            return
        try:
            to_child = os.pipe()
            from_child = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            for fd in (*to_child, *from_child):
                os.close(fd)
            return
        if pid == 0:
            try:
                _detach()
                os.close(to_child[1])
                os.close(from_child[0])
                with os.fdopen(to_child[0], "rb") as inbox, os.fdopen(from_child[1], "wb") as outbox:
                    while True:
                        try:
                            item = pickle.load(inbox)  # our own parent's items, through our own pipe
                        except EOFError:
                            break
                        pickle.dump(func(item), outbox, protocol=pickle.HIGHEST_PROTOCOL)
                        outbox.flush()
            except BaseException:  # noqa: BLE001 - the parent computes the item itself
                pass
            finally:
                os._exit(0)
        os.close(to_child[0])
        os.close(from_child[1])
        self._pid = pid
        self._outbox = os.fdopen(to_child[1], "wb")
        self._inbox = os.fdopen(from_child[0], "rb")

    def send(self, item) -> bool:
        """Hand the child an item; False (and no child from now on) if that fails."""
        if self._pid is None:
            return False
        try:
            pickle.dump(item, self._outbox, protocol=pickle.HIGHEST_PROTOCOL)
            self._outbox.flush()
            return True
        except Exception:  # noqa: BLE001 - a child gone, or an item that does not pickle
            self.stop()
            return False

    def receive(self):
        """The child's result for the item last sent, or _END (and no child from now on)."""
        try:
            return pickle.load(self._inbox)  # our own child's output, through our own pipe
        except Exception:  # noqa: BLE001 - the child failed: the parent computes it
            self.stop()
            return _END

    def stop(self) -> None:
        pid, self._pid = self._pid, None
        if pid is None:
            return
        for stream in (self._outbox, self._inbox):
            try:
                stream.close()
            except OSError:
                pass
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _detach() -> None:
    from .store.prefilter import _detach_child

    _detach_child()
