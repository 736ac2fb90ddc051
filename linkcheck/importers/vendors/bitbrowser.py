"""BitBrowser: free local API at 127.0.0.1:54345, every call a POST with a JSON body, answers
`{success, data | msg}`. `POST /browser/list {page (from 0), pageSize <= 100}`; start:
`POST /browser/open {id}`. Fields: see README "BitBrowser".
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ...i18n import _
from .common import (
    BrowserProfile, unknown_settings, Garbage, LocalApi, VendorUnavailable, check_base_url, file_rows, loads_nested, items, iter_pages, obj, parse_rows,
    proxy_unsaid, proxy_url, text,
)

VENDOR = "bitbrowser"
DEFAULT_API = "http://127.0.0.1:54345"
KEY_ENV = "LINKCHECK_BITBROWSER_API_KEY"
KEY_REQUIRED = False
PAGE = 100


def _client(base: str, key: str | None, timeout: float) -> LocalApi:
    headers = {"x-api-key": key} if key else {}
    return LocalApi(VENDOR, check_base_url(base), headers=headers, timeout=timeout)


def _data(answer, path: str):
    if not isinstance(answer, dict) or not isinstance(answer.get("success"), bool):
        raise Garbage(_("{VENDOR}: the answer from {path} is not {{success, data}}", VENDOR=VENDOR, path=path))
    if not answer["success"]:
        raise VendorUnavailable(_("{VENDOR}: the local API said no ({value})", VENDOR=VENDOR, value=str(answer.get('msg') or '')[:120]))
    return answer.get("data")


def from_api(base: str, key: str | None, timeout: float) -> Iterator[BrowserProfile]:
    api = _client(base, key, timeout)

    def fetch(page: int) -> list:
        data = _data(api.call("POST", "/browser/list", body={"page": page, "pageSize": PAGE}), "/browser/list")
        if not isinstance(data, dict):
            raise Garbage(_("{VENDOR}: /browser/list has no data object", VENDOR=VENDOR))
        return items(data.get("list"), f"{VENDOR}: data.list")

    yield from parse_rows(iter_pages(fetch, 0, PAGE, VENDOR), parse, lambda n: _("{vendor} profile #{n}", vendor=VENDOR, n=n))


def from_file(path: Path, encoding: str | None = None) -> Iterator[BrowserProfile]:
    yield from parse_rows(file_rows(path, encoding=encoding), parse,
                          lambda n: _("{file}: profile #{n}", file=path.name, n=n))


def parse(row, where: str) -> BrowserProfile:
    if not isinstance(row, dict):
        raise Garbage(_("{where} is not an object", where=where))
    ident = text(row, "id", where)
    if not ident:
        raise Garbage(_("{where} has no id", where=where))
    fp = obj(row, "browserFingerPrint", where)
    tags = tuple(
        text(t, "tagName", where) if isinstance(t, dict) else str(t)
        for t in items(row.get("browserTags"), f"{where}: browserTags")
    )
    proxy_type = text(row, "proxyType", where) or ("noproxy" if text(row, "proxyMethod", where) == "" else "http")
    cookies: tuple[tuple[str, str], ...] = ()
    cookie = row.get("cookie")
    if isinstance(cookie, str) and cookie.strip().startswith("["):
        cookie = loads_nested(cookie, where, "cookie")
    if isinstance(cookie, list):
        cookies = tuple((text(c, "domain", where), text(c, "value", where)) for c in cookie if isinstance(c, dict))
    passthrough = []
    if text(fp, "canvas", where) == "1":  # '0' random noise, '1' off
        passthrough.append("canvas")
    if text(fp, "webGL", where) == "1":
        passthrough.append("webgl")
    if text(fp, "webGLMeta", where) == "1":
        passthrough.append("webgl_real")
    if text(fp, "audioContext", where) == "1":
        passthrough.append("audio")
    if fp.get("deviceInfoEnabled") is False:  # no custom device info: the computer's own name and MAC
        passthrough.extend(("mac_real", "device_name_real"))
    exit_ips = tuple(x for x in (text(row, "lastIp", where), text(row, "ip", where)) if x)
    return BrowserProfile(
        vendor=VENDOR,
        id=ident,
        name=text(row, "name", where),
        remark=text(row, "remark", where),
        group=text(row, "groupName", where),
        tags=tuple(t for t in tags if t),
        proxy=proxy_url(proxy_type, text(row, "host", where), text(row, "port", where),
                        text(row, "proxyUserName", where), text(row, "proxyPassword", where)),
        exit_ips=exit_ips,
        proxy_account=text(row, "dynamicIpUrl", where) or None,
        platform_login=text(row, "userName", where) or None,
        totp_secret=text(row, "faSecretKey", where) or None,
        cookies=cookies,
        device_name=text(fp, "computerName", where) or None,
        mac=text(fp, "macAddr", where) or None,
        fingerprint={
            "ua": text(fp, "userAgent", where), "webgl_vendor": text(fp, "webGLManufacturer", where),
            "webgl_renderer": text(fp, "webGLRender", where), "screen": text(fp, "resolution", where),
            "cpu": text(fp, "hardwareConcurrency", where), "memory": text(fp, "deviceMemory", where),
            "fonts": [], "platform": text(fp, "os", where) or text(row, "os", where),
        },
        passthrough=tuple(passthrough),
        webrtc_real=text(fp, "webRTC", where) == "1",  # '0' replace, '1' allow (real), '2' block, '3' privacy
        # proxyMethod 3 (an IP extracted when the profile starts) names a type but no host.
        unknown=(("proxy",) if proxy_unsaid(proxy_type, text(row, "host", where), text(row, "port", where)) else ())
        + unknown_settings(
            ("webrtc", fp.get("webRTC"), ("0", "1", "2", "3")),
            ("mac", fp.get("deviceInfoEnabled"), ("true", "false")),
            ("device_name", fp.get("deviceInfoEnabled"), ("true", "false")),
            ("hardware", fp.get("canvas"), ("0", "1")), ("hardware", fp.get("webGL"), ("0", "1")),
            ("hardware", fp.get("webGLMeta"), ("0", "1")), ("hardware", fp.get("audioContext"), ("0", "1")),
        ),
        timezone=text(fp, "timeZone", where),
        language=text(fp, "languages", where),
        country=text(row, "lastCountry", where, limit=8),
    )


def open_profile(base: str, key: str | None, profile_id: str, timeout: float) -> dict:
    """Start the profile (POST /browser/open {id})."""
    api = _client(base, key, timeout)
    data = _data(api.call("POST", "/browser/open", body={"id": profile_id}), "/browser/open")
    return data if isinstance(data, dict) else {}
