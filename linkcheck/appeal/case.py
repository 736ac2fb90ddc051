"""An account's appeal case (issue 14): the facts of an appeal that the store cannot know.

Amazon's notice (its date, its text), how the related accounts are related to this one, a
business need, a prior authorisation, when an owned related account was reactivated, the
language, and how the notice names each related account. `linkcheck appeal` asks for what is
missing and keeps the case sealed in the account's record (Account.appeal_case, canonical JSON),
so a re-run asks nothing again. The case also holds a random case id: the appeal pack is
signed with a key derived for that case (appeal/pack.py), so two cases share no key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import date

from ..i18n import _
from ..crypto import canonical_json
from ..errors import InvalidInput, StoreDamaged
from ..models import missing_day
from ..safetext import check_free_text

RELATIONSHIPS = ("own", "not-owned", "agency", "agency-ongoing", "family", "former-tenant", "shared-service", "error")
CASE_ID_BYTES = 16
MAX_NOTICE_CHARS = 20_000
MAX_FACT_CHARS = 1000


@dataclass(frozen=True)
class AppealCase:
    """What `linkcheck appeal` knows of one account's appeal beyond the store's values."""

    case_id: str  # hex, CASE_ID_BYTES random bytes
    related: tuple[str, ...] = ()
    notice_date: str | None = None  # YYYY-MM-DD
    notice_text: str | None = None
    relationship: str | None = None
    business_need: str | None = None
    business_need_zh: str | None = None
    authorisation: tuple[str, str] | None = None  # (YYYY-MM-DD, case id)
    reactivated: tuple[tuple[str, str], ...] = ()  # (account, YYYY-MM-DD)
    # The language the seller reads (exhibits.txt, the evidence page, the letter's companion): the
    # interface's when the case began, or --lang.
    lang: str = "en"
    bilingual: bool = False
    # The language of the letter to paste when --lang chose it; None: the marketplace's language.
    letter_lang: str | None = None
    # How Amazon's notice names each related account: (account, name in the notice).
    named: tuple[tuple[str, str], ...] = field(default=())
    # How the accounts came to be linked, in the not-owned route (--cause, --cause-zh).
    cause: str | None = None
    cause_zh: str | None = None

    def reactivated_on(self, account: str) -> str | None:
        return dict(self.reactivated).get(account)

    def name_in_notice(self, account: str) -> str | None:
        return dict(self.named).get(account)

    def to_json(self) -> str:
        data = {
            "case_id": self.case_id, "related": list(self.related), "notice_date": self.notice_date,
            "notice_text": self.notice_text, "relationship": self.relationship,
            "business_need": self.business_need, "business_need_zh": self.business_need_zh,
            "authorisation": list(self.authorisation) if self.authorisation else None,
            "reactivated": [list(r) for r in self.reactivated], "lang": self.lang, "bilingual": self.bilingual,
            "letter_lang": self.letter_lang, "named": [list(n) for n in self.named],
            # (only when given: a case without them is written as before)
            **{key: value for key, value in (("cause", self.cause), ("cause_zh", self.cause_zh)) if value},
        }
        return canonical_json(data).decode("utf-8")

    @classmethod
    def from_json(cls, text: str | None) -> "AppealCase":
        """The stored case, or a new one (with a new case id) when there is none."""
        if not text:
            return cls(case_id=os.urandom(CASE_ID_BYTES).hex())
        try:
            d = json.loads(text)
            return cls(
                case_id=str(d["case_id"]),
                related=tuple(d.get("related") or ()),
                notice_date=d.get("notice_date"),
                notice_text=d.get("notice_text"),
                relationship=d.get("relationship"),
                business_need=d.get("business_need"),
                business_need_zh=d.get("business_need_zh"),
                authorisation=(str(d["authorisation"][0]), str(d["authorisation"][1])) if d.get("authorisation")
                else None,
                reactivated=tuple((str(a), str(b)) for a, b in d.get("reactivated") or ()),
                lang=d.get("lang") or "en",
                bilingual=bool(d.get("bilingual")),
                letter_lang=d.get("letter_lang") if d.get("letter_lang") in ("en", "zh") else None,
                named=tuple((str(a), str(b)) for a, b in d.get("named") or ()),
                cause=d.get("cause"),
                cause_zh=d.get("cause_zh"),
            )
        except (ValueError, KeyError, TypeError):
            raise StoreDamaged(_("store is damaged: an account's appeal case is unreadable")) from None

    def case_id_bytes(self) -> bytes:
        return bytes.fromhex(self.case_id)

    def with_reactivated(self, account: str, day: str) -> "AppealCase":
        others = tuple(r for r in self.reactivated if r[0] != account)
        return replace(self, reactivated=(*others, (account, day)))

    def with_name(self, account: str, name: str) -> "AppealCase":
        others = tuple(n for n in self.named if n[0] != account)
        return replace(self, named=(*others, (account, name)))


def check_day(label: str, text: str) -> str:
    """A date written YYYY-MM-DD, checked; InvalidInput naming the option otherwise."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        missing = missing_day(text)
        if missing is not None:
            raise InvalidInput(_("{label}: {problem}", label=label, problem=missing)) from None
        raise InvalidInput(_("{label} must be a date written YYYY-MM-DD", label=label)) from None
    if day > date.today():
        raise InvalidInput(_("{label} is in the future", label=label))
    return day.isoformat()


def check_fact(label: str, text: str | None, limit: int = MAX_FACT_CHARS) -> str | None:
    """A free-text fact (a business need, a case id): one line, no control characters."""
    if text is None:
        return None
    value = " ".join(check_free_text(label, text).split())
    if len(value) > limit:
        raise InvalidInput(_("{label} is longer than {limit} characters", label=label, limit=limit))
    return value or None


def parse_authorisation(text: str) -> tuple[str, str]:
    """--authorisation "DATE CASE-ID": Amazon's approval of two accounts, and its case id."""
    day, _sep, case_id = (text or "").strip().partition(" ")
    case_id = check_fact("--authorisation", case_id) or ""
    if not case_id:
        raise InvalidInput(_("--authorisation must be \"YYYY-MM-DD CASE-ID\", the date and case id of Amazon's approval"))
    return check_day("--authorisation", day), case_id


def parse_reactivated(text: str) -> tuple[str, str]:
    """--reactivated "ACCOUNT DATE": when an owned related account was reactivated."""
    account, _sep, day = (text or "").strip().rpartition(" ")
    if not account.strip():
        raise InvalidInput(_("--reactivated must be \"ACCOUNT YYYY-MM-DD\", the related account and the day it was reactivated"))
    return account.strip(), check_day("--reactivated", day)
