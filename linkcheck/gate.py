"""The pre-login gate: compare this machine with the other accounts, decide GO or STOP, log it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from . import accounts as book
from . import registry
from .lazy import LazyImport
from .capture import Fingerprint
from .errors import InvalidInput
from .i18n import N_, _, join_clauses, join_list, language, translate
from .models import Attribute, Event, Level, Profile, iso, now
from .linkage.rules import Rules

GO, STOP = "GO", "STOP"
RECORDED = "RECORDED"
# The linkage engine (and its graph, results, sieve, scoring: 10-15 ms of imports) is loaded at
# the first comparison: a check whose machine shares nothing with another account never compares.
if TYPE_CHECKING:
    from .linkage import engine
else:
    engine = LazyImport(globals(), "engine", "linkcheck.linkage.engine")
TAINT_STATUSES = ("suspended", "closed")  # linkage.graph's (a test holds them equal)


@dataclass(frozen=True)
class CheckResult:
    """The verdict of a pre-login check and everything behind it (values masked when shown)."""

    account: str
    verdict: str  # GO | STOP
    reason: str  # one line, no raw values
    fail_on: Level
    level: Level | None  # the strongest pair found, None when nothing is shared
    pairs: tuple[engine.PairRisk, ...]  # this machine against *other* accounts, strongest first
    conflicts: tuple[str, ...]  # accounts at or above fail_on (why it is STOP)
    statuses: dict  # other account name -> status, for the accounts in `pairs`
    values: tuple[Attribute, ...]  # this machine's identifying values, as attributes
    new_values: tuple[Attribute, ...]  # values never seen on this account
    warnings: tuple[str, ...]
    # Warnings that change what a GO means, said on the verdict line itself ("public IP not checked").
    caveats: tuple[str, ...] = ()
    public_ip_checked: bool = True
    # With a browser profile (check --browser): what the profile lets websites see of this
    # computer, one judgement per identifier, and what the hidden ones share with other accounts.
    view: "ProfileView | None" = None
    judged: tuple["Judgement", ...] = ()
    hidden_pairs: tuple[engine.PairRisk, ...] = ()
    hidden_statuses: dict | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.verdict == STOP else 0


NOT_CHECKED = "public IP not checked"


def verdict_line(result: CheckResult) -> str:
    """The first line: `GO: …`, `GO (public IP not checked): …`, `STOP: …` (a STOP needs no caveat)."""
    verdict = _("GO") if result.verdict == GO else _("STOP")
    if result.caveats:
        return _("{verdict} ({caveats}): {reason}", verdict=verdict, caveats=join_clauses(result.caveats), reason=result.reason)
    return _("{verdict}: {reason}", verdict=verdict, reason=result.reason)


def _caveats(profile: Profile, fp: Fingerprint) -> tuple[str, ...]:
    caveats = []
    if not fp.public_ip:
        caveats.append(_("public IP not checked"))
    if profile.account.status in TAINT_STATUSES:
        caveats.append(_("{name} is {status}", name=profile.name, status=translate(profile.account.status)))
    return tuple(caveats)


@dataclass(frozen=True)
class CaptureResult:
    """What `capture` recorded on an account, and whose values it also matched."""

    account: str
    values: tuple[Attribute, ...]
    added: int
    pairs: tuple[engine.PairRisk, ...]
    statuses: dict
    warnings: tuple[str, ...]
    reopened: int = 0  # values retired on the account, in use again: a new period begins now


def kind_label(kind: str) -> str:
    """The kind's human name from the registry ("MAC address"), or the kind itself."""
    try:
        from .registry import kinds

        label = kinds.KINDS[kind].label_zh if language() == "zh" else kinds.KINDS[kind].label
    except (ImportError, KeyError, AttributeError):
        return kind.replace("_", " ")
    first = label.split(" ", 1)[0]
    # "Router (gateway) MAC" reads as "router (gateway) MAC" mid-sentence; "MAC", "Wi-Fi" stay.
    if first.isalpha() and first[1:].islower():
        return label[0].lower() + label[1:]
    return label


FACET_LABELS = registry.facet_labels()


def facet_label(facet: str) -> str:
    """A match facet's human name: the kind's label, or the network/domain facet's own."""
    if language() == "zh":
        return registry.facet_labels(zh=True).get(facet) or kind_label(facet)
    return FACET_LABELS.get(facet) or kind_label(facet)


def mask(attr: Attribute) -> str:
    from .registry import kinds

    return kinds.mask(attr.kind, attr.normalized, attr.value)


def machine_attributes(fp: Fingerprint, *, source: str, when: int) -> tuple[tuple[Attribute, ...], list[str]]:
    """This machine's identifying values as attributes; values a kind rejects become warnings."""
    attrs, warnings = [], []
    for kind, value in fp.identifying_values():
        try:
            attrs.append(book.make_attribute(kind, value, source=source, when=when))
        except InvalidInput as exc:
            reason = getattr(exc, "reason", exc.message)
            warnings.append(_("this machine's {kind} was not checked: {reason}", kind=kind_label(kind), reason=reason))
    seen, unique = set(), []
    for a in attrs:  # two spellings of one value are one value
        if (a.kind, a.normalized) not in seen:
            seen.add((a.kind, a.normalized))
            unique.append(a)
    return tuple(unique), warnings


