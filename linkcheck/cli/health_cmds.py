"""Account health: health [show] NAME, health set, health import."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from ..i18n import N_, Words, _, join_clauses, join_list, language, translate
from .. import health as hl
from ..errors import InvalidInput
from ..store.api import closest_account
from ..linkage.rules import load_rules
from .options import echo_err, open_store, rules_option, store_options
from .output import format_option, render_json, render_rows

TABLE_COLUMNS = ["metric", "latest", "date", "target", "status", "trend"]
# A status and a trend are shown in the interface language (translate): their words.
_WORDS = (N_("ok"), N_("warning"), N_("breach"), N_("improving"), N_("worsening"), N_("steady"))
CSV_COLUMNS = ["account", "marketplace", "metric", "value", "percent", "date", "target", "warning_at", "status",
               "trend", "history"]
FAIL_ON = (hl.WARNING, hl.BREACH)


class HealthGroup(click.Group):
    """`health NAME` is `health show NAME`: anything that is not a subcommand goes to `show`.

    (An account literally named `set`, `import` or `show` is reached with `health show NAME`.)
    """

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group(cls=HealthGroup)
def health():
    """Account health: the four metrics marketplaces suspend on, over time.

    Records each account's order defect rate, pre-fulfilment cancellation
    rate, late shipment rate and valid tracking rate by date (sealed in the
    store), and shows the latest value of each against its target with a
    status: ok, warning (within a fifth of the target) or breach. `health`
    exits 1 when an account is in breach, for scripts and cron.
    `health [NAME]` is short for `health show [NAME]` (its options:
    `linkcheck health show --help`); an account named set, import or show
    is reached with `health show NAME`.

    \b
    Targets (Amazon's, used for every marketplace until a rules file says otherwise):
      order defect rate                 below 1%    (warning from 0.8%)
      pre-fulfilment cancellation rate  below 2.5%  (warning from 2%)
      late shipment rate                below 4%    (warning from 3.2%)
      valid tracking rate               above 95%   (warning from 96%)

    \b
    Examples:
      linkcheck health                                   every account with figures
      linkcheck health acme-us --format json
      linkcheck health set acme-us --date 2026-11-01 --odr 0.4% --late-shipment 1.1%
      linkcheck health import seller-central.csv
      linkcheck health show set                          an account named "set"
    """


@health.command("show")
@store_options
@click.argument("name", required=False)
@click.option(
    "--fail-on", type=click.Choice(FAIL_ON), default=hl.BREACH, show_default=True,
    help="Exit 1 when an account is at or beyond this status.",
)
@rules_option
@format_option()
def show(name, fail_on, rules_file, fmt):
    """The latest figures of every account (or NAME) against their targets.

    For each metric: the latest value and its date, the target, the status
    (ok, warning, breach) and the trend over the recorded dates. Accounts
    appear once they have figures. Exits 1 when an account is in breach (or,
    with --fail-on warning, in warning).

    \b
    Examples:
      linkcheck health
      linkcheck health show acme-us
      linkcheck health --format csv > health.csv
      linkcheck health --fail-on warning --rules my-rules.toml   # for cron
    """
    targets = hl.targets_of(load_rules(rules_file))
    with open_store() as st:
        if name is not None:
            st.profile(name)  # an unknown name fails here with exit 2
        healths = hl.load(st, targets, account=name)
        total = st.count_accounts()
    if fmt == "json":
        click.echo(render_json({"accounts": [hl.health_to_json(h) for h in healths], "summary": hl.summary(healths)}))
    elif fmt == "csv":
        click.echo(render_rows(_csv_rows(healths), "csv", CSV_COLUMNS))
    else:
        click.echo(_table(healths, name=name, total=total))
    worst = max((hl.STATUS_ORDER[h.status] for h in healths), default=-1)
    if worst >= hl.STATUS_ORDER[fail_on]:
        sys.exit(1)


def _csv_rows(healths) -> list[dict]:
    rows = []
    for h in healths:
        for m in h.metrics:
            rows.append({
                "account": h.account,
                "marketplace": h.marketplace,
                "metric": m.metric.key,
                "value": hl.format_percent(m.latest.value, plain=True),
                "percent": hl.format_percent(m.latest.value),
                "date": m.latest.day.isoformat(),
                "target": m.target.text(),
                "warning_at": hl.format_percent(m.target.warning),
                "status": m.status,
                "trend": m.trend or "",
                "history": [f"{r.day.isoformat()} {hl.format_percent(r.value)}" for r in m.history],
            })
    return rows


def _table(healths, *, name: str | None, total: int) -> str:
    if not healths:
        who = name or "NAME"
        if name is not None:
            return _("No health figures recorded for {name}. "
                     "`linkcheck health set {name} --date YYYY-MM-DD --odr 0.4%` records them.", name=name)
        return _("No health figures recorded yet. `linkcheck health set {who} --date YYYY-MM-DD --odr 0.4% ...` "
                 "or `linkcheck health import FILE` records them.", who=who)
    out = []
    for h in healths:
        days = h.days
        span = days[0].isoformat() if len(days) == 1 else _("{n} dates, {first} to {last}", n=len(days),
                                                            first=days[0].isoformat(), last=days[-1].isoformat())
        where = f" ({h.marketplace})" if h.marketplace else ""
        note = _(", account {status}", status=translate(h.account_status)) if h.account_status in hl.DOWN_STATUSES else ""
        out.append(f"{translate(h.status).upper():8} {h.account}{where}: {span}{note}")
        rows = [
            {
                "metric": hl.metric_label(m.metric),
                "latest": hl.format_percent(m.latest.value),
                "date": m.latest.day.isoformat(),
                "target": m.target.text(language()),
                "status": m.status,
                # One reading has no trend yet: not the reading again beside "latest".
                "trend": hl.trend_text(m) if len(m.history) > 1 else _("first reading"),
            }
            for m in h.metrics
        ]
        out.extend("    " + line for line in render_rows(rows, "table", TABLE_COLUMNS).splitlines())
        out.append("")
    counts = hl.summary(healths)
    line = _("{breach} in breach, {warning} warning, {ok} ok", breach=counts[hl.BREACH], warning=counts[hl.WARNING],
             ok=counts[hl.OK])
    if name is None and total > len(healths):
        line = _("{counts}; {n} of {total} accounts have no figures recorded", counts=line, n=total - len(healths),
                 total=total)
    out.append(line)
    return "\n".join(out)


def _link_text(link) -> str:
    return f"{link.a} –{'/'.join(link.kinds)}→ {link.b}"  # as `audit` writes a chain


def _account_metrics(h, metrics: str) -> str:
    """`  acme-us (amazon.com): order defect rate 1.2% (...)`: an account and its metrics."""
    if h.marketplace:
        return _("  {account} ({marketplace}): {metrics}", account=h.account, marketplace=h.marketplace, metrics=metrics)
    return _("  {account}: {metrics}", account=h.account, metrics=metrics)


def render_audit_health(standing: hl.AuditHealth) -> str:
    """The audit's account-health sections (table format)."""
    out = []
    if standing.in_breach:
        out.append(_("Accounts at risk of suspension: account health in breach"))
        for h in standing.in_breach:
            metrics = join_clauses(hl.metric_clause(m) for m in h.metrics if m.status == hl.BREACH)
            out.append(_account_metrics(h, metrics))
        out.append("")
    if standing.exposed:
        out.append(_("Accounts exposed to a health breach through their links"))
        for e in standing.exposed:
            out.append(_("  {account}  because of {because_of}: {chain}", account=e.account, because_of=e.because_of,
                         chain=join_clauses(_link_text(link) for link in e.chain)))
        out.append("")
    if standing.warning:
        out.append(_("Accounts close to a health target (warning)"))
        for h in standing.warning:
            metrics = join_clauses(hl.metric_clause(m) for m in h.metrics if m.status == hl.WARNING)
            out.append(_account_metrics(h, metrics))
        out.append("")
    if not (standing.in_breach or standing.warning):
        if standing.account is not None:
            out.append(_("Account health: no breach or warning concerns {account}.", account=standing.account))
        else:
            out.append(_("Account health: every one of the {n} account(s) with figures meets its targets.",
                         n=standing.recorded))
    return "\n".join(out).rstrip()


_EXAMPLE = {"odr": ("0.4%", "0.004"), "cancel_rate": ("0.8%", "0.008"), "late_shipment": ("1.1%", "0.011"),
            "valid_tracking": ("98.6%", "0.986")}


def _metric_option(metric: hl.Metric):
    percent, fraction = _EXAMPLE[metric.key]
    target = hl.DEFAULT_TARGET_SET[metric.key]
    return click.option(
        metric.option, metric.key, default=None, metavar="RATE",
        help=N_("{capitalize} ({_EXAMPLE}; target {text}).",
                capitalize=Words(metric.label.capitalize(), zh=metric.label_zh),
                _EXAMPLE=N_("{percent} or {fraction}", percent=percent, fraction=fraction),
                text=Words(target.text(), zh=target.text("zh"))),
    )


def _with_metric_options(func):
    for metric in reversed(hl.METRICS):
        func = _metric_option(metric)(func)
    return func


@health.command("set")
@store_options
@click.argument("name")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD",
              help="The day the figures were read (default: today, UTC).")
