"""GoLogin: profiles live in GoLogin's cloud: `GET https://api.gologin.com/browser/v2?page=N`
with a Bearer token answers `{profiles: [...], allProfilesCount}` (30 a page). The CSV export
(`profile_export_example.csv`) has dotted columns: `_id, name, notes, proxy.*, navigator.*,
webGLMetadata.vendor`, `cookies`… Fields: see README "GoLogin".
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ...i18n import _
from .common import (
    BrowserProfile, unknown_settings, Garbage, LocalApi, check_base_url, file_rows, loads_nested, items, iter_pages, obj, parse_rows, proxy_unsaid, proxy_url, text,
)

VENDOR = "gologin"
DEFAULT_API = "https://api.gologin.com"
KEY_ENV = "LINKCHECK_GOLOGIN_TOKEN"
KEY_REQUIRED = True
PAGE = 30


def from_api(base: str, key: str | None, timeout: float) -> Iterator[BrowserProfile]:
    api = LocalApi(VENDOR, check_base_url(base, allowed_remote=("api.gologin.com",)),
                   headers={"Authorization": f"Bearer {key}"}, timeout=timeout)

    def fetch(page: int) -> list:
        answer = api.call("GET", "/browser/v2", query={"page": page})
        if not isinstance(answer, dict):
            raise Garbage(_("{VENDOR}: the profile list is not an object", VENDOR=VENDOR))
        return items(answer.get("profiles"), f"{VENDOR}: profiles")

    yield from parse_rows(iter_pages(fetch, 1, PAGE, VENDOR), parse, lambda n: _("{vendor} profile #{n}", vendor=VENDOR, n=n))


def from_file(path: Path, encoding: str | None = None) -> Iterator[BrowserProfile]:
    yield from parse_rows(file_rows(path, encoding=encoding), parse,
                          lambda n: _("{file}: profile #{n}", file=path.name, n=n))


def parse(row, where: str) -> BrowserProfile:
    if not isinstance(row, dict):
        raise Garbage(_("{where} is not an object", where=where))
    ident = text(row, "id", where) or text(row, "_id", where)
    if not ident:
        raise Garbage(_("{where} has no id", where=where))
    nav = obj(row, "navigator", where)
    proxy = obj(row, "proxy", where)
    webgl = obj(row, "webGLMetadata", where)
    canvas = obj(row, "canvas", where)
    audio = obj(row, "audioContext", where)
    fonts = obj(row, "fonts", where)
    tz = obj(row, "timezone", where)
    webrtc = obj(row, "webRTC", where)
    cookies: tuple[tuple[str, str], ...] = ()
    raw_cookies = row.get("cookies")
    if isinstance(raw_cookies, str) and raw_cookies.strip().startswith("["):
        raw_cookies = loads_nested(raw_cookies, where, "cookies")
    if isinstance(raw_cookies, list):
        cookies = tuple((text(c, "domain", where), text(c, "value", where)) for c in raw_cookies if isinstance(c, dict))
    families = fonts.get("families")
    if isinstance(families, str):
        families = [f for f in families.split(",")]
    passthrough = []
    if text(canvas, "mode", where) == "off":
        passthrough.append("canvas")
    if text(obj(row, "webGL", where), "mode", where) == "off":
        passthrough.append("webgl")
    if text(webgl, "mode", where) == "off":
        passthrough.append("webgl_real")
    if text(audio, "mode", where) == "off" or str(audio.get("enable")).lower() == "false":
        passthrough.append("audio")
    public = text(webrtc, "publicIp", where)
    folders = items(row.get("folders"), f"{where}: folders") if not isinstance(row.get("folders"), str) else \
        [f for f in row["folders"].split(",") if f]
    tags = items(row.get("tags"), f"{where}: tags") if not isinstance(row.get("tags"), str) else \
        [t for t in row["tags"].split(",") if t]
    return BrowserProfile(
        vendor=VENDOR,
        id=ident,
        name=text(row, "name", where),
        remark=text(row, "notes", where),
        group=str(folders[0]).strip() if folders else "",
        tags=tuple(str(t).strip() for t in tags if str(t).strip()),
        proxy=proxy_url(text(proxy, "mode", where), text(proxy, "host", where), text(proxy, "port", where),
                        text(proxy, "username", where), text(proxy, "password", where)),
        exit_ips=(public,) if public else (),
        proxy_account=text(proxy, "changeIpUrl", where) or None,
        cookies=cookies,
        fingerprint={
            "ua": text(nav, "userAgent", where), "webgl_vendor": text(webgl, "vendor", where),
            "webgl_renderer": text(webgl, "renderer", where), "screen": text(nav, "resolution", where),
            "cpu": text(nav, "hardwareConcurrency", where), "memory": text(nav, "deviceMemory", where),
            "fonts": [str(f) for f in items(families, f"{where}: fonts")], "platform": text(nav, "platform", where),
        },
        passthrough=tuple(passthrough),
        webrtc_real=text(webrtc, "mode", where).lower() == "real",
        # GoLogin's own proxies (gologin, tor, geolocation) have no host in the profile.
        unknown=(("proxy",) if proxy_unsaid(text(proxy, "mode", where), text(proxy, "host", where),
                                            text(proxy, "port", where)) else ())
        + unknown_settings(  # GoLogin sets no MAC or device name: a website reads neither anyway
            ("webrtc", webrtc.get("mode"), ("alerted", "disabled", "real", "public", "noise")),
            ("hardware", canvas.get("mode"), ("off", "noise", "block")),
            ("hardware", obj(row, "webGL", where).get("mode"), ("off", "noise", "block")),
            ("hardware", webgl.get("mode"), ("off", "mask")),
            ("hardware", audio.get("mode") if "mode" in audio else audio.get("enable"), ("off", "noise", "true", "false")),
        ),
        timezone=text(tz, "timezone", where),
        language=text(nav, "language", where),
    )
