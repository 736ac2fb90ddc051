"""Commands that show linkcheck's work as a whole: report (the HTML graph) and demo."""

from __future__ import annotations

import contextlib
import functools
import sys
from pathlib import Path

import click

from ..i18n import _, join_list, os_reason
from ..demo import not_the_demos, run_demo
from ..errors import UsageError
from ..models import now
from ..report import build_report, headline
from ..linkage.rules import load_rules
from ..usecases import audit as audit_job
from .options import (
    LEVEL,
    echo_err,
    min_level_option,
    open_store,
    rules_option,
    store_options,
)
from .output import confirm_overwrite, is_stdout, output_option, write_output

DEFAULT_REPORT = "linkcheck-report.html"


@click.command()
@store_options
@output_option(default=DEFAULT_REPORT, help="HTML file to write.")
@min_level_option()
@click.option(
    "--link-level", type=LEVEL, default="high", show_default=True, help="Pairs at or above this level form clusters."
)
@rules_option
def report(output, force, min_level, link_level, rules_file):
    """Write an HTML report with the graph of linked accounts.

    One self-contained page (it loads nothing from the network): the
    headline figures, a graph with one node per account and one line per
    linked pair (above 1,000 accounts only the linked ones, the strongest
    groups first, large clusters folded into a box you open), a search box
    for an account, the clusters and the accounts at risk from a suspended
    or closed one, the accounts whose health is in breach and those a breach
    exposes (once health figures are recorded), then every finding, 50 at a
    time, filtered by level and account. Values are masked. The figures are
    those of `linkcheck audit` with the same options.

    \b
    Examples:
      linkcheck report
      linkcheck report -o ~/Desktop/accounts.html --min-level high
      linkcheck report --rules my-rules.toml
    """
    rules = load_rules(rules_file)
    if not is_stdout(output):
        confirm_overwrite(output, force)  # before the passphrase and the work
    from ..report import builder

    builder.load_ahead()  # while the store's key is derived
    # The same audit as `audit`, so the page and `audit --format json` agree; the page also
    # draws the accounts that share nothing.
    found = audit_job.audit_store(functools.partial(open_store, defer_macs=True), audit_job.AuditOptions(rules, min_level, link_level, every_account=True))
    result, accounts = found.audit, found.accounts
    html = build_report(result, accounts, min_level=min_level, link_level=link_level, generated_at=now(),
                        health=found.health)
    write_output(output, html, force=True)
    from . import keep_until_exit

    keep_until_exit(found, html)  # freed by the process's end, not one by one
    if is_stdout(output):
        echo_err(headline(result, accounts).sentence())
        return
    click.echo(_("Wrote the report to {output}", output=output))
    click.echo(headline(result, accounts).sentence())


@click.command()
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder for the demo's statement and report (created if missing).",
)
def demo(output_dir):
    """See linkcheck work, end to end, on example data.

    Creates a throwaway encrypted store in a temporary folder, imports the
    ten example accounts shipped with linkcheck, and runs the real commands
    one by one: audit, a pre-login check of a sample machine against two
    accounts (GO, then STOP), a separation statement for two independent
    accounts, the refusal for two linked ones, and the HTML report. The
    statement and the report are written to --output-dir; the store is
    deleted at the end. Your own store and settings are never touched.

    \b
    Examples:
      linkcheck demo
      linkcheck demo --output-dir /tmp/linkcheck-demo
    """
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(_("cannot create {output_dir}: {strerror}", output_dir=output_dir, strerror=os_reason(exc))) from None
    mine = not_the_demos(output_dir)
    if mine:
        raise UsageError(_("{output_dir} already holds {names}, which the demo did not write there and would "
                           "replace: move it away, or give the demo another folder with --output-dir DIR",
                           output_dir=output_dir, names=join_list(mine)))
    result = run_demo(output_dir, _invoke_in_process, click.echo)
    click.echo("")
    if not result.ok:
        for outcome in result.surprises:
            echo_err(
                _("linkcheck: the demo did not go as planned: `{shown}` exited {exit_code}, expected {expected}", shown=outcome.step.shown, exit_code=outcome.exit_code, expected=outcome.step.expected)
            )
        click.get_current_context().exit(70)
    click.echo(_("Done. The demo wrote:"))
    click.echo(_("  separation statement  {statement}", statement=result.statement))
    click.echo(_("  HTML report           {report}", report=result.report))
    click.echo(_("  appeal pack           {appeal}", appeal=result.appeal))
    click.echo(_("The throwaway store was deleted. Next: `linkcheck init`, then `linkcheck import` your own accounts."))


def _invoke_in_process(args: tuple[str, ...]) -> int:
    """Run one linkcheck command in this process, as typed on the command line; its exit code.

    The command's stderr (a STOP's advice, a refusal's reasons) joins stdout, so the demo reads
    in order even when piped to a file.
    """
    from . import main

    with contextlib.redirect_stderr(sys.stdout):
        try:
            code = main.main(args=list(args), prog_name="linkcheck", standalone_mode=False)
        except SystemExit as exc:
            code = exc.code
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        except click.exceptions.Abort:
            echo_err(_("Aborted!"))
            code = 1
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def register(group: click.Group) -> None:
    group.add_command(report)
    group.add_command(demo)
