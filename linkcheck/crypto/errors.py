"""crypto's own exceptions. The store maps them to its user-facing errors (StoreDamaged,
PassphraseError) with their exit codes; nothing here knows about stores or exit codes."""


class CryptoError(Exception):
    """Base of every error raised by linkcheck.crypto."""


class WrongKey(CryptoError):
    """The key (a passphrase's key, later an X25519 identity) does not open the wrapped key,
    or the associated data bound to it was altered: AES-GCM cannot tell the two apart."""


class Damaged(CryptoError):
    """Sealed or wrapped data, or key-derivation parameters, that cannot be what we wrote.

    `truncated`: too short to hold a nonce and a tag (rather than failing its tag check)."""

    def __init__(self, message: str, *, truncated: bool = False):
        super().__init__(message)
        self.truncated = truncated
