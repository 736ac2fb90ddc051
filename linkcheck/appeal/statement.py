"""The separation statement's model: what it says, built from the store's profiles.

The statement is laid out and worded by appeal/document.py, written in a format by
appeal/render.py (HTML: appeal/render_html.py) and signed by appeal/signing.py."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Sequence

from ..i18n import _
from .. import i18n
from ..crypto import hkdf
from ..linkage import engine
from ..registry import kinds
from ..errors import EXIT_FINDINGS, InvalidInput, LinkcheckError, UsageError
from ..models import EVERY_HOLDER, Attribute, Event, Explanation, Profile, is_current, iso, now
from ..linkage.rules import DEFAULT_RULES, FACETS, Rules
from ..linkage.evidence import EXACT, NETWORK, NORMALISED
from ..linkage.explained import value_keys
from ..registry.facets import AROUND_FACETS, BLOCKING_PREFIX
from ..safetext import check_free_text

FORMATS = ("text", "markdown", "html", "json")
LANGS = i18n.LANGS
FORMAT_VERSION = 1

# Kinds of this registry category describe the business rather than identify it: they go to
# "Business separation", one row per kind, not to the evidence table.
BUSINESS_CATEGORY = "business"
# Families whose sharing means a login environment (network, computer, router) was shared.
ENVIRONMENT_FAMILIES = ("network", "device")
# The subject's own values are shown as entered, except these: financial numbers (by their last
# four, as Seller Central shows them), values stored only as keyed hashes, and credentials.
SUBJECT_MASKED_KINDS = frozenset(
    {"bank_account", "card", "payment_account", "id_number", "machine_id", "browser_fingerprint", "totp_secret", "cookie",
     "proxy", "proxy_account", "platform_login"}
)
# A distinguishing mark: HMAC-SHA256 of the kind and the normalised value, under a key derived
# from the store's signing seed, shortened to MARK_DIGITS hex digits (more where two would clash).
MARK_INFO = b"linkcheck/statement-value-mark/v1\x00"
MARK_DIGITS = 4


class SharedIdentifiers(LinkcheckError):
    """The accounts share identifiers with no explanation: a statement would claim too much."""

    exit_code = EXIT_FINDINGS

    def __init__(self, subject: str, shared: Sequence["SharedValue"]):
        if len(shared) == 1:
            head = _("refusing to write the statement: {subject} shares 1 identifier without an explanation, so it "
                     "would claim independence the records contradict:", subject=subject)
        else:
            head = _("refusing to write the statement: {subject} shares {count} identifiers without an explanation, "
                     "so it would claim independence the records contradict:", subject=subject, count=len(shared))
        lines = [head]
        for s in shared:
            # Masked for every account: an error message never carries a value in full.
            values = " / ".join(f"{account}: {value}" for account, value in s.masked_values or s.values)
            if i18n.language() == "zh":  # the kind by its label, the name `explain` takes beside it
                from ..gate import facet_label

                line = _("  - {label} with {other} ({kind}, {match}): {values}", label=facet_label(s.facet),
                         other=s.other, kind=s.kind, match=i18n.translate(s.match), values=values)
            else:
                kind = s.kind if s.facet == s.kind else f"{s.kind} ({s.facet})"
                line = _("  - {kind} with {other} ({match}): {values}", kind=kind, other=s.other, match=s.match, values=values)
            # A retired value is still on the marketplace's record: listed, with when its use ended.
            line += "".join(_(" ({account} until {date})", account=account, date=iso(until)[:10])
                            for account, until in s.ended)
            lines.append(line)
        lines.append(_("Record why with `linkcheck explain {subject} OTHER KIND --note TEXT`, "
                       "or add --disclose to list them in the statement.", subject=subject))
        super().__init__("\n".join(lines))
        self.shared = tuple(shared)



# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Party:
    """One account named in the statement."""

    name: str
    marketplace: str
    status: str


@dataclass(frozen=True)
class ExplanationNote:
    """Why two accounts share values of a kind, as recorded with `linkcheck explain`."""

    note: str
    when: int
    note_zh: str | None = None  # the Chinese note (`explain --note-zh`), quoted by a Chinese statement


@dataclass(frozen=True)
class SharedValue:
    """One identifier the subject shares with another account (values masked)."""

    other: str
    kind: str
    facet: str
    match: str
    score: float | None
    level: str
    values: tuple[tuple[str, str], ...]  # (account, value as shown: see ValueShower)
    reason: str
    reason_zh: str
    explanation: ExplanationNote | None
    environment: bool  # a network, device or router
    # (account, until) for each account whose use of its value has ended (identifier history):
    # a retired value still links the accounts, so it is disclosed with its dates.
    ended: tuple[tuple[str, int], ...] = ()
    masked_values: tuple[tuple[str, str], ...] = ()  # (account, masked value): for error messages


@dataclass(frozen=True)
class EvidenceRow:
    """One category (or business kind) compared across the accounts.

    `values` holds, per party in statement order, the masked values as (kind, masked) pairs.
    `result` is "shared", "distinct", "partial" (nothing shared, but not every account has a
    value), "none" (no account has one), "context" (the same common values, which never link
    accounts: a logistics provider, a product category) or "context_partial" (some of those
    values the same, others not).
    """

    key: str
    kinds: tuple[str, ...]
    values: tuple[tuple[tuple[str, str], ...], ...]
    result: str
    shared_with: tuple[str, ...] = ()
    explained: bool = False
    business: bool = False


@dataclass(frozen=True)
class AccountHistory:
    """One account's pre-login checks from the log (values already masked by the gate)."""

    account: str
    checks: int
    stops: int
    first: int | None
    last: int | None
    networks: tuple[str, ...]
    devices: tuple[str, ...]
    routers: tuple[str, ...]


