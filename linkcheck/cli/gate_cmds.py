"""Commands for this machine and the pre-login gate: fingerprint, capture, check, run, log."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import click

from ..i18n import N_, _, join_list, translate
from .. import capture, gate
from ..errors import UsageError
from ..linkage.rules import load_rules
from ..models import iso
from ..usecases import gate as gate_job
from .options import (
    NEW_PASSPHRASE_ENV,
    PASSPHRASE_ENV,
    echo_err,
    fail_on_option,
    open_store,
    rules_option,
    setting_value,
    store_key,
    store_options,
    take_from_environment,
)
from . import end_when_answered
from ..lazy import LazyImport
from .changes import CHANGE_WORDS, change_what
from .output import format_option, render_json, render_rows

if TYPE_CHECKING:
    from ..linkage import engine
else:
    engine = LazyImport(globals(), "engine", "linkcheck.linkage.engine")  # (for a STOP's JSON: see gate.py)

EXIT_COMMAND_NOT_FOUND = 127
EXIT_COMMAND_NOT_RUNNABLE = 126

MACHINE_HELP = (
    N_("Use a recorded machine description (JSON, the shape of `fingerprint --format json`) "
    "instead of this computer -- for demos and tests.")
)
PUBLIC_IP_HELP = (
    N_("The public IP the marketplace sees: an address, 'auto' to ask an HTTPS echo service (list in ${ECHO_URLS_ENV}), or 'off'. Default: the `public_ip` setting; without one, `check` and `run` look it up (auto) and `fingerprint` and `capture` make no network call.", ECHO_URLS_ENV=capture.ECHO_URLS_ENV)
)
PROXY_HELP = (
    N_("With --public-ip auto: ask through this HTTP(S) proxy, e.g. the one your browser uses (http://127.0.0.1:7890). "
    "Default: the `proxy` setting.")
)

LOG_TABLE_COLUMNS = [
    "when", "account", "action", "verdict", "level", "conflicts", "public_ip", "networks", "devices", "routers",
    "new_values",
]
LOG_COLUMNS = LOG_TABLE_COLUMNS[:-1] + ["hostname", "new_values", "warnings"]
FINDING_COLUMNS = ["account", "level", "kind", "this machine", "on file", "match", "last seen there"]
# Through a browser profile (--browser) the values read are this login's: the profile's exit IP and
# fingerprint beside the computer's own.
PROFILE_FINDING_COLUMNS = ["account", "level", "kind", "this login", "on file", "match", "last seen there"]


def _machine_options(*, lookup_by_default: bool):
    """--public-ip, --no-public-ip, --proxy and --machine: which machine and network a command looks at.

    `lookup_by_default`: with neither option nor setting, look the public IP up (`check`, `run`:
    the gate checks what websites see); otherwise only when asked (`fingerprint`, `capture`)."""

    def decorate(func):
        @click.option("--public-ip", "public_ip", metavar="ADDRESS|auto|off", default=None, help=PUBLIC_IP_HELP)
        @click.option(
            "--no-public-ip", "no_public_ip", is_flag=True,
            help="Do not look the public IP up (the verdict line then says it was not checked).",
        )
        @click.option("--proxy", default=None, metavar="URL", help=PROXY_HELP)
        @click.option(
            "--machine",
            "machine_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help=MACHINE_HELP,
        )
        @functools.wraps(func)
        def wrapper(*args, public_ip, no_public_ip, proxy, machine_file, **kwargs):
            if no_public_ip:
                if public_ip is not None and public_ip.strip().lower() != "off":
                    raise UsageError(_("--no-public-ip and --public-ip cannot be used together"))
                public_ip = "off"
            # Not checked at all, when so asked: not the recorded machine's own public IP either.
            left_out = public_ip is not None and public_ip.strip().lower() == "off"
            if public_ip is None:
                # A recorded machine (--machine) carries the public IP it was seen with.
                public_ip = "auto" if _lookup_setting(lookup_by_default and machine_file is None) else None
            elif public_ip.strip().lower() == "off":
                public_ip = None
            auto = (public_ip or "").strip().lower() == "auto"
            if proxy is not None and not auto:
                raise UsageError(_("--proxy is only used with --public-ip auto; add --public-ip auto or drop --proxy"))
            if proxy is None and auto:
                proxy = setting_value("proxy")
            return func(*args, machine=_MachineChoice(public_ip, proxy, machine_file, without_public_ip=left_out), **kwargs)

        return wrapper

    return decorate


def _lookup_setting(lookup_by_default: bool) -> bool:
    """The `public_ip` setting: "auto" when set so; its default (auto) applies to the gate only."""
    from .. import settings

    resolved = settings.resolve("public_ip")
    if resolved.source == "default":
        return lookup_by_default
    return resolved.value == "auto"


machine_options = _machine_options(lookup_by_default=False)
gate_machine_options = _machine_options(lookup_by_default=True)


@dataclass(frozen=True)
class _MachineChoice:
    """The parsed machine options. The public IP is looked up before the store is unlocked,
    so a slow echo service never holds the store's lock."""

    public_ip: "str | capture.PublicIp | None"
    proxy: str | None
    machine_file: Path | None
    socks: bool = False  # `proxy` is a browser profile's, and may be SOCKS5 (--proxy is http(s) only)
    # --no-public-ip or --public-ip off: a recorded machine's (--machine) own public IP left out too
    without_public_ip: bool = False

    def public(self) -> capture.PublicIp | None:
        if self.public_ip is None:
            return None
        return capture.resolve_public_ip(self.public_ip, proxy=self.proxy, socks=self.socks)

    def fingerprint(self, public: capture.PublicIp | None, hash_machine_id=None) -> capture.Fingerprint:
        fp = capture.machine_fingerprint(self.machine_file, public_ip=public, hash_machine_id=hash_machine_id)
        if self.without_public_ip and (fp.public_ip or fp.public_ip_source):
            fp = replace(fp, public_ip=None, public_ip_source=None)
        return fp

    def read_ahead(self, public: capture.PublicIp | None) -> Callable[[Callable[[str], str]], capture.Fingerprint]:
        """This machine, read now -- before the store is unlocked, while its key is derived
        (psutil, netifaces and /sys take some 10-30 ms) -- and the function that completes it
        with the store's keyed hash of the machine id, the one part that needs the key. The raw
        id waits in memory for that hash, as it did while the machine was read before."""
        raw_ids: list[str] = []

        def keep(raw: str) -> str:
            raw_ids.append(raw)
            return ""  # no hash yet (an empty id identifies nothing): `keyed` puts it in

        fp = self.fingerprint(public, keep)

        def keyed(hash_machine_id: Callable[[str], str]) -> capture.Fingerprint:
            return replace(fp, machine_id=hash_machine_id(raw_ids.pop())) if raw_ids else fp

        return keyed


