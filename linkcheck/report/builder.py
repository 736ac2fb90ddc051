"""The HTML audit report: one self-contained page with the graph of linked accounts (pure).

The page is templates/report.html.j2, rendered with Jinja2 (autoescape on); its style and
script are static/report.css and static/report.js, inlined beside the vendored graph library
static/cytoscape.min.js, so the page loads nothing when opened."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from operator import attrgetter

from .. import __version__
from ..jsontext import dumps_compact
from ..i18n import SOURCE_LANG, _, join_list, language, translate
from ..linkage.engine import Audit, audit_summary
from ..linkage.graph import shown_chain
from ..models import Account, Level, iso
from ..pages import csp_hash, page_template

# Up to this many graph nodes the force-directed "cose" layout is quick and reads best; above
# it (it is quadratic) each cluster gets a cheap concentric layout and the clusters are packed
# in rows, which stays fast at thousands of accounts.
COSE_MAX_NODES = 150

# Up to this many accounts on file the graph lists every account, linked or not; above it only
# the linked ones (the others are counted in the headline and under the graph, not drawn: at a
# few hundred accounts with a few links, unlinked dots were most of the graph).
DRAW_EVERY_ACCOUNT_MAX = 50
# The graph first draws at most this many accounts: every one when there are no more, else the
# strongest groups of linked accounts; a search or a cluster in the list draws the rest on demand.
GRAPH_BUDGET = 1000
# A cluster of more accounts than this is drawn as one node, expanded when tapped.
COLLAPSE_OVER = 15

STATUSES = ("active", "planned", "suspended", "closed")


@dataclass(frozen=True)
class Headline:
    """The report's headline figures; the same numbers as `audit --format json`'s summary."""

    accounts: int
    pairs: dict  # level label -> count, strongest first
    clusters: int
    at_risk: int
    hubs: int

    @property
    def linked_pairs(self) -> int:
        return sum(self.pairs.values())

    def sentence(self) -> str:
        by_level = join_list(_("{n} {level}", n=n, level=translate(label)) for label, n in self.pairs.items() if n)
        pairs = (_("{n} linked pair(s) ({by_level})", n=self.linked_pairs, by_level=by_level) if by_level
                 else _("{n} linked pair(s)", n=self.linked_pairs))
        text = _("{accounts} accounts: {pairs}, {clusters} cluster(s), {at_risk} account(s) at risk",
                 accounts=self.accounts, pairs=pairs, clusters=self.clusters, at_risk=self.at_risk)
        if self.hubs:
            text = _("{text}, {hubs} value(s) shared by many accounts", text=text, hubs=self.hubs)
        return text


def headline(audit: Audit, accounts) -> Headline:
    """`accounts`: every account on file (Account or Profile), linked or not."""
    summary = audit_summary(audit)
    return Headline(len(accounts), dict(summary["pairs"]), summary["clusters"], summary["at_risk"], summary["hubs"])


def _accounts(items) -> list[Account]:
    """The accounts of a list of Accounts or Profiles: the report reads only the account."""
    # (An Account is taken as it is without asking it for an attribute it lacks: a report lists
    # every account on file, 100,000 of them twice.)
    return [item if type(item) is Account else getattr(item, "account", item) for item in items]


# ---------------------------------------------------------------------------------------------
# The data the page draws


def report_data(
    audit: Audit,
    accounts,
    *,
    min_level: Level,
    generated_at,
    link_level: Level = Level.HIGH,
) -> dict:
    """Everything the page draws and lists, as plain JSON (masked values only). `accounts`:
    every account on file (Account or Profile), in the order the graph lists them.

    Compact, so a report of 100,000 accounts stays a few megabytes: every repeated text
    (marketplaces, statuses, facets, masked values, reasons) is written once in `strings` and
    referred to by its index; accounts, pairs, findings and clusters are rows (lists), their
    fields named in `columns`. Up to DRAW_EVERY_ACCOUNT_MAX accounts on file every account is
    listed; above it only the linked ones (in a pair or a cluster), the others are counted."""
    accounts = _accounts(accounts)
    table: dict[str, int] = {}

    def text(value) -> int | None:
        if value is None:
            return None
        found = table.get(value)
        if found is None:
            found = table[value] = len(table)
        return found

    every = len(accounts) <= DRAW_EVERY_ACCOUNT_MAX
    if every:
        drawn = accounts
    else:
        linked = {name for pair in audit.pairs for name in pair.accounts}
        linked.update(name for c in audit.clusters for name in c.accounts)
        drawn = [a for a in accounts if a.name in linked]
    cluster_of = {name: i for i, c in enumerate(audit.clusters) for name in c.accounts}
    at_risk = {r.account: r.because_of for r in audit.at_risk}
    index = {a.name: i for i, a in enumerate(drawn)}
    rows = [
        [a.name, text(a.marketplace), text(a.status), cluster_of.get(a.name), at_risk.get(a.name)]
        for a in drawn
    ]
    types: dict[tuple, int] = {}  # (facet, level, match, reason, reason_zh, state) -> its number
    # The same by the finding's own fields: a type seen before has its texts in the table already.
    type_of: dict[tuple, int] = {}
    pairs = []
    for pair in audit.pairs:
        a, b = pair.accounts
        findings = []
        for f in pair.findings:
            state = f.state
            fields = (f.facet, f.context, f.level, f.match, f.reason, f.reason_zh, state)
            number = type_of.get(fields)
            if number is None:
                kind = (text(f.facet), text("context" if f.context else f.level.label), text(f.match), text(f.reason),
                        text(f.reason_zh or None), text(state))
                number = type_of[fields] = types.setdefault(kind, len(types))
            value_a, value_b = f.values.get(a, ""), f.values.get(b, "")
            if state == "past":  # as the audit's table: "until DATE" beside a value no longer in use
                value_a, value_b = _until(f, a, value_a), _until(f, b, value_b)
            row = [number, None if f.score is None else round(f.score), text(value_a), text(value_b)]
            if f.explanation:
                row.append(text(f.explanation))
            findings.append(row)
        # The pair's kinds are not written: they are its findings' facets, context ones left out.
        pairs.append([index[a], index[b], int(pair.level), round(pair.score, 2), findings])
    hubs = [
        {
            "id": f"h{i}",
            "kind": h.kind,
            "facet": h.facet,
            "level": h.level.label,
            "rank": int(h.level),
            "value": h.value,
            "count": len(h.accounts),
            "members": [index[name] for name in h.accounts if name in index],
            "cluster": _common_cluster(h.accounts, cluster_of),
        }
        for i, h in enumerate(audit.hubs)
    ]
    clusters = [
        [int(c.level), [index[name] for name in c.accounts if name in index],
         [[index[link.a], index[link.b], int(link.level), [text(k) for k in link.kinds]] for link in c.chain]]
        for c in audit.clusters
    ]
    graph_nodes = len(rows) + len(hubs)
    return {
        "generator": f"linkcheck {__version__}",
        "generated_at": _when(generated_at),
        "min_level": min_level.label,
        "link_level": link_level.label,
        "headline": asdict(headline(audit, accounts)),
        "layout": "cose" if graph_nodes <= COSE_MAX_NODES else "packed",
        "on_file": len(accounts),
        "every_account": every,
        "graph_budget": GRAPH_BUDGET,
        "collapse_over": COLLAPSE_OVER,
        "columns": {
            "accounts": ["name", "marketplace", "status", "cluster", "at_risk_because_of"],
            "pairs": ["a", "b", "rank", "score", "findings"],
            "findings": ["type", "score", "value_a", "value_b", "explanation (only when explained)"],
            "finding_types": ["facet", "level", "match", "reason", "reason_zh", "state"],
            "clusters": ["rank", "accounts", "chain"],
            "chain": ["a", "b", "rank", "kinds"],
        },
        "strings": list(table),
        "finding_types": [list(t) for t in types],
        "accounts": rows,
        "pairs": pairs,
        "hubs": hubs,
        "clusters": clusters,
    }


def decode(data: dict) -> dict:
    """The page's compact data as plain records (names for indexes, texts for string
    numbers): what the page's script reads from it, for tests and tools."""
    strings = data["strings"]
    s = lambda i: None if i is None else strings[i]  # noqa: E731
    accounts = [
        {"name": n, "marketplace": s(m), "status": s(st), "cluster": c, "at_risk_because_of": r}
        for n, m, st, c, r in data["accounts"]
    ]
    names = [a["name"] for a in accounts]
    labels = {int(lvl): lvl.label for lvl in Level}
    types = [dict(zip(("facet", "level", "match", "reason", "reason_zh", "state"), map(s, t), strict=True))
             for t in data["finding_types"]]

    def finding(row) -> dict:
        return {**types[row[0]], "score": row[1], "value_a": s(row[2]), "value_b": s(row[3]),
                "explanation": s(row[4]) if len(row) > 4 else None}

    pairs = []
    for a, b, rank, score, rows in data["pairs"]:
        findings = [finding(row) for row in rows]
        kinds = list(dict.fromkeys(f["facet"] for f in findings if f["level"] != "context"))
        # A pair is past only when every finding that links it is past (what the graph marks).
        linking = [f for f in findings if f["level"] != "context"]
        past_only = bool(linking) and all(f["state"] == "past" for f in linking)
        pairs.append({"accounts": [names[a], names[b]], "level": labels[rank], "rank": rank, "score": score,
                      "kinds": kinds, "findings": findings, "past_only": past_only})
    clusters = [
        {"level": labels[rank], "accounts": [names[i] for i in members],
         "chain": [{"a": names[a], "b": names[b], "level": labels[r], "kinds": [s(k) for k in kinds]}
                   for a, b, r, kinds in chain]}
        for rank, members, chain in data["clusters"]
    ]
    return {**data, "accounts": accounts, "pairs": pairs, "clusters": clusters}