@dataclass(frozen=True)
class CheckRecord:
    """One logged check, for the controls section."""

    when: int
    account: str
    action: str
    verdict: str
    conflicts: tuple[str, ...] = ()
    # made through a browser profile: this computer's own values judged by what the profile shows
    through_profile: bool = False


@dataclass(frozen=True)
class Statement:
    """Everything a separation statement says, before it is rendered in a format and language."""

    lang: str
    date: int
    subject: Party
    others: tuple[Party, ...]
    operator: str | None
    values_compared: int
    evidence: tuple[EvidenceRow, ...]
    business: tuple[EvidenceRow, ...]
    shared: tuple[SharedValue, ...]
    history: tuple[AccountHistory, ...]
    checks: tuple[CheckRecord, ...]
    notes: tuple[tuple[str, str], ...]  # (account, note)
    environment_shared: bool
    marked: bool = False  # some values carry a distinguishing mark ("陈* [3f2a]")

    @property
    def parties(self) -> tuple[Party, ...]:
        return (self.subject,) + self.others

    @property
    def fully_explained(self) -> bool:
        return all(s.explanation is not None for s in self.shared)


# ---------------------------------------------------------------------------------------------
# Building


def statement_rules(rules: Rules) -> Rules:
    """The rules a statement compares with: the user's, but never less strict than the defaults.

    A rules file may make a facet stronger, but a statement states facts: a facet the user
    switched off or demoted to context, or a fuzzy threshold raised above the default, would
    let it call "distinct" what the store records as the same.
    """
    facets = {}
    for name, rule in rules.facets.items():
        default = DEFAULT_RULES.facets.get(name)
        if default is not None and (rule.level is None or (rule.context and not default.context)):
            rule = default
        facets[name] = rule
    fuzzy = {}
    for name, fuzzy_rule in rules.fuzzy.items():
        fuzzy_default = DEFAULT_RULES.fuzzy.get(name)
        if fuzzy_default is not None and fuzzy_default.threshold is not None:
            if fuzzy_rule.threshold is None or fuzzy_rule.threshold > fuzzy_default.threshold:
                fuzzy_rule = replace(fuzzy_rule, threshold=fuzzy_default.threshold)
        fuzzy[name] = fuzzy_rule
    return replace(rules, facets=MappingProxyType(facets), fuzzy=MappingProxyType(fuzzy))


def is_business_kind(kind: str) -> bool:
    return kinds.KINDS[kind].category == BUSINESS_CATEGORY


