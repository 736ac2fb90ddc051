"""The standing audit over everything on file, and the check of a planned account: audit, precheck."""

from __future__ import annotations

import dataclasses
import functools

import sys
from pathlib import Path

import click

from ..i18n import N_, Words, _, join_clauses, join_list, language, translate
from ..linkage import engine
from ..linkage.results import reason_in
from ..linkage.graph import shown_chain
from ..registry import kinds
from ..importers import reader_names
from ..linkage.rules import load_rules
from .localise import _width
from . import end_when_answered
from ..lazy import LazyImport
from ..usecases import precheck as precheck_job
from .options import (
    LEVEL, STATUS, echo_err, fail_on_option, min_level_option, open_store, rules_option, setting_value, store_options,
)
from .output import echo_json, format_option, json_bytes_unsafe, render_json, render_rows

# The audit's job, at the audit's first use: `precheck`, which shares this module, needs none of it.
audit_job = LazyImport(globals(), "audit_job", "linkcheck.usecases.audit")

FINDING_COLUMNS = ["pair", "pair_level", "kind", "level", "match", "value_a", "value_b", "reason", "explanation"]


def _link_text(link) -> str:
    return f"{link.a} –{'/'.join(link.kinds)}→ {link.b}"


def _match_text(f) -> str:
    """How a finding matched, with the similarity of a fuzzy one: "fuzzy 95%"."""
    return f.match if f.score is None else f"{f.match} {f.score:.0f}%"


def _finding_rows(pairs, *, reveal: bool) -> list[dict]:
    rows = []
    for pair in pairs:
        a, b = pair.accounts
        for f in pair.findings:
            values = f.raw if reveal else f.values
            match = _match_text(f)
            rows.append(
                {
                    "pair": f"{a} / {b}",
                    "account_a": a,
                    "account_b": b,
                    "pair_level": pair.level.label,
                    "pair_score": round(pair.score, 3),
                    "kind": f.kind,
                    "facet": f.facet,
                    "level": f.level.label + (" (context)" if f.context else ""),
                    "match": match,
                    "value_a": values.get(a, ""),
                    "value_b": values.get(b, ""),
                    "reason": f.reason,
                    "explanation": f.explanation or "",
                    "weight": f.weight,
                    "state": f.state,
                    "until_a": f.until_day(a),
                    "until_b": f.until_day(b),
                }
            )
    return rows


def _shown_value(f, values, account: str) -> str:
    """The account's value, with "(bad checksum)" beside a number whose check digits fail and
    "(until YYYY-MM-DD)" once its use has ended."""
    value = values.get(account, "")
    if "bad-checksum" in f.flags.get(account, ()):
        value = _("{value} (bad checksum)", value=value)
    day = f.until_day(account)
    return _("{value} (until {day})", value=value, day=day) if day else value


# How each term of a finding's weight reads in the table (linkage.evidence.weight_terms).
_TERM_TEXT = {
    "name": N_("a name about 1 in {people} people bear"),
    "family": N_("a family name about 1 in {people} people bear"),
    "pinyin": N_("met through pinyin"),
    "brand_pinyin": N_("the same brand name read in pinyin"),
    # A near id read as a typo of one number (linkage.evidence.typo_reading), by how it reads.
    "typo:swap": N_("two neighbouring digits swapped: a typo"),
    "typo:digit": N_("a digit other than the last changed: a typo"),
    "typo:checksum": N_("one fails its check digits, the other passes"),
    "accounts": N_("{accounts} accounts hold it"),
    "floor": N_("never below 0"),
    "past": N_("no longer in use; [history] past"),
}


def _weight_text(f) -> str:
    """A finding's weight and why: "11 = 12 - 1 (4 accounts hold it)"; a bare "12" when
    nothing adjusted it."""
    terms = f.weight_terms
    if len(terms) < 2:
        return f"{f.weight:g}"
    parts = [f"{f.weight:g} = {terms[0][1]:g}"]
    for name, bits, detail in terms[1:]:
        text = _(_TERM_TEXT[f"typo:{detail}" if name == "typo" else name], people=f"{round(1 / detail):,}" if name in ("name", "family") else "",
                 accounts=detail if name == "accounts" else "")
        parts.append(_("{sign} {bits} ({text})", sign="+" if bits >= 0 else "-", bits=f"{abs(bits):g}", text=text))
    return " ".join(parts)