def _until(finding, account: str, value: str) -> str:
    day = finding.until_day(account)
    return f"{value} (until {day})" if day else value


def _common_cluster(names, cluster_of: dict) -> int | None:
    found = {cluster_of.get(n) for n in names}
    return found.pop() if len(found) == 1 else None


def _when(generated_at) -> str:
    if isinstance(generated_at, datetime):
        moment = generated_at if generated_at.tzinfo else generated_at.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(generated_at, (int, float)):
        return iso(int(generated_at))
    return str(generated_at)


def _json_for_script(data) -> str:
    """JSON safe inside a <script> element: no '</script>', '<!--' or '&' can appear."""
    text = dumps_compact(data)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------------------------------------
# The page


@lru_cache(maxsize=None)
def _static(name: str) -> str:
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


def _template():
    return page_template(__package__, "report.html.j2")


def load_ahead() -> None:
    """The page's template (Jinja2 imported and the template compiled: 0.1-0.2 s) made now, where
    the report waits for the store's key (`early.start` derives it in a thread) instead of after
    the audit; `build_report` then finds it made. A failure here is left to `build_report`."""
    try:
        _template()
    except Exception:  # noqa: BLE001 - raised again, as it always was, where the page is built
        pass


def _csp_hash(script: str) -> str:
    return csp_hash(script)