def check_kind(kind: str) -> str:
    """A kind (or a finer facet such as ip_network) that an explanation may name."""
    kind = (kind or "").strip().lower()
    if kind in kinds.KIND_NAMES or kind in FACETS:
        return kind
    raise UsageError(_("unknown kind {kind!r}; use one of: {items}", kind=kind, items=', '.join(kinds.KIND_NAMES)))


def record_explanation(
    store, name: str, other: str, kind: str, note: str | None, *, when: int | None = None,
    note_zh: str | None = None, values: Sequence[str] = (), rules: Rules = DEFAULT_RULES,
) -> tuple[Explanation, tuple[str, ...]]:
    """Record why NAME and OTHER legitimately share values of KIND (replacing an earlier note for
    the same values); `note_zh` is the same explanation in Chinese, which a Chinese appeal quotes
    instead. It covers `values` (as written, any spelling), or without them the values of KIND the
    two share now; never another value they come to share later. Returns it with the covered values,
    masked (for the message). NAME None: every account holding `values` (a hub)."""
    kind = check_kind(kind)
    if name is not None and name == other:
        raise UsageError(_("an explanation needs two different accounts"))
    for account in (name, other) if name is not None else ():
        if not store.has_account(account):
            raise UsageError(_("no account named {account!r}; `linkcheck account list` shows the accounts on file", account=account))
    text = " ".join(check_free_text("note", note or "").split())
    text_zh = " ".join(check_free_text("--note-zh", note_zh or "").split()) or None
    if len(text) > 4000 or len(text_zh or "") > 4000:
        raise InvalidInput(_("note longer than 4000 characters"))
    if name is None:
        holders = _holders(store, kind, values)
    else:
        profiles = [store.profile(name), store.profile(other)]
        holders = _named_values(profiles, kind, values, other) if values else _shared_now(profiles, kind, rules)
    keys = sorted({key for _account, attr in holders for key in value_keys(attr, kind if kind in FACETS and kind not in kinds.KIND_NAMES else None)})
    shown = tuple(dict.fromkeys(_shown(attr) for _account, attr in holders))
    first, second = sorted((name, other)) if name is not None else (EVERY_HOLDER, EVERY_HOLDER)
    explanation = Explanation((first, second), kind, text, now() if when is None else when, text_zh,
                              tuple(sorted({store.value_tag(key) for key in keys})), shown)
    store.put_explanation(explanation)
    return explanation, shown


def _shown(attr: Attribute) -> str:
    """A covered value as `explain` says it: masked as `account show` masks it; a brand or a
    logistics provider (no kind that identifies anyone) as entered."""
    if kinds.KINDS[attr.kind].sensitive:
        return kinds.mask(attr.kind, attr.normalized, attr.value)
    return " ".join(attr.value.split())


def _kind_of(kind: str) -> str:
    """The kind whose values KIND names: itself, or the first kind with the facet KIND."""
    if kind in kinds.KIND_NAMES:
        return kind
    return next(k.name for k in kinds.KINDS.values() if kind in k.facets)


def _shared_now(profiles: Sequence[Profile], kind: str, rules: Rules) -> list[tuple[str, "Attribute"]]:
    """The values of KIND (or of the facet KIND) the two accounts share now, each account's own;
    a usage error when there are none (an explanation of nothing would cover nothing)."""
    a, b = profiles
    found: list[tuple[str, Attribute]] = []
    def belongs(attr: Attribute, facet: str) -> bool:
        return kind in (attr.kind, facet)
    theirs = {key for attr in b.attributes for key in value_keys(attr)}
    for attr in a.attributes:  # exact values in common, context ones (a logistics provider) too
        for key in value_keys(attr):
            if belongs(attr, key.partition(":")[0]) and key in theirs:
                found.append((a.name, attr))
                found.extend((b.name, other) for other in b.attributes if key in other.keys)
    for pair in engine.compare(a, [b], statement_rules(rules)):  # and values alike (a typo of a name)
        for f in pair.findings:
            if f.kind == kind or f.facet == kind:
                for p in profiles:
                    found.extend((p.name, attr) for attr in p.attributes if attr.normalized == f.raw.get(p.name)
                                 and (attr.kind == f.kind or any(k.startswith(f.facet + ":") for k in attr.keys)))
    if not found:
        raise UsageError(_("{name} and {other} share no {kind} value on record now, so there is nothing to explain; "
                           "to explain a value before they share it, name it with --value VALUE",
                           name=a.name, other=b.name, kind=kind))
    return list({(n, id(attr)): (n, attr) for n, attr in found}.values())


