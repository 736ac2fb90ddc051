"""The linkage rules: how strongly each shared facet links two accounts, and the user's overrides."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import InvalidInput
from .formats import read_user_text
from .models import Level

CRITICAL, HIGH, MEDIUM, LOW = Level.CRITICAL, Level.HIGH, Level.MEDIUM, Level.LOW

# Words usable as a facet's level in a rules file, beyond the four levels.
CONTEXT = "context"  # low, shown beside a pair linked by something else, never a link by itself
OFF = "off"  # ignored entirely

# facet -> (default level or CONTEXT, family, reason (English), reason (Chinese)).
# A family groups facets that are one piece of evidence: sharing an IP and its router is one
# fact ("same network"), so the combination rule counts families, not findings.
FACET_TABLE: dict[str, tuple[Level | str, str, str, str]] = {
    "tax_id": (
        CRITICAL, "legal",
        "Shared tax ID: one tax registration means one legal entity to the marketplace.",
        "共用税号：同一税务登记会被平台视为同一法律主体。",
    ),
    "registration_number": (
        CRITICAL, "legal",
        "Shared business registration number: the accounts belong to one registered company.",
        "共用营业执照注册号：这些账号属于同一家注册公司。",
    ),
    "bank_account": (
        CRITICAL, "payment",
        "Shared bank account: marketplaces treat one payout account as one operator.",
        "共用收款银行账户：平台将同一收款账户视为同一经营者。",
    ),
    "card": (
        CRITICAL, "payment",
        "Shared payment card: one card on several accounts links them directly.",
        "共用付款卡：同一张卡绑定多个账号会被直接关联。",
    ),
    "payment_account": (
        CRITICAL, "payment",
        "Shared payment account (PayPal, Payoneer, ...): one wallet means one operator.",
        "共用第三方收款账户（如 PayPal、Payoneer）：同一钱包即同一经营者。",
    ),
    "email": (
        CRITICAL, "contact",
        "Shared email address: one mailbox controls both accounts.",
        "共用邮箱：同一个邮箱控制着这些账号。",
    ),
    "phone": (
        CRITICAL, "contact",
        "Shared phone number: one number verifies both accounts.",
        "共用手机号：同一个号码验证了这些账号。",
    ),
    "mac": (
        CRITICAL, "device",
        "Shared network adapter (MAC address): the accounts were used from the same computer.",
        "共用网卡 MAC 地址：这些账号在同一台电脑上使用过。",
    ),
    "machine_id": (
        CRITICAL, "device",
        "Shared machine ID: the same operating-system installation used both accounts.",
        "共用机器 ID：同一个操作系统安装登录过这些账号。",
    ),
    "browser_fingerprint": (
        CRITICAL, "device",
        "Shared browser fingerprint: the marketplace sees the same browser on both accounts.",
        "共用浏览器指纹：平台看到这些账号使用同一个浏览器。",
    ),
    "ip": (
        HIGH, "network",
        "Shared public IP address: the accounts connected from the same network.",
        "共用公网 IP：这些账号从同一网络登录。",
    ),
    "gateway_mac": (
        HIGH, "network",
        "Shared router (gateway MAC): the accounts were used behind the same router.",
        "共用路由器（网关 MAC）：这些账号在同一台路由器下使用。",
    ),
    "wifi_bssid": (
        HIGH, "network",
        "Shared Wi-Fi access point: the accounts were used on the same wireless network.",
        "共用 Wi-Fi 接入点（BSSID）：这些账号在同一无线网络下使用。",
    ),
    "company_name": (
        HIGH, "legal",
        "Same company name: the accounts present themselves as one business.",
        "相同公司名称：这些账号以同一企业的身份经营。",
    ),
    "address": (
        HIGH, "place",
        "Same business address: marketplaces link accounts registered at one address.",
        "相同经营地址：平台会关联注册在同一地址的账号。",
    ),
    "legal_representative": (
        HIGH, "person",
        "Same legal representative: one person stands behind both businesses.",
        "相同法定代表人：同一个人是这些企业的负责人。",
    ),
    "ip_network": (
        MEDIUM, "network",
        "Same IP network (/24 or /64): the accounts connected from neighbouring addresses of one block.",
        "同一 IP 网段（/24 或 /64）：这些账号来自同一网段的相邻地址。",
    ),
    "email_domain": (
        MEDIUM, "contact",
        "Same private email domain: the mailboxes belong to one organisation.",
        "相同企业邮箱域名：这些邮箱属于同一个组织。",
    ),
    "hostname": (
        MEDIUM, "device",
        "Same computer name: often the same machine, or machines set up by one person.",
        "相同计算机名：常见于同一台电脑，或由同一人配置的电脑。",
    ),
    "brand": (
        MEDIUM, "business",
        "Same brand: the accounts sell under one brand.",
        "相同品牌：这些账号销售同一个品牌。",
    ),
    "supplier": (
        MEDIUM, "business",
        "Same supplier: weak on its own, stronger beside other shared values.",
        "相同供应商：单独看较弱，与其他共用信息叠加时更强。",
    ),
    "logistics": (
        CONTEXT, "context",
        "Same logistics provider: context only, common among unrelated sellers.",
        "相同物流渠道：仅作参考，无关卖家也很常见。",
    ),
    "category": (
        CONTEXT, "context",
        "Same product category: context only, it never links accounts by itself.",
        "相同商品类目：仅作参考，本身不会关联账号。",
    ),
}

# Facets compared fuzzily after blocking: facet -> (threshold, level, reason en, reason zh).
# Thresholds are rapidfuzz token_sort_ratio scores (0-100); see engine.fuzzy_match for the
# guards applied on top (numbers must agree, differing words may differ only by a typo).
FUZZY_TABLE: dict[str, tuple[float, Level, str, str]] = {
    "company_name": (
        92, MEDIUM,
        "Near-identical company names: a typo or variant of one name reads as the same company.",
        "公司名称高度相似：拼写错误或写法变体会被视为同一家公司。",
    ),
    "address": (
        92, MEDIUM,
        "Near-identical addresses: a typo or variant of one address reads as the same place.",
        "地址高度相似：拼写错误或写法变体会被视为同一地址。",
    ),
    "legal_representative": (
        90, MEDIUM,
        "Near-identical legal representative names: probably the same person.",
        "法定代表人姓名高度相似：很可能是同一个人。",
    ),
}

# Facets whose shared key is a network around the value rather than the value itself.
NETWORK_FACETS = frozenset({"ip_network"})
# Facets whose shared key is something around the value (a network, a domain): two accounts
# share it while each has its own value in it.
AROUND_FACETS = NETWORK_FACETS | {"email_domain"}

FACETS = tuple(FACET_TABLE)
MIN_FUZZY_THRESHOLD = 50  # below this, unrelated names would match; refuse it


@dataclass(frozen=True)
class FacetRule:
    """How one shared facet counts. `level` None means the facet is switched off."""

    facet: str
    level: Level | None
    family: str
    reason: str
    reason_zh: str
    context: bool = False  # shown beside a pair linked by something else; never links alone
    fuzzy: bool = False

    @property
    def label(self) -> str:
        if self.level is None:
            return OFF
        return CONTEXT if self.context else self.level.label


@dataclass(frozen=True)
class FuzzyRule:
    """A fuzzy comparison of one facet: similarity needed (None = off) and the level it gives."""

    facet: str
    threshold: float | None
    level: Level
    family: str
    reason: str
    reason_zh: str
    context: bool = False
    fuzzy: bool = True


@dataclass(frozen=True)
class Combine:
    """Parameters of the combination rule and of the scale guards (see engine.pair_level)."""

    critical_after_high: int = 2  # high-or-stronger findings from this many families -> critical
    high_after_medium: int = 3  # medium-or-stronger findings from this many families -> high
    hub_size: int = 50  # a value shared by more accounts is reported once, as a hub
    fuzzy_block_cap: int = 200  # blocking groups larger than this are too generic to compare


@dataclass(frozen=True)
class Rules:
    """The effective rules: defaults, with a user's rules file applied on top."""

    facets: Mapping[str, FacetRule]
    fuzzy: Mapping[str, FuzzyRule]
    combine: Combine = field(default_factory=Combine)
    source: str | None = None  # the rules file these came from, None for the defaults
    health: Any = None  # health.HealthTargets from [health.*] tables; None: Amazon's targets everywhere

    def facet(self, name: str) -> FacetRule:
        """The rule for a facet. A facet missing from the table (a kind added later) counts as
        medium rather than crashing an audit; FACETS lists what the table knows."""
        rule = self.facets.get(name)
        if rule is None:
            return FacetRule(name, MEDIUM, name, f"Shared {name}.", f"共用 {name}。")
        return rule

    def as_dict(self) -> dict[str, Any]:
        """The rules in the rules-file format (JSON-ready); loading it back gives the same rules."""
        return {
            "levels": {f: r.label for f, r in self.facets.items()},
            "fuzzy": {
                f: {"threshold": OFF if r.threshold is None else r.threshold, "level": r.level.label}
                for f, r in self.fuzzy.items()
            },
            "combine": {
                "critical_after_high": self.combine.critical_after_high,
                "high_after_medium": self.combine.high_after_medium,
                "hub_size": self.combine.hub_size,
                "fuzzy_block_cap": self.combine.fuzzy_block_cap,
            },
        } | ({"health": self.health.as_dict()} if self.health is not None else {})


