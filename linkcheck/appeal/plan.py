"""The Plan of Action (issue 14): what the store and the appeal case say, as the letter a careful
seller writes to Amazon, in English or Chinese.

`build_plan` reads the store: what the appealing account shares with each related account
(retired values included, with their dates: the marketplace does not forget), what was done and
when, the business's own suppliers and brands, its account health. It refuses (CannotAppeal,
exit 1) where the history cannot support an appeal and says what to do first. `compose` writes
the letter in a language: plain paragraphs, no tables, bullets, numbering or symbols, no
device internals, financial numbers by their last four digits only, nothing about linkcheck,
signatures, stopped logins or the operator's other accounts. Every claim cites an exhibit; the
exhibits are numbered in the order the letter cites them (the same in every language).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Sequence

from ..i18n import _
from .. import i18n
from ..errors import EXIT_FINDINGS, LinkcheckError, UsageError
from ..linkage import engine
from ..linkage.rules import Rules
from ..registry.regions import region_for_marketplace
from ..models import Attribute, Explanation, Profile, is_current, periods_of
from .case import AppealCase
from .statement import statement_rules

# Each kind as the plain thing a reviewer understands; kinds not listed never reach the letter.
GROUPS = {
    "gateway_mac": "router", "wifi_bssid": "router",
    "ip": "network",
    "proxy": "proxy", "proxy_account": "proxy",
    "mac": "computer", "machine_id": "computer", "hostname": "computer",
    # What the browser shows (a profile copied from another, its fingerprint, its cookies, the device
    # name it reports) is a browser profile, not the computer it runs on.
    "device_name": "browser", "browser_fingerprint": "browser", "browser_profile": "browser", "cookie": "browser",
    "email": "email", "phone": "phone",
    "bank_account": "bank", "card": "card", "payment_account": "payment",
    # A shared company name is not a shared registration: the letter says which it is.
    "company_name": "company_name", "registration_number": "company", "tax_id": "company",
    "legal_representative": "representative", "address": "address",
    "id_number": "representative",  # one identity document: one person behind both
    "platform_login": "login", "totp_secret": "login",
}
GROUP_ORDER = ("router", "network", "proxy", "computer", "browser", "address", "email", "email_domain", "phone", "bank", "card", "payment",
               "company_name", "company", "representative", "login")
# Shown by their last four digits, as Seller Central shows them.
LAST_FOUR = frozenset({"phone", "bank", "card", "payment"})
# Still in use and shared with an account the seller says they do not control: no explanation
# makes that an appeal (money, the company itself, or the keys to the account).
NEVER_CURRENT = frozenset({"bank", "card", "payment", "company_name", "company", "representative", "login"})
# The exhibit that proves each action.
ACTION_EXHIBIT = {"router": "router", "network": "network", "proxy": "proxy", "computer": "computer",
                  "browser": "browser",
                  "email": "email", "email_domain": "email", "phone": "phone", "bank": "bank", "card": "card", "payment": "payment",
                  "address": "address", "company_name": "company", "company": "company", "representative": "representative", "login": "login"}
# The kind a replacement of each group is recorded as (for the checklist of missing facts).
REPLACEMENT_KIND = {"router": "gateway_mac", "network": "ip", "computer": "mac", "browser": "browser_profile",
                    "proxy": "proxy", "address": "address", "login": "platform_login", "bank": "bank_account",
                    "card": "card", "payment": "payment_account", "phone": "phone", "email": "email", "email_domain": "email"}
BUSINESS_KINDS = ("brand", "category", "supplier", "logistics")
# Routes whose paragraph says the same of every related account: one paragraph naming them all
# (route_…_many), with its exhibit ("" for none). The others tell each account's own story.
MERGED_ROUTES = {"not-owned": "", "agency": "agency", "agency-ongoing": "agency_ongoing",
                 "shared-service": "service", "error": ""}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def marketplace_language(marketplace: str | None) -> str:
    """The language a marketplace's reviewers read an appeal in: Chinese for amazon.cn, English
    for every other (amazon.com, .co.uk, .de, .co.jp… take appeals in English)."""
    return "zh" if region_for_marketplace(marketplace or "") == "CN" else "en"


def letter_language(case: AppealCase, subject: Profile) -> str:
    """The language of the letter to paste: --lang where it was given, else the marketplace's
    (never the interface's: a Chinese interface still writes an English letter for amazon.co.uk)."""
    return case.letter_lang or marketplace_language(subject.account.marketplace)


def letter_languages(case: AppealCase, subject: Profile) -> tuple[str, ...]:
    """Every language a letter is written in: the one to paste first, then the seller's own
    language where it differs (a companion to read), or both with --bilingual."""
    first = letter_language(case, subject)
    others = ("en", "zh") if case.bilingual else (case.lang,)
    return tuple(dict.fromkeys((first, *others)))


# The statuses of an account Amazon has deactivated (a "suspended" seller account, or closed).
DEACTIVATED = ("suspended", "closed")


def deactivated_on_record(store, name: str) -> bool:
    """Whether the records show account NAME as deactivated now or at any time before: its status,
    or a status change in the log (`account set --status`) to or from suspended or closed."""
    if store.profile(name).account.status in DEACTIVATED:
        return True
    return any(e.verdict in DEACTIVATED or (e.detail or {}).get("from") in DEACTIVATED
               for e in store.events(account=name, action="status"))


class CannotAppeal(LinkcheckError):
    """The records contradict what the appeal would say: do this first (exit 1)."""

    exit_code = EXIT_FINDINGS


class MissingFact(UsageError):
    """A fact the appeal needs and neither the store nor the options give (exit 2)."""


@dataclass(frozen=True)
class Item:
    """One thing the appealing account shared with a related account, in plain terms."""

    other: str
    group: str
    kinds: tuple[str, ...]
    last4: str
    since: int  # when our use began
    until: int | None  # when our use ended; None while we still use it
    overlapped: bool
    note_en: str | None
    note_zh: str | None
    explained: bool
    values: frozenset[tuple[str, str]] = frozenset()  # our (kind, normalised value) pairs behind it
    their_until: int | None = None  # when the related account's use ended; None while it uses it
    their_since: int = 0  # when the related account's (first) use began
    # Whether each start was given (`attr add --since`, an import's "since"), not defaulted to the
    # day the value was recorded: a defaulted start is not when use began, and no order is told from it.
    since_given: bool = True
    their_since_given: bool = True
    domain: str = ""  # a payment account that is an email address: its domain (no last four digits)
    # How the two values match, where they are not one value (SHAPED): "" the same value (written
    # alike, or differently as one phone number or address is); "mailbox" two different logins or
    # addresses that reach one mailbox (ops+a@ and ops+b@); "range" two IP addresses in one network
    # range; "similar" two nearly identical values (a typo, one digit apart).
    shape: str = ""
    # Two addresses at one private domain: that domain, which the letter names.
    email_domain: str = ""

    @property
    def shared_until(self) -> int | None:
        """When both stopped using it together: the earlier of the two ends (None while both use it)."""
        ends = [t for t in (self.until, self.their_until) if t is not None]
        return min(ends) if ends else None


@dataclass(frozen=True)
class Related:
    name: str  # in the store
    shown: str  # as Amazon's notice names it
    items: tuple[Item, ...]
    status: str
    reactivated: str | None  # YYYY-MM-DD (own route)


# The values that name one computer, as the store keeps them.
COMPUTER_KINDS = ("mac", "machine_id", "hostname")
# What the log counts as working on an account from a computer: a check or run that let the login
# through, or a capture that recorded that computer on the account.
_USED_FROM = frozenset({("check", "GO"), ("run", "GO"), ("capture", "RECORDED")})


@dataclass(frozen=True)
class LogShare:
    """The log's logins to the appealing account and to another account from one computer."""

    other: str
    members: tuple[str, ...]  # the team members who logged in to the other account from it
    same_member: bool  # one member did both (in a store that records no member: one user)
    last: int  # the latest login to the other account from it


@dataclass(frozen=True)
class Staffing:
    """What the records say of who works on the account and on which computers: its Seller
    Central logins and computers on file now, the other accounts that hold one of them now,
    and the log's logins to other accounts from a computer it is worked on from."""

    logins: int = 0
    logins_elsewhere: tuple[str, ...] = ()
    computers: int = 0
    computers_elsewhere: tuple[str, ...] = ()
    log: tuple[LogShare, ...] = ()
    # Other accounts that use one of the account's routers, Wi-Fi access points or public IPs now:
    # "our own internet line and router" cannot be said while they do.
    network_elsewhere: tuple[str, ...] = ()
    # The browser profiles the account is opened in now, and the other accounts opened in one of them.
    profiles: int = 0
    profiles_elsewhere: tuple[str, ...] = ()

    @property
    def own_profile(self) -> bool:
        """Whether the records show the account opened in a browser profile of its own."""
        return bool(self.profiles) and not self.profiles_elsewhere

    @property
    def own_logins(self) -> bool:
        """Whether the records show Seller Central logins of the account's own."""
        return bool(self.logins) and not self.logins_elsewhere

    def log_with(self, other: str, *, same_member: bool = False) -> LogShare | None:
        return next((s for s in self.log if s.other == other and (s.same_member or not same_member)), None)

    @property
    def staff_gap(self) -> str | None:
        """Why "only our own employees, each with a personal login" cannot be said, or None when
        the records back it: a login on file, held by no other account, and no one who logged in
        to it also logged in to another account from the same computer."""
        if not self.logins:
            return "staff_none"
        if self.logins_elsewhere:
            return "staff_elsewhere"
        if any(s.same_member for s in self.log):
            return "staff_log"
        return None

    @property
    def computers_gap(self) -> str | None:
        """Why "computers that belong to our business alone" cannot be said, or None: a computer on
        file, on file for no other account, and no login to another account from it in the log."""
        if not self.computers:
            return "computers_none"
        if self.computers_elsewhere:
            return "computers_elsewhere"
        if self.log:
            return "computers_log"
        return None


# The kinds that say which line and router an account is used behind.
NETWORK_KINDS = ("gateway_mac", "wifi_bssid", "ip")


def _held_elsewhere(store, subject: Profile, kinds_: Sequence[str]) -> tuple[int, tuple[str, ...]]:
    """How many values of KINDS_ SUBJECT uses now, and the other accounts that use one of them now."""
    ours = [a for a in subject.attributes if a.kind in kinds_ and is_current(a) and a.keys]
    wanted = {(a.kind, a.normalized) for a in ours}
    others: set[str] = set()
    if ours:
        for p in store.candidates({k for a in ours for k in a.keys}, exclude=subject.name):
            if any((b.kind, b.normalized) in wanted and is_current(b) for b in p.attributes):
                others.add(p.name)
    return len(wanted), tuple(sorted(others))


def _computer_marks(detail: dict | None) -> frozenset[str]:
    """The computer a log entry was made on, as the log keeps it (masked network cards and machine
    id, its name)."""
    d = detail or {}
    marks = {str(m) for m in d.get("devices") or () if m}
    if d.get("hostname"):
        marks.add("hostname:" + str(d["hostname"]))
    return frozenset(marks)


def _one_computer(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two log entries were made on one computer: they agree on two of its marks (a
    masked network card keeps only its vendor and last octet, so one mark alone may be two office
    computers of one make), or on the only one an entry has."""
    return len(a & b) >= min(2, len(a), len(b))


def staffing_on_record(store, subject: Profile, related: Sequence[str] = ()) -> Staffing:
    """Staffing for SUBJECT, from its values and the log (see Staffing)."""
    logins, logins_elsewhere = _held_elsewhere(store, subject, ("platform_login",))
    computers, computers_elsewhere = _held_elsewhere(store, subject, COMPUTER_KINDS)
    ours = [(e, _computer_marks(e.detail)) for e in store.events(account=subject.name)
            if (e.action, e.verdict) in _USED_FROM]
    ours = [(e, marks) for e, marks in ours if marks]
    shares: dict[str, LogShare] = {}
    if ours:
        seen = frozenset().union(*(marks for _e, marks in ours))
        for e in store.events():
            if e.account == subject.name or (e.action, e.verdict) not in _USED_FROM:
                continue
            theirs = _computer_marks(e.detail)
            if not theirs & seen:
                continue
            on_it = [o for o, mine in ours if _one_computer(mine, theirs)]
            if not on_it:
                continue
            member = (e.detail or {}).get("member")
            same = any((o.detail or {}).get("member") == member for o in on_it)
            old = shares.get(e.account)
            members = tuple(sorted({*(old.members if old else ()), *((member,) if member else ())}))
            shares[e.account] = LogShare(e.account, members, same or bool(old and old.same_member),
                                         max(e.when, old.last if old else 0))
    # the related accounts first: what the letter is about
    log = sorted(shares.values(), key=lambda s: (s.other not in related, s.other))
    _networks, network_elsewhere = _held_elsewhere(store, subject, NETWORK_KINDS)
    profiles, profiles_elsewhere = _held_elsewhere(store, subject, ("browser_profile",))
    return Staffing(logins, logins_elsewhere, computers, computers_elsewhere, tuple(log), network_elsewhere,
                    profiles, profiles_elsewhere)


@dataclass(frozen=True)
class Plan:
    """Everything the letter, the exhibit list and the evidence page say (before a language)."""

    case: AppealCase
    subject: Profile
    shown: str  # the store's display name
    related: tuple[Related, ...]
    checks_since: int | None  # the day of the last retirement
    checks: int  # logins since then (each checked)
    business: dict[str, tuple[str, ...]]
    health: dict[str, str] = field(default_factory=dict)  # lang -> standing paragraph
    # What the records contradict or do not show, for the seller before sending (stderr).
    warnings: tuple[str, ...] = ()
    # Values the account uses now, begun on a given date: (group, last four, start, shared with a
    # related account).
    successors: tuple[tuple[str, str, int, bool], ...] = ()
    # Business kinds (supplier, logistics…) the account shares with each related account: (the
    # related account's name, kind, how many values): told in the root cause, never cited as
    # evidence of separation (`business` holds only the kinds shared with none).
    shared_business: tuple[tuple[str, str, int], ...] = ()
    # On the own route, what the prevention paragraph may say each account keeps apart ("bank",
    # "logins", "premises"): only what the records back; and what they lack to back the rest.
    kept_apart: tuple[str, ...] = ()
    not_kept_on_record: tuple[str, ...] = ()
    # Every business value on file, shared ones included: the evidence page shows them all.
    business_on_file: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # On the other routes, what the prevention paragraph may say of staff and computers ("staff":
    # only our own employees, each with a personal login; "computers": computers of our business
    # alone): only what the records back (Staffing); and why each claim left out was left out.
    staffing: "Staffing | None" = None

    def replacement(self, item: Item) -> str | None:
        """What replaced ITEM, where the records show it: a value of its kind in use now, shared with
        no related account, begun on a given date after ITEM began. Its last four digits (""
        where it has none); None where nothing recorded replaced it, and the letter then says only
        that ITEM's use ended."""
        wanted = _replacing_group(item)
        for group, last4, since, shared in self.successors:
            if group == wanted and not shared and (not item.since_given or since > item.since):
                return last4
        return None

    def followed(self, item: Item) -> bool:
        """Whether any value of ITEM's kind, begun on a given date after it, is on record (shared
        or not): exhibits.txt then asks for no replacement to be recorded."""
        wanted = _replacing_group(item)
        return any(group == wanted and (not item.since_given or since > item.since)
                   for group, _last4, since, _shared in self.successors)

    @property
    def letter_lang(self) -> str:
        """The language of the letter to paste (letter_language)."""
        return letter_language(self.case, self.subject)

    @property
    def langs(self) -> tuple[str, ...]:
        """The languages letters are written in, the one to paste first (letter_languages)."""
        return letter_languages(self.case, self.subject)

    @property
    def deactivation_on_record(self) -> bool:
        """Whether the records show the appealing account as deactivated, as the letter says."""
        return self.subject.account.status in DEACTIVATED

    @property
    def retired(self) -> list[Item]:
        """Items whose use ended, oldest end first (each group once per date)."""
        seen, out = set(), []
        for item in sorted((i for r in self.related for i in r.items if i.until is not None),
                           key=lambda i: (i.until, GROUP_ORDER.index(i.group))):
            key = (item.group, item.last4, item.domain, item.shape, day_of(item.until))
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out


def _replacing_group(item: Item) -> str:
    """The group of the values that would replace ITEM (a new router for a router's MAC...)."""
    return GROUPS[REPLACEMENT_KIND[item.group]] if item.group in REPLACEMENT_KIND else item.group


# The groups whose values can match without being one value, and how: the letter names them by what
# they share ("Seller Central logins at one mailbox"), never as "the same login".
SHAPED = {("login", "mailbox"), ("email", "mailbox"), ("network", "range"), ("address", "similar"),
          ("company_name", "similar"), ("company", "similar"), ("representative", "similar")}
# Kinds whose normaliser maps different addresses to one mailbox (plus tags, dots): two such values
# written differently (beyond letter case) are two logins at one mailbox.
MAILBOX_KINDS = frozenset({"email", "platform_login"})


def match_shape(kind: str, match: str, ours: str, theirs: str) -> str:
    """How a finding's two values match, as the letter tells it (Item.shape): the match type of the
    comparison (exact, normalised, network, fuzzy, near) and the values as written."""
    if match == "network":
        return "range"
    if match in ("fuzzy", "near"):
        return "similar"
    if kind == "company_name" and match != "exact" and bool(_CJK.search(ours)) != bool(_CJK.search(theirs)):
        return "similar"  # one in Chinese characters, one in Latin letters: a brand read alike, not one name
    if kind in MAILBOX_KINDS and match != "exact" and ours.strip().casefold() != theirs.strip().casefold():
        return "mailbox"
    return ""


def day_of(ts: int | None) -> date:
    return datetime.fromtimestamp(ts or 0, tz=timezone.utc).date()


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def day_words(day: date | str | int, lang: str) -> str:
    """A date as a letter writes it: 14 October 2026, 2026年10月14日."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    elif isinstance(day, int):
        day = day_of(day)
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _last4(normalized: str) -> str:
    return re.sub(r"\D", "", normalized)[-4:]


def _email_domain(normalized: str) -> str:
    """The domain of a financial account recorded as an email address (a Payoneer or PayPal
    account), which has no last four digits to show; "" for an account number."""
    local, at, domain = normalized.rpartition("@")
    return domain if at and local else ""


def start_given(attr: Attribute | None, since: int) -> bool:
    """Whether a period of ATTR beginning at SINCE began on a date someone gave (`attr add
    --since`, an import's "since"), rather than on the day the value was recorded: a value
    recorded without a start is stored as in use since it was recorded (its first_seen)."""
    return attr is not None and bool(attr.periods) and since != attr.first_seen


def thing(words: i18n.Catalog, form: str, item: "Item") -> str:
    """One shared thing as the letter names it ("the same bank account ending in 5432"; two values
    that are not one value by what they share: "IP addresses in the same network range")."""
    if item.shape and (item.group, item.shape) in SHAPED:
        return words(form + item.group + "_" + item.shape)
    if item.group == "email_domain":
        return words(form + item.group, domain=item.email_domain)
    if item.domain:
        return words(form + item.group + "_email", domain=item.domain)
    if item.group in LAST_FOUR:
        return words(form + item.group, last4=item.last4)
    return words(form + item.group)


def shared_items(subject: Profile, other: Profile, rules: Rules, explanations: Sequence[Explanation]) -> list[Item]:
    """What SUBJECT and OTHER share or shared, one Item per plain thing (router, bank account…)."""
    ours_by_value = {(a.kind, a.normalized): a for a in subject.attributes}
    theirs_by_value = {(a.kind, a.normalized): a for a in other.attributes}
    items: dict[tuple[str, str, str], Item] = {}
    for p in engine.compare(subject, [other], statement_rules(rules), explanations=explanations):
        # one company name on both: the same name read across scripts says nothing more
        one_name = any(f.kind == "company_name" and f.match == "exact" for f in p.findings)
        for f in p.findings:
            # Two addresses at one private domain are not "the same email address".
            group = "email_domain" if f.facet == "email_domain" else GROUPS.get(f.kind)
            if f.context or group is None:
                continue
            ours = f.periods.get(subject.name) or ((0, None, None),)
            until = ours[-1][1]
            theirs = f.periods.get(other.name) or ((0, None, None),)
            raw = f.raw.get(subject.name, "")
            theirs_raw = f.raw.get(other.name, "")
            our_attr, their_attr = ours_by_value.get((f.kind, raw)), theirs_by_value.get((f.kind, theirs_raw))
            shape = match_shape(f.kind, f.match, our_attr.value if our_attr else raw,
                                their_attr.value if their_attr else theirs_raw)
            if (group, shape) not in SHAPED:
                shape = ""
            if one_name and f.kind == "company_name" and f.match not in ("exact", "fuzzy", "near") and shape == "similar":
                continue
            domain = _email_domain(raw) if group in LAST_FOUR else ""
            last4 = _last4(raw) if group in LAST_FOUR and not domain else ""
            expl = f.explained_by  # of the kind or the facet, and of this value (linkage.explained)
            note_en = note_zh = None
            if expl is not None:
                if expl.note and not _CJK.search(expl.note):
                    note_en = expl.note
                note_zh = expl.note_zh or (expl.note if expl.note and _CJK.search(expl.note) else None)
            item = Item(other.name, group, (f.kind,), last4, ours[0][0], until, f.overlapped, note_en, note_zh,
                        expl is not None, frozenset({(f.kind, raw)}), theirs[-1][1], theirs[0][0],
                        start_given(our_attr, ours[0][0]), start_given(their_attr, theirs[0][0]), domain, shape,
                        _email_domain(raw) if group == "email_domain" else "")
            key = (group, raw if domain else last4, shape)
            old = items.get(key)
            if old is not None:  # one thing, several kinds (a router's MAC and its Wi-Fi): latest end wins
                later = None if old.until is None or item.until is None else max(old.until, item.until)
                theirs_later = (None if old.their_until is None or item.their_until is None
                                else max(old.their_until, item.their_until))
                item = Item(other.name, group, tuple(dict.fromkeys(old.kinds + item.kinds)), last4,
                            min(old.since, item.since), later, old.overlapped or item.overlapped,
                            old.note_en or item.note_en, old.note_zh or item.note_zh, old.explained and item.explained,
                            old.values | item.values, theirs_later, min(old.their_since, item.their_since),
                            old.since_given and item.since_given, old.their_since_given and item.their_since_given,
                            domain, shape, old.email_domain or item.email_domain)
            items[key] = item
    return sorted(items.values(), key=lambda i: (GROUP_ORDER.index(i.group), i.last4))


def build_plan(store, name: str, case: AppealCase, rules: Rules, *, health=None) -> Plan:
    """The plan for account NAME's appeal; CannotAppeal where the records contradict it."""
    subject = store.profile(name)
    shown = subject.account.display_name
    if not shown:
        raise MissingFact(_("account {name!r} has no display name; give the store name Amazon knows it by with `linkcheck account set {name} --display-name NAME`", name=name))
    explanations = store.explanations()
    related = []
    warnings: list[str] = []
    if subject.account.status not in DEACTIVATED:
        warnings.append(_("warning: the records show {name} as {status}, while the letter says Amazon's notice deactivated it; check the notice: if it deactivated the account, record that with `linkcheck account set {name} --status suspended`; if it did not, do not send this letter", name=name, status=i18n.translate(subject.account.status)))
    for other_name in case.related:
        other = store.profile(other_name)
        items = shared_items(subject, other, rules, explanations)
        other_shown = case.name_in_notice(other_name) or other.account.display_name or other.account.merchant_token
        if not other_shown:
            raise MissingFact(_("how does Amazon's notice name the related account {other_name!r}? Set it with `linkcheck account set {other_name} --display-name NAME`", other_name=other_name))
        # Reactivated only where the records show it deactivated: never "it was reactivated" of an
        # account that was always active.
        reactivated = case.reactivated_on(other_name) if deactivated_on_record(store, other_name) else None
        if case.relationship == "own" and case.reactivated_on(other_name) and reactivated is None:
            warnings.append(_("warning: the records never show {other} as suspended or closed, so the letter does not say it was reactivated; if Amazon had deactivated it, record that with `linkcheck account set {other} --status suspended`, then `--status active`, and run the appeal again", other=other_name))
        related.append(Related(other_name, other_shown, tuple(items), other.account.status, reactivated))
    staffing = staffing_on_record(store, subject, case.related)
    _refuse_what_the_records_contradict(name, case, related, staffing)
    _check_notes(name, case, related, letter_languages(case, subject))
    ends = [i.until for r in related for i in r.items if i.until is not None]
    checks_since = max(ends) if ends else None
    checks = 0
    if checks_since is not None:
        # The letter says each login was checked and nothing was found used by another business:
        # only checks that found nothing shared with any other account count (a GO may still
        # report a share below the stop level, an IP network say: the level in its log entry). Nor
        # does a GO through a browser profile that hid this computer's values on file for another
        # account: "the computer was not used by any other business" is not what it found.
        checks = sum(1 for e in store.events(account=name, since=checks_since)
                     if e.action in ("check", "run") and e.verdict == "GO" and not (e.detail or {}).get("level")
                     and not (e.detail or {}).get("hidden_shared_with"))
    business = {
        kind: tuple(dict.fromkeys(a.value for a in subject.attributes if a.kind == kind and is_current(a)))
        for kind in BUSINESS_KINDS
    }
    # A supplier, carrier, category or brand both accounts have is no evidence that they are
    # separate: the whole kind leaves the separation sentences (a second name of it in the other
    # script may be that same supplier) and the root cause tells it. Amazon's own fulfilment is no
    # shared provider.
    on_file = dict(business)
    profiles = {other_name: store.profile(other_name) for other_name in case.related}
    shared_business = []
    for other_name in case.related:
        theirs = {(a.kind, a.normalized) for a in profiles[other_name].attributes if a.kind in BUSINESS_KINDS}
        theirs |= {(a.kind, k) for a in profiles[other_name].attributes if a.kind in BUSINESS_KINDS for k in a.keys}
        for kind in BUSINESS_KINDS:
            mine = [a for a in subject.attributes if a.kind == kind and is_current(a)
                    and not (kind == "logistics" and _AMAZON_FULFILMENT.search(a.value))]
            count = sum(1 for a in mine if (kind, a.normalized) in theirs or any((kind, k) in theirs for k in a.keys))
            if count:
                shared_business.append((other_name, kind, count))
    for _other, kind, _count in shared_business:
        business[kind] = tuple(v for v in business[kind] if kind == "logistics" and _AMAZON_FULFILMENT.search(v))
    if "en" in letter_languages(case, subject):
        chinese_only = [(kind, v) for kind in BUSINESS_KINDS for v in _in_script(business[kind], "en") if _CJK.search(v)]
        if chinese_only:
            raise MissingFact(_("the English Plan of Action would name {items}, which the records hold in Chinese only; add the English name each goes by with `linkcheck attr add {name} KIND \"ENGLISH NAME\"` (the English letter then uses it, the Chinese letter the Chinese), then run the appeal again", items=i18n.join_list([f"{kind} {value}" for kind, value in chinese_only]), name=name))
    kept_apart, not_on_record = _kept_apart(subject, [profiles[o] for o in case.related], related) \
        if case.relationship == "own" else ((), ())
    if "logins" in kept_apart and any(staffing.log_with(o, same_member=True) for o in case.related):
        # one member of staff logged in to both accounts from one computer: not "its own staff"
        kept_apart = tuple(c for c in kept_apart if c != "logins")
    shared_values = {v for r in related for i in r.items for v in i.values}
    # What the account uses now, begun on a date someone gave: a value in use whose start nobody
    # gave (the main address, recorded on import) replaced nothing the records can show.
    successors = []
    for a in subject.attributes:
        group = GROUPS.get(a.kind)
        if group is None or not is_current(a) or not a.keys:
            continue
        since = periods_of(a)[-1][0]
        if start_given(a, since):
            successors.append((group, _last4(a.normalized) if group in LAST_FOUR else "", since,
                               (a.kind, a.normalized) in shared_values))
    return Plan(case, subject, shown, tuple(related), checks_since, checks, business, health or {},
                warnings=tuple(warnings), successors=tuple(successors), shared_business=tuple(shared_business),
                kept_apart=kept_apart, not_kept_on_record=not_on_record, business_on_file=on_file,
                staffing=staffing)


# What each own-route claim of separation needs on record: a value of one of these kinds in use by
# every account, none of them shared; and no value of these groups still used by two of them.
KEPT_APART = {
    "bank": (("bank_account",), {"bank", "card", "payment"}),
    "payment": (("payment_account",), {"bank", "card", "payment"}),
    "logins": (("platform_login",), {"login"}),
    "premises": (("address",), {"address", "router", "network"}),
}


def _kept_apart(subject: Profile, others: Sequence[Profile], related: Sequence[Related]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the own route's prevention paragraph may say each account keeps apart (KEPT_APART), and
    the claims left out only because a value is not on record (exhibits.txt asks for it)."""
    still = {i.group for r in related for i in r.items if i.until is None and i.their_until is None}
    kept, lacking = [], []
    for claim, (claim_kinds, groups) in KEPT_APART.items():
        if still & groups:
            continue  # the records contradict it: the root cause tells what is shared
        if all(any(a.kind in claim_kinds and is_current(a) for a in p.attributes) for p in (subject, *others)):
            kept.append(claim)
        else:
            lacking.append(claim)
    return tuple(kept), tuple(lacking)


def _shared_names(items: Sequence[Item]) -> str:
    """What is shared, as the audit names it: `email_domain` where only the addresses' domain is
    shared (two addresses at one private domain are not one email address)."""
    names = tuple(dict.fromkeys(n for i in items for n in _item_names(i)))
    return i18n.join_list(names)


def _item_names(item: Item) -> tuple[str, ...]:
    """What one item shares, as the audit names it: two IP addresses in one range share their
    network (`ip_network`), two logins at one mailbox that mailbox, never one value."""
    if item.group == "email_domain":
        return ("email_domain",)
    if item.shape == "range":
        return ("ip_network",)
    if item.shape == "mailbox":
        return tuple(_("{kind} mailbox", kind=k) for k in item.kinds)
    return item.kinds


# Routes whose letter says the business does not access the related account and that its own staff
# alone work on its account: the log's logins to the related account from our computer contradict it
# (an agency working on both is the agency routes' own story; one business, the own route's).
NO_ACCESS_ROUTES = frozenset({"not-owned", "former-tenant", "shared-service", "error", "family"})


# What reads as one operator behind both accounts while both still use it: one computer, one browser
# profile, one office router or internet line, one network service account. "We both still use the
# same computer" is never told as it stands: only the own route (one business) says it; the
# agency-ongoing route tells it as the agency's office, where the records show what keeps the
# accounts apart there; a shared service (a coworking space) may explain its line and router.
CONTROL_NOW = frozenset({"router", "network", "computer", "browser", "proxy"})
SERVICE_LINE = frozenset({"router", "network"})


def both_use_now(item: Item) -> bool:
    """Whether both accounts use ITEM now: neither use ended."""
    return item.until is None and item.their_until is None


def control_now(item: Item, route: str | None) -> bool:
    """Whether ITEM, which both accounts use now, reads as one operator behind both on ROUTE (and
    no explanation changes that there): see CONTROL_NOW."""
    if route == "own" or item.group not in CONTROL_NOW or item.shape == "range" or not both_use_now(item):
        return False
    return not (route == "shared-service" and item.group in SERVICE_LINE and item.explained)


def agency_office(item: Item, route: str | None) -> bool:
    """Whether the agency-ongoing letter tells ITEM as the agency's office, where it works on both."""
    return route == "agency-ongoing" and control_now(item, route)


def never_explained(route: str | None) -> frozenset[str]:
    """The groups no explanation settles while both accounts use them: money, the company itself,
    the keys to the account; on the not-owned route also a private email domain, which reads as
    one organisation's mailboxes (a public mail provider is no domain the audit matches)."""
    return NEVER_CURRENT | {"email_domain"} if route == "not-owned" else NEVER_CURRENT


def _settle_steps(item: Item, name: str, name2: str, never: frozenset[str], route: str | None = None) -> list[str]:
    """What to do about one thing still shared, a step for each kind it is on file as (a computer's
    MAC address, machine id and name each: `attr retire` takes one kind at a time)."""
    if item.shape == "range" or item.group == "email_domain":
        return [_settle_step(item, name, name2, never)]
    if control_now(item, route) and route != "agency-ongoing" \
            and not (route == "shared-service" and item.group in SERVICE_LINE):  # (there: explain it)
        return [_("for {kind}, which no explanation settles while both accounts use it (it reads as one business "
                  "behind both), stop using it for {name} and record the change with `linkcheck attr retire {name} "
                  "{kind} VALUE --on DATE`", kind=kind, name=name) for kind in item.kinds]
    return [_settle_step(item, name, name2, never, kind) for kind in item.kinds]


def _settle_step(item: Item, name: str, name2: str, never: frozenset[str], kind: str | None = None) -> str:
    """What to do about one value still shared, as its kind allows: the range's address moved or
    the range explained; a private domain's addresses moved; a value changed and retired, or
    explained where an explanation can settle it."""
    if item.shape == "range":
        return _("for ip_network, move to an IP address outside that network range and record the change with `linkcheck attr retire {name} ip VALUE --on DATE`, or record why the range is shared with `linkcheck explain {name} {name2} ip --note TEXT --note-zh TEXT`", name=name, name2=name2)
    if item.group == "email_domain":
        if "email_domain" in never:
            return _("for email_domain, which no explanation settles when you do not own the other account, move your email addresses to a domain of your own and record each change with `linkcheck attr retire {name} email VALUE --on DATE`", name=name)
        return _("for email_domain, move your email addresses to a domain of your own and record each change with `linkcheck attr retire {name} email VALUE --on DATE`, or record why the domain is shared with `linkcheck explain {name} {name2} email --note TEXT --note-zh TEXT`", name=name, name2=name2)
    kind = kind or item.kinds[0]
    if item.group in never:
        return _("for {kind}, which no explanation settles, change it and record the change with `linkcheck attr retire {name} {kind} VALUE --on DATE`", kind=kind, name=name)
    return _("for {kind}, change it and record the change with `linkcheck attr retire {name} {kind} VALUE --on DATE`, or record why it is shared with `linkcheck explain {name} {name2} {kind} --note TEXT --note-zh TEXT`", kind=kind, name=name, name2=name2)


def _refuse_an_office_without_separation(name: str, name2: str, office: list[Item], staffing: Staffing) -> None:
    """An agency that works on both accounts from its office, on one computer or line: the letter
    must say what keeps the accounts apart there, and only what the records show (a browser profile
    of the account's own, logins of its own); without it, or with one browser profile for both, the
    letter would tell Amazon that one operator runs both accounts as one."""
    steps = []
    shared_profile = [i for i in office if i.group == "browser"]
    if shared_profile:
        steps += [_("for {kind}, open {name} in a browser profile of its own at the agency and record the change "
                    "with `linkcheck attr retire {name} {kind} VALUE --on DATE`", kind=kind, name=name)
                  for i in shared_profile for kind in i.kinds]
    elif not (staffing.own_profile or staffing.own_logins):
        steps += [_("record the browser profile the agency opens {name} in, one that no other account uses, with "
                    "`linkcheck attr add {name} browser_profile VENDOR:ID`", name=name),
                  _("record the Seller Central logins the agency uses for {name} alone with `linkcheck attr add "
                    "{name} platform_login VALUE`", name=name),
                  _("or, once the agency no longer works on {name} from them, record that for each kind with "
                    "`linkcheck attr retire {name} KIND VALUE --on DATE`", name=name)]
    if steps:
        raise CannotAppeal(
            _("the records show the agency working on {name} and {name2} from the same {kinds} now, and nothing on "
              "record that keeps the two accounts apart there: a letter saying so tells Amazon that one operator "
              "runs both. Settle it, then run the appeal again:{steps}", name=name, name2=name2,
              kinds=_shared_names(office), steps=_bullets(steps)))


def _bullets(lines) -> str:
    """Steps of a refusal, each on a line of its own ("\n  - ..."), each once: one line per kind
    reads where one long line does not."""
    return "".join("\n  - " + line for line in dict.fromkeys(lines))


def _refuse_what_the_records_contradict(name: str, case: AppealCase, related: list[Related],
                                        staffing: Staffing | None = None) -> None:
    route = case.relationship
    never = never_explained(route)
    for r in related:
        if route == "own":
            if r.status in ("suspended", "closed"):
                raise CannotAppeal(
                    _("the records show {name} as {status}: Amazon asks you to reactivate the related account you own first. Once it is reinstated, record that with `linkcheck account set {name} --status active` and run the appeal again with --reactivated \"{name} DATE\"", name=r.name, status=i18n.translate(r.status)))
            continue
        # (two company names only alike -- a typo apart, or one brand read alike in two scripts --
        # are two companies once explained; one name, one bank account or one login never is)
        # (on the agency-ongoing route, what the agency's office shares is that route's own story: its
        # check is what keeps the accounts apart there, below)
        current = [i for i in r.items if i.until is None and not agency_office(i, route)
                   and (i.group in never and not (i.shape == "similar" and i.explained) or not i.explained
                        or control_now(i, route))]
        if current and all(i.shape == "range" for i in current):
            # what is shared is a network range, not one address: say so, and how to settle it
            raise CannotAppeal(
                _("{name} still uses an IP address in the same network range as an address of {name2} (ip_network), which an appeal saying you do not own, control or access {name2} cannot explain as it stands. Move to an address outside that range and record the change with `linkcheck attr retire {name} ip VALUE --on DATE`, or record why the range is shared (one provider's addresses, say) with `linkcheck explain {name} {name2} ip --note TEXT --note-zh TEXT`, then run the appeal again", name=name, name2=r.name))
        if current:
            # each kind its own next step: only what no explanation settles is said to be so
            raise CannotAppeal(
                _("{name} still uses what it shares with {name2} ({kinds}), which an appeal saying you do not own, control or access {name2} must settle first, kind by kind, then run the appeal again:{steps}", name=name, name2=r.name, kinds=_shared_names(current), steps=_bullets(step for i in current for step in _settle_steps(i, name, r.name, never, route))))
        office = [i for i in r.items if agency_office(i, route)]
        if office and staffing is not None:
            _refuse_an_office_without_separation(name, r.name, office, staffing)
        shared_log = staffing.log_with(r.name) if staffing is not None and route in NO_ACCESS_ROUTES else None
        if shared_log is not None:
            # the log shows someone here logging in to the account the letter says we do not access
            who = (_("member {members}", members=i18n.join_list(shared_log.members)) if shared_log.members
                   else _("this store's user"))
            raise CannotAppeal(
                _("the log shows {who} logging in to {name2} from a computer {name} is worked on from (last on {date}), which an appeal saying you do not own, control or access {name2} contradicts. If the same people or computers work on both accounts, choose the --relationship that says so (own: one business owns both; agency-ongoing: one agency works on both); `linkcheck log {name2}` shows those logins", who=who, name=name, name2=r.name, date=day_of(shared_log.last).isoformat()))
        # Money, the company itself or the keys to the account, used by both at the same time, even
        # long ago: common control, which no route but "own" explains.
        together = [i for i in r.items if i.overlapped and i.group in NEVER_CURRENT and not i.explained]
        if together:
            kinds = _shared_names(together)
            raise CannotAppeal(
                _("the records show {name} and {name2} using the same {kinds} at the same time, which only common control explains: an appeal saying you do not own, control or access {name2} would contradict them. Choose the --relationship that says how the accounts are related (own: one business owns both); if there is another explanation, record it with `linkcheck explain {name} {name2} KIND --note TEXT --note-zh TEXT`", name=name, name2=r.name, kinds=kinds))
        if route == "error":
            linked = [i for i in r.items if i.overlapped]
            if linked:
                kinds = _shared_names(linked)
                raise CannotAppeal(
                    _("the records show {name} and {name2} using the same {kinds} at the same time, so the link is not an error: choose the --relationship that says how it happened", name=name, name2=r.name, kinds=kinds))
        if route == "former-tenant":
            overlapping = [i for i in r.items if i.overlapped]
            if overlapping:
                kinds = _shared_names(overlapping)
                raise CannotAppeal(
                    _("the records show {name} and {name2} using the same {kinds} at the same time, which a former tenant's equipment does not explain. Check the dates with `linkcheck account history {name}`, or choose the --relationship that says what happened", name=name, name2=r.name, kinds=kinds))


def cause_of_link(case: AppealCase, lang: str) -> str | None:
    """How the accounts came to be linked (not-owned), in LANG, as `business_need` reads its need."""
    cause = case.cause
    if lang == "zh":
        return case.cause_zh or (cause if cause and _CJK.search(cause) else None)
    return cause if cause and not _CJK.search(cause) else None


def business_need(case: AppealCase, lang: str) -> str | None:
    """The business need in LANG: --business-need-zh (or a --business-need written in Chinese) for
    Chinese, --business-need written in English for English."""
    need = case.business_need
    if lang == "zh":
        return case.business_need_zh or (need if need and _CJK.search(need) else None)
    return need if need and not _CJK.search(need) else None


# What a note quoted in the letter must not carry: device internals and full numbers.
_INTERNALS = re.compile(
    r"\b[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}\b"  # a MAC address
    r"|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b"  # a MAC, Cisco style
    r"|\b\d{1,3}(?:\.\d{1,3}){3}\b"  # an IPv4 address
    r"|\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}\b"  # an IPv6 address
    r"|\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{2,4}){3,}"  # an IBAN
    r"|\d(?:[ -]?\d){7,}"  # eight digits or more (an account or card number)
)


def note_problem(note: str | None) -> bool:
    """Whether an explanation's note holds what the letter must not show."""
    return note is not None and _INTERNALS.search(note) is not None


# Tools a reviewer reads as a "third-party account management service" or as hiding one business
# behind several: anti-detect browsers, their vendors, proxy vendors, and the trade's jargon for them.
_TOOLS = re.compile(
    r"紫鸟|ziniao|adspower|比特浏览器|bit ?browser|指纹浏览器|超级浏览器|防关联|反关联|候鸟|hubstudio|vmlogin|"
    r"multilogin|gologin|dolphin|incogniton|kameleo|octo ?browser|morelogin|lalicat|clonbrowser|"
    r"anti-?detect|fingerprint browser|antidetect|"
    r"luminati|bright ?data|oxylabs|smartproxy|ipidea|922 ?s5|911 ?s5|iproyal|residential prox|住宅代理|代理ip|ip代理",
    re.IGNORECASE)


def tool_named(note: str | None) -> str | None:
    """The anti-detect browser, proxy vendor or tool term NOTE names (as written), or None: a
    letter to Amazon never names one."""
    found = _TOOLS.search(note or "")
    return found.group(0) if found else None


def note_warnings(note: str | None, note_zh: str | None) -> list[str]:
    """What `explain` warns of in a note an appeal would quote word for word: an anti-detect browser,
    proxy vendor or tool term, a MAC or IP address or a long number (the appeal refuses such a note)."""
    out = []
    tool = tool_named(note) or tool_named(note_zh)
    if tool:
        out.append(_("warning: the note names {tool}, an anti-detect browser, proxy vendor or tool term; an appeal "
                     "quotes notes word for word and refuses one that names such a tool (a reviewer reads it as a "
                     "third-party account management service). Say what happened in plain business terms "
                     "(\"both stores' IP addresses were rented from the same network provider\", \"each store is "
                     "opened in a browser profile of its own\") and record the note again", tool=tool))
    if note_problem(note) or note_problem(note_zh):
        out.append(_("warning: the note holds a MAC address, an IP address or a long number; an appeal quotes notes "
                     "word for word and refuses one that shows them. Say it in plain business terms and record the "
                     "note again"))
    return out


def _check_notes(name: str, case: AppealCase, related: list[Related], langs: tuple[str, ...]) -> None:
    if case.relationship == "own" and (case.business_need or case.business_need_zh):
        for lang in langs:
            if tool_named(business_need(case, lang)):
                raise MissingFact(_("the business need names {tool}, an anti-detect browser, proxy vendor or tool "
                                    "term, which the letter to Amazon must not show; say the need in plain business "
                                    "terms", tool=tool_named(business_need(case, lang))))
            if not business_need(case, lang):
                if lang == "zh":
                    raise MissingFact(_("the business need is not given in Chinese for a Chinese appeal; give it with "
                                        "--business-need-zh TEXT"))
                raise MissingFact(_("the business need is not given in English for an English appeal; give it with "
                                    "--business-need TEXT"))
    if case.relationship == "not-owned" and (case.cause or case.cause_zh):
        for lang in langs:
            cause = cause_of_link(case, lang)
            if not cause:
                if lang == "zh":
                    raise MissingFact(_("how the accounts came to be linked is not given in Chinese for a Chinese "
                                        "appeal; give it with --cause-zh TEXT"))
                raise MissingFact(_("how the accounts came to be linked is not given in English for an English "
                                    "appeal; give it with --cause TEXT"))
            if tool_named(cause):
                raise MissingFact(_("--cause names {tool}, an anti-detect browser, proxy vendor or tool term, which "
                                    "the letter to Amazon must not show; say in plain business terms how the accounts "
                                    "came to be linked", tool=tool_named(cause)))
            if note_problem(cause):
                raise MissingFact(_("--cause holds a MAC address, an IP address or a long number, which the letter "
                                    "to Amazon must not show; say in plain business terms how the accounts came to "
                                    "be linked"))
    for r in related:
        for i in r.items:
            if not i.explained:
                continue
            kind = i.kinds[0]
            tool = tool_named(i.note_en) or tool_named(i.note_zh)
            if tool:
                raise MissingFact(
                    _("the explanation of {kind} between {name} and {name2} names {tool}, an anti-detect browser, proxy vendor or tool term, which the letter to Amazon must not show (a reviewer reads it as a third-party account management service); say what happened in plain business terms (\"both stores' IP addresses were rented from the same network provider\", \"each store is opened in a browser profile of its own\") with `linkcheck explain {name} {name2} {kind} --note TEXT --note-zh TEXT`", kind=kind, name=name, name2=r.name, tool=tool))
            if any(note_problem(note) for note in (i.note_en, i.note_zh)):
                raise MissingFact(
                    _("the explanation of {kind} between {name} and {name2} holds a MAC address, an IP address or a long number, which the letter to Amazon must not show; rewrite it in plain business terms with `linkcheck explain {name} {name2} {kind} --note TEXT --note-zh TEXT`", kind=kind, name=name, name2=r.name))
            if "en" in langs and not i.note_en:
                raise MissingFact(
                    _("the explanation of {kind} between {name} and {name2} has no English note for an English appeal; add it with `linkcheck explain {name} {name2} {kind} --note TEXT --note-zh TEXT`", kind=kind, name=name, name2=r.name))
            if "zh" in langs and not i.note_zh:
                raise MissingFact(
                    _("the explanation of {kind} between {name} and {name2} has no Chinese note for a Chinese appeal; add it with `linkcheck explain {name} {name2} {kind} --note TEXT --note-zh TEXT`", kind=kind, name=name, name2=r.name))


# ---------------------------------------------------------------------------------------------
# Writing it


class Exhibits:
    """Exhibits in the order the letter first cites them: `cite(key)` is its number."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._entries: dict[str, tuple[str, dict[str, str]]] = {}

    def cite(self, key: str, entry: str | None = None, **values: str) -> int:
        """The number of exhibit KEY; its words are the catalog's `ex_ENTRY…` (ENTRY: KEY unless
        given), with VALUES filled in (what one exhibit of several alike names)."""
        if key not in self.keys:
            self.keys.append(key)
            self._entries[key] = (entry or key, values)
        return self.keys.index(key) + 1

    def words(self, words: i18n.Catalog, key: str, part: str = "") -> str:
        """Exhibit KEY's title (PART ""), or what it shows ("_proves"), or what to highlight ("_highlight")."""
        entry, values = self._entries[key]
        return words(f"ex_{entry}{part}", **values)


def _join(words: i18n.Catalog, items: Sequence[str], conjunction: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return words("list_sep").join(items[:-1]) + words(conjunction) + items[-1]


def _exhibit_numbers(words: i18n.Catalog, numbers: Sequence[int]) -> str:
    """Several exhibits as one reference: "Exhibits 2 to 4" for a run of three or more, else
    "Exhibits 2 and 5" (附件2至附件4, 附件2和附件5)."""
    ns = sorted(set(numbers))
    if len(ns) > 2 and ns == list(range(ns[0], ns[-1] + 1)):
        return words("exhibit_range", first=str(ns[0]), last=str(ns[-1]))
    return words("exhibit_numbers", numbers=_join(words, [words("exhibit_number", n=str(n)) for n in ns]))


def _sentence(text: str, lang: str) -> str:
    """A user's note as a whole sentence of the letter."""
    text = " ".join(text.split())
    end = "。" if lang == "zh" else "."
    return text if text[-1:] in ".!?。！？" else text + end


def _reads_as_sentence(note: str) -> bool:
    """Whether an English note reads as a sentence of the letter: it begins with a capital letter
    and is not a list of clauses jotted down with semicolons."""
    text = note.strip()
    return bool(text) and text[0].isupper() and ";" not in text


def account_shown(plan: Plan, words: i18n.Catalog) -> str:
    token = plan.subject.account.merchant_token
    return words("account_with_token", name=plan.shown, token=token) if token else plan.shown


def signer(plan: Plan, lang: str) -> str:
    acc = plan.subject.account
    if lang == "zh":
        return acc.legal_name_local or acc.legal_name_en or plan.shown
    return acc.legal_name_en or plan.shown


def compose(plan: Plan, lang: str) -> tuple[list[str], Exhibits]:
    """The letter's paragraphs in LANG, and the exhibits it cites (same numbers in every language)."""
    words = i18n.catalog("appeal", lang)
    ex = Exhibits()
    case = plan.case
    space = "" if lang == "zh" else " "
    paras = [words("greeting")]
    names = [r.shown for r in plan.related]
    related = (words("the_account", name=names[0]) if len(names) == 1
               else words("the_accounts", names=_join(words, names)))
    # An agency that works on both accounts from its office: what keeps them apart there, as far as
    # the records show it (build_plan refuses the letter where they show nothing), told as what was done.
    staffing = plan.staffing or Staffing()
    office = any(agency_office(i, case.relationship) for r in plan.related for i in r.items)
    apart = [key for key, backed in (("act_agency_profile", staffing.own_profile),
                                     ("act_agency_logins", staffing.own_logins)) if office and backed]
    # The opening paragraph promises only what the letter goes on to say: "what we have done about
    # it" where it says what was done, "how we will keep our account separate" where it says how
    # (made once both are known, below).
    reference_at = len(paras)
    paras.append("")

    own = case.relationship == "own"
    business_of: dict[str, list[str]] = {}
    for other, kind, count in plan.shared_business:
        business_of.setdefault(other, []).append(words(f"biz_shared_{kind}" + ("s" if count > 1 else "")))
    staffed = {r.name for r in plan.related
               if own and plan.staffing is not None and plan.staffing.log_with(r.name, same_member=True)}
    cause = [words("cause_open")] if any(r.items or r.name in business_of or r.name in staffed
                                         for r in plan.related) else []
    for r in plan.related:
        if not r.items and r.name not in business_of and r.name not in staffed:
            cause.append(words("cause_none", other=r.shown))
            continue
        groups: dict[tuple, list[Item]] = {}
        for i in r.items:
            inherited = not i.overlapped  # one side's use ended before the other's began
            # Past: say until when both used it (the earlier end), or until when we used it after them.
            until = (i.until if inherited else i.shared_until) if i.until is not None else None
            current = until is None and (inherited or i.their_until is None)
            if not current and until is None:  # we still use it; they stopped while we both used it
                until = i.their_until
            # Who used it first is told only from starts someone gave: a start defaulted to the day
            # a value was recorded is not when its use began.
            if current and inherited:
                how = "took_over" if i.since_given or i.their_until is None else "they_stopped"
                if how == "they_stopped":
                    until = i.their_until
            elif current and agency_office(i, case.relationship):
                how = "agency_office"  # the agency's office, where it works on both: its own sentence
            elif current:
                how = "current"
            elif inherited and i.their_since >= (i.until or 0):  # they began after we stopped
                how = "passed_on" if i.their_since_given else "used_until"
            elif inherited:
                how = "inherited" if i.since_given else "used_until"
            else:
                how = "past"
            # uses that ended on one day are told in one sentence, whatever the hour each was recorded
            until = until - until % 86400 if until else until
            groups.setdefault((current, until or 0, inherited, how), []).append(i)
        for (_current, until, inherited, how), items in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1])):
            form = "the_" if inherited else "same_"
            things = _join(words, [thing(words, form, i) for i in items])
            suffix = "_own" if own else ""
            if how in ("current", "past"):
                how += suffix
            elif how == "used_until" and len(items) > 1:
                how = "used_until_many"
            cause.append(words("cause_" + how, other=r.shown, things=things, date=day_words(until, lang)))
        told = set()
        for i in r.items:
            note = i.note_zh if lang == "zh" else i.note_en
            if note and note not in told:  # one explanation of a kind covers each of its values: told once
                told.add(note)
                if i.note_en and not _reads_as_sentence(i.note_en):
                    # a note jotted down ("agency office router; profiles and proxies") is given as the
                    # reason, a sentence of the letter ("The reason is as follows: …", 原因是：…), not as
                    # a record quoted about one of the things it explains
                    cause.append(words("cause_note", note=_sentence(note, lang)))
                else:
                    cause.append(_sentence(note, lang))
        if r.name in staffed:
            cause.append(words("cause_staff_own"))  # the log: one of our staff on both, from one computer
        if r.name in business_of:  # a supplier or carrier both work with: told, never cited as separation
            cause.append(words("cause_business" + ("_own" if own else ""), other=r.shown,
                               things=_join(words, business_of[r.name], "and_also")))
    paras.append(space.join(cause))

    route = case.relationship or "not-owned"
    if len(plan.related) > 1 and route in MERGED_ROUTES:
        # One paragraph for all related accounts: the same words once, not once per account.
        others = [r.shown for r in plan.related]
        values = {"others": _join(words, others, "and_inner"), "others_or": _join(words, others, "or")}
        if MERGED_ROUTES[route]:
            values["n"] = str(ex.cite(MERGED_ROUTES[route]))
        paras.append(_with_cause(words("route_" + route.replace("-", "_") + "_many", **values), route, case, lang,
                                 words, space))
    for r in plan.related if not (len(plan.related) > 1 and route in MERGED_ROUTES) else ():
        if route == "own":
            parts = [words("route_own", other=r.shown)]
            need = business_need(case, lang)
            if need:
                parts.append(words("route_own_need", need=_sentence(need, lang)))
            if case.authorisation:
                parts.append(words("route_own_authorised", date=day_words(case.authorisation[0], lang),
                                   case_id=case.authorisation[1], n=ex.cite("authorisation")))
            if r.reactivated:
                parts.append(words("route_own_reactivated", other=r.shown, date=day_words(r.reactivated, lang),
                                   n=ex.cite("reactivation")))
            paras.append(space.join(parts))
        elif route == "former-tenant":
            paras.append(words("route_former_tenant", other=r.shown, n=ex.cite("previous_tenant")))
        elif route == "agency":
            paras.append(words("route_agency", other=r.shown, n=ex.cite("agency")))
        elif route == "agency-ongoing":
            paras.append(words("route_agency_ongoing", other=r.shown, n=ex.cite("agency_ongoing")))
        elif route == "shared-service":
            paras.append(words("route_shared_service", other=r.shown, n=ex.cite("service")))
        else:
            paras.append(_with_cause(words("route_" + route.replace("-", "_"), other=r.shown), route, case, lang,
                                     words, space))

    actions = []
    previous = None
    ended_on: dict[date, list[Item]] = {}  # the uses that ended with nothing recorded to replace them, by day
    for i in plan.retired:
        if plan.replacement(i) is None:
            ended_on.setdefault(day_of(i.until), []).append(i)
    for items in ended_on.values():  # in the order the root cause names them
        items.sort(key=lambda i: GROUP_ORDER.index(i.group))
    for i in plan.retired:
        # A second step on the same day reads "On the same day we…", not the date again.
        when = words("same_day") if previous is not None and day_of(i.until) == day_of(previous) \
            else day_words(i.until, lang)  # type: ignore[arg-type]
        previous = i.until
        # An action says what the records show: the value's use ended on that day and, only where a
        # value of its kind begun since is on record (Plan.replacement), what replaced it.
        new = plan.replacement(i)
        act = "act_" + i.group + ("_email" if i.domain else "")  # (email_domain: its own act_ keys)
        if i.shape and act + "_" + i.shape in words:
            act += "_" + i.shape
        values = {"date": when}
        if i.domain:
            values["domain"] = i.domain
        elif i.group in LAST_FOUR:
            values["last4"] = i.last4
        if new is None:
            same_day = ended_on.get(day_of(i.until), [])
            if len(same_day) > 1 and i in same_day:
                # several things whose use ended on one day: one sentence ("On 1 December 2026 we
                # stopped using the internet connection, the office router and the computer described
                # above (Exhibits 2 to 4)"), told where the first of them is
                if same_day[0] is i:
                    numbers = [ex.cite(f"ended/{j.group}/{j.shape}/{j.last4 or j.domain}", "ended",
                                       what=thing(words, "the_", j)) for j in same_day]
                    actions.append(words("act_ended_many", date=day_words(i.until, lang),  # type: ignore[arg-type]
                                         things=_join(words, [thing(words, "the_", j) for j in same_day]),
                                         exhibits=_exhibit_numbers(words, numbers)))
                continue
            n = ex.cite(f"ended/{i.group}/{i.shape}/{i.last4 or i.domain}", "ended", what=thing(words, "the_", i))
            actions.append(words(act + "_ended", n=n, **values))
        elif i.group == "bank":
            n = ex.cite(ACTION_EXHIBIT[i.group])
            actions.append(words("act_bank", new4=new, n=n, **values) if new
                           else words("act_bank_plain", n=n, **values))
        else:
            actions.append(words(act, n=ex.cite(ACTION_EXHIBIT[i.group]), **values))
    for key in apart:
        actions.append(words(key, n=ex.cite("browser" if key == "act_agency_profile" else "login")))
    if plan.checks_since is not None and plan.checks:
        since = day_words(plan.checks_since, lang)
        actions.append(words("act_checks_one", date=since) if plan.checks == 1
                       else words("act_checks", date=since, count=plan.checks))
    if actions:
        paras.append(space.join(actions))

    # A value still shared (explained: a coworking space's line) rules out "our own internet line".
    still_shared = any(i.until is None and i.their_until is None for r in plan.related for i in r.items)
    if own:
        # Only what the records back: each account's own bank account where each has one on file and
        # none is shared, its premises where each has an address and no router or line is still
        # shared (Plan.kept_apart); no commitment the seller did not record.
        kept = [words("own_" + claim, n=ex.cite("lease")) if claim == "premises" else words("own_" + claim)
                for claim in plan.kept_apart]
        prevent = [words("prevent_own", things=_join(words, kept, "and_also"))] if kept else []
    elif case.relationship == "agency-ongoing":
        # the agency's staff work on the account: never "only our own employees"; its logins are the
        # account's own only where one is on file and no other account holds it; no term of the
        # agreement that nobody recorded
        prevent = [words("prevent_agency_ongoing", n=ex.cite("agency_ongoing"))]
        if staffing.own_logins and "act_agency_logins" not in apart:
            prevent.append(words("prevent_agency_logins"))
    else:
        # Each claim only where the records back it (Staffing): our own staff where the account has a
        # login of its own and no one who works on it logged in to another account from its computer;
        # computers of our own where one is on file, for no other account, with no such login.
        claims = [claim for claim, backed in (("premises", not still_shared and not staffing.network_elsewhere),
                                              ("staff", staffing.staff_gap is None),
                                              ("computers", staffing.computers_gap is None)) if backed]
        prevent = [words("prevent_" + claim + ("_first" if n == 0 else "")) for n, claim in enumerate(claims)]
        if "premises" in claims:
            prevent.append(words("prevent_files", n=ex.cite("lease")))
        elif "computers" in claims:
            prevent.append(words("prevent_files_computers", n=ex.cite("computer")))
    if case.relationship == "agency":
        prevent.append(words("prevent_agency"))
    if case.relationship == "family" and not any(s.same_member for s in staffing.log):
        prevent.append(words("prevent_family"))
    # What keeps the accounts apart from now on, said above: what the opening may promise ("how we
    # will keep our account separate"). The business's own brand, goods and partners, said below,
    # describe it as it is and promise nothing.
    promised = bool(prevent)
    biz = {kind: _in_script(values, lang) for kind, values in plan.business.items()}
    if biz.get("brand"):
        key = "biz_brand" if len(biz["brand"]) == 1 else "biz_brands"
        prevent.append(words(key, brands=_join(words, biz["brand"])))
    if biz.get("category"):
        prevent.append(words("biz_category", categories=_join(words, biz["category"])))
    if biz.get("supplier"):
        prevent.append(words("biz_supplier", suppliers=_join(words, biz["supplier"])))
    # Amazon's own fulfilment is no agreement of ours to show: said so, with no exhibit asked for.
    carriers = [v for v in biz.get("logistics") or () if not _AMAZON_FULFILMENT.search(v)]
    if carriers:
        prevent.append(words("biz_logistics", logistics=_join(words, carriers)))
    fba = len(carriers) < len(biz.get("logistics") or ())
    if biz.get("supplier") or carriers:
        # One supplier's invoices are "from our supplier", several suppliers' "from our suppliers".
        suppliers = "supplier" if len(biz.get("supplier") or ()) == 1 else "suppliers"
        if biz.get("supplier") and carriers:
            exhibit = suppliers
        else:
            exhibit = suppliers + "_only" if biz.get("supplier") else "logistics"
        # Who holds an agreement is named: a product category is no counterparty.
        many_suppliers, many_carriers = len(biz.get("supplier") or ()) > 1, len(carriers) > 1
        if biz.get("supplier") and carriers:
            key = "biz_contract_both" if many_suppliers or many_carriers else "biz_contract_both_one"
        elif biz.get("supplier"):
            key = "biz_contract_suppliers" if many_suppliers else "biz_contract_supplier"
        else:
            key = "biz_contract_carriers" if many_carriers else "biz_contract_carrier"
        prevent.append(words(key, n=ex.cite(exhibit)))
    if fba:
        prevent.append(words("biz_fba"))
    if prevent:
        paras.append(space.join(prevent))
    reference = {(True, True): "reference", (False, True): "reference_no_actions",
                 (True, False): "reference_no_prevention", (False, False): "reference_cause_only"}[bool(actions), promised]
    paras[reference_at] = words(reference, notice_date=day_words(case.notice_date or date.today().isoformat(), lang),
                                account=account_shown(plan, words), related=related)

    if plan.health.get(lang):
        paras.append(plan.health[lang])
    # "the enclosed documents" only where the letter cites one
    paras.append(words("request" if ex.keys else "request_no_documents", account=plan.shown))
    paras.append(words("thanks"))
    paras.append(words("sign_off") + "\n" + signer(plan, lang))
    return [_tidy(spelled(plan, lang, p)) for p in paras], ex


def _with_cause(paragraph: str, route: str, case: AppealCase, lang: str, words, space: str) -> str:
    """The not-owned route's paragraph, with how the accounts came to be linked where it was given."""
    cause = cause_of_link(case, lang) if route == "not-owned" else None
    return space.join((paragraph, words("route_not_owned_cause", cause=_sentence(cause, lang)))) if cause else paragraph


# Amazon's own fulfilment (FBA), however a seller writes it.
_AMAZON_FULFILMENT = re.compile(r"(?i)\bFBA\b|fulfil+ment by amazon|亚马逊物流|亚马逊配送")
# The British spellings the letter's own words may hold (the account-health paragraph's metric
# names), as a US marketplace's reviewer writes them.
_US_SPELLING = (("fulfilment", "fulfillment"), ("Fulfilment", "Fulfillment"), ("fulfils", "fulfills"))


def spelled(plan: Plan, lang: str, text: str) -> str:
    """TEXT spelled as the marketplace's reviewer writes: US spelling for amazon.com."""
    if lang == "en" and region_for_marketplace(plan.subject.account.marketplace or "") == "US":
        for british, american in _US_SPELLING:
            text = text.replace(british, american)
    return text


def _in_script(values: Sequence[str], lang: str) -> tuple[str, ...]:
    """The values written in the letter's script, where some are: a supplier entered both as
    宁波丰和户外用品有限公司 and as Ningbo Fenghe Outdoor Products Co., Ltd. is named once, in the
    language of the letter; a name entered in one script only is kept as it is."""
    chinese = tuple(v for v in values if _CJK.search(v))
    latin = tuple(v for v in values if not _CJK.search(v))
    if lang == "zh":
        return chinese or latin
    return latin or chinese


def _tidy(paragraph: str) -> str:
    """A value that ends with a full stop ("Co., Ltd.") at the end of a sentence gives one stop."""
    return re.sub(r"\.\.(?=\s|$|\()", ".", paragraph)


def letter(plan: Plan, lang: str) -> str:
    paras, _ = compose(plan, lang)
    return "\n\n".join(paras) + "\n"


def bilingual(plan: Plan) -> str:
    """Each English paragraph followed by its Chinese, so the seller knows what they submit."""
    en, _ = compose(plan, "en")
    zh, _ = compose(plan, "zh")
    return "\n\n".join(f"{a}\n\n{b}" for a, b in zip(en, zh, strict=True)) + "\n"
