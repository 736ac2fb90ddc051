"""Account health: the four metrics marketplaces suspend on, their targets, statuses, trends and exposure.

Figures are kept in the store's sealed log as events (action "health"), one per `health set` or
import row, so they are sealed like everything else without a new table. For one account and
one date, each metric's value is the one from the latest event that gives it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from .i18n import _, language, translate, os_reason
from .files import FileTooLarge, NotRegularFile, read_capped
from .errors import ImportErrors, InvalidInput, UsageError
from .importers.safety import refuse_spreadsheet
from .models import Account, Event, now
from .registry.columns import ALIASES, column_key

ACTION = "health"
RECORDED = "RECORDED"

OK, WARNING, BREACH = "ok", "warning", "breach"
STATUS_ORDER = {OK: 0, WARNING: 1, BREACH: 2}
IMPROVING, WORSENING, STEADY = "improving", "worsening", "steady"
# Accounts the marketplace has already taken down: their own figures no longer put them at risk.
DOWN_STATUSES = ("suspended", "closed")

MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_RATE_CHARS = 40
EARLIEST_DATE = date(2000, 1, 1)


@dataclass(frozen=True)
class Metric:
    """One account-health metric: its name in each language and which side of the target is good."""

    key: str
    label: str
    label_zh: str
    option: str
    higher_is_better: bool
    default_target: Decimal
    aliases: tuple[str, ...] = ()


METRICS: tuple[Metric, ...] = (
    Metric("odr", "order defect rate", "订单缺陷率", "--odr", False, Decimal("0.01"),
           ("order_defect_rate", "订单缺陷率")),
    Metric("cancel_rate", "pre-fulfilment cancellation rate", "配送前取消率", "--cancel-rate", False, Decimal("0.025"),
           ("cancellation_rate", "pre_fulfilment_cancel_rate", "pre_fulfillment_cancel_rate",
            "pre_fulfilment_cancellation_rate", "pre_fulfillment_cancellation_rate", "配送前取消率")),
    Metric("late_shipment", "late shipment rate", "迟发率", "--late-shipment", False, Decimal("0.04"),
           ("late_shipment_rate", "lsr", "迟发率")),
    Metric("valid_tracking", "valid tracking rate", "有效追踪率", "--valid-tracking", True, Decimal("0.95"),
           ("valid_tracking_rate", "vtr", "有效追踪率")),
)
METRIC_BY_KEY: Mapping[str, Metric] = MappingProxyType({m.key: m for m in METRICS})
METRIC_KEYS = tuple(METRIC_BY_KEY)


# ----- percentages ---------------------------------------------------------------------------

# An exponent of two digits at most: 1e-999999999 would otherwise be written out in full.
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,2})?")
_SIGNS = {"%": Decimal(100), "‰": Decimal(1000)}


def parse_rate(value: Any) -> Decimal:
    """A rate as a fraction of one: `0.4%`, `0.4 %`, `0,4%`, `0.4％`, `4‰` and `0.004` are all 0.004.

    A number without a sign is a fraction (0.004 is 0.4 %). Raises ValueError, whose message
    says what to write instead, for anything else or anything outside 0-100 %.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(_("expected a percentage such as 0.4% or a fraction such as 0.004"))
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(_("expected a percentage such as 0.4% or a fraction such as 0.004"))
        text, shown, divisor = repr(value), repr(value), Decimal(1)
    elif isinstance(value, str):
        shown = value.strip()
        # NFKC folds full-width digits and the full-width percent sign (０.４％) typed on a Chinese IME.
        text = unicodedata.normalize("NFKC", value).strip()
        if not text:
            raise ValueError(_("empty; write a percentage such as 0.4% or a fraction such as 0.004"))
        if len(text) > MAX_RATE_CHARS:
            raise ValueError(_("too long to be a percentage"))
        divisor = Decimal(1)
        if text[-1] in _SIGNS:
            divisor = _SIGNS[text[-1]]
            text = text[:-1].rstrip()
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")  # a decimal comma: 0,4%
        text = text.removeprefix("+")
    else:
        raise ValueError(_("expected a percentage such as 0.4% or a fraction such as 0.004"))
    if text.startswith("-"):
        raise ValueError(_("{shown} is negative; a rate is between 0% and 100%", shown=shown))
    if not _NUMBER.fullmatch(text):
        raise ValueError(_("{shown!r} is not a percentage; write 0.4% or the fraction 0.004", shown=shown))
    try:
        rate = Decimal(text) / divisor
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ValueError(_("{shown!r} is not a percentage; write 0.4% or the fraction 0.004", shown=shown)) from None
    if rate > 1:
        if divisor == 1:
            raise ValueError(
                _("{shown} is outside 0-100%: a number without % is a fraction of one; write {shown}% or {fraction}",
                  shown=shown, fraction=format_percent(Decimal(text) / 100, plain=True))
            )
        raise ValueError(_("{shown} is outside 0-100%", shown=shown))
    return rate


