"""Bank account numbers that lost their leading zeros (a spreadsheet reads `0012345678` as the
number 12345678 and writes it back so).

Two spellings of one number then have two match keys, so the audit would see two accounts. Reading
them as one would change the match keys of values already on file (a new KEYS_VERSION, and every
store keyed again); instead `import` and `attr add` warn, when they are given a bank account
number of digits only, about every bank account number on file (or in the same import) that is
the same number once leading zeros are dropped, so the user writes it again with its zeros and
the two meet exactly."""

from __future__ import annotations

from typing import Iterable, NamedTuple

from .i18n import _
from .registry import kinds

KIND = "bank_account"
# How many leading zeros a number on file may have that the new one lost (or the reverse).
MAX_ZEROS = 4
# Above this many numbers in one import, they are compared among themselves only: the store's key
# index is searched once a spelling, which a bulk import of every account would make slow.
STORE_CHECK_LIMIT = 1000


class Entered(NamedTuple):
    """One bank account number entered now: whose, and how the warning names where it came from."""

    account: str
    label: str  # "FILE row N: account 'NAME'", or "account 'NAME'"
    normalized: str


def zero_prone(normalized: str) -> bool:
    """A number a spreadsheet could have read as a number: digits only (not an IBAN)."""
    return normalized.isdigit()


def spellings(normalized: str) -> set[str]:
    """The other spellings of a number of digits with more or fewer leading zeros (6 to 34 digits,
    as a bank account number may be), itself left out."""
    bare = normalized.lstrip("0")
    if not bare:
        return set()
    found = {"0" * zeros + bare for zeros in range(MAX_ZEROS + 1)}
    return {s for s in found if 6 <= len(s) <= 34 and s != normalized}


def warnings(store, entered: Iterable[Entered], *, search_store: bool = True) -> list[str]:
    """A warning for each entered number and each other bank account number, on file or entered
    with it, that is the same number once leading zeros are dropped."""
    entered = [e for e in entered if zero_prone(e.normalized)]
    if not entered:
        return []
    on_file: list[tuple[str, str]] = []  # (spelling, account) of the store's numbers that may be alike
    if search_store and len(entered) <= STORE_CHECK_LIMIT:
        keys = {f"{KIND}:{s}" for e in entered for s in spellings(e.normalized)}
        for profile in store.candidates(keys) if keys else ():
            on_file.extend((attr.normalized, profile.name) for attr in profile.attributes
                           if attr.kind == KIND and zero_prone(attr.normalized))
    # Numbers by their digits without leading zeros: only those written two ways are looked at
    # further, so a bulk import's numbers cost a strip and a lookup each (no set per number).
    first: dict[str, str] = {}
    alike: set[str] = set()
    for spelling in [e.normalized for e in entered] + [spelling for spelling, _account in on_file]:
        bare = spelling.lstrip("0")
        if first.setdefault(bare, spelling) != spelling:
            alike.add(bare)
    if not alike:
        return []
    holders: dict[str, set[str]] = {}  # spelling -> accounts holding it, of the numbers written two ways
    for spelling, account in [(e.normalized, e.account) for e in entered] + on_file:
        if spelling.lstrip("0") in alike:
            holders.setdefault(spelling, set()).add(account)
    lines: list[str] = []
    told: set[tuple[tuple[str, str], ...]] = set()
    for e in entered:
        if e.normalized.lstrip("0") not in alike:
            continue
        for other in sorted(spellings(e.normalized) & holders.keys()):
            for account in sorted(holders[other]):
                pair = tuple(sorted(((e.account, e.normalized), (account, other))))
                if pair in told:  # (both entered now: said once)
                    continue
                told.add(pair)
                lines.append(_(
                    "{label}: bank account {mine} ({digits} digits) is the same number as bank account {theirs} "
                    "({digits2} digits) of {other} once leading zeros are dropped, as a spreadsheet drops them; if "
                    "they are one account, write the number with its zeros (format the column as text), or the "
                    "audit takes them for two",
                    label=e.label, mine=kinds.mask(KIND, e.normalized), digits=len(e.normalized),
                    theirs=kinds.mask(KIND, other), digits2=len(other), other=account))
    return lines