def _keys(attrs) -> list[str]:
    return sorted({k for a in attrs for k in a.keys})


def _compare(store, profile: Profile, attrs: tuple[Attribute, ...], rules: Rules) -> tuple[list, dict]:
    """This machine's values against every other account holding any of their match keys."""
    machine = replace(profile, attributes=attrs)
    candidates = store.candidates(_keys(attrs), exclude=profile.name)
    if not candidates:
        return [], {}
    statuses = {c.name: c.account.status for c in candidates}
    explanations = [e for e in store.explanations() if profile.name in e.accounts]
    # The gate ignores [history] past: a value still on file for another account, in use there
    # or not, is what the marketplace links, so it stops a login at its own level.
    if rules.past is not None:
        rules = replace(rules, past=None)
    pairs = engine.compare(machine, candidates, rules, explanations=explanations)
    return pairs, statuses


def _other(pair: engine.PairRisk, name: str) -> str:
    a, b = pair.accounts
    return b if a == name else a


def _proxy_hosts(profile: Profile) -> set[str]:
    """The IP addresses this account's proxies are written with (`http://user@203.0.113.40:8000`):
    a public IP seen now that is one of them is the account's own exit, not a new network."""
    import ipaddress
    from urllib.parse import urlsplit

    hosts = set()
    for a in profile.values("proxy"):
        try:
            host = urlsplit(a.normalized if "://" in a.normalized else "//" + a.normalized).hostname
            if host:
                hosts.add(str(ipaddress.ip_address(host)))
        except ValueError:  # a host name, or no address: nothing to compare
            continue
    return hosts


def _public_ip_warning(profile: Profile, fp: Fingerprint, attrs: tuple[Attribute, ...],
                       proxy_hosts: set[str]) -> str | None:
    """The public IP seen now is not one recorded for this account (a new or borrowed network),
    nor the address of one of its proxies (`proxy_hosts`: _proxy_hosts)."""
    if not fp.public_ip:
        return None
    mine = [a for a in attrs if a.kind == "ip" and a.keys and a.value == fp.public_ip]
    if not mine:
        return None
    current = mine[0]
    if current.normalized in proxy_hosts:
        return None
    on_file = [a for a in profile.values("ip") if a.keys and any(k.startswith("ip:") for k in a.keys)]
    if not on_file or any(a.normalized == current.normalized for a in on_file):
        return None
    network_keys = {k for k in current.keys if not k.startswith("ip:")}
    same_network = any(network_keys.intersection(a.keys) for a in on_file)
    shown = ", ".join(mask(a) for a in on_file[:3]) + (" …" if len(on_file) > 3 else "")
    if same_network:
        return _("public IP {ip} is not one on file for {name}, though in the same network as those on file "
                 "({shown}): another address of the usual network", ip=mask(current), name=profile.name, shown=shown)
    return _("public IP {ip} is not among the public IPs on file for {name} ({shown}): a different network than usual",
             ip=mask(current), name=profile.name, shown=shown)


def _gate_warnings(profile: Profile, fp: Fingerprint, attrs: tuple[Attribute, ...], proxy_hosts: set[str]) -> list[str]:
    warnings = list(fp.warnings)
    differs = _public_ip_warning(profile, fp, attrs, proxy_hosts)
    if differs:
        warnings.append(differs)
    if not fp.public_ip and fp.public_ip_source is None:
        warnings.append(
            _("the public IP was not checked: add --public-ip auto (or --public-ip ADDRESS) to compare it too")
        )
    if profile.account.status in TAINT_STATUSES:
        status = profile.account.status
        warnings.append(
            _("{name} is {status}: logging in to it from this machine ties the machine to a {status} account",
              name=profile.name, status=translate(status))
        )
    return warnings


# Kinds a browser profile brings to the gate (check --browser): "this browser profile's proxy".
PROFILE_KINDS = frozenset({"browser_profile", "proxy", "proxy_account", "platform_login", "totp_secret", "cookie",
                           "device_name", "browser_fingerprint"})


def _whose_value(kind: str, label: str = "", *, profile: bool = False) -> str:
    """ "this machine's" before LABEL ("this browser profile's" for a kind a profile brings, or
    with `profile`: a value the profile itself reports, such as its exit IP); in Chinese 本机的,
    with a space before a Latin word (本机的 MAC 地址)."""
    whose = _("this browser profile's") if profile or kind in PROFILE_KINDS else _("this machine's")
    return whose + " " if language() == "zh" and label[:1].isascii() and label[:1].isalpha() else whose


def _profile_finding(pair: engine.PairRisk, name: str, fail_on: Level, view: "ProfileView | None"):
    """The finding that says the profile checked is on file for the other account, or None."""
    if view is None:
        return None
    for f in pair.findings:
        if f.kind == "browser_profile" and f.level >= fail_on and f.raw.get(name) == view.ref:
            return f
    return None


