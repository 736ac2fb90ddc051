"""Options shared by several commands, each defined once, and the passphrase sources."""

from __future__ import annotations

import functools
import os
import stat
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click

from ..i18n import N_, Words, _, join_list, os_reason, translate
from ..errors import PassphraseError
from ..lazy import LazyImport
from ..models import LEVEL_NAMES, STATUSES, Level
from ..store import STORE_ENV, Store, check_store_file

PASSPHRASE_ENV = "LINKCHECK_PASSPHRASE"
NEW_PASSPHRASE_ENV = "LINKCHECK_NEW_PASSPHRASE"

# The account book's words for a status, at the first status given (`StatusChoice`).
_book = LazyImport(globals(), "_book", "linkcheck.accounts")


class StatusChoice(click.Choice):
    """A status: one of STATUSES in any case, or another word for one as import takes it
    (已停用, 正常..., Amazon's "Deactivated"). Here, not with the account commands: `audit` and
    `precheck` share their module with the option and need none of the account commands."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.strip().lower() in _book.STATUS_WORDS:
            return _book.STATUS_WORDS[value.strip().lower()]
        return super().convert(value, param, ctx)


STATUS = StatusChoice(STATUSES, case_sensitive=False)


def no_passphrase_help() -> str:
    """Where a passphrase can come from, in the interface language (no source gave one)."""
    return _("no passphrase: give --passphrase-file FILE (mode 600), set {env}, run `linkcheck unlock` first, "
             "or run in a terminal to be asked", env=PASSPHRASE_ENV)

# A wrong passphrase is only known after the key derivation, so the prompt is where the
# store is opened: this many tries on a terminal, then exit 4.
PROMPT_TRIES = 3


def store_options(func):
    """--store and --passphrase-file, for every command that opens the store."""

    @click.option(
        "--store",
        "store_path",
        type=click.Path(dir_okay=True, path_type=str),
        default=None,
        help=N_("Store file, or a team store's postgresql:// URL (default: ${STORE_ENV}, the `store` setting, "
                "or the linkcheck folder in your user app directory).", STORE_ENV=STORE_ENV),
    )
    @click.option(
        "--passphrase-file",
        type=click.Path(path_type=Path),
        default=None,
        help=N_("Read the passphrase from this file (must not be readable by group or others). Otherwise ${PASSPHRASE_ENV}, otherwise the key kept by `linkcheck unlock`, otherwise a hidden prompt.", PASSPHRASE_ENV=PASSPHRASE_ENV),
    )
    @functools.wraps(func)
    def wrapper(*args, store_path, passphrase_file, **kwargs):
        ctx = click.get_current_context()
        ctx.meta["linkcheck.store_path"] = store_location(store_path if store_path else setting_value("store"))
        ctx.meta["linkcheck.passphrase_file"] = passphrase_file
        return func(*args, **kwargs)

    return wrapper


def store_location(text):
    """A file store's path, or a team store's URL (`TeamURL`: a postgresql:// URL, kept whole)."""
    if text.strip().lower().startswith(("postgresql://", "postgres://")):
        from ..store.postgres import TeamURL

        return TeamURL(text.strip())
    return Path(text).expanduser()


def is_team_store(path) -> bool:
    return isinstance(path, str)


def current_store_path() -> Path:
    return click.get_current_context().meta["linkcheck.store_path"]


def setting_value(key: str) -> str | None:
    """A setting's value from the environment, the settings file or its default (see settings.py)."""
    from .. import settings

    return settings.value(key)


# The levels as the Chinese interface writes them (严重/高/中/低), taken as the level's name.
LEVEL_WORDS = {"严重": "critical", "高": "high", "中": "medium", "低": "low"}


class LevelType(click.ParamType):
    name = "level"

    def convert(self, value, param, ctx):
        if isinstance(value, Level):
            return value
        try:
            return Level.parse(LEVEL_WORDS.get(value.strip(), value) if isinstance(value, str) else value)
        except ValueError:
            self.fail(_("unknown level {value!r}; use one of: {levels}", value=value,
                        levels=join_list(LEVEL_NAMES)), param, ctx)


LEVEL = LevelType()


def fail_on_option(default: str = "high"):
    return click.option(
        "--fail-on",
        type=LEVEL,
        default=default,
        show_default=True,
        help=N_("Exit 1 when anything is at or above this level ({items}).", items=Words(', '.join(LEVEL_NAMES), zh='、'.join(LEVEL_NAMES))),
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
    """--rules FILE; without it, the `rules` setting (a missing file there is an input error)."""

    @click.option(
        "--rules",
        "rules_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="JSON or TOML file overriding the default levels (see README, 'Rules'). Default: the `rules` setting.",
    )
    @functools.wraps(func)
    def wrapper(*args, rules_file, **kwargs):
        if rules_file is None:
            configured = setting_value("rules")
            rules_file = Path(configured) if configured else None
        return func(*args, rules_file=rules_file, **kwargs)

    return wrapper


# ----- passphrases ---------------------------------------------------------------------------


def _read_passphrase_file(path: Path) -> str:
    # Open first, then check the opened file (fstat): nothing can swap it in between, and a
    # symlink is not followed where the platform allows refusing one.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(str(path), flags)
    except OSError as exc:
        raise PassphraseError(_("cannot read passphrase file {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise PassphraseError(_("passphrase file {path} is not a regular file", path=path))
        if os.name == "posix" and st.st_mode & 0o077:
            raise PassphraseError(
                _("passphrase file {path} is readable by group or others; run `chmod 600 {path}` first", path=path)
            )
        try:
            text = fh.read(64 * 1024).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raise PassphraseError(_("cannot read passphrase file {path}", path=path)) from None
    passphrase = text.splitlines()[0] if text.splitlines() else ""
    if not passphrase:
        raise PassphraseError(_("passphrase file {path} is empty", path=path))
    return passphrase


def take_from_environment(name: str) -> str | None:
    """The variable's value, removed from this process's environment as it is read.

    Removed from os.environ and from the C library's environment (unsetenv), so nothing this
    process starts inherits it; and on Linux its value is overwritten with NUL bytes in the
    environment block the process started with, which is what /proc/PID/environ shows to any
    process of the same user -- a command `linkcheck run` starts, for one, could read its
    parent's.
    """
    value = os.environ.pop(name, None)
    _erase_initial_environment(name)
    return value


def _erase_initial_environment(name: str) -> None:
    """Overwrite the value of NAME=... in the environment block the kernel gave this process
    (Linux: the addresses are fields 50 and 51 of /proc/self/stat). Best effort: elsewhere,
    or if anything is unexpected, nothing is touched."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        with open("/proc/self/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])  # env_start, env_end (fields 50, 51)
        if not 0 < start < end or end - start > 1 << 24:
            return
        block = ctypes.string_at(start, end - start)
        prefix = name.encode() + b"="
        offset = 0
        for entry in block.split(b"\0"):
            if entry.startswith(prefix) and len(entry) > len(prefix):
                ctypes.memset(start + offset + len(prefix), 0, len(entry) - len(prefix))
            offset += len(entry) + 1
    except (OSError, ValueError, IndexError, AttributeError, ImportError):
        return


def _interactive() -> bool:
    return sys.stdin.isatty()


def _given_passphrase() -> str | None:
    """The passphrase from --passphrase-file, then LINKCHECK_PASSPHRASE; None when neither is given."""
    path = click.get_current_context().meta.get("linkcheck.passphrase_file")
    if path is not None:
        return _read_passphrase_file(path)
    return _text(take_from_environment(PASSPHRASE_ENV), PASSPHRASE_ENV) or None


def _text(value: str | None, name: str) -> str | None:
    """A passphrase from the environment, refused (exit 4) when its bytes are not UTF-8 text:
    Python hands such bytes over as lone surrogates, which no key derivation can take."""
    if value:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PassphraseError(_("{name} is not UTF-8 text; set it again from a UTF-8 terminal or use --passphrase-file", name=name)) from None
    return value


def _prompt_passphrase(prompt: str, confirm: bool = False) -> str:
    value = click.prompt(translate(prompt), hide_input=True, confirmation_prompt=confirm, err=True)
    if not value:
        raise PassphraseError(_("refusing an empty passphrase"))
    return value


def get_passphrase(*, confirm: bool = False, prompt: str = N_("Store passphrase")) -> str:
    """The passphrase from --passphrase-file, then LINKCHECK_PASSPHRASE, then a hidden prompt."""
    given = _given_passphrase()
    if given is not None:
        return given
    if _interactive():
        return _prompt_passphrase(prompt, confirm)
    raise PassphraseError(no_passphrase_help())


def with_passphrase(attempt, *, prompt: str = N_("Store passphrase")):
    """attempt(passphrase) with the passphrase from the file or the environment (once), else
    from a prompt on a terminal, up to PROMPT_TRIES times while it raises PassphraseError."""
    given = _given_passphrase()
    if given is not None:
        return attempt(given)
    if not _interactive():
        raise PassphraseError(no_passphrase_help())
    for tries in range(1, PROMPT_TRIES + 1):
        try:
            return attempt(_prompt_passphrase(prompt))
        except PassphraseError as exc:
            if tries == PROMPT_TRIES:
                raise PassphraseError(_("{message} ({PROMPT_TRIES} tries)", message=exc.message, PROMPT_TRIES=PROMPT_TRIES)) from None
            echo_err(_("{message}; try again ({n} left)", message=exc.message, n=PROMPT_TRIES - tries))


def get_new_passphrase(new_file: Path | None) -> str:
    """The new passphrase for `passwd`: --new-passphrase-file, LINKCHECK_NEW_PASSPHRASE, or a prompt."""
    if new_file is not None:
        return _read_passphrase_file(new_file)
    env = _text(take_from_environment(NEW_PASSPHRASE_ENV), NEW_PASSPHRASE_ENV)
    if env:
        return env
    if _interactive():
        value = click.prompt(_("New passphrase"), hide_input=True, confirmation_prompt=True, err=True)
        if not value:
            raise PassphraseError(_("refusing an empty passphrase"))
        return value
    raise PassphraseError(
        _("no new passphrase: give --new-passphrase-file FILE (mode 600), set {NEW_PASSPHRASE_ENV}, or run in a terminal to be asked", NEW_PASSPHRASE_ENV=NEW_PASSPHRASE_ENV)
    )


def agent_key(path: Path):
    """The key `linkcheck unlock` keeps for the store at `path`, or None (no agent, or a refusal)."""
    if _given_passphrase_source() or is_team_store(path):
        return None
    from .. import agent

    return agent.key_for(path)


def _given_passphrase_source() -> bool:
    return click.get_current_context().meta.get("linkcheck.passphrase_file") is not None or bool(
        os.environ.get(PASSPHRASE_ENV)
    )


def store_key():
    """The current store's key, derived once (from the same sources as `open_store`), for a
    command that opens the store twice -- e.g. around a confirmation -- without asking twice."""
    from ..store import derive_store_key

    path = current_store_path()
    if is_team_store(path):
        from ..store.postgres import member_key

        return with_passphrase(lambda passphrase: member_key(path, passphrase), prompt=N_("Your member passphrase"))
    check_store_file(path)
    key = agent_key(path)
    if key is not None:
        return key
    return with_passphrase(lambda passphrase: derive_store_key(path, passphrase)[0])


@contextmanager
def open_store(*, write: bool = False, key=None, gate: bool = False, defer_macs: bool = False, salvage: bool = False,
               bodies_only: bool = False, rows_as_read: bool = False):
    """Unlock the current command's store for one transaction. `gate` (`check`, `precheck`):
    a reader may answer for the accounts from the verified gate cache (store/gatecache.py).
    `defer_macs` (the audit and the report): a local store's manifest check leaves the rows'
    MACs for the audit to check once its fuzzy side is forked (`Store.open`). `bodies_only`
    (`account list`, `export`): a local store's open reads no key index and may compare the
    accounts table with the audit cache's verified rows instead of making every row's MAC;
    with `rows_as_read` (an export to a file), as the rows are read (`Store.open`).

    The passphrase comes from --passphrase-file, then LINKCHECK_PASSPHRASE, then the key kept
    by `linkcheck unlock`, then a prompt on a terminal (three tries). A key the agent gives
    (or `key`, from `store_key()`) that does not open the store (it changed since) is ignored,
    never trusted.
    """
    path = current_store_path()
    opener = Store.open
    prompt = "Store passphrase"
    if is_team_store(path):
        # A team store on PostgreSQL: the passphrase is the member's own, for their key file.
        from ..store.postgres import TeamStore

        opener, prompt = TeamStore.open, "Your member passphrase"  # type: ignore[assignment]
    else:
        check_store_file(path)  # before asking for a passphrase that could not open anything
    if salvage:  # `store migrate --salvage`, `team recover`: a failed manifest check is kept, not raised
        opener = functools.partial(opener, salvage=True)  # type: ignore[assignment]
    elif gate and not write:
        opener = functools.partial(opener, gate=True)  # type: ignore[assignment]
    elif defer_macs and not write and opener == Store.open:  # a local store (a classmethod: equal, not the same)
        opener = functools.partial(opener, defer_macs=True)  # type: ignore[assignment]
    elif bodies_only and not write and opener == Store.open:
        opener = functools.partial(opener, bodies_only=True, rows_as_read=rows_as_read)  # type: ignore[assignment]
    with ExitStack() as stack:
        key = key if key is not None else agent_key(path)
        store = None
        if key is not None:
            try:
                store = stack.enter_context(opener(path, key, write=write))
            except PassphraseError:
                store = None
        if store is None:

            def attempt(passphrase: str):
                # Store.open gets a function that hands the passphrase over once and keeps
                # nothing: its context manager keeps its arguments for the whole command.
                box = [passphrase]
                del passphrase
                return stack.enter_context(opener(path, box.pop, write=write))

            store = with_passphrase(attempt, prompt=prompt)
        _note_outdated_keys(store)
        _note_accepted_restore(store)
        yield store


def _note_accepted_restore(store) -> None:
    """A team store an owner recovered (`team recover`) since this computer last saw it: say so."""
    record = getattr(store, "accepted_restore", None)
    if not record:
        return
    from ..models import iso

    when = record.get("when")
    echo_err(_("note: {by}, an owner, accepted the team store's state as it was at counter {counter} on {when} "
               "(`linkcheck team recover`): what this computer saw written after that is gone; `linkcheck log` "
               "shows what was lost", by=record.get("by", "?"), counter=record.get("from", "?"),
               when=iso(int(when))[:10] if isinstance(when, int) else "?"))


def _note_outdated_keys(store) -> None:
    """Once per command: say that the store's values were keyed by an older linkcheck's rules."""
    from ..models import KEYS_VERSION

    if store.keys_version == KEYS_VERSION:
        return
    finish = getattr(store, "finish_verification", None)
    if finish is not None:
        finish()  # a damaged store says that, not this note first (`Store.open(..., defer_macs=True)`)
    context = click.get_current_context(silent=True)
    meta = context.find_root().meta if context is not None else {}
    if meta.get("linkcheck.keys_noted"):
        return
    meta["linkcheck.keys_noted"] = True
    if store.keys_version > KEYS_VERSION:
        echo_err(_("note: this store was written by a newer linkcheck (match keys version {new_version}, this one's "
                   "{ours}): values it adds or checks are read by older rules and may not meet values on file; "
                   "upgrade linkcheck.", new_version=store.keys_version, ours=KEYS_VERSION))
        return
    echo_err(_("note: this store's values were matched by the rules of an older linkcheck (match keys version "
               "{old}, now {new}): a value added or checked now may not meet one on file written otherwise. "
               "To key everything by today's rules, run `linkcheck store upgrade` (in place; it keeps the log, "
               "health figures, appeal cases and explanations; README: \"When the matching rules change\").",
               old=store.keys_version, new=KEYS_VERSION))


def echo_err(message: str) -> None:
    click.echo(message, err=True)
