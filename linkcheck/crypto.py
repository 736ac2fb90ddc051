"""Key derivation, key wrapping, AEAD sealing, manifest MACs and statement signing keys.

Everything here is a thin layer over `cryptography`; nothing is hand-rolled.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import PassphraseError, StoreDamaged

NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
INDEX_TAG_BYTES = 8

# Argon2id parameters read from a header are bounded before use, so a damaged or hostile
# header cannot make `open` allocate gigabytes or spin for minutes.
MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB
MAX_ITERATIONS = 32
MAX_LANES = 16
# Calibration target for a new store: about half a second on the machine that runs `init`.
TARGET_SECONDS = 0.5
DEFAULT_MEMORY_KIB = 64 * 1024
DEFAULT_LANES = 4
MIN_ITERATIONS = 2

# Test-only switch: cheap KDF parameters so a test suite can create hundreds of stores.
# It only affects stores created while it is set (the parameters are recorded in the header);
# it never weakens an existing store (`passwd` keeps at least the store's parameters, see
# KdfParams.at_least) and `linkcheck store` shows the parameters in use.
TEST_KDF_ENV = "LINKCHECK_TEST_INSECURE_FAST_KDF"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters as recorded in a store header."""

    algorithm: str
    salt: bytes
    iterations: int
    memory_kib: int
    lanes: int

    def to_json(self) -> dict:
        data = asdict(self)
        data["salt"] = self.salt.hex()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "KdfParams":
        try:
            params = cls(
                algorithm=str(data["algorithm"]),
                salt=bytes.fromhex(data["salt"]),
                iterations=int(data["iterations"]),
                memory_kib=int(data["memory_kib"]),
                lanes=int(data["lanes"]),
            )
        except (KeyError, TypeError, ValueError):
            raise StoreDamaged("store header is damaged (key derivation parameters unreadable)") from None
        params.check_bounds()
        return params

    def at_least(self, other: "KdfParams") -> "KdfParams":
        """These parameters (and salt), raised where `other` costs more: iterations, memory
        and lanes each the larger of the two. Within bounds whenever both are."""
        return KdfParams(
            self.algorithm,
            self.salt,
            iterations=max(self.iterations, other.iterations),
            memory_kib=max(self.memory_kib, other.memory_kib),
            lanes=max(self.lanes, other.lanes),
        )

    def check_bounds(self) -> None:
        ok = (
            self.algorithm == "argon2id"
            and 16 <= len(self.salt) <= 64
            and 1 <= self.iterations <= MAX_ITERATIONS
            and 1 <= self.lanes <= MAX_LANES
            and 8 * self.lanes <= self.memory_kib <= MAX_MEMORY_KIB
        )
        if not ok:
            raise StoreDamaged("store header is damaged (key derivation parameters out of bounds)")


def _argon2(passphrase: bytes, params: KdfParams) -> bytes:
    return Argon2id(
        salt=params.salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(passphrase)


def calibrate_kdf() -> KdfParams:
    """Pick Argon2id parameters that take about TARGET_SECONDS here (more iterations, same memory)."""
    salt = os.urandom(16)
    if os.environ.get(TEST_KDF_ENV) == "1":
        return KdfParams("argon2id", salt, iterations=1, memory_kib=64, lanes=1)
    probe = KdfParams("argon2id", salt, 1, DEFAULT_MEMORY_KIB, DEFAULT_LANES)
    start = time.perf_counter()
    _argon2(b"calibration", probe)
    one = max(time.perf_counter() - start, 1e-3)
    iterations = max(MIN_ITERATIONS, min(MAX_ITERATIONS, round(TARGET_SECONDS / one)))
    return KdfParams("argon2id", salt, iterations, DEFAULT_MEMORY_KIB, DEFAULT_LANES)


def derive_kek(passphrase: str, params: KdfParams) -> bytes:
    """Passphrase -> key-encryption key."""
    return _argon2(passphrase.encode("utf-8"), params)


def wrap_master(kek: bytes, master: bytes, header_ad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, master, header_ad)


def unwrap_master(kek: bytes, wrapped: bytes, header_ad: bytes) -> bytes:
    """Unwrap the master key; a wrong passphrase (or a tampered header) fails the tag check."""
    if len(wrapped) != NONCE_BYTES + KEY_BYTES + TAG_BYTES:
        raise StoreDamaged("store header is damaged (wrapped key has the wrong size)")
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], header_ad)
    except InvalidTag:
        raise PassphraseError("wrong passphrase (or the store header was altered)") from None


def new_master_key() -> bytes:
    return os.urandom(KEY_BYTES)


class Keyring:
    """Subkeys derived from the master key by HKDF, one per purpose."""

    def __init__(self, master: bytes):
        self.master = master  # kept only so `passwd` can re-wrap it
        self.seal_key = _hkdf(master, b"linkcheck/seal/v1")
        self.manifest_key = _hkdf(master, b"linkcheck/manifest/v1")
        self.name_key = _hkdf(master, b"linkcheck/name-tag/v1")
        self.index_key = _hkdf(master, b"linkcheck/index-tag/v1")
        self.machine_key = _hkdf(master, b"linkcheck/machine-id/v1")
        self._signing_seed = _hkdf(master, b"linkcheck/statement-signing/v1")
        self.aead = AESGCM(self.seal_key)

    def seal(self, plaintext: bytes, ad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self.aead.encrypt(nonce, plaintext, ad)

    def open(self, sealed: bytes, ad: bytes, what: str) -> bytes:
        if not isinstance(sealed, bytes) or len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise StoreDamaged(f"store is damaged: {what} is truncated")
        try:
            return self.aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], ad)
        except InvalidTag:
            raise StoreDamaged(f"store was tampered with or damaged: {what} fails its integrity check") from None

    def name_tag(self, name: str) -> bytes:
        # surrogatepass: a name with undecodable characters (from a command line) cannot be on
        # file, so looking it up must find nothing rather than fail.
        return hashlib.blake2b(name.encode("utf-8", "surrogatepass"), key=self.name_key, digest_size=16).digest()

    def index_tag(self, key: str) -> bytes:
        return hashlib.blake2b(key.encode("utf-8"), key=self.index_key, digest_size=INDEX_TAG_BYTES).digest()

    def row_mac(self, data: bytes) -> int:
        return int.from_bytes(hashlib.blake2b(data, key=self.manifest_key, digest_size=32).digest(), "big")

    def machine_hash(self, raw: str) -> str:
        """Keyed hash of a machine identifier: stable per store, useless without the key."""
        return hashlib.blake2b(raw.encode("utf-8"), key=self.machine_key, digest_size=16).hexdigest()

    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self._signing_seed)


def _hkdf(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