def _stop_reason(name: str, pair: engine.PairRisk, statuses: dict, fail_on: Level, others: int,
                 view: "ProfileView | None" = None, profile_keys: frozenset = frozenset()) -> str:
    other = _other(pair, name)
    status = statuses.get(other)
    whose = _("{other} ({status})", other=other, status=translate(status)) if status in TAINT_STATUSES else other
    strongest = pair.findings[0]
    owned = _profile_finding(pair, name, fail_on, view)
    if owned is not None and view is not None:
        # The profile itself is on file for another account: that, not what it shares, is the reason.
        ended = owned.ended(other)
        if ended is None:
            reason = _("this profile ({ref}) belongs to {whose} ({level}): open {name}'s own profile",
                       ref=view.ref, whose=whose, level=translate(owned.level.label), name=name)
        else:
            reason = _("this profile ({ref}) belonged to {whose} until {since}, and is still on file there ({level}): "
                       "open {name}'s own profile", ref=view.ref, whose=whose, since=iso(ended)[:10],
                       level=translate(owned.level.label), name=name)
    elif (strongest.level >= fail_on and view is not None and strongest.kind == "ip"
          and (strongest.kind, strongest.raw.get(name)) in profile_keys):
        # The profile's exit IP (looked up through its proxy, or as the vendor reports it): not this machine's.
        value = strongest.values.get(name, "")
        ended = strongest.ended(other)
        level = translate(strongest.level.label)
        if ended is None:
            reason = (_("{ref}'s proxy exit IP ({value}) is on file for {whose} ({level})", ref=view.ref, value=value,
                        whose=whose, level=level) if view.proxied else
                      _("{ref}'s exit IP ({value}) is on file for {whose} ({level})", ref=view.ref, value=value,
                        whose=whose, level=level))
        else:
            since = iso(ended)[:10]
            reason = (_("{ref}'s proxy exit IP ({value}) is on file for {whose} as a past value, no longer used there "
                        "since {since} ({level})", ref=view.ref, value=value, whose=whose, since=since, level=level)
                      if view.proxied else
                      _("{ref}'s exit IP ({value}) is on file for {whose} as a past value, no longer used there since "
                        "{since} ({level})", ref=view.ref, value=value, whose=whose, since=since, level=level))
    elif strongest.level >= fail_on:
        label = facet_label(strongest.facet) if strongest.facet in FACET_LABELS else kind_label(strongest.kind)
        ended = strongest.ended(other)
        whose_value = _whose_value(strongest.kind, label,
                                   profile=(strongest.kind, strongest.raw.get(name)) in profile_keys)
        if ended is None:
            reason = _("{whose_value} {label} ({value}) is on file for {whose} ({level})",
                       whose_value=whose_value, label=label, value=strongest.values.get(name, ""),
                       whose=whose, level=translate(strongest.level.label))
        else:
            # Retired there, still on file: the marketplace remembers a value that stopped being used.
            reason = _("{whose_value} {label} ({value}) is on file for {whose} as a past value, no longer used "
                       "there since {since} ({level})",
                       whose_value=whose_value, label=label, value=strongest.values.get(name, ""),
                       whose=whose, since=iso(ended)[:10], level=translate(strongest.level.label))
    else:
        together = join_list(facet_label(f) for f in pair.kinds)
        if language() == "zh" and together[:1].isascii() and together[:1].isalpha():
            together = " " + together  # 本机的 MAC 地址、IP 地址
        reason = _("this machine's {together} together link it to {whose} ({level})",
                   together=together, whose=whose, level=translate(pair.level.label))
    if others:
        reason += (_("; {n} more accounts at or above {level}", n=others, level=translate(fail_on.label)) if others != 1
                   else _("; {n} more account at or above {level}", n=others, level=translate(fail_on.label)))
    return reason


# ---------------------------------------------------------------------------------------------
# The computer behind a browser profile (check --browser): what a website can see of it

# The profile's passthrough flags (importers.vendors.common.BrowserProfile) that show this
# computer's real graphics and audio hardware: identical hashes for every such profile opened here.
HARDWARE_PASSTHROUGH = ("canvas", "webgl", "audio", "webgl_real")


@dataclass(frozen=True)
class ProfileView:
    """What a browser profile lets a website see of the computer it is opened on.

    `ref` vendor:id; `passthrough` the profile's flags (canvas/webgl/audio noise off, webgl_real,
    mac_real, device_name_real); `webrtc_real` WebRTC showing the computer's real IPs; `proxied`
    the profile has a proxy; `exit_through_proxy` the public IP was looked up through that proxy
    (so it is the profile's exit IP, not this computer's); `own_public_ip` this computer's own
    public IP when known besides (a recorded machine's, or looked up directly because WebRTC
    would show it); `strict` every value of this computer counts for the verdict, hidden or not
    (the `computer` setting `strict`, or --strict-computer)."""

    ref: str
    passthrough: frozenset[str] = frozenset()
    webrtc_real: bool = False
    unknown: frozenset[str] = frozenset()  # settings the vendor left unsaid: taken as showing the computer
    proxied: bool = False  # "proxy" in `unknown`: the vendor does not say (Ziniao binds an IP of its own)
    exit_through_proxy: bool = False
    own_public_ip: str | None = None
    strict: bool = False

    @property
    def vendor(self) -> str:
        return self.ref.split(":", 1)[0]