def _page_text(text: str, /, **values):
    """A fixed text of the page (`_("...")` in the template) in the interface language, as
    markup: the text escaped as the page always wrote it (quotes kept), its values escaped unless
    they are markup already (`bold`)."""
    from markupsafe import Markup

    shown = Markup(html.escape(translate(text), quote=False).replace('"', "&quot;"))
    if not values:
        return shown
    return shown.format(**{k: v if isinstance(v, Markup) else Markup(html.escape(str(v))) for k, v in values.items()})


def _bold(value):
    from markupsafe import Markup

    return Markup("<b>{}</b>").format(value)


# The script's fixed texts are written say("...") in static/report.js; levels and statuses are
# shown through say() too.
_SAY = re.compile(r'\bsay\("((?:[^"\\]|\\.)*)"')


def page_words(script: str, lang: str) -> dict[str, str]:
    """English -> LANG of the script's fixed texts, for the page's data (`words`): only those
    with a translation, none in English (the catalog is not read)."""
    if lang == SOURCE_LANG:
        return {}
    keys = set(_SAY.findall(script)) | {level.label for level in Level} | {"context", *STATUSES} | set(MATCH_WORDS)
    words = {k: translate(k, lang) for k in sorted(keys) if translate(k, lang) != k}
    # The facets, named by their labels (the script's kindName): "gateway_mac" is 路由器（网关）MAC.
    from ..registry import FACETS

    words.update((facet, kind_name(facet)) for facet in sorted(FACETS) if kind_name(facet) != facet)
    return words


