"""The HTML audit report: one self-contained page with the graph of linked accounts (pure).

The page is templates/report.html.j2, rendered with Jinja2 (autoescape on); its style and
script are static/report.css and static/report.js, inlined beside the vendored graph library
static/cytoscape.min.js, so the page loads nothing when opened."""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources

from .. import __version__
from ..linkage.engine import Audit, audit_to_json
from ..models import Account, Level, iso

# Up to this many graph nodes the force-directed "cose" layout is quick and reads best; above
# it (it is quadratic) each cluster gets a cheap concentric layout and the clusters are packed
# in rows, which stays fast at thousands of accounts.
COSE_MAX_NODES = 150

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
        by_level = ", ".join(f"{n} {label}" for label, n in self.pairs.items() if n)
        return (
            f"{self.accounts} accounts: {self.linked_pairs} linked pair(s)"
            + (f" ({by_level})" if by_level else "")
            + f", {self.clusters} cluster(s), {self.at_risk} account(s) at risk"
            + (f", {self.hubs} value(s) shared by many accounts" if self.hubs else "")
        )


def headline(audit: Audit, accounts) -> Headline:
    """`accounts`: every account on file (Account or Profile), linked or not."""
    summary = audit_to_json(audit)["summary"]
    return Headline(len(accounts), dict(summary["pairs"]), summary["clusters"], summary["at_risk"], summary["hubs"])


def _accounts(items) -> list[Account]:
    """The accounts of a list of Accounts or Profiles: the report reads only the account."""
    return [getattr(item, "account", item) for item in items]


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
    """Everything the graph is drawn from, as plain JSON (masked values only). `accounts`:
    every account on file (Account or Profile), in the order the graph lists them."""
    accounts = _accounts(accounts)
    cluster_of = {name: i for i, c in enumerate(audit.clusters) for name in c.accounts}
    at_risk = {r.account: r.because_of for r in audit.at_risk}
    nodes = [
        {
            "id": f"a{i}",
            "name": a.name,
            "marketplace": a.marketplace,
            "status": a.status,
            "cluster": cluster_of.get(a.name),
            "at_risk_because_of": at_risk.get(a.name),
        }
        for i, a in enumerate(accounts)
    ]
    ids = {a["name"]: a["id"] for a in nodes}
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
    graph_nodes = len(nodes) + len(hubs)
    return {
        "generator": f"linkcheck {__version__}",
        "generated_at": _when(generated_at),
        "min_level": min_level.label,
        "link_level": link_level.label,
        "headline": asdict(headline(audit, accounts)),
        "layout": "cose" if graph_nodes <= COSE_MAX_NODES else "packed",
        "accounts": nodes,
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
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _template():
    # Jinja2 is imported here, not at the top: only `report` (and the demo) pays for it.
    import jinja2
    from markupsafe import Markup

    def keep_entities(value):
        """Quotes in text are escaped by html.escape (&quot;, &#x27;), as the page always had
        them, not by autoescape's own spelling (&#34;, &#39;): the same page, byte for byte.
        Any other value goes on to autoescape as it is (text without quotes, numbers, and
        Markup: the macros' output, the scripts)."""
        if value.__class__ is str and ('"' in value or "'" in value):
            return Markup(html.escape(value))
        return value

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=keep_entities,
    )
    return env.get_template("report.html.j2")


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


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
    statuses: dict[str, int] = {}
    for a in accounts:
        statuses[a.status] = statuses.get(a.status, 0) + 1
    return _template().render(
        data=data,
        figures=figures,
        audit=audit,
        # Only these two scripts may run: a name that smuggled markup in still could not execute.
        script_hashes=[Markup(_csp_hash(s)) for s in (library, page_script)],
        style=Markup("\n" + _static("report.css").rstrip("\n")),
        library=Markup(library),
        page_script=Markup(page_script),
        data_json=Markup(_json_for_script(data)),
        by_status=", ".join(f"{n} {s}" for s, n in sorted(statuses.items(), key=lambda kv: (-kv[1], kv[0]))),
        statuses=STATUSES,
        levels=[(int(lvl), lvl.label) for lvl in sorted(Level, reverse=True)],
        status={a.name: a.status for a in accounts},
        involved=sorted({name for pair in audit.pairs for name in pair.accounts}),
        total_findings=sum(len(p.findings) for p in audit.pairs),
        health=health,
        percent=_percent,
    )


def _percent(value: float) -> str:
    from ..health import format_percent

    return format_percent(value)
