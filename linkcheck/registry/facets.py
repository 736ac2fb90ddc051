"""Facets: what sharing each match key means -- level, family, reasons, labels, fuzzy comparison."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from ..models import Level

CRITICAL, HIGH, MEDIUM, LOW = Level.CRITICAL, Level.HIGH, Level.MEDIUM, Level.LOW

# A facet's level may also be CONTEXT: low, shown beside a pair linked by something else, never
# a link by itself (a rules file may say so too, or "off").
CONTEXT = "context"

# ---------------------------------------------------------------------------------------------
# Evidence weights (Fellegi-Sunter, as Splink does it)
#
# A finding's weight is a match weight: log2 of its Bayes factor m/u, where m is how often two
# accounts of one operator share the value and u how often two unrelated accounts do. Each
# facet's comparison levels (the exact key, a fuzzy match) carry one; a shared value's weight
# is then adjusted by how common the value is (linkage.evidence.weigh). A pair's weight is the
# strongest finding of each family, summed (linkage.evidence.pair_weight), and the pair's
# level is the one that sum reaches through WEIGHT_THRESHOLDS -- one table for findings and
# pairs, so a pair is always at least as strong as its strongest finding.
#
# Weight of each level (what a facet whose rules say "high" weighs): roughly m ~ 0.9 and
# u ~ 6e-8 (critical: one card, one phone, one machine), 2e-4 (high), 4e-2 (medium), 0.3 (low).
LEVEL_WEIGHTS = {CRITICAL: 24.0, HIGH: 12.0, MEDIUM: 4.5, LOW: 1.5}
# The level a weight reaches: at least 22 critical, 10 high, 4 medium, 1 low; below 1 it is
# context (shown beside a pair linked by something else, never a link alone). So a strong
# identifier is critical alone, and so are two high findings of two families (12 + 12); a
# high finding and a rare name (12 + 9) are high, and so are three medium findings of three
# families (3 x 4.5), while two stay medium (9), as do a medium and a low one.
WEIGHT_THRESHOLDS = ((22.0, CRITICAL), (10.0, HIGH), (4.0, MEDIUM), (1.0, LOW))


def level_of_weight(weight: float) -> Level | None:
    """The level a finding or a pair of this weight reaches, None below 1 (context)."""
    for threshold, level in WEIGHT_THRESHOLDS:
        if weight >= threshold:
            return level
    return None


def threshold_of(level: Level) -> float:
    """The least weight that reaches `level`."""
    return next(threshold for threshold, reached in WEIGHT_THRESHOLDS if reached == level)


# Match keys are "facet:value"; a key starting with this is a blocking value for fuzzy
# comparison ("~company_name:acme"), never a match by itself.
BLOCKING_PREFIX = "~"


@dataclass(frozen=True)
class FuzzyDefault:
    """A facet compared fuzzily after blocking: the default threshold (a rapidfuzz
    token_sort_ratio score, 0-100), the level a match gives, the comparison levels tried after
    the exact key, in order (names in linkage.comparisons.LEVELS), and the reason shown."""

    threshold: float
    level: Level
    comparisons: tuple[str, ...]
    reason: str
    reason_zh: str
    weight: float | None = None  # match weight of a fuzzy match; None: LEVEL_WEIGHTS[level]


@dataclass(frozen=True)
class Facet:
    """One facet a match key can carry.

    `level` is the default level of sharing it (or CONTEXT); a `family` groups facets that are
    one piece of evidence: sharing an IP and its router is one fact ("same network"), so a
    pair's summed weight counts each family once (its strongest finding). `label`/`label_zh`
    name a facet that is no kind's own (a kind's facet is named by the kind's label).
    `around`: the shared key is something around the value (a network, a domain) -- two
    accounts share it while each has its own value in it; `network`: that something is an IP
    network.
    """

    name: str
    level: Level | str
    family: str
    reason: str
    reason_zh: str
    label: str = ""
    label_zh: str = ""
    around: bool = False
    network: bool = False
    fuzzy: FuzzyDefault | None = None
    # A partial-agreement level ("near": one digit substituted, two swapped, one dropped), tried
    # after the exact key and the fuzzy levels, with its own modest weight (NEAR_WEIGHT).
    near: FuzzyDefault | None = None
    # Match weight of the exact key (None: LEVEL_WEIGHTS[level]); `common`: a value many
    # accounts of the store hold counts less (term frequency); `names`: the weight comes from
    # how common the person's name is (normalize.person.name_share).
    weight: float | None = None
    common: bool = False
    names: bool = False

    @property
    def exact_weight(self) -> float:
        if self.weight is not None:
            return self.weight
        return 0.0 if self.level == CONTEXT else LEVEL_WEIGHTS[self.level]  # type: ignore[index]  # not CONTEXT: a Level

    @property
    def fuzzy_weight(self) -> float | None:
        if self.fuzzy is None:
            return None
        return self.fuzzy.weight if self.fuzzy.weight is not None else LEVEL_WEIGHTS[self.fuzzy.level]

    @property
    def near_weight(self) -> float | None:
        if self.near is None:
            return None
        return self.near.weight if self.near.weight is not None else LEVEL_WEIGHTS[self.near.level]


# The "near" comparison level (Fellegi-Sunter's partial agreement, as Splink's Levenshtein-1
# level): two id numbers, or the numbers of two otherwise alike addresses, one digit apart --
# one substituted, two neighbours swapped, one dropped or added (Damerau-Levenshtein 1). A typo
# of one value reads so (m: a few per cent of one operator's pairs), but so do neighbours (12
# and 13 Some Street) and numbers issued one after the other: u is far from negligible in a
# store of thousands. So it weighs 3 bits: low alone, never a link by itself, but beside a
# rare name (9) or a near-identical address (4.5) it can lift a pair to high.
NEAR_WEIGHT = 3.0
# A near id that reads as a typo of one number, not as two numbers issued close together
# (linkage.evidence.typo_reading): two neighbouring digits swapped, one digit other than the
# last changed (comparisons.id_typo; letters after the last digit are not digits), or one of the
# two failing its check digits where the other passes. It weighs NEAR_WEIGHT + ID_TYPO_BITS = 7
# bits, by the Fellegi-Sunter reasoning of LEVEL_WEIGHTS: m, how often one operator's two
# accounts carry such a typo of one number typed twice, about 1 in 30 (0.033); u, how often two
# unrelated accounts' numbers are that near: an n-digit number has 9(n-1) + (n-1) = 10(n-1) such
# neighbours (60 for the shortest near id, 7 digits), and the numbers of one store are not
# spread over all 10^n -- they come from one registry's recent years, taken here as a range of
# 240,000 -- so u is about 60 / 240,000 = 2.5e-4, and log2(0.033 / 2.5e-4) = 7.0. The last digit
# changed stays at NEAR_WEIGHT: numbers issued one after the other (an agent registering
# companies the same day) differ there, where of two numbers issued within a hundred of each
# other only about 1 in 100 read as two neighbours swapped. Never a pair alone either
# (evidence.alone_is_no_link).
ID_TYPO_BITS = 4.0
_NEAR_ID = FuzzyDefault(0, LOW, ("near_digits",),
                        "Numbers one digit apart: a typo of one number, or two numbers issued close together.",
                        "号码仅差一位数字：可能是同一号码的笔误，也可能是相近时间签发的两个号码。", weight=NEAR_WEIGHT)


_ENTRIES = (
    Facet("tax_id", CRITICAL, "legal",
          "Shared tax ID: one tax registration means one legal entity to the marketplace.",
          "共用税号：同一税务登记会被平台视为同一法律主体。", near=_NEAR_ID),
    Facet("registration_number", CRITICAL, "legal",
          "Shared business registration number: the accounts belong to one registered company.",
          "共用营业执照注册号：这些账户属于同一家注册公司。", near=_NEAR_ID),
    Facet("bank_account", CRITICAL, "payment",
          "Shared bank account: marketplaces treat one payout account as one operator.",
          "共用收款银行账户：平台将同一收款账户视为同一经营者。"),
    Facet("card", CRITICAL, "payment",
          "Shared payment card: one card on several accounts links them directly.",
          "共用付款卡：同一张卡绑定多个账户会被直接关联。"),
    Facet("payment_account", CRITICAL, "payment",
          "Shared payment account (PayPal, Payoneer, ...): one wallet means one operator.",
          "共用第三方收款账户（如 PayPal、Payoneer）：同一钱包即同一经营者。"),
    Facet("email", CRITICAL, "contact",
          "Shared email address: one mailbox controls both accounts.",
          "共用邮箱：同一个邮箱控制着这些账户。"),
    Facet("phone", CRITICAL, "contact",
          "Shared phone number: one number verifies both accounts.",
          "共用手机号：同一个号码验证了这些账户。"),
    Facet("mac", CRITICAL, "device",
          "Shared network adapter (MAC address): the accounts were used from the same computer.",
          "共用网卡 MAC 地址：这些账户在同一台电脑上使用过。"),
    Facet("machine_id", CRITICAL, "device",
          "Shared machine ID: the same operating-system installation used both accounts.",
          "共用机器 ID：同一个操作系统安装登录过这些账户。"),
    Facet("browser_fingerprint", CRITICAL, "device",
          "Shared browser fingerprint: the marketplace sees the same browser on both accounts.",
          "共用浏览器指纹：平台看到这些账户使用同一个浏览器。"),
    Facet("ip", HIGH, "network",
          "Shared public IP address: the accounts connected from the same network.",
          "共用公网 IP：这些账户从同一网络登录。"),
    Facet("gateway_mac", HIGH, "network",
          "Shared router (gateway MAC): the accounts were used behind the same router.",
          "共用路由器（网关 MAC）：这些账户在同一台路由器下使用。"),
    Facet("wifi_bssid", HIGH, "network",
          "Shared Wi-Fi access point: the accounts were used on the same wireless network.",
          "共用 Wi-Fi 接入点（BSSID）：这些账户在同一无线网络下使用。"),
    Facet("company_name", HIGH, "legal",
          "Same company name: the accounts present themselves as one business.",
          "相同公司名称：这些账户以同一企业的身份经营。",
          fuzzy=FuzzyDefault(92, MEDIUM, ("typo",),
                             "Near-identical company names: a typo or variant of one name reads as the same company.",
                             "公司名称高度相似：拼写错误或写法变体会被视为同一家公司。"),
          common=True,
    ),
    Facet("address", HIGH, "place",
          "Same business address: marketplaces link accounts registered at one address.",
          "相同经营地址：平台会关联注册在同一地址的账户。",
          fuzzy=FuzzyDefault(92, MEDIUM, ("typo", "same_place"),
                             "Near-identical addresses: a typo or variant of one address reads as the same place.",
                             "地址高度相似：拼写错误或写法变体会被视为同一地址。"),
          # Partial agreement (NEAR_WEIGHT): one number a digit apart, or the address compared
          # by its parts -- numbers, street and locality words -- where no level matched
          # (linkage.comparisons.parts_agree, tried by engine.score_blocks and compare).
          near=FuzzyDefault(92, LOW, ("near_number",),
                            "Addresses that agree in part (one number a digit apart, or the same house number, "
                            "street and postcode with words added, left out or mistyped): a typo, or a neighbour.",
                            "地址部分一致（一个号码差一位数字，或门牌号、街道和邮编相同但多写、漏写或写错了词）："
                            "可能是笔误，也可能是邻居。",
                            weight=NEAR_WEIGHT),
          common=True,
    ),
    Facet("legal_representative", MEDIUM, "person",
          # a name, not a person: two people can bear it (the weight says how rare it is)
          "Same legal representative name: possibly one person behind both businesses (the rarer the name, "
          "the likelier).",
          "法定代表人同名：可能是同一个人担任这些企业的负责人（名字越少见，可能性越大）。",
          # Two spellings of a name weigh as the commoner one less 2 bits (evidence.
          # FUZZY_NAME_BITS), so at most the exact weight less 2: a typo of a rare name is
          # medium alone, high beside a near-identical address (7 + 4.5).
          fuzzy=FuzzyDefault(90, MEDIUM, ("typo",),
                             "Near-identical legal representative names: probably the same person.",
                             "法定代表人姓名高度相似：很可能是同一个人。", weight=7.0),
          # Partial agreement (NEAR_WEIGHT at most): the same family name beside another given
          # name, or one left out (linkage.comparisons.names_agree_in_part, tried in the
          # blocking groups by engine.score_blocks and compare), weighed by how common the
          # family name is (linkage.evidence.name_part_weight): a rare one 3 bits, a common
          # one (Smith, Wang) nothing. Never a pair alone, like the near levels.
          near=FuzzyDefault(0, LOW, (),
                            "Legal representatives with the same uncommon family name but another given name "
                            "(or none): one person written differently, or relatives.",
                            "法定代表人姓氏相同且不常见，但名字不同（或未写名字）：可能是同一人的不同写法，也可能是亲属。",
                            weight=NEAR_WEIGHT),
          # A name alone never says as much as an address: a rare name is medium (at most
          # 9; beside the same address 21, high), a common one context (see
          # linkage.evidence.name_weight).
          weight=9.0, common=True, names=True,
    ),
    # The same identity document (a resident ID, a passport) is the same person: one fact with
    # the legal representative's name (family "person"), but as strong as any identifier.
    Facet("id_number", CRITICAL, "person",
          "Same identity document number (ID card or passport): one person stands behind both accounts.",
          "相同身份证件号码（身份证或护照）：这些账户背后是同一个人。"),
    Facet("ip_network", MEDIUM, "network",
          "Same IP network (/24 or /64): the accounts connected from neighbouring addresses of one block.",
          "同一 IP 网段（/24 或 /64）：这些账户来自同一网段的相邻地址。",
          label="IP network (/24 or /64)", label_zh="IP 网段（/24 或 /64）", around=True, network=True),
    Facet("email_domain", MEDIUM, "contact",
          "Same private email domain: the mailboxes belong to one organisation.",
          "相同企业邮箱域名：这些邮箱属于同一个组织。",
          label="email domain", label_zh="邮箱域名", around=True),
    Facet("hostname", MEDIUM, "device",
          "Same computer name: often the same machine, or machines set up by one person.",
          "相同计算机名：常见于同一台电脑，或由同一人配置的电脑。", common=True),
    Facet("brand", MEDIUM, "business",
          "Same brand: the accounts sell under one brand.",
          "相同品牌：这些账户销售同一个品牌。", common=True),
    Facet("supplier", MEDIUM, "business",
          "Same supplier: weak on its own, stronger beside other shared values.",
          "相同供应商：单独看较弱，与其他共用信息叠加时更强。", common=True),
    Facet("logistics", CONTEXT, "context",
          "Same logistics provider: context only, common among unrelated sellers.",
          "相同物流渠道：仅作参考，无关卖家也很常见。"),
    Facet("category", CONTEXT, "context",
          "Same product category: context only, it never links accounts by itself.",
          "相同商品类目：仅作参考，本身不会关联账户。"),
    # ----- anti-detect browser profiles and proxies (issue 15; evidence: shared/ecosystem/) -----
    Facet("browser_profile", CRITICAL, "device",
          "Same anti-detect browser profile: both accounts are logged in from one browser environment.",
          "同一个防关联浏览器环境：这些账户在同一个浏览器环境中登录。"),
    Facet("proxy", HIGH, "network",
          "Same proxy (host, port and user): the marketplace sees both accounts come from one exit.",
          "共用同一代理（主机、端口和用户）：平台看到这些账户来自同一出口。"),
    Facet("proxy_account", HIGH, "network",
          "Same proxy account or IP-refresh URL: the profiles rotate together, so they share exit IPs.",
          "共用代理账户或换 IP 链接：这些环境一起换 IP，会共用出口 IP。"),
    Facet("platform_login", CRITICAL, "contact",
          "Same marketplace login in two profiles: one login is one account holder.",
          "两个环境使用同一平台登录账号：同一登录即同一账户持有人。"),
    Facet("totp_secret", CRITICAL, "contact",
          "Same 2FA secret: one authenticator seed verifies both accounts.",
          "共用两步验证密钥：同一验证器种子验证了这些账户。"),
    Facet("cookie", CRITICAL, "device",
          "Same session cookie: the marketplace sees one browser session on both accounts.",
          "共用会话 Cookie：平台看到这些账户是同一个浏览器会话。"),
    Facet("device_name", MEDIUM, "device",
          "Same device name shown by the browser: often copied from one computer.",
          "浏览器显示相同设备名称：常见于从同一台电脑复制。"),
)

FACETS: Mapping[str, Facet] = MappingProxyType({facet.name: facet for facet in _ENTRIES})
FACET_NAMES: tuple[str, ...] = tuple(FACETS)
# Facets whose shared key is a network around the value rather than the value itself.
NETWORK_FACETS = frozenset(f.name for f in _ENTRIES if f.network)
# Facets whose shared key is something around the value (a network, a domain).
AROUND_FACETS = frozenset(f.name for f in _ENTRIES if f.around)


def facet_labels(*, zh: bool = False) -> dict[str, str]:
    """The names of the facets that are no kind's own: {"ip_network": "IP network (/24 or /64)", ...}."""
    return {f.name: (f.label_zh if zh else f.label) for f in _ENTRIES if f.label}