def _default_rules() -> Rules:
    facets = {}
    for facet, (level, family, reason, reason_zh) in FACET_TABLE.items():
        context = level == CONTEXT
        facets[facet] = FacetRule(facet, LOW if context else level, family, reason, reason_zh, context)
    fuzzy = {
        facet: FuzzyRule(facet, threshold, level, FACET_TABLE[facet][1], reason, reason_zh)
        for facet, (threshold, level, reason, reason_zh) in FUZZY_TABLE.items()
    }
    return Rules(MappingProxyType(facets), MappingProxyType(fuzzy), Combine())


DEFAULT_RULES = _default_rules()

_TOP_KEYS = ("levels", "fuzzy", "combine", "health")
_COMBINE_MINIMUM = {"critical_after_high": 2, "high_after_medium": 2, "hub_size": 2, "fuzzy_block_cap": 2}


def load_rules(path: str | Path | None) -> Rules:
    """The default rules, or the defaults with the rules file at `path` applied.

    The file is JSON or TOML (by suffix; otherwise sniffed), and every entry is checked:
    an unknown table, facet, level or parameter raises InvalidInput naming it.
    """
    if path is None:
        return DEFAULT_RULES
    path = Path(path)
    text = read_user_text(path, "rules file")
    return parse_rules(text, name=path.name, toml=_is_toml(path, text))