def _pair_weight_text(pair) -> str:
    """A pair's weight, what it sums and the threshold its level starts at:
    "21 = 12 address + 9 legal_representative; high from 10"."""
    parts = " + ".join(f"{weight:g} {facet}" for facet, _family, weight in pair.weight_parts)
    return _("{weight} = {parts}; {level} from {threshold}", weight=f"{pair.weight:g}", parts=parts or "0",
             level=translate(pair.level.label), threshold=f"{pair.threshold:g}")


PLANNED_NAME = "planned"
PLANNED_SHOWN = Words(PLANNED_NAME, zh="计划账户")


def _pairs_table(pairs, *, reveal: bool, shown: dict[str, str] | None = None, no_pair: bool = False) -> str:
    """The pairs as tables; SHOWN: how an account is named on screen (the planned account of
    `precheck` without --name: "planned", 计划账户 in Chinese). `no_pair`: the values two
    accounts share that make no pair (precheck's context), headed by the two names only."""
    lines = []
    shown = shown or {}
    for pair in pairs:
        a, b = pair.accounts
        if no_pair:
            lines.append(_("{a} — {b}", a=shown.get(a, a), b=shown.get(b, b)))
        else:
            level = translate(pair.level.label).upper()
            level += " " * max(0, 9 - _width(level))  # by display width: a Chinese level is two columns a character
            lines.append(_("{level} {a} — {b}  (score {score:.2f}, weight {weight})", level=level,
                           a=shown.get(a, a), b=shown.get(b, b), score=pair.score, weight=_pair_weight_text(pair)))
        # Why the strongest finding links them, as the marketplace reads it: a manager's first question.
        top = next((f for f in pair.findings if not f.context), None)
        if top is not None and not no_pair:
            reason = reason_in(top, language() == "zh")
            if reason:
                lines.append(_("    why: {reason}", reason=reason))
        rows = []
        for f in pair.findings:
            values = f.raw if reveal else f.values
            match = _match_text(f)
            rows.append(
                {
                    "kind": f.facet,
                    "level": f.level.label + (" (context)" if f.context else ""),
                    "weight": _weight_text(f),
                    "match": match,
                    a: _shown_value(f, values, a),
                    b: _shown_value(f, values, b),
                    "explanation": f.explanation or "",
                }
            )
        columns = ["kind", "level", "weight", "match", a, b]
        if any(r["explanation"] for r in rows):
            columns.append("explanation")
        if shown:
            rows = [{shown.get(k, k): v for k, v in row.items()} for row in rows]
            columns = [shown.get(c, c) for c in columns]
        table = render_rows(rows, "table", columns)
        lines.extend("    " + line for line in table.splitlines())
        lines.append("")
    return "\n".join(lines)


