"""`linkcheck browser`: import anti-detect browser profiles onto accounts, list and audit them."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from ..i18n import N_, _, join_list, translate
from ..importers.vendors import vendor_name
from ..errors import UsageError
from .output import format_option, render_json, render_rows
from .options import echo_err, open_store, rules_option, store_options

ACCOUNT_FROM_HELP = N_("Which profile label names its account: name (default), remark, group or tag.")
TIMEOUT_SECONDS = 5.0


def _reader(vendor: str):
    from ..importers.vendors import reader

    return reader(vendor)


def read_live_profiles(vendor: str, api: str | None, key_file: Path | None):
    """Every profile from the vendor's API (read-only), as a list: nothing is written before all is read."""
    from ..importers.vendors.common import read_key

    mod = _reader(vendor)
    key = read_key(vendor, key_file, mod.KEY_ENV, required=mod.KEY_REQUIRED)
    return list(mod.from_api(api or mod.DEFAULT_API, key, TIMEOUT_SECONDS))


@click.group("browser")
def browser_group():
    """Anti-detect browser profiles (AdsPower, BitBrowser, Ziniao, GoLogin) on your accounts.

    \b
    Examples:
      linkcheck browser import adspower --api-key-file ~/.adspower-key
      linkcheck browser import bitbrowser --account-from remark --create
      linkcheck browser import gologin export.csv --map profiles.csv
      linkcheck browser list --format json
      linkcheck browser audit
    """


@browser_group.command("import")
@store_options
@click.argument("vendor", type=click.Choice(["adspower", "bitbrowser", "ziniao", "gologin"]))
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--api", default=None, metavar="URL", help="The vendor's local API (default: its usual port on 127.0.0.1).")
@click.option("--api-key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="File holding the API key (or set the vendor's variable; never on the command line).")
@click.option("--account-from", type=click.Choice(["name", "remark", "group", "tag"]), default="name",
              help=ACCOUNT_FROM_HELP)
@click.option("--map", "map_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="CSV `profile,account`: which account each profile (its id) belongs to; a profile it does not name goes by --account-from if that is given too.")
@click.option("--create", is_flag=True, help="Create an account for each profile that matches none.")
@click.option("--encoding", default=None, help="Text encoding of FILE and --map (default: UTF-8, else GB18030), as for `linkcheck import`.")
@format_option("table", "json")
def import_cmd(vendor, file, api, api_key_file, account_from, map_file, create, encoding, fmt):
    """Import VENDOR's profiles: from FILE (its JSON/CSV export) or its local API.

    Each profile belongs to one account: by --map, or by its name, remark,
    group or tag equal to an account name. Profiles matching no account are
    listed, not dropped; --create makes accounts for them. Re-importing
    updates and never duplicates. Proxy passwords are dropped; 2FA secrets
    and cookie values are kept only as the store's keyed hash.

    \b
    Examples:
      linkcheck browser import adspower --api-key-file ~/.adspower-key
      linkcheck browser import bitbrowser --account-from remark --create
      linkcheck browser import gologin export.csv --map profiles.csv --format json
    """
    from ..usecases import browser as job

    mod = _reader(vendor)
    if file is not None and (api or api_key_file):
        raise UsageError(_("give FILE or --api/--api-key-file, not both"))
    if encoding and file is None and map_file is None:
        raise UsageError(_("--encoding is for FILE and --map; the vendor's API answers in UTF-8"))
    mapping = job.read_map(map_file, encoding) if map_file is not None else None
    profiles = list(mod.from_file(file, encoding)) if file is not None else read_live_profiles(vendor, api, api_key_file)
    # With --map, a profile the map does not name goes by --account-from only when it was given.
    if mapping is not None and click.get_current_context().get_parameter_source("account_from") in (
            ParameterSource.DEFAULT, None):
        account_from = None
    with open_store(write=True) as st:
        result = job.import_profiles(st, vendor, profiles, mapping=mapping, account_from=account_from, create=create)
    if fmt == "json":
        click.echo(render_json({
            "vendor": vendor, "profiles": len(profiles),
            "matched": [{"profile": r, "account": a} for r, a in result.matched],
            "unmatched": [{"profile": r, "name": n, **({"looked_up": label} if label and label != n else {})}
                          for r, n, label in result.unmatched],
            "created": result.created, "values_added": result.added, "values_retired": result.removed,
            "skipped": result.skipped,
        }))
        return
    if result.created:
        click.echo(_("Read {n} {vendor} profile(s): {matched} on accounts, {added} value(s) added, {removed} retired "
                     "(gone from the profile, kept on record), {created} account(s) created.", n=len(profiles),
                     vendor=vendor_name(vendor), matched=len(result.matched), added=result.added, removed=result.removed,
                     created=len(result.created)))
    else:
        click.echo(_("Read {n} {vendor} profile(s): {matched} on accounts, {added} value(s) added, {removed} retired "
                     "(gone from the profile, kept on record).", n=len(profiles), vendor=vendor_name(vendor),
                     matched=len(result.matched), added=result.added, removed=result.removed))
    for line in result.skipped:
        echo_err(_("  skipped {line}", line=line))
    if result.unmatched:
        click.echo(_("\n{n} profile(s) match no account (use --map, --account-from or --create):", n=len(result.unmatched)))
        for ref, name, label in result.unmatched:
            if label and label != name:  # what was looked up, so a typo in a remark shows
                click.echo(_("  {ref}  {name}  (looked up: {label})", ref=ref, name=name, label=label))
            else:
                click.echo(f"  {ref}  {name}")


@browser_group.command("list")
@store_options
@format_option("table", "json", "csv")
def list_cmd(fmt):
    """The browser profiles on file: vendor, id and account.

    \b
    Examples:
      linkcheck browser list
      linkcheck browser list --format json
    """
    from ..usecases import browser as job

    with open_store() as st:
        rows = job.profiles_on_file(st)
    if fmt == "table" and not rows:
        click.echo(_("No browser profiles on file. `linkcheck browser import VENDOR` reads them."))
        return
    click.echo(render_rows(rows, fmt, ["vendor", "id", "account", "values"]))


@browser_group.command("audit")
@store_options
@rules_option
@format_option("table", "json")
@click.pass_context
def audit_cmd(ctx, rules_file, fmt):
    """What browser profiles of different accounts share, and where real hardware shows through.

    Two accounts behind one exit IP, proxy or proxy account; one platform
    login, 2FA secret or session cookie in two profiles; one combined
    fingerprint; profiles whose canvas/WebGL/audio noise is off or whose
    WebGL, MAC or device name is the computer's own. A value one of them
    no longer uses (retired by a re-import) is shown as past, "(until
    DATE)", at its level unless the rules' `[history] past` lowers it, as
    in `audit`. Exit 1 when a finding is high or critical.

    \b
    Examples:
      linkcheck browser audit
      linkcheck browser audit --format json
    """
    from ..linkage.rules import load_rules
    from ..usecases import browser as job

    rules = load_rules(rules_file)
    with open_store() as st:
        findings = job.audit_profiles(st, past=rules.past)
    if fmt == "json":
        click.echo(render_json({"findings": findings}))
    elif not findings:
        click.echo(_("No browser profiles of different accounts share anything, and no real hardware shows through."))
    else:
        for f in findings:
            click.echo(_("{level}: {accounts}: {reason}", level=translate(f["level"]).upper(),
                         accounts=join_list(f["accounts"]), reason=f["reason"]))
    ctx.exit(1 if any(f["level"] in ("high", "critical") for f in findings) else 0)


def register(group: click.Group) -> None:
    group.add_command(browser_group)