def _named_values(profiles: Sequence[Profile], kind: str, values: Sequence[str], other: str) -> list[tuple[str, "Attribute"]]:
    """The accounts' values of KIND that are `values` (any spelling); a usage error for one neither holds."""
    from ..accounts import region_of, spellings_of

    of_kind = _kind_of(kind)
    found: list[tuple[str, Attribute]] = []
    for value in values:
        held: list[tuple[str, Attribute]] = []
        for p in profiles:
            spellings = spellings_of(p, of_kind, value, region_of(p.account, None))
            held.extend((p.name, attr) for attr in p.attributes if attr.kind == of_kind and attr.normalized in spellings)
        if not held:
            raise UsageError(_("neither {name} nor {other} holds that {kind} value (--value {shown}); "
                               "`linkcheck account show NAME` lists an account's values",
                               name=profiles[0].name, other=other, kind=of_kind, shown=kinds.mask(of_kind, value, value)))
        found.extend(held)
    return found


def _holders(store, kind: str, values: Sequence[str]) -> list[tuple[str, "Attribute"]]:
    """Every account's value of KIND that is one of `values`: what `explain --all-holders` covers."""
    if not values:
        raise UsageError(_("--all-holders explains named values for every account holding them: give KIND and "
                           "--value VALUE (e.g. `linkcheck explain --all-holders ip --value 203.0.113.7 --note TEXT`)"))
    of_kind = _kind_of(kind)
    found: list[tuple[str, Attribute]] = []
    for value in values:
        keys = [k for k in kinds.parse_value(of_kind, value).keys if not k.startswith(BLOCKING_PREFIX)
                and _facet_of(k) not in AROUND_FACETS]  # (an invalid value: InvalidValue, exit 3)
        held = [(p.name, attr) for p in (store.candidates(keys) if keys else ()) for attr in p.attributes
                if attr.kind == of_kind and set(keys) & set(attr.keys)]
        if not held:
            raise UsageError(_("no account holds that {kind} value (--value {shown}); `linkcheck account show NAME` "
                               "lists an account's values", kind=of_kind, shown=kinds.mask(of_kind, value, value)))
        found.extend(held)
    return found


def build_statement(
    store,
    name: str,
    against: Sequence[str],
    *,
    rules: Rules,
    disclose: bool = False,
    lang: str = "en",
    operator: str | None = None,
    when: int | None = None,
    include_notes: bool = False,
) -> Statement:
    """The statement comparing account NAME with each account in AGAINST.

    Account notes are the operator's private remarks ("suspended: related to another
    account"); they go into a statement meant for the marketplace only with `include_notes`.

    Raises SharedIdentifiers when they share an identifier that has no recorded explanation,
    unless `disclose`: the statement never claims an independence the store contradicts.
    """
    if lang not in LANGS:
        raise UsageError(_("unknown language {lang!r}; use one of: {items}", lang=lang, items=', '.join(LANGS)))
    others_names = list(dict.fromkeys(a.strip() for a in against if a and a.strip()))
    if not others_names:
        raise UsageError(_("name at least one account to compare with: --against OTHER"))
    if name in others_names:
        raise UsageError(_("{name!r} cannot be compared with itself; drop it from --against", name=name))
    subject = store.profile(name)
    others = [store.profile(o) for o in others_names]
    profiles = [subject] + others
    shower = ValueShower(profiles, hkdf(store.signing_key().private_bytes_raw(), MARK_INFO), lang)

    pairs = engine.compare(subject, others, statement_rules(rules), explanations=store.explanations())
    findings: list[tuple[str, engine.Finding]] = []
    for pair in pairs:
        other = pair.accounts[0] if pair.accounts[1] == name else pair.accounts[1]
        findings.extend((other, f) for f in pair.findings)

    shared = _once_per_value(
        name, profiles, [(other, f, _shared_value(name, other, f, shower)) for other, f in findings if not f.context]
    )
    unexplained = [s for s in shared if s.explanation is None]
    if unexplained and not disclose:
        raise SharedIdentifiers(name, unexplained)

    evidence, business = _evidence_rows(profiles, shared, [(o, f) for o, f in findings if f.context], shower)
    # Account-health figures share the log but say nothing about login environments.
    events = [e for e in store.events() if e.account in {p.name for p in profiles} and e.action != "health"]
    history = tuple(_account_history(p.name, events) for p in profiles)
    # A check stopped because of an account outside the statement is listed without naming it:
    # the statement must not tell a marketplace about accounts it was not asked about.
    names = {p.name for p in profiles}
    checks = tuple(
        CheckRecord(
            e.when, e.account, e.action, e.verdict,
            tuple(c for c in _strings(_detail(e).get("conflicts")) if c in names and c != e.account),
            bool(_detail(e).get("profile")),
        )
        for e in sorted(events, key=lambda e: e.when)
        if e.action in ("check", "run")
    )
    notes = tuple(
        (p.name, _scrub(p.account.note))
        for p in profiles
        if include_notes and p.account.note and p.account.note.strip()
    )
    operator = _scrub(operator) if operator and operator.strip() else _operator_in(subject, lang)
    values_compared = sum(
        1 for p in profiles for a in p.attributes if a.keys and not is_business_kind(a.kind)
    )
    return Statement(
        lang=lang,
        date=now() if when is None else when,
        subject=_party(subject),
        others=tuple(_party(p) for p in others),
        operator=operator,
        values_compared=values_compared,
        evidence=evidence,
        business=business,
        shared=shared,
        history=history,
        checks=checks,
        notes=notes,
        environment_shared=any(s.environment for s in shared),
        marked=shower.used,
    )


