"""The attribute-kind registry: one entry per kind with its normaliser, match keys and mask."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Iterable

from ..i18n import _, language
from .. import normalize
from ..errors import InvalidInput, InvalidValue
from ..normalize import Canonical, Rejected
from ..normalize.text import near_blocks
from .facets import BLOCKING_PREFIX
from .masks import (
    PARTIAL, SECRET, TEXT, _mask_words, _shown, mask_cjk_text, mask_email, mask_ip, mask_last_four, mask_mac,
    mask_payment_account, mask_person, mask_token,
)
from .regions import region_code, region_for_marketplace  # noqa: F401 - kinds.region_for_marketplace (accounts)
from .browser_masks import mask_cookie, mask_login, mask_proxy, mask_proxy_account
from ..normalize import browser as _browser
from ..normalize.text import _HAS_CJK
from ..lazy import LazyImport

_parallel = LazyImport(globals(), "_parallel", "linkcheck.parallel")

_has_cjk = _HAS_CJK.search

# Categories group kinds in a statement's evidence table: category -> its row label (English,
# Chinese). "business" has none: its kinds are rows of their own.
CATEGORY_WORDS: dict[str, tuple[str, str]] = {
    "company": ("Company and registration", "公司及注册信息"),
    "representative": ("Legal representative", "法定代表人"),
    "contact": ("Contact email and phone", "联系邮箱和电话"),
    "financial": ("Bank, card and payment accounts", "银行账户、银行卡及收款账户"),
    "address": ("Addresses", "地址"),
    "network": ("Login networks and IPs", "登录网络和 IP"),
    "device": ("Devices and network cards", "设备和网卡"),
    "router": ("Routers", "路由器"),
}
CATEGORIES = (*CATEGORY_WORDS, "business")

Normaliser = Callable[[str, "str | None"], Canonical]


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """A validated value: its canonical form, its match keys ("facet:value", blocking keys
    start with "~") and what is worth knowing about it (("private",), ("vm_vendor:VMware",))."""

    normalized: str
    keys: tuple[str, ...]
    flags: tuple[str, ...]

    def as_tuple(self) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        return self.normalized, self.keys, self.flags


@dataclass(frozen=True)
class Kind:
    """One attribute kind: how its values are read, matched and shown.

    Adding a kind is adding one entry to KINDS (and its facets to facets.FACETS).
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
    in_errors: str = TEXT  # how much of a rejected value an error may quote: masks.SECRET, PARTIAL or TEXT
    # False: the value as entered is not kept, only its canonical form (a proxy without its password).
    keeps_raw: bool = True

    def __post_init__(self) -> None:
        # `parse_tuple` as one function made once for the kind: its normaliser called directly
        # (not through `_no_region`'s wrapper) and its keys made inline (an import parses
        # millions of values; issue 17, the twelfth session). The same answers as `_parse_tuple`.
        object.__setattr__(self, "parse_tuple", _tuple_parser(self))

    def parse(self, value: str, *, region: str | None = None) -> ParsedValue:
        """Validate and normalise one raw value; InvalidValue (with a short reason that
        never quotes the value) for anything this kind cannot accept."""
        return ParsedValue(*self.parse_tuple(value, region))

    def parse_tuple(self, value: str, region: str | None = None) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """`parse(value, region=region).as_tuple()`, without making the ParsedValue (an
        import parses a million values). (Each kind's own is `_tuple_parser`'s: this is what it does.)"""
        return self._parse_tuple(value, region)

    def _parse_tuple(self, value: str, region: str | None = None) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        try:
            canonical = self.normaliser(normalize.clean(value), region)
        except Rejected as e:
            raise InvalidValue(self.name, e.reason) from None
        except Exception:  # noqa: BLE001 - last line of defence: bad input must never crash an import
            raise InvalidValue(self.name, _("cannot be read as a {label}", label=(
                self.label_zh if language() == "zh" else self.label.lower()))) from None
        return canonical.value, self.keys(canonical), canonical.flags

    def keys(self, canonical: Canonical) -> tuple[str, ...]:
        if not canonical.identifying:
            return ()
        key = f"{self.name}:{canonical.key or canonical.value}"
        if not canonical.related and self.blocker is None:
            return (key,)  # most kinds: the one key
        keys = [key]
        keys.extend([f"{facet}:{value}" for facet, value in canonical.related])
        if self.blocker is not None:
            prefix = f"{BLOCKING_PREFIX}{self.name}:"
            keys.extend([prefix + block for block in self.blocker(canonical.value)])
        return tuple(keys)

    def mask(self, normalized: str) -> str:
        if not self.sensitive:
            return normalized
        try:
            return self.masker(normalized)
        except Exception:  # noqa: BLE001 - a mask must never fail or fall back to the value
            return "***"


