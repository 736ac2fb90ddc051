"""The HTML audit report: one self-contained page with the graph of linked accounts (pure)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import lru_cache
from html import escape
from importlib import resources

from . import __version__
from .health import format_percent
from .linkage.engine import Audit, Link, PairRisk, audit_to_json
from .models import Level, Profile, iso

# Up to this many graph nodes the force-directed "cose" layout is quick and reads best; above
# it (it is quadratic) each cluster gets a cheap concentric layout and the clusters are packed
# in rows, which stays fast at thousands of accounts.
COSE_MAX_NODES = 150

LEVEL_COLOURS = {
    Level.CRITICAL: "#991b1b",
    Level.HIGH: "#ea580c",
    Level.MEDIUM: "#ca8a04",
    Level.LOW: "#94a3b8",
}
STATUS_COLOURS = {"active": "#2563eb", "planned": "#ffffff", "suspended": "#dc2626", "closed": "#4b5563"}


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
        by_level = ", ".join(f"{n} {label}" for label, n in self.pairs.items() if n)
        return (
            f"{self.accounts} accounts: {self.linked_pairs} linked pair(s)"
            + (f" ({by_level})" if by_level else "")
            + f", {self.clusters} cluster(s), {self.at_risk} account(s) at risk"
            + (f", {self.hubs} value(s) shared by many accounts" if self.hubs else "")
        )


def headline(audit: Audit, profiles) -> Headline:
    summary = audit_to_json(audit)["summary"]
    return Headline(len(profiles), dict(summary["pairs"]), summary["clusters"], summary["at_risk"], summary["hubs"])


# ---------------------------------------------------------------------------------------------
# The data the page draws


def report_data(
    audit: Audit,
    profiles,
    *,
    min_level: Level,
    generated_at,
    link_level: Level = Level.HIGH,
) -> dict:
    """Everything the graph is drawn from, as plain JSON (masked values only)."""
    profiles = list(profiles)
    cluster_of = {name: i for i, c in enumerate(audit.clusters) for name in c.accounts}
    at_risk = {r.account: r.because_of for r in audit.at_risk}
    accounts = [
        {
            "id": f"a{i}",
            "name": p.name,
            "marketplace": p.account.marketplace,
            "status": p.account.status,
            "cluster": cluster_of.get(p.name),
            "at_risk_because_of": at_risk.get(p.name),
        }
        for i, p in enumerate(profiles)
    ]
    ids = {a["name"]: a["id"] for a in accounts}
    pairs = [
        {
            "id": f"p{i}",
            "accounts": list(pair.accounts),
            "source": ids[pair.accounts[0]],
            "target": ids[pair.accounts[1]],
            "level": pair.level.label,
            "rank": int(pair.level),
            "score": round(pair.score, 3),
            "kinds": list(pair.kinds),
            "findings": len(pair.findings),
        }
        for i, pair in enumerate(audit.pairs)
    ]
    hubs = [
        {
            "id": f"h{i}",
            "kind": h.kind,
            "facet": h.facet,
            "level": h.level.label,
            "rank": int(h.level),
            "value": h.value,
            "members": [ids[name] for name in h.accounts if name in ids],
            "cluster": _common_cluster(h.accounts, cluster_of),
        }
        for i, h in enumerate(audit.hubs)
    ]
    clusters = [
        {"id": f"c{i}", "number": i + 1, "level": c.level.label, "size": len(c.accounts)}
        for i, c in enumerate(audit.clusters)
    ]
    graph_nodes = len(accounts) + len(hubs)
    return {
        "generator": f"linkcheck {__version__}",
        "generated_at": _when(generated_at),
        "min_level": min_level.label,
        "link_level": link_level.label,
        "headline": asdict(headline(audit, profiles)),
        "layout": "cose" if graph_nodes <= COSE_MAX_NODES else "packed",
        "accounts": accounts,
        "pairs": pairs,
        "hubs": hubs,
        "clusters": clusters,
    }


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
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------------------------------------
# The page


@lru_cache(maxsize=None)
def _static(name: str) -> str:
    return (resources.files("linkcheck") / "static" / name).read_text(encoding="utf-8")


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def build_report(
    audit: Audit,
    profiles,
    *,
    min_level: Level,
    generated_at,
    link_level: Level = Level.HIGH,
    health=None,
) -> str:
    """The report as one HTML document: no network access when opened (inline scripts only,
    and a Content-Security-Policy that forbids loading anything). `health` (health.AuditHealth)
    adds the account-health section when any figures are recorded."""
    profiles = list(profiles)
    data = report_data(audit, profiles, min_level=min_level, generated_at=generated_at, link_level=link_level)
    figures = headline(audit, profiles)
    library = _static("cytoscape.min.js")
    scripts = (library, _PAGE_SCRIPT)
    # Only these two scripts may run: a name that smuggled markup in still could not execute.
    csp = (
        "default-src 'none'; "
        f"script-src {' '.join(_csp_hash(s) for s in scripts)}; "
        "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    )
    title = f"linkcheck report — {figures.accounts} accounts"
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{escape(csp, quote=False)}\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        f"<meta name=\"generator\" content=\"{escape(data['generator'])}\">\n",
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n",
        _header(data, figures),
        _figures(figures, profiles),
        _graph_section(data),
        _clusters_section(audit),
        _at_risk_section(audit, profiles),
        _health_section(health) if health is not None and health.recorded else "",
        _hubs_section(audit),
        _findings_section(audit),
        "<footer><p>Written by ",
        escape(data["generator"]),
        ". Values are masked. The graph is drawn with Cytoscape.js (MIT licence).</p></footer>\n",
        f"<script type=\"application/json\" id=\"linkcheck-data\">{_json_for_script(data)}</script>\n",
        f"<script>{library}</script>\n",
        f"<script>{_PAGE_SCRIPT}</script>\n",
        "</body>\n</html>\n",
    ]
    return "".join(parts)


def _header(data: dict, figures: Headline) -> str:
    return (
        "<header>\n<h1>linkcheck report</h1>\n"
        f"<p class=\"meta\">Generated {escape(data['generated_at'])} by {escape(data['generator'])}. "
        f"Pairs at or above <b>{escape(data['min_level'])}</b>; clusters join accounts linked at "
        f"<b>{escape(data['link_level'])}</b> or above. Values are masked.</p>\n</header>\n"
    )


def _figures(figures: Headline, profiles: list[Profile]) -> str:
    statuses: dict[str, int] = {}
    for p in profiles:
        statuses[p.account.status] = statuses.get(p.account.status, 0) + 1
    by_status = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0])))
    by_level = "".join(
        f"<li class=\"lvl-{label}\"><span class=\"swatch\"></span>{n} {label}</li>"
        for label, n in figures.pairs.items()
    )
    # (key, label, number, detail as HTML)
    cells = [
        ("accounts", "Accounts", figures.accounts, escape(by_status)),
        ("linked-pairs", "Linked pairs", figures.linked_pairs, f"<ul class=\"by-level\">{by_level}</ul>"),
        ("clusters", "Clusters", figures.clusters, "groups of accounts linked to each other"),
        ("at-risk", "Accounts at risk", figures.at_risk, "linked to a suspended or closed account"),
    ]
    if figures.hubs:
        cells.append(("hubs", "Widely shared values", figures.hubs, "values shared by many accounts"))
    out = ["<section id=\"figures\" aria-label=\"Headline figures\"><dl class=\"figures\">\n"]
    for key, label, number, detail in cells:
        out.append(
            f"<div class=\"figure\" id=\"figure-{key}\"><dt>{label}</dt><dd>"
            f"<span class=\"number\" data-figure=\"{key}\">{number}</span><span class=\"note\">{detail}</span>"
            "</dd></div>\n"
        )
    out.append("</dl></section>\n")
    return "".join(out)


def _graph_section(data: dict) -> str:
    legend_status = "".join(
        f"<li><span class=\"dot st-{s}\"></span>{s}</li>" for s in ("active", "planned", "suspended", "closed")
    )
    legend_level = "".join(
        f"<li><span class=\"line lvl-{lvl.label}\"></span>{lvl.label}</li>" for lvl in sorted(Level, reverse=True)
    )
    return (
        "<section id=\"graph-section\">\n<h2>Linked accounts</h2>\n"
        "<p class=\"hint no-print\">One circle per account, one line per linked pair. Shaded boxes are clusters. "
        "Hover or tap a circle or line for details; scroll to zoom, drag to pan. "
        "Choosing an account in the findings filter highlights it here.</p>\n"
        "<div class=\"graph-wrap\">\n"
        f"<div id=\"graph-panel\" data-status=\"loading\" data-expected-nodes=\"{len(data['accounts'])}\" "
        f"data-expected-edges=\"{len(data['pairs'])}\">\n"
        "<div id=\"graph\" role=\"img\" aria-label=\"Graph of linked accounts\"></div>\n"
        "<img id=\"graph-print\" alt=\"Graph of linked accounts\">\n"
        "<noscript><p>The graph needs JavaScript; the tables below hold the same information.</p></noscript>\n"
        "</div>\n"
        "<aside id=\"details\" aria-live=\"polite\"><p class=\"muted\">Hover over an account or a link.</p></aside>\n"
        "</div>\n"
        f"<div class=\"legend\"><ul><li class=\"legend-title\">Accounts</li>{legend_status}"
        "<li><span class=\"dot st-active at-risk\"></span>at risk</li></ul>"
        f"<ul><li class=\"legend-title\">Links</li>{legend_level}"
        "<li><span class=\"diamond\"></span>value shared by many</li></ul></div>\n"
        "</section>\n"
    )


def _link_html(link: Link) -> str:
    return (
        f"<span class=\"acct\">{escape(link.a)}</span> "
        f"<span class=\"via lvl-{link.level.label}\">—{escape(', '.join(link.kinds))} · {link.level.label}→</span> "
        f"<span class=\"acct\">{escape(link.b)}</span>"
    )


def _clusters_section(audit: Audit) -> str:
    out = ["<section id=\"clusters\">\n<h2>Clusters</h2>\n"]
    if not audit.clusters:
        out.append("<p>No cluster: no two accounts are linked at the cluster level.</p>\n</section>\n")
        return "".join(out)
    out.append("<ol class=\"clusters\">\n")
    for i, cluster in enumerate(audit.clusters, 1):
        names = ", ".join(f"<span class=\"acct\">{escape(n)}</span>" for n in cluster.accounts)
        links = "".join(f"<li>{_link_html(link)}</li>" for link in cluster.chain)
        out.append(
            f"<li class=\"cluster\" data-cluster=\"{i}\"><p><b>Cluster {i}</b> "
            f"<span class=\"badge lvl-{cluster.level.label}\">{cluster.level.label}</span> "
            f"{len(cluster.accounts)} accounts: {names}</p><ul class=\"chain\">{links}</ul></li>\n"
        )
    out.append("</ol>\n</section>\n")
    return "".join(out)


def _at_risk_section(audit: Audit, profiles: list[Profile]) -> str:
    status = {p.name: p.account.status for p in profiles}
    out = ["<section id=\"at-risk\">\n<h2>Accounts at risk</h2>\n"]
    if not audit.at_risk:
        out.append("<p>No account is linked to a suspended or closed account.</p>\n</section>\n")
        return "".join(out)
    out.append(
        "<p>Each account below is linked, directly or through a chain, to a suspended or closed account: "
        "if the marketplace follows the chain, it may be suspended too.</p>\n"
        "<table class=\"at-risk\"><thead><tr><th>Account</th><th>Because of</th><th>Chain</th></tr></thead><tbody>\n"
    )
    for r in audit.at_risk:
        chain = "<br>".join(_link_html(link) for link in r.chain)
        source_status = escape(status.get(r.because_of, ""))
        out.append(
            f"<tr><td class=\"acct\">{escape(r.account)}</td><td><span class=\"acct\">{escape(r.because_of)}</span> "
            f"<span class=\"badge st-{source_status}\">{source_status}</span></td><td>{chain}</td></tr>\n"
        )
    out.append("</tbody></table>\n</section>\n")
    return "".join(out)


def _health_section(health) -> str:
    """Accounts whose account health is in breach (at risk of suspension), close to a target,
    and the accounts a breach exposes through their links."""
    out = ["<section id=\"health\">\n<h2>Account health</h2>\n"]

    def metrics(h, status: str) -> str:
        return "<br>".join(
            f"{escape(m.metric.label)} <b>{escape(format_percent(m.latest.value))}</b> "
            f"(target {escape(m.target.text())}, {m.latest.day.isoformat()})"
            for m in h.metrics if m.status == status
        )

    if not health.in_breach and not health.warning:
        out.append(f"<p>Every one of the {health.recorded} account(s) with recorded figures meets its targets.</p>\n")
    for title, accounts, status in (("At risk of suspension: in breach of a target", health.in_breach, "breach"),
                                    ("Close to a target (warning)", health.warning, "warning")):
        if not accounts:
            continue
        out.append(f"<h3>{title}</h3>\n<table class=\"health\"><thead><tr><th>Account</th><th>Marketplace</th>"
                   "<th>Metrics</th></tr></thead><tbody>\n")
        for h in accounts:
            out.append(f"<tr class=\"health-{status}\"><td class=\"acct\">{escape(h.account)}</td>"
                       f"<td>{escape(h.marketplace)}</td><td>{metrics(h, status)}</td></tr>\n")
        out.append("</tbody></table>\n")
    if health.exposed:
        out.append("<h3>Exposed through their links to an account in breach</h3>\n"
                   "<table class=\"at-risk\"><thead><tr><th>Account</th><th>Because of</th><th>Chain</th></tr>"
                   "</thead><tbody>\n")
        for e in health.exposed:
            chain = "<br>".join(_link_html(link) for link in e.chain)
            out.append(f"<tr><td class=\"acct\">{escape(e.account)}</td><td class=\"acct\">{escape(e.because_of)}</td>"
                       f"<td>{chain}</td></tr>\n")
        out.append("</tbody></table>\n")
    out.append("</section>\n")
    return "".join(out)


def _hubs_section(audit: Audit) -> str:
    if not audit.hubs:
        return ""
    out = [
        "<section id=\"hubs\">\n<h2>Values shared by many accounts</h2>\n"
        "<p>Each value is shared by so many accounts that it is listed once here rather than as every pair.</p>\n"
        "<table><thead><tr><th>Kind</th><th>Level</th><th>Value</th><th>Accounts</th></tr></thead><tbody>\n"
    ]
    for h in audit.hubs:
        shown = ", ".join(h.accounts[:20]) + (f" … and {len(h.accounts) - 20} more" if len(h.accounts) > 20 else "")
        out.append(
            f"<tr><td>{escape(h.facet)}</td><td><span class=\"badge lvl-{h.level.label}\">{h.level.label}</span></td>"
            f"<td class=\"value\">{escape(h.value)}</td><td>{len(h.accounts)}: {escape(shown)}</td></tr>\n"
        )
    out.append("</tbody></table>\n</section>\n")
    return "".join(out)


def _findings_section(audit: Audit) -> str:
    involved = sorted({name for pair in audit.pairs for name in pair.accounts})
    level_options = "".join(
        f"<option value=\"{int(lvl)}\">{lvl.label} and above</option>" for lvl in sorted(Level, reverse=True)
    )
    account_options = "".join(f"<option value=\"{escape(n)}\">{escape(n)}</option>" for n in involved)
    total_findings = sum(len(p.findings) for p in audit.pairs)
    out = [
        "<section id=\"findings\">\n<h2>Findings</h2>\n",
        "<form class=\"filters no-print\" id=\"filters\">"
        "<label>Level <select id=\"filter-level\"><option value=\"0\">all levels</option>"
        f"{level_options}</select></label> "
        "<label>Account <select id=\"filter-account\"><option value=\"\">all accounts</option>"
        f"{account_options}</select></label> "
        "<button type=\"reset\" id=\"filter-reset\">Show all</button></form>\n",
        f"<p id=\"findings-count\" data-pairs=\"{len(audit.pairs)}\" data-findings=\"{total_findings}\">"
        f"{len(audit.pairs)} linked pair(s), {total_findings} finding(s).</p>\n",
    ]
    if not audit.pairs:
        out.append("<p>No linked pairs at or above the chosen level.</p>\n</section>\n")
        return "".join(out)
    out.append(
        "<table class=\"findings\" id=\"findings-table\"><thead><tr><th>Kind</th><th>Level</th><th>Match</th>"
        "<th>First account's value</th><th>Second account's value</th><th>Why it links</th></tr></thead>\n"
    )
    for i, pair in enumerate(audit.pairs):
        out.append(_pair_rows(i, pair))
    out.append("</table>\n</section>\n")
    return "".join(out)


def _pair_rows(index: int, pair: PairRisk) -> str:
    a, b = pair.accounts
    level = pair.level.label
    rows = [
        f"<tbody class=\"pair\" id=\"pair-p{index}\" data-level=\"{int(pair.level)}\" "
        f"data-a=\"{escape(a)}\" data-b=\"{escape(b)}\">"
        f"<tr class=\"pair-head\"><th colspan=\"6\"><span class=\"badge lvl-{level}\">{level}</span> "
        f"<span class=\"acct\">{escape(a)}</span> ↔ <span class=\"acct\">{escape(b)}</span> "
        f"<span class=\"muted\">score {pair.score:.2f} · shares {escape(', '.join(pair.kinds))}</span></th></tr>"
    ]
    for f in pair.findings:
        match = f.match if f.score is None else f"{f.match} {f.score:.0f}%"
        finding_level = "context" if f.context else f.level.label
        why = escape(f.reason)
        if f.reason_zh:
            why += f"<span class=\"zh\" lang=\"zh-CN\">{escape(f.reason_zh)}</span>"
        if f.explanation:
            why += f"<span class=\"explained\">Explained: {escape(f.explanation)}</span>"
        rows.append(
            f"<tr class=\"finding{' context' if f.context else ''}\"><td>{escape(f.facet)}</td>"
            f"<td><span class=\"badge lvl-{finding_level}\">{finding_level}</span></td><td>{escape(match)}</td>"
            f"<td class=\"value\">{escape(f.values.get(a, ''))}</td>"
            f"<td class=\"value\">{escape(f.values.get(b, ''))}</td><td>{why}</td></tr>"
        )
    rows.append("</tbody>\n")
    return "".join(rows)


# ---------------------------------------------------------------------------------------------
# Style and script (inline, so the page needs nothing but itself)

_LEVEL_CSS = "".join(
    f".lvl-{lvl.label}{{--lvl:{colour}}}" for lvl, colour in LEVEL_COLOURS.items()
) + ".lvl-context{--lvl:#cbd5e1}"
_STATUS_CSS = "".join(f".st-{s}{{--st:{c}}}" for s, c in STATUS_COLOURS.items())

_STYLE = (
    """
