"""The attribute-kind registry: one entry per kind with its normaliser, match keys and mask."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Callable

from phonenumbers import SUPPORTED_REGIONS

from . import normalize
from .errors import InvalidInput, InvalidValue
from .normalize import Canonical, Rejected

BLOCKING_PREFIX = "~"
CATEGORIES = ("company", "representative", "contact", "financial", "address", "network", "device", "router",
              "business")

Normaliser = Callable[[str, "str | None"], Canonical]


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """A validated value: its canonical form, its match keys ("facet:value", blocking keys
    start with "~") and what is worth knowing about it (("private",), ("vm_vendor:VMware",))."""

    normalized: str
    keys: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    """One attribute kind: how its values are read, matched and shown.

    Adding a kind is adding one entry to KINDS (and its facet to rules.FACET_TABLE).
    `facets` lists every facet its keys can carry; `example` is a valid raw value for help
    texts. `normaliser` validates (raising normalize.Rejected); `blocker` turns a
    normalised value into blocking values for fuzzy kinds; `masker` shows a normalised
    value without revealing it.
    """

    name: str
    category: str
    label: str
    label_zh: str
    fuzzy: bool
    sensitive: bool
    normaliser: Normaliser = field(repr=False, compare=False)
    masker: Callable[[str], str] = field(repr=False, compare=False)
    facets: tuple[str, ...] = ()
    example: str = ""
    blocker: Callable[[str], tuple[str, ...]] | None = field(default=None, repr=False, compare=False)

    def parse(self, value: str, *, region: str | None = None) -> ParsedValue:
        """Validate and normalise one raw value; InvalidValue (with a short reason that
        never quotes the value) for anything this kind cannot accept."""
        try:
            canonical = self.normaliser(normalize.clean(value), region)
        except Rejected as e:
            raise InvalidValue(self.name, e.reason) from None
        except Exception:  # noqa: BLE001 - last line of defence: bad input must never crash an import
            raise InvalidValue(self.name, f"cannot be read as a {self.label.lower()}") from None
        return ParsedValue(canonical.value, self.keys(canonical), canonical.flags)

    def keys(self, canonical: Canonical) -> tuple[str, ...]:
        if not canonical.identifying:
            return ()
        keys = [f"{self.name}:{canonical.key or canonical.value}"]
        keys.extend(f"{facet}:{value}" for facet, value in canonical.related)
        if self.blocker is not None:
            keys.extend(f"{BLOCKING_PREFIX}{self.name}:{block}" for block in self.blocker(canonical.value))
        return tuple(keys)

    def mask(self, normalized: str) -> str:
        if not self.sensitive:
            return normalized
        try:
            return self.masker(normalized)
        except Exception:  # noqa: BLE001 - a mask must never fail or fall back to the value
            return "***"


# ---------------------------------------------------------------------------------------------
# Masks: enough to recognise a value in an appeal statement, never the value itself.


def mask_last_four(value: str) -> str:
    """`****3000`: the last four characters (none of a value that short)."""
    return "****" + value[-4:] if len(value) > 6 else "****"


def mask_email(value: str) -> str:
    """`j***@example.com`."""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return mask_last_four(value)
    return f"{local[0]}***@{domain}"


def mask_mac(value: str) -> str:
    """`3c:22:fb:**:**:56`: the vendor prefix and the last octet."""
    parts = value.split(":")
    if len(parts) != 6:
        return "**:**:**:**:**:**"
    return f"{parts[0]}:{parts[1]}:{parts[2]}:**:**:{parts[5]}"


def mask_ip(value: str) -> str:
    """`203.0.113.x` for IPv4, the /64 for IPv6 (`2001:db8:1:2:x:x:x:x`)."""
    if ":" not in value:
        head = value.rsplit(".", 1)[0]
        return f"{head}.x" if head != value else "x.x.x.x"
    try:
        hextets = ipaddress.IPv6Address(value).exploded.split(":")[:4]
    except ValueError:
        return "x:x:x:x:x:x:x:x"
    return ":".join(h.lstrip("0") or "0" for h in hextets) + ":x:x:x:x"


def mask_payment_account(value: str) -> str:
    return mask_email(value) if "@" in value else mask_last_four(value)


def _mask_word(word: str) -> str:
    if normalize.is_cjk(word[0]):
        return word[0] + "*" * max(1, len(word) - 1)
    if word.isdigit():
        return "***"
    return word[0] + "***"


def _mask_words(generic: frozenset[str]) -> Callable[[str], str]:
    """Names and addresses: generic words (places, legal forms, road, room) as they are,
    every other word reduced to its first character: `shenzhen a*** trading`. The whole
    value is never shown: with nothing distinctive, all but the first word are masked."""

    def mask(value: str) -> str:
        words = value.split()
        if not words:
            return "***"
        shown = [w if w in generic else _mask_word(w) for w in words]
        if shown == words:
            shown = [words[0]] + [_mask_word(w) for w in words[1:]] if len(words) > 1 else [_mask_word(words[0])]
        return " ".join(shown)

    return mask


def mask_person(value: str) -> str:
    """`j*** d***`: initials only."""
    return " ".join(_mask_word(w) for w in value.split()) or "***"


def mask_token(value: str) -> str:
    """`3f25…`: the first four characters."""
    return value[:4] + "…"


def _shown(value: str) -> str:
    return value


# ---------------------------------------------------------------------------------------------
# Wiring


def _no_region(normaliser: Callable[[str], Canonical]) -> Normaliser:
    return lambda text, region: normaliser(text)


def _phone(text: str, region: str | None) -> Canonical:
    return normalize.phone(text, _region_code(region))


def _payment_account(text: str, region: str | None) -> Canonical:
    return normalize.payment_account(text, _region_code(region))


def _region_code(region: str | None) -> str | None:
    """`--region` as given: a country code (`US`, `uk`) or a marketplace (`amazon.de`)."""
    if region is None or not region.strip():
        return None
    if "." in region:
        return region_for_marketplace(region) or region
    return region


def _company_blocks(value: str) -> tuple[str, ...]:
    return normalize.blocking(value.split(), normalize.COMPANY_GENERIC)


def _address_blocks(value: str) -> tuple[str, ...]:
    return normalize.blocking(value.split(), normalize.ADDRESS_GENERIC)


def _person_blocks(value: str) -> tuple[str, ...]:
    # Sorted, as the key is: "Doe John" and "John Doe" block together. Names are short
    # ("Li Na"), so two-letter words count.
    return normalize.blocking(sorted(value.split()), frozenset(), min_length=2)


_mask_company = _mask_words(normalize.COMPANY_GENERIC)
_mask_address = _mask_words(normalize.ADDRESS_GENERIC)

_ENTRIES = (
    Kind("company_name", "company", "Company name", "公司名称", fuzzy=True, sensitive=True,
         normaliser=_no_region(normalize.company_name), masker=_mask_company,
         facets=("company_name",), example="Shenzhen Acme Trading Co., Ltd.", blocker=_company_blocks),
    Kind("registration_number", "company", "Registration number", "注册号", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.registry_code), masker=mask_last_four,
         facets=("registration_number",), example="91440300MA5F0ACME1"),
    Kind("tax_id", "company", "Tax ID", "税号", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.registry_code), masker=mask_last_four,
         facets=("tax_id",), example="DE123456789"),
    Kind("legal_representative", "representative", "Legal representative", "法定代表人", fuzzy=True,
         sensitive=True, normaliser=_no_region(normalize.person_name), masker=mask_person,
         facets=("legal_representative",), example="Li Wei", blocker=_person_blocks),
    Kind("address", "address", "Address", "地址", fuzzy=True, sensitive=True,
         normaliser=_no_region(normalize.address), masker=_mask_address,
         facets=("address",), example="Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen",
         blocker=_address_blocks),
    Kind("email", "contact", "Email", "电子邮箱", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.email), masker=mask_email,
         facets=("email", "email_domain"), example="J.Doe+amz@example.com"),
    Kind("phone", "contact", "Phone", "电话号码", fuzzy=False, sensitive=True,
         normaliser=_phone, masker=mask_last_four, facets=("phone",), example="+86 138 0013 8000"),
    Kind("bank_account", "financial", "Bank account", "银行账户", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.bank_account), masker=mask_last_four,
         facets=("bank_account",), example="DE89 3704 0044 0532 0130 00"),
    Kind("card", "financial", "Payment card", "银行卡", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.card), masker=mask_last_four,
         facets=("card",), example="4111 1111 1111 1111"),
    Kind("payment_account", "financial", "Payment account", "收款账户", fuzzy=False, sensitive=True,
         normaliser=_payment_account, masker=mask_payment_account,
         facets=("payment_account", "email", "phone"), example="payouts@example.com"),
    Kind("ip", "network", "IP address", "IP 地址", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.ip), masker=mask_ip,
         facets=("ip", "ip_network"), example="203.0.113.7"),
    Kind("mac", "device", "MAC address", "MAC 地址", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.mac), masker=mask_mac, facets=("mac",), example="3C-22-FB-12-34-56"),
    Kind("gateway_mac", "router", "Router (gateway) MAC", "路由器（网关）MAC", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.mac), masker=mask_mac,
         facets=("gateway_mac",), example="a4:2b:b0:11:22:33"),
    Kind("wifi_bssid", "router", "Wi-Fi BSSID", "Wi-Fi 接入点 BSSID", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.mac), masker=mask_mac,
         facets=("wifi_bssid",), example="a4:2b:b0:11:22:34"),
    Kind("hostname", "network", "Hostname", "主机名", fuzzy=False, sensitive=False,
         normaliser=_no_region(normalize.hostname), masker=_shown, facets=("hostname",), example="acme-ops-laptop"),
    Kind("machine_id", "device", "Machine ID", "机器 ID", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.opaque_token), masker=mask_token,
         facets=("machine_id",), example="{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"),
    Kind("browser_fingerprint", "device", "Browser fingerprint", "浏览器指纹", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.opaque_token), masker=mask_token,
         facets=("browser_fingerprint",), example="9f86d081884c7d65"),
    Kind("brand", "business", "Brand", "品牌", fuzzy=False, sensitive=False,
         normaliser=_no_region(normalize.label_text), masker=_shown, facets=("brand",), example="AcmeHome"),
    Kind("supplier", "business", "Supplier", "供应商", fuzzy=False, sensitive=False,
         normaliser=_no_region(normalize.company_name), masker=_shown,
         facets=("supplier",), example="Dongguan Bright Plastics Co., Ltd."),
    Kind("logistics", "business", "Logistics provider", "物流渠道", fuzzy=False, sensitive=False,
         normaliser=_no_region(normalize.label_text), masker=_shown, facets=("logistics",), example="SF Express"),
    Kind("category", "business", "Product category", "商品类目", fuzzy=False, sensitive=False,
         normaliser=_no_region(normalize.label_text), masker=_shown, facets=("category",), example="Home & Kitchen"),
)

KINDS: dict[str, Kind] = {kind.name: kind for kind in _ENTRIES}
KIND_NAMES: tuple[str, ...] = tuple(KINDS)


def get_kind(name: str) -> Kind:
    """The kind called `name`, or InvalidInput naming it and listing the valid kinds."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        shown = repr(name[:40] if isinstance(name, str) else name)[:50]
        raise InvalidInput(f"unknown attribute kind {shown}; valid kinds: {', '.join(KIND_NAMES)}")
    return kind


