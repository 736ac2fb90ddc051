"""The statement laid out as blocks once (headings, paragraphs, tables), in its language's
words, and as data (the JSON format): what every format writes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NamedTuple, Sequence

from .. import i18n
from ..registry.regions import marketplace_in
from ..linkage import engine
from ..linkage.results import reason_in
from ..registry import kinds
from ..registry.facets import FACETS
from .statement import FORMAT_VERSION, EvidenceRow, Party, SharedValue, Statement, soften

_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_CHECKS_LISTED = 30
MAX_VALUES_PER_CELL = 6

# Evidence-table row labels by kinds' category; a category not listed falls back to the label
# of its first kind.
_CATEGORY_WORDS = kinds.CATEGORY_WORDS


class _Words:
    """The statement's sentences in one language: catalogs/<lang>/statement.toml, with the
    labels of kinds and identifier categories from the registry."""

    def __init__(self, lang: str):
        self.zh = lang == "zh"
        self.catalog = i18n.catalog("statement", lang)

    def __call__(self, key: str, **values) -> str:
        return self.catalog(key, **values)

    def names(self, names: Sequence[str]) -> str:
        names = list(names)
        if len(names) <= 1:
            return "".join(names)
        return self("list_sep").join(names[:-1]) + self("and") + names[-1]

    def status(self, status: str) -> str:
        key = f"s_{status}"
        return self(key) if key in self.catalog else status

    def kind(self, kind: str) -> str:
        entry = kinds.KINDS.get(kind)
        if entry is None:
            return kind
        return entry.label_zh if self.zh else entry.label

    def value_kind(self, kind: str, value: str) -> str:
        """KIND's label beside VALUE: in Chinese a company name in Latin letters is the English
        company name (英文公司名称), not the name the company is registered under."""
        if self.zh and kind == "company_name" and not _CJK_CHAR.search(value):
            return self("company_name_latin")
        return self.kind(kind)

    def category(self, row: EvidenceRow) -> str:
        if row.business:
            return self.kind(row.key)
        words = _CATEGORY_WORDS.get(row.key)
        if words:
            return words[1 if self.zh else 0]
        return self.kind(row.kinds[0])

    def match(self, shared: SharedValue) -> str:
        if shared.match == engine.FUZZY and shared.score is not None:
            return self("m_fuzzy", score=f"{shared.score:.0f}")
        # Sharing something around the value (an email domain; not a network, which is the
        # "network" match) is named by the facet's own label in the registry.
        facet = FACETS.get(shared.facet)
        if facet is not None and facet.around and not facet.network and facet.label:
            return self("m_same_facet", facet=facet.label_zh if self.zh else facet.label)
        if shared.match == engine.NEAR and facet is not None and f"m_near_{facet.family}" in self.catalog:
            # Partial agreement reads by what agrees: an address in part, a family name.
            return self(f"m_near_{facet.family}")
        key = f"m_{shared.match}"
        return self(key) if key in self.catalog else shared.match

    def result(self, row: EvidenceRow, statement: Statement) -> str:
        if row.result == "shared":
            word = self("r_shared_explained") if row.explained else self("r_shared_disclosed")
            if len(statement.others) > 1:
                word += " " + self("with", names=self.names(row.shared_with))
            return word
        if row.result in ("context", "context_partial"):
            word = self(f"r_{row.result}")
            if len(statement.others) > 1:
                word += " " + self("with", names=self.names(row.shared_with))
            return word
        return self(f"r_{row.result}")

    def verdict(self, verdict: str) -> str:
        key = f"v_{verdict}"
        return self(key) if key in self.catalog else verdict

    def action(self, action: str) -> str:
        key = f"a_{action}"
        return self(key) if key in self.catalog else action


def _day(ts: int | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")


def _minute(ts: int | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class _Heading:
    text: str


@dataclass(frozen=True)
class _Para:
    text: str
    css: str = ""


@dataclass(frozen=True)
class _Meta:
    items: tuple[tuple[str, tuple[str, ...]], ...]


class _Value(NamedTuple):
    """A masked value in a table cell, optionally labelled with its kind."""

    masked: str
    label: str = ""
    colon: str = ": "

    def __str__(self) -> str:
        return f"{self.label}{self.colon}{self.masked}" if self.label else self.masked


@dataclass(frozen=True)
class _Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[tuple[str | _Value, ...], ...], ...]  # each cell is a list of lines
    values: tuple[bool, ...]  # which columns hold masked values
    results: tuple[str, ...] = ()  # per row: the result word's key (shared, distinct, ...)


@dataclass(frozen=True)
class _Bullets:
    items: tuple[str, ...]
    css: str = ""


def _document(st: Statement, fingerprint: str) -> tuple[str, list]:
    w = _Words(st.lang)
    subject = st.subject.name
    blocks: list = []

    def party_line(p) -> str:
        bits = [b for b in (marketplace_in(p.marketplace, st.lang), w.status(p.status)) if b]
        return w("party", name=p.name, details=w("details_sep").join(bits)) if bits else p.name

    colon = w("colon")
    meta = [(w("accounts") + colon, tuple(party_line(p) for p in st.parties)), (w("date") + colon, (_day(st.date),))]
    if st.operator:
        meta.append((w("operator") + colon, (st.operator,)))
    blocks.append(_Meta(tuple(meta)))

    blocks.append(_Heading(w("summary")))
    blocks.append(_Para(_summary(st, w)))

    # Evidence
    blocks.append(_Heading(w("evidence")))
    blocks.append(_Para(w("evidence_intro", subject=subject), "note"))
    if st.marked:
        blocks.append(_Para(w("marks_note"), "note"))
    blocks.append(_value_table(st, st.evidence, w, w("category")))

    # Shared identifiers
    if st.shared:
        blocks.append(_Heading(w("shared_heading")))
        blocks.append(_Para(w("shared_intro")))
        blocks.append(_Bullets(tuple(_shared_sentence(st, s, w) for s in st.shared), "shared"))

    # Login environment history
    blocks.append(_Heading(w("history")))
    firsts = [h.first for h in st.history if h.first]
    lasts = [h.last for h in st.history if h.last]
    if not firsts:
        blocks.append(_Para(w("history_none")))
    else:
        blocks.append(_Para(w("history_period", first=_day(min(firsts)), last=_day(max(lasts)))))
        rows = []
        for h in st.history:
            rows.append(
                (
                    (h.account,),
                    (str(h.checks),),
                    (_day(h.first),),
                    (_day(h.last),),
                    _cell_values(h.networks, w),
                    _cell_values(h.devices, w),
                    _cell_values(h.routers, w),
                )
            )
        headers = tuple(
            w(key) for key in ("account", "checks", "first_check", "last_check", "networks", "devices", "routers")
        )
        blocks.append(_Table(headers, tuple(rows), (False, False, False, False, True, True, True)))
    blocks.append(_Para(w("history_shared") if st.environment_shared else w("history_separate")))

    # Business separation
    blocks.append(_Heading(w("business")))
    if st.business:
        blocks.append(_Para(w("business_intro")))
        blocks.append(_value_table(st, st.business, w, w("item")))
    else:
        blocks.append(_Para(w("business_none")))

    # Controls
    blocks.append(_Heading(w("controls")))
    if st.checks:
        recent = st.checks[-MAX_CHECKS_LISTED:][::-1]
        if len(st.checks) == 1:
            blocks.append(_Para(w("controls_checks_one", first=_day(st.checks[0].when))))
        else:
            blocks.append(
                _Para(w("controls_checks", count=len(st.checks), first=_day(st.checks[0].when),
                        last=_day(st.checks[-1].when)))
            )
        items = [
            w(
                "check_item",
                when=_minute(c.when),
                account=c.account,
                action=w.action(c.action),
                verdict=w.verdict(c.verdict),
            )
            for c in recent
        ]
        if len(st.checks) > len(recent):
            earlier = len(st.checks) - len(recent)
            items.append(w("more_checks_one") if earlier == 1 else w("more_checks", n=earlier))
        blocks.append(_Bullets(tuple(items), "checks"))
        stops = [
            w("stopped", date=_day(c.when), account=c.account, others=w.names(c.conflicts))
            for c in st.checks
            if c.verdict == "STOP" and c.conflicts
        ]
        if stops:
            blocks.append(_Bullets(tuple(stops)))
        # what those checks compared: through a browser profile, what the profile shows websites
        profiled = sum(1 for c in st.checks if c.through_profile)
        if profiled:
            key = ("controls_profiles_all" if profiled == len(st.checks) else
                   "controls_profiles_one" if profiled == 1 else "controls_profiles")
            blocks.append(_Para(w(key, count=profiled)))
    else:
        blocks.append(_Para(w("controls_no_checks")))
    if st.notes:
        blocks.append(_Para(w("notes") + w("colon")))
        blocks.append(_Bullets(tuple(w("note_item", account=account, note=note) for account, note in st.notes)))

    # Closing
    blocks.append(_Heading(w("closing")))
    blocks.append(_Para(_closing(st, w)))
    blocks.append(_Para(w("sign_off")))
    blocks.append(_Para(st.operator or subject, "signer"))

    blocks.append(_Heading(w("signature")))
    blocks.append(_Para(w("signature_note", fingerprint=fingerprint, account=subject), "note"))
    return w("title"), blocks


def _summary(st: Statement, w: _Words) -> str:
    """One paragraph: what was compared and the result."""
    others = w.names([p.name for p in st.others])
    categories = sum(1 for r in st.evidence if r.result != "none")
    sentences = [
        w("summary_ack", subject=st.subject.name, others=others),
        w("summary_compared_one" if categories == 1 else "summary_compared", values=st.values_compared,
          categories=categories),
    ]
    if st.shared:
        explained = w("with_explanations") if st.fully_explained else ""
        key = "summary_disclosed_one" if len(st.shared) == 1 else "summary_disclosed"
        sentences.append(w(key, count=len(st.shared), with_explanations=explained) if key == "summary_disclosed"
                         else w(key, with_explanations=explained))
    else:
        sentences.append(w("summary_clean", subject=st.subject.name, others=others))
    checks = sum(h.checks for h in st.history)
    firsts = [h.first for h in st.history if h.first]
    lasts = [h.last for h in st.history if h.last]
    if checks and not st.environment_shared:
        sentences.append(w("summary_history", first=_day(min(firsts)), last=_day(max(lasts)), checks=checks))
    return ("" if w.zh else " ").join(sentences)


def _shared_sentence(st: Statement, s: SharedValue, w: _Words) -> str:
    """One disclosed identifier: what is shared, how it matched, its explanation and why it matters."""
    space = "" if w.zh else " "
    values = w("value_sep").join(f"{account} {value}" for account, value in s.values)
    line = w("shared_item", kind=w.kind(s.kind), a=st.subject.name, b=s.other, values=values, match=w.match(s))
    for account, until in s.ended:
        line += space + w("used_until", account=account, date=_day(until))
    if s.explanation is None:
        line += space + w("no_explanation")
    elif s.explanation.note:
        note = (s.explanation.note_zh if w.zh else None) or s.explanation.note
        if note[-1] not in ".!?。！？":
            note += "。" if w.zh else "."
        line += space + w("explanation", date=_day(s.explanation.when), note=note)
    else:
        line += space + w("explanation_empty", date=_day(s.explanation.when))
    reason = reason_in(s, w.zh)
    if reason:
        line += space + w("why", reason=reason)
    return line


_HEADING_KEYS = ("summary", "evidence", "shared_heading", "history", "business", "controls", "closing", "signature")


def _closing(st: Statement, w: _Words) -> str:
    if not st.shared:
        return w("closing_clean", subject=st.subject.name, others=w.names([p.name for p in st.others]))
    return w("closing_explained") if st.fully_explained else w("closing_disclosed")


def _cell_values(values: Sequence[str], w: _Words) -> tuple[str | _Value, ...]:
    if not values:
        return ("—",)
    # The gate logs values masked with asterisks; shown as the rest of the statement shows them.
    shown: list[str | _Value] = [_Value(soften(v, w)) for v in values[:MAX_VALUES_PER_CELL]]
    if len(values) > MAX_VALUES_PER_CELL:
        shown.append(w("more_values", n=len(values) - MAX_VALUES_PER_CELL))
    return tuple(shown)


def _value_table(st: Statement, rows: Sequence[EvidenceRow], w: _Words, first_header: str) -> _Table:
    headers = (first_header,) + tuple(p.name for p in st.parties) + (w("result"),)
    out = []
    results = []
    for row in rows:
        cells: list[tuple[str | _Value, ...]] = [(w.category(row),)]
        for values in row.values:
            if not values:
                cells.append((w("not_recorded"),))
                continue
            # Label each value with its kind when a category holds several kinds.
            labelled = len(row.kinds) > 1 and len({k for vals in row.values for k, _ in vals}) > 1
            colon = w("colon") if w.zh else w("colon") + " "
            cells.append(tuple(_Value(v, w.value_kind(k, v) if labelled else "", colon) for k, v in values))
        cells.append((w.result(row, st),))
        out.append(tuple(cells))
        results.append(row.result)
    columns = (False,) + (True,) * len(st.parties) + (False,)
    return _Table(headers, tuple(out), columns, tuple(results))


def statement_to_json(st: Statement) -> dict:
    """The statement as data (keys in English; labels and sentences in the statement's language)."""
    w = _Words(st.lang)

    def party(p: Party) -> dict:
        return {"name": p.name, "marketplace": p.marketplace, "status": p.status}

    def row(r: EvidenceRow) -> dict:
        return {
            "category": r.key,
            "label": w.category(r),
            "kinds": list(r.kinds),
            "values": {
                p.name: [{"kind": k, "value": v} for k, v in values]
                for p, values in zip(st.parties, r.values, strict=True)
            },
            "result": r.result,
            "result_label": w.result(r, st),
            "shared_with": list(r.shared_with),
            "explained": r.explained if r.result == "shared" else None,
        }

    firsts = [h.first for h in st.history if h.first]
    lasts = [h.last for h in st.history if h.last]
    return {
        "linkcheck_statement": FORMAT_VERSION,
        "lang": st.lang,
        "title": w("title"),
        # The section headings in the statement's language, for tools that lay the data out.
        "headings": {key.removesuffix("_heading"): w(key) for key in _HEADING_KEYS},
        "date": _day(st.date),
        "operator": st.operator,
        "subject": party(st.subject),
        "against": [party(p) for p in st.others],
        "summary": _summary(st, w),
        "result": "disclosed" if st.shared else "no_shared_identifiers",
        "values_compared": st.values_compared,
        "evidence": [row(r) for r in st.evidence],
        "shared": [
            {
                "accounts": [st.subject.name, s.other],
                "kind": s.kind,
                "label": w.kind(s.kind),
                "facet": s.facet,
                "match": s.match,
                "score": s.score,
                "level": s.level,
                "values": dict(s.values),
                "reason": reason_in(s, w.zh),
                "text": _shared_sentence(st, s, w),
                "explanation": (
                    {"note": s.explanation.note, "recorded": _day(s.explanation.when)} if s.explanation else None
                ),
            }
            for s in st.shared
        ],
        "login_history": {
            "first": _day(min(firsts)) if firsts else None,
            "last": _day(max(lasts)) if lasts else None,
            "environment_shared": st.environment_shared,
            "accounts": [
                {
                    "account": h.account,
                    "checks": h.checks,
                    "stopped": h.stops,
                    "first": _day(h.first) or None,
                    "last": _day(h.last) or None,
                    "networks": list(h.networks),
                    "devices": list(h.devices),
                    "routers": list(h.routers),
                }
                for h in st.history
            ],
        },
        "business": [row(r) for r in st.business],
        "controls": {
            "checks": [
                {"when": _minute(c.when), "account": c.account, "action": c.action, "verdict": c.verdict,
                 "conflicts": list(c.conflicts)}
                for c in st.checks
            ],
            "notes": {account: note for account, note in st.notes},
        },
        "closing": _closing(st, w),
    }