def render_audit_table(result: engine.Audit, *, reveal: bool, total_accounts: int) -> str:
    out = []
    summary = engine.audit_summary(result)
    counts = join_list(_("{n} {level}", n=n, level=translate(level)) for level, n in summary["pairs"].items() if n)
    out.append(
        _("{total} accounts: {pairs} linked pair(s){counts}, {clusters} cluster(s), {at_risk} account(s) at risk",
          total=total_accounts, pairs=len(result.pairs), counts=_(" ({counts})", counts=counts) if counts else "",
          clusters=len(result.clusters), at_risk=len(result.at_risk))
    )
    out.append("")
    # The values shared by many accounts first: a few lines, where thousands of pairs can follow.
    if result.hubs:
        out.append(_("Values shared by many accounts"))
        rows = [
            {"kind": h.facet, "level": h.level.label, "value": h.raw if reveal else h.value, "accounts": len(h.accounts),
             "explanation": h.explanation or ""}
            for h in result.hubs
        ]
        explained = ["explanation"] if any(h.explanation for h in result.hubs) else []
        out.append(render_rows(rows, "table", ["kind", "level", "value", "accounts", *explained]))
        out.append("")
    if result.pairs:
        out.append(_("Linked pairs, strongest first"))
        out.append("")
        out.append(_pairs_table(result.pairs, reveal=reveal))
    if result.clusters:
        out.append(_("Clusters of linked accounts"))
        for i, cluster in enumerate(result.clusters, 1):
            # cluster.level is the weakest link of the strongest links joining them (every account
            # reaches every other at that level or above), not the cluster's strongest link: say which.
            strongest = max((link.level for link in cluster.chain), default=cluster.level)
            if strongest > cluster.level:
                out.append(_("  {n}. {accounts}: joined by links at {level} or above (strongest link: {strongest})",
                             n=i, accounts=join_list(cluster.accounts), level=translate(cluster.level.label),
                             strongest=translate(strongest.label)))
            else:
                out.append(_("  {n}. {accounts}: joined by links at {level}", n=i, accounts=join_list(cluster.accounts),
                             level=translate(cluster.level.label)))
            for link in cluster.chain:
                out.append(f"       {_link_text(link)}")
        out.append("")
    if result.at_risk:
        out.append(_("Accounts at risk from a suspended or closed account"))
        for risk in result.at_risk:
            chain = join_clauses(_("… {n} more link(s) …", n=link) if isinstance(link, int) else _link_text(link)
                                 for link in shown_chain(risk.chain))
            out.append(_("  {account}  because of {because_of}: {chain}", account=risk.account,
                         because_of=risk.because_of, chain=chain))
        out.append("")
    if not result.pairs and not result.hubs:
        out.append(_("No linked accounts found."))
    return "\n".join(out).rstrip()


@click.command()
@store_options
@min_level_option()
@fail_on_option()
@click.option(
    "--link-level", type=LEVEL, default="high", show_default=True, help="Pairs at or above this level form clusters."
)
@click.option("--account", default=None, help="Only pairs involving this account.")
@click.option("--status", "statuses", type=STATUS, multiple=True,
              help="Only pairs with an account of this status (repeat for several), e.g. planned or 计划中.")
@click.option("--reveal", is_flag=True, help="Show full normalised values instead of masks.")
@click.option("--fail-unexplained", is_flag=True,
              help="Exit 1 only for a pair at or above --fail-on that something no `explain` covers links "
                   "(a daily check that stays quiet about links you have explained).")
@rules_option
@format_option()
def audit(min_level, fail_on, link_level, account, statuses, reveal, fail_unexplained, rules_file, fmt):
    """Find every pair of accounts that share an identifier.

    Lists the values shared by many accounts, then linked pairs (strongest
    first) with what they share, then clusters of linked accounts, then the
    accounts put at risk by a suspended or closed one. Values are masked unless --reveal. Exits 1 when a pair is at
    or above --fail-on.

    \b
    Examples:
      linkcheck audit
      linkcheck audit --min-level high --format json > audit.json
      linkcheck audit --account acme-us --reveal
      linkcheck audit --fail-on critical --rules my-rules.toml
      linkcheck audit --fail-unexplained --format json > today.json
    """
    from .. import health  # here, not at the top: `precheck` shares this module and its start-up budget

    rules = load_rules(rules_file)
    # --status: every account's status is read (the report's list of accounts) to filter by; the
    # pairs' JSON is then made after the filter, not while waiting (it would hold pairs left out).
    options = audit_job.AuditOptions(rules, min_level, link_level, account, every_account=bool(statuses),
                                     json_reveal=reveal if fmt == "json" and not statuses else None,
                                     json_unsafe=json_bytes_unsafe)
    found = audit_job.audit_store(functools.partial(open_store, defer_macs=True), options, progress=echo_err if sys.stderr.isatty() else None)
    result = found.audit
    if statuses:
        result = _with_status_only(result, {a.name for a in found.accounts or () if a.status in statuses})
    standing = found.health
    data = None
    if fmt == "json":
        data = engine.audit_to_json(result, reveal=reveal, made=found.pair_json)
        if standing.recorded:  # once any account has health figures; the shape is unchanged until then
            data["health"] = health.audit_health_to_json(standing)
        echo_json(data, found.pair_pieces)
    elif fmt == "csv":
        columns = ["account_a", "account_b", "pair_level", "pair_score", "kind", "facet", "level", "match",
                   "value_a", "value_b", "reason", "explanation", "weight", "state", "until_a", "until_b"]
        click.echo(render_rows(_finding_rows(result.pairs, reveal=reveal), "csv", columns))
    else:
        click.echo(render_audit_table(result, reveal=reveal, total_accounts=found.total_accounts))
        if standing.recorded:
            from .health_cmds import render_audit_health

            click.echo("\n" + render_audit_health(standing))
    from . import keep_until_exit

    keep_until_exit(found, data)  # freed by the process's end, not one by one
    worst = result.unexplained_level if fail_unexplained else result.level
    if worst is not None and worst >= fail_on:
        sys.exit(1)


