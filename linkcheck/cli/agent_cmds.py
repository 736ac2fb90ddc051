"""Commands for a session unlock: unlock, lock."""

from __future__ import annotations

import time

import click

from ..i18n import _
from .. import agent
from ..errors import UsageError
from ..store import check_store_file, derive_store_key
from .options import current_store_path, echo_err, store_options, with_passphrase
from .output import format_option, render_json


@click.command("unlock")
@store_options
@click.option(
    "--for", "duration", default=agent.DEFAULT_FOR, show_default=True, metavar="DURATION",
    help="How long to keep the key: 8h, 30m, 90s, 1d (at most 7d).",
)
@click.option("--status", is_flag=True, help="Only say whether the store is unlocked, and until when.")
@format_option("table", "json", help="Output format of the result (or of --status).")
def unlock_cmd(duration, status, fmt):
    """Type the passphrase once: keep the store's key in memory for a while.

    Asks for the passphrase (three tries), checks it, and starts a small
    agent that keeps the store's key -- not the passphrase -- in memory for
    DURATION. Until then, commands on this store use it without asking. The
    key is forgotten at the timeout, at `linkcheck lock`, when the terminal
    session you unlocked from ends, or at logout; it is never written to
    disk. Only your own user can ask the agent, and only for this store.
    --passphrase-file and LINKCHECK_PASSPHRASE still win when given.

    \b
    Examples:
      linkcheck unlock
      linkcheck unlock --for 30m
      linkcheck unlock --status
      linkcheck lock
    """
    path = current_store_path()
    if isinstance(path, str):  # a team store's URL
        raise UsageError(_("`unlock` keeps a store file's key; a team store is opened with your member key "
                           "file (use --passphrase-file for scripts)"))
    if status:
        _print_status(path, fmt)
        return
    seconds = agent.parse_duration(duration)
    reason = agent.unsupported_reason()
    if reason:
        raise agent.AgentError(reason)
    check_store_file(path)  # before asking for a passphrase that could not open anything
    key, header = with_passphrase(lambda passphrase: derive_store_key(path, passphrase))
    started = agent.start(path, key, header, seconds)
    if fmt == "json":  # the shape of `--status --format json`
        click.echo(render_json({"store": str(path), "unlocked": True, "expires": int(started.expires), "pid": started.pid}))
    else:
        until = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(started.expires))
        click.echo(_("Unlocked {path} until {until}.", path=path, until=until))
    echo_err(_("Commands on this store no longer ask for the passphrase; `linkcheck lock` forgets the key now."))


def _print_status(path, fmt: str) -> None:
    found = agent.status(path)
    if fmt == "json":
        click.echo(render_json({
            "store": str(path), "unlocked": found is not None,
            "expires": found.get("expires") if found else None, "pid": found.get("pid") if found else None,
        }))
        return
    if found is None:
        click.echo(_("Locked: no agent keeps the key of {path}.", path=path))
    else:
        until = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(found["expires"]))
        click.echo(_("Unlocked until {until} (agent process {found}).", until=until, found=found['pid']))


@click.command("lock")
@store_options
@click.option("--all", "all_", is_flag=True, help="Stop every agent of yours, whatever the store.")
def lock_cmd(all_):
    """Forget the key kept by `linkcheck unlock`: commands ask for the passphrase again.

    \b
    Examples:
      linkcheck lock
      linkcheck lock --all
    """
    if all_:
        count = agent.lock_all()
        click.echo(f"Locked: {count} agent(s) stopped." if count else "Nothing to lock: no agent was running.")
        return
    path = current_store_path()
    if agent.lock(path):
        click.echo(_("Locked: the key of {path} is forgotten.", path=path))
    else:
        click.echo(_("Nothing to lock: no agent keeps the key of {path}.", path=path))


def register(group: click.Group) -> None:
    for command in (unlock_cmd, lock_cmd):
        group.add_command(command)
