"""The `linkcheck` command: the click group, error -> exit-code mapping, command registration."""

from __future__ import annotations

import gc
import importlib
import os
import sys

import click

from .. import __version__
from .. import i18n
from ..errors import EXIT_USAGE, ImportErrors, LinkcheckError
from ..i18n import N_, _
from .localise import LinkcheckContext, localise, patch_click
from .output import terminal_safe_output

EXIT_CODES_HELP = N_("""\b
Exit codes:
  0  done; nothing at or above --fail-on
  1  findings at or above --fail-on (audit, precheck, check, statement);
     an appeal the records contradict (appeal: it says what to do first);
     an account in breach of its health targets (health)
  2  usage error (bad option, unknown account, missing store)
  3  invalid input data or settings (nothing was written)
  4  wrong or missing passphrase
  5  store damaged, tampered with, truncated or not a linkcheck store
  6  store busy or cannot be written
  130  interrupted (Ctrl-C)
""")

MAX_LISTED_PROBLEMS = 200
# What a shell reports for a process stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130
# What a shell reports for a writer killed by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141


# Command name -> the module under linkcheck/cli that defines it (and registers it). Modules are
# imported only when one of their commands runs, so `linkcheck check` does not pay for the
# report or the statement code: start-up time counts in the 1.5 s pre-login budget.
COMMAND_MODULES = {
    "init": "store_cmds", "passwd": "store_cmds", "backup": "store_cmds", "store": "store_cmds",
    "account": "account_cmds", "attr": "account_cmds", "import": "account_cmds", "export": "account_cmds",
    "audit": "audit_cmds", "precheck": "audit_cmds",
    "fingerprint": "gate_cmds", "capture": "gate_cmds", "check": "gate_cmds", "run": "gate_cmds",
    "log": "gate_cmds",
    "statement": "statement_cmds", "explain": "statement_cmds", "verify": "statement_cmds",
    "pubkey": "statement_cmds", "appeal": "appeal_cmds",
    "report": "report_cmds", "demo": "report_cmds",
    "health": "health_cmds",
    "config": "config_cmds", "unlock": "agent_cmds", "lock": "agent_cmds",
    "browser": "browser_cmds",
    "team": "team_cmds",
}


class LinkcheckGroup(click.Group):
    """Loads commands on demand; maps linkcheck errors to one line on stderr and their exit code."""

    context_class = LinkcheckContext

    def main(self, *args, **kwargs):
        # The interface language, once per invocation: the `lang` setting, else the locale.
        i18n.set_language(None)
        localise(self, i18n.language())
        return super().main(*args, **kwargs)

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMAND_MODULES:
            importlib.import_module(f"{__name__}.{COMMAND_MODULES[name]}").register(self)
        command = super().get_command(ctx, name)
        if command is not None:
            localise(command, i18n.language())
        return command

    def invoke(self, ctx):
        # The one output path: whatever a command prints passes a filter that shows control
        # characters instead of sending them, so stored text cannot drive the terminal.
        with terminal_safe_output():
            return self._invoke(ctx)

    def _invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ImportErrors as exc:
            for line in exc.problems[:MAX_LISTED_PROBLEMS]:
                click.echo(f"  {line}", err=True)
            if len(exc.problems) > MAX_LISTED_PROBLEMS:
                click.echo(_("  … and {n} more", n=len(exc.problems) - MAX_LISTED_PROBLEMS), err=True)
            click.echo(_("linkcheck: error: {message}", message=exc.message), err=True)
            ctx.exit(exc.exit_code)
        except LinkcheckError as exc:
            click.echo(_("linkcheck: error: {message}", message=exc.message), err=True)
            ctx.exit(exc.exit_code)
        except click.exceptions.Abort as exc:
            # click turns Ctrl-C at a prompt into Abort ("Aborted!", exit 1); it is an interruption
            # like any other Ctrl-C. A "no" to a confirmation stays Abort.
            if isinstance(exc.__context__, KeyboardInterrupt):
                click.echo("", err=True)
                click.echo(_("linkcheck: interrupted"), err=True)
                ctx.exit(EXIT_INTERRUPTED)
            raise
        except (click.exceptions.Exit, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo(_("linkcheck: interrupted"), err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`linkcheck audit | head`): stop quietly, as a killed writer
            # would. Point stdout at /dev/null so the interpreter's final flush cannot fail again.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            ctx.exit(EXIT_BROKEN_PIPE)
        except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback
            if os.environ.get("LINKCHECK_DEBUG"):
                raise
            # The message of an unexpected exception might quote data; name only its type.
            click.echo(
                _("linkcheck: internal error ({error}); rerun with LINKCHECK_DEBUG=1 for details",
                  error=type(exc).__name__),
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


patch_click()


def run() -> None:
    """Console-script entry point."""
    # A command is one short process whose data is acyclic (profiles, findings): the cyclic
    # garbage collector would only rescan millions of live objects, which costs seconds at
    # 100,000 accounts. Reference counting still frees everything.
    gc.disable()
    try:
        main(prog_name="linkcheck")
    except click.exceptions.UsageError as exc:  # pragma: no cover - click handles these itself
        exc.show()
        sys.exit(EXIT_USAGE)
