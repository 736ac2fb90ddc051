"""Separation statements for appeals: the model, its rendering in four formats, signing and verification."""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
import textwrap
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Iterable, NamedTuple, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .linkage import engine
from .registry import kinds
from .crypto import canonical_json
from .errors import EXIT_FINDINGS, InvalidInput, LinkcheckError, UsageError
from .models import Event, Explanation, Profile, now
from .linkage.rules import DEFAULT_RULES, FACETS, Rules
from .safetext import check_free_text, visible

FORMATS = ("text", "markdown", "html", "json")
LANGS = ("en", "zh")
FORMAT_VERSION = 1

# Kinds of this registry category describe the business rather than identify it: they go to
# "Business separation", one row per kind, not to the evidence table.
BUSINESS_CATEGORY = "business"
# Families whose sharing means a login environment (network, computer, router) was shared.
ENVIRONMENT_FAMILIES = ("network", "device")
MAX_CHECKS_LISTED = 30
MAX_VALUES_PER_CELL = 6

BEGIN_MARK = "-----BEGIN LINKCHECK SIGNATURE-----"
END_MARK = "-----END LINKCHECK SIGNATURE-----"
SIGNATURE_ALGORITHM = "Ed25519"
# Ed25519 signs this prefix plus the SHA-256 of the content, so a signature made for a
# statement can never be replayed as a signature over anything else.
SIGNING_CONTEXT = b"linkcheck-statement-v1\x00"
_BLOCK_FIELDS = ("Algorithm", "Public-Key", "Key-Fingerprint", "Content-SHA256", "Signature")
# What a JSON statement's "signature.covers" says; verify accepts exactly this text.
JSON_COVERS = 'the canonical JSON (sorted keys, no spaces, UTF-8) of this document without "signature"'
_JSON_MEMBERS = {
    "Algorithm": "algorithm",
    "Public-Key": "public_key",
    "Key-Fingerprint": "key_fingerprint",
    "Content-SHA256": "content_sha256",
    "Signature": "signature",
}


class SharedIdentifiers(LinkcheckError):
    """The accounts share identifiers with no explanation: a statement would claim too much."""

    exit_code = EXIT_FINDINGS

    def __init__(self, subject: str, shared: Sequence["SharedValue"]):
        lines = [
            f"refusing to write the statement: {subject} shares {len(shared)} identifier"
            f"{'s' if len(shared) != 1 else ''} without an explanation, so it would claim independence "
            "the records contradict:"
        ]
        for s in shared:
            values = " / ".join(f"{account}: {value}" for account, value in s.values)
            kind = s.kind if s.facet == s.kind else f"{s.kind} ({s.facet})"
            lines.append(f"  - {kind} with {s.other} ({s.match}): {values}")
        lines.append(
            f"Record why with `linkcheck explain {subject} OTHER KIND --note TEXT`, "
            "or add --disclose to list them in the statement."
        )
        super().__init__("\n".join(lines))
        self.shared = tuple(shared)


class StatementInvalid(InvalidInput):
    """A statement file that is unsigned, altered, or signed by another key (exit 3)."""


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


@dataclass(frozen=True)
class SharedValue:
    """One identifier the subject shares with another account (values masked)."""

    other: str
    kind: str
    facet: str
    match: str
    score: float | None
    level: str
    values: tuple[tuple[str, str], ...]  # (account, masked value)
    reason: str
    reason_zh: str
    explanation: ExplanationNote | None
    environment: bool  # a network, device or router


