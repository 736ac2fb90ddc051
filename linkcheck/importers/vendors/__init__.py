"""Readers of anti-detect browser profiles: one module per vendor, registered here by name.

Each module has `VENDOR`, `DEFAULT_API`, `from_api(base, key, timeout)` and `from_file(path)`,
both yielding common.BrowserProfile, and `open_profile(base, key, profile_id)` when the vendor's
local API can start a profile.
"""

from __future__ import annotations

import importlib
from ...i18n import _

VENDORS = ("adspower", "bitbrowser", "ziniao", "gologin")


def reader(vendor: str):
    if vendor not in VENDORS:
        from ...errors import UsageError

        raise UsageError(_("unknown browser vendor {vendor!r}; one of {items}", vendor=vendor[:30], items=', '.join(VENDORS)))
    return importlib.import_module(f"{__name__}.{vendor}")
