"""Readers of anti-detect browser profiles: one module per vendor, registered here by name.

Each module has `VENDOR`, `DEFAULT_API`, `from_api(base, key, timeout)` and `from_file(path, encoding)`,
both yielding common.BrowserProfile, and `open_profile(base, key, profile_id)` when the vendor's
local API can start a profile.
"""

from __future__ import annotations

import importlib
from ...i18n import _, language

VENDORS = ("adspower", "bitbrowser", "ziniao", "gologin")
# The secrets linkcheck reads from the environment for each vendor (each module's KEY_ENV), named
# here so `run` strips them from the command it starts without importing every vendor.
KEY_ENVS = ("LINKCHECK_ADSPOWER_API_KEY", "LINKCHECK_BITBROWSER_API_KEY", "LINKCHECK_ZINIAO_LOGIN",
            "LINKCHECK_GOLOGIN_TOKEN")
# A vendor as a Chinese sentence names it (the help's names); English sentences, JSON and
# `--browser VENDOR:ID` keep the vendor's key.
VENDOR_NAMES_ZH = {"adspower": "AdsPower", "bitbrowser": "比特浏览器", "ziniao": "紫鸟", "gologin": "GoLogin"}


def vendor_name(vendor: str) -> str:
    """VENDOR as a sentence in the interface language names it."""
    return VENDOR_NAMES_ZH.get(vendor, vendor) if language() == "zh" else vendor


def reader(vendor: str):
    if vendor not in VENDORS:
        from ...errors import UsageError

        raise UsageError(_("unknown browser vendor {vendor!r}; one of {items}", vendor=vendor[:30], items=', '.join(VENDORS)))
    return importlib.import_module(f"{__name__}.{vendor}")
