"""Recipients wrap the master (file) key; identities unwrap it -- as in age.

A store's master key is random; what the header keeps is that key wrapped for a recipient,
bound to associated data (the header's magic, format and KDF parameters) so a header that
was altered does not unwrap. Kinds:

- passphrase (now): `PassphraseRecipient` -- Argon2id(passphrase, params) is the
  key-encryption key, AES-256-GCM wraps. Its identity is `PassphraseIdentity`, built from
  the passphrase (`derive`) or from a key already derived (the unlock agent keeps that key,
  so `check` skips the derivation).
- X25519 team members: `X25519Recipient` (a member's public key) wraps the master key to an
  ephemeral-static X25519 shared secret, HKDF'd with both public keys as salt (as age's
  X25519 stanza); `X25519Identity` (the member's private key) unwraps. The team store keeps
  one wrapped key per member (store/postgres.py).
"""

from __future__ import annotations

import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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


X25519_BYTES = 32
X25519_WRAPPED_BYTES = X25519_BYTES + WRAPPED_BYTES
_X25519_INFO = b"linkcheck/x25519-wrap/v1"


def _x25519_kek(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    if shared == bytes(X25519_BYTES):  # a low-order point: no secret at all
        raise WrongKey("the X25519 exchange gave no shared secret")
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=ephemeral + recipient, info=_X25519_INFO).derive(
        shared
    )


class X25519Recipient:
    """A team member's X25519 public key as a recipient: a fresh ephemeral key per wrap;
    the wrapped key is the ephemeral public key, then the master key sealed (AES-256-GCM)
    under HKDF(X25519(ephemeral, member), salt = ephemeral public | member public)."""

    kind = "x25519"

    def __init__(self, public: bytes):
        if len(public) != X25519_BYTES:
            raise Damaged("an X25519 public key has the wrong size")
        self.public = public

    def wrap(self, master: bytes, ad: bytes) -> bytes:
        ephemeral = X25519PrivateKey.generate()
        ephemeral_public = ephemeral.public_key().public_bytes_raw()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self.public))
        return ephemeral_public + _wrap(_x25519_kek(shared, ephemeral_public, self.public), master, ad)


class X25519Identity:
    """A member's X25519 private key: unwraps what an X25519Recipient wrapped for its public key."""

    kind = "x25519"

    def __init__(self, private: X25519PrivateKey):
        self._private = private
        self.public = private.public_key().public_bytes_raw()

    def __repr__(self) -> str:  # never print the key
        return "X25519Identity(<hidden>)"

    def unwrap(self, wrapped: bytes, ad: bytes) -> bytes:
        if not isinstance(wrapped, bytes) or len(wrapped) != X25519_WRAPPED_BYTES:
            raise Damaged("wrapped key has the wrong size")
        ephemeral_public = wrapped[:X25519_BYTES]
        shared = self._private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        return _unwrap(_x25519_kek(shared, ephemeral_public, self.public), wrapped[X25519_BYTES:], ad)

    def recipient(self) -> X25519Recipient:
        return X25519Recipient(self.public)
