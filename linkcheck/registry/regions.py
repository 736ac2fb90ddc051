"""Regions: the country of a marketplace, for phone numbers written without their country code."""

from __future__ import annotations

import difflib
import re


# Two-letter top-level domains that are sold worldwide and say nothing about a country.
_GENERIC_CCTLDS = frozenset("io co ai tv me cc ws fm gg ly to so sh ac eu am im is la md nu tk vc".split())
# The marketplaces linkcheck knows, each with the country its sellers sell in (None: several or
# none); `known_marketplace` checks an account's marketplace against it. Order matters only for
# "did you mean": on a tie, the earlier one is suggested.
MARKETPLACES: dict[str, str | None] = {
    # Amazon
    "amazon.com": "US", "amazon.ca": "CA", "amazon.com.mx": "MX", "amazon.com.br": "BR", "amazon.co.uk": "GB",
    "amazon.de": "DE", "amazon.fr": "FR", "amazon.it": "IT", "amazon.es": "ES", "amazon.nl": "NL", "amazon.se": "SE",
    "amazon.pl": "PL", "amazon.com.be": "BE", "amazon.com.tr": "TR", "amazon.ae": "AE", "amazon.sa": "SA",
    "amazon.eg": "EG", "amazon.in": "IN", "amazon.co.jp": "JP", "amazon.com.au": "AU", "amazon.sg": "SG",
    "amazon.cn": "CN", "amazon.ie": "IE", "amazon.co.za": "ZA",
    # eBay
    "ebay.com": "US", "ebay.co.uk": "GB", "ebay.de": "DE", "ebay.fr": "FR", "ebay.it": "IT", "ebay.es": "ES",
    "ebay.ca": "CA", "ebay.com.au": "AU", "ebay.at": "AT", "ebay.ch": "CH", "ebay.nl": "NL", "ebay.be": "BE",
    "ebay.pl": "PL", "ebay.ie": "IE",
    # Walmart
    "walmart.com": "US", "walmart.ca": "CA", "walmart.com.mx": "MX",
    # Shopee
    "shopee.sg": "SG", "shopee.com.my": "MY", "shopee.co.th": "TH", "shopee.ph": "PH", "shopee.vn": "VN",
    "shopee.co.id": "ID", "shopee.tw": "TW", "shopee.com.br": "BR", "shopee.com.mx": "MX",
    # Lazada
    "lazada.sg": "SG", "lazada.com.my": "MY", "lazada.co.th": "TH", "lazada.com.ph": "PH", "lazada.vn": "VN",
    "lazada.co.id": "ID",
    # Mercado Libre
    "mercadolibre.com.mx": "MX", "mercadolivre.com.br": "BR", "mercadolibre.com.ar": "AR",
    "mercadolibre.cl": "CL", "mercadolibre.com.co": "CO",
    # Others
    "tiktok.com": None, "temu.com": None, "etsy.com": None, "aliexpress.com": None, "shein.com": None,
    "rakuten.co.jp": "JP", "rakuten.com": "US", "allegro.pl": "PL", "zalando.de": "DE", "zalando.co.uk": "GB",
    "zalando.fr": "FR", "noon.com": None, "flipkart.com": "IN", "coupang.com": "KR", "target.com": "US",
    "bestbuy.com": "US", "newegg.com": "US", "wayfair.com": "US", "overstock.com": "US", "cdiscount.com": "FR",
    "bol.com": "NL", "ozon.ru": "RU", "wildberries.ru": "RU", "kaufland.de": "DE", "otto.de": "DE",
    "fruugo.com": None, "wish.com": None, "joom.com": None, "daraz.pk": "PK", "jumia.com.ng": "NG",
}
# A marketplace written as its platform's name, without a site ("Amazon", "TikTok Shop"): known,
# but says nothing about a country.
PLATFORMS = frozenset({
    "amazon", "ebay", "walmart", "shopee", "tiktok", "tiktok shop", "temu", "lazada", "mercado libre",
    "mercadolibre", "etsy", "aliexpress", "rakuten", "allegro", "zalando", "noon", "flipkart", "coupang",
    "shein", "target", "bestbuy", "wayfair", "cdiscount", "bol.com", "ozon", "wildberries", "kaufland", "otto",
    "shopify", "wish", "daraz", "jumia",
    "亚马逊", "易贝", "沃尔玛", "虾皮", "抖音", "拼多多", "速卖通", "希音",
})
# ".com" sites whose sellers are in one country.
# Amazon's sites as Chinese sellers name them: 美国站, 亚马逊美国, 亚马逊日本站... -> the site.
_AMAZON_COUNTRIES_ZH = {
    "美国": "amazon.com", "加拿大": "amazon.ca", "墨西哥": "amazon.com.mx", "巴西": "amazon.com.br",
    "英国": "amazon.co.uk", "德国": "amazon.de", "法国": "amazon.fr", "意大利": "amazon.it", "西班牙": "amazon.es",
    "荷兰": "amazon.nl", "瑞典": "amazon.se", "波兰": "amazon.pl", "比利时": "amazon.com.be", "土耳其": "amazon.com.tr",
    "阿联酋": "amazon.ae", "沙特": "amazon.sa", "埃及": "amazon.eg", "印度": "amazon.in", "日本": "amazon.co.jp",
    "澳洲": "amazon.com.au", "澳大利亚": "amazon.com.au", "新加坡": "amazon.sg", "爱尔兰": "amazon.ie",
    "南非": "amazon.co.za", "中国": "amazon.cn",
}
MARKETPLACE_WORDS: dict[str, str] = {
    word: site
    for country, site in _AMAZON_COUNTRIES_ZH.items()
    for word in (f"{country}站", f"亚马逊{country}", f"亚马逊{country}站", f"amazon{country}", f"amazon{country}站")
}
_COM_SITES = {site[:-4]: country for site, country in MARKETPLACES.items()
              if country and site.endswith(".com") and site.count(".") == 1}