@dataclass(frozen=True)
class Judgement:
    """One identifier of this computer (or the profile's exit IP) and whether websites see it.

    `role`: mac, gateway_mac, wifi_bssid, hostname, machine_id, lan_ip, public_ip (this
    computer's own), exit_ip (the profile's, through its proxy). `why`: the code of the reason
    (WHY_SEEN, WHY_HIDDEN)."""

    attribute: Attribute
    role: str
    seen: bool
    why: str


# Why a value of this computer is seen through the profile, and what to change in the vendor app.
WHY_SEEN = {
    "exit_ip": N_("the exit IP of the profile's proxy, looked up through it: what websites see"),
    "no_proxy": N_("{ref} has no proxy, so websites see this computer's own public IP"),
    "exit_unchecked": N_("the public IP was not looked up through {ref}'s proxy, so whether the proxy hides this "
                         "computer's public IP is not known"),
    "same_exit": N_("the lookup through {ref}'s proxy answered with this computer's own public IP: the proxy does "
                    "not hide it"),
    "webrtc_real": N_("{ref} sets WebRTC to real, so websites see this computer's IP addresses"),
    "mac_real": N_("{ref} takes its MAC address from this computer"),
    "device_name_real": N_("{ref} shows this computer's own device name"),
    "hardware": N_("{ref} shows this computer's real graphics and audio hardware ({items}), which identifies the "
                   "computer as its machine id does"),
    "profile": N_("{ref} has this value among its own, as the vendor reports the profile"),
    # The vendor's answer leaves the setting unsaid (missing, or a value linkcheck does not know):
    # taken as showing the computer, since a GO must rest on what is known.
    "webrtc_unknown": N_("the vendor does not say how {ref} sets WebRTC, so it is taken as showing this computer's IP "
                         "addresses"),
    "proxy_unknown": N_("the vendor does not say where {ref}'s proxy leaves from, so this computer's own public IP is "
                        "taken as what websites see"),
    "mac_unknown": N_("the vendor does not say where {ref} takes its MAC address from, so it is taken as this "
                      "computer's"),
    "device_name_unknown": N_("the vendor does not say which device name {ref} shows, so it is taken as this "
                              "computer's"),
    "hardware_unknown": N_("the vendor does not say whether {ref} adds canvas, WebGL and audio noise, so it is taken "
                           "as showing this computer's real hardware"),
}
STRICT = N_("{ref} hides it from websites, but the `computer` setting is strict (or --strict-computer): every value "
            "of this computer counts")
FIX = {
    "no_proxy": N_("in {vendor}, give the profile its own proxy"),
    "exit_unchecked": N_("check with --public-ip auto, so the lookup goes through the profile's proxy"),
    "same_exit": N_("in {vendor}, fix the profile's proxy: its exit must not be this computer's own network"),
    "webrtc_real": N_("in {vendor}, set the profile's WebRTC to replace or disabled instead of real"),
    "mac_real": N_("in {vendor}, give the profile a custom MAC address instead of the computer's"),
    "device_name_real": N_("in {vendor}, give the profile a custom device name instead of the computer's"),
    "hardware": N_("in {vendor}, turn canvas, WebGL image and audio noise on and give WebGL custom metadata"),
    "webrtc_unknown": N_("in {vendor}, set the profile's WebRTC to replace or disabled, and check again"),
    "proxy_unknown": N_("check again with --public-ip and the exit IP {vendor} shows for the profile"),
    "mac_unknown": N_("in {vendor}, give the profile a custom MAC address, and check again"),
    "device_name_unknown": N_("in {vendor}, give the profile a custom device name, and check again"),
    "hardware_unknown": N_("in {vendor}, turn canvas, WebGL image and audio noise on, and check again"),
}
WHY_HIDDEN = {
    "unreadable": N_("a website cannot read it"),
    "behind_proxy": N_("websites see the exit IP of the profile's proxy instead"),
}


def _role(a: Attribute, fp: Fingerprint, view: ProfileView) -> str:
    if a.kind == "ip":
        if a.source == "check-own-ip":
            return "public_ip"
        if fp.public_ip and a.value == fp.public_ip:
            return "exit_ip" if view.exit_through_proxy else "public_ip"
        if no_proxy(view) and a.keys and _public_address(a.value):
            # An interface address `fingerprint` calls public is where this computer's traffic
            # leaves from: with no proxy in between, it is the public IP websites see.
            return "public_ip"
        return "lan_ip"
    return a.kind


def _public_address(value: str) -> bool:
    from .capture.fingerprint import address_scope

    try:
        return address_scope(value) == "public"
    except ValueError:
        return False


def no_proxy(view: ProfileView) -> bool:
    """The vendor says the profile has no proxy (not merely leaves it unsaid, as Ziniao does)."""
    return not view.proxied and "proxy" not in view.unknown