def _tuple_parser(kind: Kind) -> Callable[[str, "str | None"], tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """`kind._parse_tuple`, with what it looks up a value bound once."""
    normaliser = kind.normaliser
    alone = getattr(normaliser, "without_region", None)  # (`_no_region`'s: the normaliser of one argument)
    clean = normalize.clean
    name = kind.name
    prefix = name + ":"
    blocker = kind.blocker
    if blocker is not None:
        block_prefix = f"{BLOCKING_PREFIX}{name}:"

        def keys(canonical: Canonical) -> tuple[str, ...]:
            if not canonical.identifying:
                return ()
            out = [prefix + (canonical.key or canonical.value)]
            if canonical.related:
                out.extend([f"{facet}:{value}" for facet, value in canonical.related])
            out.extend([block_prefix + block for block in blocker(canonical.value)])
            return tuple(out)
    else:
        def keys(canonical: Canonical) -> tuple[str, ...]:
            if not canonical.identifying:
                return ()
            if canonical.related:
                return (prefix + (canonical.key or canonical.value),
                        *[f"{facet}:{value}" for facet, value in canonical.related])
            return (prefix + (canonical.key or canonical.value),)

    def parse_tuple(value: str, region: str | None = None) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        try:
            canonical = alone(clean(value)) if alone is not None else normaliser(clean(value), region)
        except Rejected as e:
            raise InvalidValue(name, e.reason) from None
        except Exception:  # noqa: BLE001 - last line of defence: bad input must never crash an import
            raise InvalidValue(name, _("cannot be read as a {label}", label=(
                kind.label_zh if language() == "zh" else kind.label.lower()))) from None
        return canonical.value, keys(canonical), canonical.flags

    return parse_tuple


# ---------------------------------------------------------------------------------------------
# Wiring


def _no_region(normaliser: Callable[[str], Canonical]) -> Normaliser:
    def without(text: str, region: str | None) -> Canonical:
        return normaliser(text)

    without.without_region = normaliser  # type: ignore[attr-defined]  # (`_tuple_parser` calls it directly)
    return without


def _phone(text: str, region: str | None) -> Canonical:
    return normalize.phone(text, region_code(region))


# In China the unified social credit code (统一社会信用代码) is the company's registration number
# *and* its tax number: entered as either, it also carries the other facet's key, so a code given
# as a tax ID meets the same code given as a registration number.
_USCC_OTHER_FACET = {"tax_id": "registration_number", "registration_number": "tax_id"}


def _registry_code_as(kind: str) -> Normaliser:
    other = _USCC_OTHER_FACET[kind]

    def normaliser(text: str, region: str | None) -> Canonical:
        canonical = _registry_code(text, region)
        value = canonical.value
        if len(value) == 20 and value.startswith("CN") and "country:CN" in canonical.flags:
            return canonical._replace(related=((other, value),))
        return canonical

    return normaliser


def _registry_code(text: str, region: str | None) -> Canonical:
    """A tax or registration number; `region` (a country or a marketplace) is the country of
    a number written without its country prefix."""
    code = region_code(region)
    if code is not None:
        code = code.strip().upper()
        code = "GB" if code == "UK" else code
        if len(code) != 2 or not code.isalpha():
            code = None
    return normalize.registry_code(text, code)


def _payment_account(text: str, region: str | None) -> Canonical:
    return normalize.payment_account(text, region_code(region))


def _supplier(text: str, region: str | None) -> Canonical:
    """A supplier's name, read as a company name but with no brand-in-pinyin key: that key
    is the company_name facet's, and a supplier is no company name of the account's."""
    canonical = normalize.company_name(text)
    return canonical._replace(related=()) if canonical.related else canonical


def _company_blocks(value: str) -> tuple[str, ...]:
    return normalize.blocking(value.split(), normalize.COMPANY_GENERIC)


def _address_blocks(value: str) -> tuple[str, ...]:
    return normalize.blocking(value.split(), normalize.ADDRESS_GENERIC)


def _id_blocks(value: str) -> tuple[str, ...]:
    # The first and last characters, so ids one digit apart meet (linkage.comparisons.near_digits).
    return near_blocks(value)


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
         normaliser=_registry_code_as("registration_number"), masker=mask_last_four,
         facets=("registration_number", "tax_id"), example="91440300MA5F0ACME1", blocker=_id_blocks,
         in_errors=SECRET),
    Kind("tax_id", "company", "Tax ID", "税号", fuzzy=False, sensitive=True,
         normaliser=_registry_code_as("tax_id"), masker=mask_last_four,
         facets=("tax_id", "registration_number"), example="DE123456789", blocker=_id_blocks,
         in_errors=SECRET),
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
         normaliser=_phone, masker=mask_last_four, facets=("phone",), example="+86 138 0013 8000",
         in_errors=PARTIAL),
    Kind("bank_account", "financial", "Bank account", "银行账户", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.bank_account), masker=mask_last_four,
         facets=("bank_account",), example="DE89 3704 0044 0532 0130 00",
         in_errors=SECRET),
    Kind("card", "financial", "Payment card", "银行卡", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.card), masker=mask_last_four,
         facets=("card",), example="4111 1111 1111 1111",
         in_errors=SECRET),
    Kind("payment_account", "financial", "Payment account", "收款账户", fuzzy=False, sensitive=True,
         normaliser=_payment_account, masker=mask_payment_account,
         facets=("payment_account", "email", "phone"), example="payouts@example.com",
         in_errors=SECRET),
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
         facets=("machine_id",), example="{3F2504E0-4F89-11D3-9A0C-0305E82C3301}",
         in_errors=SECRET),
    Kind("browser_fingerprint", "device", "Browser fingerprint", "浏览器指纹", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.opaque_token), masker=mask_token,
         facets=("browser_fingerprint",), example="9f86d081884c7d65",
         in_errors=SECRET),
    Kind("brand", "business", "Brand", "品牌", fuzzy=False, sensitive=False,
         normaliser=_no_region(normalize.label_text), masker=_shown, facets=("brand",), example="AcmeHome"),
    Kind("supplier", "business", "Supplier", "供应商", fuzzy=False, sensitive=False,
         normaliser=_supplier, masker=_shown,
         facets=("supplier",), example="Dongguan Bright Plastics Co., Ltd."),
    Kind("logistics", "business", "Logistics provider", "物流渠道", fuzzy=False, sensitive=False,
         normaliser=_no_region(normalize.label_text), masker=_shown, facets=("logistics",), example="SF Express"),
    Kind("category", "business", "Product category", "商品类目", fuzzy=False, sensitive=False,
         normaliser=_no_region(normalize.label_text), masker=_shown, facets=("category",), example="Home & Kitchen"),
    # ----- anti-detect browser profiles and proxies (issue 15; see normalize.browser) -----
    Kind("browser_profile", "device", "Browser profile", "浏览器环境", fuzzy=False, sensitive=False,
         normaliser=_no_region(_browser.browser_profile), masker=_shown,
         facets=("browser_profile",), example="adspower:jh3k9x"),
    Kind("proxy", "network", "Proxy", "代理", fuzzy=False, sensitive=True,
         normaliser=_no_region(_browser.proxy), masker=mask_proxy,
         facets=("proxy",), example="socks5://user1@203.0.113.5:1080", in_errors=SECRET, keeps_raw=False),
    Kind("proxy_account", "network", "Proxy account", "代理账户", fuzzy=False, sensitive=True,
         normaliser=_no_region(_browser.proxy_account), masker=mask_proxy_account,
         facets=("proxy_account",), example="https://api.proxy.example/refresh?key=abc123", in_errors=SECRET),
    Kind("platform_login", "contact", "Platform login", "平台登录账号", fuzzy=False, sensitive=True,
         normaliser=_no_region(_browser.platform_login), masker=mask_login,
         facets=("platform_login", "email"), example="seller@example.com", in_errors=PARTIAL),
    Kind("totp_secret", "contact", "Two-factor (2FA) secret", "两步验证密钥", fuzzy=False, sensitive=True,
         normaliser=_no_region(_browser.keyed_hash), masker=mask_token,
         facets=("totp_secret",), example="0f1e2d3c4b5a69788796a5b4c3d2e1f0", in_errors=SECRET),
    Kind("cookie", "device", "Session cookie", "会话 Cookie", fuzzy=False, sensitive=True,
         normaliser=_no_region(_browser.cookie_hash), masker=mask_cookie,
         facets=("cookie",), example="sellercentral.amazon.com:0f1e2d3c4b5a69788796a5b4c3d2e1f0",
         in_errors=SECRET),
    Kind("device_name", "device", "Device name", "设备名称", fuzzy=False, sensitive=False,
         normaliser=_no_region(_browser.device_name), masker=_shown,
         facets=("device_name",), example="DESKTOP-7Q2M4KD"),
    # ----- a person's identity document (a Chinese seller's trial: Amazon links on it) -----
    Kind("id_number", "representative", "ID document number", "身份证件号码", fuzzy=False, sensitive=True,
         normaliser=_no_region(normalize.id_number), masker=mask_last_four,
         facets=("id_number",), example="11010519491231002X", in_errors=SECRET),
)

