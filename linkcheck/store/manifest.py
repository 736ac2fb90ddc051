"""The sealed manifest: an XOR of a keyed MAC over every row, plus row counts (see store/__init__)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import crypto


def row_mac_input(table: str, row_id: int, version: int, tag: bytes, *sealed_tails: bytes) -> bytes:
    """What a row's MAC covers: table, id, version, name tag and its sealed columns' AEAD tags."""
    return b"%s|%d|%d|%s|" % (table.encode(), row_id, version, tag) + b"".join(sealed_tails)


@dataclass
class Manifest:
    generation: int
    accumulator: int
    counts: dict

    def seal(self, keyring: crypto.Keyring) -> bytes:
        body = crypto.canonical_json(
            {"generation": self.generation, "acc": format(self.accumulator, "x"), "counts": self.counts}
        )
        return keyring.seal(body, b"manifest|1|%d" % self.generation)

    @classmethod
    def open(cls, keyring: crypto.Keyring, generation: int, sealed: bytes) -> "Manifest":
        data = json.loads(keyring.open(sealed, b"manifest|1|%d" % generation, "the manifest"))
        return cls(data["generation"], int(data["acc"], 16), data["counts"])
