"""What an audit finds: findings, pairs, links, clusters, hubs, accounts at risk; and their JSON."""

from __future__ import annotations

import gc
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, TypeVar

from ..models import Explanation, Level, Period, iso
from ..registry.facets import threshold_of

@dataclass(frozen=True)
class Finding:
    """One value two accounts share, explaining itself.

    `values` holds each account's masked value, `raw` the normalised values (for --reveal
    only), `seen` each account's (first_seen, last_seen). `score` is the fuzzy similarity
    (0-100) for match "fuzzy", else None. A `context` finding (logistics, category) is shown
    on a pair linked by something else and never links accounts by itself.
    """

    kind: str
    facet: str
    match: str
    score: float | None
    level: Level
    values: Mapping[str, str]
    raw: Mapping[str, str]
    seen: Mapping[str, tuple[int, int]]
    reason: str
    reason_zh: str = ""
    family: str = ""
    context: bool = False
    explanation: str | None = None
    weight: float = 0.0  # match weight in bits (linkage.evidence.weigh)
    # Each account's periods of use of its value (models.periods_of: never empty once built).
    periods: Mapping[str, tuple[Period, ...]] = field(default_factory=dict)
    # Each account's flags on its value (a tax ID whose check digits fail is "bad-checksum");
    # the JSON lists the accounts that have any.
    flags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Why the finding weighs `weight`: (term, bits, detail) triples, evidence.weight_terms.
    weight_terms: tuple[tuple[str, float, object], ...] = ()
    # The recorded explanation `explanation` quotes (its date, both notes), for a statement.
    explained_by: Explanation | None = field(default=None, compare=False, repr=False)

    @property
    def state(self) -> str:
        """"current" while both accounts still use their values, "past" once either's use ended."""
        return "past" if any(p and p[-1][1] is not None for p in self.periods.values()) else "current"

    @property
    def overlapped(self) -> bool:
        """Whether the two accounts ever used the values at the same time (a period that ends
        when the other begins did not overlap)."""
        sides = list(self.periods.values())
        if len(sides) != 2:
            return True
        return _overlap(sides[0], sides[1])

    def ended(self, account: str) -> int | None:
        """When `account`'s use of its value ended; None while it is in use."""
        periods = self.periods.get(account)
        return periods[-1][1] if periods else None

    def until_day(self, account: str) -> str:
        """The day (YYYY-MM-DD) `account`'s use of its value ended; "" while it is in use."""
        ended = self.ended(account)
        return "" if ended is None else iso(ended)[:10]


def reason_in(item, zh: bool) -> str:
    """A finding's (or a disclosed value's) reason in Chinese where `zh` and it has one, else in English."""
    return item.reason_zh if zh and item.reason_zh else item.reason


_FOREVER = float("inf")


def _overlap(a: tuple[Period, ...], b: tuple[Period, ...]) -> bool:
    """Whether two accounts' periods (each in order, none overlapping the next) share a moment:
    one walk over both lists, linear however many periods an import gave a value."""
    i = j = 0
    while i < len(a) and j < len(b):
        since_a, until_a, _ = a[i]
        since_b, until_b, _ = b[j]
        end_a = until_a if until_a is not None else _FOREVER
        end_b = until_b if until_b is not None else _FOREVER
        # Two periods that began at the same moment overlapped, even one that ended at once (a
        # value recorded and retired in the same second).
        if (since_a < end_b and since_b < end_a) or since_a == since_b:
            return True
        if end_a <= end_b:
            i += 1
        else:
            j += 1
    return False


@dataclass(frozen=True)
class PairRisk:
    """Two accounts, how strongly they are linked, and every finding, strongest first."""

    accounts: tuple[str, str]
    level: Level
    score: float
    findings: tuple[Finding, ...]
    weight: float = 0.0  # total: the strongest finding of each family, summed

    @property
    def kinds(self) -> tuple[str, ...]:
        """The facets that link the pair (context excluded), strongest first."""
        return _unique(f.facet for f in self.findings if not f.context)

    @property
    def weight_parts(self) -> tuple[tuple[str, str, float], ...]:
        """What `weight` sums: (facet, family, weight) of the strongest finding of each family
        (context excluded), strongest first."""
        best: dict[str, Finding] = {}
        for f in self.findings:
            if not f.context and (f.family not in best or f.weight > best[f.family].weight):
                best[f.family] = f
        parts = sorted(best.values(), key=lambda f: -f.weight)
        return tuple((f.facet, f.family, f.weight) for f in parts)

    @property
    def threshold(self) -> float:
        """The least weight that reaches the pair's level (registry.facets.WEIGHT_THRESHOLDS)."""
        return threshold_of(self.level)


_T = TypeVar("_T")