# ----- fingerprint ---------------------------------------------------------------------------


def _gib(n: int | None) -> str:
    return f"{n / 2**30:.1f} GiB" if n else _("unknown")


def _identifying_rows(fp: capture.Fingerprint) -> list[dict]:
    attrs, _warnings = gate.machine_attributes(fp, source="check", when=0)
    rows = [{"kind": a.kind, "value": a.value, "links": "yes" if a.keys else "no (identifies no one)"} for a in attrs]
    if fp.machine_id_present and not fp.machine_id:
        rows.append({"kind": "machine_id", "value": capture.MACHINE_ID_PRESENT, "links": "yes"})
    return rows


@click.command("fingerprint")
@machine_options
@format_option("table", "json")
def fingerprint_cmd(machine, fmt):
    """Show what a marketplace could see of this computer and its network.

    Needs no store and records nothing. Lists the network interfaces, the
    router, hostname, OS, CPU, memory, time zone, locale and (with
    --public-ip) the public IP, then the identifying values that `check`
    compares and `capture` records. MAC addresses, hostname and IPs are
    shown in full -- this is your own computer, on your own terminal; the
    OS machine id is never shown (it is stored only as a keyed hash).

    \b
    Examples:
      linkcheck fingerprint
      linkcheck fingerprint --public-ip auto
      linkcheck fingerprint --public-ip auto --proxy http://127.0.0.1:7890 --format json
    """
    fp = machine.fingerprint(machine.public())
    identifying = _identifying_rows(fp)
    if fmt == "json":
        data = capture.fingerprint_to_json(fp)
        data["machine_id"]["hash"] = None
        data["identifying"] = [
            {"kind": r["kind"], "value": r["value"], "links": r["links"] == "yes"} for r in identifying
        ]
        click.echo(render_json(data))
        return
    origin = _origin_text(fp.origin)
    click.echo(_("{origin}: {hostname}", origin=origin[:1].upper() + origin[1:], hostname=fp.hostname or _("no hostname")))
    gw = fp.gateway
    unknown = _("unknown")
    if fp.public_ip:
        public = _("{address} ({source})", address=fp.public_ip, source=translate(fp.public_ip_source or "?"))
    else:
        public = _("not checked (add --public-ip auto)") if fp.public_ip_source is None else unknown
    if gw:
        gateway = _("{address} via {interface}, router MAC {mac}", address=gw.address, interface=gw.interface or "?",
                    mac=gw.mac or _("not in the neighbour table"))
    else:
        gateway = _("none (offline?)")
    facts = [
        (_("OS"), f"{fp.os_name or '?'} {fp.os_version or ''}".strip()),
        (_("CPU"), _("{model} x {count}", model=fp.cpu_model or unknown, count=fp.cpu_count or "?")),
        (_("Memory"), _gib(fp.memory_bytes)),
        (_("Time zone"), fp.time_zone or unknown),
        (_("Locale"), fp.locale or unknown),
        (_("Machine id"), translate(capture.MACHINE_ID_PRESENT) if fp.machine_id_present else _("none found")),
        (_("Public IP"), public),
        (_("Gateway"), gateway),
    ]
    if fp.wifi_bssid:
        facts.append((_("Wi-Fi access point"), fp.wifi_bssid))
    if fp.virtual_machine:
        facts.append((_("Virtual machine"), translate(fp.virtual_machine)))
    from .localise import _width

    width = max(_width(k) for k, _value in facts)
    for key, value in facts:
        click.echo(f"  {key}{' ' * (width - _width(key))}  {value}")
    click.echo(_("\nInterfaces:"))
    rows = [
        {
            "name": i.name,
            "up": _("up") if i.up else _("down"),
            "kind": translate(i.kind),
            "mac": i.mac or "",
            "mac flags": [_mac_flag_text(f) for f in i.mac_flags],
            "addresses": [_("{address} ({scope})", address=a.address, scope=translate(a.scope)) for a in i.addresses],
        }
        for i in fp.interfaces
    ]
    click.echo(render_rows(rows, "table", ["name", "up", "kind", "mac", "mac flags", "addresses"]))
    click.echo(_("\nIdentifying values (what `check` compares and `capture` records):"))
    shown = [{**r, "value": translate(r["value"]) if r["kind"] == "machine_id" else r["value"],
              "links": _("yes") if r["links"] == "yes" else _("no (identifies no one)")} for r in identifying]
    click.echo(render_rows(shown, "table", ["kind", "value", "links"]))
    _echo_warnings(fp.warnings)


