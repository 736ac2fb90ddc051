"""The `linkcheck` command: the click group, error -> exit-code mapping, command registration."""

from __future__ import annotations

import errno
import gc
import importlib
import os
import sys

import click

from .. import __version__
from .. import early, i18n
from ..errors import EXIT_USAGE, ImportErrors, LinkcheckError
from ..i18n import N_, _
from .localise import LinkcheckContext, localise, patch_click

EXIT_CODES_HELP = N_("""\b
Exit codes:
  0  done; nothing at or above --fail-on
  1  findings at or above --fail-on (audit, precheck, check, statement);
     an appeal the records contradict (appeal: it says what to do first);
     an account in breach of its health targets (health)
  2  usage error (bad option, unknown account, missing store)
  3  invalid input data or settings (nothing was written)
  4  wrong or missing passphrase, or a new one refused (too short);
     a team store: no member key here, or not (or no longer) a member
  5  store damaged, tampered with, truncated or not a linkcheck store
  6  store busy, or cannot be read or written
  130  interrupted (Ctrl-C)
""")

MAX_LISTED_PROBLEMS = 200
# What a shell reports for a process stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130
# What a shell reports for a writer killed by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141
# An OSError that says the machine ran out of room (disk, quota, file size, file descriptors).
_OUT_OF_ROOM = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EMFILE", "ENFILE")
                         if hasattr(errno, name))


