"""Options shared by several commands, each defined once, and the passphrase sources."""

from __future__ import annotations

import functools
import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from ..errors import PassphraseError, UsageError
from ..formats import OUTPUT_FORMATS
from ..models import LEVEL_NAMES, Level
from ..store import STORE_ENV, Store, check_store_file, default_store_path

PASSPHRASE_ENV = "LINKCHECK_PASSPHRASE"
NEW_PASSPHRASE_ENV = "LINKCHECK_NEW_PASSPHRASE"

NO_PASSPHRASE_HELP = (
    "no passphrase: give --passphrase-file FILE (mode 600), set {env}, or run in a terminal to be asked"
)


def store_options(func):
    """--store and --passphrase-file, for every command that opens the store."""

    @click.option(
        "--store",
        "store_path",
        type=click.Path(dir_okay=True, path_type=Path),
        default=None,
        help=f"Store file (default: ${STORE_ENV} or {default_store_path_hint()}).",
    )
    @click.option(
        "--passphrase-file",
        type=click.Path(path_type=Path),
        default=None,
        help=f"Read the passphrase from this file (must not be readable by group or others). "
        f"Otherwise ${PASSPHRASE_ENV}, otherwise a hidden prompt.",
    )
    @functools.wraps(func)
    def wrapper(*args, store_path, passphrase_file, **kwargs):
        ctx = click.get_current_context()
        ctx.meta["linkcheck.store_path"] = store_path.expanduser() if store_path else default_store_path()
        ctx.meta["linkcheck.passphrase_file"] = passphrase_file
        return func(*args, **kwargs)

    return wrapper


def default_store_path_hint() -> str:
    return "the linkcheck folder in your user app directory"


def current_store_path() -> Path:
    return click.get_current_context().meta["linkcheck.store_path"]


def format_option(*choices: str, default: str = "table", help: str = "Output format."):
    """--format, the same on every command that prints data."""
    choices = choices or OUTPUT_FORMATS
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices, case_sensitive=False),
        default=default,
        show_default=True,
        help=help,
    )


class LevelType(click.ParamType):
    name = "level"

    def convert(self, value, param, ctx):
        if isinstance(value, Level):
            return value
        try:
            return Level.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


LEVEL = LevelType()


def fail_on_option(default: str = "high"):
    return click.option(
        "--fail-on",
        type=LEVEL,
        default=default,
        show_default=True,
        help=f"Exit 1 when anything is at or above this level ({', '.join(LEVEL_NAMES)}).",
    )


def min_level_option(default: str = "low"):
    return click.option(
        "--min-level",
        type=LEVEL,
        default=default,
        show_default=True,
        help="Show only pairs/findings at or above this level.",
    )


def rules_option(func):
    return click.option(
        "--rules",
        "rules_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="JSON or TOML file overriding the default levels (see README, 'Rules').",
    )(func)


# ----- passphrases ---------------------------------------------------------------------------


def _read_passphrase_file(path: Path) -> str:
    # Open first, then check the opened file (fstat): nothing can swap it in between, and a
    # symlink is not followed where the platform allows refusing one.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(str(path), flags)
    except OSError as exc:
        raise PassphraseError(f"cannot read passphrase file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise PassphraseError(f"passphrase file {path} is not a regular file")
        if os.name == "posix" and st.st_mode & 0o077:
            raise PassphraseError(
                f"passphrase file {path} is readable by group or others; run `chmod 600 {path}` first"
            )
        try:
            text = fh.read(64 * 1024).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raise PassphraseError(f"cannot read passphrase file {path}") from None
    passphrase = text.splitlines()[0] if text.splitlines() else ""
    if not passphrase:
        raise PassphraseError(f"passphrase file {path} is empty")
    return passphrase


def _interactive() -> bool:
    return sys.stdin.isatty()


def get_passphrase(*, confirm: bool = False, prompt: str = "Store passphrase") -> str:
    """The passphrase from --passphrase-file, then LINKCHECK_PASSPHRASE, then a hidden prompt."""
    path = click.get_current_context().meta.get("linkcheck.passphrase_file")
    if path is not None:
        return _read_passphrase_file(path)
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    if _interactive():
        value = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
        if not value:
            raise PassphraseError("refusing an empty passphrase")
        return value
    raise PassphraseError(NO_PASSPHRASE_HELP.format(env=PASSPHRASE_ENV))


def get_new_passphrase(new_file: Path | None) -> str:
    """The new passphrase for `passwd`: --new-passphrase-file, LINKCHECK_NEW_PASSPHRASE, or a prompt."""
    if new_file is not None:
        return _read_passphrase_file(new_file)
    env = os.environ.get(NEW_PASSPHRASE_ENV)
    if env:
        return env
    if _interactive():
        value = click.prompt("New passphrase", hide_input=True, confirmation_prompt=True, err=True)
        if not value:
            raise PassphraseError("refusing an empty passphrase")
        return value
    raise PassphraseError(
        "no new passphrase: give --new-passphrase-file FILE (mode 600), set "
        f"{NEW_PASSPHRASE_ENV}, or run in a terminal to be asked"
    )


@contextmanager
def open_store(*, write: bool = False):
    """Unlock the current command's store for one transaction."""
    path = current_store_path()
    check_store_file(path)  # before asking for a passphrase that could not open anything
    passphrase = get_passphrase()
    with Store.open(path, passphrase, write=write) as store:
        yield store


def echo_err(message: str) -> None:
    click.echo(message, err=True)


# ----- output files --------------------------------------------------------------------------

STDOUT = "-"


def output_option(*, required: bool = False, default: str | None = None, help: str = "File to write."):
    """-o/--output and --force, the same on every command that writes a file (`-o -`: stdout)."""

    def decorate(func):
        func = click.option(
            "--force", "-f", is_flag=True, help="Overwrite an existing output file without asking."
        )(func)
        return click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            required=required,
            default=default,
            show_default=default is not None,
            help=f"{help} Created with mode 600; '-' writes to standard output.",
        )(func)

    return decorate


def is_stdout(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDOUT


def confirm_overwrite(path: Path, force: bool) -> None:
    """An existing output file is replaced only with --force, or when the user says so at a prompt."""
    if force or not os.path.lexists(path):
        return
    if os.path.isdir(path):
        raise UsageError(f"{path} is a folder; give a file name")
    if not _interactive():
        raise UsageError(f"{path} already exists; add --force to overwrite it")
    click.confirm(f"{path} already exists. Overwrite it?", abort=True, err=True)


def temp_path_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial-{os.getpid()}")


@contextmanager
def private_output(path: Path, *, force: bool, binary: bool = False, encoding: str = "utf-8"):
    """A file handle for one output file, written whole or not at all.

    '-' is standard output. Otherwise the data goes to a new file (mode 600) beside the target,
    which replaces the target only once complete: a failure, or a target the user may write but
    does not own, never leaves it truncated or half written. An existing target asks first
    (`confirm_overwrite`).
    """
    if is_stdout(path):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    confirm_overwrite(path, force)
    partial = temp_path_beside(path)
    try:
        fd = os.open(str(partial), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        fh = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_output(path: Path, text: str, *, force: bool, encoding: str = "utf-8") -> None:
    """Write `text` as one output file (see `private_output`)."""
    with private_output(path, force=force, encoding=encoding) as fh:
        fh.write(text)