def bare_fraction_suspect(metric: Metric, raw: Any, rate: Decimal) -> bool:
    """Whether `raw`, written without %, read as the fraction `rate`, looks like a percentage meant.

    A rate where lower is better (the order defect rate, cancellations, late shipments) of 10 % or
    more -- or five times its target, for the order defect rate 5 %: Account Health shows an ODR
    as "0.09%" and an account at 9 % would long have been deactivated -- written as a bare number
    (0.4, not 0.4%), is far more often a percentage without its sign than a real figure: `health
    set` and `health import` both say so. The valid tracking rate is rightly a fraction near one
    (0.986).
    """
    if metric.higher_is_better or rate < min(Decimal("0.1"), 5 * metric.default_target):
        return False
    text = raw if isinstance(raw, str) else repr(raw)
    return not any(sign in text for sign in ("%", "‰", "％"))


def suspect_fractions(rows: Sequence[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, Metric, str, Decimal]]:
    """The cells of an import (origin, metric, as written, rate) that `bare_fraction_suspect` flags."""
    out = []
    for origin, cells in rows:
        for metric in METRICS:
            raw = cells.get(metric.key)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                rate = parse_rate(raw)
            except ValueError:
                continue
            if bare_fraction_suspect(metric, raw, rate):
                out.append((origin, metric, raw.strip() if isinstance(raw, str) else repr(raw), rate))
    return out