# Command name -> the module under linkcheck/cli that defines it (and registers it), and the
# command's short help as `linkcheck --help` lists it (its help's first sentence; a test holds it
# equal to the command's own). Modules are imported only when one of their commands runs, and
# `linkcheck --help` lists them from this table without importing any: start-up time counts in
# the pre-login budget of `check` and `run`.
COMMANDS = {
    "account": ("account_cmds", "Add, list, show, change and remove accounts."),
    "appeal": ("appeal_cmds", "Write the appeal pack for account NAME: the Plan of Action and its evidence."),
    "attr": ("account_cmds", "Add and remove identifying values (email, phone, ip, mac, ...) on an account."),
    "audit": ("audit_cmds", "Find every pair of accounts that share an identifier."),
    "backup": ("store_cmds", "Write a consistent, still encrypted copy of the store to TARGET."),
    "browser": ("browser_cmds", "Anti-detect browser profiles (AdsPower, BitBrowser, Ziniao, GoLogin) on your accounts."),
    "capture": ("gate_cmds", "Record this computer's identifying values on account NAME."),
    "check": ("gate_cmds", "Before logging in to NAME: is this machine or network on file for another account?"),
    "config": ("config_cmds", "Settings that stick: defaults for options you would otherwise repeat."),
    "demo": ("report_cmds", "See linkcheck work, end to end, on example data."),
    "explain": ("statement_cmds", "Record why NAME and OTHER legitimately share values of KIND."),
    "export": ("account_cmds", "Export every account in the import format (a round trip is exact)."),
    "fingerprint": ("gate_cmds", "Show what a marketplace could see of this computer and its network."),
    "health": ("health_cmds", "Account health: the four metrics marketplaces suspend on, over time."),
    "import": ("account_cmds", "Import account profiles from JSON or CSV files."),
    "init": ("store_cmds", "Create a new encrypted store."),
    "lock": ("agent_cmds", "Forget the key kept by `linkcheck unlock`: commands ask for the passphrase again."),
    "log": ("gate_cmds", "The history of checks, runs and captures, oldest first."),
    "passwd": ("store_cmds", "Change the store passphrase."),
    "precheck": ("audit_cmds", "Check a planned account against everything on file, before registering it."),
    "pubkey": ("statement_cmds", "Print a public key for checking this store's statements."),
    "report": ("report_cmds", "Write an HTML report with the graph of linked accounts."),
    "run": ("gate_cmds", "Check, then start COMMAND (e.g. the browser) only if the check passes."),
    "statement": ("statement_cmds", "Write a signed separation statement: the internal fact sheet."),
    "store": ("store_cmds", "Where the store is, its format and key-derivation settings."),
    "team": ("team_cmds", "Members of a team store: who may open it, with which role."),
    "unlock": ("agent_cmds", "Type the passphrase once: keep the store's key in memory for a while."),
    "verify": ("statement_cmds", "Check that a statement FILE, or an appeal pack folder, is unchanged and who signed it."),
}
COMMAND_MODULES = {name: module for name, (module, _short) in COMMANDS.items()}


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

    def resolve_command(self, ctx, args):
        # Commands are loaded on demand, so click's "Did you mean" would look among the few
        # loaded: it is given every command's name instead (`linkcheck audti` -> audit).
        no_such = getattr(click.exceptions, "NoSuchCommand", None)  # click 8.4 and later
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            if no_such is None or not isinstance(exc, no_such):
                raise
            raise no_such(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx, formatter):
        # `linkcheck --help` in English lists the commands from COMMANDS, importing none of
        # their modules (a command already loaded speaks for itself). Another language takes
        # each command's translated help, so its module is loaded.
        if i18n.language() != i18n.SOURCE_LANG:
            return super().format_commands(ctx, formatter)
        listed = click.Group(self.name, commands={
            name: self.commands.get(name) or click.Command(name, help=COMMANDS[name][1])
            for name in self.list_commands(ctx)
        })
        return click.Group.format_commands(listed, ctx, formatter)

    def make_context(self, *args, **kwargs):
        # Ctrl-C while the command line is read: "interrupted", exit 130, as anywhere else --
        # not click's "Aborted!" and exit 1, which an audit's caller would read as findings.
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            raise _interrupted() from None

    def invoke(self, ctx):
        try:
            from .output import terminal_safe_output  # not on the path of --help and --version

            # The one output path: whatever a command prints passes a filter that shows control
            # characters instead of sending them, so stored text cannot drive the terminal.
            with terminal_safe_output():
                return self._invoke(ctx)
        except KeyboardInterrupt:  # (the command's own Ctrl-C is `_invoke`'s: this is before or after it)
            raise _interrupted() from None

    def _invoke(self, ctx):
        try:
            try:
                return super().invoke(ctx)
            finally:
                # What the command printed reaches its file now, while a failure to write it (a
                # full disk, a file-size limit, a closed pipe) is still this command's to report:
                # left to the interpreter's exit, the last buffer's failure went unseen and a cut
                # file ended with exit 0.
                if _answered(sys.exc_info()[1]) and sys.stdout is not None:
                    sys.stdout.flush()
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
            # would.
            _stdout_to_devnull()
            ctx.exit(EXIT_BROKEN_PIPE)
        except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback
            if isinstance(exc, OSError) and exc.errno in _OUT_OF_ROOM:
                # The machine ran out of something (a full disk under the audit's JSON written to
                # stdout, too few file descriptors): no bug of linkcheck's, so no "internal error".
                from ..errors import EXIT_BUSY
                from ..i18n import os_reason

                click.echo(_("linkcheck: error: {message}", message=_(
                    "the system refused a read or write: {reason} (is the disk full, or the limit on open files "
                    "too low?)", reason=os_reason(exc))), err=True)
                _stdout_to_devnull()  # (what could not be written is not tried again at exit)
                ctx.exit(EXIT_BUSY)
            if os.environ.get("LINKCHECK_DEBUG"):
                raise
            # The message of an unexpected exception might quote data; name only its type.
            click.echo(
                _("linkcheck: internal error ({error}); rerun with LINKCHECK_DEBUG=1 for details",
                  error=type(exc).__name__),
                err=True,
            )
            ctx.exit(70)


def _interrupted() -> click.exceptions.Exit:
    """Say "interrupted" and give the exit that ends the command with EXIT_INTERRUPTED."""
    click.echo(_("linkcheck: interrupted"), err=True)
    return click.exceptions.Exit(EXIT_INTERRUPTED)


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of what could not be written
    cannot fail again (a traceback-like "Exception ignored" and exit 120 after our message)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _answered(exc: BaseException | None) -> bool:
    """Whether the command ended as it meant to (returned, or exited with its code)."""
    return exc is None or isinstance(exc, (click.exceptions.Exit, SystemExit))


def _by_ctrl_c(exc: SystemExit) -> bool:
    """Whether click's own main ended with "Aborted!" (exit 1) for a Ctrl-C that came where
    linkcheck's handlers could not see it (between them, in click's code)."""
    abort = exc.__context__
    return (exc.code == 1 and isinstance(abort, click.exceptions.Abort)
            and isinstance(abort.__cause__, KeyboardInterrupt))


