"""Checking a signed statement as a job: whose key to check it against, and the rule that a
statement checked against no key is NOT VERIFIED (exit 3) unless only integrity was asked for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..i18n import _, os_reason
from ..files import FileTooLarge, NotRegularFile, read_capped
from ..appeal import signing
from ..appeal.signing import StatementInvalid
from ..errors import UsageError

# A statement is a few hundred kilobytes at most; refuse to read anything far larger.
MAX_STATEMENT_BYTES = 32 * 1024 * 1024

GIVEN, STORE, NONE = "given", "store", "none"


@dataclass(frozen=True)
class Signer:
    """The key a statement is checked against, and where it came from: GIVEN (--pubkey,
    --pubkey-file), STORE (this store's own key) or NONE (only the key written in the file)."""

    key: bytes | None
    source: str


@dataclass(frozen=True)
class VerifyResult:
    verification: signing.Verification
    source: str
    integrity_only: bool

    @property
    def valid(self) -> bool:
        """Unchanged and signed by the expected key; without a key, only if no more was asked."""
        return self.verification.authorship or self.integrity_only


def check_key_options(pubkey_text: str | None, pubkey_file: Path | None) -> None:
    if pubkey_text is not None and pubkey_file is not None:
        raise UsageError(_("give the key once: --pubkey or --pubkey-file, not both"))


def choose_signer(
    pubkey_text: str | None,
    pubkey_file: Path | None,
    store_key: Callable[[], bytes] | None,
) -> Signer:
    """The given key (--pubkey or --pubkey-file, not both), else this store's key when it can
    be had (`store_key`: None when there is no store or no way to unlock it), else none."""
    check_key_options(pubkey_text, pubkey_file)
    if pubkey_text is not None:
        return Signer(signing.parse_public_key(pubkey_text), GIVEN)
    if pubkey_file is not None:
        try:
            key_text = pubkey_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise UsageError(_("cannot read the public key file {pubkey_file}", pubkey_file=pubkey_file)) from None
        return Signer(signing.parse_public_key(key_text), GIVEN)
    if store_key is not None:
        return Signer(store_key(), STORE)
    return Signer(None, NONE)


def read_statement(path: Path) -> str:
    """A statement file's text; StatementInvalid when it is far too large or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_STATEMENT_BYTES:
            raise StatementInvalid(_("{path} is {n} MiB: too large to be a linkcheck statement", path=path, n=size // (1024 * 1024)))
        data = read_capped(path, MAX_STATEMENT_BYTES)
    except NotRegularFile:
        raise StatementInvalid(_("{path} is not a regular file: it is not a linkcheck statement", path=path)) from None
    except FileTooLarge:
        raise StatementInvalid(
            _("{path} is over {n} MiB: too large to be a linkcheck statement", path=path, n=MAX_STATEMENT_BYTES // (1024 * 1024))
        ) from None
    except OSError as exc:
        raise UsageError(_("cannot read {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise StatementInvalid(
            _("{path} is not UTF-8 text: it is not a linkcheck statement, or it was altered", path=path)
        ) from None


def verify_text(text: str, signer: Signer, *, integrity_only: bool) -> VerifyResult:
    """Check a statement against `signer`; StatementInvalid naming the problem."""
    return VerifyResult(signing.verify_statement(text, signer.key), signer.source, integrity_only)


def require_authorship(result: VerifyResult) -> None:
    """The NOT VERIFIED rule: checked against no key and not --integrity-only -> exit 3.
    (Anyone can re-sign an edited file with a key of their own.)"""
    if not result.valid:
        raise StatementInvalid(
            _("who signed this statement was not checked; give the signer's key (--pubkey / --pubkey-file), run where the signing store is, or add --integrity-only")
        )
