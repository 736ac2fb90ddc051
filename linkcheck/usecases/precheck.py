"""The check of a planned account against everything on file, before registering it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..i18n import _, language
from .. import accounts as book
from ..linkage import engine
from ..registry import kinds
from ..errors import InvalidInput
from ..importers import ProfileRecord, RawValue, detect_format, read_records
from ..models import Account, Level, Profile
from ..linkage.rules import Rules

CLEAR, CAUTION, STOP = "CLEAR", "CAUTION", "STOP"


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


def planned_warnings(planned: Profile) -> list[str]:
    """What entering the planned account's values would warn about (a phone number without its
    country code that took the marketplace's country, where the company seems to be elsewhere)."""
    return book.region_warnings(f"account {planned.name!r}", planned.attributes)


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


def planned_from_file(path: Path, fmt: str | None, region: str | None, default_region: str | None = None) -> Profile:
    """The planned account given as one profile in the import format."""
    records = list(read_records(path, detect_format(path, fmt)))
    if len(records) != 1:
        raise InvalidInput(_("{path}: precheck takes one profile; this file has {n}", path=path, n=len(records)))
    return planned_profile(records[0], region, default_region)


@dataclass(frozen=True)
class PrecheckResult:
    planned: Profile
    pairs: list[engine.PairRisk]  # the planned account against those on file, strongest first
    fail_on: Level
    # The accounts on file it shares values with that make no pair (context: a common name, a
    # logistics provider; a near number alone): shown, never a link (engine.compare).
    context: tuple[engine.PairRisk, ...] = ()

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
    with open_store() as st:
        candidates = st.candidates(keys, exclude=planned.name, block_cap=rules.combine.fuzzy_block_cap)
        explanations = st.explanations()
    context: list[engine.PairRisk] = []
    pairs = engine.compare(planned, candidates, rules, min_level=min_level, explanations=explanations, context=context)
    return PrecheckResult(planned, pairs, fail_on, tuple(sorted(context, key=lambda p: p.accounts)))