class ValueShower:
    """How the statement shows a value (issue 14's review: masking must not hide what it claims).

    The subject account's values are the operator's own: shown as entered, except the kinds in
    SUBJECT_MASKED_KINDS (financial numbers by their last four). The other accounts' sensitive
    values are masked, their other values (brands, logistics) shown as entered. Where two different
    values of a kind look alike once masked (陈伟 and 陈强 both "陈*"), every value of that look
    carries a mark in square brackets, in every column: equal values have equal marks, different
    values different ones, so a reader can tell them apart without seeing them."""

    def __init__(self, profiles: Sequence[Profile], mark_key: bytes, lang: str = "en"):
        self.subject = profiles[0].name
        self._words = i18n.catalog("statement", lang)
        self.used = False
        self._key = mark_key
        self._entered: dict[tuple[str, str, str], str] = {}
        looks: dict[tuple[str, str], set[str]] = {}
        masked_looks: set[tuple[str, str]] = set()
        for p in profiles:
            for a in p.attributes:
                self._entered.setdefault((p.name, a.kind, a.normalized), a.value)
                look = (a.kind, self.masked(a.kind, a.normalized, a.value))
                looks.setdefault(look, set()).add(a.normalized)
                if self._masked(p.name, a.kind):
                    masked_looks.add(look)
        self._marks: dict[tuple[str, str], str] = {}
        for (kind, _look), values in looks.items():
            if len(values) > 1 and (kind, _look) in masked_looks:
                self._marks.update(self._distinct_marks(kind, sorted(values)))

    def masked(self, kind: str, normalized: str, raw: str | None = None) -> str:
        return soften(kinds.mask(kind, normalized, raw), self._words)

    def _masked(self, account: str, kind: str) -> bool:
        if account == self.subject:
            return kind in SUBJECT_MASKED_KINDS
        entry = kinds.KINDS.get(kind)
        return entry is None or entry.sensitive

    def _distinct_marks(self, kind: str, values: list[str]) -> dict[tuple[str, str], str]:
        digests = {v: hmac.new(self._key, f"{kind}\0{v}".encode("utf-8"), hashlib.sha256).hexdigest() for v in values}
        digits = MARK_DIGITS
        while len({d[:digits] for d in digests.values()}) < len(values):
            digits += 2
        return {(kind, v): d[:digits] for v, d in digests.items()}

    def show(self, account: str, kind: str, normalized: str) -> str:
        entered = self._entered.get((account, kind, normalized))
        if self._masked(account, kind) or entered is None:
            text = self.masked(kind, normalized, entered)
        else:
            text = half_width(" ".join(entered.split()))
        mark = self._marks.get((kind, normalized))
        if mark is None:
            return text
        self.used = True
        return f"{text} [{mark}]"