def judge(a: Attribute, role: str, view: ProfileView, fp: Fingerprint) -> Judgement:
    """Whether websites see this value of the computer through the profile, and why."""
    seen, why = False, "unreadable"
    hardware = [x for x in HARDWARE_PASSTHROUGH if x in view.passthrough]
    if role == "exit_ip":
        seen = True
        why = "same_exit" if view.own_public_ip is not None and view.own_public_ip == fp.public_ip else "exit_ip"
    elif role == "public_ip":
        if not view.proxied:
            seen, why = True, "proxy_unknown" if "proxy" in view.unknown else "no_proxy"
        elif view.webrtc_real:
            seen, why = True, "webrtc_real"
        elif "webrtc" in view.unknown:
            seen, why = True, "webrtc_unknown"
        elif view.exit_through_proxy and fp.public_ip and fp.public_ip != a.value:
            why = "behind_proxy"
        elif view.exit_through_proxy and fp.public_ip == a.value:
            seen, why = True, "same_exit"
        else:
            seen, why = True, "exit_unchecked"
    elif role == "lan_ip" and view.webrtc_real:
        seen, why = True, "webrtc_real"
    elif role == "lan_ip" and "webrtc" in view.unknown:
        seen, why = True, "webrtc_unknown"
    elif role == "mac" and "mac_real" in view.passthrough:
        seen, why = True, "mac_real"
    elif role == "mac" and "mac" in view.unknown:
        seen, why = True, "mac_unknown"
    elif role == "hostname" and "device_name_real" in view.passthrough:
        seen, why = True, "device_name_real"
    elif role == "hostname" and "device_name" in view.unknown:
        seen, why = True, "device_name_unknown"
    elif role == "machine_id" and hardware:
        seen, why = True, "hardware"
    elif role == "machine_id" and "hardware" in view.unknown:
        seen, why = True, "hardware_unknown"
    return Judgement(a, role, seen, why)


def why_text(j: Judgement, view: ProfileView) -> str:
    """The reason of a judgement as a clause ("adspower:jh002 sets WebRTC to real, so ...")."""
    if j.why == "hardware":
        items = join_list(translate(HARDWARE_WORDS[x]) for x in HARDWARE_PASSTHROUGH if x in view.passthrough)
        return translate(WHY_SEEN["hardware"]).format(ref=view.ref, items=items)
    if j.why in WHY_SEEN:
        return translate(WHY_SEEN[j.why]).format(ref=view.ref)
    return translate(WHY_HIDDEN[j.why])


def fix_text(j: Judgement, view: ProfileView) -> str | None:
    """What to change (in the vendor app, or the command) so websites stop seeing it; None when nothing."""
    if j.why not in FIX:
        return None
    from .importers.vendors import vendor_name

    return translate(FIX[j.why]).format(vendor=vendor_name(view.vendor))


HARDWARE_WORDS = {
    "canvas": N_("canvas noise off"), "webgl": N_("WebGL image noise off"), "audio": N_("audio noise off"),
    "webgl_real": N_("the computer's own WebGL metadata"),
}


def _hidden_context(name: str, pairs, statuses: dict, view: ProfileView, hidden) -> str | None:
    """`this computer is also on file for 13 other accounts (…); adspower:X hides from websites: …`."""
    others = [_other(p, name) for p in pairs]
    if not others:
        return None
    shared = {(f.kind, f.raw.get(name)) for p in pairs for f in p.findings}
    items = join_list(dict.fromkeys(_("{kind} ({value})", kind=kind_label(j.attribute.kind), value=mask(j.attribute))
                                    for j in hidden
                                    if (j.attribute.kind, j.attribute.normalized) in shared))
    shown = join_list(others[:5]) + (" …" if len(others) > 5 else "")
    if len(others) == 1:
        return _("this computer is also on file for one other account ({accounts}); {ref} hides from websites: {items}",
                 accounts=shown, ref=view.ref, items=items)
    return _("this computer is also on file for {n} other accounts ({accounts}); {ref} hides from websites: {items}",
             n=len(others), accounts=shown, ref=view.ref, items=items)


def _seen_clause(pair: engine.PairRisk, name: str, judged: tuple[Judgement, ...], view: ProfileView) -> str:
    """`; adspower:X takes its MAC address from this computer (fix: …)` for the value that stops."""
    strongest = pair.findings[0]
    key = (strongest.kind, strongest.raw.get(name))
    for j in judged:
        if (j.attribute.kind, j.attribute.normalized) == key and j.role != "exit_ip":
            if not j.seen:  # counted only because the check is strict
                return _("; {strict}", strict=translate(STRICT).format(ref=view.ref))
            fix = fix_text(j, view)
            if fix:
                return _("; websites see it because {why}: {fix}", why=why_text(j, view), fix=fix)
            return _("; websites see it because {why}", why=why_text(j, view))
    return ""