def _all_fields_maker(cls: type[_T]) -> Callable[..., _T]:
    """A constructor of the frozen dataclass `cls` taking every field, in order, positionally:
    the instance's dict filled at once where the generated `__init__` sets each field through
    `object.__setattr__` (the frozen guard), at half the time -- the same object (its fields in
    the same order, equal, the same repr). For the audit's tens of thousands of
    findings (engine._Materialiser)."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]  # (a dataclass)
    new = object.__new__

    def make(*values: Any) -> _T:
        obj = new(cls)
        obj.__dict__.update(zip(names, values, strict=True))
        return obj

    return make


new_finding = _all_fields_maker(Finding)
new_pair = _all_fields_maker(PairRisk)


@dataclass(frozen=True)
class Link:
    """One step of a chain: `a` and `b` share `kinds` (facets) at `level`."""

    a: str
    b: str
    kinds: tuple[str, ...]
    level: Level


@dataclass(frozen=True)
class Cluster:
    """Accounts connected by links at or above the link level.

    `chain` is a spanning tree of the strongest links (Kruskal), so `level` -- its weakest
    link -- is the level at which every account in the cluster reaches every other.
    """

    accounts: tuple[str, ...]
    level: Level
    chain: tuple[Link, ...]


@dataclass(frozen=True)
class AtRisk:
    """An account linked, directly or through a chain, to a suspended or closed account."""

    account: str
    because_of: str
    chain: tuple[Link, ...]  # from `because_of` to `account`, shortest


@dataclass(frozen=True)
class Hub:
    """A value shared by more accounts than the hub size: reported once, not as n^2 pairs.

    Its members still join one cluster (when its level reaches the link level) and carry
    taint, and it is shown as a finding on member pairs linked by something else.
    """

    kind: str
    facet: str
    level: Level
    accounts: tuple[str, ...]
    value: str  # masked (a network or domain is shown as such: 203.0.113.0/24)
    raw: str  # the normalised value, for --reveal only
    reason: str
    reason_zh: str = ""
    explanation: str | None = None  # recorded with `explain --all-holders` for the value


@dataclass(frozen=True)
class Audit:
    """Everything `audit` found: pairs strongest first, clusters, hubs and accounts at risk."""

    pairs: tuple[PairRisk, ...]
    clusters: tuple[Cluster, ...]
    at_risk: tuple[AtRisk, ...]
    hubs: tuple[Hub, ...] = ()
    pairs_omitted: int = 0  # weaker pairs beyond max_pairs: counted, not built
    pair_counts: Mapping[Level, int] = field(default_factory=dict)  # every pair, by level

    def counts_by_level(self) -> dict[str, int]:
        """Pairs per level label, including any omitted by max_pairs."""
        counts = self.pair_counts or Counter(p.level for p in self.pairs)
        return {level.label: counts.get(level, 0) for level in sorted(Level, reverse=True)}

    @property
    def level(self) -> Level | None:
        """The strongest level found (pairs and hubs), None when nothing links."""
        levels = [p.level for p in self.pairs] + [h.level for h in self.hubs]
        return max(levels) if levels else None

    @property
    def unexplained_level(self) -> Level | None:
        """The strongest level of what `explain` does not cover: pairs with a linking finding
        that has no explanation, and hubs not explained for every holder (`explain --all-holders`).
        None when nothing is."""
        levels = [p.level for p in self.pairs if any(f.explanation is None for f in p.findings if not f.context)]
        levels += [h.level for h in self.hubs if h.explanation is None]
        return max(levels) if levels else None



def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@contextmanager
def _without_cyclic_gc():
    """Pause the cyclic garbage collector. An audit allocates millions of small acyclic
    objects, and each collection would rescan the profiles' millions of attribute tuples for
    nothing (measured: ~40% of an audit of 100,000 profiles). Reference counting still frees
    everything; the collector's previous state is restored.

    What the audit allocated and kept (its result: findings, their dicts and tuples) then sits
    in the youngest generation, so the first collection after it would scan it all and move it
    up, generation by generation (FEBRL4's 10,000 profiles: 0.13 s). Long-lived by then, it goes
    straight to the oldest generation instead, unscanned (`gc.freeze()` then `gc.unfreeze()`:
    two list merges); a full collection, when it is due, still visits it and frees any cycle.
    Not when the caller froze objects itself (`gc.get_freeze_count()`): unfreezing would
    thaw them too."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _promote_young()
            gc.enable()


def _promote_young() -> None:
    """Every object in the collector's young generations moved to its oldest generation, unscanned
    (none frozen before: `gc.freeze` would move them too, and `gc.unfreeze` thaw them)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


# ---------------------------------------------------------------------------------------------
# JSON


@lru_cache(maxsize=1 << 16)
def _iso(ts: int) -> str | None:
    # models.iso's format through time.gmtime, cached: an audit's JSON renders up to a
    # million timestamps, and many repeat (one capture stamps many attributes).
    if not ts:
        return None
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % time.gmtime(ts)[:6]


def _seen_json(seen: tuple[int, int]) -> dict:
    return {"first_seen": _iso(seen[0]), "last_seen": _iso(seen[1])}


def finding_to_json(finding: Finding, *, reveal: bool = False) -> dict:
    return {
        "kind": finding.kind,
        "facet": finding.facet,
        "match": finding.match,
        "score": finding.score,
        "level": finding.level.label,
        "weight": finding.weight,
        "weight_terms": [_term_json(term) for term in finding.weight_terms],
        "context": finding.context,
        "values": dict(finding.raw if reveal else finding.values),
        "seen": {name: _seen_json(seen) for name, seen in finding.seen.items()},
        "reason": finding.reason,
        "reason_zh": finding.reason_zh,
        "explanation": finding.explanation,
        "state": finding.state,
        "periods": {name: [{"since": _iso(since), "until": _iso(until) if until is not None else None}
                           for since, until, _ in periods] for name, periods in finding.periods.items()},
        "overlapped": finding.overlapped,
        "flags": {name: list(flags) for name, flags in finding.flags.items() if flags},
    }


def _term_json(term: tuple[str, float, object]) -> dict:
    """One term of a finding's weight: {"term": "accounts", "bits": -1.0, "accounts": 4}."""
    name, bits, detail = term
    out: dict = {"term": name, "bits": bits}
    if name in ("name", "family"):
        out["share"] = float(f"{detail:.3g}")  # of people bearing the (commoner) name, or the family name
    elif name == "accounts":
        out["accounts"] = detail
    elif name == "typo":
        out["typo"] = detail  # "swap", "digit" or "checksum" (evidence.typo_reading)
    return out


def pair_to_json(pair: PairRisk, *, reveal: bool = False) -> dict:
    return {
        "accounts": list(pair.accounts),
        "level": pair.level.label,
        "score": round(pair.score, 3),
        "weight": pair.weight,
        "weight_parts": [{"facet": facet, "family": family, "weight": weight}
                         for facet, family, weight in pair.weight_parts],
        "threshold": pair.threshold,
        "findings": [finding_to_json(f, reveal=reveal) for f in pair.findings],
    }


def pairs_to_json(pairs: Iterable[PairRisk], *, reveal: bool = False) -> list[dict]:
    """Compare results (precheck, check) as JSON: a list in the audit's pair shape."""
    return [pair_to_json(p, reveal=reveal) for p in pairs]


def link_to_json(link: Link) -> dict:
    return {"from": link.a, "to": link.b, "kinds": list(link.kinds), "level": link.level.label}


def audit_to_json(result: Audit, *, reveal: bool = False, made: dict[int, tuple[PairRisk, dict]] | None = None
                  ) -> dict:
    """The audit as JSON. Other tools read this shape: keep its keys. `made`: id(pair) ->
    (the pair, its JSON made already with the same `reveal`: `exactfirst.ExactSide.json`)."""
    with _without_cyclic_gc():
        return _audit_json(result, reveal, made)


def _audit_json(result: Audit, reveal: bool, made: dict[int, tuple[PairRisk, dict]] | None = None) -> dict:
    if made:
        pairs = []
        for p in result.pairs:
            held = made.get(id(p))
            pairs.append(held[1] if held is not None and held[0] is p else pair_to_json(p, reveal=reveal))
    else:
        pairs = pairs_to_json(result.pairs, reveal=reveal)
    return {
        "pairs": pairs,
        "clusters": [
            {
                "accounts": list(c.accounts),
                "level": c.level.label,
                "chain": [link_to_json(link) for link in c.chain],
            }
            for c in result.clusters
        ],
        "at_risk": [
            {
                "account": r.account,
                "because_of": r.because_of,
                "chain": [link_to_json(link) for link in r.chain],
            }
            for r in result.at_risk
        ],
        "hubs": [
            {
                "kind": h.kind,
                "facet": h.facet,
                "level": h.level.label,
                "value": h.raw if reveal else h.value,
                "count": len(h.accounts),
                "accounts": list(h.accounts),
                "reason": h.reason,
                "reason_zh": h.reason_zh,
                # only once explained (explain --all-holders): an audit without one writes what it always did
                **({"explanation": h.explanation} if h.explanation is not None else {}),
            }
            for h in result.hubs
        ],
        "summary": audit_summary(result),
    }


def audit_summary(result: Audit) -> dict:
    """The audit's counts: the JSON's "summary", without turning every pair into JSON first."""
    return {
        "pairs": result.counts_by_level(),
        "pairs_omitted": result.pairs_omitted,
        "clusters": len(result.clusters),
        "at_risk": len(result.at_risk),
        "hubs": len(result.hubs),
    }
