"""Readers of anti-detect browser profiles: one module per vendor, registered here by name.

Each module has `VENDOR`, `DEFAULT_API`, `from_api(base, key, timeout)` and `from_file(path)`,
both yielding common.BrowserProfile, and `open_profile(base, key, profile_id)` when the vendor's
local API can start a profile.
"""

from __future__ import annotations

import importlib

VENDORS = ("adspower", "bitbrowser", "ziniao", "gologin")


def reader(vendor: str):
    if vendor not in VENDORS:
        from ...errors import UsageError

        raise UsageError(f"unknown browser vendor {vendor[:30]!r}; one of {', '.join(VENDORS)}")
    return importlib.import_module(f"{__name__}.{vendor}")
