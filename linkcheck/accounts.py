"""Account book-keeping: turning entered or imported values into attributes and merging them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from .registry import kinds
from .registry.regions import known_marketplace, marketplace_suggestion
from .normalize.country import company_country as normalize_country
from .errors import ImportErrors, InvalidInput, InvalidValue, UsageError
from .importers import ProfileRecord
from .importers.ahead import Answers, ParseAhead
from .models import SOURCES, STATUSES, Account, Attribute, Profile, is_current, iso, now, periods_of
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
        raise InvalidInput("an account needs a non-empty name")
    name = name.strip()
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"account name longer than {MAX_NAME_CHARS} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidInput("account name contains control characters")
    return name


def check_status(status: object) -> str:
    if not isinstance(status, str) or status.strip().lower() not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    return status.strip().lower()


def check_text(label: str, text: object, limit: int = MAX_NOTE_CHARS, *, one_line: bool = False) -> str | None:
    """Free text (a note; a marketplace with `one_line`), stripped; None when empty.

    Control characters are refused (InvalidInput, exit 3), except line breaks and tabs where
    they mean something (not `one_line`); a CRLF line break is kept as LF.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidInput(f"{label} must be text")
    if len(text) > limit:
        raise InvalidInput(f"{label} longer than {limit} characters")
    # Lone surrogates (undecodable bytes on the command line, \ud800 escapes in JSON)
    # cannot be stored as UTF-8.
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise InvalidInput(f"{label} is not valid text (it holds undecodable characters)")
    return check_free_text(label, text.strip(), one_line=one_line) or None


def marketplace_warning(marketplace: str | None) -> str | None:
    """A line saying a marketplace is not one linkcheck knows (with a "did you mean"), or None.
    Only a warning: the marketplace is kept as given."""
    if not marketplace or known_marketplace(marketplace):
        return None
    guess = marketplace_suggestion(marketplace)
    hint = f"did you mean {guess}? " if guess else ""
    return f"marketplace {marketplace[:60]!r} is not one linkcheck knows ({hint}kept as given)"


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
        raise InvalidValue(kind, "must be text")
    if parsed is None:
        parsed = kinds.parse_value(kind, value, region=region).as_tuple()
    normalized, keys, flags = parsed
    when = now() if when is None else when
    for label, ts in (("first_seen", first_seen), ("last_seen", last_seen)):
        if ts is not None and not 0 <= ts <= MAX_TIMESTAMP:
            raise InvalidValue(kind, f"{label} is not a date between 1970 and 9999")
    if source not in SOURCES:
        raise InvalidValue(kind, f"unknown source {source!r}")
    return Attribute(
        kind=kind,
        # A kind that keeps no raw value (a proxy: its password) keeps the canonical form only.
        value=value.strip() if kind_entry.keeps_raw else normalized,
        normalized=normalized,
        keys=keys,
        source=source,
        first_seen=first_seen if first_seen is not None else when,
        last_seen=last_seen if last_seen is not None else (first_seen if first_seen is not None else when),
        note=check_text("note", note),
        flags=flags,
    )


def region_of(account: Account, override: str | None) -> str | None:
    """The phone region for numbers written without a country code."""
    return override or kinds.region_for_marketplace(account.marketplace or "")


_NATIONAL_NUMBER_KINDS = ("tax_id", "registration_number")


def company_country(attributes: Iterable[Attribute]) -> tuple[str, str] | None:
    """(country, what says so) where the account's values place its company, if they do."""
    return normalize_country((a.kind, a.value, a.flags) for a in attributes)