@dataclass(frozen=True)
class EvidenceRow:
    """One category (or business kind) compared across the accounts.

    `values` holds, per party in statement order, the masked values as (kind, masked) pairs.
    `result` is "shared", "distinct", "partial" (nothing shared, but not every account has a
    value), "none" (no account has one) or "context" (the same common value, which never
    links accounts: a logistics provider, a product category).
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
    for name, rule in rules.fuzzy.items():
        default = DEFAULT_RULES.fuzzy.get(name)
        if default is not None and default.threshold is not None:
            if rule.threshold is None or rule.threshold > default.threshold:
                rule = replace(rule, threshold=default.threshold)
        fuzzy[name] = rule
    return replace(rules, facets=MappingProxyType(facets), fuzzy=MappingProxyType(fuzzy))


def is_business_kind(kind: str) -> bool:
    return kinds.KINDS[kind].category == BUSINESS_CATEGORY


def check_kind(kind: str) -> str:
    """A kind (or a finer facet such as ip_network) that an explanation may name."""
    kind = (kind or "").strip().lower()
    if kind in kinds.KIND_NAMES or kind in FACETS:
        return kind
    raise UsageError(f"unknown kind {kind!r}; use one of: {', '.join(kinds.KIND_NAMES)}")


def record_explanation(
    store, name: str, other: str, kind: str, note: str | None, *, when: int | None = None
) -> Explanation:
    """Record why NAME and OTHER legitimately share values of KIND (replacing an earlier note)."""
    kind = check_kind(kind)
    if name == other:
        raise UsageError("an explanation needs two different accounts")
    for account in (name, other):
        if not store.has_account(account):
            raise UsageError(f"no account named {account!r}; `linkcheck account list` shows the accounts on file")
    text = " ".join(check_free_text("note", note or "").split())
    if len(text) > 4000:
        raise InvalidInput("note longer than 4000 characters")
    explanation = Explanation(tuple(sorted((name, other))), kind, text, now() if when is None else when)
    store.put_explanation(explanation)
    return explanation


def shared_between(store, name: str, other: str, rules: Rules) -> list[engine.Finding]:
    """Every identifier (non-context finding) NAME and OTHER share today."""
    pairs = engine.compare(store.profile(name), [store.profile(other)], statement_rules(rules))
    return [f for p in pairs for f in p.findings if not f.context]


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
        raise UsageError(f"unknown language {lang!r}; use one of: {', '.join(LANGS)}")
    others_names = list(dict.fromkeys(a.strip() for a in against if a and a.strip()))
    if not others_names:
        raise UsageError("name at least one account to compare with: --against OTHER")
    if name in others_names:
        raise UsageError(f"{name!r} cannot be compared with itself; drop it from --against")
    subject = store.profile(name)
    others = [store.profile(o) for o in others_names]
    profiles = [subject] + others

    explained = _explanation_index(store.explanations())
    pairs = engine.compare(subject, others, statement_rules(rules))
    findings: list[tuple[str, engine.Finding]] = []
    for pair in pairs:
        other = pair.accounts[0] if pair.accounts[1] == name else pair.accounts[1]
        findings.extend((other, f) for f in pair.findings)

    shared = tuple(
        _shared_value(name, other, f, explained) for other, f in findings if not f.context
    )
    unexplained = [s for s in shared if s.explanation is None]
    if unexplained and not disclose:
        raise SharedIdentifiers(name, unexplained)

    evidence, business = _evidence_rows(profiles, shared, [(o, f) for o, f in findings if f.context])
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
        )
        for e in sorted(events, key=lambda e: e.when)
        if e.action in ("check", "run")
    )
    notes = tuple(
        (p.name, _scrub(p.account.note))
        for p in profiles
        if include_notes and p.account.note and p.account.note.strip()
    )
    company = next((a.value for a in subject.attributes if a.kind == "company_name"), None)
    operator = _scrub(operator) if operator and operator.strip() else (_scrub(company) if company else None)
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
    )


def _party(profile: Profile) -> Party:
    return Party(profile.name, profile.account.marketplace or "", profile.account.status)


def _explanation_index(explanations: Iterable[Explanation]) -> dict[tuple[str, str, str], ExplanationNote]:
    index = {}
    for e in explanations:
        a, b = sorted(e.accounts)
        index[(a, b, e.kind)] = ExplanationNote(_scrub(e.note), e.when)
    return index


def _shared_value(name: str, other: str, f: engine.Finding, explained: dict) -> SharedValue:
    a, b = sorted((name, other))
    # An explanation for the kind covers all its facets; one for a facet covers only that facet.
    note = explained.get((a, b, f.kind)) or explained.get((a, b, f.facet))
    return SharedValue(
        other=other,
        kind=f.kind,
        facet=f.facet,
        match=f.match,
        score=f.score,
        level=f.level.label,
        values=((name, f.values.get(name, "")), (other, f.values.get(other, ""))),
        reason=f.reason,
        reason_zh=f.reason_zh,
        explanation=note,
        environment=f.family in ENVIRONMENT_FAMILIES,
    )


def _evidence_rows(profiles: list[Profile], shared: Sequence[SharedValue], context: list[tuple[str, engine.Finding]]):
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
                masked = (a.kind, kinds.mask(a.kind, a.normalized))
                if masked not in out:
                    out.append(masked)
        return tuple(out)

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
            return EvidenceRow(key, tuple(kind_list), values, "context", others, business=business)
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
    mine = {k for a in profiles[0].attributes if a.kind in kind_list for k in a.keys}
    mine |= {(a.kind, a.normalized) for a in profiles[0].attributes if a.kind in kind_list}
    out = []
    for p in profiles[1:]:
        theirs = {k for a in p.attributes if a.kind in kind_list for k in a.keys}
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
    whens = [e.when for e in mine]
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
    return "****" + re.sub(r"\D", "", text)[-4:]


def _mask_email(text: str) -> str:
    try:
        return kinds.mask("email", text.lower())
    except Exception:  # noqa: BLE001 - a mask must never fail a statement; hide it all instead
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"


# ---------------------------------------------------------------------------------------------
# Words (English and Simplified Chinese)

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Statement of account separation", "账号独立运营说明"),
    "accounts": ("Accounts", "账号"),
    "compared_with": ("Compared with", "比对账号"),
    "date": ("Date", "日期"),
    "operator": ("Operator", "经营者"),
    "summary": ("Summary", "概述"),
    "summary_ack": (
        "This statement concerns the seller account {subject} and its possible relation to {others}.",
        "本说明涉及卖家账号 {subject} 与 {others} 之间可能存在的关联。",
    ),
    "summary_compared": (
        "We compared every identifier recorded for these accounts: {values} values in {categories} "
        "categories, from company and registration details to login networks, devices and routers "
        "(see the evidence table).",
        "我们比对了这些账号记录的全部识别信息：共 {values} 项，分属 {categories} 个类别，"
        "从公司及注册信息到登录网络、设备和路由器（见下方证据表）。",
    ),
    "summary_clean": (
        "No recorded identifier is shared between {subject} and {others}.",
        "{subject} 与 {others} 之间没有任何共用的已记录识别信息。",
    ),
    "summary_disclosed": (
        "{count} identifier(s) are shared between the accounts; each is disclosed below under "
        "“Shared identifiers (disclosed)”{with_explanations}. No other recorded identifier is shared.",
        "账号之间有 {count} 项识别信息共用，均在下文“共用识别信息（披露）”中如实列出{with_explanations}。"
        "除此之外，没有其他共用的已记录识别信息。",
    ),
    "with_explanations": (" with its explanation", "并附说明"),
    "summary_history": (
        "Pre-login checks are recorded from {first} to {last} ({checks} in all), and no network, device "
        "or router recorded for one of these accounts is recorded for another.",
        "{first} 至 {last} 共记录 {checks} 次登录前检查，任何一个账号记录的网络、设备或路由器均未出现在其他账号的记录中。",
    ),
    "evidence": ("Evidence: identifiers compared", "证据：识别信息比对"),
    "evidence_intro": (
        "Each row compares one category of identifiers. Values are masked: they show enough to "
        "recognise a value and nothing more. Private network addresses, which identify no one, are not listed.",
        "每一行比对一类识别信息。数值已做脱敏处理，仅保留足以辨认的部分。内网地址不指向任何人，未列出。",
    ),
    "category": ("Category", "类别"),
    "item": ("Item", "项目"),
    "result": ("Result", "结果"),
    "r_distinct": ("distinct", "不同"),
    "r_shared": ("shared", "共用"),
    "r_shared_explained": ("shared (explained)", "共用（已说明）"),
    "r_shared_disclosed": ("shared (disclosed)", "共用（已披露）"),
    "r_partial": ("distinct (not recorded for every account)", "不同（部分账号未记录）"),
    "r_none": ("not recorded", "未记录"),
    "r_context": ("same (common; not an identifier)", "相同（常见，不构成关联）"),
    "with": ("with {names}", "与 {names}"),
    "not_recorded": ("not recorded", "未记录"),
    "shared_heading": ("Shared identifiers (disclosed)", "共用识别信息（披露）"),
    "shared_intro": (
        "The accounts share the identifiers below. They are disclosed here openly, with the reason "
        "recorded for each.",
        "以下识别信息为账号之间共用，在此如实披露，并附上每一项的说明。",
    ),
    "shared_item": ("{kind}, shared by {a} and {b}: {values} ({match}).", "{kind}，{a} 与 {b} 共用：{values}（{match}）。"),
    "explanation": ("Explanation (recorded {date}): {note}", "说明（记录于 {date}）：{note}"),
    "explanation_empty": ("Explained (recorded {date}); no note was given.", "已说明（记录于 {date}），未填写备注。"),
    "no_explanation": (
        "No explanation is recorded; disclosed at the operator's request.",
        "尚未记录说明；应经营者要求予以披露。",
    ),
    "why": ("Why marketplaces link this: {reason}", "平台关联的原因：{reason}"),
    "m_exact": ("same value", "完全相同"),
    "m_normalised": ("same value, written differently", "相同（写法不同）"),
    "m_network": ("same network", "同一网段"),
    "m_fuzzy": ("near-identical, {score}% similar", "高度相似，相似度 {score}%"),
    "m_email_domain": ("same email domain", "相同邮箱域名"),
    "history": ("Login environment history", "登录环境记录"),
    "history_none": (
        "No pre-login checks are recorded for these accounts.",
        "这些账号尚无登录前检查记录。",
    ),
    "history_period": ("Period covered: {first} to {last}.", "记录期间：{first} 至 {last}。"),
    "account": ("Account", "账号"),
    "checks": ("Checks", "检查次数"),
    "first_check": ("First", "首次"),
    "last_check": ("Last", "最近"),
    "networks": ("Networks", "网络"),
    "devices": ("Devices", "设备"),
    "routers": ("Routers", "路由器"),
    "history_separate": (
        "No network, device or router recorded for one of these accounts is recorded for another.",
        "任何一个账号记录的网络、设备或路由器，均未出现在其他账号的记录中。",
    ),
    "history_shared": (
        "Some networks, devices or routers are recorded for more than one account; they are disclosed "
        "under “Shared identifiers (disclosed)”.",
        "部分网络、设备或路由器在多个账号中均有记录，已在“共用识别信息（披露）”中列出。",
    ),
    "more_values": ("+{n} more", "另有 {n} 项"),
    "business": ("Business separation", "业务独立"),
    "business_intro": (
        "Brands, suppliers, logistics and product categories as recorded.",
        "已记录的品牌、供应商、物流渠道和商品类目。",
    ),
    "business_none": (
        "No brands, suppliers, logistics or product categories are recorded.",
        "尚未记录品牌、供应商、物流渠道或商品类目。",
    ),
    "controls": ("Controls in place", "已采取的管控措施"),
    "controls_checks": (
        "Before each login, linkcheck compares this computer, its network and its router with the "
        "identifiers recorded for every other account, and stops the login if any of them belongs to "
        "another account. {count} pre-login check(s) are recorded from {first} to {last}; the most recent:",
        "每次登录前，linkcheck 会将本机、所在网络和路由器与其他所有账号的记录进行比对；"
        "如有任何一项属于其他账号，即阻止登录。{first} 至 {last} 共记录 {count} 次登录前检查，最近的几次如下：",
    ),
    "controls_no_checks": (
        "No pre-login checks are recorded yet.",
        "尚未记录登录前检查。",
    ),
    "more_checks": ("… and {n} earlier check(s).", "……以及更早的 {n} 次检查。"),
    "stopped": (
        "On {date} a pre-login check stopped a login to {account} because the environment matched "
        "{others}; the login did not go ahead.",
        "{date}，登录前检查发现环境与 {others} 相符，阻止了 {account} 的登录，该次登录未进行。",
    ),
    "notes": ("Operator's notes", "经营者备注"),
    "v_GO": ("passed, login allowed", "通过，允许登录"),
    "v_STOP": ("stopped, login blocked", "未通过，已阻止登录"),
    "v_ERROR": ("check failed, login blocked", "检查失败，已阻止登录"),
    "v_RECORDED": ("recorded", "已记录"),
    "a_check": ("check", "检查"),
    "a_run": ("check and login", "检查并登录"),
    "a_capture": ("capture", "采集"),
    "closing": ("Closing", "结语"),
    "closing_clean": (
        "The facts above are taken from the records kept for these accounts. {subject} is operated "
        "separately from {others}: on record, the accounts share no company, contact, payment, address, "
        "network or device identifier. We are glad to provide any further documents that help your review.",
        "以上事实均取自这些账号的记录。{subject} 与 {others} 独立运营：根据记录，这些账号在公司、联系方式、"
        "收款、地址、网络和设备方面没有任何共用的识别信息。如需进一步的证明材料，我们乐意提供。",
    ),
    "closing_explained": (
        "The facts above are taken from the records kept for these accounts. Apart from the identifiers "
        "disclosed and explained above, the accounts share no recorded identifier. We are glad to provide "
        "any further documents that help your review.",
        "以上事实均取自这些账号的记录。除上文已披露并说明的识别信息外，这些账号没有其他共用的已记录识别信息。"
        "如需进一步的证明材料，我们乐意提供。",
    ),
    "closing_disclosed": (
        "The facts above are taken from the records kept for these accounts. The accounts share the "
        "identifiers disclosed above; we have set them out openly so that they can be assessed. We are "
        "glad to provide any further documents that help your review.",
        "以上事实均取自这些账号的记录。这些账号共用上文披露的识别信息，我们如实列出，以便审核。"
        "如需进一步的证明材料，我们乐意提供。",
    ),
    "sign_off": ("Sincerely,", "特此说明。"),
    "signature": ("Signature", "签名"),
    "signature_note": (
        "This statement is signed (Ed25519, key fingerprint {fingerprint}). Anyone can check that it is "
        "unchanged with: linkcheck verify FILE --pubkey KEY, where KEY is the operator's public key "
        "(linkcheck pubkey).",
        "本说明已签名（Ed25519，密钥指纹 {fingerprint}）。任何人都可以用以下命令核验其未被改动："
        "linkcheck verify 文件 --pubkey 公钥（经营者的公钥可用 linkcheck pubkey 查看）。",
    ),
    "and": (" and ", "、"),
    "list_sep": (", ", "、"),
    "colon": (":", "："),
    "value_sep": ("; ", "；"),
    "party": ("{name} ({details})", "{name}（{details}）"),
    "details_sep": (", ", "，"),
    "check_item": ("{when} — {account}: {action}, {verdict}", "{when} — {account}：{action}，{verdict}"),
    "note_item": ("{account}: {note}", "{account}：{note}"),
    "s_active": ("active", "正常"),
    "s_suspended": ("suspended", "已暂停"),
    "s_closed": ("closed", "已关闭"),
    "s_planned": ("planned", "计划中"),
}

# Evidence-table row labels by kinds' category; a category not listed falls back to the label
# of its first kind.
_CATEGORY_WORDS = kinds.CATEGORY_WORDS


class _Words:
    """The statement's sentences in one language."""

    def __init__(self, lang: str):
        self.zh = lang == "zh"

    def __call__(self, key: str, **values) -> str:
        text = _WORDS[key][1 if self.zh else 0]
        return text.format(**values) if values else text

    def names(self, names: Sequence[str]) -> str:
        names = list(names)
        if len(names) <= 1:
            return "".join(names)
        return self("list_sep").join(names[:-1]) + self("and") + names[-1]

    def status(self, status: str) -> str:
        key = f"s_{status}"
        return self(key) if key in _WORDS else status

    def kind(self, kind: str) -> str:
        entry = kinds.KINDS.get(kind)
        if entry is None:
            return kind
        return entry.label_zh if self.zh else entry.label

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
        if f"m_{shared.facet}" in _WORDS:
            return self(f"m_{shared.facet}")
        key = f"m_{shared.match}"
        return self(key) if key in _WORDS else shared.match

    def result(self, row: EvidenceRow, statement: Statement) -> str:
        if row.result == "shared":
            word = self("r_shared_explained") if row.explained else self("r_shared_disclosed")
            if len(statement.others) > 1:
                word += " " + self("with", names=self.names(row.shared_with))
            return word
        if row.result == "context":
            word = self("r_context")
            if len(statement.others) > 1:
                word += " " + self("with", names=self.names(row.shared_with))
            return word
        return self(f"r_{row.result}")

    def verdict(self, verdict: str) -> str:
        key = f"v_{verdict}"
        return self(key) if key in _WORDS else verdict

    def action(self, action: str) -> str:
        key = f"a_{action}"
        return self(key) if key in _WORDS else action