def format_percent(rate: Decimal, *, plain: bool = False) -> str:
    """0.004 -> "0.4%", 0.986 -> "98.6%", 0.01 -> "1%" (no trailing zeros; at most four decimals).

    `plain` gives the fraction itself ("0.004") instead.
    """
    if plain:
        text = format(rate.normalize(), "f")
        return text
    percent = (rate * 100).quantize(Decimal("0.0001"))
    text = format(percent, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


# ----- dates ---------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def today() -> date:
    return datetime.now(timezone.utc).date()


def quoted(text: str, limit: int = 80) -> str:
    """`text` quoted for a one-line message, cut at `limit` characters: a cell of an import file
    may be megabytes long, and a problem line quotes it."""
    return repr(text[:limit]) + ("…" if len(text) > limit else "")


def parse_date(value: Any, *, latest: date | None = None) -> date:
    """A day as `2026-11-01` (also `2026/11/1`, `2026.11.01`, `2026年11月1日`); ValueError otherwise.

    A day after `latest` (default: tomorrow, UTC, so a seller east of Greenwich can record
    today's figures) is refused as a typo, and so is one before 2000.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
        shown = day.isoformat()
    elif isinstance(value, str):
        shown = value.strip()
        match = _DATE.fullmatch(unicodedata.normalize("NFKC", shown))
        if not match:
            raise ValueError(_("{shown} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01", shown=quoted(shown)))
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise ValueError(_("{shown} is not a calendar date", shown=quoted(shown))) from None
    else:
        raise ValueError(_("expected a date as YYYY-MM-DD, e.g. 2026-11-01"))
    latest = latest or today() + timedelta(days=1)
    if day > latest:
        raise ValueError(_("{shown} is in the future; give the day the figures were read", shown=shown))
    if day < EARLIEST_DATE:
        raise ValueError(_("{shown} is before 2000; check the year", shown=shown))
    return day


# ----- targets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A metric's target (`limit`: below it for rates, above it for valid tracking) and where
    the warning starts (`warning`, inclusive; default: within a fifth of the target)."""

    metric: str
    limit: Decimal
    warning: Decimal

    @property
    def rule(self) -> str:
        return "above" if METRIC_BY_KEY[self.metric].higher_is_better else "below"

    def text(self, lang: str = "en") -> str:
        if lang == "zh":
            return ("高于" if self.rule == "above" else "低于") + format_percent(self.limit)
        return f"{self.rule} {format_percent(self.limit)}"


def default_warning(metric: Metric, limit: Decimal) -> Decimal:
    """Within a fifth of the target: ODR warns from 0.8 % (1 % x 4/5), valid tracking from 96 %
    (95 % plus a fifth of the 5 % above it)."""
    if metric.higher_is_better:
        return limit + (1 - limit) / 5
    return limit * 4 / 5


def status_of(value: Decimal, target: Target) -> str:
    """`breach` at or beyond the target (a rate must stay *below*, valid tracking *above* it),
    `warning` at or beyond the warning threshold, `ok` otherwise."""
    if METRIC_BY_KEY[target.metric].higher_is_better:
        if value <= target.limit:
            return BREACH
        return WARNING if value <= target.warning else OK
    if value >= target.limit:
        return BREACH
    return WARNING if value >= target.warning else OK


DEFAULT_TARGET_SET: Mapping[str, Target] = MappingProxyType(
    {m.key: Target(m.key, m.default_target, default_warning(m, m.default_target)) for m in METRICS}
)


@dataclass(frozen=True)
class HealthTargets:
    """Targets per marketplace from the rules file's `[health.*]` tables, over Amazon's.

    A table named `amazon` applies to every marketplace `amazon` or `amazon.*`; `"amazon.de"`
    to amazon.de (and amazon.de.*) only; `"*"` to every marketplace. For each metric the most
    specific table that sets it wins; a metric no table sets keeps Amazon's target.
    """

    tables: Mapping[str, Mapping[str, Target]] = field(default_factory=lambda: MappingProxyType({}))

    def for_marketplace(self, marketplace: str | None) -> dict[str, Target]:
        targets = dict(DEFAULT_TARGET_SET)
        for pattern in reversed(_patterns(marketplace)):  # least specific first
            targets.update(self.tables.get(pattern, {}))
        return targets

    def as_dict(self) -> dict[str, dict[str, dict[str, str]]]:
        return {
            pattern: {
                key: {"target": format_percent(t.limit, plain=True), "warning": format_percent(t.warning, plain=True)}
                for key, t in table.items()
            }
            for pattern, table in self.tables.items()
        }


def _patterns(marketplace: str | None) -> list[str]:
    """`amazon.co.uk` -> ["amazon.co.uk", "amazon.co", "amazon", "*"]: most specific first."""
    name = (marketplace or "").strip().lower()
    out = []
    parts = name.split(".") if name else []
    for n in range(len(parts), 0, -1):
        out.append(".".join(parts[:n]))
    out.append("*")
    return out


DEFAULT_TARGETS = HealthTargets()


def targets_from_rules(data: Any, bad: Callable[[str, str], Exception], base: HealthTargets | None = None) -> HealthTargets:
    """The `health` section of a rules file: `{marketplace: {metric: "1%" | 0.01 | {target, warning}}}`.

    `bad(where, problem)` builds the exception for an entry that does not validate.
    """
    tables = {k: dict(v) for k, v in (base or DEFAULT_TARGETS).tables.items()}
    if not isinstance(data, dict):
        raise bad("health", _("expected tables such as [health.amazon]"))
    for pattern, table in data.items():
        where = f"health.{pattern}"
        key = str(pattern).strip().lower()
        if not key or (key != "*" and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)*", key)):
            raise bad(where, _('expected a marketplace such as amazon, "amazon.de" or "*" for all'))
        if not isinstance(table, dict):
            raise bad(where, _("expected a table of targets ({items})", items=", ".join(METRIC_KEYS)))
        merged = tables.setdefault(key, {})
        for name, value in table.items():
            metric = METRIC_BY_KEY.get(str(name).replace("-", "_"))
            if metric is None:
                raise bad(f"{where}.{name}", _("unknown metric; use {items}", items=", ".join(METRIC_KEYS)))
            merged[metric.key] = _target(metric, value, partial(bad, f"{where}.{name}"))
    return HealthTargets(MappingProxyType({k: MappingProxyType(v) for k, v in tables.items()}))


def _target(metric: Metric, value: Any, bad: Callable[[str], Exception]) -> Target:
    spec = value if isinstance(value, dict) else {"target": value}
    for key in spec:
        if key not in ("target", "warning"):
            raise bad(_("unknown setting {key!r}; use target and warning", key=key))
    if "target" not in spec:
        raise bad(_("a target is needed, e.g. { target = \"1%\", warning = \"0.8%\" }"))
    try:
        limit = parse_rate(spec["target"])
        warning = parse_rate(spec["warning"]) if "warning" in spec else default_warning(metric, limit)
    except ValueError as exc:
        raise bad(str(exc)) from None
    if limit in (0, 1):
        raise bad(_("a target of {target} can never be met; give one between 0% and 100%", target=format_percent(limit)))
    if metric.higher_is_better and not limit <= warning <= 1:
        raise bad(_("the warning must be at or above the target ({target}), got {warning}", target=format_percent(limit),
                    warning=format_percent(warning)))
    if not metric.higher_is_better and not 0 <= warning <= limit:
        raise bad(_("the warning must be at or below the target ({target}), got {warning}", target=format_percent(limit),
                    warning=format_percent(warning)))
    return Target(metric.key, limit, warning)


def targets_of(rules: Any) -> HealthTargets:
    """The health targets of a Rules object (Amazon's everywhere when the rules file sets none)."""
    return getattr(rules, "health", None) or DEFAULT_TARGETS


# ----- records (what is stored) --------------------------------------------------------------


@dataclass(frozen=True)
class HealthRecord:
    """The figures of one account read on one day: what `health set` or one import row records."""

    account: str
    day: date
    values: Mapping[str, Decimal]  # metric key -> fraction
    source: str = "manual"

    def to_event(self, when: int | None = None) -> Event:
        return Event(
            now() if when is None else when,
            self.account,
            ACTION,
            RECORDED,
            {
                "date": self.day.isoformat(),
                "values": {k: format_percent(v, plain=True) for k, v in self.values.items()},
                "source": self.source,
            },
        )


def figures_by_account(events: Iterable[Event]) -> dict[str, dict[date, dict[str, Decimal]]]:
    """account -> day -> metric -> value, from the log in the order written: for one account and
    day, a later record replaces the metrics it gives and keeps the others."""
    out: dict[str, dict[date, dict[str, Decimal]]] = {}
    for event in events:
        if event.action != ACTION or not isinstance(event.detail, dict):
            continue
        try:
            day = date.fromisoformat(str(event.detail.get("date")))
        except ValueError:
            continue
        values = event.detail.get("values")
        if not isinstance(values, dict):
            continue
        day_values = out.setdefault(event.account, {}).setdefault(day, {})
        for key, raw in values.items():
            if key not in METRIC_BY_KEY:
                continue  # a metric a later version records; ignored here rather than refused
            try:
                day_values[key] = parse_rate(raw)
            except ValueError:
                continue
    return {a: {d: v for d, v in days.items() if v} for a, days in out.items()}


# ----- standing (what is shown) --------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    day: date
    value: Decimal


@dataclass(frozen=True)
class MetricStanding:
    """One metric of one account: its latest value against the target, and its history."""

    metric: Metric
    target: Target
    history: tuple[Reading, ...]  # oldest first; the last is the latest

    @property
    def latest(self) -> Reading:
        return self.history[-1]

    @property
    def status(self) -> str:
        return status_of(self.latest.value, self.target)

    @property
    def trend(self) -> str | None:
        """Latest against the reading before it: improving, worsening or steady; None with one reading."""
        if len(self.history) < 2:
            return None
        before, after = self.history[-2].value, self.history[-1].value
        if after == before:
            return STEADY
        better = after > before if self.metric.higher_is_better else after < before
        return IMPROVING if better else WORSENING

    def breaches(self) -> tuple[Reading, ...]:
        return tuple(r for r in self.history if status_of(r.value, self.target) == BREACH)


@dataclass(frozen=True)
class AccountHealth:
    """An account's recorded figures, each metric judged against its marketplace's targets."""

    account: str
    marketplace: str
    account_status: str
    metrics: tuple[MetricStanding, ...]  # the recorded metrics, in METRICS order

    @property
    def status(self) -> str:
        return max((m.status for m in self.metrics), key=STATUS_ORDER.__getitem__, default=OK)

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({r.day for m in self.metrics for r in m.history}))

    def metric(self, key: str) -> MetricStanding | None:
        return next((m for m in self.metrics if m.metric.key == key), None)