def _kind_option(kind: str):
    label_zh = kinds.KINDS[kind].label_zh
    if label_zh[:1].isascii():  # 计划账户的 IP 地址: a space between Chinese and Latin letters
        label_zh = " " + label_zh
    return click.option(
        f"--{kind.replace('_', '-')}",
        kind,
        multiple=True,
        metavar="VALUE",
        help=N_("{label} of the planned account (repeatable).", label=Words(kinds.KINDS[kind].label, zh=label_zh)),
    )


def _with_kind_options(func):
    for kind in reversed(kinds.KIND_NAMES):
        func = _kind_option(kind)(func)
    return func


@click.command()
@store_options
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Name for the planned account given by options (default: planned).")
@click.option("--marketplace", "-m", default=None, help="Marketplace of the planned account (sets the phone region).")
@click.option("--region", default=None, help="Country for phone numbers written without a country code.")
@click.option("--input-format", type=click.Choice(reader_names()), default=None, help="FILE format (default: by extension).")
@_with_kind_options
@min_level_option()
@fail_on_option()
@click.option("--reveal", is_flag=True, help="Show full normalised values instead of masks.")
@rules_option
@format_option()
def precheck(file, name, marketplace, region, input_format, min_level, fail_on, reveal, rules_file, fmt, **values):
    """Check a planned account against everything on file, before registering it.

    Give the planned account as one profile in the import format (FILE), or
    value by value with one option per kind. Writes nothing. Exits 1 when
    anything is at or above --fail-on.

    \b
    Examples:
      linkcheck precheck planned-willow.json
      linkcheck precheck --email hello@willowcreek.example --phone "+1 201 555 0123"
      linkcheck precheck -m amazon.com --phone "(201) 555-0123" --company-name "Willow Creek Supplies Inc."
      linkcheck precheck planned.json --format json --fail-on critical
    """
    end_when_answered()  # writes nothing: its answer is all it leaves (the process ends once it is written)
    given = {k: v for k, v in values.items() if v}
    if file is not None and given:
        raise click.UsageError(_("give either FILE or value options (--email, --phone, ...), not both"))
    if file is None and not given:
        raise click.UsageError(_("nothing to check: give a profile FILE or at least one value option such as --email"))
    if file is not None and (name is not None or marketplace is not None):
        raise click.UsageError(_("--name and --marketplace go with value options; FILE carries its own account and marketplace"))
    rules = load_rules(rules_file)
    if file is not None:
        found = precheck_job.planned_from_file(file, input_format, region, setting_value("region"))
        if isinstance(found, precheck_job.PlannedRows):
            _precheck_batch(file, found, rules, min_level=min_level, fail_on=fail_on, fmt=fmt)
            return
        planned = found
    else:
        planned = precheck_job.planned_from_values(name or PLANNED_NAME, marketplace, region, given, setting_value("region"))
    shown_name = PLANNED_SHOWN.render(language()) if file is None and name is None else planned.name
    for line in precheck_job.planned_warnings(planned, shown=shown_name):
        echo_err(_("warning: {line}", line=line))
    result = precheck_job.precheck(functools.partial(open_store, gate=True), planned, rules, min_level=min_level,
                                   fail_on=fail_on)
    pairs, worst = result.pairs, result.level
    if fmt == "json":
        click.echo(
            render_json(
                {
                    "account": planned.name,
                    "level": worst.label if worst else None,
                    "pairs": _with_status(engine.pairs_to_json(pairs, reveal=reveal), result),
                    # Shared values that make no pair (a common name, a near number alone).
                    "context": [{"accounts": p["accounts"], "findings": p["findings"], "status": p["status"]}
                                for p in _with_status(engine.pairs_to_json(result.context, reveal=reveal), result)],
                    # The accounts it would be linked with that are suspended or closed.
                    "suspended_or_closed": result.ended_others,
                    # Its mistyped numbers one typo from a number on file (no finding).
                    "typos": _typos_json(result, reveal=reveal),
                }
            )
        )
    elif fmt == "csv":
        columns = ["account_a", "account_b", "pair_level", "pair_score", "kind", "facet", "level", "match",
                   "value_a", "value_b", "reason", "weight", "state", "until_a", "until_b"]
        # What is shared but makes no pair follows the pairs, as in JSON's "context": its rows
        # have "context" for the pair's level and no pair score.
        context_rows = [dict(row, pair_level="context", pair_score="")
                        for row in _finding_rows(result.context, reveal=reveal)]
        click.echo(render_rows(_finding_rows(pairs, reveal=reveal) + context_rows, "csv", columns))
    else:
        # The planned account given by options and no --name is "planned" in JSON and CSV; on
        # screen, in Chinese, 计划账户 (a name, not the status 计划中).
        shown = {planned.name: shown_name} if shown_name != planned.name else {}
        # An account that is not active is named with its status: 金帆TEMU（已停用）.
        shown.update((other, _with_status_text(other, result)) for other in {*result.others, *_context_others(result)}
                     if result.status(other) != "active")
        if result.verdict == precheck_job.CLEAR and result.context:
            click.echo(_("CLEAR: {name} shares no identifier that links it with the accounts on file; "
                         "it shares only values that never link by themselves, with {others} (below).",
                         name=shown_name, others=join_list(shown.get(o, o) for o in _context_others(result))))
        elif result.verdict == precheck_job.CLEAR:
            click.echo(_("CLEAR: {name} shares nothing with the accounts on file.", name=shown_name))
        if result.verdict == precheck_job.CLEAR:
            for line in _typo_lines(result, shown_name):
                click.echo(line)
        else:
            others = join_list(shown.get(o, o) for o in result.others)
            label = translate(worst.label)
            if result.verdict == precheck_job.STOP:
                click.echo(_("STOP: {name} shares identifiers with {others} (strongest: {label})",
                             name=shown_name, others=others, label=label))
            else:
                click.echo(_("CAUTION: {name} shares identifiers with {others} (strongest: {label})",
                             name=shown_name, others=others, label=label))
            if result.ended_others:
                click.echo(_("Linked with a suspended or closed account ({accounts}): the new account would be linked "
                             "to it from its first day, and is likely to be suspended with it.",
                             accounts=join_list(result.ended_others)))
            for line in _typo_lines(result, shown_name):
                click.echo(line)
            click.echo("")
            click.echo(_pairs_table(pairs, reveal=reveal, shown=shown))
        if result.context:
            click.echo("")
            click.echo(_("Shared, but never a link by itself (context, or a number one digit apart): "
                         "it adds to anything else the accounts share."))
            click.echo("")
            click.echo(_pairs_table(result.context, reveal=reveal, shown=shown, no_pair=True))
    if result.exit_code:
        sys.exit(result.exit_code)