# Full-width forms of ASCII (ＭＩＮＧＤＡ．ＵＳ＠ＥＸＡＭＰＬＥ．ＣＯＭ, typed with a Chinese input method)
# and the ideographic space, as their normal-width characters; in text holding Chinese, only the
# letters and digits (its full-width punctuation，（）：is Chinese punctuation).
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_HALF_WIDTH_ALNUM = {code: to for code, to in _HALF_WIDTH.items() if chr(to).isalnum()}
_IDEOGRAPH = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def half_width(text: str) -> str:
    """TEXT with full-width Latin letters and digits (and, in text without Chinese, signs) in their
    normal width: a value is shown as a reader types it, and a line breaks around it, never inside
    it (a full-width run wraps like Chinese, between any two characters)."""
    return text.translate(_HALF_WIDTH_ALNUM if _IDEOGRAPH.search(text) else _HALF_WIDTH)


def _operator_in(subject: Profile, lang: str) -> str | None:
    """The business behind SUBJECT as a statement in LANG names it (heading and signature): its
    legal name in that language where it is on file (`account set --legal-name-en`, in Chinese
    `--legal-name-local`), else a recorded company name in that script, else any recorded one."""
    acc = subject.account
    legal = (acc.legal_name_local or acc.legal_name_en) if lang == "zh" else acc.legal_name_en
    if legal and legal.strip():
        return _scrub(half_width(legal))
    companies = [a.value for a in subject.attributes if a.kind == "company_name" and is_current(a)] or \
        [a.value for a in subject.attributes if a.kind == "company_name"]
    in_script = [c for c in companies if bool(_IDEOGRAPH.search(c)) == (lang == "zh")]
    chosen = in_script or companies
    return _scrub(half_width(chosen[0])) if chosen else None


def _party(profile: Profile) -> Party:
    return Party(profile.name, profile.account.marketplace or "", profile.account.status)  # (named per language: document.py)


def _once_per_value(
    name: str, profiles: Sequence[Profile], shared: list[tuple[str, engine.Finding, SharedValue]]
) -> tuple[SharedValue, ...]:
    """Each value the subject shares with another account, once (the trial's login listed twice).

    One value can be found through several facets: an email login is a platform login and also
    a mailbox (its email key), so a login both accounts hold, or one account's login that is the
    other's contact email, comes back as an email finding and a platform-login finding. Findings
    of one pair whose values share an exact match key are one identifier; a network or domain
    around the values (an IP's /24) is one identifier too, and none beside a value in it that the
    accounts share. The first (the strongest) is kept, with an explanation any of them has."""
    keys_at: dict[tuple[str, str], list[frozenset[str]]] = {}
    for p in profiles:
        for a in p.attributes:
            exact = frozenset(k for k in a.keys if not k.startswith(BLOCKING_PREFIX))
            keys_at.setdefault((p.name, a.normalized), []).append(exact)
    groups: list[tuple[str, set[str], int]] = []  # (other, the keys the values share, index in kept)
    kept: list[SharedValue] = []
    for other, f, value in shared:
        common: set[str] = set()  # what the two values share, the finding's own facet among it
        if f.match in (EXACT, NORMALISED, NETWORK):
            prefix = f.facet + ":"
            for mine in keys_at.get((name, f.raw.get(name, "")), ()):
                for theirs in keys_at.get((other, f.raw.get(other, "")), ()):
                    both = mine & theirs
                    if any(k.startswith(prefix) for k in both):
                        common |= both
        if f.facet in AROUND_FACETS:  # the network or domain alone identifies it
            wanted = {k for k in common if _facet_of(k) == f.facet}
        else:
            wanted = {k for k in common if _facet_of(k) not in AROUND_FACETS}
        same = next((g for g in groups if g[0] == other and g[1] & wanted), None) if wanted else None
        if same is None:
            groups.append((other, common, len(kept)))
            kept.append(value)
            continue
        same[1].update(common)
        held = kept[same[2]]
        if held.explanation is None and value.explanation is not None:
            kept[same[2]] = replace(held, explanation=value.explanation)
    return tuple(kept)


