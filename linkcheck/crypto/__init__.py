"""Key derivation, key wrapping, AEAD sealing, manifest MACs and statement signing keys.

Everything here is a thin layer over `cryptography`; nothing is hand-rolled.

- `keys`: Argon2id parameters (bounds, calibration), the master key, HKDF subkeys.
- `aead`: sealing (AES-256-GCM) and the `Keyring` of subkeys.
- `recipients`: who the master key is wrapped for (a passphrase; X25519 team members).
- `signing`: the statement-signing key and canonical JSON.
- `errors`: `CryptoError`, `WrongKey`, `Damaged` (the store maps them to its errors).

The names below are re-exported so `from linkcheck import crypto; crypto.X` keeps working.
"""

from .aead import INDEX_TAG_BYTES, NONCE_BYTES, TAG_BYTES, Keyring, seal
from .errors import CryptoError, Damaged, WrongKey
from .keys import (
    DEFAULT_LANES,
    DEFAULT_MEMORY_KIB,
    KEY_BYTES,
    MAX_ITERATIONS,
    MAX_LANES,
    MAX_MEMORY_KIB,
    MIN_ITERATIONS,
    TARGET_SECONDS,
    TEST_KDF_ENV,
    KdfParams,
    calibrate_kdf,
    derive_kek,
    hkdf,
    new_master_key,
)
from .recipients import Identity, PassphraseIdentity, PassphraseRecipient, Recipient, X25519Identity, X25519Recipient
from .signing import canonical_json, signing_key_from_seed

__all__ = [
    "CryptoError", "DEFAULT_LANES", "DEFAULT_MEMORY_KIB", "Damaged", "INDEX_TAG_BYTES", "Identity", "KEY_BYTES",
    "KdfParams", "Keyring", "MAX_ITERATIONS", "MAX_LANES", "MAX_MEMORY_KIB", "MIN_ITERATIONS", "NONCE_BYTES",
    "PassphraseIdentity", "PassphraseRecipient", "Recipient", "TAG_BYTES", "TARGET_SECONDS", "TEST_KDF_ENV",
    "WrongKey", "calibrate_kdf", "canonical_json", "derive_kek", "hkdf", "new_master_key", "seal",
    "signing_key_from_seed", "X25519Identity", "X25519Recipient",
]