@_with_metric_options
def set_cmd(name, day, **rates):
    """Record NAME's figures for one day.

    A rate is written as a percentage (0.4%, 0.4 %, 0,4%) or as a fraction
    of one (0.004); a number without % is a fraction, so 0.4 means 40%.
    Give any of the four metrics; setting a day again replaces the metrics
    given and keeps the others (the latest record wins). Values are sealed
    in the store like everything else.

    \b
    Examples:
      linkcheck health set acme-us --date 2026-11-01 --odr 0.4% --cancel-rate 0.8% \\
          --late-shipment 1.1% --valid-tracking 98.6%
      linkcheck health set acme-us --odr 0.004          # today's figure, as a fraction
    """
    given = {k: v for k, v in rates.items() if v is not None}
    if not given:
        raise click.UsageError(
            _("nothing to record: give at least one of {items}", items=join_list(m.option for m in hl.METRICS))
        )
    try:
        when = hl.parse_date(day) if day is not None else hl.today()
    except ValueError as exc:
        raise InvalidInput(_("--date: {exc}", exc=exc)) from None
    values, problems = {}, []
    for key, raw in given.items():
        metric = hl.METRIC_BY_KEY[key]
        try:
            values[key] = hl.parse_rate(raw)
        except ValueError as exc:
            problems.append(_("{option}: {problem}", option=metric.option, problem=exc))
    if problems:
        raise InvalidInput(_("{problems}; nothing was recorded", problems=join_clauses(problems)))
    record = hl.HealthRecord(name, when, values, "manual")
    with open_store(write=True) as st:
        st.profile(name)  # an unknown name fails here with exit 2
        earlier = hl.figures_by_account(st.events(account=name, action=hl.ACTION)).get(name, {}).get(when, {})
        st.add_event(record.to_event())
    shown = join_list(f"{hl.metric_label(hl.METRIC_BY_KEY[k])} {hl.format_percent(v)}" for k, v in values.items())
    click.echo(_("Recorded {name} on {isoformat}: {shown}.", name=name, isoformat=when.isoformat(), shown=shown))
    replaced = [hl.metric_label(hl.METRIC_BY_KEY[k]) for k in values if k in earlier and earlier[k] != values[k]]
    if replaced:
        click.echo(_("This replaces the {items} recorded earlier for that day.", items=join_list(replaced)))
    for key, raw in given.items():
        metric = hl.METRIC_BY_KEY[key]
        if hl.bare_fraction_suspect(metric, raw, values[key]):
            echo_err(
                _("note: {option} {strip} was read as the fraction {strip}, that is {format_percent}; if you meant {strip}%, set it again with the % sign", option=metric.option, strip=raw.strip(), format_percent=hl.format_percent(values[key]))
            )


