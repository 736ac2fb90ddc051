"""Reading an import's files and parsing its values ahead, in a second process: `ParseAhead`.

An import spends about half its time reading the files and validating and normalising values
(phone numbers, registration numbers, addresses...), the other half merging, sealing and
writing. On Linux, `ParseAhead` forks a child that reads the files, parses every value with
the region it expects the value to be read in, and hands the importing process, batch by
batch, the records it read and {(kind, value, region): (normalized, keys, flags)} -- what
`kinds.parse_value` gives, which depends on nothing else.

The records are the very ones `read_records` yields (the child runs the import's own reading
function), so the importing process does not read the files a second time. If the child
stops before it has sent them all (a file it cannot read, any failure), the importing
process reads the files itself from the first record the child did not send -- and meets the
same error at the same record. It takes an answer only for the very (kind, value, region) it
is about to parse; anything missing (a value the child could not parse, a region it guessed
otherwise, no child) is parsed in the importing process as before. So what is imported, and
every error, is exactly what it would be without the child: the child only saves time.

The child parses a batch's values kind by kind, each distinct value once: a third less time
than value by value in file order (the interpreter keeps running one normaliser's code), and
a value repeated across accounts (a carrier, a category, a shared address) is parsed once.
The two even out the work themselves, one unparsed batch ahead: the child sends a batch
unparsed, for the importing process to parse (kind by kind too), whenever that process has
begun every unparsed batch sent before (it says so through a second pipe, a byte a batch),
and parses the others itself. While the importing process works through an unparsed batch
(about twice what parsing a batch costs the child), the child parses the batches after it;
the next unparsed one is already waiting behind them when it is done, so neither waits for
the other whatever the data, and both cores stay busy to the end. A thread in the child
writes the batches to the pipe (`_Outbox`), so the child does not stop when the pipe, which
holds about two batches of rows, is full. (Before the tenth session the importing process
said when it had found no batch waiting and for how long, and the child then sent unparsed
batches to make up for that time: so each of those batches was bought by a wait, a core
idle.)

With a `RowMaker` (a file store: `accounts.import_records`), the child goes one step further
for each record the import will make a new account of -- a name neither on file when the
child was forked nor read before in this import, and nothing to report or warn about: it
makes that account's row content itself (the JSON lines and the key index, which
`Store.row_content` lays out), and sends only that, (name, marketplace, values added, body,
index), for the importing process to seal and write. The records and answers cost more to
pickle and unpickle than the rows (about 30 MB of small strings per 10,000 accounts against
two byte strings an account), and the importing process no longer builds their attributes
and lines. Any other record (an update, a name met twice, a problem or a warning, a row the
maker refuses) goes as before, with its answers, and is imported the usual way, in order.
The importing process makes the rows of the batches it parses itself with its own copy of the
same maker (since the twelfth session; before, it imported those records the usual way, which
makes the same rows by longer steps), told every name before them in order (`seen`, `taken`),
so the two processes share one way of making a new account's row.

The child touches no SQLite connection, drops its standard streams, dies with its parent
(Linux PR_SET_PDEATHSIG) and writes only pickled records, answers and row contents (not yet
sealed) to a pipe only the two processes hold, each batch whole or not at all. It is forked
after the store is unlocked, so its memory holds the store's keys as the importing process's
does; it uses only the key index's tagging key (the tags in the key index), never seals.
"""

from __future__ import annotations

import io
import os
import pickle
from dataclasses import fields
from typing import BinaryIO, Callable, Iterable, Iterator, NamedTuple, Protocol

from ..parallel import detach_child, fork_with_pipes, kill_and_reap
from ..registry import kinds
from .records import ProfileRecord, RawValue

_BATCH = 100  # records per pickled batch (about 270 kB of them and their answers)
_PIPE_BYTES = 1 << 20  # what Linux lets anyone make a pipe hold (/proc/sys/fs/pipe-max-size)

Answers = dict[tuple[str, str, "str | None"], tuple[str, tuple[str, ...], tuple[str, ...]]]


class BuiltRow(NamedTuple):
    """A new account's row content, made by the child (`RowMaker`): what `_import_records`
    would have made of its record."""

    name: str
    marketplace: str | None
    added: int  # values added (the profile's attributes)
    body: bytes
    key_index: bytes
    origin: str = ""  # the record's "FILE row N": an account named twice in one file is said
    banks: tuple[str, ...] = ()  # its bank account numbers of digits only (bankzeros: warned at the end)
    mistyped: tuple = ()  # its values whose check digit or length says they are mistyped (warned, counted)


