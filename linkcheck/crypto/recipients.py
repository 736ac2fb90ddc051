"""Recipients wrap the master (file) key; identities unwrap it -- as in age.

A store's master key is random; what the header keeps is that key wrapped for a recipient,
bound to associated data (the header's magic, format and KDF parameters) so a header that
was altered does not unwrap. Kinds:

- passphrase (now): `PassphraseRecipient` -- Argon2id(passphrase, params) is the
  key-encryption key, AES-256-GCM wraps. Its identity is `PassphraseIdentity`, built from
  the passphrase (`derive`) or from a key already derived (the unlock agent keeps that key,
  so `check` skips the derivation).
- X25519 team members (next): a recipient holding a member's public key wraps the master key
  to an ephemeral-static X25519 shared secret (HKDF'd, as age's X25519 stanza); the
  member's private key is the identity. It implements the same two protocols; the header
  then keeps one wrapped key per recipient, each tagged with its `kind`.
"""

from __future__ import annotations

import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .aead import NONCE_BYTES, TAG_BYTES
from .errors import Damaged, WrongKey
from .keys import KEY_BYTES, KdfParams, derive_kek

WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES


class Recipient(Protocol):
    """Someone the master key is wrapped for."""

    kind: str

    def wrap(self, master: bytes, ad: bytes) -> bytes:
        """The master key wrapped for this recipient, bound to `ad`."""


class Identity(Protocol):
    """What unwraps a master key wrapped for a recipient."""

    kind: str

    def unwrap(self, wrapped: bytes, ad: bytes) -> bytes:
        """The master key; WrongKey if this identity (or `ad`) does not open it, Damaged if
        `wrapped` cannot be a wrapped key."""


def _wrap(kek: bytes, master: bytes, ad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, master, ad)


def _unwrap(kek: bytes, wrapped: bytes, ad: bytes) -> bytes:
    if len(wrapped) != WRAPPED_BYTES:
        raise Damaged("wrapped key has the wrong size")
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], ad)
    except InvalidTag:
        raise WrongKey("the key does not open the wrapped key (or its associated data was altered)") from None


class PassphraseRecipient:
    """A passphrase as a recipient: Argon2id with `params` derives the key-encryption key.

    `PassphraseRecipient(params).wrap(master, ad, passphrase=...)` derives it; a recipient
    made from an identity (`PassphraseIdentity.recipient`) reuses the key already derived."""

    kind = "passphrase"

    def __init__(self, params: KdfParams, *, passphrase: str | None = None, kek: bytes | None = None):
        if (passphrase is None) == (kek is None):
            raise ValueError("a passphrase recipient needs the passphrase or its derived key")
        self.params = params
        self._passphrase = passphrase
        self._kek = kek

    def __repr__(self) -> str:  # never print the key
        return "PassphraseRecipient(<hidden>)"

    def wrap(self, master: bytes, ad: bytes) -> bytes:
        if self._kek is None:
            self._kek = derive_kek(self._passphrase, self.params)  # type: ignore[arg-type]  # not None until the KEK is derived
            self._passphrase = None
        return _wrap(self._kek, master, ad)


class PassphraseIdentity:
    """Unwraps what a PassphraseRecipient wrapped: holds the derived key-encryption key."""

    kind = "passphrase"

    def __init__(self, kek: bytes):
        self.kek = kek

    def __repr__(self) -> str:  # never print the key
        return "PassphraseIdentity(<hidden>)"

    @classmethod
    def derive(cls, passphrase: str, params: KdfParams) -> "PassphraseIdentity":
        return cls(derive_kek(passphrase, params))

    def unwrap(self, wrapped: bytes, ad: bytes) -> bytes:
        return _unwrap(self.kek, wrapped, ad)

    def recipient(self, params: KdfParams) -> PassphraseRecipient:
        """The same passphrase as a recipient (to wrap again under a new header)."""
        return PassphraseRecipient(params, kek=self.kek)