def assess(account: Account, figures: Mapping[date, Mapping[str, Decimal]], targets: HealthTargets) -> AccountHealth:
    """Judge one account's figures against the targets of its marketplace."""
    chosen = targets.for_marketplace(account.marketplace)
    metrics = []
    for metric in METRICS:
        history = tuple(Reading(day, values[metric.key]) for day, values in sorted(figures.items()) if metric.key in values)
        if history:
            metrics.append(MetricStanding(metric, chosen[metric.key], history))
    return AccountHealth(account.name, account.marketplace or "", account.status, tuple(metrics))


def load(store, targets: HealthTargets, account: str | None = None) -> list[AccountHealth]:
    """Every account on file with recorded figures (or only `account`), by name.

    Figures of an account that was removed stay in the log but are not shown.
    """
    figures = figures_by_account(store.events(account=account, action=ACTION))
    out = []
    for name in sorted(figures):
        profile = store.find_profile(name)
        if profile is None or not figures[name]:
            continue
        out.append(assess(profile.account, figures[name], targets))
    return out


def summary(healths: Sequence[AccountHealth]) -> dict[str, int]:
    counts = {OK: 0, WARNING: 0, BREACH: 0}
    for h in healths:
        counts[h.status] += 1
    return {"accounts": len(healths), **counts}


def _reading_json(r: Reading) -> dict:
    return {"date": r.day.isoformat(), "value": float(r.value), "percent": format_percent(r.value)}


def metric_to_json(m: MetricStanding) -> dict:
    return {
        "metric": m.metric.key,
        "label": m.metric.label,
        "label_zh": m.metric.label_zh,
        "value": float(m.latest.value),
        "percent": format_percent(m.latest.value),
        "date": m.latest.day.isoformat(),
        "target": {"rule": m.target.rule, "value": float(m.target.limit), "percent": format_percent(m.target.limit)},
        "warning_at": {"value": float(m.target.warning), "percent": format_percent(m.target.warning)},
        "status": m.status,
        "trend": m.trend,
        "history": [_reading_json(r) for r in m.history],
    }


def health_to_json(h: AccountHealth) -> dict:
    days = h.days
    return {
        "account": h.account,
        "marketplace": h.marketplace,
        "account_status": h.account_status,
        "status": h.status,
        "first_date": days[0].isoformat() if days else None,
        "last_date": days[-1].isoformat() if days else None,
        "dates": len(days),
        "metrics": [metric_to_json(m) for m in h.metrics],
    }


def trend_text(m: MetricStanding, limit: int = 6) -> str:
    """The last few readings and the direction: "0.4% → 0.9% → 1.2% (worsening)"."""
    shown = m.history[-limit:]
    text = " → ".join(format_percent(r.value) for r in shown)
    if len(m.history) > limit:
        text = "… → " + text
    return _("{readings} ({trend})", readings=text, trend=translate(m.trend)) if m.trend else text


# ----- the audit: in breach, and exposed through links ---------------------------------------


@dataclass(frozen=True)
class Exposed:
    """An account linked, directly or through a chain, to an account whose health is in breach.

    `chain` holds the audit's links (engine.Link), oriented from `because_of` to `account`.
    """

    account: str
    because_of: str
    chain: tuple


@dataclass(frozen=True)
class AuditHealth:
    """What the audit says about health: accounts at risk of suspension, close to it, and exposed."""

    recorded: int  # accounts on file with figures
    in_breach: tuple[AccountHealth, ...]
    warning: tuple[AccountHealth, ...]
    exposed: tuple[Exposed, ...]
    account: str | None = None  # the audit's --account: only what concerns it is kept


