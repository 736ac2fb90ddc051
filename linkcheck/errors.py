"""The exception hierarchy; each class carries the exit code the CLI maps it to."""

from __future__ import annotations

# Exit codes, documented in the README and in `linkcheck --help`.
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_PASSPHRASE = 4
EXIT_DAMAGED = 5
EXIT_BUSY = 6


class LinkcheckError(Exception):
    """Base class: a one-line, user-facing message and an exit code.

    Messages must never contain a secret or a full sensitive value.
    """

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(LinkcheckError):
    """Conflicting or missing options, an unknown account, and similar mistakes."""

    exit_code = EXIT_USAGE


class InvalidInput(LinkcheckError):
    """A value, row or file that does not validate. Nothing is written."""

    exit_code = EXIT_INPUT


class InvalidValue(InvalidInput):
    """One attribute value that its kind rejects; `reason` says why."""

    def __init__(self, kind: str, reason: str):
        from .i18n import _  # i18n imports this module

        super().__init__(_("invalid {kind}: {reason}", kind=kind, reason=reason))
        self.kind = kind
        self.reason = reason


class ImportErrors(InvalidInput):
    """Every problem found in an import, reported together."""

    def __init__(self, problems: list[str], rows: int | None = None):
        from .i18n import _  # i18n imports this module

        rows = len(problems) if rows is None else rows
        count = len(problems)
        if count != rows and rows == 1:
            head = _("1 invalid row ({count} problems); nothing was imported", count=count)
        elif count != rows:
            head = _("{rows} invalid rows ({count} problems); nothing was imported", rows=rows, count=count)
        elif rows == 1:
            head = _("1 invalid row; nothing was imported")
        else:
            head = _("{rows} invalid rows; nothing was imported", rows=rows)
        super().__init__(head)
        self.problems = problems
        self.rows = rows


class PassphraseError(LinkcheckError):
    """Wrong passphrase, or no way to obtain one."""

    exit_code = EXIT_PASSPHRASE


class StoreDamaged(LinkcheckError):
    """The store is damaged, tampered with, truncated, or not a linkcheck store."""

    exit_code = EXIT_DAMAGED


class StoreBusy(LinkcheckError):
    """The store is locked by another process for too long, or cannot be written."""

    exit_code = EXIT_BUSY