def _facet_of(key: str) -> str:
    return key[: key.find(":")] if ":" in key else key


def _shared_value(name: str, other: str, f: engine.Finding, shower: ValueShower) -> SharedValue:
    # An explanation for the kind covers all its facets; one for a facet covers only that facet;
    # either covers only the values it names (linkage.explained).
    e = f.explained_by
    note = ExplanationNote(_scrub(e.note), e.when, _scrub(e.note_zh) if e.note_zh else None) if e else None
    return SharedValue(
        other=other,
        kind=f.kind,
        facet=f.facet,
        match=f.match,
        score=f.score,
        level=f.level.label,
        values=tuple(
            (account, shower.show(account, f.kind, f.raw[account]) if account in f.raw else f.values.get(account, ""))
            for account in (name, other)
        ),
        reason=f.reason,
        reason_zh=f.reason_zh,
        explanation=note,
        environment=f.family in ENVIRONMENT_FAMILIES,
        ended=tuple((account, until) for account in (name, other) if (until := f.ended(account)) is not None),
        masked_values=((name, f.values.get(name, "")), (other, f.values.get(other, ""))),
    )


_LAST_FOUR_RE = re.compile(r"\*{4}(\w{1,4})")
_STARS_RE = re.compile(r"\*+(?::\*+)*")
_ELLIPSES_RE = re.compile(r"…(?:[\s:]+…)+")


def soften(masked: str, words) -> str:
    """A masked value written for a reader, without asterisks (issue 14's review): a number by
    its last four ("ending in 4567"), a hidden part as an ellipsis ("e…@example.com",
    "3c:22:fb:…:56", "陈…"), so a hidden part never tells how long it is."""
    if masked == "****":
        return words("v_hidden")
    m = _LAST_FOUR_RE.fullmatch(masked)
    if m:
        return words("v_ending_in", last4=m.group(1))
    return _ELLIPSES_RE.sub("…", _STARS_RE.sub("…", masked))


def _evidence_rows(
    profiles: list[Profile], shared: Sequence[SharedValue], context: list[tuple[str, engine.Finding]],
    shower: ValueShower,
):
    # Identifier rows are categories, in the registry's order; business rows are single kinds.
    order = {c: i for i, c in enumerate(getattr(kinds, "CATEGORIES", ()))}
    groups: dict[str, list[str]] = {}
    business_kinds: list[str] = []
    for kind in kinds.KIND_NAMES:
        if is_business_kind(kind):
            business_kinds.append(kind)
        else:
            groups.setdefault(kinds.KINDS[kind].category, []).append(kind)
    groups = dict(sorted(groups.items(), key=lambda item: order.get(item[0], len(order))))

    def values_of(profile: Profile, kind_list: list[str], identifying: bool) -> tuple[tuple[str, str], ...]:
        out = []
        for a in profile.attributes:
            # A value that identifies no one (a private IP) is no evidence either way.
            if a.kind in kind_list and (a.keys or not identifying):
                shown = (a.kind, shower.show(profile.name, a.kind, a.normalized))
                if shown not in out:
                    out.append(shown)
        return tuple(out)

    def normalized_of(profile: Profile, kind_list: list[str]) -> frozenset[str]:
        return frozenset(a.normalized for a in profile.attributes if a.kind in kind_list)

    def row(key: str, kind_list: list[str], business: bool) -> EvidenceRow | None:
        values = tuple(values_of(p, kind_list, not business) for p in profiles)
        linking = [s for s in shared if s.kind in kind_list]
        if linking:
            # A row reads "explained" only when every value shared in it is.
            return EvidenceRow(
                key,
                tuple(kind_list),
                values,
                "shared",
                tuple(dict.fromkeys(s.other for s in linking)),
                explained=all(s.explanation is not None for s in linking),
                business=business,
            )
        if not any(values):
            return None if business else EvidenceRow(key, tuple(kind_list), values, "none")
        common = [o for o, f in context if f.kind in kind_list]
        if business:
            common += _context_shares(profiles, kind_list)
        if common:
            others = tuple(dict.fromkeys(common))
            # "same" only when the values are the same: 云途物流 and DHL against 万邑通 and DHL
            # are the same in part.
            mine = normalized_of(profiles[0], kind_list)
            same = all(normalized_of(p, kind_list) == mine for p in profiles if p.name in others)
            result = "context" if same else "context_partial"
            return EvidenceRow(key, tuple(kind_list), values, result, others, business=business)
        result = "distinct" if all(values) else "partial"
        return EvidenceRow(key, tuple(kind_list), values, result, business=business)

    evidence = tuple(r for key, ks in groups.items() if (r := row(key, ks, False)) is not None)
    business = tuple(r for k in business_kinds if (r := row(k, [k], True)) is not None)
    return evidence, business


