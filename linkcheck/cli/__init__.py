"""The `linkcheck` command: the click group, error -> exit-code mapping, command registration."""

from __future__ import annotations

import os
import sys

import click

from .. import __version__
from ..errors import EXIT_USAGE, ImportErrors, LinkcheckError

EXIT_CODES_HELP = """\b
Exit codes:
  0  done; nothing at or above --fail-on
  1  findings at or above --fail-on (audit, precheck, check, statement)
  2  usage error (bad option, unknown account, missing store)
  3  invalid input data (nothing was written)
  4  wrong or missing passphrase
  5  store damaged, tampered with, truncated or not a linkcheck store
  6  store busy or cannot be written
"""

MAX_LISTED_PROBLEMS = 200


class LinkcheckGroup(click.Group):
    """Maps linkcheck errors to one line on stderr and their documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ImportErrors as exc:
            for line in exc.problems[:MAX_LISTED_PROBLEMS]:
                click.echo(f"  {line}", err=True)
            if len(exc.problems) > MAX_LISTED_PROBLEMS:
                click.echo(f"  … and {len(exc.problems) - MAX_LISTED_PROBLEMS} more", err=True)
            click.echo(f"linkcheck: error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except LinkcheckError as exc:
            click.echo(f"linkcheck: error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("linkcheck: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback
            if os.environ.get("LINKCHECK_DEBUG"):
                raise
            # The message of an unexpected exception might quote data; name only its type.
            click.echo(
                f"linkcheck: internal error ({type(exc).__name__}); rerun with LINKCHECK_DEBUG=1 for details",
                err=True,
            )
            ctx.exit(70)


@click.group(cls=LinkcheckGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linkcheck")
def main():
    """Audit related-account risk across your marketplace seller accounts.

    linkcheck keeps each account's identifiers (company, contacts, bank and card,
    addresses, networks, devices, routers) in an encrypted local store, finds
    what accounts share, checks this machine before you log in, and writes
    separation statements for appeals.

    \b
    Start here:
      linkcheck demo                     see it work on example data
      linkcheck init                     create your encrypted store
      linkcheck import profiles.json     add your accounts
      linkcheck audit                    what do my accounts share?
    """
    os.umask(0o077)  # anything linkcheck creates is private to its owner


def _register() -> None:
    from . import account_cmds, store_cmds

    for module in (store_cmds, account_cmds):
        module.register(main)
    # Commands added by later capabilities register themselves the same way.
    import importlib

    for name in ("audit_cmds", "gate_cmds", "statement_cmds", "report_cmds"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(main)


_register()


def run() -> None:
    """Console-script entry point."""
    try:
        main(prog_name="linkcheck")
    except click.exceptions.UsageError as exc:  # pragma: no cover - click handles these itself
        exc.show()
        sys.exit(EXIT_USAGE)
