"""Account book-keeping: turning entered or imported values into attributes and merging them."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from .i18n import N_, _, join_list, language, translate
from . import bankzeros
from .registry import kinds
from .registry.regions import known_marketplace, marketplace_suggestion
from .normalize.country import COUNTRY_KINDS, company_country as normalize_country
from .normalize.phone import CHINESE_MOBILE
from .errors import ImportErrors, InvalidInput, InvalidValue, UsageError
from .importers import ProfileRecord
from .importers.records import period_time as _when_text  # a date alone at midnight UTC, else the date-time
from .importers.ahead import Answers, BuiltRow, ParseAhead
from .models import SOURCES, STATUSES, Account, Attribute, Profile, is_current, now, periods_of
from .safetext import check_free_text

MAX_NAME_CHARS = 200
MAX_NOTE_CHARS = 4000
# The last second of 9999-12-31 UTC: later (or negative) times cannot be shown as dates.
MAX_TIMESTAMP = 253_402_300_799
# Kinds whose invalid values are only partly echoed in error messages.
SECRET_KINDS = kinds.SECRET_KINDS


def shown_in_error(kind: str, value: object) -> str:
    """A rejected value as an error message may show it: enough to find it, never a whole secret."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if kind in SECRET_KINDS:
        return text[:2] + "…" + text[-2:] if len(text) > 6 else "…"
    if kind == "phone":  # enough to find the row, not the whole number in a CI log
        return text[:4] + "…" + text[-2:] if len(text) > 8 else "…"
    return text if len(text) <= 60 else text[:57] + "…"


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(_("an account needs a non-empty name"))
    name = name.strip()
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(_("account name longer than {MAX_NAME_CHARS} characters", MAX_NAME_CHARS=MAX_NAME_CHARS))
    # (an ASCII character is of a category C* exactly when it is not printable: 0-31 and 127)
    if not name.isprintable() if name.isascii() else any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidInput(_("account name contains control characters"))
    return name


# An account's status as a Chinese seller writes it in a file (the interface's own words first:
# README 中文界面): 正常 active, 已停用 suspended (封号: banned), 已关闭 closed, 计划中 planned.
STATUS_WORDS = {
    "正常": "active", "在售": "active", "运营中": "active",
    "已停用": "suspended", "停用": "suspended", "封号": "suspended", "被封": "suspended", "已封号": "suspended",
    "已关闭": "closed", "关闭": "closed", "已注销": "closed", "注销": "closed",
    "计划中": "planned", "待注册": "planned", "筹备中": "planned",
    # Amazon's own word for a suspended account, as its notices and Account Health page write it.
    "deactivated": "suspended",
}


def check_status(status: object) -> str:
    """A status from a file: one of STATUSES, in any case, or another word for one (STATUS_WORDS:
    Chinese words, Amazon's "Deactivated")."""
    word = status.strip() if isinstance(status, str) else ""
    found = STATUS_WORDS.get(word.lower()) or (word.lower() if word.lower() in STATUSES else None)
    if found is None:
        # A status word is no secret: say which one was refused -- if it looks like a word (a
        # shifted column can put a password or an IBAN here: that is not quoted).
        if word and len(word) <= 12 and all(ch.isalpha() or ch in " -_" for ch in word):
            raise InvalidInput(_("status {word!r} must be one of {items}", word=word[:40], items=join_list(STATUSES)))
        raise InvalidInput(_("status must be one of {items}", items=join_list(STATUSES)))
    return found


