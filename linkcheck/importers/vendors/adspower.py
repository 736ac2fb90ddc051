"""AdsPower: local API at 127.0.0.1:50325 with a Bearer key; JSON export of the same rows.

`POST /api/v2/browser-profile/list {page, limit}` (falls back to `GET /api/v1/user/list
?page=&page_size=` on HTTP 404); answers `{code: 0, msg, data: {list: [...]}}`. Start:
`GET /api/v1/browser/start?user_id=`. Fields: see README "AdsPower".
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ...i18n import _
from .common import (
    BrowserProfile, unknown_settings, Garbage, LocalApi, VendorUnavailable, check_base_url, file_rows, loads_nested, items, iter_pages, obj, parse_rows,
    proxy_unsaid, proxy_url, text,
)

VENDOR = "adspower"
DEFAULT_API = "http://127.0.0.1:50325"
KEY_ENV = "LINKCHECK_ADSPOWER_API_KEY"
KEY_REQUIRED = False  # the key is needed only when AdsPower's security check is on
PAGE = 100


def _client(base: str, key: str | None, timeout: float) -> LocalApi:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return LocalApi(VENDOR, check_base_url(base), headers=headers, timeout=timeout)


def _data(answer, path: str) -> dict:
    if not isinstance(answer, dict) or not isinstance(answer.get("code"), int):
        raise Garbage(_("{VENDOR}: the answer from {path} is not {{code, data}}", VENDOR=VENDOR, path=path))
    if answer["code"] != 0:
        msg = str(answer.get("msg") or "")[:120]
        if "key" in msg.lower() or "auth" in msg.lower():
            raise VendorUnavailable(_("{VENDOR}: the local API refused the key ({msg})", VENDOR=VENDOR, msg=msg))
        raise VendorUnavailable(_("{VENDOR}: the local API said code {answer} ({msg})", VENDOR=VENDOR, answer=answer['code'], msg=msg))
    data = answer.get("data")
    if not isinstance(data, dict):
        raise Garbage(_("{VENDOR}: the answer from {path} has no data object", VENDOR=VENDOR, path=path))
    return data


def from_api(base: str, key: str | None, timeout: float) -> Iterator[BrowserProfile]:
    api = _client(base, key, timeout)
    v1 = False

    def fetch(page: int) -> list:
        nonlocal v1
        if not v1:
            try:
                data = _data(api.call("POST", "/api/v2/browser-profile/list", body={"page": page, "limit": PAGE}),
                             "/api/v2/browser-profile/list")
                return items(data.get("list"), f"{VENDOR}: data.list")
            except VendorUnavailable as exc:
                if "HTTP 404" not in str(exc):
                    raise
                v1 = True
        data = _data(api.call("GET", "/api/v1/user/list", query={"page": page, "page_size": PAGE}),
                     "/api/v1/user/list")
        return items(data.get("list"), f"{VENDOR}: data.list")

    yield from parse_rows(iter_pages(fetch, 1, PAGE, VENDOR), parse, lambda n: _("{vendor} profile #{n}", vendor=VENDOR, n=n))


def from_file(path: Path, encoding: str | None = None) -> Iterator[BrowserProfile]:
    yield from parse_rows(file_rows(path, encoding=encoding), parse,
                          lambda n: _("{file}: profile #{n}", file=path.name, n=n))


def parse(row, where: str) -> BrowserProfile:
    if not isinstance(row, dict):
        raise Garbage(_("{where} is not an object", where=where))
    ident = text(row, "profile_id", where) or text(row, "user_id", where)
    if not ident:
        raise Garbage(_("{where} has no profile_id or user_id", where=where))
    proxy = obj(row, "user_proxy_config", where)
    fp = obj(row, "fingerprint_config", where)
    webgl = obj(fp, "webgl_config", where)
    mac = obj(fp, "mac_address_config", where)
    account = obj(row, "platform_account", where)
    tags = tuple(
        text(t, "name", where) if isinstance(t, dict) else str(t)
        for t in items(row.get("tags") or row.get("profile_tags"), f"{where}: tags")
    )
    exit_ips = tuple(x for x in (text(row, "ip", where), text(row, "last_ip", where)) if x)
    cookies: tuple[tuple[str, str], ...] = ()
    cookie = row.get("cookie")
    if isinstance(cookie, str) and cookie.strip().startswith("["):
        cookie = loads_nested(cookie, where, "cookie")
    if isinstance(cookie, list):
        cookies = tuple(
            (text(c, "domain", where), text(c, "value", where)) for c in cookie if isinstance(c, dict)
        )
    passthrough = []
    if text(fp, "canvas", where) == "0":
        passthrough.append("canvas")
    if text(fp, "webgl_image", where) == "0":
        passthrough.append("webgl")
    if text(fp, "webgl", where) == "0":
        passthrough.append("webgl_real")  # 0: the computer's own WebGL metadata
    if text(fp, "audio", where) == "0":
        passthrough.append("audio")
    if text(mac, "model", where) == "0":
        passthrough.append("mac_real")  # 0: use the computer's MAC
    if text(fp, "device_name_switch", where) == "0":
        passthrough.append("device_name_real")  # 0: the computer's own name
    language = fp.get("language")
    return BrowserProfile(
        vendor=VENDOR,
        id=ident,
        name=text(row, "name", where),
        remark=text(row, "remark", where),
        group=text(row, "group_name", where),
        tags=tuple(t for t in tags if t),
        # proxy_soft "no_proxy" turns the proxy off whatever proxy_type and the host still say.
        proxy=None if text(proxy, "proxy_soft", where).lower() == "no_proxy" else
        proxy_url(text(proxy, "proxy_type", where), text(proxy, "proxy_host", where),
                  text(proxy, "proxy_port", where), text(proxy, "proxy_user", where),
                  text(proxy, "proxy_password", where)),
        exit_ips=exit_ips,
        proxy_account=text(proxy, "proxy_url", where) or None,
        platform_login=text(account, "login_user", where) or text(row, "username", where) or None,
        totp_secret=text(account, "fakey", where) or text(row, "fakey", where) or None,
        cookies=cookies,
        device_name=text(fp, "device_name", where) or None,
        mac=text(mac, "address", where) or None,
        fingerprint={
            "ua": text(fp, "ua", where), "webgl_vendor": text(webgl, "unmasked_vendor", where),
            "webgl_renderer": text(webgl, "unmasked_renderer", where),
            "screen": text(fp, "screen_resolution", where), "cpu": text(fp, "hardware_concurrency", where),
            "memory": text(fp, "device_memory", where),
            "fonts": [str(f) for f in items(fp.get("fonts"), f"{where}: fonts")],
            "platform": text(row, "platform", where),
        },
        passthrough=tuple(passthrough),
        webrtc_real=text(fp, "webrtc", where).lower() == "local",  # "local": the real IPs
        unknown=(("proxy",) if text(proxy, "proxy_soft", where).lower() != "no_proxy" and proxy_unsaid(
            text(proxy, "proxy_type", where), text(proxy, "proxy_host", where), text(proxy, "proxy_port", where))
            else ()) + unknown_settings(
            ("webrtc", fp.get("webrtc"), ("disabled", "forward", "proxy", "local", "disableudp")),
            ("mac", mac.get("model"), ("0", "1", "2")),
            ("device_name", fp.get("device_name_switch"), ("0", "1", "2")),
            ("hardware", fp.get("canvas"), ("0", "1")), ("hardware", fp.get("webgl_image"), ("0", "1")),
            ("hardware", fp.get("audio"), ("0", "1")), ("hardware", fp.get("webgl"), ("0", "2", "3")),
        ),
        timezone=text(fp, "timezone", where),
        language=",".join(str(x) for x in language) if isinstance(language, list) else "",
        country=text(row, "ip_country", where, limit=8),
    )


def open_profile(base: str, key: str | None, profile_id: str, timeout: float) -> dict:
    """Start the profile (GET /api/v1/browser/start?user_id=); the answer's data (ws endpoints)."""
    api = _client(base, key, timeout)
    return _data(api.call("GET", "/api/v1/browser/start", query={"user_id": profile_id}), "/api/v1/browser/start")