class RowMaker(Protocol):
    """What the child asks of the import (`accounts.NewAccountRows`)."""

    def __call__(self, record: ProfileRecord, answers: "Answers") -> tuple | None:
        """The record's `BuiltRow` fields as a plain tuple when it makes a new account with
        nothing to report; None to leave the record to the importing process."""

    def seen(self, record: ProfileRecord) -> None:
        """A record sent without a row (its name is no longer new)."""

    def taken(self, name: str) -> None:
        """A row made for a new account `name` (checked) elsewhere: the name is no longer new."""


def _where(record: ProfileRecord, region: str | None, default_region: str | None) -> str | None:
    """The region the import reads `record`'s values in when the account is new or keeps the
    file's marketplace (`accounts.record_attributes`)."""
    marketplace = record.marketplace if isinstance(record.marketplace, str) else ""
    return region or kinds.region_for_marketplace(marketplace) or default_region


def parse_batch(records: Iterable[ProfileRecord], region: str | None, default_region: str | None,
                cache: "Answers | Memo | None" = None) -> Answers:
    """The parsed values of `records`, each read in the region the import will read it in
    when the account is new or keeps the file's marketplace: parsed kind by kind, each
    distinct (kind, value, region) once. `cache`: answers of earlier batches, reused (and
    added to) for values seen again -- a dict, or a `Memo` (what the import keeps)."""
    by_kind: dict[str, dict[tuple[str, str | None], None]] = {}
    regions: dict[str, str | None] = {}  # marketplace -> `_where` (a batch has a few)
    for record in records:
        marketplace = record.marketplace
        if type(marketplace) is str:
            where = regions.get(marketplace, "")
            if where == "":
                where = regions[marketplace] = _where(record, region, default_region)
        else:
            where = _where(record, region, default_region)
        for raw in record.values:
            kind = raw[0]
            value = raw[1]
            if isinstance(kind, str) and isinstance(value, str):
                values = by_kind.get(kind)
                if values is None:
                    values = by_kind[kind] = {}
                values[(value, where)] = None
    out: Answers = {}
    if isinstance(cache, Memo):
        hot, cold = cache.hot, cache.cold
    else:  # (a plain dict: both)
        hot = cold = cache if cache is not None else {}
    hot_get, cold_pop = hot.get, cold.pop
    for kind, values in by_kind.items():
        entry = kinds.KINDS.get(kind)  # (`kinds.parse_tuple` without looking the kind up a value)
        if entry is None:  # an unknown kind: the importing process reports it
            continue
        parse = entry.parse_tuple
        for value, where in values:
            key = (kind, value, where)
            answer = hot_get(key)
            if answer is None:
                answer = cold_pop(key, None)
                if answer is not None:  # seen twice: kept (a carrier, a category, a shared address)
                    hot[key] = answer
                else:
                    try:
                        answer = parse(value, where)
                    except Exception:  # noqa: BLE001 - the importing process parses it again and reports
                        continue
                    cold[key] = answer
            out[key] = answer
    if isinstance(cache, Memo):
        cache.trim()
    return out


class Memo:
    """What `parse_batch` keeps of its answers across an import's batches: answers of values
    seen twice (`hot`: carriers, categories, suppliers, a shared network's addresses), and
    those of the latest values seen once (`cold`), so a value repeated a few thousand
    accounts later is not parsed again. An answer depends on nothing but (kind, value,
    region), so one kept is what parsing again would give. Bounded: each part starts over
    when it holds more than its share (a million accounts' unique values are not kept)."""

    def __init__(self, cold: int = 20_000, hot: int = 20_000):
        self.hot: Answers = {}
        self.cold: Answers = {}
        self._limits = cold, hot

    def trim(self) -> None:
        if len(self.cold) > self._limits[0]:
            self.cold.clear()
        if len(self.hot) > self._limits[1]:
            self.hot.clear()


def parse_record(record: ProfileRecord, region: str | None, default_region: str | None) -> Answers:
    """The parsed values of one record (`parse_batch` of it alone)."""
    return parse_batch((record,), region, default_region)


