"""AEAD sealing (AES-256-GCM) and the keyring of HKDF subkeys of the master key."""

from __future__ import annotations

import hashlib
import os
from typing import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import Damaged
from .keys import hkdf
from .signing import signing_key_from_seed

NONCE_BYTES = 12
TAG_BYTES = 16
INDEX_TAG_BYTES = 8


def seal(key: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """nonce | AES-GCM(key) ciphertext and tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, ad)


class Keyring:
    """Subkeys derived from the master key by HKDF, one per purpose."""

    def __init__(self, master: bytes):
        self.master = master  # kept only so `passwd` can re-wrap it
        self.seal_key = hkdf(master, b"linkcheck/seal/v1")
        self.manifest_key = hkdf(master, b"linkcheck/manifest/v1")
        self.name_key = hkdf(master, b"linkcheck/name-tag/v1")
        self.index_key = hkdf(master, b"linkcheck/index-tag/v1")
        self.machine_key = hkdf(master, b"linkcheck/machine-id/v1")
        self._signing_seed = hkdf(master, b"linkcheck/statement-signing/v1")
        self.aead = AESGCM(self.seal_key)
        # Keyed once: a copy of a keyed hash is cheaper than keying a new one for every tag
        # (the same digests; a store of 100,000 accounts computes millions of them).
        self._index_hash = hashlib.blake2b(key=self.index_key, digest_size=INDEX_TAG_BYTES)
        self._name_hash = hashlib.blake2b(key=self.name_key, digest_size=16)
        self._row_hash = hashlib.blake2b(key=self.manifest_key, digest_size=32)

    def seal(self, plaintext: bytes, ad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self.aead.encrypt(nonce, plaintext, ad)

    def open(self, sealed: bytes, ad: bytes, what: str) -> bytes:
        """The plaintext; Damaged (naming `what`) when truncated or failing its tag check."""
        if not isinstance(sealed, bytes) or len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise Damaged(f"{what} is truncated", truncated=True)
        try:
            return self.aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], ad)
        except InvalidTag:
            raise Damaged(f"{what} fails its integrity check") from None

    def open_all(self, sealed: Iterable[bytes], ads: Iterable[bytes], what: str) -> list[bytes]:
        """`open` of each sealed value with its associated data, in one call (the audit opens
        every account's key index): the same plaintexts, the same Damaged for the first that
        fails."""
        decrypt = self.aead.decrypt
        out = []
        try:
            for value, ad in zip(sealed, ads, strict=True):
                if not isinstance(value, bytes) or len(value) < NONCE_BYTES + TAG_BYTES:
                    raise Damaged(f"{what} is truncated", truncated=True)
                out.append(decrypt(value[:NONCE_BYTES], value[NONCE_BYTES:], ad))
        except InvalidTag:
            raise Damaged(f"{what} fails its integrity check") from None
        return out

    def name_tag(self, name: str) -> bytes:
        # surrogatepass: a name with undecodable characters (from a command line) cannot be on
        # file, so looking it up must find nothing rather than fail.
        tag = self._name_hash.copy()  # = blake2b(name, key=name_key, digest_size=16)
        tag.update(name.encode("utf-8", "surrogatepass"))
        return tag.digest()

    def index_tag(self, key: str) -> bytes:
        # = blake2b(key, key=index_key, digest_size=8)
        tag = self._index_hash.copy()
        tag.update(key.encode("utf-8"))
        return tag.digest()

    def index_tags(self, keys: list[str]) -> list[bytes]:
        """`index_tag` of each key, in one call (an import tags some forty keys an account)."""
        copy = self._index_hash.copy
        out = []
        for key in keys:
            tag = copy()
            tag.update(key.encode("utf-8"))
            out.append(tag.digest())
        return out

    def row_mac(self, data: bytes) -> int:
        mac = self._row_hash.copy()  # = blake2b(data, key=manifest_key, digest_size=32)
        mac.update(data)
        return int.from_bytes(mac.digest(), "big")

    def machine_hash(self, raw: str) -> str:
        """Keyed hash of a machine identifier: stable per store, useless without the key."""
        return hashlib.blake2b(raw.encode("utf-8"), key=self.machine_key, digest_size=16).hexdigest()

    def signing_key(self) -> Ed25519PrivateKey:
        return signing_key_from_seed(self._signing_seed)