def check_text(label: str, text: object, limit: int = MAX_NOTE_CHARS, *, one_line: bool = False) -> str | None:
    """Free text (a note; a marketplace with `one_line`), stripped; None when empty.

    Control characters are refused (InvalidInput, exit 3), except line breaks and tabs where
    they mean something (not `one_line`); a CRLF line break is kept as LF.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidInput(_("{label} must be text", label=label))
    if len(text) > limit:
        raise InvalidInput(_("{label} longer than {limit} characters", label=label, limit=limit))
    # Lone surrogates (undecodable bytes on the command line, \ud800 escapes in JSON)
    # cannot be stored as UTF-8.
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise InvalidInput(_("{label} is not valid text (it holds undecodable characters)", label=label))
    return check_free_text(label, text.strip(), one_line=one_line) or None


_MERCHANT_TOKEN_RE = re.compile(r"[A-Z0-9]{8,20}")
IDENTITY_LABELS = {
    "display_name": N_("display name"),
    "merchant_token": N_("merchant token"),
    "legal_name_en": N_("legal name (English)"),
    "legal_name_local": N_("legal name (local script)"),
}


def check_identity(field: str, text: object) -> str | None:
    """An identity field (models.IDENTITY_FIELDS) as stored: one line of text, None when empty;
    a merchant token upper-cased and 8 to 20 letters and digits (Amazon's are 13 or 14)."""
    label = translate(IDENTITY_LABELS[field])
    value = check_text(label, text, 300, one_line=True)
    if value is None or field != "merchant_token":
        return value
    value = value.replace(" ", "").upper()
    if not _MERCHANT_TOKEN_RE.fullmatch(value):
        raise InvalidInput(_("a merchant token is 8 to 20 letters and digits, as Seller Central shows it (Settings, Account Info, Merchant Token)"))
    return value


def identity_changes(values: dict) -> dict:
    """{field: checked value} for each identity field given (not None); '' clears one."""
    return {field: check_identity(field, text) for field, text in values.items() if text is not None}


def marketplace_warning(marketplace: str | None) -> str | None:
    """A line saying a marketplace is not one linkcheck knows (with a "did you mean"), or None.
    Only a warning: the marketplace is kept as given."""
    if not marketplace or known_marketplace(marketplace):
        return None
    guess = marketplace_suggestion(marketplace)
    if guess:
        return _("marketplace {marketplace!r} is not one linkcheck knows (did you mean {guess}? kept as given)",
                 marketplace=marketplace[:60], guess=guess)
    return _("marketplace {marketplace!r} is not one linkcheck knows (kept as given)", marketplace=marketplace[:60])


def make_attribute(
    kind: str,
    value: object,
    *,
    region: str | None = None,
    source: str = "manual",
    when: int | None = None,
    note: str | None = None,
    first_seen: int | None = None,
    last_seen: int | None = None,
    parsed: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None,
) -> Attribute:
    """Validate and normalise one value of `kind` into an Attribute (raises InvalidValue).
    `parsed`: what `kinds.parse_value(kind, value, region=region)` returns, as (normalized,
    keys, flags), when it was parsed ahead (importers/ahead.py)."""
    kind_entry = kinds.get_kind(kind)
    if not isinstance(value, str):
        raise InvalidValue(kind, _("must be text"))
    if parsed is None:
        parsed = kinds.parse_tuple(kind, value, region)
    normalized, keys, flags = parsed
    when = now() if when is None else when
    if first_seen is not None or last_seen is not None:  # (an import calls this for every value)
        for label, ts in (("first_seen", first_seen), ("last_seen", last_seen)):
            if ts is not None and not 0 <= ts <= MAX_TIMESTAMP:
                raise InvalidValue(kind, _("{label} is not a date between 1970 and 9999", label=label))
    if source not in SOURCES:
        raise InvalidValue(kind, _("unknown source {source!r}", source=source))
    return Attribute(
        kind,
        # A kind that keeps no raw value (a proxy: its password) keeps the canonical form only.
        value.strip() if kind_entry.keeps_raw else normalized,
        normalized,
        keys,
        source,
        first_seen if first_seen is not None else when,
        last_seen if last_seen is not None else (first_seen if first_seen is not None else when),
        check_text("note", note) if note is not None else None,
        flags,
    )


def region_of(account: Account, override: str | None) -> str | None:
    """The phone region for numbers written without a country code."""
    return override or kinds.region_for_marketplace(account.marketplace or "")


_NATIONAL_NUMBER_KINDS = frozenset(("tax_id", "registration_number"))


def company_country(attributes: Iterable[Attribute]) -> tuple[str, str] | None:
    """(country, what says so) where the account's values place its company, if they do."""
    # Only the kinds that can say where a company is (normalize.country skips every other).
    return normalize_country((a.kind, a.value, a.flags) for a in attributes if a.kind in COUNTRY_KINDS)


def in_company_country(attrs: list[Attribute], known: Iterable[Attribute] = ()) -> list[Attribute]:
    """`attrs` with each tax or registration number written without its country read as a
    number of the company's country (from `known` and `attrs`), where it is one; a number
    with its own country prefix, or of no shape of that country, is left as it was. `attrs`
    itself when no number is read again (the import's one pass asks exactly that)."""
    if _NATIONAL_NUMBER_KINDS.isdisjoint([a.kind for a in attrs]):
        return attrs
    company = company_country((*known, *attrs))
    if company is None:
        return attrs
    flag = f"country:{company[0]}"
    out = None
    for i, a in enumerate(attrs):
        if a.kind in _NATIONAL_NUMBER_KINDS and flag not in a.flags:
            parsed = kinds.parse_value(a.kind, a.value, region=company[0])
            if flag in parsed.flags:
                if out is None:
                    out = list(attrs)
                out[i] = a._replace(normalized=parsed.normalized, keys=parsed.keys, flags=parsed.flags)
    return attrs if out is None else out


# Digits grouped 3-4-4 with one kind of separator (`130 1234 5678`, `130-1234-5678`).
_CHINESE_GROUPING = re.compile(r"1[3-9][0-9]([ \-.])[0-9]{4}\1[0-9]{4}")


# The kinds a mistyped number is warned about by (`value_warnings`), by its flag.
_MISTYPED = {
    "bad-checksum": N_("{label}: {kind} {value} fails its check digit: it is probably mistyped; check it against "
                       "the document"),
    "bad-length:registration_number": N_("{label}: {kind} {value} has {length} characters where a unified social "
                                         "credit code has 18: it is probably mistyped; check it against the document"),
    "bad-length:tax_id": N_("{label}: {kind} {value} has {length} characters where a unified social credit code "
                            "has 18: it is probably mistyped; check it against the document"),
    "bad-length:id_number": N_("{label}: {kind} {value} has {length} characters where a Chinese ID number has 18 "
                               "(or 15): it is probably mistyped; check it against the document"),
}


# How many mistyped values an import lists one by one (the rest are counted in one line).
MISTYPED_SHOWN = 20


def mistyped(attr: Attribute) -> str | None:
    """The message (English, with placeholders) for a value whose check digit or length says it
    is probably mistyped (flags `bad-checksum`, `bad-length`); None for any other."""
    if "bad-checksum" in attr.flags:
        return _MISTYPED["bad-checksum"]
    if "bad-length" in attr.flags:
        return _MISTYPED.get(f"bad-length:{attr.kind}")
    return None


def value_warnings(label: str, attrs: Iterable[Attribute]) -> list[str]:
    """A line for each value whose check digit fails or whose length is impossible for its kind
    (a typo from a photo of a licence or an ID card): kept -- a typo still identifies -- but said."""
    lines = []
    for a in attrs:
        message = mistyped(a)
        if message is not None:
            entry = kinds.get_kind(a.kind)
            lines.append(_(message, label=label, kind=entry.label_zh if language() == "zh" else entry.label.lower(),
                           value=kinds.mask(a.kind, a.normalized), length=len(a.normalized)))
    return lines


def region_warnings(label: str, attrs: Iterable[Attribute], known: Iterable[Attribute] = ()) -> list[str]:
    """A line for each phone number written without a country code that took a country
    (the marketplace's, --region's) other than the one the account's values place the
    company in: `+49` given to a Chinese company's number is more likely a mistake."""
    attrs = list(attrs)
    taken = [(a, f[7:]) for a in attrs if a.kind == "phone" for f in a.flags if f.startswith("region:")]
    if not taken:
        return []
    company = company_country((*known, *attrs))
    if company is None:
        # Nothing places the company; a number written the way Chinese mobiles are (3-4-4
        # digits: `130 1234 5678`), which no North American number is, still says enough.
        return [
            _("{label}: phone {phone} has no country code and was read as a {region} number, but it is written as "
              "a Chinese mobile number is (3-4-4 digits); write it as +86 and the number if that is what it is",
              label=label, phone=kinds.mask('phone', a.normalized), region=region)
            for a, region in taken if CHINESE_MOBILE in a.flags and _CHINESE_GROUPING.fullmatch(a.value.strip())
        ]
    country, how = company
    return [
        _("{label}: phone {phone} has no country code and was read as a {region} number, but {how} says the company "
          "is in {country}; write it with its +country code if it is not a {region} number",
          label=label, phone=kinds.mask('phone', a.normalized), region=region, how=translate(how), country=country)
        for a, region in taken if region != country
    ]


def merge_attributes(profile: Profile, new: Iterable[Attribute], *, reopen: bool = True) -> tuple[Profile, int]:
    """Add values not already on the profile (same kind + normalised value); widen seen windows;
    add periods of use (merged_periods: `reopen` says whether a retired value seen again
    begins a new period; a period that conflicts with a recorded one raises InvalidInput).

    Returns the new profile and how many values were added. Never drops a value.
    """
    attrs = list(profile.attributes)
    index = {(a.kind, a.normalized): i for i, a in enumerate(attrs)}
    added = 0
    for a in new:
        key = (a.kind, a.normalized)
        if key in index:
            old = attrs[index[key]]
            attrs[index[key]] = old._replace(
                first_seen=min(old.first_seen, a.first_seen) if old.first_seen else a.first_seen,
                last_seen=max(old.last_seen, a.last_seen),
                note=old.note or a.note,
                periods=merged_periods(old, a, reopen=reopen),
            )
        else:
            index[key] = len(attrs)
            attrs.append(a)
            added += 1
    return replace(profile, attributes=tuple(attrs)), added


def parse_when(text: str) -> int:
    """A date (2026-10-14, taken as midnight UTC) or date-time (2026-10-14T09:30:00Z; without
    an offset, UTC) as a stored timestamp; InvalidInput if it is neither."""
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise InvalidInput(_("{text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)", text=str(text)[:40])) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    ts = int(when.timestamp())
    if not 0 <= ts <= MAX_TIMESTAMP:
        raise InvalidInput(_("{text!r} is not a date between 1970 and 9999", text=str(text)[:40]))
    return ts


def spellings_of(profile: Profile, kind: str, value: str, region: str | None) -> set[str]:
    """The normalised forms `value` of `kind` may be stored under on the profile."""
    kinds.get_kind(kind)
    try:
        parsed = kinds.parse_value(kind, value, region=region)
    except InvalidValue:
        # The value exactly as `account show --reveal` shows it (as entered: a Chinese mobile
        # without +86 on a US store, read under --region CN at import) names the value it shows.
        written = {a.normalized for a in profile.attributes if a.kind == kind and a.value.strip() == value.strip()}
        if written:
            return written
        raise
    spellings = {parsed.normalized}
    if kind in _NATIONAL_NUMBER_KINDS:  # a bare number may have been read in the company's country
        spellings.add(in_company_country([Attribute(kind, value, parsed.normalized, parsed.keys, flags=parsed.flags)],
                                         profile.attributes)[0].normalized)
    return spellings


def merged_periods(old: Attribute, new: Attribute, *, reopen: bool = True) -> tuple:
    """The periods of a value recorded again. Recorded periods are never changed, only added to.

    `new` with no periods of its own is the value seen (a check, a capture, `attr add`): a
    retired value begins a new period then when `reopen`, else stays retired (an import file
    listing it says it is on record, not that it is in use again). Periods `new` carries are
    added where they overlap nothing on record; one identical to a recorded period changes
    nothing; an open one beginning earlier than the open period on record moves its beginning
    back. Any other overlap with a recorded period raises InvalidInput (a conflict to settle by
    hand, never silently merged)."""
    if not old.periods and not new.periods:
        return ()
    if not new.periods:
        if is_current(old) or not reopen:
            return old.periods
        start = max(new.last_seen, old.periods[-1][1] or 0)  # not current: its last period ended
        return (*old.periods, (start, None, None))
    periods = list(periods_of(old))
    for period in new.periods:
        periods = _with_period(periods, period, old.kind)
    if len(periods) == 1 and periods[0] == (old.first_seen, None, None) and not old.periods:
        return ()
    return tuple(periods)


def _with_period(periods: list, period: tuple, kind: str) -> list:
    since, until, note = period
    if any(p[0] == since and p[1] == until for p in periods):
        return periods
    last = periods[-1]
    if until is None and last[1] is None:
        # In use on both sides of the merge: an earlier beginning says when that began.
        if since >= last[0]:
            return periods
        before = periods[-2][1] if len(periods) > 1 else None
        if before is None or since >= before:
            return [*periods[:-1], (since, None, last[2] or note)]
        raise InvalidInput(
            _("{kind}: a period of use since {since} overlaps the one recorded until {before}; a new period of use begins on or after {before}", kind=kind, since=_when_text(since), before=_when_text(before)))
    end = until if until is not None else _FOREVER
    for p_since, p_until, _note in periods:
        if since < (p_until if p_until is not None else _FOREVER) and p_since < end:
            recorded = f"{_when_text(p_since)}..{_when_text(p_until) if p_until is not None else ''}"
            given = f"{_when_text(since)}..{_when_text(until) if until is not None else ''}"
            if until is None and periods[-1][1] is not None:
                raise InvalidInput(_("{kind}: the period {given} overlaps the recorded period {recorded}; it was "
                                     "retired on {retired}: a new period of use begins on or after that", kind=kind,
                                     given=given, recorded=recorded, retired=_when_text(periods[-1][1])))
            raise InvalidInput(_("{kind}: the period {given} overlaps the recorded period {recorded}; recorded "
                                 "periods are never changed by an import or `attr add`", kind=kind, given=given,
                                 recorded=recorded))
    return sorted([*periods, (since, until, note)], key=lambda p: p[0])


_FOREVER = float("inf")


def reopened(before: Profile, after: Profile) -> list[tuple[Attribute, int | None]]:
    """The values retired in `before` that are in use again in `after`, each with the date its
    last period had ended."""
    retired = {(a.kind, a.normalized): a for a in before.attributes if not is_current(a)}
    out = []
    for a in after.attributes:
        old = retired.get((a.kind, a.normalized))
        if old is not None and is_current(a):
            out.append((a, old.periods[-1][1]))
    return out


def remove_attribute(profile: Profile, kind: str, value: str, region: str | None) -> Profile:
    """The profile without the value of `kind` that normalises like `value`."""
    spellings = spellings_of(profile, kind, value, region)
    kept = tuple(a for a in profile.attributes if not (a.kind == kind and a.normalized in spellings))
    if len(kept) == len(profile.attributes):
        raise UsageError(_("account {name!r} has no {kind} matching that value (`linkcheck account show {name}` lists its values)", name=profile.name, kind=kind))
    return replace(profile, attributes=kept)


def retire_attribute(
    profile: Profile, kind: str, value: str, region: str | None, on: int, note: str | None = None
) -> tuple[Profile, Attribute]:
    """The profile with the current period of its value of `kind` (any spelling) ended at `on`."""
    spellings = spellings_of(profile, kind, value, region)
    attrs = list(profile.attributes)
    found = next((i for i, a in enumerate(attrs) if a.kind == kind and a.normalized in spellings), None)
    if found is None:
        raise UsageError(_("account {name!r} has no {kind} matching that value (`linkcheck account show {name}` lists its values)", name=profile.name, kind=kind))
    i, a = found, attrs[found]
    periods = list(periods_of(a))
    since, until, _source = periods[-1]
    if until is not None:
        raise UsageError(_("account {name!r}: that {kind} was already retired on {when_text} (`attr add` records it as in use again)", name=profile.name, kind=kind, when_text=_when_text(until)))
    if not 0 <= on <= MAX_TIMESTAMP:
        raise InvalidInput(_("--on is not a date between 1970 and 9999"))
    if on > now() + 60:
        raise InvalidInput(_("--on is in the future; retire a value once the account has stopped using it"))
    if since > on and on % 86400 == 0 and since < on + 86400:
        # `--on DATE` of the very day the value came into use (a value imported today, retired
        # today): a date says no hour, so it ends that day, after it began -- now, for today.
        on = min(now(), on + 86399)
    if on < since:
        raise InvalidInput(_("--on is before the value came into use ({when_text}); add it with `attr add --since DATE` to say when that was", when_text=_when_text(since)))
    periods[-1] = (since, on, check_text("note", note))
    attrs[i] = a._replace(periods=tuple(periods))
    return replace(profile, attributes=tuple(attrs)), attrs[i]


@dataclass(frozen=True)
class ImportResult:
    """What an import did: counts, and the rows it skipped (with --skip-invalid)."""

    accounts_created: int
    accounts_updated: int
    values_added: int
    skipped: tuple[str, ...] = ()
    rows: int = 0  # rows (or JSON profiles) read
    skipped_rows: int = 0  # of which invalid (each may have several problems in `skipped`)
    warnings: tuple[str, ...] = ()


def checked_periods(kind: str, periods, first_seen: int) -> tuple:
    """Imported periods as stored: a missing `since` is `first_seen`; each ends after it begins,
    each begins after the one before ended, and only the last may still be open."""
    out: list[tuple] = []
    for since, until, note in periods:
        since = first_seen if since is None else since
        for ts in (since, until):
            if ts is not None and not 0 <= ts <= MAX_TIMESTAMP:
                raise InvalidValue(kind, _("a period's date is not between 1970 and 9999"))
            if ts is not None and ts > now() + 60:
                raise InvalidValue(kind, _("a period's date ({when_text}) is in the future; record a period once it has begun (or ended)", when_text=_when_text(ts)))
        if until is not None and until < since:
            raise InvalidValue(kind, _("a period ends before it begins"))
        if out and (out[-1][1] is None or since < out[-1][1]):
            raise InvalidValue(kind, _("periods must be in order, each after the one before ended "
                                       "(only the last may still be open)"))
        out.append((since, until, check_text("period note", note) if note is not None else None))
    return tuple(out)


def record_attributes(
    record: ProfileRecord, account: Account, region: str | None, when: int | None = None, *, source: str = "import",
    default_region: str | None = None, known: Iterable[Attribute] = (), ahead: Answers | None = None,
) -> tuple[list[Attribute], list[str]]:
    """The record's values as attributes of `account` (which already has the values `known`),
    and a line for each value that is invalid. `ahead`: values parsed ahead (importers/ahead.py)."""
    attrs, problems = [], []
    region = region_of(account, region) or default_region  # the user's default: a last resort
    # A value parsed ahead with no metadata of its own (the common case) becomes the very
    # Attribute `make_attribute` makes of it, without its checks of what such a value cannot
    # have (a second or so per million values).
    plain = ahead and when is not None and source in SOURCES
    for raw in record.values:
        ready = None
        kind = raw[0]
        value = raw[1]
        if ahead and isinstance(kind, str) and isinstance(value, str):
            ready = ahead.get((kind, value, region))
            # (note, source, first_seen, last_seen, periods) all None and (): no metadata of its own
            if ready is not None and plain and raw[2:] == _NO_METADATA:
                normalized, keys, flags = ready
                attrs.append(_attribute(Attribute, (kind, value.strip() if _KEEPS_RAW[kind] else normalized, normalized,
                                                    keys, source, when, when, None, flags, ())))
                continue
        try:
            attribute = make_attribute(
                raw.kind,
                raw.value,
                region=region,
                source=raw.source or source,
                when=when,
                note=raw.note,
                first_seen=raw.first_seen,
                last_seen=raw.last_seen,
                parsed=ready,
            )
            if raw.periods:
                attribute = attribute._replace(periods=checked_periods(raw.kind, raw.periods, attribute.first_seen))
            attrs.append(attribute)
        except InvalidValue as exc:
            problems.append(_("{kind} {value!r}: {reason}", kind=raw.kind, value=shown_in_error(raw.kind, raw.value),
                              reason=exc.reason))
        except InvalidInput as exc:
            problems.append(_("{kind}: {problem}", kind=raw.kind, problem=exc.message))
    if record.identity:
        attrs.extend(legal_name_attributes(dict(record.identity), source=source, when=when, known=(*known, *attrs)))
    return in_company_country(attrs, known), problems


# The identity fields that name the company (models.IDENTITY_FIELDS): each is also one of the
# account's company names, so the legal name in English meets the same name entered as a
# company_name (on this account or another) -- one facet, not two.
LEGAL_NAME_FIELDS = ("legal_name_en", "legal_name_local")


def legal_name_attributes(identity: dict, *, source: str = "manual", when: int | None = None,
                          known: Iterable[Attribute] = ()) -> list[Attribute]:
    """A company_name attribute for each legal name in `identity` (field -> text) that the
    account's values (`known`) do not already hold. A legal name the company-name rules cannot
    read (a bare legal form) adds nothing: the identity field itself was already accepted."""
    if not any(isinstance(identity.get(field), str) for field in LEGAL_NAME_FIELDS):
        return []  # (most imported rows: nothing to compare with the values held)
    held = {a.normalized for a in known if a.kind == "company_name"}
    attrs = []
    for field in LEGAL_NAME_FIELDS:
        text = identity.get(field)
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            attribute = make_attribute("company_name", text, source=source if source in SOURCES else "manual", when=when)
        except (InvalidValue, InvalidInput):
            continue
        if attribute.normalized not in held:
            held.add(attribute.normalized)
            attrs.append(attribute)
    return attrs


def _checked(problems: list[str], check, *args, **kwargs):
    """check(*args, **kwargs), or None with its problem added to `problems` when it refuses the field."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as exc:
        problems.append(exc.message)
        return None


_attribute = tuple.__new__
_NO_METADATA = (None, None, None, None, ())  # a RawValue's fields after kind and value when it has none
# Whether each kind keeps the value as entered (make_attribute); a value parsed ahead is of a known kind.
_KEEPS_RAW = {name: kind.keeps_raw for name, kind in kinds.KINDS.items()}


def import_records(
    store,
    records: Iterable[ProfileRecord],
    *,
    region: str | None = None,
    default_region: str | None = None,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    reread: Callable[[], Iterable[ProfileRecord]] | None = None,
    strict: bool = False,
) -> ImportResult:
    """Merge imported profiles into the (write-open) store, all or nothing.

    Rows are validated and written as they stream in, inside the caller's transaction;
    if any row is invalid (and skip_invalid is off) ImportErrors is raised after every row
    has been checked, so the transaction rolls back and every problem is reported at once.
    `reread`, a function giving the same records again, lets a second process read them and
    parse their values ahead (`ParseAhead`); the result is the same with or without it.
    `strict`: a value whose check digit or length says it is mistyped (`value_warnings`) makes
    its row invalid, instead of a warning.
    """
    when = now()
    ahead = None
    expect = getattr(store, "expect_many_rows", None)
    if expect is not None:
        expect()
    if reread is not None:
        # A file store: the child also makes the rows of new accounts (`NewAccountRows`).
        rows = (NewAccountRows(store, when, region, default_region, strict)
                if getattr(store, "rows_made_ahead", lambda: False)() else None)
        ahead = ParseAhead(reread, region, default_region, rows)
    try:
        pairs = ahead.records(records) if ahead is not None else ((record, None) for record in records)
        return _import_records(store, pairs, region, default_region, skip_invalid, progress, when, strict)
    finally:
        if ahead is not None:
            ahead.close()


def _record_fields(record: ProfileRecord, row_problems: list[str]) -> tuple:
    """The record's status, marketplace, note and identity fields as stored, each checked on
    its own: a field refused adds its problem to `row_problems` and counts as not given."""
    # Each field on its own: a bad status must not also lose the marketplace, in whose country
    # the row's phone numbers without a country code are read (one problem, not two).
    status = _checked(row_problems, check_status, record.status) if record.status is not None else None
    marketplace = _checked(row_problems, check_text, "marketplace", record.marketplace, 200, one_line=True)
    note = _checked(row_problems, check_text, "note", record.note)
    identity = _checked(row_problems, identity_changes, dict(record.identity)) or {}
    return status, marketplace, note, identity


def _new_account(name: str, marketplace, status, note, identity: dict, when: int) -> Account:
    """The account an import makes of a record whose name is not on file."""
    return Account(name, marketplace or "", status or "active", note, when, when,
                   **{k: v for k, v in identity.items() if v})


class NewAccountRows:
    """In the parse-ahead child (importers/ahead.py): the row content of each record the import
    will make a new account of, with nothing to report -- made by the very steps
    `_import_records` takes for it (the same field checks, attributes, merge and
    `Store.row_content`), so the importing process only seals and writes it.

    A record is left to the importing process (None) when its name is on file or was read
    before in this import (an update), or anything about it is a problem or a warning: then
    the import does what it always did. Reads nothing from the file (`Store.known_name`
    looks at the ids read at open)."""

    def __init__(self, store, when: int, region: str | None, default_region: str | None, strict: bool = False):
        self._store, self._when, self._region, self._default_region = store, when, region, default_region
        self._strict = strict  # (--strict: a mistyped value makes the row invalid, left to the import)
        self._names: set[str] = set()  # every name read so far (checked)
        self._warned: dict[str, bool] = {}  # marketplace -> whether the import warns about it
        # A row's marketplace and status as given -> (marketplace as checked, status as checked,
        # whether the import warns about the marketplace), or None when either is refused: the
        # few of a file checked once each, not once a row.
        self._fields: dict[tuple[str, object], tuple[str | None, str | None, bool] | None] = {}

    def seen(self, record: ProfileRecord) -> None:
        try:
            self._names.add(check_name(record.name))
        except InvalidInput:
            pass

    def taken(self, name: str) -> None:
        self._names.add(name)

    def __call__(self, record: ProfileRecord, answers: Answers) -> tuple | None:
        try:
            name = check_name(record.name)
        except InvalidInput:
            return None
        if name in self._names:
            return None
        self._names.add(name)
        try:
            return self._row(name, record, answers)
        except Exception:  # noqa: BLE001 - the importing process imports it and meets the same problem
            return None

    def _row(self, name: str, record: ProfileRecord, answers: Answers) -> tuple | None:
        if record.problems or record.notes or self._store.known_name(name):
            return None
        given = record.marketplace, record.status
        if record.note is None and not record.identity and isinstance(given[0], str) and isinstance(given[1], (str, type(None))):
            # (most rows: a name, a marketplace, a status and values) what `_record_fields` and
            # `_new_account` make of them, each marketplace and status checked once
            try:
                known = self._fields[given]
            except KeyError:
                known = self._fields[given] = self._checked_fields(*given)
            if known is None or known[2]:  # refused, or warned about
                return None
            marketplace, status, _warned = known
            account = Account(name, marketplace or "", status or "active", None, self._when, self._when)
        else:
            row_problems: list[str] = []
            status, marketplace, note, identity = _record_fields(record, row_problems)
            if row_problems:
                return None
            if marketplace:
                warned = self._warned.get(marketplace)
                if warned is None:
                    warned = self._warned[marketplace] = marketplace_warning(marketplace) is not None
                if warned:
                    return None
            account = _new_account(name, marketplace, status, note, identity, self._when)
        plain = None if record.identity else self._plain_attributes(record, account, answers)
        if plain is not None:  # (most rows: every value parsed ahead, without metadata)
            attrs, flagged, banks = plain
            if flagged and self._strict:
                return None
            profile, n = Profile(account, tuple(attrs)), len(attrs)
            body, index = self._store.new_row_content(profile)
            return name, marketplace, n, body, index, record.origin, banks, flagged
        attrs, value_problems = record_attributes(record, account, self._region, self._when,
                                                  default_region=self._default_region, ahead=answers)
        if value_problems or region_warnings("", attrs):
            return None
        # (`mistyped` says nothing of a value without flags: most values)
        flagged = tuple(a for a in attrs if a[8] and mistyped(a) is not None)
        if flagged and self._strict:
            return None
        if len({(a[0], a[2]) for a in attrs}) == len(attrs):  # no value twice: what the merge makes
            profile, n = Profile(account, tuple(attrs)), len(attrs)
        else:
            profile, n = merge_attributes(Profile(account), attrs, reopen=False)
        body, index = self._store.new_row_content(profile)
        banks = tuple(a[2] for a in profile.attributes if a[0] == bankzeros.KIND and bankzeros.zero_prone(a[2]))
        return name, marketplace, n, body, index, record.origin, banks, flagged

    def _plain_attributes(self, record: ProfileRecord, account: Account, answers: Answers) -> tuple | None:
        """(attributes, flagged, banks) of a record without identity fields whose values were
        all parsed ahead and have no metadata of their own, no value twice and no region
        warning -- what `record_attributes`, `region_warnings`, the merge and the two checks
        after it in `_row` make of it, in one pass over the values rather than five; None for any other
        record (`_row` then takes the steps one by one)."""
        region = region_of(account, self._region) or self._default_region
        when = self._when
        get = answers.get
        attrs: list[Attribute] = []
        add = attrs.append
        seen: set[tuple[str, str]] = set()
        flags_of = []  # the values with flags: mistyped or a phone's region (`region:`)
        for raw in record.values:
            kind = raw[0]
            value = raw[1]
            if type(kind) is not str or type(value) is not str or raw[2:] != _NO_METADATA:
                return None
            ready = get((kind, value, region))
            if ready is None:
                return None
            normalized, keys, flags = ready
            key = (kind, normalized)
            if key in seen:  # a value twice: the merge's
                return None
            seen.add(key)
            attribute = _attribute(Attribute, (kind, value.strip() if _KEEPS_RAW[kind] else normalized, normalized,
                                               keys, "import", when, when, None, flags, ()))
            add(attribute)
            if flags:
                flags_of.append(attribute)
        if in_company_country(attrs) is not attrs:
            return None  # a number read again in the company's country: the steps one by one
        if any(a[0] == "phone" and any(f.startswith("region:") for f in a[8]) for a in flags_of):
            return None  # (`region_warnings`, with the company's country: the steps one by one)
        flagged = tuple(a for a in flags_of if mistyped(a) is not None)
        banks = tuple(a[2] for a in attrs if a[0] == bankzeros.KIND and bankzeros.zero_prone(a[2]))
        return attrs, flagged, banks

    @staticmethod
    def _checked_fields(marketplace: str, status: str | None) -> tuple[str | None, str | None, bool] | None:
        """(marketplace, status) as `_record_fields` checks them, and whether the import warns
        about the marketplace; None when either is refused."""
        problems: list[str] = []
        checked_status = _checked(problems, check_status, status) if status is not None else None
        checked = _checked(problems, check_text, "marketplace", marketplace, 200, one_line=True)
        if problems:
            return None
        return checked, checked_status, bool(checked) and marketplace_warning(checked) is not None


def _import_records(store, pairs: Iterable[tuple[ProfileRecord | BuiltRow, Answers | None]], region, default_region,
                    skip_invalid, progress, when: int | None = None, strict: bool = False) -> ImportResult:
    when = now() if when is None else when
    created = updated = added = 0
    problems: list[str] = []
    warnings: list[str] = []
    bad_rows = 0
    kept_retired = 0  # values retired on file that the import listed without a period
    seen_names: set[str] = set()
    first_rows: dict[tuple[str, str], str] = {}  # (file, account) -> the origin of its first row
    seen_marketplaces: set[str] = set()
    banks: list[bankzeros.Entered] = []  # numbers of digits only, for the leading-zeros warning
    # Values that fail their check digit or length: the first MISTYPED_SHOWN said one by one, the
    # rest counted in one line (a file of a thousand such numbers is one problem, not a thousand lines).
    mistyped_seen = 0

    def said_mistyped(label: str, flagged) -> None:
        nonlocal mistyped_seen
        room = MISTYPED_SHOWN - mistyped_seen
        if room > 0:
            warnings.extend(value_warnings(label, flagged[:room]))
        mistyped_seen += len(flagged)

    count = 0
    for count, (record, answers) in enumerate(pairs, 1):
        if isinstance(record, BuiltRow):  # a new account, its row made ahead (NewAccountRows)
            name = record.name
            if record.mistyped:
                if mistyped_seen < MISTYPED_SHOWN:
                    said_mistyped(_("{origin}: account {name!r}", origin=record.origin, name=name), record.mistyped)
                else:  # (only counted from now on: no label to write)
                    mistyped_seen += len(record.mistyped)
            if record.banks:
                label = _("{origin}: account {name!r}", origin=record.origin, name=name)
                banks.extend(bankzeros.Entered(name, label, number) for number in record.banks)
            if name in seen_names:
                raise RuntimeError("a row made ahead for a new account whose name was read before")
            if record.marketplace:
                seen_marketplaces.add(record.marketplace)  # (no warning: it would not have been made)
            first_rows.setdefault((_file_of(record.origin), name), record.origin)
            if not problems or skip_invalid:
                store.put_new_row(name, record.body, record.key_index)
            created += 1
            seen_names.add(name)
            added += record.added
            if progress and count % 1000 == 0:
                progress(count)
            continue
        row_problems = list(record.problems)
        warnings.extend(record.notes)
        try:
            name = check_name(record.name)
        except InvalidInput as exc:
            problems.append(_("{origin}: {problem}", origin=record.origin, problem=exc.message))
            bad_rows += 1
            continue
        label = _("{origin}: account {name!r}", origin=record.origin, name=name)
        source = _file_of(record.origin)
        first = first_rows.setdefault((source, name), record.origin)
        if first != record.origin:  # one file naming an account twice: merged, but said
            warnings.append(_("account {name!r} is on more than one row of {file} ({first} and {again}); "
                              "the rows were merged into one account", name=name, file=source, first=first,
                              again=record.origin))
        status, marketplace, note, identity = _record_fields(record, row_problems)
        if marketplace and marketplace not in seen_marketplaces:  # warned once per import
            seen_marketplaces.add(marketplace)
            line = marketplace_warning(marketplace)
            if line:
                warnings.append(_("{origin}: {problem}", origin=record.origin, problem=line))
        existing = store.find_profile(name)
        if existing is None:
            account = _new_account(name, marketplace, status, note, identity, when)
            profile = Profile(account)
        else:
            account = existing.account
            account = replace(
                account,
                marketplace=marketplace or account.marketplace,
                status=status or account.status,
                note=note or account.note,
                updated=when,
                **{k: v for k, v in identity.items() if v},
            )
            profile = replace(existing, account=account)
        attrs, value_problems = record_attributes(
            record, account, region, when, default_region=default_region, known=profile.attributes, ahead=answers
        )
        row_problems += value_problems
        if row_problems:
            problems.extend(_("{label}: {problem}", label=label, problem=p) for p in row_problems)
            bad_rows += 1
            continue
        flagged = [a for a in attrs if mistyped(a) is not None]
        if strict and flagged:
            problems.extend(value_warnings(label, flagged))
            bad_rows += 1
            continue
        warnings.extend(region_warnings(label, attrs, profile.attributes))
        if flagged:
            said_mistyped(label, flagged)
        try:
            merged, n = merge_attributes(profile, attrs, reopen=False)
        except InvalidInput as exc:  # a period that conflicts with one on record
            problems.append(_("{label}: {problem}", label=label, problem=exc))
            bad_rows += 1
            continue
        kept_retired += _listed_while_retired(profile, attrs)
        banks.extend(bankzeros.Entered(name, label, a.normalized) for a in attrs if a.kind == bankzeros.KIND)
        profile = merged
        if not problems or skip_invalid:
            store.put_profile(profile)
        if existing is None and name not in seen_names:
            created += 1
        elif name not in seen_names:
            updated += 1
        seen_names.add(name)
        added += n
        if progress and count % 1000 == 0:
            progress(count)
    if problems and not skip_invalid:
        raise ImportErrors(problems, bad_rows)
    warnings.extend(bankzeros.warnings(store, banks))
    if mistyped_seen > MISTYPED_SHOWN:
        warnings.append(_("{n} more value(s) fail their check digit or have an impossible length, not listed one by "
                          "one; `account show NAME` flags each, and `import --strict` refuses such rows",
                          n=mistyped_seen - MISTYPED_SHOWN))
    if kept_retired:
        warnings.append(_(
            "{n} value(s) retired on file were listed without a period of use and stay retired "
            "(give a \"since\" date, or `attr add`, to record that one is in use again)", n=kept_retired))
    return ImportResult(created, updated, added, tuple(problems), count, bad_rows, tuple(warnings))


def _file_of(origin: str) -> str:
    """The file an import record's origin names: "stores.csv row 3" (in the interface's words) and
    "profiles.json[2]" -> the file's name; the origin itself otherwise."""
    if origin.endswith("]"):  # (what `(.*)\[\d+\]` matches, without a regex: a call a row made ahead)
        at = origin.rfind("[")
        if at >= 0 and origin[at + 1 : -1].isdecimal() and "\n" not in origin[:at]:
            return origin[:at]
    found = _origin_pattern(translate("{file} row {row}")).fullmatch(origin)
    return found.group(1) if found else origin


@functools.lru_cache(maxsize=4)
def _origin_pattern(template: str) -> re.Pattern:
    """The pattern of a CSV row's origin in the interface's words ("{file} row {row}")."""
    return re.compile(re.escape(template).replace(r"\{file\}", "(.*)").replace(r"\{row\}", r"\d+"))


def _listed_while_retired(profile: Profile, attrs: Iterable[Attribute]) -> int:
    """How many of `attrs` (with no periods of their own) are values retired on `profile`."""
    retired = {(a.kind, a.normalized) for a in profile.attributes if not is_current(a)}
    if not retired:
        return 0
    return sum(1 for a in attrs if not a.periods and (a.kind, a.normalized) in retired)
