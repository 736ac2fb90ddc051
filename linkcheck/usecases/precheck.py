"""The check of a planned account against everything on file, before registering it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..i18n import _, language
from .. import accounts as book, early
from ..linkage import comparisons, engine
from ..registry import kinds
from ..errors import ImportErrors, InvalidInput
from ..importers import ProfileRecord, RawValue, detect_format, read_records
from ..models import Account, Attribute, Level, Profile
from ..linkage.rules import Rules

CLEAR, CAUTION, STOP = "CLEAR", "CAUTION", "STOP"
VERDICTS = (STOP, CAUTION, CLEAR)
# The statuses of an account the marketplace has acted against: a new account linked to one
# is linked to a suspended account from its first day.
ENDED = ("suspended", "closed")


def planned_profile(record: ProfileRecord, region: str | None, default_region: str | None = None) -> Profile:
    """The planned account a precheck compares: validated like an import, never stored.
    `default_region` (the settings' region) applies after `region` and the marketplace."""
    if record.problems:
        raise InvalidInput(_problems(record.origin, None, record.problems))
    name = book.check_name(record.name)
    account = Account(name, book.check_text("marketplace", record.marketplace, 200, one_line=True) or "", "planned")
    attrs, problems = book.record_attributes(
        record, account, region, source="manual", default_region=default_region
    )
    if problems:
        raise InvalidInput(_problems(record.origin, name, problems))
    return book.merge_attributes(Profile(account), attrs)[0]


def planned_warnings(planned: Profile, origin: str | None = None, shown: str | None = None) -> list[str]:
    """What entering the planned account's values would warn about (a phone number without its
    country code that took the marketplace's country, where the company seems to be elsewhere;
    a number whose check digits or length say it is mistyped). `origin`: the file row it came
    from (a batch); `shown`: its name on screen (计划账户 for "planned")."""
    label = (_("account {name!r}", name=shown or planned.name) if origin is None
             else _("{origin}: account {name!r}", origin=origin, name=planned.name))
    return book.region_warnings(label, planned.attributes) + book.value_warnings(label, planned.attributes)


# The origin of a planned account given value by value: its problems are the options' own.
FROM_OPTIONS = "the options"


def _problems(origin: str, name: str | None, problems) -> str:
    """What is wrong with the planned account: each problem, after where it came from (a file)."""
    joined = ("；" if language() == "zh" else "; ").join(problems)
    if origin == FROM_OPTIONS:
        return joined
    # The import's own words (accounts.import_records): where, then what.
    where = origin if name is None else _("{origin}: account {name!r}", origin=origin, name=name)
    return _("{origin}: {problem}", origin=where, problem=joined)


def planned_from_values(
    name: str, marketplace: str | None, region: str | None, values: dict, default_region: str | None = None
) -> Profile:
    """The planned account given value by value: kind -> the values given for it."""
    raw = tuple(RawValue(kind, value) for kind in kinds.KIND_NAMES for value in values.get(kind) or ())
    return planned_profile(ProfileRecord(FROM_OPTIONS, name, marketplace, values=raw), region, default_region)


def planned_from_file(path: Path, fmt: str | None, region: str | None,
                      default_region: str | None = None) -> "Profile | PlannedRows":
    """The planned account given as one profile in the import format; or, from a file of
    several rows, its planned accounts (a batch precheck: `planned_rows`)."""
    records = list(read_records(path, detect_format(path, fmt)))
    if not records:
        raise InvalidInput(_("{path}: the file has no account to check", path=path))
    if len(records) == 1:
        return planned_profile(records[0], region, default_region)
    found = planned_rows(records, region, default_region)
    if not found.rows:
        raise InvalidInput(_("{path}: no planned account to check: every row's status is that of an account already "
                             "registered (a row to check has the status planned, 计划中, or none)", path=path))
    return found


@dataclass(frozen=True)
class PrecheckResult:
    planned: Profile
    pairs: list[engine.PairRisk]  # the planned account against those on file, strongest first
    fail_on: Level
    # The accounts on file it shares values with that make no pair (context: a common name, a
    # logistics provider; a near number alone): shown, never a link (engine.compare).
    context: tuple[engine.PairRisk, ...] = ()
    # Each compared account's status (models.Account.status) by name: "suspended" and "closed"
    # ones drag a new account linked to them down with them.
    statuses: dict[str, str] = field(default_factory=dict, compare=False)
    origin: str | None = None  # the file row of a batch's planned account
    # Planned values that fail their check (or length) and are one typo away from a valid number
    # on file: (the planned value, the account on file, its value) -- no finding, said beside.
    typos: tuple[tuple[Attribute, str, Attribute], ...] = ()

    def status(self, name: str) -> str:
        return self.statuses.get(name, "active")

    @property
    def ended_others(self) -> list[str]:
        """The accounts it would be linked with that are suspended or closed, by name."""
        return [name for name in self.others if self.status(name) in ENDED]

    @property
    def level(self) -> Level | None:
        """The strongest pair's level; None when the planned account shares nothing."""
        return max((p.level for p in self.pairs), default=None)

    @property
    def verdict(self) -> str:
        """CLEAR (shares nothing), CAUTION (shares something below fail_on) or STOP."""
        level = self.level
        if level is None:  # no pairs
            return CLEAR
        return STOP if level >= self.fail_on else CAUTION

    @property
    def others(self) -> list[str]:
        """The accounts on file it shares something with, by name."""
        name = self.planned.name
        return sorted({p.accounts[0] if p.accounts[1] == name else p.accounts[1] for p in self.pairs})

    @property
    def exit_code(self) -> int:
        return 1 if self.level is not None and self.level >= self.fail_on else 0


def precheck(
    open_store: Callable[[], AbstractContextManager],
    planned: Profile,
    rules: Rules,
    *,
    min_level: Level,
    fail_on: Level,
) -> PrecheckResult:
    """Compare `planned` with the accounts holding any of its match keys. Writes nothing; the
    store is held only while the candidates are read."""
    keys = {key for a in planned.attributes for key in a.keys}
    typo_keys = typo_neighbours(planned)
    _load_comparisons_while_deriving([planned])
    with open_store() as st:
        candidates = st.candidates(keys, exclude=planned.name, block_cap=rules.combine.fuzzy_block_cap)
        explanations = st.explanations()
        typos = _typos_on_file(st, planned, typo_keys)
    context: list[engine.PairRisk] = []
    pairs = engine.compare(planned, candidates, rules, min_level=min_level, explanations=explanations, context=context)
    statuses = {c.name: c.account.status for c in candidates} | {name: status for name, status in typos[1].items()}
    return PrecheckResult(planned, pairs, fail_on, tuple(sorted(context, key=lambda p: p.accounts)), statuses,
                          typos=typos[0])


def _load_comparisons_while_deriving(planned: list[Profile]) -> None:
    """The fuzzy comparisons' library loaded now when the store's key is still being derived
    (early.py) and a planned account holds a value compared fuzzily (a company name, a person's
    name, an address): the comparison after the key then finds it loaded. When the key is already
    there (a cheap derivation, a key from the agent), the comparison loads it if it needs it."""
    if early.deriving() and any(kinds.KINDS[a.kind].fuzzy for profile in planned for a in profile.attributes):
        comparisons.preload()


# The characters of a unified social credit code (GB 32100-2015: no I, O, S, V, Z).
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _one_typo_away(value: str, alphabet: str) -> set[str]:
    """Every string one typo from `value`: a character changed, two neighbours swapped, one left
    out, one added."""
    out = set()
    for i in range(len(value) + 1):
        for ch in alphabet:
            out.add(value[:i] + ch + value[i:])
            if i < len(value):
                out.add(value[:i] + ch + value[i + 1:])
        if i < len(value):
            out.add(value[:i] + value[i + 1:])
        if i + 1 < len(value):
            out.add(value[:i] + value[i + 1] + value[i] + value[i + 2:])
    out.discard(value)
    return out


def typo_neighbours(planned: Profile) -> dict[str, Attribute]:
    """The exact match keys of every valid number one typo away from each planned Chinese ID
    number or unified social credit code whose check digit or length says it is mistyped
    (flags `bad-checksum`, `bad-length`), each with the planned value: a typo of a number on
    file the near-id blocking keys cannot find (a check character typed wrong, under a
    region's prefix that many accounts share)."""
    def passes(module):
        def valid(number: str) -> bool:
            try:
                module.validate(number)
            except (ValueError, LookupError):  # stdnum's ValidationError; KeyError: a region it does not know
                return False
            return True
        return valid

    found: dict[str, Attribute] = {}
    for attr in planned.attributes:
        if not {"bad-checksum", "bad-length"} & set(attr.flags):
            continue
        from stdnum.cn import ric, uscc  # here: a precheck of nothing mistyped loads no stdnum

        if attr.kind == "id_number":
            value, alphabet, valid = attr.normalized, "0123456789X", passes(ric)
        elif attr.kind in ("registration_number", "tax_id"):
            value = attr.normalized[2:] if attr.normalized.startswith("CN") and "country:CN" in attr.flags else attr.normalized
            alphabet, valid = _USCC_CHARS, passes(uscc)
        else:
            continue
        if not 17 <= len(value) <= 19:
            continue
        for near in _one_typo_away(value, alphabet):
            if len(near) == 18 and valid(near):
                parsed = kinds.parse_value(attr.kind, near, region="CN")
                for key in parsed.keys:
                    if not key.startswith("~"):
                        found.setdefault(key, attr)
    return found


def _typos_on_file(st, planned: Profile, typo_keys: dict[str, Attribute]) -> tuple[tuple, dict[str, str]]:
    """(planned value, account, its value) for each account on file holding a number one typo
    from a planned value `typo_neighbours` found; and those accounts' statuses."""
    if not typo_keys:
        return (), {}
    found = []
    statuses = {}
    for profile in st.candidates(typo_keys, exclude=planned.name):
        for attr in profile.attributes:
            mine = next((typo_keys[k] for k in attr.keys if k in typo_keys), None)
            if mine is not None:
                found.append((mine, profile.name, attr))
                statuses[profile.name] = profile.account.status
    return tuple(found), statuses


class PlannedErrors(ImportErrors):
    """Every problem in a batch precheck's file, reported together (as an import reports them)."""

    def __init__(self, problems: list[str], rows: int):
        InvalidInput.__init__(self, _("{rows} invalid row(s); nothing was checked", rows=rows))
        self.problems = problems
        self.rows = rows


@dataclass(frozen=True)
class PlannedRows:
    """A batch precheck's file: its planned accounts (with the row each came from) and how many
    rows were left out because their status is not planned (accounts already registered)."""

    rows: list[tuple[str, Profile]]
    not_planned: int = 0


def planned_rows(records: list[ProfileRecord], region: str | None, default_region: str | None = None) -> PlannedRows:
    """The planned accounts of a file of several rows: every row whose status is planned
    (计划中) or not given. Every problem in any row is reported at once (PlannedErrors)."""
    rows: list[tuple[str, Profile]] = []
    problems: list[str] = []
    bad = not_planned = 0
    for record in records:
        if record.status is not None and str(record.status).strip():
            try:
                status = book.check_status(record.status)
            except InvalidInput as exc:
                problems.append(_("{origin}: {problem}", origin=record.origin, problem=exc.message))
                bad += 1
                continue
            if status != "planned":
                not_planned += 1
                continue
        try:
            rows.append((record.origin, planned_profile(record, region, default_region)))
        except InvalidInput as exc:
            problems.append(exc.message)
            bad += 1
    if problems:
        raise PlannedErrors(problems, bad)
    return PlannedRows(rows, not_planned)


def precheck_batch(
    open_store: Callable[[], AbstractContextManager],
    rows: list[tuple[str, Profile]],
    rules: Rules,
    *,
    min_level: Level,
    fail_on: Level,
    progress: Callable[[int], None] | None = None,
) -> list[PrecheckResult]:
    """Each planned account of `rows` (origin, profile) against the accounts on file AND the
    other planned accounts, as `precheck` compares one: the store is unlocked once and each
    row's candidates come from its key index (or the gate cache) as a single precheck's do;
    the planned rows meet each other through the match keys they hold, a blocking key held
    by more than the fuzzy block cap of them ignored as the store ignores it. `progress`
    gets the number of rows compared so far, now and then."""
    cap = rules.combine.fuzzy_block_cap
    keys_of = [{key for a in planned.attributes for key in a.keys} for _origin, planned in rows]
    holders: dict[str, list[int]] = {}
    for i, keys in enumerate(keys_of):
        for key in keys:
            holders.setdefault(key, []).append(i)
    found: list[list[Profile]] = []
    _load_comparisons_while_deriving([planned for _origin, planned in rows])
    with open_store() as st:
        explanations = st.explanations()
        each = getattr(st, "candidates_each", None)  # a local store's: every row decrypted once
        if each is not None:
            found = each(keys_of, [planned.name for _origin, planned in rows], block_cap=cap)
        else:
            for i, (_origin, planned) in enumerate(rows):
                found.append(st.candidates(keys_of[i], exclude=planned.name, block_cap=cap))
        typos = [_typos_on_file(st, planned, typo_neighbours(planned)) for _origin, planned in rows]
    results = []
    for i, (origin, planned) in enumerate(rows):
        if progress is not None and i and i % 25 == 0:
            progress(i)
        peers: set[int] = set()
        for key in keys_of[i]:
            held = holders[key]
            if not (key.startswith("~") and len(held) > cap):
                peers.update(held)
        candidates = found[i]
        on_file = {c.name for c in candidates}
        statuses = {c.name: c.account.status for c in candidates} | typos[i][1]
        for j in sorted(peers):
            peer = rows[j][1]
            if j != i and peer.name != planned.name and peer.name not in on_file:
                candidates = [*candidates, peer]
                statuses[peer.name] = "planned"
        context: list[engine.PairRisk] = []
        pairs = engine.compare(planned, candidates, rules, min_level=min_level, explanations=explanations,
                               context=context)
        results.append(PrecheckResult(planned, pairs, fail_on, tuple(sorted(context, key=lambda p: p.accounts)),
                                      statuses, origin, typos[i][0]))
    return results