KINDS: dict[str, Kind] = {kind.name: kind for kind in _ENTRIES}
KIND_NAMES: tuple[str, ...] = tuple(KINDS)


def get_kind(name: str) -> Kind:
    """The kind called `name`, or InvalidInput naming it and listing the valid kinds."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        from ..i18n import join_list

        shown = repr(name[:40] if isinstance(name, str) else name)[:50]
        guess = _close_kind(name) if isinstance(name, str) else None
        if guess is not None:
            raise InvalidInput(_("unknown attribute kind {shown} (did you mean {guess}?); valid kinds: {items}",
                                 shown=shown, guess=guess, items=join_list(KIND_NAMES)))
        raise InvalidInput(_("unknown attribute kind {shown}; valid kinds: {items}", shown=shown, items=join_list(KIND_NAMES)))
    return kind


def _close_kind(name: str) -> str | None:
    """The kind an unknown name was most likely meant to be, as a CSV header's "did you mean"
    reads it (registry/columns.py: "emial": email, 邮厢地址: 邮箱), or None."""
    from .columns import column_suggestion, header_in

    guess = column_suggestion(name[:40])
    return header_in(guess, name) if guess in KINDS else None


def parse_value(kind: str, value: str, *, region: str | None = None) -> ParsedValue:
    """Validate and normalise `value` as `kind`. `region` (a country code such as "US", or a
    marketplace such as "amazon.de") is needed only for phone numbers without a country code."""
    return get_kind(kind).parse(value, region=region)


def parse_tuple(kind: str, value: str, region: str | None = None) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """`parse_value(kind, value, region=region).as_tuple()`: (normalized, keys, flags)."""
    return get_kind(kind).parse_tuple(value, region)


# `parse_many`: below this many values one process parses them (a fork and the answers' way
# back cost more than the half it saves); a child takes a chunk of one kind's values at a time.
PARSE_MANY_SPLIT_OVER = 2000
_PARSE_MANY_CHUNK = 250


def parse_many(values: Iterable[tuple[str, str]], region: str | None = None, *, parallel: bool = True
               ) -> list[tuple[str, tuple[str, ...], tuple[str, ...]] | InvalidInput]:
    """`parse_tuple(kind, value, region)` of each (kind, value) of `values` (strings), in order, or the
    InvalidInput it raises (an invalid value, an unknown kind): what a caller with many values
    in memory would get parsing them one by one, on both cores.

    Each distinct (kind, value) is parsed once, kind by kind (the interpreter keeps running one
    normaliser's code: FEBRL4's 30,000 values took a quarter less time than in their order), in chunks of
    one kind shared with a forked child as each process comes free (`parallel.balanced_map`;
    more than `PARSE_MANY_SPLIT_OVER` values, Linux, `parallel`). An answer depends on nothing
    but (kind, value, region), so a repeated value's is the first one's. A value the child
    could not parse, and every value without a child, is parsed in this process, and so is
    each refused value again, one by one: its error is raised here, each its own.

    The cyclic collector is paused meanwhile (`results._without_cyclic_gc`: the answers are
    tuples of strings, no cycle to find), and what was kept then moved to its oldest generation."""
    from ..linkage.results import _without_cyclic_gc

    with _without_cyclic_gc():
        return _parse_many(list(values), region, parallel)


def _parse_many(items: list[tuple[str, str]], region: str | None, parallel: bool
                ) -> list[tuple[str, tuple[str, ...], tuple[str, ...]] | InvalidInput]:
    by_kind: dict[str, dict[str, None]] = {}
    for kind, value in items:
        texts = by_kind.get(kind)
        if texts is None:
            texts = by_kind[kind] = {}
        texts[value] = None
    chunks = [(kind, listed[at:at + _PARSE_MANY_CHUNK])
              for kind, distinct in by_kind.items() for listed in (list(distinct),)
              for at in range(0, len(listed), _PARSE_MANY_CHUNK)]
    answers: dict[tuple[str, str], tuple[str, tuple[str, ...], tuple[str, ...]] | None] = {}
    split = parallel and len(items) > PARSE_MANY_SPLIT_OVER
    for (kind, chunk), parsed in zip(chunks, _parallel.balanced_map(partial(_parse_chunk, region), chunks,
                                                                    parallel=split), strict=True):
        answers.update(zip([(kind, text) for text in chunk], parsed, strict=True))
    out: list = []
    append = out.append
    for item in items:
        answer = answers[item]
        if answer is not None:
            append(answer)
            continue
        try:  # refused (or its kind unknown): parsed again here for its own error
            append(parse_tuple(item[0], item[1], region))
        except InvalidInput as error:
            append(error)
    return out


def _parse_chunk(region: str | None, chunk: tuple[str, list[str]]
                 ) -> list[tuple[str, tuple[str, ...], tuple[str, ...]] | None]:
    """`parse_many`'s answers for one kind's values (in the child or here): None for a value
    refused, every value of a kind unknown."""
    kind, texts = chunk
    entry = KINDS.get(kind) if isinstance(kind, str) else None
    if entry is None:
        return [None] * len(texts)
    parse = entry.parse_tuple
    out: list = []
    for text in texts:
        try:
            out.append(parse(text, region))
        except Exception:  # noqa: BLE001 - parsed again by parse_many, which returns the error
            out.append(None)
    return out


# Kinds whose Chinese values are masked as written (`深圳市星*贸易有限公司`), not from their
# normalised form, which reads places and trade words in English (`shenzhen 星* trading`).
MASKED_AS_WRITTEN = frozenset({"company_name", "address", "supplier"})


def mask(kind: str, normalized: str, raw: str | None = None) -> str:
    """How a normalised value is shown unless revealed: `j***@example.com`, `****8000`. `raw`,
    the value as written, where the caller has it: a Chinese name or address is masked from it."""
    entry = get_kind(kind)
    if raw is not None and kind in MASKED_AS_WRITTEN and not raw.isascii() and _has_cjk(raw):
        if not entry.sensitive:
            return " ".join(raw.split())  # shown anyway: as written
        try:
            return mask_cjk_text(raw)
        except Exception:  # noqa: BLE001 - a mask must never fail or fall back to the value
            return "***"
    return entry.mask(normalized)


# Kinds a table read by a person shows as entered ("KORVELL", "SF Express", "DESKTOP-7Q2M4KD")
# rather than normalised: nothing to mask, and no canonical form to type back (browser_profile's
# `vendor:id` is what --browser takes). JSON and CSV keep what they always gave.
SHOWN_AS_ENTERED = frozenset(k.name for k in _ENTRIES if not k.sensitive) - {"browser_profile"}


def shown(kind: str, normalized: str, raw: str) -> str:
    """A value as a person's table shows it unless revealed: as entered (spaces collapsed) for
    SHOWN_AS_ENTERED kinds, else `mask`."""
    if kind in SHOWN_AS_ENTERED and raw.strip():
        return " ".join(raw.split())
    return mask(kind, normalized, raw)


# Kinds whose rejected values an error message quotes only partly (see accounts.shown_in_error).
SECRET_KINDS = frozenset(k.name for k in _ENTRIES if k.in_errors == SECRET)
