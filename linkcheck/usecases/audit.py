"""The standing audit over everything on file: one path for `audit` and `report`."""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Callable

from ..linkage import engine, exactfirst
from ..models import Account, Level
from ..linkage.rules import Rules
from ..store.prefilter import QuietHubs

_name_of, _status_of = attrgetter("account.name"), attrgetter("account.status")  # of a Profile

# Above this many accounts that share something, the comparison takes long enough to say so.
ANNOUNCE_COMPARING = 5000


@dataclass(frozen=True)
class AuditOptions:
    rules: Rules
    min_level: Level
    link_level: Level = Level.HIGH
    account: str | None = None  # only pairs involving this account
    every_account: bool = False  # also list every account on file, linked or not (the report)
    json_reveal: bool | None = None  # the pairs' JSON wanted (revealed or not): made while waiting
    json_unsafe: Callable[[bytes], bool] | None = None  # and its text tried by the output's test meanwhile


@dataclass(frozen=True)
class AuditResult:
    audit: engine.Audit
    total_accounts: int  # accounts on file
    compared: int  # accounts the engine compared: those that share something
    accounts: tuple[Account, ...] | None  # every account on file, with `every_account`
    health: object  # health.AuditHealth: breaches, warnings and the accounts they expose
    pair_json: dict | None = None  # the pairs' JSON made early (`json_reveal`): exactfirst.ExactSide.json
    pair_pieces: dict | None = None  # and their text: exactfirst.ExactSide.pieces
    # What the audit was made from (its input, its exact side, the store it read): millions of
    # objects a command leaves to the process's end with the rest (`cli.keep_until_exit`),
    # instead of freeing them one by one as this returns (0.06 s CPU at 100,000 accounts).
    made_from: object = field(default=None, repr=False, compare=False)


def audit_store(
    open_store: Callable[[], AbstractContextManager],
    options: AuditOptions,
    *,
    progress: Callable[[str], None] | None = None,
) -> AuditResult:
    """Audit the store `open_store()` opens; it is held only while reading, not while comparing.

    Reads what can link (`Store.audit_input`: the accounts and values that share a key with
    another account -- on a large store most of it shares nothing -- and the fuzzy matches,
    found from the key index in a second process meanwhile), then runs the engine over that.
    `progress` hears what takes time, as one line each.
    """
    from .. import health  # not at import time: precheck shares this package and starts fast

    rules = options.rules
    _load_ahead(options)
    if progress is not None:
        progress("Reading the store…")
    with open_store() as st:
        if options.account is not None:
            st.profile(options.account)  # an unknown name fails here, before everything is loaded
        meanwhile = None
        if options.account is None:
            def meanwhile(profiles, hub_keys):
                # The audit's exact side, while the store's fuzzy side is still being found
                # (linkage.exactfirst); `merge` below gives exactly engine.audit's result.
                return exactfirst.audit_exact(
                    profiles, rules, min_level=options.min_level, link_level=options.link_level,
                    explanations=st.explanations(), hub_keys=hub_keys, json_reveal=options.json_reveal,
                    json_unsafe=options.json_unsafe,
                )
        found = st.audit_input(
            rules.combine.fuzzy_block_cap, functools.partial(engine.score_blocks, rules=rules),
            include=options.account,
            hubs=QuietHubs(rules.combine.hub_size, functools.partial(engine.quiet_hub, rules=rules)),
            accounts=options.every_account, meanwhile=meanwhile,
        )
        total = st.count_accounts()
        explanations = st.explanations()
        accounts = None
        if options.every_account:  # read beside the audit's input where the store can (each body opened once)
            accounts = tuple(found.accounts if found.accounts is not None else st.accounts())
        healths = health.load(st, health.targets_of(rules))
    if progress is not None and len(found.profiles) > ANNOUNCE_COMPARING:
        progress(f"Comparing {len(found.profiles):,} accounts that share something…")
    side = found.exact_side
    pair_json = pair_pieces = None
    if isinstance(side, exactfirst.ExactSide) and found.fuzzy_matches is not None:
        result = exactfirst.merge(side, found.profiles, found.fuzzy_matches, more_values=found.more_values)
        pair_json, pair_pieces = side.json, side.pieces
    else:  # (an exact side made meanwhile is dropped where the fuzzy side gave nothing: store/prefilter.py)
        result = engine.audit(
            found.profiles, rules, min_level=options.min_level, link_level=options.link_level, account=options.account,
            explanations=explanations, fuzzy_matches=found.fuzzy_matches, hub_keys=found.hub_keys,
            more_values=found.more_values,
        )
    if accounts is not None:
        statuses = {a.name: a.status for a in accounts}
    else:
        profiles = found.profiles
        statuses = dict(zip(map(_name_of, profiles), map(_status_of, profiles), strict=True))
        statuses.update({h.account: h.account_status for h in healths})
    standing = health.audit_health(result, healths, statuses, options.account)
    return AuditResult(result, total, len(found.profiles), accounts, standing, pair_json, pair_pieces, (found, side, st))


def _load_ahead(options: AuditOptions) -> None:
    """What a whole-store audit imports only once the store is read, imported now, while
    `open_store` waits for the store's key (`early.start` derives it in a thread): rapidfuzz
    (the fuzzy child's sieve and scoring, the merge's pair completion: the child, forked after,
    has it already) and orjson (the audit's JSON, the report's page data). A few hundredths of
    a second either way; an import that fails here fails again, as it always did, where it is
    used."""
    if options.account is not None:
        return
    try:
        import rapidfuzz.distance  # noqa: F401
        import rapidfuzz.fuzz  # noqa: F401
        import rapidfuzz.process  # noqa: F401
        import rapidfuzz.utils  # noqa: F401
        import orjson  # noqa: F401  # (the audit's JSON, the report's page data)
    except ImportError:
        pass
