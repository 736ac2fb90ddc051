"""Every account's key index (format 2, store/keyindex.py) laid out as flat arrays (numpy), so
the audit of a large store counts and groups its tags with array operations instead of a
Python loop per account and tag (`prefilter.audit_input` above `prefilter.ARRAYS_OVER`
accounts; smaller stores use `keyindex._parse_index`, quicker than importing numpy).

`IndexArrays(blobs)` takes the decrypted index of each account, in row order, and reads
them all at once: the same counts, tags and texts `_parse_index` reads one at a time, and
the same malformed index refused (ValueError)."""

from __future__ import annotations

import functools
from itertools import chain

_PADDING = tuple(bytes(k) for k in range(8))


class IndexArrays:
    """The key indexes of `n` accounts (row positions 0..n-1) as arrays:

    - `attrs[at]`: its number of attributes; `attr_start[at]`: its first attribute's
      position among all accounts' attributes;
    - `exact_counts`, `block_counts`: of every attribute, in order, its number of exact and
      blocking tags (int64);
    - `exact`, `blocking`: every exact and every blocking tag (uint64, native order as the
      index stores them), account by account, attribute by attribute;
      `n_exact[at]`, `n_block[at]`: how many of each an account has, `exact_start[at]`,
      `block_start[at]`: where its own begin;
    - `texts(at)`, `exact_count_bytes(at)`: what `_Index.texts` and `_Index.exact_counts` hold.
    """

    def __init__(self, blobs: list[bytes]):
        import numpy as np  # here: only the audit of a large store uses it

        n = self.n = len(blobs)
        lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=n)
        if n and int(lengths.min()) < 4:
            raise ValueError("index length")
        padded = lengths + (-lengths % 8)
        # Each index starts at a multiple of 8, so its tags (8-aligned within it) are too.
        pads = map(_PADDING.__getitem__, (padded - lengths).tolist())
        self._read(b"".join(chain.from_iterable(zip(blobs, pads, strict=True))), lengths, padded, np)

    @classmethod
    def from_padded(cls, buf: bytes, lengths: bytes) -> "IndexArrays":
        """The arrays of the indexes `padded()` gave (store/auditcache.py keeps them): the
        indexes each padded to a multiple of 8 bytes, joined, and their lengths (int64)."""
        import numpy as np

        self = cls.__new__(cls)
        lengths_array = np.frombuffer(lengths, dtype=np.int64)
        self.n = len(lengths_array)
        if self.n and int(lengths_array.min()) < 4:
            raise ValueError("index length")
        padded = lengths_array + (-lengths_array % 8)
        if int(padded.sum()) != len(buf):
            raise ValueError("index length")
        self._read(buf, lengths_array, padded, np)
        return self

    def padded(self) -> tuple[bytes, bytes]:
        """(the indexes padded and joined, their lengths as int64 bytes), for `from_padded`."""
        return self._buf, self._lengths.tobytes()

    def _read(self, buf: bytes, lengths, padded, np) -> None:
        n = self.n
        self._buf = buf
        self._lengths = lengths
        starts = np.cumsum(padded) - padded
        attrs = np.frombuffer(buf, dtype="<u4")[starts // 4].astype(np.int64) if n else np.zeros(0, dtype=np.int64)
        head = 4 + 2 * attrs
        if n and bool((head > lengths).any()):
            raise ValueError("index length")
        total_attrs = int(attrs.sum())
        attr_start = np.cumsum(attrs) - attrs
        u8 = np.frombuffer(buf, dtype=np.uint8)
        where = np.repeat(starts + 4 - attr_start, attrs) + np.arange(total_attrs, dtype=np.int64)
        exact_counts = u8[where].astype(np.int64)
        block_counts = u8[where + np.repeat(attrs, attrs)].astype(np.int64)
        exact_sums = np.concatenate(([0], np.cumsum(exact_counts)))
        block_sums = np.concatenate(([0], np.cumsum(block_counts)))
        n_exact = exact_sums[attr_start + attrs] - exact_sums[attr_start]
        n_block = block_sums[attr_start + attrs] - block_sums[attr_start]
        tag_start = head + (-head % 8)
        end = tag_start + 8 * (n_exact + n_block)
        if n and bool((end > lengths).any()):
            raise ValueError("index length")
        u64 = np.frombuffer(buf, dtype=np.uint64)
        first_tag = (starts + tag_start) // 8
        exact_start = np.cumsum(n_exact) - n_exact
        block_start = np.cumsum(n_block) - n_block
        self.exact = u64[np.repeat(first_tag - exact_start, n_exact) + np.arange(int(n_exact.sum()), dtype=np.int64)]
        self.attrs, self.attr_start = attrs, attr_start
        self.exact_counts, self.block_counts = exact_counts, block_counts
        self.n_exact, self.n_block = n_exact, n_block
        self.exact_start, self.block_start = exact_start, block_start
        self._starts = starts.tolist()
        self._attrs = attrs.tolist()
        # What only the fuzzy side reads (`blocking`, `texts`) is gathered when first read: in
        # the audit, by the forked child, not before the fork (issue 17: the critical path).
        self._later = (u64, first_tag, starts, end, lengths)

    @functools.cached_property
    def blocking(self):
        """Every blocking tag (uint64), account by account, attribute by attribute."""
        import numpy as np

        u64, first_tag = self._later[:2]
        n_exact, n_block = self.n_exact, self.n_block
        return u64[np.repeat(first_tag + n_exact - self.block_start, n_block)
                   + np.arange(int(n_block.sum()), dtype=np.int64)]

    @functools.cached_property
    def _text_spans(self) -> tuple[list[int], list[int]]:
        _u64, _first_tag, starts, end, lengths = self._later
        return (starts + end).tolist(), (starts + lengths).tolist()

    def texts(self, at: int) -> bytes:
        """Kind and normalised text of each of its attributes with blocking keys, NUL-separated."""
        text_from, text_to = self._text_spans
        return self._buf[text_from[at] : text_to[at]]

    def exact_count_bytes(self, at: int) -> bytes:
        """Its attributes' numbers of exact tags, one byte each (`_Index.exact_counts`)."""
        start = self._starts[at] + 4
        return self._buf[start : start + self._attrs[at]]