def check_machine(
    store, account_name: str, fingerprint: Fingerprint, rules: Rules, *, fail_on: Level = Level.HIGH,
    extra: tuple[Attribute, ...] = (), view: ProfileView | None = None, allow_unchecked_ip: bool = False,
) -> CheckResult:
    """GO when nothing this machine shows is on file for another account at or above `fail_on`.

    Through a profile with no proxy (`view`), websites see this computer's own public IP: when
    it is not known (not looked up, and no interface address is public), that is a STOP
    unless `allow_unchecked_ip`, and then the GO says so on its verdict line.

    Raises UsageError for an unknown account. Only the accounts holding one of this machine's
    match keys are decrypted in full (store.candidates), so this stays fast at scale.
    """
    profile = store.profile(account_name)
    name = profile.name
    when = now()
    attrs, value_warnings = machine_attributes(fingerprint, source="check", when=when)
    judged: tuple[Judgement, ...] = ()
    compared = attrs
    if view is not None:
        if view.own_public_ip and all(a.value != view.own_public_ip for a in attrs if a.kind == "ip"):
            try:  # this computer's own public IP, besides the profile's exit: judged like the rest
                attrs += (book.make_attribute("ip", view.own_public_ip, source="check", when=when)._replace(
                    source="check-own-ip"),)
            except InvalidInput:
                pass
        judged = tuple(judge(a, _role(a, fingerprint, view), view, fingerprint) for a in attrs)
        attrs = tuple(a._replace(source="check") for a in attrs)
        compared = tuple(j.attribute._replace(source="check") for j in judged if j.seen or view.strict)
    if extra:  # a browser profile's values (--browser), compared with this machine's
        # A value the profile itself reports (its exit IP as the vendor saw it) is compared even
        # when this computer has it too and the profile hides the computer's copy.
        have = {(a.kind, a.normalized) for a in attrs}
        counted = {(a.kind, a.normalized) for a in compared}
        attrs += tuple(a for a in extra if (a.kind, a.normalized) not in have)
        compared += tuple(a for a in extra if (a.kind, a.normalized) not in counted)
        if view is not None:
            judged = tuple(replace(j, seen=True, why="profile") if (j.attribute.kind, j.attribute.normalized) in
                           {(a.kind, a.normalized) for a in extra} and not j.seen else j for j in judged)
    pairs, statuses = _compare(store, profile, compared, rules)
    hidden = tuple(j for j in judged if not j.seen) if view is not None and not view.strict else ()
    hidden_pairs, hidden_statuses = (_compare(store, profile, tuple(j.attribute._replace(source="check") for j in hidden), rules)
                                     if hidden else ([], {}))
    held = {(a.kind, a.normalized) for a in profile.attributes}
    proxy_hosts = _proxy_hosts(profile)
    held.update(("ip", host) for host in proxy_hosts)  # its own proxy's address: not new to it
    new_values = tuple(a for a in compared if (a.kind, a.normalized) not in held)
    warnings = value_warnings + _gate_warnings(profile, fingerprint, attrs, proxy_hosts)
    level = pairs[0].level if pairs else None
    stopping = [p for p in pairs if p.level >= fail_on]
    # At the same level, name an account that still uses the value before one that retired it.
    # Through a profile on file for another account, that account is named first: the profile is theirs.
    stopping.sort(key=lambda p: (-p.level, _profile_finding(p, name, fail_on, view) is None,
                                 p.findings[0].state == "past"))
    conflicts = tuple(_other(p, name) for p in stopping)
    # A profile with no proxy, or with WebRTC real (a website reads the public IP through it even
    # behind the proxy), shows websites this computer's own public IP: a GO must have compared it.
    compared_families = {_ip_family(j.attribute.value) for j in judged if j.role == "public_ip" and j.attribute.keys}
    unseen_ip = (view is not None and (no_proxy(view) or view.webrtc_real)
                 and not (4 in compared_families or (compared_families and not _ipv4_route(fingerprint))))
    if not any(a.keys for a in attrs):
        verdict = STOP
        reason = _("nothing identifying could be read from this machine, so it cannot be checked")
    elif unseen_ip and not stopping and not allow_unchecked_ip:
        assert view is not None
        verdict = STOP
        reason = _unchecked_ip_reason(view, only_ipv6=6 in compared_families)
    elif stopping:
        verdict = STOP
        profile_keys = frozenset({(a.kind, a.normalized) for a in extra}
                                 | {(j.attribute.kind, j.attribute.normalized) for j in judged if j.role == "exit_ip"})
        reason = _stop_reason(name, stopping[0], statuses, fail_on, len(stopping) - 1, view, profile_keys)
        if view is not None:
            reason += _seen_clause(stopping[0], name, judged, view)
    else:
        verdict = GO
        checked = sum(1 for a in attrs if a.keys)
        if pairs:
            # The strongest of the weaker links, and with how many accounts: naming one of forty
            # accounts in the same /24 would single out an arbitrary one.
            top = [p for p in pairs if p.level == pairs[0].level]
            kinds = join_list(dict.fromkeys(facet_label(k) for p in top for k in p.kinds))
            level_shown = translate(pairs[0].level.label)
            reason = (_("nothing at or above {fail_on}; the strongest is {level}: {kinds}, shared with {other}",
                        fail_on=translate(fail_on.label), level=level_shown, kinds=kinds, other=_other(top[0], name))
                      if len(top) == 1 else
                      _("nothing at or above {fail_on}; the strongest is {level}: {kinds}, shared with {n} accounts",
                        fail_on=translate(fail_on.label), level=level_shown, kinds=kinds, n=len(top)))
        elif view is not None and hidden_pairs:
            # The computer's hidden values are on file elsewhere (the context line says where):
            # say what the verdict rests on, the values websites see through the profile.
            seen_count = sum(1 for a in compared if a.keys)
            kinds = join_list(dict.fromkeys(kind_label(a.kind) for a in compared if a.keys))
            reason = _("none of the {n} values websites see through {ref} ({kinds}) is on file for another account",
                       n=seen_count, ref=view.ref, kinds=kinds)
        else:
            # Name what was compared: the list of new values below also holds values recorded
            # but never compared (private addresses), and "4 values" beside a list of 6 misleads.
            kinds = join_list(dict.fromkeys(kind_label(a.kind) for a in attrs if a.keys))
            reason = (
                _("none of this machine's {n} identifying values ({kinds}) is on file for another account",
                  n=checked, kinds=kinds)
                if checked != 1 else
                _("this machine's one identifying value ({kinds}) is not on file for another account", kinds=kinds)
            )
    return CheckResult(
        account=name,
        verdict=verdict,
        reason=reason,
        fail_on=fail_on,
        level=level,
        pairs=tuple(pairs),
        conflicts=conflicts,
        statuses=statuses,
        values=attrs,
        new_values=new_values,
        warnings=tuple(warnings),
        caveats=(_caveats(profile, fingerprint) + ((_unchecked_caveat(view),) if unseen_ip and view is not None else ())
                 if verdict == GO else ()),
        public_ip_checked=bool(fingerprint.public_ip),
        view=view,
        judged=judged,
        hidden_pairs=tuple(hidden_pairs),
        hidden_statuses=hidden_statuses,
    )


