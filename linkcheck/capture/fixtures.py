"""Fixture machines: a fingerprint read from a JSON file in `fingerprint --format json`'s shape."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable

from ..i18n import N_, _
from ..errors import InvalidInput
from ..importers.safety import read_user_text

from .fingerprint import INTERFACE_KINDS, Address, Fingerprint, Gateway, Interface, _is_null_mac, address_scope, hygiene_warnings, mac_flags, normalise_mac
from .system import classify_interface
from .public_ip import PublicIp, _apply_public_ip, canonical_ip, resolve_public_ip

class _FixtureReader:
    """Reads one fixture file's fields, naming the file and field in every complaint."""

    def __init__(self, name: str):
        self.name = name

    def bad(self, field: str, why: str) -> InvalidInput:
        return InvalidInput(_("machine file {name}: {field} {why}", name=self.name, field=field, why=why))

    def text(self, data: dict, key: str, field: str | None = None) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.bad(field or key, _("must be text"))
        return value.strip() or None

    def obj(self, data: dict, key: str) -> dict:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.bad(key, _("must be an object"))
        return value

    def integer(self, data: dict, key: str, field: str | None = None) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.bad(field or key, _("must be a whole number"))
        return value

    def mac(self, value: Any, field: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or normalise_mac(value) is None:
            raise self.bad(field, _("must be a MAC address"))
        return normalise_mac(value)

    def address(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise self.bad(field, _("must be an IP address"))
        try:
            return canonical_ip(value)
        except ValueError:
            raise self.bad(field, _("must be an IP address")) from None


def fingerprint_from_json(
    data: Any, *, name: str = "machine", hash_machine_id: Callable[[str], str] | None = None
) -> Fingerprint:
    """A fixture machine from `fingerprint --format json` output (or a hand-written file).

    A fixture may give `"machine_id": {"raw": "..."}` -- a made-up id that is hashed with the
    store's key like a real one; a `hash` from some other store would mean nothing here.
    """
    r = _FixtureReader(name)
    if not isinstance(data, dict):
        raise InvalidInput(_("machine file {name}: must hold one JSON object", name=name))
    interfaces = []
    raw_interfaces = data.get("interfaces") or []
    if not isinstance(raw_interfaces, list):
        raise r.bad("interfaces", _("must be a list"))
    for n, item in enumerate(raw_interfaces):
        where = f"interfaces[{n}]"
        if not isinstance(item, dict):
            raise r.bad(where, _("must be an object"))
        iname = r.text(item, "name", f"{where}.name")
        if not iname:
            raise r.bad(f"{where}.name", _("is missing"))
        kind = item.get("kind") or classify_interface(iname)
        if kind not in INTERFACE_KINDS:
            raise r.bad(f"{where}.kind", _("must be one of {items}", items=', '.join(INTERFACE_KINDS)))
        mac = r.mac(item.get("mac"), f"{where}.mac")
        addresses = []
        raw_addresses = item.get("addresses") or []
        if not isinstance(raw_addresses, list):
            raise r.bad(f"{where}.addresses", _("must be a list"))
        for m, a in enumerate(raw_addresses):
            text = a.get("address") if isinstance(a, dict) else a
            address = r.address(text, f"{where}.addresses[{m}]")
            family = "ipv6" if ":" in address else "ipv4"
            addresses.append(Address(address, family, address_scope(address)))
        flags = mac_flags(mac) if mac and not _is_null_mac(mac) else ()
        up = item.get("up", True)
        if not isinstance(up, bool):
            raise r.bad(f"{where}.up", _("must be true or false"))
        interfaces.append(Interface(iname, up, kind, tuple(addresses), mac, flags))
    gateway = None
    raw_gateway = data.get("gateway")
    if raw_gateway is not None:
        if not isinstance(raw_gateway, dict):
            raise r.bad("gateway", _("must be an object"))
        gateway = Gateway(
            r.address(raw_gateway.get("address"), "gateway.address"),
            r.text(raw_gateway, "interface", "gateway.interface"),
            r.mac(raw_gateway.get("mac"), "gateway.mac"),
        )
    machine = data.get("machine_id")
    raw_id = None
    present = False
    if isinstance(machine, dict):
        raw_id = r.text(machine, "raw", "machine_id.raw")
        present = bool(machine.get("present")) or raw_id is not None
    elif machine is not None:
        raise r.bad("machine_id", _('must be an object such as {"raw": "demo-machine-0001"}'))
    os_info = r.obj(data, "os")
    cpu = r.obj(data, "cpu")
    public = r.obj(data, "public_ip")
    public_ip = public.get("address")
    if public_ip is not None:
        public_ip = r.address(public_ip, "public_ip.address")
    fp = Fingerprint(
        interfaces=tuple(interfaces),
        gateway=gateway,
        wifi_bssid=r.mac(data.get("wifi_bssid"), "wifi_bssid"),
        hostname=r.text(data, "hostname"),
        machine_id=hash_machine_id(raw_id) if (raw_id and hash_machine_id) else None,
        machine_id_present=present,
        os_name=r.text(os_info, "name", "os.name"),
        os_version=r.text(os_info, "version", "os.version"),
        cpu_model=r.text(cpu, "model", "cpu.model"),
        cpu_count=r.integer(cpu, "count", "cpu.count"),
        memory_bytes=r.integer(data, "memory_bytes"),
        time_zone=r.text(data, "time_zone"),
        locale=r.text(data, "locale"),
        public_ip=public_ip,
        public_ip_source="fixture" if public_ip else None,
        virtual_machine=r.text(data, "virtual_machine"),
        origin=f"machine file {name}",
    )
    return replace(fp, warnings=hygiene_warnings(fp))


def load_fixture(
    path: str | Path,
    *,
    public_ip: str | PublicIp | None = None,
    proxy: str | None = None,
    echo_urls: Iterable[str] | None = None,
    hash_machine_id: Callable[[str], str] | None = None,
) -> Fingerprint:
    """A recorded machine description instead of this computer (demos and tests).

    `public_ip` given here overrides the file's own public IP.
    """
    path = Path(path)
    text = read_user_text(path, N_("machine file"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(_("machine file {name}: not valid JSON ({msg}, line {lineno})", name=path.name, msg=exc.msg, lineno=exc.lineno)) from None
    except RecursionError:
        raise InvalidInput(_("machine file {name}: not valid JSON (nested too deeply)", name=path.name)) from None
    fp = fingerprint_from_json(data, name=path.name, hash_machine_id=hash_machine_id)
    if public_ip is not None:
        fp = _apply_public_ip(fp, resolve_public_ip(public_ip, proxy=proxy, echo_urls=echo_urls))
    return fp