def _with_status_only(result: engine.Audit, chosen: set[str]) -> engine.Audit:
    """The audit's pairs, clusters, hubs and accounts at risk that involve an account of `chosen`
    (`audit --status`): pairs with one, clusters and hubs holding one, such accounts at risk.
    Pairs left out for `max_pairs` are not counted then (their accounts are not known)."""
    pairs = tuple(p for p in result.pairs if chosen.intersection(p.accounts))
    return dataclasses.replace(
        result, pairs=pairs, clusters=tuple(c for c in result.clusters if chosen.intersection(c.accounts)),
        hubs=tuple(h for h in result.hubs if chosen.intersection(h.accounts)),
        at_risk=tuple(r for r in result.at_risk if r.account in chosen), pairs_omitted=0, pair_counts={})


def _kind_words(kind: str) -> str:
    entry = kinds.KINDS.get(kind)
    return kind if entry is None else (entry.label_zh if language() == "zh" else entry.label.lower())


def _typo_lines(result, shown_name: str) -> list[str]:
    """A line for each planned number that fails its check and is one typo from one on file."""
    return [_("Probably mistyped: {name}'s {kind} {value} fails its check and is one typo from {other} on {account}; "
              "if they are one number, the accounts share it.", name=shown_name, kind=_kind_words(mine.kind),
              value=kinds.mask(mine.kind, mine.normalized), other=kinds.mask(theirs.kind, theirs.normalized),
              account=_shown_with_status(account, result))
            for mine, account, theirs in result.typos]


