"""Commands for accounts and their values: account, attr, import, export."""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import click

from ..i18n import N_, _, join_list, translate
from .. import accounts as book, bankzeros
from ..registry import kinds
from ..errors import ImportErrors, InvalidInput, InvalidValue, UsageError
from ..importers import read_records, reader_names
from ..models import IDENTITY_FIELDS, Account, Attribute, Event, Profile, is_current, iso, now, periods_of
from . import options
from .options import STATUS, echo_err, open_store, setting_value, store_key, store_options
from .output import (
    SealedRows, format_option, is_stdout, output_option, private_output, render_json, render_rows, write_export,
)


REGION_HELP = (
    N_("Country (e.g. US, GB, CN) for phone numbers written without a country code "
    "(default: the account's marketplace, else the `region` setting).")
)


def _account_row(p: Profile) -> dict:
    a = p.account
    return {
        "name": a.name,
        "marketplace": a.marketplace,
        "status": a.status,
        "values": len(p.attributes),
        "note": a.note or "",
        "created": iso(a.created),
        "updated": iso(a.updated),
        **{f: getattr(a, f) for f in IDENTITY_FIELDS if getattr(a, f)},
    }


def identity_options(func):
    """--display-name, --merchant-token, --legal-name-en, --legal-name-local (issue 14)."""
    helps = {
        "display_name": N_("The store's display name, as buyers and Amazon see it ('' clears it)."),
        "merchant_token": N_("The merchant token from Seller Central (Settings, Account Info)."),
        "legal_name_en": N_("The company's legal name in English."),
        "legal_name_local": N_("The company's legal name in its local script, e.g. 深圳市星河贸易有限公司."),
    }
    for field in reversed(IDENTITY_FIELDS):
        func = click.option("--" + field.replace("_", "-"), field, default=None, help=helps[field])(func)
    return func


def attribute_row(a: Attribute, shown: str) -> dict:
    return {
        "kind": a.kind,
        "value": shown,
        "source": a.source,
        "first_seen": iso(a.first_seen),
        "last_seen": iso(a.last_seen),
        "note": a.note or "",
        "flags": list(a.flags),
    }


@click.group()
def account():
    """Add, list, show, change and remove accounts.

    \b
    Examples:
      linkcheck account add acme-us --marketplace amazon.com
      linkcheck account list --format json
      linkcheck account show acme-us --reveal
      linkcheck account set acme-de --status suspended
      linkcheck account remove old-test --yes
    """


@account.command("add")
@store_options
@click.argument("name")
@click.option("--marketplace", "-m", default="", help="Marketplace, e.g. amazon.com or amazon.co.uk.")
@click.option("--status", type=STATUS, default="active", show_default=True)
@click.option("--note", default=None, help="Free-text note (sealed in the store).")
@identity_options
def account_add(name, marketplace, status, note, **identity):
    """Add an account.

    The identity options say how the marketplace knows the account; an
    appeal (`linkcheck appeal`) names it by them, never by NAME.

    \b
    Examples:
      linkcheck account add acme-us --marketplace amazon.com
      linkcheck account add brightway-uk -m amazon.co.uk --status planned --note "launch in Q1"
      linkcheck account add kestrel-us -m amazon.com --display-name "Kestrel Outdoors" \\
          --merchant-token A1B2C3D4E5F6G7 --legal-name-en "Shenzhen Xinghe Trading Co., Ltd." \\
          --legal-name-local 深圳市星河贸易有限公司
    """
    name = book.check_name(name)
    note = book.check_text("note", note)
    marketplace = book.check_text("marketplace", marketplace, 200, one_line=True) or ""
    identity = book.identity_changes(identity)
    with open_store(write=True) as st:
        if st.has_account(name):
            raise UsageError(_("an account named {name!r} already exists; use `linkcheck account set`", name=name))
        when = now()
        st.put_profile(Profile(Account(name, marketplace, status, note, when, when, **identity),
                               tuple(book.legal_name_attributes(identity, when=when))))
    click.echo(_("Added account {name}", name=name))
    _warn_marketplace(marketplace)


# On a terminal the table shows one page of accounts unless --limit says otherwise; piped, or
# as JSON or CSV, every matching account is printed.
TERMINAL_PAGE = 50
# A page within the first this-many accounts, unfiltered, is read row by row up to its end (the
# whole profile of each, but no further); any other listing decodes every account's first line.
READ_FIRST_MAX = 2000


@account.command("list")
@store_options
@format_option()
@click.option("--filter", "text", default=None, metavar="TEXT",
              help="Only accounts whose name, marketplace or status contains TEXT (any case).")
@click.option("--status", "statuses", type=STATUS, multiple=True,
              help="Only accounts with this status (repeat for several).")