def exposure(clusters: Iterable, sources: Iterable[str], statuses: Mapping[str, str]) -> tuple[Exposed, ...]:
    """Breadth-first from every source over the clusters' links, as the audit's taint from
    suspended accounts: each account reached is exposed, with the chain from its nearest source.

    The links are the ones `audit` shows for each cluster (its strongest links), so the chain
    given is one the audit also prints. Suspended and closed accounts are passed through but
    not listed: they are down already.
    """
    neighbours: dict[str, list[tuple[str, Any]]] = {}
    for cluster in clusters:
        for link in cluster.chain:
            neighbours.setdefault(link.a, []).append((link.b, link))
            neighbours.setdefault(link.b, []).append((link.a, link))
    starts = sorted(set(sources))
    came_from: dict[str, tuple[str, Any] | None] = {s: None for s in starts}
    origin = {s: s for s in starts}
    queue = deque(starts)
    while queue:
        here = queue.popleft()
        for there, link in sorted(neighbours.get(here, ()), key=lambda step: step[0]):
            if there in came_from:
                continue
            came_from[there] = (here, link)
            origin[there] = origin[here]
            queue.append(there)
    out = []
    for name, step in came_from.items():
        if step is None or statuses.get(name) in DOWN_STATUSES:
            continue
        chain = []
        node = name
        while came_from[node] is not None:
            prev, link = came_from[node]  # type: ignore[misc]  # the while test: not None
            chain.append(link if link.a == prev else replace(link, a=prev, b=node))
            node = prev
        chain.reverse()
        out.append(Exposed(name, origin[name], tuple(chain)))
    out.sort(key=lambda e: (len(e.chain), e.account))
    return tuple(out)


def audit_health(result, healths: Sequence[AccountHealth], statuses: Mapping[str, str],
                 account: str | None = None) -> AuditHealth:
    """Accounts in breach (at risk of suspension), in warning, and every account a breach exposes.

    `result` is the engine's Audit; `statuses` maps account names to their status.
    An account already suspended or closed is not at risk of suspension: it is left out.
    """
    live = [h for h in healths if h.account_status not in DOWN_STATUSES]
    in_breach = tuple(h for h in live if h.status == BREACH)
    warning = tuple(h for h in live if h.status == WARNING)
    exposed = exposure(result.clusters, [h.account for h in in_breach], statuses)
    if account is not None:
        exposed = tuple(
            e for e in exposed if account == e.because_of or any(account in (link.a, link.b) for link in e.chain)
        )
        causes = {e.because_of for e in exposed} | {account}
        in_breach = tuple(h for h in in_breach if h.account in causes)
        warning = tuple(h for h in warning if h.account == account)
    return AuditHealth(len(healths), in_breach, warning, exposed, account)


def _link_json(link) -> dict:
    return {"from": link.a, "to": link.b, "kinds": list(link.kinds), "level": link.level.label}


def _problem_metrics(h: AccountHealth, status: str) -> list[dict]:
    return [metric_to_json(m) for m in h.metrics if m.status == status]


def audit_health_to_json(ah: AuditHealth) -> dict:
    """The `health` part of `audit --format json`."""
    return {
        "recorded": ah.recorded,
        "in_breach": [
            {"account": h.account, "marketplace": h.marketplace, "metrics": _problem_metrics(h, BREACH)}
            for h in ah.in_breach
        ],
        "warning": [
            {"account": h.account, "marketplace": h.marketplace, "metrics": _problem_metrics(h, WARNING)}
            for h in ah.warning
        ],
        "exposed": [
            {"account": e.account, "because_of": e.because_of, "chain": [_link_json(link) for link in e.chain]}
            for e in ah.exposed
        ],
    }


def metric_clause(m: MetricStanding) -> str:
    """"order defect rate 1.2% (target below 1%, 2026-11-01)"."""
    return _("{metric} {value} (target {target}, {day})", metric=metric_label(m.metric),
             value=format_percent(m.latest.value), target=m.target.text(language()), day=m.latest.day.isoformat())


def metric_label(metric: Metric) -> str:
    """The metric's name in the interface language."""
    return metric.label_zh if language() == "zh" else metric.label


# ----- import --------------------------------------------------------------------------------


# Headers are compared as `import` compares them (registry.columns.column_key: case, full-width
# characters, spaces and the difference between '_', '-' and ' ' folded).
_COLUMNS: dict[str, str] = {column_key(name): field for name, field in
                            (("account", "account"), ("name", "account"), ("date", "date"), ("日期", "date"))}
# The account column under any name `import` takes for it (Store, Shop name, 店铺名称...).
_COLUMNS.update((column_key(alias), "account") for alias in ALIASES["account"])
for _m in METRICS:
    _COLUMNS[column_key(_m.key)] = _m.key
    _COLUMNS[column_key(_m.option.lstrip("-"))] = _m.key
    for _alias in _m.aliases:
        _COLUMNS[column_key(_alias)] = _m.key

COLUMNS_HELP = "account, date, " + ", ".join(METRIC_KEYS)