def in_company_country(attrs: list[Attribute], known: Iterable[Attribute] = ()) -> list[Attribute]:
    """`attrs` with each tax or registration number written without its country read as a
    number of the company's country (from `known` and `attrs`), where it is one; a number
    with its own country prefix, or of no shape of that country, is left as it was."""
    if not any(a.kind in _NATIONAL_NUMBER_KINDS for a in attrs):
        return attrs
    company = company_country((*known, *attrs))
    if company is None:
        return attrs
    flag = f"country:{company[0]}"
    out = []
    for a in attrs:
        if a.kind in _NATIONAL_NUMBER_KINDS and flag not in a.flags:
            parsed = kinds.parse_value(a.kind, a.value, region=company[0])
            if flag in parsed.flags:
                a = a._replace(normalized=parsed.normalized, keys=parsed.keys, flags=parsed.flags)
        out.append(a)
    return out


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
        return []
    country, how = company
    return [
        f"{label}: phone {kinds.mask('phone', a.normalized)} has no country code and was read as a {region} "
        f"number, but {how} says the company is in {country}; write it with its +country code if it is not "
        f"a {region} number"
        for a, region in taken if region != country
    ]


def merge_attributes(profile: Profile, new: Iterable[Attribute]) -> tuple[Profile, int]:
    """Add values not already on the profile (same kind + normalised value); widen seen windows.

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
                periods=merged_periods(old, a),
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
        raise InvalidInput(f"{str(text)[:40]!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    ts = int(when.timestamp())
    if not 0 <= ts <= MAX_TIMESTAMP:
        raise InvalidInput(f"{str(text)[:40]!r} is not a date between 1970 and 9999")
    return ts


def _spellings(profile: Profile, kind: str, value: str, region: str | None) -> set[str]:
    """The normalised forms `value` of `kind` may be stored under on the profile."""
    kinds.get_kind(kind)
    parsed = kinds.parse_value(kind, value, region=region)
    spellings = {parsed.normalized}
    if kind in _NATIONAL_NUMBER_KINDS:  # a bare number may have been read in the company's country
        spellings.add(in_company_country([Attribute(kind, value, parsed.normalized, parsed.keys, flags=parsed.flags)],
                                         profile.attributes)[0].normalized)
    return spellings


def merged_periods(old: Attribute, new: Attribute) -> tuple:
    """The periods of a value recorded again: a retired value seen in use again (`new` is
    current, with no periods of its own) begins a new period then; periods `new` carries are
    joined with the old ones, periods that overlap (or an open one and a later one) becoming one."""
    if not old.periods and not new.periods:
        return ()
    if not new.periods:
        if is_current(old):
            return old.periods
        start = max(new.last_seen, old.periods[-1][1] or 0)  # not current: its last period ended
        return (*old.periods, (start, None, None))
    merged: list[list] = []
    for since, until, note in sorted({*periods_of(old), *new.periods}, key=lambda p: (p[0], p[1] is None, p[1] or 0)):
        last = merged[-1] if merged else None
        if last is not None and (last[1] is None or since <= last[1]):
            last[1] = None if last[1] is None or until is None else max(last[1], until)
            last[2] = last[2] or note
        else:
            merged.append([since, until, note])
    return tuple(map(tuple, merged))


def remove_attribute(profile: Profile, kind: str, value: str, region: str | None) -> Profile:
    """The profile without the value of `kind` that normalises like `value`."""
    spellings = _spellings(profile, kind, value, region)
    kept = tuple(a for a in profile.attributes if not (a.kind == kind and a.normalized in spellings))
    if len(kept) == len(profile.attributes):
        raise UsageError(f"account {profile.name!r} has no {kind} matching that value")
    return replace(profile, attributes=kept)


def retire_attribute(
    profile: Profile, kind: str, value: str, region: str | None, on: int, note: str | None = None
) -> tuple[Profile, Attribute]:
    """The profile with the current period of its value of `kind` (any spelling) ended at `on`."""
    spellings = _spellings(profile, kind, value, region)
    attrs = list(profile.attributes)
    found = next((i for i, a in enumerate(attrs) if a.kind == kind and a.normalized in spellings), None)
    if found is None:
        raise UsageError(f"account {profile.name!r} has no {kind} matching that value")
    i, a = found, attrs[found]
    periods = list(periods_of(a))
    since, until, _ = periods[-1]
    if until is not None:
        raise UsageError(f"account {profile.name!r}: that {kind} was already retired on {iso(until)[:10]}")
    if not 0 <= on <= MAX_TIMESTAMP:
        raise InvalidInput("--on is not a date between 1970 and 9999")
    if on > now() + 60:
        raise InvalidInput("--on is in the future; retire a value once the account has stopped using it")
    if on < since:
        raise InvalidInput(f"--on is before the value came into use ({iso(since)[:10]}); "
                           "add it with `attr add --since DATE` to say when that was")
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
                raise InvalidValue(kind, "a period's date is not between 1970 and 9999")
        if until is not None and until < since:
            raise InvalidValue(kind, "a period ends before it begins")
        if out and (out[-1][1] is None or since < out[-1][1]):
            raise InvalidValue(kind, "periods must be in order, each after the one before ended "
                                     "(only the last may still be open)")
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
    for raw in record.values:
        ready = None
        if ahead and isinstance(raw.kind, str) and isinstance(raw.value, str):
            ready = ahead.get((raw.kind, raw.value, region))
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
            problems.append(f"{raw.kind} {shown_in_error(raw.kind, raw.value)!r}: {exc.reason}")
        except InvalidInput as exc:
            problems.append(f"{raw.kind}: {exc.message}")
    return in_company_country(attrs, known), problems


def import_records(
    store,
    records: Iterable[ProfileRecord],
    *,
    region: str | None = None,
    default_region: str | None = None,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    reread: Callable[[], Iterable[ProfileRecord]] | None = None,
) -> ImportResult:
    """Merge imported profiles into the (write-open) store, all or nothing.

    Rows are validated and written as they stream in, inside the caller's transaction;
    if any row is invalid (and skip_invalid is off) ImportErrors is raised after every row
    has been checked, so the transaction rolls back and every problem is reported at once.
    `reread`, a function giving the same records again, lets a second process parse their
    values ahead (`ParseAhead`); the result is the same with or without it.
    """
    ahead = ParseAhead(reread, region, default_region) if reread is not None else None
    try:
        return _import_records(store, records, region, default_region, skip_invalid, progress, ahead)
    finally:
        if ahead is not None:
            ahead.close()


def _import_records(store, records, region, default_region, skip_invalid, progress, ahead) -> ImportResult:
    when = now()
    created = updated = added = 0
    problems: list[str] = []
    warnings: list[str] = []
    bad_rows = 0
    seen_names: set[str] = set()
    seen_marketplaces: set[str] = set()
    count = 0
    for count, record in enumerate(records, 1):
        answers = ahead.next() if ahead is not None else None
        row_problems = list(record.problems)
        try:
            name = check_name(record.name)
        except InvalidInput as exc:
            problems.append(f"{record.origin}: {exc.message}")
            bad_rows += 1
            continue
        label = f"{record.origin}: account {name!r}"
        try:
            status = check_status(record.status) if record.status is not None else None
            marketplace = check_text("marketplace", record.marketplace, 200, one_line=True)
            note = check_text("note", record.note)
        except InvalidInput as exc:
            row_problems.append(exc.message)
            status = marketplace = note = None
        if marketplace and marketplace not in seen_marketplaces:  # warned once per import
            seen_marketplaces.add(marketplace)
            line = marketplace_warning(marketplace)
            if line:
                warnings.append(f"{record.origin}: {line}")
        existing = store.find_profile(name)
        if existing is None:
            account = Account(name, marketplace or "", status or "active", note, when, when)
            profile = Profile(account)
        else:
            account = existing.account
            account = replace(
                account,
                marketplace=marketplace or account.marketplace,
                status=status or account.status,
                note=note or account.note,
                updated=when,
            )
            profile = replace(existing, account=account)
        attrs, value_problems = record_attributes(
            record, account, region, when, default_region=default_region, known=profile.attributes, ahead=answers
        )
        row_problems += value_problems
        if row_problems:
            problems.extend(f"{label}: {p}" for p in row_problems)
            bad_rows += 1
            continue
        warnings.extend(region_warnings(label, attrs, profile.attributes))
        profile, n = merge_attributes(profile, attrs)
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
    return ImportResult(created, updated, added, tuple(problems), count, bad_rows, tuple(warnings))
