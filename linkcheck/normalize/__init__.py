"""The normalisers: pure functions turning one kind's raw text into its canonical form and facets.

One module per subject; this package's namespace is what the rest of linkcheck uses.
"""

from __future__ import annotations

from .address import (
    ADDRESS_GENERIC, ADDRESS_WORDS, ZH_BARE_PLACES, ZH_GENERIC_WORDS, ZH_UNIT_WORDS, address, address_tokens,
)
from .company import COMPANY_GENERIC, LEGAL_FORMS, TRADE_WORDS, company_name, company_tokens
from .country import company_country, country_hint
from .email import FREE_MAIL_DOMAINS, email, is_free_mail
from .network import DEFAULT_HOSTNAMES, VM_OUIS, domain_name, hostname, ip, ipv6_text, mac, vm_vendor
from .numbers import (
    PLACEHOLDER_IDS, bank_account, card, iban_valid, id_number, luhn_valid, opaque_token, payment_account,
    registry_code,
)
from .person import person_name
from .phone import NO_COUNTRY_CODE, phone, phone_region
from .places import PLACE_WORDS
from .text import MAX_LENGTH, Canonical, Rejected, blocking, clean, fold, is_cjk, label_text

__all__ = [
    "ADDRESS_GENERIC", "ADDRESS_WORDS", "COMPANY_GENERIC", "DEFAULT_HOSTNAMES", "FREE_MAIL_DOMAINS", "LEGAL_FORMS",
    "MAX_LENGTH", "NO_COUNTRY_CODE", "PLACEHOLDER_IDS", "PLACE_WORDS", "TRADE_WORDS", "VM_OUIS", "Canonical",
    "Rejected", "address", "address_tokens", "bank_account", "blocking", "card", "clean", "company_name",
    "company_country", "company_tokens", "country_hint", "domain_name", "email", "fold", "hostname", "iban_valid", "id_number", "ip", "ipv6_text", "is_cjk",
    "is_free_mail", "label_text", "luhn_valid", "mac", "opaque_token", "payment_account", "person_name", "phone",
    "phone_region", "registry_code", "vm_vendor", "ZH_BARE_PLACES", "ZH_GENERIC_WORDS", "ZH_UNIT_WORDS",
]
