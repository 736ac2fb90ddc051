"""The log's entries for destructive edits and recoveries: what each removed or lost.

`account remove`, `attr remove`, `attr retire`, `account set --rename`, `team remove`,
`team recover`, `store migrate --salvage` and `store upgrade` each log an entry (sealed like the rest of the
log; a team store adds the member who made it); `log` shows what it removed in a `what`
column. Values are kept masked, as `account show` shows them."""

from __future__ import annotations

from ..i18n import N_, _, translate

CHANGE_WORDS = {"account-remove": N_("account-remove"), "attr-remove": N_("attr-remove"),
                "attr-retire": N_("attr-retire"), "account-rename": N_("account-rename"),
                "member-remove": N_("member-remove"), "recover": N_("recover"), "salvage": N_("salvage"),
                "REMOVED": N_("REMOVED"), "RETIRED": N_("RETIRED"), "RENAMED": N_("RENAMED"),
                "WITHDRAWN": N_("WITHDRAWN"), "LOST": N_("LOST"), "ACCEPTED": N_("ACCEPTED"), "WHOLE": N_("WHOLE"),
                "UNVERIFIED": N_("UNVERIFIED"), "store-upgrade": N_("store-upgrade"), "UPGRADED": N_("UPGRADED")}
_TABLES = {"accounts": N_("accounts"), "events": N_("log entries"), "explanations": N_("explanations")}


def change_what(event) -> list[str]:
    """What a destructive edit's (or a recovery's) log entry says it removed or lost."""
    d = event.detail or {}
    what = [str(v) for v in d.get("removed") or []] + [str(v) for v in d.get("retired") or []]
    if d.get("renamed_from"):
        what.append(_("renamed from {name}", name=d["renamed_from"]))
    if d.get("removed_member"):
        what.append(_("member {name}", name=d["removed_member"]))
    for table, n in (d.get("missing") or {}).items():
        if n:
            what.append(_("{what}: {n} missing", what=translate(_TABLES.get(table, table)), n=n))
    for table, n in (d.get("unreadable") or {}).items():
        if n:
            what.append(_("{what}: {n} unreadable", what=translate(_TABLES.get(table, table)), n=n))
    # which accounts were lost, where the log or an explanation named them (the rest are counted only)
    if d.get("named_missing"):
        what.append(_("missing: {names}", names=", ".join(str(n) for n in d["named_missing"])))
    if event.action == "store-upgrade":
        what.append(_("match keys version {old} to {new}: {values} value(s) of {accounts} account(s) keyed again",
                      old=d.get("from", "?"), new=d.get("to", "?"), values=d.get("values", 0),
                      accounts=d.get("accounts", 0)))
        kept = sum(n for n in (d.get("kept") or {}).values() if isinstance(n, int))
        if kept:
            what.append(_("{n} value(s) kept their old keys", n=kept))
    if d.get("removed_yet_here"):
        what.append(_("removed, yet here again: {names}", names=", ".join(str(n) for n in d["removed_yet_here"])))
    return what