# How a finding matched, as `audit`'s match column says it (cli/output.py MATCH_WORDS).
MATCH_WORDS = ("exact", "normalised", "network", "fuzzy", "near")


def kind_name(facet: str) -> str:
    """A facet as the page names it: its Chinese label in Chinese, its own name in English (the
    English page names kinds as `audit` and JSON do)."""
    if language() == SOURCE_LANG:
        return facet
    from ..gate import facet_label

    return facet_label(facet)


def build_report(
    audit: Audit,
    accounts,
    *,
    min_level: Level,
    generated_at,
    link_level: Level = Level.HIGH,
    health=None,
) -> str:
    """The report as one HTML document: no network access when opened (inline scripts only,
    and a Content-Security-Policy that forbids loading anything). `accounts`: every account
    on file (Account or Profile), linked or not. `health` (health.AuditHealth) adds the
    account-health section when any figures are recorded."""
    from markupsafe import Markup  # installed with Jinja2

    accounts = _accounts(accounts)
    data = report_data(audit, accounts, min_level=min_level, generated_at=generated_at, link_level=link_level)
    figures = headline(audit, accounts)
    library = _static("cytoscape.min.js")
    # The page's script and style begin on a line of their own inside their elements; the CSP
    # hash covers the script exactly as inlined, that newline included.
    page_script = "\n" + _static("report.js")
    statuses = Counter(map(attrgetter("status"), accounts))
    # The page names the status of the accounts others are at risk from, no other's.
    sources = {r.because_of for r in audit.at_risk}
    lang = language()
    data = {**data, "words": page_words(page_script, lang)}
    from ..health import metric_label

    return _template().render(
        _=_page_text,
        bold=_bold,
        lang=lang,
        metric_label=metric_label,
        data=data,
        figures=figures,
        audit=audit,
        # Only these two scripts may run: a name that smuggled markup in still could not execute.
        script_hashes=[Markup(_csp_hash(s)) for s in (library, page_script)],
        style=Markup("\n" + _static("report.css").rstrip("\n")),
        library=Markup(library),
        page_script=Markup(page_script),
        data_json=Markup(_json_for_script(data)),
        by_status=("，" if lang == "zh" else ", ").join(
            f"{n} {translate(s)}" for s, n in sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0]))),
        kind_name=kind_name,
        kind_list=lambda kinds: join_list(kind_name(k) for k in kinds),
        statuses=STATUSES,
        levels=[(int(lvl), lvl.label) for lvl in sorted(Level, reverse=True)],
        status={a.name: a.status for a in accounts if a.name in sources},
        total_findings=sum(len(p.findings) for p in audit.pairs),
        health=health,
        percent=_percent,
        shown_chain=shown_chain,
    )


def _percent(value: float) -> str:
    from ..health import format_percent

    return format_percent(value)