def _is_toml(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".toml", ".json"):
        return suffix == ".toml"
    return not text.lstrip().startswith("{")


def parse_rules(text: str, *, name: str = "rules", toml: bool = False) -> Rules:
    """Rules from the text of a rules file (JSON, or TOML when `toml`), over the defaults."""
    try:
        data = tomllib.loads(text) if toml else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = "TOML" if toml else "JSON"
        raise InvalidInput(f"rules file {name}: not valid {kind} ({exc})") from None
    except RecursionError:
        raise InvalidInput(f"rules file {name}: not valid {'TOML' if toml else 'JSON'} (nested too deeply)") from None
    return rules_from_dict(data, name=name)


def rules_from_dict(data: Any, *, name: str = "rules", base: Rules = DEFAULT_RULES) -> Rules:
    """Apply a parsed rules document to `base`, refusing anything it does not recognise."""

    def bad(where: str, problem: str) -> InvalidInput:
        return InvalidInput(f"rules file {name}: {where}: {problem}")

    if not isinstance(data, dict):
        raise bad("top level", "expected a table/object with levels, fuzzy and combine")
    for key in data:
        if key not in _TOP_KEYS:
            raise bad(key, f"unknown section; use {', '.join(_TOP_KEYS)}")

    facets = dict(base.facets)
    for facet, value in _section(data, "levels", bad).items():
        if facet not in facets:
            raise bad(f"levels.{facet}", f"unknown facet; known facets: {', '.join(facets)}")
        facets[facet] = _facet_rule(facets[facet], value, lambda p: bad(f"levels.{facet}", p))

    fuzzy = dict(base.fuzzy)
    for facet, value in _section(data, "fuzzy", bad).items():
        if facet not in fuzzy:
            raise bad(f"fuzzy.{facet}", f"not compared fuzzily; fuzzy facets: {', '.join(fuzzy)}")
        fuzzy[facet] = _fuzzy_rule(fuzzy[facet], value, lambda p: bad(f"fuzzy.{facet}", p))

    combine = base.combine
    for key, value in _section(data, "combine", bad).items():
        if key not in _COMBINE_MINIMUM:
            raise bad(f"combine.{key}", f"unknown parameter; use {', '.join(_COMBINE_MINIMUM)}")
        if not _is_int(value) or value < _COMBINE_MINIMUM[key]:
            raise bad(f"combine.{key}", f"expected a whole number >= {_COMBINE_MINIMUM[key]}, got {value!r}")
        combine = replace(combine, **{key: value})

    health = base.health
    if "health" in data:  # account-health targets per marketplace; the health module checks them
        from .health import targets_from_rules

        health = targets_from_rules(data["health"], bad, base=health)
    return Rules(MappingProxyType(facets), MappingProxyType(fuzzy), combine, source=name, health=health)


