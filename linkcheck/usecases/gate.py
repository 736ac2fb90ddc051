"""The pre-login gate as a job: the public-IP rule, then one transaction that checks this
machine against the other accounts and, when asked, logs the check and records the values."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Callable

from ..i18n import _
from .. import gate
from ..capture import Fingerprint, PublicIp
from ..errors import LinkcheckError
from ..models import Level
from ..linkage.rules import Rules


class PublicIpUnchecked(LinkcheckError):
    """The public IP was asked for and could not be found: the gate fails closed."""

    exit_code = 1


def require_public_ip(public: PublicIp | None, allow_unchecked: bool) -> None:
    """STOP (PublicIpUnchecked) when the public IP was asked for and not found, unless allowed."""
    # The public IP is often what links two accounts (a VPN that dropped, the office line):
    # when the operator asked for it and it could not be found, do not say GO without it.
    if public is not None and public.address is None and not allow_unchecked:
        why = public.warning or "the lookup failed"
        raise PublicIpUnchecked(
            _("STOP: the public IP could not be checked ({why}); fix the network or the echo service list, give --public-ip ADDRESS, or add --no-public-ip (or --allow-unchecked-ip) to go on without it", why=why)
        )


def check_gate(
    open_store: Callable[..., AbstractContextManager],
    name: str,
    rules: Rules,
    fail_on: Level,
    *,
    public: PublicIp | None,
    fingerprint: Callable[[PublicIp | None], Callable[[Callable[[str], str]], Fingerprint]],
    write: bool,
    record_values: bool,
    action: str | None,
    allow_unchecked_ip: bool = False,
    extra: Callable | None = None,
    view: gate.ProfileView | None = None,
) -> tuple[gate.CheckResult, dict | None]:
    """Check account `name` from this machine: the verdict, and what was recorded (None when
    `action` is None). `public` is looked up before the store is unlocked (a slow echo
    service never holds the store's lock). `fingerprint(public)` reads this machine before
    the store is unlocked too -- its interfaces, router and the rest, while the store's key is
    being derived -- and gives the function that completes it with the store's keyed hash of its
    machine id, the one part that needs the key. Unlock (`open_store(write=write)`), check, and
    with `action` log the check and (on GO, with `record_values`) keep the values -- everything
    in one transaction. `extra(store)` gives more values to compare (a browser profile's, keyed
    hashes made with the store's key); `view` what the browser profile lets websites see of this
    computer (check --browser), by which its values are judged."""
    require_public_ip(public, allow_unchecked_ip)
    keyed = fingerprint(public)
    with open_store(write=write) as st:
        fp = keyed(st.machine_hash)
        result = gate.check_machine(st, name, fp, rules, fail_on=fail_on, extra=extra(st) if extra else (), view=view,
                                    allow_unchecked_ip=allow_unchecked_ip)
        recorded = None
        if action is not None:
            added, reopened = gate.record_check(st, result, fp, action=action, merge=record_values)
            recorded = {"event": True, "values_added": added, "values_reopened": reopened}
    return result, recorded