:root{color-scheme:light;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--paper:#fff;--tint:#f8fafc}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1280px;padding:16px 24px 48px;color:var(--ink);background:var(--paper);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta,.muted,.hint{color:var(--muted)}.hint{margin:0 0 8px}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.figure{flex:1 1 180px;border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--tint)}
.figure dt{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.figure dd{margin:0}.figure .number{display:block;font-size:30px;font-weight:650}
.figure .note{display:block;color:var(--muted);font-size:12px}
#figure-at-risk .number{color:#b45309}
.by-level{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:2px 10px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;background:var(--lvl);margin-right:4px}
.graph-wrap{display:flex;gap:12px;align-items:stretch}
#graph-panel{flex:1 1 auto;min-width:0;border:1px solid var(--line);border-radius:8px;background:#fff}
#graph{width:100%;height:560px}
#graph-print{display:none;max-width:100%}
#details{flex:0 0 260px;border:1px solid var(--line);border-radius:8px;padding:10px;background:var(--tint);
overflow:auto;max-height:562px;font-size:13px}
#details h3{font-size:14px;margin:0 0 6px;word-break:break-all}#details ul{padding-left:18px;margin:4px 0}
.legend{display:flex;flex-wrap:wrap;gap:4px 24px;margin-top:6px;font-size:12px}
.legend ul{list-style:none;display:flex;flex-wrap:wrap;gap:4px 12px;margin:0;padding:0;align-items:center}
.legend-title{font-weight:600}
.dot{display:inline-block;width:12px;height:12px;border-radius:50%;background:var(--st);border:2px solid var(--st);
margin-right:4px;vertical-align:-2px}
.dot.st-planned{border:2px dashed #2563eb}.dot.at-risk{border:3px solid #f59e0b}
.line{display:inline-block;width:22px;height:0;border-top:4px solid var(--lvl);margin-right:4px;vertical-align:3px}
.diamond{display:inline-block;width:10px;height:10px;background:#7c3aed;transform:rotate(45deg);margin-right:6px}
.badge{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;color:#fff;background:var(--lvl,var(--st,#64748b))}
.badge.lvl-context,.badge.st-planned{color:var(--ink);border:1px solid #94a3b8}
.acct{font-weight:600;overflow-wrap:break-word}
.via{color:var(--lvl)}
table.at-risk td:first-child{white-space:nowrap}
.clusters>li{margin-bottom:8px}.clusters p{margin:0}.chain{margin:2px 0;padding-left:20px}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
thead th{background:var(--tint);font-size:12px;color:var(--muted)}
.pair-head th{background:#f1f5f9;padding-top:8px}
.value{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:break-word}
tr.context{color:var(--muted)}
.zh,.explained{display:block;font-size:12px;color:var(--muted)}.explained{color:#166534}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0;padding:8px;background:var(--tint);
border-radius:8px}
select,button{font:inherit;padding:2px 6px}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media (max-width:900px){.graph-wrap{flex-direction:column}#details{flex:none;max-height:none}}
@media print{
@page{margin:14mm}
body{max-width:none;padding:0;font-size:10pt}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.no-print,#details,.filters,noscript{display:none!important}
#graph{display:none}#graph-print{display:block;margin:0 auto;max-height:150mm}
#graph-panel{border:none}
h2{break-after:avoid}section{break-inside:auto}
tbody.pair,tr,.figure,.clusters>li{break-inside:avoid}
thead{display:table-header-group}
.figure{background:none}
a{color:inherit;text-decoration:none}
}
"""
    + _LEVEL_CSS
    + _STATUS_CSS
)

_PAGE_SCRIPT = r"""
(function () {
  "use strict";
  var panel = document.getElementById("graph-panel");
  var details = document.getElementById("details");
  var LEVELS = {4: "critical", 3: "high", 2: "medium", 1: "low"};
  var COLOURS = {critical: "%(critical)s", high: "%(high)s", medium: "%(medium)s", low: "%(low)s"};
  var WIDTHS = {critical: 6, high: 4, medium: 2.5, low: 1.5};
  var STATUS = {active: "%(active)s", planned: "%(planned)s", suspended: "%(suspended)s", closed: "%(closed)s"};
  var cy = null;

  function fail(error) {
    panel.setAttribute("data-status", "error");
    panel.setAttribute("data-error", String((error && error.message) || error));
  }

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) { el.className = cls; }
    return el;
  }

  // The strongest shared kind names the line; the full list is in the details panel.
  function shortKinds(kinds) {
    return kinds.length ? kinds[0] + (kinds.length > 1 ? " +" + (kinds.length - 1) : "") : "";
  }

  function elements(data) {
    var els = [];
    data.clusters.forEach(function (c) {
      els.push({group: "nodes", classes: "cluster", data: {id: c.id, label: "Cluster " + c.number + " · " + c.level, level: c.level}});
    });
    data.accounts.forEach(function (a) {
      var cls = "account st-" + a.status + (a.at_risk_because_of ? " at-risk" : "");
      var label = a.name + (a.status === "suspended" || a.status === "closed" ? "\n(" + a.status + ")" : "");
      var node = {group: "nodes", classes: cls, data: {id: a.id, label: label, name: a.name, status: a.status,
        marketplace: a.marketplace, risk: a.at_risk_because_of, colour: STATUS[a.status] || "#64748b"}};
      if (a.cluster !== null) { node.data.parent = "c" + a.cluster; }
      els.push(node);
    });
    data.hubs.forEach(function (h) {
      var node = {group: "nodes", classes: "hub", data: {id: h.id, label: h.facet + " ×" + h.members.length,
        facet: h.facet, level: h.level, value: h.value, count: h.members.length}};
      if (h.cluster !== null) { node.data.parent = "c" + h.cluster; }
      els.push(node);
      h.members.forEach(function (m, i) {
        els.push({group: "edges", classes: "hub-edge", data: {id: h.id + "-" + i, source: h.id, target: m, level: h.level}});
      });
    });
    data.pairs.forEach(function (p) {
      els.push({group: "edges", classes: "pair lvl-" + p.level, data: {id: p.id, source: p.source, target: p.target,
        level: p.level, rank: p.rank, label: shortKinds(p.kinds), kinds: p.kinds, a: p.accounts[0], b: p.accounts[1],
        score: p.score, findings: p.findings, colour: COLOURS[p.level], width: WIDTHS[p.level]}});
    });
    return els;
  }

  function style() {
    return [
      {selector: "node.account", style: {"background-color": "data(colour)", "label": "data(label)", "width": 30, "height": 30,
        "font-size": 13, "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "wrap", "text-max-width": 140,
        "border-width": 2, "border-color": "#1e3a8a", "min-zoomed-font-size": 7, "text-background-color": "#fff",
        "text-background-opacity": 0.7, "text-background-padding": 1}},
      {selector: "node.st-planned", style: {"border-style": "dashed", "border-color": "%(active)s", "border-width": 2}},
      {selector: "node.st-suspended", style: {"shape": "octagon", "border-color": "#7f1d1d", "width": 36, "height": 36,
        "color": "#991b1b", "font-weight": "bold"}},
      {selector: "node.st-closed", style: {"shape": "round-rectangle", "border-color": "#111827", "color": "#374151"}},
      {selector: "node.at-risk", style: {"border-color": "#f59e0b", "border-width": 5}},
      {selector: "node.hub", style: {"shape": "diamond", "background-color": "#7c3aed", "width": 22, "height": 22,
        "label": "data(label)", "font-size": 10, "color": "#5b21b6", "text-valign": "bottom", "min-zoomed-font-size": 7}},
      {selector: "node.cluster", style: {"background-color": "#f1f5f9", "background-opacity": 0.9, "border-width": 1,
        "border-color": "#94a3b8", "border-style": "dashed", "shape": "round-rectangle", "label": "data(label)",
        "font-size": 12, "color": "#475569", "text-valign": "top", "text-halign": "center", "text-margin-y": -2,
        "padding": 14, "min-zoomed-font-size": 6}},
      {selector: "edge.pair", style: {"line-color": "data(colour)", "width": "data(width)", "curve-style": "bezier",
        "label": "data(label)", "font-size": 11, "color": "#334155", "text-rotation": "autorotate",
        "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 1,
        "min-zoomed-font-size": 8, "opacity": 0.9}},
      {selector: "edge.lvl-medium", style: {"line-style": "dashed"}},
      {selector: "edge.lvl-low", style: {"line-style": "dotted"}},
      {selector: "edge.hub-edge", style: {"line-color": "#a78bfa", "width": 1, "curve-style": "haystack", "opacity": 0.6}},
      {selector: ".faded", style: {"opacity": 0.12, "text-opacity": 0.2}},
      {selector: ".filtered", style: {"display": "none"}},
      {selector: "node:selected", style: {"overlay-color": "#2563eb", "overlay-opacity": 0.25, "overlay-padding": 6}},
      {selector: "edge:selected", style: {"overlay-color": "#2563eb", "overlay-opacity": 0.25}}
    ];
  }

  // Large graphs: each cluster gets a concentric layout (most-linked accounts in the middle),
  // then the clusters are packed in rows, biggest first, and unlinked accounts go in a grid.
  function packedLayout() {
    var groups = [];
    cy.nodes(".cluster").forEach(function (c) { groups.push(c.children()); });
    groups.sort(function (x, y) { return y.length - x.length; });
    var loose = cy.nodes(".account, .hub").filter(function (n) { return !n.isChild(); });
    var gap = 60, placed = [];
    groups.forEach(function (g) {
      var side = Math.ceil(Math.sqrt(g.length)) * 60 + 60;
      g.layout({name: g.length <= 3 ? "grid" : "concentric", boundingBox: {x1: 0, y1: 0, w: side, h: side},
        fit: false, animate: false, avoidOverlap: true, minNodeSpacing: 18,
        concentric: function (n) { return n.degree(false); }, levelWidth: function () { return 2; }}).run();
      placed.push(g);
    });
    var totalArea = 0;
    placed.forEach(function (g) { var bb = g.boundingBox(); totalArea += (bb.w + gap) * (bb.h + gap); });
    var rowWidth = Math.max(900, Math.sqrt(totalArea + loose.length * 80 * 80) * 1.4);
    var x = 0, y = 0, rowHeight = 0;
    placed.forEach(function (g) {
      var bb = g.boundingBox();
      if (x > 0 && x + bb.w > rowWidth) { x = 0; y += rowHeight + gap; rowHeight = 0; }
      var dx = x - bb.x1, dy = y - bb.y1;
      g.positions(function (n) { var p = n.position(); return {x: p.x + dx, y: p.y + dy}; });
      x += bb.w + gap;
      rowHeight = Math.max(rowHeight, bb.h);
    });
    if (loose.length) {
      var top = placed.length ? y + rowHeight + gap * 2 : 0;
      var cols = Math.max(1, Math.floor(rowWidth / 90));
      loose.layout({name: "grid", cols: cols, boundingBox: {x1: 0, y1: top, w: cols * 90, h: Math.ceil(loose.length / cols) * 70},
        fit: false, animate: false, avoidOverlap: true, condense: true}).run();
    }
    cy.fit(undefined, 20);
  }

  function runLayout(name) {
    if (name === "packed") {
      packedLayout();
      return;
    }
    // Start from a circle rather than at random, so the same data always gives the same picture.
    cy.nodes(".account, .hub").layout({name: "circle", fit: false, animate: false, radius: 60 + 25 * cy.nodes().length}).run();
    cy.layout({name: "cose", animate: false, randomize: false, fit: true, padding: 24, nodeDimensionsIncludeLabels: true,
      idealEdgeLength: function () { return 130; }, nodeRepulsion: function () { return 6000; },
      nestingFactor: 1.1, gravity: 2, numIter: 1500, componentSpacing: 40, nodeOverlap: 12}).run();
  }

  function record(layoutName) {
    var extent = cy.extent();
    function finite(n) { var p = n.position(); return isFinite(p.x) && isFinite(p.y); }
    function inView(n) {
      var bb = n.boundingBox();
      return bb.x2 >= extent.x1 && bb.x1 <= extent.x2 && bb.y2 >= extent.y1 && bb.y1 <= extent.y2;
    }
    var nodes = cy.nodes(".account").filter(function (n) { return n.visible() && finite(n); });
    var edges = cy.edges(".pair").filter(function (e) { return e.visible(); });
    panel.setAttribute("data-rendered-nodes", String(nodes.length));
    panel.setAttribute("data-rendered-edges", String(edges.length));
    panel.setAttribute("data-nodes-in-view", String(nodes.filter(inView).length));
    panel.setAttribute("data-rendered-clusters", String(cy.nodes(".cluster").length));
    panel.setAttribute("data-rendered-hubs", String(cy.nodes(".hub").length));
    panel.setAttribute("data-layout", layoutName);
    panel.setAttribute("data-status", "ready");
  }

  function showNode(n) {
    details.textContent = "";
    if (n.hasClass("cluster")) {
      details.appendChild(text("h3", n.data("label")));
      details.appendChild(text("p", n.children(".account").length + " accounts"));
      return;
    }
    if (n.hasClass("hub")) {
      details.appendChild(text("h3", n.data("facet") + " shared by " + n.data("count") + " accounts"));
      details.appendChild(text("p", "Level: " + n.data("level") + " · value " + n.data("value")));
      return;
    }
    details.appendChild(text("h3", n.data("name")));
    details.appendChild(text("p", (n.data("marketplace") || "no marketplace") + " · " + n.data("status")));
    if (n.data("risk")) { details.appendChild(text("p", "At risk because of " + n.data("risk"), "risk")); }
    var links = n.connectedEdges(".pair");
    details.appendChild(text("p", links.length ? "Linked to:" : "Not linked to any account shown."));
    var list = document.createElement("ul");
    links.forEach(function (e) {
      var other = e.data("a") === n.data("name") ? e.data("b") : e.data("a");
      list.appendChild(text("li", other + " — " + e.data("level") + " (" + e.data("kinds").join(", ") + ")"));
    });
    details.appendChild(list);
  }

  function showEdge(e) {
    details.textContent = "";
    if (e.hasClass("hub-edge")) { showNode(e.source()); return; }
    details.appendChild(text("h3", e.data("a") + " ↔ " + e.data("b")));
    details.appendChild(text("p", e.data("level") + " · score " + e.data("score") + " · " + e.data("findings") + " finding(s)"));
    var list = document.createElement("ul");
    var rows = document.querySelectorAll("#pair-" + e.id() + " tr.finding");
    rows.forEach(function (row) {
      var cells = row.querySelectorAll("td");
      list.appendChild(text("li", cells[0].textContent + ": " + cells[3].textContent + " / " + cells[4].textContent));
    });
    details.appendChild(list);
  }

  // Findings filter: by the pair's level and by account; the graph follows the same choice.
  var levelSelect = document.getElementById("filter-level");
  var accountSelect = document.getElementById("filter-account");
  var countLine = document.getElementById("findings-count");

  function applyFilter() {
    var minRank = Number(levelSelect.value || 0);
    var account = accountSelect.value;
    var shownPairs = 0, shownFindings = 0;
    document.querySelectorAll("#findings-table tbody.pair").forEach(function (body) {
      var show = Number(body.getAttribute("data-level")) >= minRank &&
        (!account || body.getAttribute("data-a") === account || body.getAttribute("data-b") === account);
      body.hidden = !show;
      if (show) { shownPairs += 1; shownFindings += body.querySelectorAll("tr.finding").length; }
    });
    if (countLine) {
      var total = countLine.getAttribute("data-pairs");
      countLine.textContent = (minRank || account ? "Showing " + shownPairs + " of " + total + " linked pair(s), " : total +
        " linked pair(s), ") + shownFindings + " finding(s)" + (minRank ? ", " + LEVELS[minRank] + " and above" : "") +
        (account ? ", involving " + account : "") + ".";
    }
    if (!cy) { return; }
    cy.batch(function () {
      cy.edges(".pair").forEach(function (e) { e.toggleClass("filtered", e.data("rank") < minRank); });
      cy.elements().removeClass("faded");
      if (account) {
        var node = cy.nodes(".account").filter(function (n) { return n.data("name") === account; });
        if (node.length) {
          var keep = node.closedNeighborhood().union(node.closedNeighborhood().parents());
          cy.elements().difference(keep).addClass("faded");
          cy.elements().unselect();
          node.select();
          showNode(node);
        }
      }
    });
    if (account) {
      var target = cy.nodes(".account").filter(function (n) { return n.data("name") === account; });
      if (target.length) { cy.animate({fit: {eles: target.closedNeighborhood(), padding: 60}}, {duration: 250}); }
    }
  }

  if (levelSelect && accountSelect) {
    levelSelect.addEventListener("change", applyFilter);
    accountSelect.addEventListener("change", applyFilter);
    document.getElementById("filters").addEventListener("reset", function () { setTimeout(applyFilter, 0); });
  }

  try {
    if (typeof cytoscape !== "function") { throw new Error("graph library did not load"); }
    var data = JSON.parse(document.getElementById("linkcheck-data").textContent);
    var big = data.accounts.length + data.hubs.length > %(cose_max)d;
    cy = cytoscape({container: document.getElementById("graph"), elements: elements(data), style: style(),
      layout: {name: "preset"}, minZoom: 0.02, maxZoom: 4, boxSelectionEnabled: false,
      textureOnViewport: big, hideEdgesOnViewport: big, pixelRatio: big ? 1 : "auto"});
    runLayout(data.layout);
    record(data.layout);
    cy.on("mouseover tap", "node", function (evt) { showNode(evt.target); });
    cy.on("mouseover tap", "edge", function (evt) { showEdge(evt.target); });
    cy.on("tap", "node.account", function (evt) {
      var name = evt.target.data("name");
      if (accountSelect && Array.prototype.some.call(accountSelect.options, function (o) { return o.value === name; })) {
        accountSelect.value = name;
        applyFilter();
      }
    });
    // A canvas does not reflow for paper: print a still picture of the graph instead.
    window.addEventListener("beforeprint", function () {
      document.getElementById("graph-print").src = cy.png({full: true, scale: 2, bg: "#ffffff"});
    });
  } catch (error) {
    fail(error);
  }
})();
""" % {
    **{lvl.label: colour for lvl, colour in LEVEL_COLOURS.items()},
    **STATUS_COLOURS,
    "cose_max": COSE_MAX_NODES,
}