def _typos_json(result, *, reveal: bool) -> list[dict]:
    def shown(attr) -> str:
        return attr.normalized if reveal else kinds.mask(attr.kind, attr.normalized)

    return [{"kind": mine.kind, "value": shown(mine), "account": account, "status": result.status(account),
             "value_on_file": shown(theirs)} for mine, account, theirs in result.typos]


def _with_status_text(name: str, result) -> str:
    """An account's name with its status beside it: 金帆TEMU (suspended), 金帆TEMU（已停用）."""
    return _("{name} ({status})", name=name, status=translate(result.status(name)))


def _with_status(pairs: list[dict], result) -> list[dict]:
    """Precheck's JSON pairs, each with the status of the account compared ("status")."""
    planned = result.planned.name
    for pair in pairs:
        other = next((a for a in pair["accounts"] if a != planned), pair["accounts"][-1])
        pair["status"] = result.status(other)
    return pairs


BATCH_COLUMNS = ["row", "account", "verdict", "level", "kind", "with", "accounts", "suspended_or_closed", "mistyped"]


def _batch_entry(result, mistyped: list[str]) -> dict:
    """One planned account of a batch precheck, as JSON and CSV give it: its verdict, the
    strongest finding's kind and the account it is shared with, every account it would be
    linked with (with its status)."""
    top = result.pairs[0] if result.pairs else None
    finding = next((f for f in top.findings if not f.context), top.findings[0]) if top is not None else None
    strongest = None if top is None else next(a for a in top.accounts if a != result.planned.name)
    return {
        "row": result.origin,
        "account": result.planned.name,
        "verdict": result.verdict,
        "level": result.level.label if result.level else None,
        "kind": finding.kind if finding is not None else None,
        "with": strongest,
        "accounts": [{"name": o, "status": result.status(o)} for o in result.others],
        "suspended_or_closed": result.ended_others,
        "context": [{"name": o, "status": result.status(o)} for o in _context_others(result)],
        "mistyped": mistyped,
        "typos": _typos_json(result, reveal=False),
    }