# An interface's kind, an address's scope and a MAC's flag as the fingerprint table shows them
# (the JSON keeps these English words).
_TABLE_WORDS = (
    N_("physical"), N_("wireless"), N_("virtual"), N_("vpn"), N_("loopback"),
    N_("public"), N_("private"), N_("cgnat"), N_("link-local"), N_("multicast"), N_("unspecified"),
    N_("locally-administered"), N_("unknown hypervisor"), N_("fixture"),
    N_("present (hashed when recorded)"),
)


def _mac_flag_text(flag: str) -> str:
    if flag.startswith("vm-vendor:"):
        return _("vm-vendor:{vendor}", vendor=flag.partition(":")[2])
    return translate(flag)


def _echo_warnings(warnings, *, err: bool = False) -> None:
    if warnings:
        click.echo(_("\nWarnings:"), err=err)
        for w in warnings:
            click.echo(f"  - {w}", err=err)


# ----- capture -------------------------------------------------------------------------------


def _pair_lines(result_pairs, name: str, statuses: dict) -> list[str]:
    lines = []
    for pair in result_pairs:
        other = gate._other(pair, name)
        status = statuses.get(other)
        shared = join_list(
            f"{gate.kind_label(f.kind)} {f.values.get(name, '')}" for f in pair.findings if not f.context
        )
        if status in gate.TAINT_STATUSES:
            lines.append(_("  {other} ({level}, {status}): {shared}", other=other, level=translate(pair.level.label),
                           status=translate(status), shared=shared))
        else:
            lines.append(_("  {other} ({level}): {shared}", other=other, level=translate(pair.level.label), shared=shared))
    return lines


@click.command("capture")
@store_options
@click.argument("name")
@machine_options
@rules_option
@format_option("table", "json")
def capture_cmd(name, machine, rules_file, fmt):
    """Record this computer's identifying values on account NAME.

    Stores its MACs, router MAC, hostname, machine id (as a keyed hash),
    interface addresses and (with --public-ip) public IP on NAME with source
    "capture", and logs it. Run it on the computer and network you use for
    NAME, so later checks know them. The values are recorded even when they
    are already on file for another account -- that is printed as a loud
    warning (use `check` to be stopped instead).

    \b
    Examples:
      linkcheck capture acme-us
      linkcheck capture acme-us --public-ip auto
      linkcheck capture acme-us --public-ip 203.0.113.7 --format json
    """
    rules = load_rules(rules_file)
    public = machine.public()
    with open_store(write=True) as st:
        fp = machine.fingerprint(public, st.machine_hash)
        result = gate.capture_onto(st, name, fp, rules)
    if fmt == "json":
        click.echo(
            render_json(
                {
                    "account": result.account,
                    "recorded": len(result.values),
                    "added": result.added,
                    "reopened": result.reopened,
                    "values": [{"kind": a.kind, "value": gate.mask(a)} for a in result.values],
                    "conflicts": engine.pairs_to_json(result.pairs),
                    "warnings": list(result.warnings),
                }
            )
        )
    else:
        click.echo(
            _("Recorded {n} value(s) from {origin} on {account} ({added} new).", n=len(result.values), origin=_origin_text(fp.origin), account=result.account, added=result.added)
            if fp.origin.startswith("machine file ") else
            _("Recorded {n} value(s) from this computer on {account} ({added} new).", n=len(result.values), account=result.account, added=result.added)
            if fp.origin == "this computer" else
            _("Recorded {n} value(s) from {origin} on {account} ({added} new).", n=len(result.values), origin=fp.origin, account=result.account, added=result.added)
        )
        if result.reopened:
            click.echo(_("{reopened} value(s) retired on {account} are in use again: a new period of use begins now (`account history` shows it).", reopened=result.reopened, account=result.account))
        _echo_warnings(result.warnings)
    if result.pairs:
        echo_err("")
        echo_err(_("WARNING: values of this machine are also on file for other accounts:"))
        for line in _pair_lines(result.pairs, result.account, result.statuses):
            echo_err(line)
        echo_err(_("Logging in to {account} from here links it to them. See `linkcheck check {account}`.", account=result.account))


# ----- check ---------------------------------------------------------------------------------


# Findings that only put two accounts in one network range (a /24 or /64): many accounts of an
# agency that buys its proxies from one provider share one, so the table counts them unless --all.
RANGE_FACETS = frozenset({"ip_network"})


def _range_only(result: gate.CheckResult, f) -> bool:
    return f.facet in RANGE_FACETS and f.level < result.fail_on


def _columns(result: gate.CheckResult) -> list[str]:
    return PROFILE_FINDING_COLUMNS if result.view is not None else FINDING_COLUMNS