def parse_value(kind: str, value: str, *, region: str | None = None) -> ParsedValue:
    """Validate and normalise `value` as `kind`. `region` (a country code such as "US", or a
    marketplace such as "amazon.de") is needed only for phone numbers without a country code."""
    return get_kind(kind).parse(value, region=region)


def mask(kind: str, normalized: str) -> str:
    """How a normalised value is shown unless revealed: `j***@example.com`, `****8000`."""
    return get_kind(kind).mask(normalized)


# ---------------------------------------------------------------------------------------------
# Marketplaces -> regions (the country of a phone number written without its country code)

# Two-letter top-level domains that are sold worldwide and say nothing about a country.
_GENERIC_CCTLDS = frozenset("io co ai tv me cc ws fm gg ly to so sh ac eu am im is la md nu tk vc".split())
# ".com" sites whose sellers are in one country.
_COM_SITES = {"amazon": "US", "ebay": "US", "walmart": "US", "target": "US", "bestbuy": "US", "newegg": "US",
              "wayfair": "US", "overstock": "US"}
_URL_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*://")


def region_for_marketplace(marketplace: str) -> str | None:
    """The country of a marketplace: "amazon.co.uk" -> "GB", "amazon.de" -> "DE",
    "amazon.com" -> "US", "ebay.com.au" -> "AU"; a two-letter code is taken as is
    ("UK" is GB). None when the marketplace says nothing about a country."""
    if not isinstance(marketplace, str):
        return None
    text = _URL_PREFIX.sub("", marketplace.strip().lower()[:255])
    text = text.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    if not text:
        return None
    if "." not in text:
        code = "GB" if text == "uk" else text.upper()
        return code if len(code) == 2 and code in SUPPORTED_REGIONS else None
    labels = text.split(".")
    tld = labels[-1]
    if tld == "com":
        return _COM_SITES.get(labels[-2])
    if len(tld) != 2 or tld in _GENERIC_CCTLDS:
        return None
    code = "GB" if tld == "uk" else tld.upper()
    return code if code in SUPPORTED_REGIONS else None
