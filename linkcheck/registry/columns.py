"""Column names an import file may use: the aliases of the account fields and of each kind.

A spreadsheet's header is matched loosely: `column_key` folds case, full-width characters
(NFKC), surrounding spaces and the difference between '_', '-' and spaces, so "E-Mail",
"e_mail" and "ＥＭＡＩＬ" are one name. Besides the names in `ALIASES`, a kind's own name
and its English and Chinese labels (registry/kinds.py) are always accepted.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from .kinds import KINDS

ACCOUNT_FIELDS = ("account", "marketplace", "status", "note")
# The account's identity as the marketplace knows it (models.IDENTITY_FIELDS); `export` writes
# these columns only when some account has one, so other exports keep their columns.
IDENTITY_COLUMNS = ("display_name", "merchant_token", "legal_name_en", "legal_name_local")
RECORD_FIELDS = ACCOUNT_FIELDS + IDENTITY_COLUMNS

# Field or kind -> the other names a header may give it (English, then Chinese).
ALIASES: dict[str, tuple[str, ...]] = {
    "account": ("account name", "store", "store name", "shop", "shop name", "seller", "seller name",
                "账号", "账户", "账户名", "店铺", "店铺名", "店铺名称"),
    "marketplace": ("site", "platform", "market", "channel", "站点", "平台"),
    "status": ("state", "account status", "状态", "账号状态", "店铺状态"),
    "note": ("notes", "remark", "remarks", "comment", "comments", "备注", "说明"),
    "display_name": ("store display name", "display name", "店铺显示名称", "显示名称"),
    "merchant_token": ("merchant id", "seller id", "卖家记号", "卖家编号"),
    "legal_name_en": ("legal name (english)", "english legal name", "公司英文名称", "英文名称"),
    "legal_name_local": ("legal name (local)", "local legal name", "公司中文名称", "中文名称"),
    "email": ("e-mail", "email address", "mail", "邮箱", "电子邮件", "邮件", "邮箱地址", "邮件地址", "电子邮箱",
              "电子邮件地址"),
    "phone": ("phone number", "telephone", "tel", "mobile", "mobile phone", "cell phone",
              "电话", "手机", "手机号", "手机号码", "联系电话"),
    "company_name": ("company", "business name", "legal name", "公司名称", "公司", "企业名称"),
    "legal_representative": ("legal rep", "legal representative name", "representative",
                             "法人", "法定代表人", "法人代表", "法人姓名", "法定代表人姓名"),
    "id_number": ("id number", "id card", "id card number", "passport", "passport number", "identity document",
                  "身份证", "身份证号", "身份证号码", "证件号", "证件号码", "法人身份证", "法人身份证号",
                  "法人身份证号码", "护照号",
                  "护照号码"),
    "address": ("company address", "business address", "地址", "公司地址"),
    "bank_account": ("bank account number", "iban", "银行账号", "银行卡号", "银行卡", "对公账号", "对公账户"),
    "card": ("credit card", "credit card number", "card number", "信用卡", "信用卡号"),
    "payment_account": ("payout account", "收款账户", "收款账号"),
    "tax_id": ("tax number", "vat", "vat number", "vat id", "ein", "税号", "纳税人识别号"),
    "registration_number": ("company registration number", "business registration number",
                            "统一社会信用代码", "营业执照号", "营业执照号码", "营业执照注册号", "社会信用代码",
                            "信用代码", "注册号"),
    "ip": ("ip address", "IP地址"),
    "browser_profile": ("browser profile id", "profile", "紫鸟环境", "比特浏览器环境", "指纹浏览器环境", "浏览器环境ID"),
    "mac": ("mac address", "MAC地址", "网卡地址"),
    "brand": ("brand name", "品牌"),
    "supplier": ("vendor", "供应商"),
    "logistics": ("logistics provider", "shipping", "carrier", "物流"),
    "category": ("product category", "类目"),
}

# Columns spreadsheets of Chinese sellers and agencies often carry that hold nothing a marketplace
# links accounts by: skipped with a note, not a refused file (a bank's name is not its account;
# a marketplace never sees a WeChat id).
IGNORED_COLUMNS = ("开户行", "开户银行", "银行名称", "bank name", "bank", "微信", "微信号", "wechat", "wechat id",
                   "qq", "qq号")

_SEPARATORS = re.compile(r"[\s_\-]+")


def column_key(header: str) -> str:
    """The form headers are compared in: "  E-Mail " and "ｅ_mail" -> "email"."""
    text = unicodedata.normalize("NFKC", header).strip().strip("\ufeff").casefold()
    return _SEPARATORS.sub("", text)


def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for name in (*RECORD_FIELDS, *KINDS):
        table.setdefault(column_key(name), name)
    for name, aliases in ALIASES.items():
        for alias in aliases:
            table.setdefault(column_key(alias), name)
    for kind in KINDS.values():  # a kind's labels, where no alias above has taken them
        for label in (kind.label, kind.label_zh):
            table.setdefault(column_key(label), kind.name)
    return table


COLUMNS: dict[str, str] = _table()
_IGNORED = frozenset(column_key(h) for h in IGNORED_COLUMNS) - frozenset(COLUMNS)


def header_in(name: str, like: str | None = None) -> str:
    """How a header naming field or kind NAME is best written in the interface's language: the
    name itself, or in Chinese its first Chinese alias (统一社会信用代码 for registration_number)
    -- unless `like`, the header the user wrote, is in Latin letters ("emial": email, not 邮箱)."""
    from ..i18n import language

    if language() == "zh" and (like is None or not like.isascii()):
        chinese = [a for a in ALIASES.get(name, ()) if not a.isascii()]
        if chinese:
            return chinese[0]
        kind = KINDS.get(name)
        if kind is not None and kind.label_zh:
            return kind.label_zh
    return name


def ignored_column(header: str) -> bool:
    """Whether a header names a column linkcheck skips on purpose (`IGNORED_COLUMNS`)."""
    return column_key(header) in _IGNORED


def column_name(header: str) -> str | None:
    """The field or kind a header names, or None."""
    return COLUMNS.get(column_key(header))


def column_suggestion(header: str) -> str | None:
    """The field or kind an unknown header was most likely meant to name ("emial" -> email)."""
    close = difflib.get_close_matches(column_key(header), list(COLUMNS), n=1, cutoff=0.75)
    return COLUMNS[close[0]] if close else None
