"""Anti-detect browser profiles as jobs: import them onto accounts, list them, turn one into
values for the gate, and audit what profiles share or leak.

Every value taken from a profile carries the note `browser VENDOR:ID` (importers.vendors.common
.note_of): re-importing finds them again, so it updates and never duplicates. A value that
disappeared from the profile is retired (its period of use ends at the import), never deleted.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..i18n import N_, _, join_clauses, join_list, translate
from ..importers.vendors import vendor_name
from .. import accounts as book
from ..errors import ImportErrors, InvalidInput, InvalidValue, UsageError
from ..importers.vendors.common import BrowserProfile, note_of, profile_values, read_file_bytes
from ..models import Account, Attribute, Event, Level, Profile, is_current, iso, now, periods_of

ACCOUNT_FROM = ("name", "remark", "group", "tag")
NOTE_PREFIX = "browser "
PASSTHROUGH = "passthrough:"
WEBRTC_REAL = "webrtc:real"
NO_PROXY = "proxy:none"


@dataclass
class ImportResult:
    vendor: str
    matched: list[tuple[str, str]] = field(default_factory=list)  # (profile ref, account)
    # (profile ref, profile name, the label looked up as an account name: a remark, a tag...)
    unmatched: list[tuple[str, str, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)  # values a kind refused: "ref: kind: reason"


class ProfileMap(dict[str, str]):
    """--map FILE read: profile -> account, and where each row came from (for the errors)."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.rows: dict[str, int] = {}


# A --map file's header row, in English or in the interface's Chinese words: skipped.
MAP_HEADERS = (["profile", "account"], ["浏览器环境", "账户"])