def _unchecked_caveat(view: ProfileView) -> str:
    if no_proxy(view):
        return _("{ref} has no proxy, so websites see this computer's public IP, which was not checked", ref=view.ref)
    return _("{ref} sets WebRTC to real, so websites can read this computer's public IP, which was not checked",
             ref=view.ref)


def _ip_family(value: str) -> int:
    try:
        return ipaddress.ip_address(value.split("%", 1)[0]).version
    except ValueError:
        return 0


def _ipv4_route(fp: Fingerprint) -> bool:
    """Whether this computer may reach websites over IPv4: unless its default gateway is known
    and IPv6 (the capture prefers an IPv4 one), it is taken to: a public IPv6 address on an
    interface is not the (NATed, never on an interface) IPv4 address IPv4-only sites see."""
    return fp.gateway is None or _ip_family(fp.gateway.address) != 6


def _unchecked_ip_reason(view: ProfileView, only_ipv6: bool = False) -> str:
    """The STOP of a profile with no proxy, or with WebRTC real, when this computer's own public IP
    is not known (`only_ipv6`: its IPv6 address was compared, its IPv4 one was not)."""
    from .importers.vendors import vendor_name

    if only_ipv6:
        if not no_proxy(view):
            return _("{ref} sets WebRTC to real, so websites can read this computer's own public IP even behind its "
                     "proxy, and only its IPv6 address was checked, not the IPv4 one websites reached over IPv4 see: "
                     "check again without --no-public-ip (or with --public-ip ADDRESS), or in {vendor} set the "
                     "profile's WebRTC to replace or disabled", ref=view.ref, vendor=vendor_name(view.vendor))
        return _("{ref} has no proxy, so websites see this computer's own public IP, and only its IPv6 address was "
                 "checked, not the IPv4 one websites reached over IPv4 see: check again without --no-public-ip (or "
                 "with --public-ip ADDRESS), or in {vendor} give the profile its own proxy", ref=view.ref,
                 vendor=vendor_name(view.vendor))
    if not no_proxy(view):
        return _("{ref} sets WebRTC to real, so websites can read this computer's own public IP even behind its "
                 "proxy, and it was not checked: check again without --no-public-ip (or with --public-ip ADDRESS), "
                 "or in {vendor} set the profile's WebRTC to replace or disabled", ref=view.ref,
                 vendor=vendor_name(view.vendor))
    return _("{ref} has no proxy, so websites see this computer's own public IP, which was not checked: check "
             "again without --no-public-ip (or with --public-ip ADDRESS), or in {vendor} give the profile its own "
             "proxy", ref=view.ref, vendor=vendor_name(view.vendor))


def context_line(result: CheckResult) -> str | None:
    """What the hidden values of this computer share with other accounts, in one line (or None)."""
    if result.view is None or not result.hidden_pairs:
        return None
    return _hidden_context(result.account, result.hidden_pairs, result.hidden_statuses or {}, result.view,
                           tuple(j for j in result.judged if not j.seen))


def judgement_to_json(result: CheckResult) -> dict | None:
    """`check --format json`'s "computer": each identifier of this computer, seen or hidden, and why."""
    view = result.view
    if view is None:
        return None
    name = result.account
    shared: dict[tuple[str, str], list[str]] = {}
    explained: dict[tuple[str, str], dict[str, str]] = {}
    for pairs in (result.pairs, result.hidden_pairs):
        for p in pairs:
            other = _other(p, name)
            for f in p.findings:
                key = (f.kind, f.raw.get(name, ""))
                shared.setdefault(key, []).append(other)
                if f.explanation:
                    explained.setdefault(key, {})[other] = f.explanation
    rows = []
    for j in result.judged:
        key = (j.attribute.kind, j.attribute.normalized)
        rows.append({
            "kind": j.attribute.kind, "role": j.role, "value": mask(j.attribute), "seen": j.seen,
            "counts": j.seen or view.strict, "why": j.why, "reason": why_text(j, view),
            "fix": fix_text(j, view) if j.seen else None,
            "compared": bool(j.attribute.keys), "on_file_for": sorted(set(shared.get(key, []))),
            "explained": explained.get(key, {}),
        })
    return {
        "profile": view.ref, "strict": view.strict, "identifiers": rows,
        "hidden_context": engine.pairs_to_json(result.hidden_pairs),
    }


