"""Regions: the country of a marketplace, for phone numbers written without their country code."""

from __future__ import annotations

import re

from phonenumbers import SUPPORTED_REGIONS


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


def region_code(region: str | None) -> str | None:
    """`--region` as given: a country code (`US`, `uk`) or a marketplace (`amazon.de`)."""
    if region is None or not region.strip():
        return None
    if "." in region:
        return region_for_marketplace(region) or region
    return region
