"""This machine: its fingerprint, through the one adapter over psutil, netifaces and the OS
(`system`), its public IP (`public_ip`), or a fixture machine read from a file (`fixtures`)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from .fingerprint import (
    IDENTIFYING_INTERFACE_KINDS, INTERFACE_KINDS, MACHINE_ID_PRESENT, Address, Fingerprint, Gateway, Interface,
    PublicIp, address_scope, fingerprint_to_json, hygiene_warnings, mac_flags, normalise_mac,
)
from .fixtures import fingerprint_from_json, load_fixture
from .public_ip import (
    DEFAULT_ECHO_URLS, ECHO_URLS_ENV, canonical_ip, check_echo_url, check_proxy, echo_urls_from_env,
    lookup_public_ip, resolve_public_ip,
)
from .system import (
    VM_DMI, capture_machine, classify_interface, gateway_mac_from_arp_table, gateway_mac_from_neighbour_output, read_machine_id,
)

__all__ = [
    "DEFAULT_ECHO_URLS", "ECHO_URLS_ENV", "IDENTIFYING_INTERFACE_KINDS", "INTERFACE_KINDS", "MACHINE_ID_PRESENT",
    "VM_DMI", "Address", "Fingerprint", "Gateway", "Interface", "PublicIp", "address_scope", "canonical_ip",
    "capture_machine", "check_echo_url", "check_proxy", "classify_interface", "echo_urls_from_env",
    "fingerprint_from_json", "fingerprint_to_json", "gateway_mac_from_arp_table", "gateway_mac_from_neighbour_output",
    "hygiene_warnings", "load_fixture", "lookup_public_ip", "mac_flags", "machine_fingerprint", "normalise_mac",
    "read_machine_id", "resolve_public_ip",
]


def machine_fingerprint(
    machine_file: str | Path | None,
    *,
    public_ip: str | PublicIp | None = None,
    proxy: str | None = None,
    echo_urls: Iterable[str] | None = None,
    hash_machine_id: Callable[[str], str] | None = None,
) -> Fingerprint:
    """This computer, or the fixture machine in `machine_file` when one is given."""
    if machine_file is not None:
        return load_fixture(
            machine_file, public_ip=public_ip, proxy=proxy, echo_urls=echo_urls, hash_machine_id=hash_machine_id
        )
    return capture_machine(public_ip=public_ip, proxy=proxy, echo_urls=echo_urls, hash_machine_id=hash_machine_id)