# ---------------------------------------------------------------------------------------------
# The log


def _network_label(normalized: str) -> str:
    """A public address's network, masked: 203.0.113.x, or 2001:db8:1:2::/64."""
    try:
        ip = ipaddress.ip_address(normalized)
    except ValueError:
        return "?"
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join(normalized.split(".")[:3]) + ".x"
    return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address).rstrip(":") + "::/64"


def event_detail(
    attrs: tuple[Attribute, ...],
    fp: Fingerprint,
    *,
    level: Level | None,
    conflicts: tuple[str, ...],
    new_values: int,
    warnings: tuple[str, ...],
) -> dict:
    """The log entry's detail (schema shared with statements): masked values only, never raw."""
    networks, devices, routers = [], [], []
    hostname = public_ip = None
    for a in attrs:
        if a.kind == "ip" and a.keys:
            networks.append(_network_label(a.normalized))
            if fp.public_ip and a.value == fp.public_ip:
                public_ip = mask(a)
        elif a.kind == "mac":
            devices.append(mask(a))
        elif a.kind == "machine_id":
            devices.append(f"machine:{a.normalized[:4]}…")
        elif a.kind in ("gateway_mac", "wifi_bssid"):
            routers.append(mask(a))
        elif a.kind == "hostname":
            hostname = mask(a)
    return {
        "networks": list(dict.fromkeys(networks)),
        "devices": devices,
        "routers": routers,
        "hostname": hostname,
        "public_ip": public_ip,
        "level": level.label if level is not None else None,
        "conflicts": list(conflicts),
        "new_values": new_values,
        "warnings": list(warnings),
    }


def record_check(
    store, result: CheckResult, fingerprint: Fingerprint, *, action: str = "check", merge: bool = True
) -> tuple[int, int]:
    """Log the check (action "check" or "run") and, on GO with `merge`, keep this machine's values
    on the account (source "check", first/last seen widened). Returns how many values were
    added, and how many retired ones are in use again (a new period of use begins now)."""
    when = now()
    added = reopened = 0
    if result.verdict == GO and merge:
        profile = store.profile(result.account)
        # Through a browser profile, only what websites see is the account's: this computer's
        # values the profile hides are logged (which computer was used) but not kept on it, or
        # they would stop every other account opened on this computer.
        strict = result.view is not None and result.view.strict
        hidden = {(j.attribute.kind, j.attribute.normalized) for j in result.judged if not j.seen and not strict}
        seen = tuple(a._replace(first_seen=when, last_seen=when) for a in result.values
                     if (a.kind, a.normalized) not in hidden)
        merged, added = book.merge_attributes(profile, seen)
        reopened = len(book.reopened(profile, merged))
        merged = replace(merged, account=replace(merged.account, updated=when))
        store.put_profile(merged)
    detail = event_detail(
        result.values,
        fingerprint,
        level=result.level,
        conflicts=result.conflicts if result.verdict == STOP else (),
        new_values=len(result.new_values),
        warnings=result.warnings,
    )
    if result.view is not None:
        detail.update(profile_detail(result))
    store.add_event(Event(when=when, account=result.account, action=action, verdict=result.verdict, detail=detail))
    return added, reopened


def profile_detail(result: CheckResult) -> dict:
    """The log's record of a check through a browser profile: which profile, whether strict, and
    per kind of this computer's values whether websites see them (and why) -- masked, never raw."""
    view = result.view
    assert view is not None
    seen: dict[str, str] = {}
    hidden: list[str] = []
    for j in result.judged:
        if j.role == "exit_ip" or not j.attribute.keys:
            continue
        if j.seen:
            seen.setdefault(j.role, j.why)
        elif j.role not in hidden:
            hidden.append(j.role)
    others = sorted({_other(p, result.account) for p in result.hidden_pairs})
    return {"profile": view.ref, "strict": view.strict, "seen": seen, "hidden": hidden, "hidden_shared_with": others}


def capture_onto(store, account_name: str, fingerprint: Fingerprint, rules: Rules) -> CaptureResult:
    """Record this machine's values on the account whatever they match (source "capture"), log it,
    and return whose values they also are, so the caller can warn loudly."""
    profile = store.profile(account_name)
    when = now()
    attrs, capture_warnings = machine_attributes(fingerprint, source="capture", when=when)
    pairs, statuses = _compare(store, profile, attrs, rules)
    merged, added = book.merge_attributes(profile, attrs)
    reopened = len(book.reopened(profile, merged))
    merged = replace(merged, account=replace(merged.account, updated=when))
    store.put_profile(merged)
    warnings = tuple(capture_warnings) + fingerprint.warnings
    store.add_event(
        Event(
            when=when,
            account=profile.name,
            action="capture",
            verdict=RECORDED,
            detail=event_detail(
                attrs,
                fingerprint,
                level=pairs[0].level if pairs else None,
                conflicts=tuple(_other(p, profile.name) for p in pairs),
                new_values=added,
                warnings=warnings,
            ),
        )
    )
    return CaptureResult(profile.name, attrs, added, tuple(pairs), statuses, warnings, reopened)