def _finding_rows(result: gate.CheckResult, *, show_all: bool = True) -> list[dict]:
    rows = []
    here = _columns(result)[3]
    for pair in result.pairs:
        other = gate._other(pair, result.account)
        for f in pair.findings:
            if not show_all and _range_only(result, f):
                continue
            _first, last = f.seen.get(other, (0, 0))
            on_file = f.values.get(other, "")
            day = f.until_day(other)  # retired there: still on file, and the table says since when
            rows.append(
                {
                    "account": other,
                    "level": f.level.label,
                    "kind": f.kind,
                    here: f.values.get(result.account, ""),
                    "on file": _("{value} (until {day})", value=on_file, day=day) if day else on_file,
                    "match": f.match if f.score is None else f"{f.match} {f.score:g}",
                    "last seen there": iso(last) if last else "",
                    "explanation": f.explanation or "",
                }
            )
    return rows


def check_to_json(result: gate.CheckResult, *, recorded: dict | None = None) -> dict:
    """`check --format json`: masked values only."""
    return {
        "account": result.account,
        "verdict": result.verdict,
        "reason": result.reason,
        "caveats": list(result.caveats),
        "public_ip_checked": result.public_ip_checked,
        "level": result.level.label if result.level is not None else None,
        "fail_on": result.fail_on.label,
        "conflicts": list(result.conflicts),
        "pairs": engine.pairs_to_json(result.pairs),
        "new_values": [{"kind": a.kind, "value": gate.mask(a)} for a in result.new_values],
        "values_checked": len(result.values),
        "warnings": list(result.warnings),
        "recorded": recorded,
        # Through a browser profile (--browser): each value of this computer, seen or hidden, and why.
        **({"computer": gate.judgement_to_json(result)} if result.view is not None else {}),
    }


def _echo_check(result: gate.CheckResult, *, err: bool = False, show_all: bool = False) -> None:
    click.echo(gate.verdict_line(result), err=err)
    rows = _finding_rows(result, show_all=show_all)
    if rows:
        click.echo("", err=err)
        # An explanation recorded with `explain` is shown beside its value (a column only when there is one).
        columns = _columns(result) + (["explanation"] if any(r["explanation"] for r in rows) else [])
        click.echo(render_rows(rows, "table", columns), err=err)
    if not show_all:
        listed = {r["account"] for r in rows}
        in_range = sorted({gate._other(p, result.account) for p in result.pairs
                           if any(_range_only(result, f) for f in p.findings)} - listed)
        if in_range:
            click.echo("", err=err)
            click.echo(_("{n} account(s) in the same IP network (/24 or /64), below {fail_on}: not listed; --all lists "
                         "them (--format json always does).", n=len(in_range), fail_on=translate(result.fail_on.label)),
                       err=err)
    _echo_computer(result, err=err)
    if result.new_values:
        shown = join_list(f"{a.kind} {gate.mask(a)}" for a in result.new_values)
        click.echo(_("\nNew for {account} (never seen on this account): {shown}", account=result.account, shown=shown), err=err)
    _echo_warnings(result.warnings, err=err)
    _echo_explained(result, err=err)
    if result.verdict == gate.STOP:
        click.echo(_("\nDo not log in to {account} from this machine and network.", account=result.account), err=err)


def _echo_computer(result: gate.CheckResult, *, err: bool = False) -> None:
    """Through a browser profile: what of this computer websites see (and the setting that shows
    it), and where the values it hides are also on file (context, never a STOP)."""
    view = result.view
    if view is None:
        return
    seen = [j for j in result.judged if j.seen and j.role != "exit_ip" and j.attribute.keys]
    if seen:
        click.echo(_("\nWhat websites see of this computer through {ref}:", ref=view.ref), err=err)
        for j in seen:
            fix = gate.fix_text(j, view)
            line = _("  {kind} ({value}): {why}", kind=gate.kind_label(j.attribute.kind), value=gate.mask(j.attribute),
                     why=gate.why_text(j, view))
            click.echo(line + (_("; {fix}", fix=fix) if fix else ""), err=err)
    context = gate.context_line(result)
    if context:
        click.echo(_("\nContext (not a STOP): {context}.", context=context), err=err)
        explained = sorted({gate._other(p, result.account) for p in result.hidden_pairs
                            if any(f.explanation for f in p.findings)})
        if explained:
            click.echo(_("  Explained with `linkcheck explain`: {accounts}.", accounts=join_list(explained)), err=err)


def _echo_explained(result: gate.CheckResult, *, err: bool = False) -> None:
    """A STOP on shares recorded with `explain`: said, and why it stays a STOP."""
    if result.verdict != gate.STOP:
        return
    explained = sorted({gate._other(p, result.account) for p in result.pairs if p.level >= result.fail_on
                        and all(f.explanation for f in p.findings if not f.context)})
    if explained:
        click.echo(_("\nExplained with `linkcheck explain`: {accounts}. Still a STOP: an explanation is for the "
                     "people who read an appeal; the marketplace links what it sees, whatever the reason.",
                     accounts=join_list(explained)), err=err)