_URL_PREFIX = re.compile(r"^[a-z][a-z0-9+.-]*://")


def region_for_marketplace(marketplace: str) -> str | None:
    """The country of a marketplace: "amazon.co.uk" -> "GB", "amazon.de" -> "DE",
    "amazon.com" -> "US", "ebay.com.au" -> "AU"; a two-letter code is taken as is
    ("UK" is GB). None when the marketplace says nothing about a country."""
    if not isinstance(marketplace, str):
        return None
    try:  # (an import asks twice for every account, of a few marketplaces)
        return _REGIONS_OF[marketplace]
    except KeyError:
        pass
    region = _region_for_marketplace(marketplace)
    if len(_REGIONS_OF) < 4096:
        _REGIONS_OF[marketplace] = region
    return region


_REGIONS_OF: dict[str, str | None] = {}


def _region_for_marketplace(marketplace: str) -> str | None:
    site = marketplace_site(marketplace)
    if site is not None:
        marketplace = site
    text = _URL_PREFIX.sub("", marketplace.strip().lower()[:255])
    text = text.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    if not text:
        return None
    if "." not in text:
        code = "GB" if text == "uk" else text.upper()
        return code if len(code) == 2 and _known_region(code) else None
    labels = text.split(".")
    tld = labels[-1]
    if tld == "com":
        return _COM_SITES.get(labels[-2])
    if len(tld) != 2 or tld in _GENERIC_CCTLDS:
        return None
    code = "GB" if tld == "uk" else tld.upper()
    return code if _known_region(code) else None


def marketplace_site(marketplace: str) -> str | None:
    """The Amazon site a Chinese name of it means ("美国站", "亚马逊日本" -> amazon.co.jp), or None."""
    if not marketplace or marketplace.isascii():
        return None
    return MARKETPLACE_WORDS.get("".join(marketplace.split()).lower())


def marketplace_in(marketplace: str, lang: str) -> str:
    """A marketplace as a letter or statement in LANG names it: a Chinese name of an Amazon site
    (美国站) as the site (amazon.com) in English, as written in Chinese; anything else as written."""
    if lang == "zh" or not marketplace:
        return marketplace
    return marketplace_site(marketplace) or marketplace


def _known_region(code: str) -> bool:
    """Whether phonenumbers knows the region (imported here: most commands never ask; a plain
    `import` in a function costs ~0.1 us a call, `from phonenumbers import ...` ~2 us)."""
    import phonenumbers

    return code in phonenumbers.SUPPORTED_REGIONS


def _host(marketplace: str) -> str:
    text = _URL_PREFIX.sub("", marketplace.strip().lower()[:255])
    return text.split("/", 1)[0].split(":", 1)[0].rstrip(".")


def _site(host: str) -> str | None:
    """The known marketplace a host belongs to: "sellercentral.amazon.co.uk" -> "amazon.co.uk"."""
    labels = host.split(".")
    for i in range(len(labels) - 1):
        site = ".".join(labels[i:])
        if site in MARKETPLACES:
            return site
    return None


def known_marketplace(marketplace: str) -> bool:
    """Whether linkcheck knows this marketplace: a site of MARKETPLACES (any subdomain of it, with
    or without https://), a platform's name, or a two-letter country code."""
    host = _host(marketplace)
    if not host or marketplace_site(marketplace) is not None:
        return True
    if _site(host) or " ".join(host.split()) in PLATFORMS:
        return True
    return "." not in host and region_for_marketplace(host) is not None


def marketplace_suggestion(marketplace: str) -> str | None:
    """The known marketplace an unknown one was most likely meant to be ("amazon.con" -> amazon.com)."""
    host = _host(marketplace)
    if not host.isascii():  # 美国站点, 亚马逊 美国站: the Chinese names of the sites
        words = difflib.get_close_matches("".join(host.split()), list(MARKETPLACE_WORDS), n=1, cutoff=0.6)
        return MARKETPLACE_WORDS[words[0]] if words else None
    names = list(MARKETPLACES)
    close = difflib.get_close_matches(host, names, n=5, cutoff=0.8)
    if not close:
        return None
    return min(close, key=lambda name: (_edits(host, name), names.index(name)))


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (two short strings)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def region_code(region: str | None) -> str | None:
    """`--region` as given: a country code (`US`, `uk`) or a marketplace (`amazon.de`)."""
    if region is None or not region.strip():
        return None
    if "." in region:
        return region_for_marketplace(region) or region
    return region