@click.option("--marketplace", default=None, help="Only accounts on this marketplace (any case).")
@click.option("--limit", type=click.IntRange(min=0), default=None,
              help=N_("Show at most N accounts; 0 for all. Default: {TERMINAL_PAGE} in a table on a terminal, else all.", TERMINAL_PAGE=TERMINAL_PAGE))
@click.option("--offset", type=click.IntRange(min=0), default=None, help="Skip the first N matching accounts.")
@click.option("--page", type=click.IntRange(min=1), default=None, help=N_("Show page N (pages of --limit accounts, {TERMINAL_PAGE} without it).", TERMINAL_PAGE=TERMINAL_PAGE))
@click.option("--count-values", is_flag=True,
              help="Add each shown account's number of values (opens every shown profile: slower).")
def account_list(fmt, text, statuses, marketplace, limit, offset, page, count_values):
    """List the accounts on file, in the order they were added.

    Reads only each account's name, marketplace, status, note and dates,
    not its values. In a table on a terminal it shows the first
    50 matching accounts and says how many there are; --limit, --page and
    --offset page through them (--limit 0 shows all). Piped, or as JSON or
    CSV, it prints every matching account unless --limit is given.

    \b
    Examples:
      linkcheck account list
      linkcheck account list --format json
      linkcheck account list --status suspended --marketplace amazon.de
      linkcheck account list --filter acme --limit 20 --page 2
      linkcheck account list --count-values --format csv
    """
    if offset is not None and page is not None:
        raise UsageError(_("--offset and --page cannot be used together"))
    if limit is None:
        limit = TERMINAL_PAGE if page is not None or (fmt == "table" and sys.stdout.isatty()) else 0
    if page is not None and not limit:
        raise UsageError(_("--page needs a page size: --limit 1 or more"))
    start = offset if offset is not None else (page - 1) * limit if page is not None else 0
    with open_store(bodies_only=True) as st:
        if limit and not (text or statuses or marketplace) and start + limit <= READ_FIRST_MAX:
            # A first page: read the accounts in order and stop once it is full.
            shown = [p.account for p in itertools.islice(st.iter_profiles(), start, start + limit)]
            matched = total = st.count_accounts()
        else:
            every = st.accounts()
            listed = _matching(every, text, statuses, marketplace)
            shown = listed[start: start + limit] if limit else listed[start:]
            matched = len(listed)
            total = len(every)
        counts = {a.name: len(st.profile(a.name).attributes) for a in shown} if count_values else {}
    columns = ["name", "marketplace", "status", *(["values"] if count_values else []), "note", "created", "updated"]
    rows = [_listed_row(a, counts.get(a.name)) for a in shown]
    if fmt == "table" and not matched and not (text or statuses or marketplace):
        click.echo(_("No accounts yet. Add one with `linkcheck account add NAME` or `linkcheck import FILE`."))
        return
    if fmt == "table" and not matched:
        asked = [*([f"--filter {text!r}"] if text else []), *(f"--status {s}" for s in statuses),
                 *([f"--marketplace {marketplace!r}"] if marketplace else [])]
        click.echo(_("No account matches {asked} (of {total:,} on file).", asked=" ".join(asked), total=total))
        return
    if fmt == "table" and not shown and matched:
        # A page or an offset past the last account: say where the accounts end, not "(none)".
        if page is not None:
            click.echo(_("Page {page:,} is past the end: {matched:,} account(s), {pages:,} page(s) of {limit:,}.",
                         page=page, matched=matched, pages=-(-matched // limit), limit=limit))
        else:
            click.echo(_("--offset {start:,} is past the end: {matched:,} account(s).", start=start, matched=matched))
        return
    click.echo(render_rows(rows, fmt, columns))
    if fmt == "table" and len(shown) < matched:
        first = start + 1 if shown else start
        click.echo(_("Showing {first:,}-{n:,} of {matched:,} account(s); --limit, --page or --offset show others (--limit 0: all).", first=first, n=start + len(shown), matched=matched))


def _matching(accounts: list[Account], text, statuses, marketplace) -> list[Account]:
    if text:
        needle = text.casefold()
        accounts = [a for a in accounts
                    if needle in a.name.casefold() or needle in a.marketplace.casefold() or needle in a.status]
    if statuses:
        accounts = [a for a in accounts if a.status in statuses]
    if marketplace is not None:
        wanted = marketplace.casefold()
        accounts = [a for a in accounts if a.marketplace.casefold() == wanted]
    return accounts


def _listed_row(a: Account, values: int | None) -> dict:
    row = {"name": a.name, "marketplace": a.marketplace, "status": a.status}
    if values is not None:
        row["values"] = values
    row.update(note=a.note or "", created=iso(a.created), updated=iso(a.updated))
    return row


@account.command("show")
@store_options
@click.argument("name")
@click.option("--reveal", is_flag=True, help="Show full values instead of masked ones.")
@format_option()
def account_show(name, reveal, fmt):
    """Show one account and its values (masked unless --reveal).

    \b
    Examples:
      linkcheck account show acme-us
      linkcheck account show acme-us --reveal --format json
    """
    with open_store() as st:
        p = st.profile(name)
    rows = [attribute_row(a, a.value if reveal else kinds.mask(a.kind, a.normalized, a.value)) for a in p.attributes]
    if fmt == "json":
        data = _account_row(p)
        data["attributes"] = [
            {**row, "state": "current" if is_current(a) else "past", "periods": _period_rows(a)}
            for row, a in zip(rows, p.attributes, strict=True)
        ]
        click.echo(render_json(data))
        return
    if fmt == "csv":
        click.echo(render_rows(rows, "csv", ["kind", "value", "source", "first_seen", "last_seen", "note", "flags"]))
        return
    for row, attribute in zip(rows, p.attributes, strict=True):
        if not reveal:  # a brand or a carrier as entered (KORVELL, FBA); JSON and CSV keep the mask
            row["value"] = kinds.shown(attribute.kind, attribute.normalized, attribute.value)
        if not is_current(attribute):  # as the audit's table: a value no longer in use says since when
            row["value"] = _("{value} (until {date})", value=row["value"], date=iso(attribute.periods[-1][1])[:10])
    a = p.account
    click.echo(_account_heading(a))
    for field in IDENTITY_FIELDS:
        if getattr(a, field):
            click.echo(_("{label}: {value}", label=translate(book.IDENTITY_LABELS[field]), value=getattr(a, field)))
    if a.note:
        click.echo(_("note: {note}", note=a.note))
    click.echo("")
    for row in rows:  # read by a person: where a value came from and its flags in words
        row["source"] = source_text(row["source"])
        row["flags"] = [flag_text(f) for f in row["flags"]]
    click.echo(render_rows(rows, "table", ["kind", "value", "source", "first_seen", "last_seen", "note", "flags"]))


# Where a value came from and what its flags say, as the account's table shows them (JSON and
# CSV keep these words as they are).
_SOURCES = {"manual": N_("manual"), "import": N_("import"), "capture": N_("capture"), "check": N_("check"),
            "fixture": N_("fixture")}
_FLAGS = {"documentation": N_("documentation"), "private": N_("private"), "cgnat": N_("cgnat"),
          "loopback": N_("loopback"), "link_local": N_("link_local"), "reserved": N_("reserved"),
          "multicast": N_("multicast"), "unspecified": N_("unspecified"), "placeholder": N_("placeholder"),
          "bad-checksum": N_("bad-checksum"), "bad-length": N_("bad-length"), "default": N_("default"), "free_mail": N_("free_mail"),
          "nat64": N_("nat64"),
          "locally_administered": N_("locally_administered"),
          # What a payment account turned out to be; a number written as a Chinese mobile is.
          "email": N_("email address"), "phone": N_("phone number"), "iban": N_("IBAN"),
          "cn_mobile_shape": N_("Chinese mobile number")}
_FLAG_FACETS = {"region": N_("region:{value}"), "country": N_("country:{value}"), "tz": N_("tz:{value}"),
                "lang": N_("lang:{value}"), "vm_vendor": N_("vm_vendor:{value}")}


def source_text(source: str) -> str:
    return translate(_SOURCES[source]) if source in _SOURCES else source


def flag_text(flag: str) -> str:
    if flag in _FLAGS:
        return translate(_FLAGS[flag])
    facet, sep, value = flag.partition(":")
    if sep and facet in _FLAG_FACETS:
        return translate(_FLAG_FACETS[facet]).format(value=value)
    return flag


def _period_rows(a: Attribute) -> list[dict]:
    return [{"since": iso(since), "until": iso(until) if until is not None else None, "note": pnote}
            for since, until, pnote in periods_of(a)]


@account.command("history")
@store_options
@click.argument("name")
@click.option("--reveal", is_flag=True, help="Show full values instead of masked ones.")
@format_option()
def account_history(name, reveal, fmt):
    """Show account NAME's timeline: each value's periods of use, retirements, status changes and checks.

    \b
    Examples:
      linkcheck account history acme-us
      linkcheck account history acme-us --format json
      linkcheck account history acme-us --format csv > acme-us-history.csv
    """
    with open_store() as st:
        p = st.profile(name)
        # The log is by name: an account removed and added again under it begins afresh.
        events = [e for e in st.events(account=name) if e.when >= p.account.created]
    values = []
    timeline = []
    for a in p.attributes:
        shown = a.value if reveal else kinds.mask(a.kind, a.normalized, a.value)
        if fmt == "table" and not reveal:  # as `account show`'s table: a brand as entered
            shown = kinds.shown(a.kind, a.normalized, a.value)
        values.append({"kind": a.kind, "value": shown, "state": "current" if is_current(a) else "past",
                       "periods": _period_rows(a), "first_seen": iso(a.first_seen), "last_seen": iso(a.last_seen),
                       "source": a.source, "note": a.note or ""})
        for since, until, pnote in periods_of(a):
            timeline.append((since, "in use", a.kind, shown, ("source", a.source)))
            if until is not None:
                timeline.append((until, "retired", a.kind, shown, pnote or ""))
        if a.last_seen and a.last_seen != a.first_seen:
            timeline.append((a.last_seen, "last seen", a.kind, shown, ""))
    status_changes, checks = [], []
    for e in events:
        if e.action == "status":
            status_changes.append({"when": iso(e.when), "from": e.detail.get("from"), "to": e.verdict})
            timeline.append((e.when, "status", "", "", (e.detail.get("from"), e.verdict)))
        elif e.action in ("check", "run"):
            checks.append({"when": iso(e.when), "action": e.action, "verdict": e.verdict})
            timeline.append((e.when, e.action, "", "", e.verdict))
    if fmt == "json":
        click.echo(render_json({"account": p.name, "status": p.account.status, "values": values,
                                "status_changes": status_changes, "checks": checks}))
        return
    timeline.sort(key=lambda row: row[0])
    table = fmt == "table"
    rows = [{"date": iso(when), "event": what, "kind": kind, "value": shown, "detail": _history_detail(detail, table)}
            for when, what, kind, shown, detail in timeline]
    if fmt == "csv":
        click.echo(render_rows(rows, "csv", ["date", "event", "kind", "value", "detail"]))
        return
    click.echo(_account_heading(p.account))
    click.echo("")
    for row in rows:  # the table is read by a person: its events in the interface's language
        row["event"] = translate(_HISTORY_EVENTS.get(row["event"], row["event"]))
    click.echo(render_rows(rows, "table", ["date", "event", "kind", "value", "detail"]))


def _history_detail(detail, table: bool) -> str:
    """A timeline row's detail: a status change "active -> suspended" (in the table: "正常 → 已停用"
    in Chinese), a value's source (in words in the table), a check's verdict, a period's note."""
    if isinstance(detail, tuple) and detail[0] == "source":
        return source_text(detail[1]) if table else detail[1]
    if isinstance(detail, tuple):
        before, after = detail
        if not table:
            return f"{before} -> {after}"
        return _("{before} -> {after}", before=translate(str(before)), after=translate(str(after)))
    return detail


# The history's events as a person reads them (JSON and CSV keep the words as they are).
_HISTORY_EVENTS = {"in use": N_("in use"), "retired": N_("retired"), "last seen": N_("last seen"),
                   "status": N_("status"), "check": N_("check"), "run": N_("run")}


def _account_heading(a) -> str:
    """`acme-us  (amazon.com, active)`, in the interface's language."""
    return _("{name}  ({marketplace}, {status})", name=a.name, marketplace=a.marketplace or _("no marketplace"),
             status=translate(a.status))


@account.command("set")
@store_options
@click.argument("name")
@click.option("--marketplace", "-m", default=None, help="New marketplace.")
@click.option("--status", type=STATUS, default=None, help="New status.")
@click.option("--note", default=None, help="New note ('' clears it).")
@click.option("--rename", default=None, help="New name for the account.")
@identity_options
def account_set(name, marketplace, status, note, rename, **identity):
    """Change an account's marketplace, status, note, identity or name.

    \b
    Examples:
      linkcheck account set acme-us --status suspended
      linkcheck account set acme-us --note "appeal sent 2026-11-20"
      linkcheck account set kestrel-us --display-name "Kestrel Outdoors" --merchant-token A1B2C3D4E5F6G7
    """
    if marketplace is None and status is None and note is None and rename is None and all(
            v is None for v in identity.values()):
        raise UsageError(_("nothing to change: give --marketplace, --status, --note, --rename or an identity option (--display-name, --merchant-token, --legal-name-en, --legal-name-local)"))
    identity = book.identity_changes(identity)
    with open_store(write=True) as st:
        p = st.profile(name)
        acc = p.account
        changes = {"updated": now()}
        if marketplace is not None:
            changes["marketplace"] = book.check_text("marketplace", marketplace, 200, one_line=True) or ""
        if status is not None:
            changes["status"] = status
            if status != acc.status:  # kept in the log: `account history` shows it
                st.add_event(Event(when=changes["updated"], account=name, action="status", verdict=status,
                                   detail={"from": acc.status}))
        if note is not None:
            changes["note"] = book.check_text("note", note)
        changes.update(identity)
        p = book.merge_attributes(p, book.legal_name_attributes(identity, when=changes["updated"], known=p.attributes))[0]
        st.put_profile(replace(p, account=replace(acc, **changes)))
        if rename is not None:
            st.rename_account(name, book.check_name(rename))
            if rename != name:
                st.add_event(Event(changes["updated"], rename, "account-rename", "RENAMED", {"renamed_from": name}))
    click.echo(_("Updated account {value}", value=rename or name))
    if marketplace is not None:
        _warn_marketplace(changes["marketplace"])


def _warn_marketplace(marketplace: str) -> None:
    line = book.marketplace_warning(marketplace)
    if line:
        echo_err(_("warning: {line}", line=line))


@account.command("remove")
@store_options
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
def account_remove(name, yes):
    """Remove an account and all its values.

    \b
    Examples:
      linkcheck account remove old-test-store
      linkcheck account remove old-test-store --yes
    """
    key = None
    if not yes:
        if not options._interactive():
            raise UsageError(_("refusing to remove without confirmation; add --yes"))
        # An unknown name is said before asking to confirm; the passphrase is asked once, and
        # no lock is held while the question waits for an answer.
        key = store_key()
        with open_store(key=key) as st:
            st.profile(name)
        click.confirm(_("Remove account {name!r} and all its values?", name=name), abort=True, err=True)
    from ..health import ACTION as HEALTH_ACTION

    with open_store(write=True, key=key) as st:
        removed = st.profile(name)
        st.remove_account(name)
        # Its health figures go with it (an account added later under the name starts clean);
        # the log of checks stays, as a record of what happened.
        st.remove_events(name, HEALTH_ACTION)
        # ... and the removal itself, with what it erased (masked; the log is sealed).
        st.add_event(Event(now(), name, "account-remove", "REMOVED", {"removed": masked_values(removed.attributes)}))
    click.echo(_("Removed account {name}", name=name))


def masked_values(attributes) -> list[str]:
    """What a destructive edit erased, as its log entry keeps it: each value's kind and its mask."""
    return [f"{a.kind} {kinds.mask(a.kind, a.normalized, a.value)}" for a in attributes]


def _region(account: Account, region: str | None) -> str | None:
    """--region, else the account's marketplace, else the `region` setting (read only when needed)."""
    return book.region_of(account, region) or setting_value("region")


def _value_error(name: str, kind: str, value: str, exc: InvalidInput) -> InvalidInput:
    """A rejected value as one line naming the account, the kind, the value (partly) and why."""
    reason = exc.reason if isinstance(exc, InvalidValue) else exc.message
    return InvalidInput(_("account {name!r}: {kind} {shown_in_error!r}: {reason}", name=name, kind=kind, shown_in_error=book.shown_in_error(kind, value), reason=reason))


def _check_kind_argument(kind: str) -> str:
    """KIND's name: a kind's own name, or a name import takes for it as a CSV header (手机号,
    邮箱, "MAC address"...). An unknown KIND on the command line is a usage error (exit 2), as in
    `explain`."""
    if kind in kinds.KIND_NAMES:
        return kind
    from ..registry.columns import column_name, column_suggestion, header_in

    found = column_name(kind)
    if found in kinds.KIND_NAMES:
        return found
    guess = column_suggestion(kind)
    if guess in kinds.KIND_NAMES:
        raise UsageError(_("unknown kind {kind!r} (did you mean {guess}?); use one of: {items}", kind=kind[:40],
                           guess=header_in(guess, kind), items=join_list(kinds.KIND_NAMES)))
    raise UsageError(_("unknown kind {kind!r}; use one of: {items}", kind=kind[:40], items=join_list(kinds.KIND_NAMES)))


@click.group()
def attr():
    """Add and remove identifying values (email, phone, ip, mac, ...) on an account.

    \b
    Examples:
      linkcheck attr add acme-us email ops@acme-trading.example
      linkcheck attr add acme-us phone "(201) 555-0123"
      linkcheck attr remove acme-us mac 3c22.fb12.3456 --yes
    """


@attr.command("add")
@store_options
@click.argument("name")
@click.argument("kind", metavar="KIND")
@click.argument("value")
@click.option("--note", default=None, help="Why this value is on the account.")
@click.option("--region", default=None, help=REGION_HELP)
@click.option("--since", default=None, metavar="DATE",
              help="When the account began using it: YYYY-MM-DD or an ISO date-time (default: now).")
def attr_add(name, kind, value, note, region, since):
    """Add a VALUE of KIND to account NAME.

    KIND is one of: company_name, registration_number, tax_id,
    legal_representative, id_number, address, email, phone, bank_account,
    card, payment_account, ip, mac, gateway_mac, wifi_bssid, hostname,
    machine_id, browser_fingerprint, brand, supplier, logistics, category,
    browser_profile, proxy, proxy_account, platform_login, totp_secret,
    cookie, device_name.

    \b
    Examples:
      linkcheck attr add acme-us email ops@acme.example
      linkcheck attr add acme-us phone "+1 (201) 555-0123"
      linkcheck attr add acme-us ip 203.0.113.7 --note "office line"
      linkcheck attr add acme-us mac 3c22.fb12.3456 --since 2025-06-01
    """
    kind = _check_kind_argument(kind)
    since_ts = book.parse_when(since) if since is not None else None
    if since_ts is not None and since_ts > now():
        raise InvalidInput(_("--since is in the future"))
    with open_store(write=True) as st:
        p = st.profile(name)
        try:
            attribute = book.make_attribute(
                kind, value, region=_region(p.account, region), note=note, source="manual"
            )
        except InvalidInput as exc:
            raise _value_error(name, kind, value, exc) from None
        attribute = book.in_company_country([attribute], p.attributes)[0]
        if since_ts is not None:
            attribute = attribute._replace(periods=((since_ts, None, None),))
        label = _("account {name!r}", name=name)
        warnings = book.region_warnings(label, [attribute], p.attributes)
        warnings += book.value_warnings(label, [attribute])
        merged, added = book.merge_attributes(p, [attribute])
        again = book.reopened(p, merged)
        st.put_profile(merged)
        if kind == bankzeros.KIND:  # a number a spreadsheet stripped of its leading zeros, or the other on file
            warnings += bankzeros.warnings(st, [bankzeros.Entered(name, label, attribute.normalized)])
    for line in warnings:
        echo_err(_("warning: {line}", line=line))
    shown = kinds.shown(kind, attribute.normalized, attribute.value)
    if added:
        click.echo(_("Added {kind} {shown} to {name}", kind=kind, shown=shown, name=name))
    elif again:
        (value, ended), = again
        click.echo(_("{name} uses this {kind} ({shown}) again: a new period of use begins {iso} (it was retired on {iso2})", name=name, kind=kind, shown=shown, iso=iso(periods_of(value)[-1][0])[:10], iso2=iso(ended)[:10]))
    else:
        before = next(a for a in p.attributes if (a.kind, a.normalized) == (attribute.kind, attribute.normalized))
        after = next(a for a in merged.attributes if (a.kind, a.normalized) == (attribute.kind, attribute.normalized))
        if periods_of(after)[-1][0] != periods_of(before)[-1][0]:
            click.echo(_("{name} already has this {kind} ({shown}); its period of use now begins {iso}", name=name, kind=kind, shown=shown, iso=iso(periods_of(after)[-1][0])[:10]))
        else:
            click.echo(_("{name} already has this {kind} ({shown}); updated when it was last seen", name=name, kind=kind, shown=shown))


@attr.command("remove")
@store_options
@click.argument("name")
@click.argument("kind", metavar="KIND")
@click.argument("value")
@click.option("--region", default=None, help=REGION_HELP)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (for scripts).")
def attr_remove(name, kind, value, region, yes):
    """Erase the VALUE of KIND from account NAME (any spelling of it), with its history.

    For a mistake (a typo, a value never used). A value the account stopped
    using is retired instead (`linkcheck attr retire`): it stays on record,
    with when it was in use, and still links accounts that shared it.

    
    Examples:
      linkcheck attr remove acme-us email OPS@acme.example --yes
    """
    kind = _check_kind_argument(kind)
    key = None
    if not yes:
        if not options._interactive():
            raise UsageError(_("refusing to remove without confirmation; add --yes (`linkcheck attr retire` keeps the value's history instead)"))
        key = store_key()
        with open_store(key=key) as st:
            p = st.profile(name)
            try:
                book.remove_attribute(p, kind, value, _region(p.account, region))
            except InvalidInput as exc:
                raise _value_error(name, kind, value, exc) from None
        click.confirm(_("Erase this {kind} of {name!r} and its history? (`linkcheck attr retire` keeps the history)", kind=kind, name=name),
                      abort=True, err=True)
    with open_store(write=True, key=key) as st:
        p = st.profile(name)
        try:
            changed = book.remove_attribute(p, kind, value, _region(p.account, region))
        except InvalidInput as exc:
            raise _value_error(name, kind, value, exc) from None
        st.put_profile(changed)
        gone = [a for a in p.attributes if a not in changed.attributes]
        st.add_event(Event(now(), name, "attr-remove", "REMOVED", {"removed": masked_values(gone)}))
    click.echo(_("Removed {kind} from {name}", kind=kind, name=name))


@attr.command("retire")
@store_options
@click.argument("name")
@click.argument("kind", metavar="KIND")
@click.argument("value")
@click.option("--on", "on", default=None, metavar="DATE",
              help="When the account stopped using it: YYYY-MM-DD or an ISO date-time (default: now).")
@click.option("--note", default=None, help="Why it was retired (sealed in the store).")
@click.option("--region", default=None, help=REGION_HELP)
def attr_retire(name, kind, value, on, note, region):
    """Mark the VALUE of KIND as no longer used by account NAME (any spelling of it).

    The value stays on record with the dates it was in use: a value two
    accounts held at any time still links them. Adding it again later
    begins a new period of use.

    
    Examples:
      linkcheck attr retire acme-us ip 203.0.113.7
      linkcheck attr retire acme-us mac 3c22.fb12.3456 --on 2026-10-14 --note "router replaced"
    """
    kind = _check_kind_argument(kind)
    when = book.parse_when(on) if on is not None else now()
    with open_store(write=True) as st:
        p = st.profile(name)
        try:
            profile, attribute = book.retire_attribute(p, kind, value, _region(p.account, region), when, note)
        except InvalidValue as exc:
            raise _value_error(name, kind, value, exc) from None
        st.put_profile(profile)
        st.add_event(Event(now(), name, "attr-retire", "RETIRED", {"retired": masked_values([attribute]),
                                                                     "until": when}))
    click.echo(_("Retired {kind} {mask} of {name} on {iso}", kind=kind, mask=kinds.shown(kind, attribute.normalized, attribute.value), name=name, iso=iso(when)[:10]))


@click.command("import")
@store_options
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(reader_names()), default=None, help="Format (default: by extension).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and report the invalid ones.")
@click.option(
    "--problems",
    "problems_file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Write every problem found (one per line) to this file (mode 600; '-' is standard output).",
)
@click.option("--force", "-f", is_flag=True, help="Overwrite an existing --problems file without asking.")
@click.option("--region", default=None, help=REGION_HELP)
@click.option("--encoding", default=None, help="CSV text encoding (default: UTF-8, else GB18030).")
@click.option("--strict", is_flag=True,
              help="Count a value whose check digit or length says it is mistyped as an invalid row (else a warning).")
def import_cmd(files, fmt, skip_invalid, problems_file, force, region, encoding, strict):
    """Import account profiles from JSON or CSV files.

    JSON: one profile or a list of them, e.g.
    {"account": "acme-us", "marketplace": "amazon.com", "status": "active",
    "attributes": {"email": ["ops@acme.example"], "ip": ["203.0.113.7"]}}.
    CSV: one row per account; columns account, marketplace, status, note and
    any kind names (in any case, or an English or Chinese alias such as
    店铺名称 or 邮箱: see the README); several values in a cell separated by ';'.
    An unknown column refuses the file; an unknown marketplace is a warning.

    Existing accounts get the new values (never duplicated, never dropped).
    All files are one transaction: if any row is invalid, every problem is
    listed and nothing is written (exit 3), unless --skip-invalid. Both
    formats are read as a stream, so a file may be of any size. Only regular
    files are read (not a pipe or a device).

    \b
    Examples:
      linkcheck import profiles/*.json
      linkcheck import stores.csv --region CN
      linkcheck import export-from-excel.csv --encoding gb18030 --skip-invalid --problems skipped.txt
    """
    show_progress = sys.stderr.isatty()

    def progress(count: int) -> None:
        if show_progress:
            click.echo(_("\r  {count:,} accounts read…", count=count), err=True, nl=False)

    def records():
        for path in files:
            yield from read_records(path, fmt, encoding=encoding)

    def write_problems(problems) -> None:
        if problems_file is not None:
            with private_output(problems_file, force=force) as fh:
                for line in problems:
                    fh.write(line + "\n")

    default_region = setting_value("region")
    committed = False
    result: book.ImportResult | None = None
    try:
        try:
            with open_store(write=True) as st:
                result = book.import_records(
                    st, records(), region=region, default_region=default_region, skip_invalid=skip_invalid,
                    progress=progress, reread=records, strict=strict,
                )
        except ImportErrors as exc:
            if show_progress:
                click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
            write_problems(exc.problems)
            raise
        committed = True
        if show_progress:
            click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
        _report_import(result, problems_file)
        write_problems(result.skipped)
        _warn_keyed_hashes(files)
    except KeyboardInterrupt:
        if not committed:
            # The import is one transaction: interrupted before its commit, nothing of it is
            # kept; interrupted while it commits, it is kept whole or not at all.
            if result is None:
                click.echo(_("linkcheck: interrupted; nothing was imported (the store is as it was)"), err=True)
            else:
                click.echo(_("linkcheck: interrupted while the import was being saved: it was applied whole or "
                             "not at all; `linkcheck account list` shows which"), err=True)
            click.get_current_context().exit(130)
        assert result is not None
        click.echo(
            _("linkcheck: interrupted, but the import was already applied: {accounts_created} new account(s), {accounts_updated} updated, {values_added} value(s) added", accounts_created=result.accounts_created, accounts_updated=result.accounts_updated, values_added=result.values_added),
            err=True,
        )
        click.get_current_context().exit(130)


def _warn_keyed_hashes(files) -> None:
    """An import file with values of the kinds kept as a store's keyed hash: say they match only
    in the store that made them, which the file does not name."""
    from ..usecases.upgrade import hashed_kinds_in

    found = sorted({kind for path in files for kind in hashed_kinds_in(path)})
    if found:
        echo_err(_("warning: the file holds values of {kinds}: a captured machine ID, a 2FA secret and a cookie are "
                   "kept as the keyed hash of the store that recorded them, and an export does not say which store "
                   "that was. If the file is another store's export, this store's `check` will never match them: "
                   "capture those computers again (`linkcheck capture`) and import the browser profiles again "
                   "(`linkcheck browser import`).", kinds=", ".join(found)))


def _report_import(result: book.ImportResult, problems_file: Path | None) -> None:
    from . import MAX_LISTED_PROBLEMS

    for line in result.warnings:
        echo_err(_("warning: {line}", line=line))
    for line in result.skipped[:MAX_LISTED_PROBLEMS]:
        echo_err(_("  skipped {line}", line=line))
    if len(result.skipped) > MAX_LISTED_PROBLEMS:
        more = len(result.skipped) - MAX_LISTED_PROBLEMS
        hint = "" if problems_file is not None else " (--problems FILE writes them all)"
        echo_err(_("  … and {more:,} more{hint}", more=more, hint=hint))
    if result.skipped:
        rows, count = result.skipped_rows, len(result.skipped)
        problems = _(" ({count:,} problems)", count=count) if count != rows else ""
        if rows == 1:
            echo_err(_("Skipped {rows:,} invalid row{problems}.", rows=rows, problems=problems))
        else:
            echo_err(_("Skipped {rows:,} invalid rows{problems}.", rows=rows, problems=problems))
    if result.rows == 0:
        click.echo(_("Nothing was imported: the input holds no account rows."))
    elif result.rows == result.skipped_rows:
        click.echo(_("Nothing was imported: all {rows:,} row(s) were invalid.", rows=result.rows))
    else:
        click.echo(
            _("Imported {accounts_created} new account(s), updated {accounts_updated}, added {values_added} value(s).", accounts_created=result.accounts_created, accounts_updated=result.accounts_updated, values_added=result.values_added)
        )


@click.command("export")
@store_options
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@output_option(required=True)
def export_cmd(fmt, output, force):
    """Export every account in the import format (a round trip is exact).

    The file is plain text holding every value in full: it is created with
    mode 600, and a warning is printed. It is written one account at a time
    (JSON), to a new file that replaces OUTPUT only when complete; an
    existing OUTPUT is replaced only after asking, or with --force.

    An export carries the accounts and their values only: not the health
    figures, appeal cases, log or explanations. Captured machine IDs, 2FA
    secrets and cookies are in it as this store's keyed hashes, which
    another store's `check` never computes. To key a store by a newer
    linkcheck's matching rules, run `linkcheck store upgrade` instead of
    exporting it into a new store.

    \b
    Examples:
      linkcheck export -o accounts.json
      linkcheck export --format csv -o accounts.csv
      linkcheck export -o - | gzip > accounts.json.gz
    """
    to_stdout = is_stdout(output)
    # CSV gets a byte-order mark so Excel (Chinese Excel in particular) opens it as UTF-8.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    with private_output(output, force=force, encoding=encoding) as out:
        # To a file (renamed into place only at the end), the accounts are checked as they are
        # read; what goes to standard output is shown as it comes, so checked first.
        with open_store(bodies_only=True, rows_as_read=not to_stdout) as st:
            if hasattr(st, "iter_account_rows"):  # the SQLite store: JSON is laid out on both cores
                profiles = SealedRows(st.iter_account_rows(), st.open_account_row, st.open_account_row_as)
            else:
                profiles = st.iter_profiles()
            count = write_export(profiles, fmt, out, kinds.KIND_NAMES)
    shown = "standard output" if to_stdout else output
    echo_err(_("warning: {shown} holds every value in plain text; keep it private and delete it when done", shown=shown))
    echo_err(_("note: an export carries the accounts and their values only, not the health figures, appeal cases, log "
               "or explanations; captured machine IDs, 2FA secrets and cookies are in it as this store's keyed hashes, "
               "which another store never matches (to key this store by newer matching rules: `linkcheck store "
               "upgrade`)"))
    if to_stdout:
        echo_err(_("Exported {count} account(s) to standard output", count=count))
    else:
        click.echo(_("Exported {count} account(s) to {output}", count=count, output=output))


def register(group: click.Group) -> None:
    for command in (account, attr, import_cmd, export_cmd):
        group.add_command(command)