@health.command("import")
@store_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input-format", type=click.Choice(["json", "csv"]), default=None,
              help="FILE format (default: by extension).")
def import_cmd(file, input_format):
    """Record figures from a CSV or JSON file: one row per account and day.

    \b
    Columns (CSV header or JSON keys): account, date, and any of
      odr, cancel_rate, late_shipment, valid_tracking
    (also order_defect_rate, cancellation_rate, late_shipment_rate,
    valid_tracking_rate, and Amazon's Chinese names 订单缺陷率, 配送前取消率,
    迟发率, 有效追踪率; 账户/日期 for account/date). Rates as 0.4% or 0.004;
    an empty cell records nothing for that metric. Every row is checked
    first: if any row is wrong, nothing is recorded and every problem is
    listed (exit 3). A day recorded before is updated: the latest record wins.

    \b
    Examples:
      linkcheck health import health.csv
      linkcheck health import health.json

    \b
    health.csv:
      account,date,odr,cancel_rate,late_shipment,valid_tracking
      acme-us,2026-10-01,0.9%,1.2%,2.1%,97.5%
      acme-us,2026-11-01,0.4%,0.8%,1.1%,98.6%
    """
    rows = hl.read_import(file, input_format)
    with open_store(write=True) as st:
        records = hl.validate_import(rows, st.has_account, partial(closest_account, st))
        for record in records:
            st.add_event(record.to_event())
    accounts = sorted({r.account for r in records})
    days = sorted({r.day for r in records})
    span = days[0].isoformat() if len(days) == 1 else _("{first} to {last}", first=days[0].isoformat(),
                                                        last=days[-1].isoformat())
    click.echo(
        _("Recorded {n} reading(s) for {n2} account(s) on {days} date(s) ({span}). `linkcheck health` shows them.",
          n=len(records), n2=len(accounts), days=len(days), span=span)
    )
    for origin, metric, shown, rate in hl.suspect_fractions(rows):
        echo_err(
            _("note: {origin}: {column} {shown} was read as the fraction {shown}, that is {percent}; if you meant "
              "{shown}%, write it with the % sign and import the file again (the latest record wins)",
              origin=origin, column=metric.key, shown=shown, percent=hl.format_percent(rate))
        )


def register(group: click.Group) -> None:
    group.add_command(health)