def _batch_line(result) -> str:
    """A batch precheck's verdict line for one planned account: the verdict, the accounts it
    would be linked with (each not active with its status) and the strongest reason."""
    name = result.planned.name
    if result.verdict == precheck_job.CLEAR:
        if result.context:
            return _("{name}: CLEAR (shares only values that never link by themselves, with {others})",
                     name=name, others=join_list(_shown_with_status(o, result) for o in _context_others(result)))
        return _("{name}: CLEAR", name=name)
    entry = _batch_entry(result, [])
    kind = kinds.KINDS[entry["kind"]] if entry["kind"] in kinds.KINDS else None
    what = entry["kind"] if kind is None else (kind.label_zh if language() == "zh" else kind.label.lower())
    values = {"name": name, "others": join_list(_shown_with_status(o, result) for o in result.others),
              "what": what, "account": _shown_with_status(entry["with"], result),
              "label": translate(result.level.label)}
    ended = bool(result.ended_others)
    if result.verdict == precheck_job.STOP:
        if ended:
            return _("{name}: STOP: linked with {others} (strongest: {what} shared with {account}, {label}); "
                     "a suspended or closed account among them would drag the new account down from its first day",
                     **values)
        return _("{name}: STOP: linked with {others} (strongest: {what} shared with {account}, {label})", **values)
    if ended:
        return _("{name}: CAUTION: linked with {others} (strongest: {what} shared with {account}, {label}); "
                 "a suspended or closed account among them would drag the new account down from its first day",
                 **values)
    return _("{name}: CAUTION: linked with {others} (strongest: {what} shared with {account}, {label})", **values)


def _shown_with_status(name: str, result) -> str:
    return name if result.status(name) == "active" else _with_status_text(name, result)


def _precheck_batch(file, found, rules, *, min_level, fail_on, fmt) -> None:
    """`precheck FILE` with several rows: every planned row against the store and the other
    planned rows, in one unlock; one verdict line each, then the counts (or JSON/CSV, one
    entry a row). Exits 1 when any row is STOP."""
    if found.not_planned:
        echo_err(_("note: {n} row(s) of {path} have the status of an account already registered and were not "
                   "checked (a row to check has the status planned, 计划中, or none)", n=found.not_planned, path=file))
    mistyped: dict[int, list[str]] = {}
    for i, (origin, planned) in enumerate(found.rows):
        lines = precheck_job.planned_warnings(planned, origin)
        for line in lines:
            echo_err(_("warning: {line}", line=line))
        mistyped[i] = [line for line in lines]
    total = len(found.rows)
    show_progress = sys.stderr.isatty() and total >= 50

    def progress(count: int) -> None:
        if show_progress:
            click.echo(_("\r  {count:,} of {total:,} planned accounts checked…", count=count, total=total),
                       err=True, nl=False)

    results = precheck_job.precheck_batch(functools.partial(open_store, gate=True), found.rows, rules,
                                          min_level=min_level, fail_on=fail_on, progress=progress)
    if show_progress:
        click.echo("\r" + " " * 50 + "\r", err=True, nl=False)
    counts = {verdict: sum(1 for r in results if r.verdict == verdict) for verdict in precheck_job.VERDICTS}
    entries = [_batch_entry(r, mistyped[i]) for i, r in enumerate(results)]
    if fmt == "json":
        click.echo(render_json({"accounts": entries, "summary": counts}))
    elif fmt == "csv":
        rows = [dict(e, accounts=";".join(a["name"] for a in e["accounts"]),
                     suspended_or_closed=";".join(e["suspended_or_closed"]), mistyped=len(e["mistyped"]),
                     level=e["level"] or "", kind=e["kind"] or "", **{"with": e["with"] or ""}) for e in entries]
        click.echo(render_rows(rows, "csv", BATCH_COLUMNS))
    else:
        for result in results:
            click.echo(_batch_line(result))
            for line in _typo_lines(result, result.planned.name):
                click.echo("    " + line)
        click.echo("")
        click.echo(_("{total} planned account(s) checked: {stop} STOP, {caution} CAUTION, {clear} CLEAR",
                     total=total, stop=counts[precheck_job.STOP], caution=counts[precheck_job.CAUTION],
                     clear=counts[precheck_job.CLEAR]))
    if counts[precheck_job.STOP]:
        sys.exit(1)


def _context_others(result) -> list[str]:
    """The accounts on file a precheck's planned account shares only context with, by name."""
    name = result.planned.name
    return sorted({p.accounts[0] if p.accounts[1] == name else p.accounts[1] for p in result.context})


def register(group: click.Group) -> None:
    group.add_command(audit)
    group.add_command(precheck)