def _day(ts: int | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")


def _minute(ts: int | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------------------------------------
# The document: the statement laid out as blocks once, then written in each format


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
    others = w.names([p.name for p in st.others])
    blocks: list = []

    def party_line(p) -> str:
        bits = [b for b in (p.marketplace, w.status(p.status)) if b]
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
    blocks.append(_Para(w("evidence_intro"), "note"))
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
        blocks.append(
            _Para(
                w(
                    "controls_checks",
                    count=len(st.checks),
                    first=_day(st.checks[0].when),
                    last=_day(st.checks[-1].when),
                )
            )
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
            items.append(w("more_checks", n=len(st.checks) - len(recent)))
        blocks.append(_Bullets(tuple(items), "checks"))
        stops = [
            w("stopped", date=_day(c.when), account=c.account, others=w.names(c.conflicts))
            for c in st.checks
            if c.verdict == "STOP" and c.conflicts
        ]
        if stops:
            blocks.append(_Bullets(tuple(stops)))
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
    blocks.append(_Para(w("signature_note", fingerprint=fingerprint), "note"))
    return w("title"), blocks


def _summary(st: Statement, w: _Words) -> str:
    """One paragraph: what was compared and the result."""
    others = w.names([p.name for p in st.others])
    categories = sum(1 for r in st.evidence if r.result != "none")
    sentences = [
        w("summary_ack", subject=st.subject.name, others=others),
        w("summary_compared", values=st.values_compared, categories=categories),
    ]
    if st.shared:
        explained = w("with_explanations") if st.fully_explained else ""
        sentences.append(w("summary_disclosed", count=len(st.shared), with_explanations=explained))
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
    if s.explanation is None:
        line += space + w("no_explanation")
    elif s.explanation.note:
        note = s.explanation.note
        if note[-1] not in ".!?。！？":
            note += "。" if w.zh else "."
        line += space + w("explanation", date=_day(s.explanation.when), note=note)
    else:
        line += space + w("explanation_empty", date=_day(s.explanation.when))
    reason = s.reason_zh if w.zh and s.reason_zh else s.reason
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
    shown: list[str | _Value] = [_Value(v) for v in values[:MAX_VALUES_PER_CELL]]
    if len(values) > MAX_VALUES_PER_CELL:
        shown.append(w("more_values", n=len(values) - MAX_VALUES_PER_CELL))
    return tuple(shown)


def _value_table(st: Statement, rows: Sequence[EvidenceRow], w: _Words, first_header: str) -> _Table:
    headers = (first_header,) + tuple(p.name for p in st.parties) + (w("result"),)
    out = []
    results = []
    for row in rows:
        cells = [(w.category(row),)]
        for values in row.values:
            if not values:
                cells.append((w("not_recorded"),))
                continue
            # Label each value with its kind when a category holds several kinds.
            labelled = len(row.kinds) > 1 and len({k for vals in row.values for k, _ in vals}) > 1
            colon = w("colon") if w.zh else w("colon") + " "
            cells.append(tuple(_Value(v, w.kind(k) if labelled else "", colon) for k, v in values))
        cells.append((w.result(row, st),))
        out.append(tuple(cells))
        results.append(row.result)
    columns = (False,) + (True,) * len(st.parties) + (False,)
    return _Table(headers, tuple(out), columns, tuple(results))


# ---------------------------------------------------------------------------------------------
# Writers. Each returns (before, after): the signature block goes between them, and the signed
# content is exactly before + after.


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"  # CJK, full-width forms and punctuation
_TOKEN_RE = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")


_NO_LINE_START = frozenset("，。、；：！？）」』》”’…,.;:!?)")


def _wrap(text: str, width: int = 78, indent: str = "", first: str = "") -> list[str]:
    """Wrap by display width: words stay whole, Chinese may break between any two characters."""
    first = first or indent
    if not any(_width(ch) == 2 for ch in text):
        return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    lines: list[str] = []
    line = first
    for token in _TOKEN_RE.findall(text):
        if token.isspace():
            if line.strip():
                line += " "
            continue
        if _width(line) + _width(token) > width and line.strip() and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = indent
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _text_table(table: _Table) -> list[str]:
    widths = [_width(h) for h in table.headers]
    for row in table.rows:
        for i, cell in enumerate(row):
            widths[i] = max([widths[i]] + [_width(str(line)) for line in cell])
    out = [" | ".join(_pad(h, widths[i]) for i, h in enumerate(table.headers)).rstrip()]
    out.append("-+-".join("-" * w for w in widths))
    for row in table.rows:
        height = max(len(cell) for cell in row)
        for n in range(height):
            out.append(
                " | ".join(
                    _pad(str(cell[n]) if n < len(cell) else "", widths[i]) for i, cell in enumerate(row)
                ).rstrip()
            )
    return out


def _render_text(title: str, blocks: list) -> tuple[str, str]:
    lines = [title.upper() if title.isascii() else title, "=" * max(_width(title), 10), ""]
    for block in blocks:
        if isinstance(block, _Heading):
            text = block.text.upper() if block.text.isascii() else block.text
            lines += [text, "-" * max(_width(text), 4)]
        elif isinstance(block, _Meta):
            label_width = max(_width(label) for label, _ in block.items) + 1
            for label, values in block.items:
                for i, value in enumerate(values):
                    head = _pad(label, label_width) if i == 0 else " " * label_width
                    lines.append(head + value)
            lines.append("")
        elif isinstance(block, _Para):
            lines += _wrap(block.text)
            lines.append("")
        elif isinstance(block, _Bullets):
            for item in block.items:
                lines += _wrap(item, indent="  ", first="- ")
            lines.append("")
        elif isinstance(block, _Table):
            lines += _text_table(block)
            lines.append("")
    return "\n".join(lines) + "\n", ""


def _md_text(text: str) -> str:
    """Escape Markdown's inline syntax in plain text."""
    return re.sub(r"([\\`*_{}\[\]<>#|~])", r"\\\1", text)


def _md_code(text: str) -> str:
    ticks = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md_line(line: str | _Value) -> str:
    if not isinstance(line, _Value):
        return _md_text(line)
    code = _md_code(line.masked).replace("|", "\\|")
    return f"{_md_text(line.label)}{line.colon}{code}" if line.label else code


def _html_line(line: str | _Value) -> str:
    if not isinstance(line, _Value):
        return html.escape(line)
    code = f"<code>{html.escape(line.masked)}</code>"
    return f"{html.escape(line.label)}{line.colon}{code}" if line.label else code


def _render_markdown(title: str, blocks: list) -> tuple[str, str]:
    lines = [f"# {_md_text(title)}", ""]
    for block in blocks:
        if isinstance(block, _Heading):
            lines += [f"## {_md_text(block.text)}", ""]
        elif isinstance(block, _Meta):
            for label, values in block.items:
                lines.append(f"**{_md_text(label)}** " + " · ".join(_md_text(v) for v in values) + "  ")
            lines[-1] = lines[-1].rstrip()
            lines.append("")
        elif isinstance(block, _Para):
            text = _md_text(block.text)
            lines += [f"*{text}*" if block.css == "note" else text, ""]
        elif isinstance(block, _Bullets):
            lines += [f"- {_md_text(item)}" for item in block.items]
            lines.append("")
        elif isinstance(block, _Table):
            lines.append("| " + " | ".join(_md_text(h) for h in block.headers) + " |")
            lines.append("|" + "|".join("---" for _ in block.headers) + "|")
            for row in block.rows:
                cells = []
                for cell in row:
                    cells.append("<br>".join(_md_line(line) for line in cell))
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    lines.append("```text")
    return "\n".join(lines) + "\n", "```\n"


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef0f3; color: #1b1d21;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Helvetica Neue", Arial,
  "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
main { max-width: 60rem; margin: 2rem auto; padding: 2.5rem 3rem; background: #fff;
  border-radius: 6px; box-shadow: 0 1px 4px rgba(0, 0, 0, .08); }
h1 { font-size: 1.65rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid #cfd4db; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
p.note { color: #4a505a; font-size: .92rem; }
p.signer { font-weight: 600; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #c9ced6; padding: .35rem .55rem; text-align: left; vertical-align: top; }
thead th { background: #f0f2f5; }
td.value { word-break: break-word; }
td.value code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .85rem; }
td.result { font-weight: 600; white-space: nowrap; }
td.result-shared { color: #9b2c1c; }
td.result-distinct { color: #1d6b3e; }
ul.shared li { margin-bottom: .5rem; }
pre.signature { margin: .5rem 0 0; padding: .6rem .8rem; background: #f6f7f9; border: 1px solid #d4d8de;
  font-size: .72rem; white-space: pre-wrap; word-break: break-all; }
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
@media print {
  body { background: none; color: #000; font-size: 10.5pt; }
  main { max-width: none; margin: 0; padding: 0; border-radius: 0; box-shadow: none; }
  thead th, pre.signature { background: none; }
  thead { display: table-header-group; }
  tr, th, td, li, pre.signature, dl.meta { break-inside: avoid; page-break-inside: avoid; }
  h1, h2 { break-after: avoid; page-break-after: avoid; }
  td.result-shared, td.result-distinct, p.note { color: #000; }
  p { orphans: 3; widows: 3; }
  section.signature { break-inside: avoid; page-break-inside: avoid; }
}
""".strip("\n")


# The statement page runs no script and loads nothing: its policy allows only its own style
# sheet (by hash), so even markup that got into the page could neither run nor fetch anything,
# nor restyle the page into something else.
_STYLE_TEXT = "\n" + _CSS + "\n"
STATEMENT_CSP = (
    "default-src 'none'; script-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_STYLE_TEXT.encode('utf-8')).digest()).decode('ascii')}'; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)


def _render_html(title: str, blocks: list, lang: str, subject: str) -> tuple[str, str]:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{STATEMENT_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)} — {e(subject)}</title>",
        f"<style>{_STYLE_TEXT}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{e(title)}</h1>",
    ]
    open_section = False
    for index, block in enumerate(blocks):
        if isinstance(block, _Heading):
            if open_section:
                parts.append("</section>")
            last = index == max(i for i, b in enumerate(blocks) if isinstance(b, _Heading))
            parts.append('<section class="signature">' if last else "<section>")
            open_section = True
            parts.append(f"<h2>{e(block.text)}</h2>")
        elif isinstance(block, _Meta):
            parts.append('<dl class="meta">')
            for label, values in block.items:
                parts.append(f"<dt>{e(label)}</dt><dd>{'<br>'.join(e(v) for v in values)}</dd>")
            parts.append("</dl>")
        elif isinstance(block, _Para):
            css = f' class="{block.css}"' if block.css else ""
            parts.append(f"<p{css}>{e(block.text)}</p>")
        elif isinstance(block, _Bullets):
            css = f' class="{block.css}"' if block.css else ""
            parts.append(f"<ul{css}>" + "".join(f"<li>{e(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, _Table):
            parts.append("<table>")
            header = "".join(f'<th scope="col">{e(h)}</th>' for h in block.headers)
            parts.append(f"<thead><tr>{header}</tr></thead>")
            parts.append("<tbody>")
            for r, row in enumerate(block.rows):
                cells = []
                for i, cell in enumerate(row):
                    text = "<br>".join(_html_line(line) for line in cell)
                    if i == 0:
                        cells.append(f'<th scope="row">{text}</th>')
                    elif block.values[i]:
                        cells.append(f'<td class="value">{text}</td>')
                    elif block.results and i == len(row) - 1:
                        result = block.results[r]
                        css = {"shared": " result-shared", "distinct": " result-distinct"}.get(result, "")
                        cells.append(f'<td class="result{css}">{text}</td>')
                    else:
                        cells.append(f"<td>{text}</td>")
                parts.append("<tr>" + "".join(cells) + "</tr>")
            parts.append("</tbody>")
            parts.append("</table>")
    parts.append('<pre class="signature">')
    before = "\n".join(parts) + "\n"
    after = "</pre>\n" + ("</section>\n" if open_section else "") + "</main>\n</body>\n</html>\n"
    return before, after


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
                p.name: [{"kind": k, "value": v} for k, v in values] for p, values in zip(st.parties, r.values)
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
                "reason": s.reason_zh if w.zh and s.reason_zh else s.reason,
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


# ---------------------------------------------------------------------------------------------
# Signing and verification


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_text(raw: bytes) -> str:
    """How a public key is written everywhere: standard base64 of its 32 raw bytes."""
    return base64.b64encode(raw).decode("ascii")


def fingerprint(raw: bytes) -> str:
    """A short, readable identity for a public key: SHA-256, first 16 hex digits in groups."""
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def parse_public_key(text: str) -> bytes:
    """A public key given as base64 (as `linkcheck pubkey` prints it), hex, or pubkey's JSON."""
    text = (text or "").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("public_key", ""))
        except (ValueError, AttributeError):
            raise UsageError("the public key file is JSON without a \"public_key\" member") from None
    else:
        text = next((line.strip() for line in text.splitlines() if line.strip()), "")
    raw = None
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raw = bytes.fromhex(text)
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise UsageError("not an Ed25519 public key: give the base64 (or hex) printed by `linkcheck pubkey`")
    return raw


def _digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()


def _signature_fields(content: bytes, key: Ed25519PrivateKey) -> dict[str, str]:
    raw = public_key_bytes(key)
    digest = _digest(content)
    return {
        "Algorithm": SIGNATURE_ALGORITHM,
        "Public-Key": public_key_text(raw),
        "Key-Fingerprint": fingerprint(raw),
        "Content-SHA256": digest.hex(),
        "Signature": public_key_text(key.sign(SIGNING_CONTEXT + digest)),
    }


def _signature_block(fields: dict[str, str]) -> str:
    return BEGIN_MARK + "\n" + "".join(f"{k}: {fields[k]}\n" for k in _BLOCK_FIELDS) + END_MARK + "\n"


def render_statement(st: Statement, fmt: str, key: Ed25519PrivateKey) -> str:
    """The statement in `fmt`, signed with `key` (this store's signing key)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if fmt == "json":
        doc = statement_to_json(st)
        content = canonical_json(doc)
        fields = _signature_fields(content, key)
        doc["signature"] = {
            "algorithm": fields["Algorithm"],
            "public_key": fields["Public-Key"],
            "key_fingerprint": fields["Key-Fingerprint"],
            "content_sha256": fields["Content-SHA256"],
            "signature": fields["Signature"],
            "covers": JSON_COVERS,
        }
        # visible(): the same JSON value, with any control character written as an escape.
        return visible(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"
    title, blocks = _document(st, fingerprint(public_key_bytes(key)))
    if fmt == "text":
        before, after = _render_text(title, blocks)
    elif fmt == "markdown":
        before, after = _render_markdown(title, blocks)
    else:
        before, after = _render_html(title, blocks, st.lang, st.subject.name)
    # Stored text (a note, a marketplace) never carries a terminal escape or a bidi override
    # into a statement someone may `cat` or open: control characters are shown as \uXXXX.
    before, after = visible(before), visible(after)
    content = (before + after).encode("utf-8")
    return before + _signature_block(_signature_fields(content, key)) + after


@dataclass(frozen=True)
class Verification:
    """A statement whose content matches its signature; `authorship` says whether the signer's
    key was checked against an expected one, or only the key embedded in the file was used."""

    format: str
    public_key: str
    fingerprint: str
    content_sha256: str
    authorship: bool


def verify_statement(text: str, expected: bytes | None = None) -> Verification:
    """Check a signed statement; raises StatementInvalid naming the problem.

    Exactly two changes are tolerated, the ones the README documents: line endings converted
    to CRLF, and the signature block moved to another place (between whole lines) in a text,
    Markdown or HTML file. The block itself must be byte for byte what `_signature_block`
    writes; a JSON statement's "signature" member exactly what `render_statement` writes.
    """
    # Mail clients and Windows editors turn LF into CRLF; that changes no word of the statement,
    # so line endings are put back before checking (any other change still fails).
    text = text.replace("\r\n", "\n")
    if text.lstrip().startswith("{"):
        fmt, content, fields = "json", *_split_json(text)
    else:
        fmt, content, fields = _split_block(text)
    if fields["Algorithm"] != SIGNATURE_ALGORITHM:
        raise StatementInvalid(f"the signature block names an unknown algorithm {fields['Algorithm']!r}")
    embedded = _canonical_base64(fields["Public-Key"], 32)
    signature = _canonical_base64(fields["Signature"], 64)
    if embedded is None or signature is None:
        raise StatementInvalid("the signature block is damaged (unreadable key or signature)")
    digest = _digest(content)
    if fields["Content-SHA256"] != digest.hex():
        raise StatementInvalid("the statement's content changed after it was signed (its SHA-256 no longer matches)")
    try:
        Ed25519PublicKey.from_public_bytes(embedded).verify(signature, SIGNING_CONTEXT + digest)
    except InvalidSignature:
        raise StatementInvalid("the signature does not match the content: the signature block was altered") from None
    if fields["Key-Fingerprint"] != fingerprint(embedded):
        raise StatementInvalid("the signature block was altered: its key fingerprint does not match its key")
    if expected is not None and expected != embedded:
        raise StatementInvalid(
            f"signed by a different key (fingerprint {fingerprint(embedded)}), not the expected key "
            f"(fingerprint {fingerprint(expected)})"
        )
    return Verification(fmt, public_key_text(embedded), fingerprint(embedded), digest.hex(), expected is not None)


def _canonical_base64(text: str, size: int) -> bytes | None:
    """`size` bytes written exactly as `public_key_text` writes them, else None.

    A decoder ignores the unused low bits of the last character, so several spellings decode
    to the same bytes; only the one linkcheck writes is accepted, so not one character of a
    signature block can change and still verify.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size and public_key_text(raw) == text else None


_BEGIN_RE = re.compile(rf"^{re.escape(BEGIN_MARK)}$", re.MULTILINE)
_END_RE = re.compile(rf"^{re.escape(END_MARK)}$", re.MULTILINE)


def _split_block(text: str) -> tuple[str, bytes, dict[str, str]]:
    """The content (the text without its block), the format, and the block's fields.

    The block's grammar is fixed: its BEGIN line, the five `Name: value` lines in the order
    `_BLOCK_FIELDS`, its END line, each ending in a newline, starting at the start of a line;
    nothing may be added to it, inside or on its lines.
    """
    begins = [m.start() for m in _BEGIN_RE.finditer(text)]
    ends = [m.end() for m in _END_RE.finditer(text)]
    if not begins and not ends:
        raise StatementInvalid("no signature block: this file is not a signed linkcheck statement")
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise StatementInvalid("the signature block is damaged (its BEGIN/END lines are missing or repeated)")
    start, end = begins[0], ends[0]
    if text[end : end + 1] != "\n":
        raise StatementInvalid("the signature block is damaged (its END line must end with a line break)")
    end += 1
    lines = text[start:end].split("\n")[1:-2]  # between BEGIN and END (the split ends in "")
    if len(lines) != len(_BLOCK_FIELDS):
        raise StatementInvalid("the signature block is damaged (unexpected line in it)")
    fields: dict[str, str] = {}
    for name, line in zip(_BLOCK_FIELDS, lines):
        label, sep, value = line.partition(": ")
        if label != name or not sep:
            raise StatementInvalid("the signature block is damaged (unexpected line in it)")
        fields[name] = value
    content = text[:start] + text[end:]
    if text[start:end] != _signature_block(fields):  # the grammar, whole: belt and braces
        raise StatementInvalid("the signature block is damaged (it is not exactly as linkcheck writes it)")
    head = content.lstrip()[:200].lower()
    fmt = "html" if head.startswith("<!doctype html") else "markdown" if head.startswith("# ") else "text"
    return fmt, content.encode("utf-8"), fields


def _split_json(text: str) -> tuple[bytes, dict[str, str]]:
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            # json.loads would keep the last of two equal keys; a viewer might show the first.
            raise StatementInvalid("the statement's JSON repeats a member name: it was altered")
        return dict(pairs)

    def no_constants(name):
        raise StatementInvalid(f"the statement's JSON holds {name}, which linkcheck never writes")

    try:
        doc = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except (ValueError, RecursionError):
        raise StatementInvalid("not valid JSON: the statement file was altered or truncated") from None
    if not isinstance(doc, dict):
        raise StatementInvalid("not a linkcheck statement (the JSON is not an object)")
    signature = doc.pop("signature", None)
    if signature is None:
        raise StatementInvalid("no signature block: the JSON has no \"signature\" member")
    if not isinstance(signature, dict):
        raise StatementInvalid("the signature block is damaged (\"signature\" is not an object)")
    # Every member is one linkcheck writes, each exactly once: the signature covers the rest of
    # the document, so nothing in this member may carry text a reader would take as signed.
    if set(signature) != set(_JSON_MEMBERS.values()) | {"covers"}:
        raise StatementInvalid("the signature block is damaged (a member is missing or unexpected)")
    if signature["covers"] != JSON_COVERS:
        raise StatementInvalid("the signature block was altered: its \"covers\" text is not the one linkcheck writes")
    fields = {}
    for field, member in _JSON_MEMBERS.items():
        value = signature[member]
        if not isinstance(value, str):
            raise StatementInvalid(f"the signature block is damaged (\"{member}\" is not text)")
        fields[field] = value
    return canonical_json(doc), fields