def read_map(path: Path, encoding: str | None = None) -> ProfileMap:
    """--map FILE: CSV `profile,account` (a header row naming them is skipped), its text read as
    `import` reads a CSV (UTF-8, GB18030 as Chinese Excel saves it, or `encoding`)."""
    from ..importers.safety import decode_text

    body = decode_text(path, read_file_bytes(path), encoding)
    mapping = ProfileMap(path)
    for number, row in enumerate(csv.reader(io.StringIO(body)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) != 2 or not all(cells):
            raise InvalidInput(_("{path}: row {number} is not `profile,account`", path=path, number=number))
        if number == 1 and [c.lower() for c in cells] in MAP_HEADERS:
            continue
        mapping[cells[0]] = cells[1]
        mapping.rows[cells[0]] = number
    return mapping


def _closest_name(name: str, names: list[str]) -> str | None:
    """The account name a mistyped one was most likely meant to be ("harbour-us" -> harbor-us)."""
    close = difflib.get_close_matches(name.casefold(), [n.casefold() for n in names], n=1, cutoff=0.75)
    return next((n for n in names if n.casefold() == close[0]), None) if close else None


def _unknown_map_rows(profiles: list[BrowserProfile], mapping: dict[str, str], names: dict[str, str]) -> list[str]:
    """A line for each map row used by these profiles that names no account on file."""
    problems = []
    where = mapping.path.name if isinstance(mapping, ProfileMap) else "--map"
    rows = mapping.rows if isinstance(mapping, ProfileMap) else {}
    for p in profiles:
        key = p.ref if p.ref in mapping else p.id
        wanted = mapping.get(key)
        if wanted is None or wanted.casefold() in names:
            continue
        guess = _closest_name(wanted, list(names.values()))
        origin = _("{file} row {row}", file=where, row=rows[key]) if key in rows else where
        if guess:
            problems.append(_("{origin}: no account named {name!r} for profile {profile} (did you mean {guess}?)",
                              origin=origin, name=wanted[:60], profile=p.ref, guess=guess))
        else:
            problems.append(_("{origin}: no account named {name!r} for profile {profile}; `linkcheck account list` "
                              "shows the accounts on file, --create makes it", origin=origin, name=wanted[:60],
                              profile=p.ref))
    return problems


def _account_for(p: BrowserProfile, names: dict[str, str], mapping: dict[str, str] | None, account_from: str | None):
    """The account name a profile belongs to, or (None, the label that could name a new one).
    With a map, a profile it does not name is looked up by `account_from` only when that was
    asked for too (None: the map alone)."""
    if mapping is not None:
        wanted = mapping.get(p.ref) or mapping.get(p.id)
        if wanted is not None:
            return names.get(wanted.casefold(), None), wanted
        if account_from is None:
            return None, ""
    assert account_from is not None
    labels = [v.strip() for v in p.labels()[account_from] if v and v.strip()]
    for label in labels:
        found = names.get(label.casefold())
        if found is not None:
            return found, label
    return None, labels[0] if labels else ""


def _attributes(p: BrowserProfile, keyed_hash, when: int, skipped: list[str]) -> list[Attribute]:
    attrs, seen = [], set()
    for kind, value in profile_values(p, keyed_hash):
        try:
            a = book.make_attribute(kind, value, source="import", when=when, note=note_of(p.ref))
        except InvalidValue as exc:
            skipped.append(_("{ref}: {kind}: {reason}", ref=p.ref, kind=kind, reason=getattr(exc, "reason", None) or _("refused")))
            continue
        if kind == "browser_profile":  # what the audit needs: hardware showing through, time zone, country
            flags = [f"{PASSTHROUGH}{x}" for x in p.passthrough]
            if p.timezone and len(p.timezone) <= 64:
                flags.append(f"tz:{p.timezone}")
            if p.language and len(p.language) <= 64:
                flags.append(f"lang:{p.language}")
            if len(p.country) == 2 and p.country.isalpha():
                flags.append(f"country:{p.country.upper()}")
            # What shows websites this computer's own IP (the audit reports it): WebRTC real, and
            # no proxy where the vendor says so (Ziniao binds an IP instead and says nothing).
            if p.webrtc_real:
                flags.append(WEBRTC_REAL)
            if not p.proxy and "proxy" not in p.unknown:
                flags.append(NO_PROXY)
            a = a._replace(flags=tuple(flags))
        if (a.kind, a.normalized) not in seen:
            seen.add((a.kind, a.normalized))
            attrs.append(a)
    return attrs


def import_profiles(
    st, vendor: str, profiles: list[BrowserProfile], *, mapping: dict[str, str] | None, account_from: str | None,
    create: bool,
) -> ImportResult:
    """Put each profile's values on its account in one transaction (see module docstring).
    `account_from` None: by the map alone."""
    result = ImportResult(vendor)
    when = now()
    all_profiles = {p.name: p for p in st.profiles()}
    names = {n.casefold(): n for n in all_profiles}
    if mapping is not None and not create:
        problems = _unknown_map_rows(profiles, mapping, names)
        if problems:
            raise ImportErrors(problems)
    seen_refs: set[str] = set()
    target: dict[str, str] = {}
    for p in profiles:
        if p.ref in seen_refs:
            raise InvalidInput(_("{vendor}: profile {id!r} is listed twice", vendor=vendor, id=p.id[:40]))
        seen_refs.add(p.ref)
        account, label = _account_for(p, names, mapping, account_from)
        if account is None and create and label:
            try:
                account = book.check_name(label)
            except (InvalidInput, UsageError):
                account = None
            if account is not None and account.casefold() not in names:
                all_profiles[account] = Profile(Account(account, created=when, updated=when))
                names[account.casefold()] = account
                result.created.append(account)
        if account is None:
            result.unmatched.append((p.ref, p.name, label))
            continue
        target[p.ref] = account
        result.matched.append((p.ref, account))
    new_values = {p.ref: _attributes(p, st.machine_hash, when, result.skipped) for p in profiles if p.ref in target}
    notes = {note_of(ref): ref for ref in new_values}
    changed: dict[str, Profile] = {}
    added_by_ref: dict[str, int] = {}  # values new to the account, by the profile they came from
    for name, prof in all_profiles.items():
        old = [a for a in prof.attributes if a.note in notes]
        keep = tuple(a for a in prof.attributes if a.note not in notes)
        mine = [ref for ref, acct in target.items() if acct == name]
        fresh = [a for ref in mine for a in new_values[ref]]
        if not old and not fresh and name not in result.created:
            continue
        if fresh:
            keep = _adopt(keep, fresh, old)
        first = {(a.kind, a.normalized, a.note): a.first_seen for a in old}
        fresh = [a._replace(first_seen=first.get((a.kind, a.normalized, a.note), a.first_seen)) for a in fresh]
        before = {(a.kind, a.normalized, a.note) for a in old}
        after = {(a.kind, a.normalized, a.note) for a in fresh}
        held = {(a.kind, a.normalized) for a in keep}  # kept with the user's note: not new to the account
        new_here = {k for k in after - before if k[:2] not in held}
        result.added += len(new_here)
        for _kind, _normalized, note in new_here:
            ref_of = notes.get(note or "")
            if ref_of is not None:
                added_by_ref[ref_of] = added_by_ref.get(ref_of, 0) + 1
        # A value that disappeared from its profile is retired, not deleted: the marketplace
        # remembers what it saw, so the value keeps its periods of use, the last one ended now.
        # A value still there is taken as the profile has it now (its flags: time zone, noise…)
        # with the periods it had, a new one begun if it had been retired.
        by_key = {(a.kind, a.normalized, a.note): a for a in old}
        retired = []
        for key, a in by_key.items():
            if key in after:
                continue
            if is_current(a):
                since, _until, note = periods_of(a)[-1]
                a = a._replace(periods=(*periods_of(a)[:-1], (since, max(when, since), note)))
                result.removed += 1
            retired.append(a)
        fresh = [
            a._replace(periods=book.merged_periods(by_key[k], a)) if (k := (a.kind, a.normalized, a.note)) in by_key else a
            for a in fresh
        ]
        merged, _added = book.merge_attributes(replace(prof, attributes=keep + tuple(retired)), fresh)
        changed[name] = replace(merged, account=replace(merged.account, updated=when))
    for prof in changed.values():
        st.put_profile(prof)
    for ref, account in result.matched:
        st.add_event(Event(when=when, account=account, action="browser-import", verdict="RECORDED",
                           detail={"profile": ref, "new_values": added_by_ref.get(ref, 0)}))
    return result


_PROFILE_FLAGS = (PASSTHROUGH, "tz:", "lang:", "country:", "webrtc:", "proxy:")  # a profile's settings on its value


def _adopt(keep: tuple[Attribute, ...], fresh: list[Attribute], old: list[Attribute]) -> tuple[Attribute, ...]:
    """The account's values that a profile being read has too, entered before by hand or from
    a file (no profile's note): the profile's from now on. Without a note of its own, such a
    value joins `old` under the profile's note (re-imports then retire it with the profile);
    with one (the user's words, kept), it stays in `keep`. Either way a `browser_profile`
    value takes the profile's settings as flags (hardware showing through, time zone,
    language, exit country), which `browser audit` reads -- else a profile entered by hand
    first would drop out of the audit. Returns the new `keep`."""
    by_key = {(a.kind, a.normalized): a for a in fresh}
    kept = []
    for a in keep:
        f = by_key.get((a.kind, a.normalized))
        if f is None or (a.note or "").startswith(NOTE_PREFIX):  # another profile's value: its own
            kept.append(a)
            continue
        if a.kind == "browser_profile":
            a = a._replace(flags=tuple(x for x in a.flags if not x.startswith(_PROFILE_FLAGS)) + f.flags)
        if a.note:
            kept.append(a)
        else:
            old.append(a._replace(note=f.note))
    return tuple(kept)


def profiles_on_file(st) -> list[dict]:
    """Every browser profile on file: vendor, id, account, and how many values came from it."""
    rows = []
    for prof in st.profiles():
        counts: dict[str, int] = {}
        for a in prof.attributes:
            if a.note and a.note.startswith(NOTE_PREFIX):
                counts[a.note[len(NOTE_PREFIX):]] = counts.get(a.note[len(NOTE_PREFIX):], 0) + 1
        for a in prof.values("browser_profile"):
            vendor, _, ident = a.normalized.partition(":")
            rows.append({"vendor": vendor, "id": ident, "account": prof.name, "values": counts.get(a.normalized, 0)})
    rows.sort(key=lambda r: (r["vendor"], r["id"], r["account"]))
    return rows


def gate_attributes(p: BrowserProfile, keyed_hash) -> tuple[Attribute, ...]:
    """A profile's values for the gate (source "check"), read from the vendor just now."""
    skipped: list[str] = []
    attrs = _attributes(p, keyed_hash, now(), skipped)
    return tuple(a._replace(source="check") for a in attrs)


# ---------------------------------------------------------------------------------------------
# The audit across profiles

SHARED_CHECKS = {
    # kind -> (check name, what it means)
    "ip": (N_("shared exit IP"), N_("one exit IP behind profiles of different accounts: the marketplace sees one network, "
             "and several fingerprints behind one exit IP are linked whatever the browser does")),
    "proxy": (N_("shared proxy"), N_("one proxy (host, port and user) in profiles of different accounts: they leave "
             "through the same exit")),
    "proxy_account": (N_("shared proxy account"), N_("one proxy account or IP-refresh URL: the profiles rotate together, "
             "so sooner or later they share exit IPs")),
    "platform_login": (N_("shared platform login"), N_("one marketplace login in profiles of different accounts")),
    "totp_secret": (N_("shared 2FA secret"), N_("one authenticator seed in profiles of different accounts: one holder "
             "verifies them all")),
    "cookie": (N_("shared session cookie"), N_("one session cookie in profiles of different accounts: the marketplace "
             "sees one browser session")),
    "browser_fingerprint": (N_("same combined fingerprint"), N_("the same user agent, WebGL, screen, CPU, memory, fonts "
             "and platform in profiles of different accounts")),
    "mac": (N_("same MAC address"), N_("the same MAC address set in profiles of different accounts")),
    "device_name": (N_("same device name"), N_("the same device name shown by profiles of different accounts")),
}
PASSTHROUGH_WORDS = {
    "canvas": N_("canvas noise is off"), "webgl": N_("WebGL image noise is off"), "audio": N_("audio noise is off"),
    "webgl_real": N_("WebGL metadata is the computer's own"), "mac_real": N_("the MAC address is the computer's"),
    "device_name_real": N_("the device name is the computer's"),
}


# The country of common time zones (the marketplaces' own, and where sellers work): enough to see a
# profile whose time zone contradicts its exit IP. Zones not listed are not judged.
TZ_COUNTRY = {
    **dict.fromkeys(("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
                     "America/Phoenix", "America/Anchorage", "Pacific/Honolulu", "America/Detroit"), "US"),
    **dict.fromkeys(("America/Toronto", "America/Vancouver", "America/Edmonton", "America/Winnipeg",
                     "America/Halifax"), "CA"),
    "America/Mexico_City": "MX", "America/Sao_Paulo": "BR", "Europe/London": "GB", "Europe/Dublin": "IE",
    "Europe/Berlin": "DE", "Europe/Paris": "FR", "Europe/Madrid": "ES", "Europe/Rome": "IT",
    "Europe/Amsterdam": "NL", "Europe/Brussels": "BE", "Europe/Stockholm": "SE", "Europe/Warsaw": "PL",
    "Europe/Istanbul": "TR", "Asia/Tokyo": "JP", "Asia/Shanghai": "CN", "Asia/Chongqing": "CN",
    "Asia/Hong_Kong": "HK", "Asia/Taipei": "TW", "Asia/Singapore": "SG", "Asia/Kolkata": "IN",
    "Asia/Dubai": "AE", "Asia/Riyadh": "SA",
    **dict.fromkeys(("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Perth",
                     "Australia/Adelaide"), "AU"),
}


def _flag(flags: tuple[str, ...], prefix: str) -> str:
    return next((f[len(prefix):] for f in flags if f.startswith(prefix)), "")


def _consistency(ref: str, account: str, flags: tuple[str, ...]) -> dict | None:
    """Context: a profile whose time zone or language contradicts its exit IP's country."""
    country = _flag(flags, "country:")
    if not country:
        return None
    wrong = []
    tz = _flag(flags, "tz:")
    if TZ_COUNTRY.get(tz, country) != country:
        wrong.append(_("its time zone {tz} is in {country}", tz=tz, country=TZ_COUNTRY[tz]))
    languages = [x.strip() for x in _flag(flags, "lang:").split(",") if x.strip()]
    regions = {x.split("-", 1)[1].upper() for x in languages if "-" in x}
    if regions and country not in regions:
        wrong.append(_("its language ({languages}) is not {country}'s", languages=join_list(languages), country=country))
    if not wrong:
        return None
    return {
        "check": "time zone or language against the exit IP", "level": "context", "accounts": [account],
        "profiles": [ref], "state": "current", "until": {},
        "reason": _("Time zone or language against the exit IP: {ref} ({account}) leaves through an IP in {country}, "
                    "but {wrong}; context, not a link: a site sees the mismatch and looks closer.", ref=ref,
                    account=account, country=country,
                    wrong=_("{first} and {second}", first=wrong[0], second=wrong[1]) if len(wrong) == 2 else wrong[0]),
    }


# A profile setting that shows websites this computer's own IP addresses: (flag, check, the gate's
# WHY_SEEN and FIX code). Opened on a computer other stores are opened on (the office's), such a
# profile shows the marketplace that computer's IP, which links it to every account seen from there.
LEAKS = (
    (NO_PROXY, N_("profile without a proxy"), "no_proxy"),
    (WEBRTC_REAL, N_("WebRTC real"), "webrtc_real"),
)


def _leaks(ref: str, account: str, flags: tuple[str, ...]) -> list[dict]:
    """A finding (high) for each setting of the profile that shows this computer's own IPs,
    with the gate's reason (gate.WHY_SEEN) and what to change in the vendor app (gate.FIX)."""
    from ..gate import FIX, WHY_SEEN

    found = []
    for flag, check, code in LEAKS:
        if flag not in flags:
            continue
        fix = translate(FIX[code]).format(vendor=vendor_name(ref.split(":", 1)[0]))
        found.append({
            "check": check, "level": "high", "accounts": [account], "profiles": [ref], "state": "current",
            "until": {}, "why": code, "fix": fix,
            "reason": _("{check}: {why}; opened on a computer other stores are opened on, it links {account} to every "
                        "account seen from there. Fix: {fix}.", check=_capitalised(check),
                        why=translate(WHY_SEEN[code]).format(ref=ref), account=account, fix=fix),
        })
    return found


def _capitalised(check: str) -> str:
    """A check's name opening a sentence: its translation, or the English capitalised."""
    shown = translate(check)
    return check[:1].upper() + check[1:] if shown == check else shown  # "Shared exit IP", not "…ip"


def _holder_until(attrs: list[Attribute]) -> str | None:
    """The day (YYYY-MM-DD) an account's use of a value ended, or None while it still uses it."""
    if any(is_current(a) for a in attrs):
        return None
    return iso(max(periods_of(a)[-1][1] or 0 for a in attrs))[:10]


def audit_profiles(st, past: Level | None = None) -> list[dict]:
    """What browser profiles of different accounts share, and real hardware showing through.

    A value no longer in use by one of the accounts (retired by a re-import: a replaced proxy)
    is a past finding, as in `audit`: "state" "past", each such account's last day in "until",
    and its level capped at `past` (`[history] past`) when that is given.
    """
    from ..registry import FACETS

    groups: dict[tuple[str, str], dict[str, set[str]]] = {}
    held: dict[tuple[str, str], dict[str, list[Attribute]]] = {}
    passthrough: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    context: list[dict] = []
    leaks: list[dict] = []
    for prof in st.profiles():
        for a in prof.attributes:
            if not a.keys:
                continue
            if a.note and a.note.startswith(NOTE_PREFIX):
                ref = a.note[len(NOTE_PREFIX):]
            elif a.kind == "browser_profile":  # entered by hand, with a note of the user's: the profile is the value
                ref = a.normalized
            else:
                continue
            if a.kind in SHARED_CHECKS:
                groups.setdefault((a.kind, a.keys[0]), {}).setdefault(prof.name, set()).add(ref)
                held.setdefault((a.kind, a.keys[0]), {}).setdefault(prof.name, []).append(a)
            if a.kind == "browser_profile" and is_current(a):  # a profile moved away: its settings are the new account's
                mismatch = _consistency(ref, prof.name, a.flags)
                if mismatch is not None:
                    context.append(mismatch)
                leaks.extend(_leaks(ref, prof.name, a.flags))
                shown = tuple(f[len(PASSTHROUGH):] for f in a.flags if f.startswith(PASSTHROUGH))
                if shown:
                    passthrough.setdefault(ref.split(":", 1)[0], []).append((prof.name, ref, shown))
    findings = []
    for (kind, key), holders in sorted(groups.items()):
        if len(holders) < 2:
            continue
        check, meaning = SHARED_CHECKS[kind]
        facet = FACETS.get(kind)
        # every SHARED_CHECKS kind has a facet
        facet_level = facet.level if facet is not None else None
        until = {acct: day for acct, attrs in sorted(held[(kind, key)].items())
                 if (day := _holder_until(attrs)) is not None}
        state = "past" if until else "current"
        if state == "past" and past is not None and isinstance(facet_level, Level) and facet_level > past:
            facet_level = past
        level = facet_level.label if hasattr(facet_level, "label") else str(facet_level)  # type: ignore[union-attr]
        profiles = sorted({r for refs in holders.values() for r in refs})  # one profile moved: named once
        if state == "past":
            ended = join_list(_("{account} until {day}", account=acct, day=day) for acct, day in until.items())
            reason = _("{check}, no longer in use ({ended}): different accounts had it in their profiles ({profiles}); the "
                       "marketplace remembers what it saw, so it still counts unless `[history] past` lowers it.",
                       check=_capitalised(check), ended=ended, profiles=join_list(profiles))
        else:
            reason = _("{check}: {meaning} ({profiles}).", check=_capitalised(check), meaning=translate(meaning),
                       profiles=join_list(profiles))
        findings.append({
            "check": check, "level": level, "accounts": sorted(holders), "profiles": profiles,
            "state": state, "until": until, "reason": reason,
        })
    for vendor, rows in sorted(passthrough.items()):
        accounts = sorted({acct for acct, _ref, _shown in rows})
        if len(accounts) < 2:
            continue
        common = sorted(set.intersection(*(set(shown) for _acct, _ref, shown in rows)))
        details = join_clauses(_("{ref} ({account}): {items}", ref=ref, account=acct,
                                 items=join_list(translate(PASSTHROUGH_WORDS[x]) for x in shown))
                            for acct, ref, shown in sorted(rows, key=lambda r: r[1]))
        findings.append({
            "check": "real hardware showing through", "level": "high" if common else "medium",
            "accounts": accounts, "profiles": sorted(ref for _acct, ref, _shown in rows), "state": "current", "until": {},
            "reason": _("Real hardware showing through: {n} {vendor} profiles of different accounts show the real "
                        "hardware of the computer they run on, so opened on one computer they give identical "
                        "canvas/WebGL/audio hashes and link the accounts ({details}).", n=len(rows), vendor=vendor_name(vendor),
                        details=details),
        })
    return findings + sorted(leaks, key=lambda f: (f["profiles"], f["check"])) + sorted(context, key=lambda f: f["profiles"])