def read_import(path: Path, fmt: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The rows of a health import file as (origin, {column: raw value}); structural problems raise
    InvalidInput. Columns are mapped to account, date and the metric keys."""
    fmt = fmt or _format_of(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(_("{path}: cannot read ({strerror})", path=path, strerror=os_reason(exc))) from None
    if size > MAX_IMPORT_BYTES:
        raise InvalidInput(_("{path}: larger than {n} MiB; split it", path=path, n=MAX_IMPORT_BYTES // (1024 * 1024)))
    try:
        raw = read_capped(path, MAX_IMPORT_BYTES)
    except NotRegularFile:
        raise InvalidInput(_("{path}: cannot read (not a regular file)", path=path)) from None
    except FileTooLarge:
        raise InvalidInput(_("{path}: larger than {n} MiB; split it", path=path, n=MAX_IMPORT_BYTES // (1024 * 1024))) from None
    except OSError as exc:
        raise InvalidInput(_("{path}: cannot read ({strerror})", path=path, strerror=os_reason(exc))) from None
    refuse_spreadsheet(path, raw[:4])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if fmt == "json":
            raise InvalidInput(_("{path}: not UTF-8 text", path=path)) from None
        try:
            text = raw.decode("gb18030")  # what Chinese Excel writes
        except UnicodeDecodeError:
            raise InvalidInput(_("{path}: not UTF-8 (nor GB18030) text; save it as CSV UTF-8", path=path)) from None
    return _json_rows(path, text) if fmt == "json" else _csv_rows(path, text)


def _format_of(path: Path) -> str:
    refuse_spreadsheet(path, b"")  # a workbook by its name: how to save it as CSV, not --input-format
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    raise InvalidInput(_("{path}: cannot tell the format from the extension; add --input-format json or csv", path=path))


def _map_columns(names: Iterable[str], where: str, *, members: bool = False) -> dict[str, str]:
    mapped, unknown = {}, []
    names = list(names)
    for name in names:
        key = _COLUMNS.get(column_key(name)) if isinstance(name, str) else None
        if key is None:
            unknown.append(str(name))
        else:
            mapped[name] = key
    if unknown:
        raise InvalidInput(_("{where}: unknown column(s) {items}; use {COLUMNS_HELP}", where=where, items=', '.join((repr(u) for u in unknown))[:200], COLUMNS_HELP=COLUMNS_HELP))
    # Two columns for one thing (odr and order_defect_rate, or odr twice): which value is meant
    # cannot be told, so neither is taken.
    keys = [_COLUMNS[column_key(name)] for name in names]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        if members:  # a JSON record's
            raise InvalidInput(_("{where}: two members for {items}; keep one", where=where, items=", ".join(twice)))
        raise InvalidInput(_("{where}: two columns for {items}; keep one", where=where, items=", ".join(twice)))
    return mapped


def _csv_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return []
        header = [h.strip() for h in header]
        mapped = _map_columns([h for h in header if h], _("{file} header", file=path.name))
        if "account" not in mapped.values() or "date" not in mapped.values():
            raise InvalidInput(_("{name}: the header needs account and date columns, and metric columns ({items})", name=path.name, items=', '.join(METRIC_KEYS)))
        rows = []
        for number, row in enumerate(reader, 2):  # numbered as a spreadsheet shows them
            if not any(cell.strip() for cell in row):
                continue
            origin = _("{file} row {row}", file=path.name, row=number)
            if len(row) > len(header):
                rows.append((origin, {"__problem__": _("{cells} cells but only {columns} columns", cells=len(row),
                                                       columns=len(header))}))
                continue
            rows.append((origin, {mapped[h]: cell for h, cell in zip(header, row, strict=False) if h in mapped}))
        return rows
    except csv.Error as exc:
        raise InvalidInput(_("{name}: malformed CSV ({exc})", name=path.name, exc=str(exc)[:120])) from None


def _json_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(_("{name}: not valid JSON ({msg} at line {lineno})", name=path.name, msg=exc.msg, lineno=exc.lineno)) from None
    except RecursionError:
        raise InvalidInput(_("{name}: not valid JSON (nested too deeply)", name=path.name)) from None
    if isinstance(data, dict) and isinstance(data.get("health"), list):
        data = data["health"]
    if not isinstance(data, list):
        raise InvalidInput(_("{name}: expected a list of records ({{\"account\": …, \"date\": …, \"odr\": \"0.4%\"}}) or {{\"health\": [records]}}", name=path.name))
    rows = []
    for i, item in enumerate(data, 1):
        origin = _("{file} record {n}", file=path.name, n=i)
        if not isinstance(item, dict):
            rows.append((origin, {"__problem__": _("expected an object with account, date and metrics")}))
            continue
        try:
            mapped = _map_columns(item.keys(), origin, members=True)
        except InvalidInput as exc:
            rows.append((origin, {"__problem__": re.split(": |：", exc.message, maxsplit=1)[-1]}))
            continue
        rows.append((origin, {mapped[k]: v for k, v in item.items()}))
    return rows


def record_from_row(cells: Mapping[str, Any], *, source: str = "import",
                    latest: date | None = None) -> tuple[HealthRecord | None, list[str]]:
    """One row's record, or the list of what is wrong with it (every problem, not just the first)."""
    problems = []
    if "__problem__" in cells:
        return None, [cells["__problem__"]]
    name = cells.get("account")
    name = name.strip() if isinstance(name, str) else name
    if not isinstance(name, str) or not name:
        problems.append(_("no account name"))
    day = None
    if cells.get("date") in (None, ""):
        problems.append(_("no date"))
    else:
        try:
            day = parse_date(cells["date"], latest=latest)
        except ValueError as exc:
            problems.append(_("date: {reason}", reason=exc))
    values = {}
    bad_figure = False
    for metric in METRICS:
        raw = cells.get(metric.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            values[metric.key] = parse_rate(raw)
        except ValueError as exc:
            # The figure by its column name in English, by Amazon's Chinese name in Chinese.
            shown = metric.label_zh if language() == "zh" else metric.key
            problems.append(_("{metric}: {reason}", metric=shown, reason=exc))
            bad_figure = True
    if not values and not bad_figure:
        problems.append(_("no figures; give at least one of {items}", items=", ".join(METRIC_KEYS)))
    if problems:
        return None, problems
    # No problems: the name is a non-empty str and the day was parsed.
    return HealthRecord(name, day, MappingProxyType(values), source), []  # type: ignore[arg-type]


def validate_import(rows: Sequence[tuple[str, Mapping[str, Any]]], known: Callable[[str], bool],
                    suggest: Callable[[str], str | None] | None = None) -> list[HealthRecord]:
    """Every row's record, or ImportErrors listing every problem of every row (nothing is written).

    `known(name)` says whether an account is on file, `suggest(name)` which one on file a
    name not on file may be a typo of. A second row for the same account and day is refused:
    one file should say one thing per day.
    """
    records: list[HealthRecord] = []
    problems: list[str] = []
    bad_rows = 0
    seen: dict[tuple[str, date], str] = {}
    unknown: dict[str, bool] = {}
    guesses: dict[str, str | None] = {}
    for origin, cells in rows:
        record, row_problems = record_from_row(cells)
        if record is not None:
            if record.account not in unknown:
                unknown[record.account] = not known(record.account)
            if unknown[record.account]:
                if record.account not in guesses:
                    guesses[record.account] = suggest(record.account) if suggest is not None else None
                guess = guesses[record.account]
                if guess is not None:
                    row_problems.append(_("no account named {name} on file (did you mean {guess}?)",
                                          name=quoted(record.account), guess=guess))
                else:
                    row_problems.append(_("no account named {name} on file (`linkcheck account list`)",
                                          name=quoted(record.account)))
            earlier = seen.get((record.account, record.day))
            if earlier is not None:
                row_problems.append(_("{name} {day} is already given in {earlier}",
                                      name=quoted(record.account) if unknown[record.account] else record.account,
                                      day=record.day.isoformat(), earlier=earlier))
            else:
                seen[(record.account, record.day)] = origin
        if row_problems:
            bad_rows += 1
            problems.extend(_("{origin}: {problem}", origin=origin, problem=p) for p in row_problems)
        else:
            records.append(record)  # type: ignore[arg-type]  # a row without problems has a record
    if problems:
        raise ImportErrors(problems, rows=bad_rows)
    if not records:
        raise InvalidInput(_("no records in the file; expected columns {columns}", columns=COLUMNS_HELP))
    return records


# ----- the standing paragraph for an appeal --------------------------------------------------

_NUMBERS_EN = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def _day_en(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"  # not strftime: its month names follow the locale


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def _day_zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _join_en(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _join_zh(items: Sequence[str], sep: str = "、") -> str:
    if len(items) <= 1:
        return "".join(items)
    return sep.join(items[:-1]) + "和" + items[-1]


def _marketplace_owner(marketplace: str, lang: str) -> str:
    from .registry.regions import marketplace_site

    site = marketplace_site(marketplace or "") or marketplace or ""  # 美国站 is amazon.com
    amazon = site.lower().split(".")[0] == "amazon"
    if lang == "zh":
        return "亚马逊" if amazon else "平台"
    return "Amazon's" if amazon else "the marketplace's"


def standing_paragraph(health: AccountHealth, lang: str = "en", *, subject: str | None = None) -> str:
    """The account-health paragraph of an appeal, in English (`en`) or Chinese (`zh`), from the
    recorded figures: the latest value of each metric against its target, honest about any
    metric still out of target, and what the history shows (figures kept within target on every
    recorded date, a breach brought back within target, or a breached metric coming down).

    `subject` names the account in the text (default: "our account" / "我们账户").
    Raises UsageError when nothing is recorded.
    """
    if lang not in ("en", "zh"):
        raise UsageError(_("unknown language {lang!r}; use en or zh", lang=lang))
    if not health.metrics:
        raise UsageError(
            _("no health figures recorded for {account}; `linkcheck health set {account} --date … --odr …` records them", account=health.account)
        )
    return _paragraph_zh(health, subject) if lang == "zh" else _paragraph_en(health, subject)


def standing_from_store(store, account: str, lang: str = "en", *, targets: HealthTargets = DEFAULT_TARGETS,
                        subject: str | None = None) -> str:
    """The standing paragraph of `account` from an open store: what the appeal calls.

    UsageError when the account is unknown or has no figures (the message says how to record them).
    """
    profile = store.profile(account)
    figures = figures_by_account(store.events(account=account, action=ACTION)).get(account, {})
    return standing_paragraph(assess(profile.account, figures, targets), lang, subject=subject)


def _count_en(n: int) -> str:
    return _NUMBERS_EN.get(n, str(n))


def _paragraph_en(h: AccountHealth, subject: str | None) -> str:
    who = subject or "our account"
    owner = _marketplace_owner(h.marketplace, "en")
    last = max(m.latest.day for m in h.metrics)

    def recorded_on(m: MetricStanding) -> str:
        return "" if m.latest.day == last else f", recorded on {_day_en(m.latest.day)}"

    met = [m for m in h.metrics if m.status != BREACH]
    missed = [m for m in h.metrics if m.status == BREACH]
    sentences = []
    opening = f"As of {_day_en(last)}, {who}"
    if len(met) == len(METRICS):
        values = [f"its {m.metric.label} is {format_percent(m.latest.value)} (target {m.target.text()}{recorded_on(m)})"
                  for m in met]
        sentences.append(f"{opening} meets all four of {owner} account health targets: {_join_en(values)}.")
    elif met:
        noun = "target" if len(met) == 1 else "targets"
        values = [f"its {m.metric.label} ({format_percent(m.latest.value)}, target {m.target.text()}{recorded_on(m)})"
                  for m in met]
        sentences.append(f"{opening} meets {owner} account health {noun} for {_join_en(values)}.")
    for i, m in enumerate(missed):
        if i:
            lead = "Nor does it yet meet the target for its"
        elif met:
            lead = "It does not yet meet the target for its"
        else:
            lead = f"{opening} does not yet meet {owner} target for its"
        when = "" if m.latest.day == last else f" on {_day_en(m.latest.day)}"
        sentence = (
            f"{lead} {m.metric.label}, which is {format_percent(m.latest.value)}{when} "
            f"against a target {m.target.text()}"
        )
        previous = m.history[-2] if len(m.history) > 1 else None
        if previous is not None and m.trend == IMPROVING:
            direction = "up" if m.metric.higher_is_better else "down"
            sentence += f", {direction} from {format_percent(previous.value)} on {_day_en(previous.day)}"
        sentences.append(sentence + ".")
    days = h.days
    if len(days) > 1:
        recovered = [m for m in met if m.breaches()]
        history = f"We have recorded these figures on {_count_en(len(days))} dates since {_day_en(days[0])}"
        if not missed and not recovered:
            sentences.append(f"{history}, and every figure recorded has met its target.")
        else:
            sentences.append(history + ".")
        for m in recovered:
            worst = m.breaches()[-1]
            sentences.append(
                f"The {m.metric.label} was outside its target on {_day_en(worst.day)} "
                f"({format_percent(worst.value)}) and has since been brought back within it."
            )
    return " ".join(sentences)


def _paragraph_zh(h: AccountHealth, subject: str | None) -> str:
    who = subject or "我们账户"
    owner = _marketplace_owner(h.marketplace, "zh")
    last = max(m.latest.day for m in h.metrics)

    def value(m: MetricStanding) -> str:
        when = "" if m.latest.day == last else f"，{_day_zh(m.latest.day)}数据"
        return f"{m.metric.label_zh}为{format_percent(m.latest.value)}（要求{m.target.text('zh')}{when}）"

    met = [m for m in h.metrics if m.status != BREACH]
    missed = [m for m in h.metrics if m.status == BREACH]
    sentences = []
    opening = f"截至{_day_zh(last)}，{who}"
    if not missed:
        if len(h.metrics) == len(METRICS):
            sentences.append(f"{opening}的四项账户状况指标均达到{owner}的要求：{'，'.join(value(m) for m in met)}。")
        else:
            both = "均" if len(met) > 1 else ""
            sentences.append(f"{opening}的{'，'.join(value(m) for m in met)}，{both}达到{owner}的要求。")
    else:
        parts = []
        if met:
            parts.append(f"{opening}的{_join_zh([m.metric.label_zh for m in met])}已达到{owner}的要求：{'，'.join(value(m) for m in met)}")
            head = "但"
        else:
            head = f"{opening}的"
        clauses = []
        for m in missed:
            when = "" if m.latest.day == last else f"（{_day_zh(m.latest.day)}数据）"
            clause = f"{m.metric.label_zh}为{format_percent(m.latest.value)}{when}，尚未达到{m.target.text('zh')}的要求"
            previous = m.history[-2] if len(m.history) > 1 else None
            if previous is not None and m.trend == IMPROVING:
                verb = "升至" if m.metric.higher_is_better else "降至"
                clause += f"，已从{_day_zh(previous.day)}的{format_percent(previous.value)}{verb}{format_percent(m.latest.value)}"
            clauses.append(clause)
        parts.append(head + "；".join(clauses))
        sentences.append("；".join(parts) + "。")
    days = h.days
    if len(days) > 1:
        recovered = [m for m in met if m.breaches()]
        history = f"自{_day_zh(days[0])}以来，我们共记录了{len(days)}次数据"
        if not missed and not recovered:
            sentences.append(f"{history}，各项指标始终符合要求。")
        else:
            sentences.append(history + "。")
        for m in recovered:
            worst = m.breaches()[-1]
            sentences.append(
                f"{m.metric.label_zh}在{_day_zh(worst.day)}曾为{format_percent(worst.value)}，未达到要求，现已恢复到要求范围内。"
            )
    return "".join(sentences)