def gate_options(func):
    """The options `check` and `run` share."""
    func = fail_on_option()(func)
    func = rules_option(func)
    func = click.option(
        "--record", is_flag=True, help="When the check passes, keep this machine's values on NAME (source 'check')."
    )(func)
    func = click.option(
        "--browser", "browser", default=None, metavar="VENDOR:PROFILE_ID",
        help="Also check this anti-detect browser profile (read from the vendor's local API just now): its "
        "proxy, exit IP (looked up through its proxy), fingerprint and login. `run` then opens it on GO.",
    )(func)
    func = click.option("--browser-api", default=None, metavar="URL",
                        help="The vendor's local API for --browser (default: its usual port on 127.0.0.1).")(func)
    func = click.option("--api-key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        default=None, metavar="FILE", help="File holding the vendor's API key (for --browser).")(func)
    func = click.option(
        "--allow-unchecked-ip",
        is_flag=True,
        help="Go on when --public-ip auto could not find the public IP (otherwise that is a STOP).",
    )(func)
    func = click.option(
        "--all", "show_all", is_flag=True,
        help="List every finding in the table, also the accounts that only share an IP network (/24 or /64) below "
        "--fail-on (by default counted in one line; --format json always lists them).",
    )(func)
    func = click.option(
        "--strict-computer/--no-strict-computer", "strict_computer", default=None,
        help="With --browser: count every value of this computer (router and network-card MACs, hostname, machine "
        "id, its own public IP) as today, even those the profile hides from websites. Default: the `computer` "
        "setting (profile: hidden values are shown as context and never stop).",
    )(func)
    return func


@dataclass(frozen=True)
class _BrowserChoice:
    """--browser VENDOR:ID with its API: the profile as the vendor describes it now."""

    vendor: str
    profile_id: str
    api: str | None
    key_file: Path | None

    @classmethod
    def parse(cls, browser: str | None, api: str | None, key_file: Path | None) -> "_BrowserChoice | None":
        if browser is None:
            if api is not None or key_file is not None:
                raise UsageError(_("--browser-api and --api-key-file go with --browser VENDOR:PROFILE_ID"))
            return None
        # as `attr add` reads a profile: a full-width colon, the vendor's Chinese name (紫鸟：27810002)
        from ..normalize.browser import split_profile

        vendor, sep, ident = split_profile(browser)
        if not sep or not ident:
            raise UsageError(_("--browser is VENDOR:PROFILE_ID, e.g. adspower:jh3k9x"))
        from ..importers.vendors import reader

        reader(vendor)  # an unknown vendor is a usage error before anything else
        return cls(vendor, ident, api, key_file)

    def read(self):
        from .browser_cmds import read_live_profiles

        for p in read_live_profiles(self.vendor, self.api, self.key_file):
            if p.id == self.profile_id:
                return p
        raise UsageError(_("{vendor} has no profile {profile_id!r} (`linkcheck browser list` shows those on file)", vendor=self.vendor, profile_id=self.profile_id[:60]))


def _strict_computer(option: bool | None) -> bool:
    """--strict-computer/--no-strict-computer, else the `computer` setting (default: profile)."""
    if option is not None:
        return option
    from .. import settings

    return settings.resolve("computer").value == "strict"


def _own_public_ip(machine, profile, allow_unchecked_ip: bool) -> str | None:
    """This computer's own public IP, besides the exit of the profile's proxy: a recorded
    machine's; or, when the profile's WebRTC shows the real IP (so websites see it), looked up
    directly -- a lookup that fails stops the check like any public IP that could not be found."""
    if machine.machine_file is not None:
        return capture.machine_fingerprint(machine.machine_file).public_ip
    if not profile.webrtc_real and "webrtc" not in profile.unknown:
        return None
    found = capture.lookup_public_ip(proxy=None)
    if found.address is None:
        if profile.webrtc_real:
            why = _("{ref} sets WebRTC to real, so this computer's own public IP was looked up too, and that failed: {why}",
                    ref=profile.ref, why=found.warning or "no answer")
        else:
            why = _("the vendor does not say how {ref} sets WebRTC, so this computer's own public IP was looked up "
                    "too, and that failed: {why}", ref=profile.ref, why=found.warning or "no answer")
        found = capture.PublicIp(None, None, why)
    gate_job.require_public_ip(found, allow_unchecked_ip)
    return found.address


def _run_check(
    name, machine, rules_file, fail_on, *, write: bool, record_values: bool, action: str | None,
    allow_unchecked_ip: bool = False, browser: "_BrowserChoice | None" = None, opener=open_store,
    strict_computer: bool | None = None,
):
    """Unlock the store, check, optionally log and record; everything in one transaction.

    With a browser profile: it is read from the vendor first (fail closed: an unreachable app is
    an error, never a GO), its proxy is the one the public IP is looked up through, and its
    values are compared with every other account beside this machine's."""
    rules = load_rules(rules_file)
    extra = None
    view = None
    if browser is not None:
        from ..usecases import browser as browser_job

        profile = browser.read()
        through_proxy = False
        own_ip = None
        if profile.proxy and machine.public_ip is not None and machine.public_ip.strip().lower() == "auto":
            scheme = profile.proxy.split("://", 1)[0].lower()
            if scheme in ("http", "https", "socks5", "socks5h"):
                try:
                    if scheme.startswith("socks"):
                        from ..capture.socks import SocksProxy

                        SocksProxy.parse(profile.proxy)
                    else:
                        capture.check_proxy(profile.proxy)
                except (UsageError, ValueError):  # its message would quote the URL, and the URL holds the password
                    raise UsageError(_("the proxy of {vendor}:{profile_id} is not a valid URL", vendor=browser.vendor, profile_id=browser.profile_id)) from None
                own_ip = _own_public_ip(machine, profile, allow_unchecked_ip)
                machine = replace(machine, proxy=profile.proxy, socks=True)
                through_proxy = True
            elif not allow_unchecked_ip:
                from ..importers.vendors import vendor_name

                raise gate_job.PublicIpUnchecked(_(
                    "STOP: the public IP could not be checked: {ref}'s {scheme} proxy cannot be used to look it up "
                    "(linkcheck asks through http, https and socks5 proxies); give the exit IP {vendor} shows for the "
                    "profile with --public-ip ADDRESS, or add --no-public-ip to rely on the proxy (the verdict line "
                    "then says the public IP was not checked)", ref=profile.ref, scheme=scheme[:16],
                    vendor=vendor_name(browser.vendor)))
            else:
                machine = replace(machine, public_ip=capture.PublicIp(None, None, _(
                    "{ref}'s {scheme} proxy cannot be used to look the public IP up", ref=profile.ref,
                    scheme=scheme[:16])))

        def profile_values(st, profile=profile):
            return browser_job.gate_attributes(profile, st.machine_hash)

        extra = profile_values
        view = gate.ProfileView(
            ref=profile.ref, passthrough=frozenset(profile.passthrough), webrtc_real=profile.webrtc_real,
            unknown=frozenset(profile.unknown),
            proxied=bool(profile.proxy), exit_through_proxy=through_proxy, own_public_ip=own_ip,
            strict=_strict_computer(strict_computer),
        )

    return gate_job.check_gate(
        opener, name, rules, fail_on, public=machine.public(), fingerprint=machine.read_ahead, write=write,
        record_values=record_values, action=action, allow_unchecked_ip=allow_unchecked_ip, extra=extra, view=view,
    )


@click.command("check")
@store_options
@click.argument("name")
@gate_machine_options
@gate_options
@format_option("table", "json")
@click.pass_context
def check_cmd(ctx, name, machine, rules_file, fail_on, record, allow_unchecked_ip, browser, browser_api,
              api_key_file, show_all, strict_computer, fmt):
    """Before logging in to NAME: is this machine or network on file for another account?

    Compares this computer's identifying values (see `linkcheck fingerprint`)
    with every other account on file. The first line is the verdict: GO, or
    STOP naming the account that already has one of these values. Exit 1 on
    STOP (anything at or above --fail-on). Values never seen on NAME are
    listed as new without failing. --record logs the check and, when it
    passes, keeps the values on NAME.

    \b
    Examples:
      linkcheck check acme-us
      linkcheck check acme-us --public-ip auto --record
      linkcheck check acme-us --public-ip 203.0.113.7 --fail-on critical --format json
    """
    end_when_answered()  # its answer is all it leaves: the process ends once it is written
    chosen = _BrowserChoice.parse(browser, browser_api, api_key_file)
    if chosen is None and strict_computer is not None:
        raise UsageError(_("--strict-computer and --no-strict-computer go with --browser VENDOR:PROFILE_ID"))
    result, recorded = _run_check(
        name, machine, rules_file, fail_on, write=record, record_values=record, action="check" if record else None,
        allow_unchecked_ip=allow_unchecked_ip, browser=chosen, opener=functools.partial(open_store, gate=True),
        strict_computer=strict_computer,
    )
    if fmt == "json":
        click.echo(render_json(check_to_json(result, recorded=recorded)))
    else:
        _echo_check(result, show_all=show_all)
        if recorded:
            if result.verdict == gate.GO:
                click.echo(_("\nRecorded: logged, {recorded} new value(s) kept on {account}.", recorded=recorded['values_added'], account=result.account))
                if result.view is not None and not result.view.strict and any(not j.seen for j in result.judged):
                    click.echo(_("This computer's values that {ref} hides from websites were logged, not kept on {account}.", ref=result.view.ref, account=result.account))
                if recorded["values_reopened"]:
                    click.echo(_("{recorded} value(s) retired on {account} are in use again: a new period of use begins now (`account history` shows it).", recorded=recorded['values_reopened'], account=result.account))
            else:
                click.echo(_("\nRecorded in the log; no values kept (the check did not pass)."))
    ctx.exit(result.exit_code)


# ----- run -----------------------------------------------------------------------------------


def _resolve_command(command: tuple[str, ...]) -> list[str]:
    program = command[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        # A path is looked at here too, so a missing one is refused before the check is
        # recorded as a run (the log would otherwise show a login that never started).
        if not os.path.exists(program):
            raise _CommandNotFound(program)
        return list(command)
    found = shutil.which(program)
    if found is None:
        raise _CommandNotFound(program)
    return [found, *command[1:]]


def _child_environment() -> dict[str, str]:
    """This environment without linkcheck's secrets: the browser never sees the passphrase, nor
    a vendor's API key or login (`--browser`'s $LINKCHECK_*_API_KEY, $LINKCHECK_GOLOGIN_TOKEN,
    $LINKCHECK_ZINIAO_LOGIN).

    The passphrase was taken out of this process's environment when it was read (see
    options.take_from_environment); a new passphrase `run` never uses and the vendors' secrets
    (read by then) are taken out here, so the started command cannot read them from
    /proc/<linkcheck's pid>/environ either.
    """
    from ..importers.vendors import KEY_ENVS

    secret = {PASSPHRASE_ENV, NEW_PASSPHRASE_ENV, *KEY_ENVS}
    for name in secret:
        take_from_environment(name)
    return {k: v for k, v in os.environ.items() if k not in secret}


class _CommandNotFound(Exception):
    def __init__(self, program: str):
        super().__init__(program)
        self.program = program


@click.command("run")
@store_options
@click.argument("name")
@gate_machine_options
@gate_options
@click.argument("command", nargs=-1, type=click.UNPROCESSED, metavar="-- COMMAND [ARGS]...")
@click.pass_context
def run_cmd(ctx, name, machine, rules_file, fail_on, record, allow_unchecked_ip, browser, browser_api, api_key_file,
            show_all, strict_computer, command):
    """Check, then start COMMAND (e.g. the browser) only if the check passes.

    On GO, runs COMMAND with its arguments and exits with its exit code. On
    STOP, COMMAND is never started and the exit code is 1. If the check
    cannot run at all -- no store, wrong or missing passphrase, damaged
    store, any error -- COMMAND is not started either (fail closed). Every
    run is logged; --record also keeps the values on NAME on GO. The verdict
    goes to stderr, so COMMAND's own output stays clean. Put `--` before
    COMMAND when it has options of its own.

    \b
    Examples:
      linkcheck run acme-us -- firefox -P acme-us
      linkcheck run acme-us --public-ip auto -- google-chrome --profile-directory="Profile 2"
      linkcheck run acme-us --record -- open -a "Google Chrome"
    """
    chosen = _BrowserChoice.parse(browser, browser_api, api_key_file)
    if chosen is not None:
        if command:
            raise UsageError(_("give --browser VENDOR:ID or -- COMMAND, not both"))
        _run_browser(ctx, name, machine, rules_file, fail_on, record, allow_unchecked_ip, chosen, strict_computer,
                     show_all)
        return
    if strict_computer is not None:
        raise UsageError(_("--strict-computer and --no-strict-computer go with --browser VENDOR:PROFILE_ID"))
    if not command:
        raise UsageError(_("no COMMAND to run: linkcheck run NAME [options] -- COMMAND [ARGS]..."))
    try:
        argv = _resolve_command(command)
    except _CommandNotFound as exc:
        echo_err(_("linkcheck: error: command not found: {program}; nothing was started", program=exc.program))
        ctx.exit(EXIT_COMMAND_NOT_FOUND)
    result, _recorded = _run_check(
        name, machine, rules_file, fail_on, write=True, record_values=record, action="run",
        allow_unchecked_ip=allow_unchecked_ip,
    )
    if result.verdict != gate.GO:
        _echo_check(result, err=True, show_all=show_all)
        echo_err(_("Not starting {command}.", command=command[0]))
        ctx.exit(1)
    # On GO only the verdict: COMMAND's own output follows on the same terminal.
    echo_err(gate.verdict_line(result))
    if result.warnings:
        echo_err(_("  ({n} warning(s): `linkcheck check {account}` shows them)", n=len(result.warnings), account=result.account))
    try:
        completed = subprocess.run(argv, check=False, env=_child_environment())
    except FileNotFoundError:
        echo_err(_("linkcheck: error: command not found: {command}", command=command[0]))
        ctx.exit(EXIT_COMMAND_NOT_FOUND)
    except PermissionError:
        echo_err(_("linkcheck: error: cannot execute {command} (permission denied)", command=command[0]))
        ctx.exit(EXIT_COMMAND_NOT_RUNNABLE)
    except OSError as exc:
        echo_err(_("linkcheck: error: cannot start {command} ({value})", command=command[0], value=exc.strerror or type(exc).__name__))
        ctx.exit(EXIT_COMMAND_NOT_RUNNABLE)
    code = completed.returncode
    ctx.exit(128 - code if code < 0 else code)  # killed by a signal: the shell's 128+N


def _run_browser(ctx, name, machine, rules_file, fail_on, record, allow_unchecked_ip, chosen: _BrowserChoice,
                 strict_computer: bool | None = None, show_all: bool = False):
    """Check NAME with the profile, and open the profile through the vendor's local API only on GO."""
    import getpass
    import socket

    from ..importers.vendors import reader
    from ..models import Event, now

    mod = reader(chosen.vendor)
    if not hasattr(mod, "open_profile"):
        raise UsageError(_("linkcheck cannot open {vendor} profiles; check it with `linkcheck check {name} --browser {vendor}:ID`, then open it yourself", vendor=chosen.vendor, name=name))
    store_key_now = store_key()  # the store is opened twice (check, then the log of the open): ask once

    def opener(*, write=False):
        return open_store(write=write, key=store_key_now)

    result, _recorded = _run_check(
        name, machine, rules_file, fail_on, write=True, record_values=record, action="run",
        allow_unchecked_ip=allow_unchecked_ip, browser=chosen, opener=opener, strict_computer=strict_computer,
    )
    if result.verdict != gate.GO:
        _echo_check(result, err=True, show_all=show_all)
        echo_err(_("Not opening {vendor}:{profile_id}.", vendor=chosen.vendor, profile_id=chosen.profile_id))
        ctx.exit(1)
    echo_err(gate.verdict_line(result))
    context = gate.context_line(result)
    if context:  # this computer's values the profile hides, on file elsewhere: said, never a STOP
        echo_err(_("  Context, not a STOP: {context}.", context=context))
    if result.warnings:
        echo_err(_("  ({n} warning(s): `linkcheck check {account} --browser {vendor}:{profile_id}` shows them)", n=len(result.warnings), account=result.account, vendor=chosen.vendor, profile_id=chosen.profile_id))
    from ..importers.vendors.common import read_key

    key = read_key(chosen.vendor, chosen.key_file, mod.KEY_ENV, required=mod.KEY_REQUIRED)
    mod.open_profile(chosen.api or mod.DEFAULT_API, key, chosen.profile_id, 10.0)
    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown"
    with opener(write=True) as st:
        st.add_event(Event(when=now(), account=result.account, action="browser-open", verdict=gate.GO,
                           detail={"profile": f"{chosen.vendor}:{chosen.profile_id}", "user": who,
                                   "hostname": socket.gethostname()}))
    click.echo(_("Opened {vendor}:{profile_id} for {account}.", vendor=chosen.vendor, profile_id=chosen.profile_id, account=result.account))


# ----- log -----------------------------------------------------------------------------------


def _origin_text(origin: str) -> str:
    """Where a machine's values were read, as capture/ names it ("this computer", "machine file
    NAME"), in the interface's language."""
    prefix = "machine file "
    if origin.startswith(prefix):
        return _("machine file {name}", name=origin[len(prefix):])
    return _("this computer") if origin == "this computer" else origin


# The log's actions and verdicts as a person reads them in the table (JSON and CSV keep the words).
_LOG_WORDS = {"capture": N_("capture"), "check": N_("check"), "run": N_("run"), "RECORDED": N_("RECORDED"),
              "browser-import": N_("browser-import"), "browser-open": N_("browser-open"),
              **CHANGE_WORDS}


def _log_row(event) -> dict:
    d = event.detail or {}
    return {
        "when": iso(event.when),
        "account": event.account,
        "action": event.action,
        "verdict": event.verdict,
        "level": d.get("level"),
        "conflicts": list(d.get("conflicts") or []),
        "public_ip": d.get("public_ip"),
        "networks": list(d.get("networks") or []),
        "devices": list(d.get("devices") or []),
        "routers": list(d.get("routers") or []),
        "hostname": d.get("hostname"),
        "new_values": d.get("new_values", 0),
        "warnings": list(d.get("warnings") or []),
        # A team store records the member who made each entry (a file store has one user).
        **({"member": d["member"]} if "member" in d else {}),
        # A destructive edit or a recovery: what it removed or lost (cli/account_cmds.py).
        **({"what": change_what(event)} if event.action in CHANGE_WORDS else {}),
        # A check through a browser profile: the profile, and what of this computer websites saw.
        **({"profile": d["profile"], "computer": {k: d.get(k) for k in ("strict", "seen", "hidden", "hidden_shared_with")}}
           if event.action in ("check", "run") and "profile" in d else {}),
    }


def _since_day(_ctx, _param, value: str | None) -> datetime | None:
    """--since YYYY-MM-DD as midnight UTC; a day not in the calendar or another form said plainly."""
    if value is None:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d")
    except ValueError:
        from ..models import missing_day

        raise click.BadParameter(missing_day(value) or _("{shown!r} must be a date written YYYY-MM-DD",
                                                         shown=value[:40])) from None


@click.command("log")
@store_options
@click.argument("name", required=False)
@click.option(
    "--since", default=None, metavar="YYYY-MM-DD", callback=_since_day,
    help="Only entries from this day on (UTC).",
)
@format_option()
def log_cmd(name, since, fmt):
    """The history of checks, runs and captures, oldest first.

    When, which account, the verdict, and which network, devices and router
    (masked). The log is sealed in the store like everything else.

    \b
    Examples:
      linkcheck log
      linkcheck log acme-us --since 2026-01-01
      linkcheck log --format csv > checks.csv
    """
    since_ts = int(since.replace(tzinfo=timezone.utc).timestamp()) if since is not None else None
    with open_store() as st:
        # Account-health figures share the sealed log; `linkcheck health` shows them.
        events = [e for e in st.events(account=name, since=since_ts) if e.action not in ("health", "status")]
        if name is not None and not events and not st.has_account(name):
            raise UsageError(_("no account named {name!r} and no log entries for it", name=name))
    rows = [_log_row(e) for e in events]
    team = any("member" in row for row in rows)
    what = ["what"] if any("what" in row for row in rows) else []
    if fmt == "table":
        if not rows:
            if name is not None or since is not None:
                click.echo(_("No log entries match. `linkcheck log` without filters shows them all."))
            else:
                click.echo(_("No checks or captures logged yet. `linkcheck check NAME --record` logs one."))
            return
        for row in rows:
            row["action"] = translate(_LOG_WORDS.get(row["action"], row["action"]))
            row["verdict"] = translate(_LOG_WORDS.get(row["verdict"], row["verdict"]))
        click.echo(render_rows(rows, "table", (["member", *LOG_TABLE_COLUMNS] if team else LOG_TABLE_COLUMNS) + what))
        return
    click.echo(render_rows(rows, fmt, (["member", *LOG_COLUMNS] if team else LOG_COLUMNS) + what))


def register(group: click.Group) -> None:
    for command in (fingerprint_cmd, capture_cmd, check_cmd, run_cmd, log_cmd):
        group.add_command(command)