class ParseAhead:
    """`records(...)`: the import's records in order, each with answers for its values (or None)."""

    def __init__(self, records: Callable[[], Iterable[ProfileRecord]], region: str | None,
                 default_region: str | None, rows: RowMaker | None = None):
        self._pid: int | None = None
        self._read: int | None = None  # the child's batches
        self._waited: int | None = None  # a byte to the child for each unparsed batch this process begins
        self._regions = region, default_region
        self._memo = Memo()  # this process's answers kept (the batches it parses itself)
        # This process's copy of the row maker: it makes the rows of the batches it parses
        # itself, so it is told every name before them, in order (`_names_in`).
        self._rows = rows
        forked = fork_with_pipes(2)
        if forked is None:
            return
        pid, [(read_fd, write_fd), (waited_read, waited_write)] = forked
        try:  # room for a few batches: the child runs ahead, and an empty pipe means it is behind
            import fcntl  # Linux only, as the fork

            fcntl.fcntl(write_fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
        except OSError:
            pass
        if pid == 0:  # the child
            try:
                detach_child()
                os.close(read_fd)
                os.close(waited_write)
                os.set_blocking(waited_read, False)
                with os.fdopen(write_fd, "wb") as fh:
                    pipe = _Outbox(fh)
                    try:
                        batch: list[ProfileRecord] = []
                        cache = Memo()
                        unparsed = 0  # batches sent unparsed
                        begun = 0  # of which the importing process has begun
                        for record in records():
                            batch.append(record)
                            if len(batch) == _BATCH:
                                begun += _begun(waited_read)
                                if _leave_unparsed(unparsed, begun):  # it has none waiting: this one
                                    _send(pipe, batch, None, cache, rows)
                                    unparsed += 1
                                else:
                                    _send(pipe, batch, self._regions, cache, rows)
                                batch = []
                        if batch:
                            _send(pipe, batch, self._regions, cache, rows)
                        pipe.write(_END)  # every record was sent
                    finally:
                        pipe.close()  # every batch handed over is written, even if reading failed
            except BaseException:  # noqa: BLE001 - the parent reads and parses the rest itself
                pass
            finally:
                os._exit(0)
        os.close(write_fd)
        os.close(waited_read)
        os.set_blocking(waited_write, False)
        self._pid, self._read, self._waited = pid, read_fd, waited_write

    def records(self, records: Iterable[ProfileRecord]) -> Iterator[tuple[ProfileRecord | BuiltRow, Answers | None]]:
        """The import's records, each with answers for its values: those the child read and
        parsed (a new account's `BuiltRow`, with None, where the child made its row, or this
        process, for a batch it parsed itself), then --
        unless the child sent every record -- the rest of `records` (the same
        records, read here: those the child sent are skipped) with None."""
        sent = 0
        while self._read is not None:
            message = self._receive()
            if message is None:
                break
            if message is _END:
                return
            batch, answers = message
            rows = self._rows
            if answers is None:  # left to this process: parsed here, kind by kind
                _tell(self._waited, 1)  # begun: the child sends the next one unparsed
                batch = [_unpacked(packed) for packed in batch]
                answers = parse_batch(batch, *self._regions, self._memo)
                for record in batch:
                    sent += 1
                    # With a row maker, a new account's row is made here as the child makes it.
                    row = rows(record, answers) if rows is not None else None
                    if row is None:
                        yield record, answers
                    else:
                        yield _built(BuiltRow, row), None
                continue
            for packed in batch:
                sent += 1
                if packed[0] is None:  # a row the child made (`_ROW`)
                    if rows is not None:
                        rows.taken(packed[1])
                    yield _built(BuiltRow, packed[1:]), None
                else:
                    record = _unpacked(packed)
                    if rows is not None:
                        rows.seen(record)
                    yield record, answers
        for n, record in enumerate(records):
            if n >= sent:
                yield record, None

    def _receive(self):
        """The child's next batch, `_END` after the last, or None (the child stopped early)."""
        assert self._read is not None
        try:
            head = _read_exactly(self._read, 8)
            if head == _END:
                self.close()
                return _END
            size = int.from_bytes(head, "little") if len(head) == 8 else 0
            data = _read_exactly(self._read, size) if size else b""
            if not size or len(data) != size:
                raise EOFError
            return pickle.loads(data)  # our own child's output, through our own pipe
        except Exception:  # noqa: BLE001 - a child that failed: read and parse here from now on
            self.close()
            return None

    def close(self) -> None:
        """Stop the child (done or not) and reap it."""
        for fd in (self._read, self._waited):
            if fd is not None:
                os.close(fd)
        self._read = self._waited = None
        pid, self._pid = self._pid, None
        if pid is not None:
            kill_and_reap(pid)


_END = b"\xff" * 8  # after the last batch (no batch is that long)


def _read_exactly(fd: int, size: int) -> bytes:
    """`size` bytes from the pipe, fewer only at its end."""
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _tell(fd: int | None, count: int) -> None:
    """Tell the child the importing process has begun `count` unparsed batches (a byte each)."""
    if count > 0 and fd is not None:
        try:
            os.write(fd, b"b" * count)  # open while _read is
        except OSError:  # the child has not read the last 64 kB of them (or is gone)
            pass


def _begun(fd: int) -> int:
    """How many unparsed batches the importing process has begun since the last call."""
    try:
        return len(os.read(fd, 1 << 16))
    except BlockingIOError:
        return 0


def _leave_unparsed(unparsed: int, begun: int) -> bool:
    """Whether the child sends its next batch unparsed: when the importing process has begun
    every unparsed batch sent (none is waiting for it in the pipe)."""
    return begun >= unparsed


class _Outbox:
    """The child's end of the pipe, written by a thread: a batch is handed over (`write`) and
    the child goes on with the next while the thread writes it as the pipe takes it, so the
    child waits only when `_OUTBOX` batches are waiting, not when the pipe (about a megabyte,
    two batches of rows) is full. Bytes go in the order given, each batch whole. A failed
    write (the importing process stopped reading) makes `write` and `close` raise OSError."""

    def __init__(self, fh: BinaryIO):
        import queue
        import threading

        self._fh = fh
        self._queue: "queue.Queue[bytes | None]" = queue.Queue(_OUTBOX)
        self._failed = False
        self._thread = threading.Thread(target=self._run, name="linkcheck-outbox", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                data = self._queue.get()
                if data is None:
                    return
                self._fh.write(data)
                self._fh.flush()
        except BaseException:  # noqa: BLE001 - said by write or close, in the child's thread
            self._failed = True
            while True:  # (let a writer blocked on a full queue go on, to fail)
                if self._queue.get() is None:
                    return

    def write(self, data: bytes) -> None:
        if self._failed:
            raise OSError("the pipe to the importing process is closed")
        self._queue.put(data)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._failed:
            raise OSError("the pipe to the importing process is closed")


_OUTBOX = 16  # batches handed to the writing thread and not yet written (about 10 MB of rows)


class _Writes(Protocol):
    def write(self, data: bytes, /) -> object: ...


def _send(pipe: _Writes, batch: list[ProfileRecord], regions: tuple[str | None, str | None] | None,
          cache: Memo, rows: RowMaker | None = None) -> None:
    """One batch: its records and their answers (parsed with `regions`, the import's region and
    default region; None without: the importing process parses them), pickled whole before
    any of it is written. With `rows`, a record it makes a row of goes as that row instead
    (`_ROW` and the `BuiltRow` fields), and the answers only when a record still needs them."""
    answers = parse_batch(batch, regions[0], regions[1], cache) if regions is not None else None
    if rows is None:
        items = [_packed(record) for record in batch]
    elif answers is None:
        for record in batch:
            rows.seen(record)
        items = [_packed(record) for record in batch]
    else:
        items = []
        left = False  # a record left to the importing process, which needs the answers
        for record in batch:
            row = rows(record, answers)
            if row is None:
                items.append(_packed(record))
                left = True
            else:
                items.append((_ROW, *row))
        if not left:
            answers = {}
    pipe.write(_framed((items, answers)))


def _framed(message) -> bytes:
    """`message` pickled after its length (8 bytes, little-endian), in one buffer. Pickled
    without the pickler's memo (`fast`): a batch is tuples, dicts and lists of strings,
    ints and None, never an object twice that must stay one, nor a cycle; memoising each of
    its hundred thousand strings took half the pickling time (what `pickle.loads` gives back
    is equal: `tests/test_import_speedups16.py`)."""
    out = io.BytesIO()
    out.write(bytes(8))
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    try:
        pickler.fast = True
    except AttributeError:  # pragma: no cover - (a Python without it: memoised, the same bytes back)
        pass
    pickler.dump(message)
    size = out.tell() - 8
    out.seek(0)
    out.write(size.to_bytes(8, "little"))
    return out.getvalue()


_ROW = None  # first field of a row in a batch (a packed record's is its origin, a string)
_built = tuple.__new__


# A record crosses the pipe as a plain tuple of its fields, its values as plain tuples: pickle
# then rebuilds no object through Python code (half the time of pickling the objects).
_RECORD_FIELDS = tuple(f.name for f in fields(ProfileRecord))
_VALUES = _RECORD_FIELDS.index("values")


def _packed(record: ProfileRecord) -> tuple:
    packed = [getattr(record, name) for name in _RECORD_FIELDS]
    packed[_VALUES] = tuple(map(tuple, record.values))
    return tuple(packed)


def _unpacked(packed: tuple, _tuple=tuple.__new__) -> ProfileRecord:
    record = list(packed)
    record[_VALUES] = tuple([_tuple(RawValue, value) for value in packed[_VALUES]])
    return ProfileRecord(*record)