def _context_shares(profiles: list[Profile], kind_list: list[str]) -> tuple[str, ...]:
    """Accounts sharing a context value (logistics, category) with the subject.

    The engine reports context findings only on pairs linked by something else, so for the
    business table the shared match keys are looked up directly.
    """
    mine: set[str | tuple[str, str]] = {k for a in profiles[0].attributes if a.kind in kind_list for k in a.keys}
    mine |= {(a.kind, a.normalized) for a in profiles[0].attributes if a.kind in kind_list}
    out = []
    for p in profiles[1:]:
        theirs: set[str | tuple[str, str]] = {k for a in p.attributes if a.kind in kind_list for k in a.keys}
        theirs |= {(a.kind, a.normalized) for a in p.attributes if a.kind in kind_list}
        if mine & theirs:
            out.append(p.name)
    return tuple(out)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _detail(event: Event) -> dict:
    return event.detail if isinstance(event.detail, dict) else {}


def _account_history(account: str, events: list[Event]) -> AccountHistory:
    mine = [e for e in events if e.account == account]
    checks = [e for e in mine if e.action in ("check", "run")]
    networks: dict[str, None] = {}
    devices: dict[str, None] = {}
    routers: dict[str, None] = {}
    for e in mine:
        if e.verdict in ("STOP", "ERROR"):
            continue  # the login did not go ahead: that environment was not used for this account
        detail = _detail(e)
        # The gate writes these masked (see the event detail schema); shown as written.
        for v in _strings(detail.get("networks")):
            networks[v] = None
        for v in _strings(detail.get("devices")):
            devices[v] = None
        for v in _strings(detail.get("routers")):
            routers[v] = None
    whens = [e.when for e in checks]  # the first and last check: not an import's or a capture's log entry
    return AccountHistory(
        account,
        len(checks),
        sum(1 for e in checks if e.verdict in ("STOP", "ERROR")),
        min(whens) if whens else None,
        max(whens) if whens else None,
        tuple(networks),
        tuple(devices),
        tuple(routers),
    )


# Free text (notes, explanations) is the operator's own, but a statement goes to a third party:
# an email address or a long number typed into a note is masked like any recorded value.
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_LONG_NUMBER_RE = re.compile(r"\+?\d(?:[ \-./()]{0,2}\d){6,}")
_DATE_RE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2})?")


def _scrub(text: str | None) -> str:
    if not text:
        return ""
    text = " ".join(text.split())  # one line: user text can never forge a signature marker line
    # Nor start with the marker itself (an --operator alone on its line), nor carry characters
    # that cannot be written out (lone surrogates from undecodable command-line bytes).
    text = text.replace("-----BEGIN LINKCHECK", "- - - BEGIN LINKCHECK").replace("-----END LINKCHECK", "- - - END LINKCHECK")
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = _EMAIL_RE.sub(lambda m: _mask_email(m.group(0)), text)
    return _LONG_NUMBER_RE.sub(_mask_number, text)


def _mask_number(match: re.Match) -> str:
    text = match.group(0)
    if _DATE_RE.fullmatch(text):
        return text
    return "…" + re.sub(r"\D", "", text)[-4:]


def _mask_email(text: str) -> str:
    try:
        return _STARS_RE.sub("…", kinds.mask("email", text.lower()))
    except Exception:  # noqa: BLE001 - a mask must never fail a statement; hide it all instead
        local, _, domain = text.partition("@")
        return f"{local[:1]}…@{domain}"