@click.group(cls=LinkcheckGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linkcheck")
def main():
    """Audit related-account risk across your marketplace seller accounts.

    linkcheck keeps each account's identifiers (company, contacts, bank and card,
    addresses, networks, devices, routers) in an encrypted local store, finds
    what accounts share, checks this machine before you log in, and writes
    the appeal: a Plan of Action with its evidence, or a separation statement.

    \b
    Start here:
      linkcheck demo                     see it work on example data
      linkcheck init                     create your encrypted store
      linkcheck import profiles.json     add your accounts
      linkcheck audit                    what do my accounts share?
      linkcheck appeal NAME -r OTHER     an account was suspended: the appeal pack
    """
    os.umask(0o077)  # anything linkcheck creates is private to its owner


patch_click()


# What a command leaves for the process's end rather than free one by one (`keep_until_exit`),
# when the command line is the process (`run`).
_KEPT: list = []
_ENDS_THE_PROCESS = False
# Whether the command asked for the process to end as soon as its answer is written
# (`end_when_answered`); heeded only when `run` was told the process is the command line's alone.
_END_WHEN_ANSWERED = False


def end_when_answered() -> None:
    """The command's answer (its output and exit code) is all it leaves: `check` and `precheck`,
    on the path between a user and a login. Once it is written, the process the console script
    or `python -m linkcheck` runs ends as `_end_now` ends it -- output flushed, exit handlers run,
    then gone -- instead of the interpreter's own teardown of every module (7-25 ms after the
    answer). Where the command line runs inside another program it returns as usual."""
    global _END_WHEN_ANSWERED
    _END_WHEN_ANSWERED = True


def keep_until_exit(*objects) -> None:
    """Leave `objects` to the end of the process: a large audit's findings, profiles and JSON
    are millions of objects, which take a few tenths of a second to free one by one after the
    answer is written. `run` then ends the process once its output is flushed and the exit
    handlers have run, without freeing them (the kernel takes the memory back at once). Where
    the command line runs inside another program (tests, `demo`), they are freed as usual."""
    if _ENDS_THE_PROCESS:
        _KEPT.extend(objects)


def _end_now(exc: SystemExit) -> None:
    """End the process with `exc`'s exit code at once, as the interpreter's own exit would but
    for freeing what is left (`keep_until_exit`); returns, for the ordinary exit, where that
    would differ: an exit message to print, output that cannot be flushed, a thread still
    running."""
    import atexit
    import threading

    code = exc.code
    if code is not None and type(code) is not int:
        return
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        atexit._run_exitfuncs()  # what the interpreter runs at exit: weakref finalizers, temp files
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe, a closed stream: the ordinary exit says it
        return
    os._exit(code or 0)


def run(at_once: bool = False) -> None:
    """Console-script entry point. `at_once`: this process is the command line's alone (the
    console script and `python -m linkcheck`, through `linkcheck.entry`): nothing runs after it
    but the exit handlers, so a command that asks (`end_when_answered`) ends it at once."""
    # A command is one short process whose data is acyclic (profiles, findings): the cyclic
    # garbage collector would only rescan millions of live objects, which costs seconds at
    # 100,000 accounts. Reference counting still frees everything.
    gc.disable()
    # The store's key derivation (half a second) begins now, in a thread, while the command's
    # modules are imported; the store's open uses it only if it is exactly what it needs.
    early.start(sys.argv[1:])
    global _ENDS_THE_PROCESS
    _ENDS_THE_PROCESS = True
    try:
        main(prog_name="linkcheck")
    except click.exceptions.UsageError as exc:  # pragma: no cover - click handles these itself
        exc.show()
        sys.exit(EXIT_USAGE)
    except SystemExit as exc:  # how click's main always ends
        if _by_ctrl_c(exc):
            click.echo(_("linkcheck: interrupted"), err=True)
            exc = SystemExit(EXIT_INTERRUPTED)
        if _KEPT or (at_once and _END_WHEN_ANSWERED):
            gc.freeze()  # (as below: the exit handlers see what the ordinary exit would)
            _end_now(exc)
        raise exc from None
    except KeyboardInterrupt:  # before click's main began (the interface's language read)
        click.echo(_("linkcheck: interrupted"), err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        # The interpreter's exit ends with one full collection over every object still alive --
        # the modules' and the command's, 20-35 ms of CPU after the command has answered. Frozen
        # objects are not scanned; reference counting frees them all the same (and nothing here
        # leans on a collection: files and the store are closed where they are used).
        gc.freeze()