def _section(data: dict, key: str, bad) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise bad(key, "expected a table/object of entries")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_level(value: Any, bad, *, words: tuple[str, ...] = ()) -> Level | str:
    choices = ", ".join([level.label for level in sorted(Level, reverse=True)] + list(words))
    if not isinstance(value, str):
        raise bad(f"expected one of {choices}, got {value!r}")
    word = value.strip().lower()
    if word in words:
        return word
    try:
        return Level.parse(word)
    except ValueError:
        raise bad(f"unknown level {value!r}; use one of {choices}") from None


def _facet_rule(rule: FacetRule, value: Any, bad) -> FacetRule:
    level = _parse_level(value, bad, words=(CONTEXT, OFF))
    if level == OFF:
        return replace(rule, level=None, context=False)
    if level == CONTEXT:
        return replace(rule, level=LOW, context=True)
    return replace(rule, level=level, context=False)


def _fuzzy_rule(rule: FuzzyRule, value: Any, bad) -> FuzzyRule:
    # Shorthand: a number is the threshold, "off" switches the comparison off.
    if not isinstance(value, dict):
        value = {"threshold": value}
    for key in value:
        if key not in ("threshold", "level"):
            raise bad(f"unknown setting {key!r}; use threshold and level")
    if "threshold" in value:
        threshold = value["threshold"]
        if isinstance(threshold, str) and threshold.strip().lower() == OFF:
            rule = replace(rule, threshold=None)
        elif _is_number(threshold) and MIN_FUZZY_THRESHOLD <= threshold <= 100:
            rule = replace(rule, threshold=threshold)
        else:
            raise bad(
                f"threshold must be a similarity from {MIN_FUZZY_THRESHOLD} to 100 or \"off\", "
                f"got {threshold!r}"
            )
    if "level" in value:
        rule = replace(rule, level=_parse_level(value["level"], bad))
    return rule
