"""What every anti-detect browser reader shares: the profile record, the bounded read-only HTTP
client for the vendors' local APIs, strict readers of hostile JSON/CSV, and turning a profile
into linkcheck attributes.

The vendor's answers are hostile input: every body is size-bounded, every field type-checked,
redirects are never followed, and anything unexpected is one InvalidInput line (exit 3). Proxy
passwords, 2FA secrets and cookie values are read into memory only to be dropped (passwords)
or turned into the store's keyed hash (secrets, cookies); they are never stored or shown.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ...i18n import _, os_reason
from ...errors import InvalidInput, LinkcheckError, UsageError
from ...normalize.browser import combined_fingerprint

MAX_BODY_BYTES = 16 * 2**20  # one page of a vendor's answer
MAX_FILE_BYTES = 64 * 2**20  # an export file
MAX_PAGES = 2000
# What the profiles read in one go may keep (cookies, tags, settings, counted by `kept_size`): a
# command holds every profile before it writes, so an answer of 2000 pages (each under 16 MiB)
# must not grow it to tens of gigabytes. As for an export file, 64 MiB.
MAX_KEPT_BYTES = 64 * 2**20
TIMEOUT_SECONDS = 5.0
EXIT_UNAVAILABLE = 2  # the vendor app is not running, or refused the key


class VendorUnavailable(LinkcheckError):
    """The vendor's local API cannot be reached or refused us: nothing was read."""

    exit_code = EXIT_UNAVAILABLE


class Garbage(InvalidInput):
    """The vendor answered something that is not what it documents (exit 3, nothing written)."""


@dataclass
class BrowserProfile:
    """One profile as read from a vendor, vendor-neutral. Secrets are held only until hashed."""

    vendor: str
    id: str
    name: str = ""
    remark: str = ""
    group: str = ""
    tags: tuple[str, ...] = ()
    proxy: str | None = None  # type://user:password@host:port as read; the kind drops the password
    exit_ips: tuple[str, ...] = ()
    proxy_account: str | None = None  # provider account or IP-refresh URL
    platform_login: str | None = None
    device_name: str | None = None
    mac: str | None = None
    fingerprint: dict = field(default_factory=dict)  # parts for normalize.browser.combined_fingerprint
    # real hardware showing through: "canvas", "webgl", "audio" noise off; "webgl_real" (the
    # computer's own WebGL); "mac_real", "device_name_real" (taken from the computer)
    passthrough: tuple[str, ...] = ()
    # WebRTC set to show the computer's real IP addresses (AdsPower `webrtc` "local", BitBrowser
    # `webRTC` "1", GoLogin `webRTC.mode` "real"): what the gate needs, not kept on file.
    webrtc_real: bool = False
    # What the vendor's answer leaves unsaid (a field missing, or a value linkcheck does not know):
    # "webrtc", "mac", "device_name", "hardware". The gate takes such a setting as showing the
    # computer (fails closed); the audit claims nothing about it. "proxy": a proxy the vendor
    # names but does not describe (proxy_unsaid; Ziniao's bound IP): not "no proxy".
    unknown: tuple[str, ...] = ()
    timezone: str = ""
    language: str = ""
    country: str = ""  # the exit IP's country as the vendor reports it (two letters)
    totp_secret: str | None = field(default=None, repr=False)
    cookies: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # (domain, value)

    @property
    def ref(self) -> str:
        return f"{self.vendor}:{self.id}"

    def labels(self) -> dict[str, tuple[str, ...]]:
        return {"name": (self.name,), "remark": (self.remark,), "group": (self.group,), "tag": self.tags}


# ---------------------------------------------------------------------------------------------
# Strict field readers


def text(row: dict, key: str, where: str, *, limit: int = 4096) -> str:
    """A text field ("" when absent or null); numbers are accepted as their decimal text."""
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        raise Garbage(_("{where}: field {key!r} is not text", where=where, key=key))
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise Garbage(_("{where}: field {key!r} is not text", where=where, key=key))
    if len(value) > limit:
        raise Garbage(_("{where}: field {key!r} is longer than {limit} characters", where=where, key=key, limit=limit))
    if not _encodes(value):
        raise Garbage(_("{where}: field {key!r} is not valid text (it holds a lone surrogate)", where=where, key=key))
    return value.strip()


def _encodes(value: str) -> bool:
    """Whether `value` is text UTF-8 can write: a lone surrogate (`"\\ud800"` is valid JSON) would
    fail later, in a hash or a URL, as an internal error."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


MAX_ROW_DEPTH = 16  # a profile row nests a few levels (fingerprint, proxy, cookies): far more is not one


def check_row(row: Any, where: str) -> None:
    """What `import` refuses in its input (importers/safety.py), for one row of a vendor's answer
    or export file, before any field is read: nesting deeper than MAX_ROW_DEPTH levels, and text
    (a key or a value, anywhere in the row) that holds a lone surrogate (exit 3, one line)."""
    stack: list[tuple[Any, int]] = [(row, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not _encodes(value):
                raise Garbage(_("{where}: a text value is not valid text (it holds a lone surrogate)", where=where))
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth >= MAX_ROW_DEPTH:
            raise Garbage(_("{where}: nested deeper than {n} levels", where=where, n=MAX_ROW_DEPTH))
        if isinstance(value, dict):
            for key, inner in value.items():
                stack.append((key, depth + 1))
                stack.append((inner, depth + 1))
        else:
            stack.extend((inner, depth + 1) for inner in value)


def loads_nested(value: str, where: str, key: str) -> Any:
    """A field a vendor sends as JSON text (cookies): parsed, and checked as a row is."""
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        raise Garbage(_("{where}: field {key!r} is not JSON", where=where, key=key)) from None
    check_row(parsed, where)
    return parsed


def obj(row: dict, key: str, where: str) -> dict:
    value = row.get(key)
    if value is None or value == "":
        return {}
    if isinstance(value, str):  # some vendors send nested objects as JSON text
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise Garbage(_("{where}: field {key!r} is not an object", where=where, key=key)) from None
        check_row(value, where)
    if not isinstance(value, dict):
        raise Garbage(_("{where}: field {key!r} is not an object", where=where, key=key))
    return value


def items(value: Any, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Garbage(_("{where} is not a list", where=where))
    return value


NO_PROXY_WORDS = ("no_proxy", "noproxy", "none", "direct")  # a vendor's proxy type meaning "no proxy"


def proxy_unsaid(scheme: str, host: str, port: str) -> bool:
    """The vendor names a kind of proxy but not where it is (a provider's own, an IP extracted at
    start): the profile has a proxy, so it is not "no proxy", but its exit is not known."""
    scheme = (scheme or "").strip().lower()
    return bool(scheme) and scheme not in NO_PROXY_WORDS and not (host and port)


def proxy_url(scheme: str, host: str, port: str, user: str = "", password: str = "") -> str | None:
    """type://user:password@host:port from a vendor's separate fields; None without host/port."""
    scheme = (scheme or "http").strip().lower()
    if not host or not port or scheme in ("", *NO_PROXY_WORDS):
        return None
    auth = ""
    if user:
        auth = urllib.parse.quote(user, safe="") + (":" + urllib.parse.quote(password, safe="") if password else "") + "@"
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{auth}{shown}:{port}"


# ---------------------------------------------------------------------------------------------
# The local API client


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "local.adspower.net"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, allowed_remote: tuple[str, ...] = ()) -> str:
    """A vendor API base: http(s) on this computer, or https to a host the vendor documents."""
    try:
        parsed = urllib.parse.urlsplit(url)
        host = parsed.hostname or ""
        parsed.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UsageError(_("--api {url!r} is not a valid URL", url=url)) from None
    if parsed.scheme in ("http", "https") and _is_loopback(host):
        return url.rstrip("/")
    if parsed.scheme == "https" and host in allowed_remote:
        return url.rstrip("/")
    raise UsageError(_("--api must be http://127.0.0.1:PORT (the vendor app on this computer), got host {host!r}", host=host))


class LocalApi:
    """Read-only JSON calls to a vendor's API: short timeout (for the whole call: an answer sent
    one byte at a time is cut off at it, capture/watchdog.py), bounded body, no redirects."""

    def __init__(self, vendor: str, base: str, *, headers: dict[str, str] | None = None,
                 timeout: float = TIMEOUT_SECONDS):
        import urllib.request

        class Refuse(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):  # never follow a redirect anywhere
                return None

        self.vendor = vendor
        self.base = base
        self.headers = dict(headers or {})
        self.timeout = timeout
        self._refuse = Refuse

    def call(self, method: str, path: str, *, query: dict | None = None, body: dict | None = None) -> Any:
        import http.client
        import socket
        import urllib.error
        import urllib.request

        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {"Accept": "application/json", "User-Agent": "linkcheck", **self.headers}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        from ...capture.watchdog import Watchdog, handlers

        watchdog = Watchdog(self.timeout)
        # No proxy from the environment: the app is on this computer.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), self._refuse(), *handlers(watchdog))
        try:
            with watchdog, opener.open(request, timeout=self.timeout) as response:
                raw = response.read(MAX_BODY_BYTES + 1)
            if watchdog.fired:  # cut off mid-answer: what was read is not the answer
                raise TimeoutError("timed out")
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise VendorUnavailable(_("{vendor}: the local API refused the key (HTTP {code})", vendor=self.vendor, code=exc.code)) from None
            if 300 <= exc.code < 400:
                raise Garbage(_("{vendor}: the local API answered with a redirect, which is not followed", vendor=self.vendor)) from None
            raise VendorUnavailable(_("{vendor}: the local API answered HTTP {code} to {path}", vendor=self.vendor, code=exc.code, path=path)) from None
        except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            why = ("timed out" if watchdog.fired or "timed out" in str(reason)
                   else (getattr(reason, "strerror", None) or "no answer"))
            raise VendorUnavailable(
                _("{vendor}: cannot reach the local API at {base} ({why}); is the app running with its local API enabled?", vendor=self.vendor, base=self.base, why=why)
            ) from None
        except http.client.HTTPException:
            if watchdog.fired:
                raise VendorUnavailable(
                    _("{vendor}: cannot reach the local API at {base} ({why}); is the app running with its local API enabled?", vendor=self.vendor, base=self.base, why="timed out")
                ) from None
            raise Garbage(_("{vendor}: the local API's answer is not valid HTTP", vendor=self.vendor)) from None
        if len(raw) > MAX_BODY_BYTES:
            raise Garbage(_("{vendor}: an answer from {path} is larger than {n} MiB", vendor=self.vendor, path=path, n=MAX_BODY_BYTES // 2 ** 20))
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise Garbage(_("{vendor}: the answer from {path} is not JSON", vendor=self.vendor, path=path)) from None


def read_key(vendor: str, key_file: Path | None, env_name: str, *, required: bool) -> str | None:
    """The API key from --api-key-file or the environment (never from argv)."""
    import os

    if key_file is not None:
        try:
            raw = key_file.read_bytes()[:4097]
        except OSError as exc:
            raise UsageError(_("cannot read --api-key-file {key_file} ({strerror})", key_file=key_file, strerror=os_reason(exc))) from None
        if len(raw) > 4096:
            raise InvalidInput(_("--api-key-file is longer than 4096 bytes"))
        try:
            key = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InvalidInput(_("--api-key-file is not UTF-8 text")) from None
    else:
        key = os.environ.get(env_name, "").strip()
    if not key and required and vendor == "ziniao":
        # Ziniao's client takes the company login, not a key.
        raise UsageError(_("ziniao needs your company login: put {{\"company\": \"…\", \"username\": \"…\", "
                           "\"password\": \"…\"}} in a file (--api-key-file FILE) or ${env_name}", env_name=env_name))
    if not key and required:
        raise UsageError(_("{vendor} needs an API key: put it in a file (--api-key-file FILE) or ${env_name}", vendor=vendor, env_name=env_name))
    return key or None


# ---------------------------------------------------------------------------------------------
# Export files


def read_file_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(_("cannot read {path} ({strerror})", path=path, strerror=os_reason(exc))) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidInput(_("{path}: larger than {n} MiB", path=path, n=MAX_FILE_BYTES // 2 ** 20))
    return raw


def file_rows(path: Path, list_keys: tuple[str, ...] = ("list", "data", "profiles", "browserList"), *,
              encoding: str | None = None, columns: dict[str, str] | None = None) -> list[dict]:
    """The rows of an export file: a JSON list (or an object holding one under a known key,
    possibly inside "data"), or a CSV whose dotted headers (proxy.host) become nested objects.

    Its text is read as `import` reads a CSV (`encoding`, else UTF-8 with or without a BOM,
    UTF-16 with its BOM, or GB18030 as Chinese Excel saves it). `columns` renames CSV headers,
    compared as `import` compares them (`column_key`: case, spaces, full-width, '_'/'-'), to the
    vendor's field names; other headers stay as they are."""
    from ..safety import decode_text

    raw = read_file_bytes(path)
    body = decode_text(path, raw, encoding)
    stripped = body.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise InvalidInput(_("{path}: not valid JSON", path=path)) from None
        for _attempt in range(3):
            if isinstance(data, dict):
                inner = next((data[k] for k in list_keys if k in data), None)
                if inner is None:
                    raise InvalidInput(_("{path}: no list of profiles (expected one of {items})", path=path, items=', '.join(list_keys)))
                data = inner
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InvalidInput(_("{path}: the profiles are not a list of objects", path=path))
        return data
    rows = []
    reader = csv.reader(io.StringIO(body))
    header = next(reader, None)
    if not header:
        raise InvalidInput(_("{path}: empty file", path=path))
    header = [h.strip() for h in header]
    if columns:
        from ...registry.columns import column_key

        header = [columns.get(column_key(h), h) for h in header]
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise InvalidInput(_("{path}: row {number} has more cells than the header", path=path, number=number))
        row: dict = {}
        for name, cell in zip(header, cells, strict=False):  # a short row leaves columns empty
            target = row
            parts = name.split(".")
            for part in parts[:-1]:
                target = target.setdefault(part, {})
                if not isinstance(target, dict):
                    raise InvalidInput(_("{path}: column {name!r} clashes with another column", path=path, name=name))
            target[parts[-1]] = cell
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# Profiles -> attributes


def fingerprint_hash(parts: dict) -> str | None:
    fonts = parts.get("fonts") or ()
    if isinstance(fonts, str):
        fonts = [f for f in fonts.replace(";", ",").split(",")]
    return combined_fingerprint(
        user_agent=str(parts.get("ua") or ""), webgl_vendor=str(parts.get("webgl_vendor") or ""),
        webgl_renderer=str(parts.get("webgl_renderer") or ""), screen=str(parts.get("screen") or ""),
        cpu=str(parts.get("cpu") or ""), memory=str(parts.get("memory") or ""), fonts=list(fonts),
        platform=str(parts.get("platform") or ""),
    )


def profile_values(p: BrowserProfile, keyed_hash: Callable[[str], str]) -> list[tuple[str, str]]:
    """(kind, value) pairs of a profile; secrets only as `keyed_hash` of a domain-separated text."""
    values = [("browser_profile", p.ref)]
    if p.proxy:
        values.append(("proxy", p.proxy))
    values.extend(("ip", ip) for ip in p.exit_ips if ip)
    if p.proxy_account:
        values.append(("proxy_account", p.proxy_account))
    if p.platform_login:
        values.append(("platform_login", p.platform_login))
    if p.totp_secret:
        secret = "".join(p.totp_secret.split()).upper()
        values.append(("totp_secret", keyed_hash("totp\x00" + secret)))
    for domain, value in p.cookies:
        if domain and value:
            clean = domain.strip().lstrip(".").lower()
            values.append(("cookie", f"{clean}:{keyed_hash('cookie' + chr(0) + clean + chr(0) + value)}"))
    if p.device_name:
        values.append(("device_name", p.device_name))
    if p.mac:
        values.append(("mac", p.mac))
    digest = fingerprint_hash(p.fingerprint)
    if digest:
        values.append(("browser_fingerprint", digest))
    return values


def note_of(ref: str) -> str:
    """The note every value taken from one profile carries: how re-import finds them again."""
    return f"browser {ref}"


def parse_rows(rows: Iterable[Any], parse: Callable[[Any, str], BrowserProfile],
               label: Callable[[int], str]) -> Iterator[BrowserProfile]:
    """Each row of a vendor's list through `parse`, named in its errors `label(N)` (from 1):
    "ziniao_cn.csv: store #1", in the interface language."""
    kept = 0
    for n, row in enumerate(rows):
        where = label(n + 1)
        check_row(row, where)
        try:
            profile = parse(row, where)
        except (TypeError, AttributeError, RecursionError, UnicodeError):
            # A field of a type or form the checks above did not foresee: still the vendor's
            # answer that is not as documented (exit 3), never an internal error.
            raise Garbage(_("{where}: a field has a type or form the vendor does not document", where=where)) from None
        kept += kept_size(profile)
        if kept > MAX_KEPT_BYTES:
            raise Garbage(_("{where}: the profiles read so far hold more than {n} MiB of cookies, tags and settings; "
                            "stopped, and nothing was written", where=where, n=MAX_KEPT_BYTES // 2 ** 20))
        yield profile


def kept_size(profile: BrowserProfile) -> int:
    """About how many bytes `profile` holds in memory (its texts and a share for each object)."""
    size = 2048 + sum(len(d) + len(v) + 120 for d, v in profile.cookies) + sum(len(t) + 60 for t in profile.tags)
    size += sum(len(str(k)) + len(str(v)) + 60 for k, v in profile.fingerprint.items())
    for value in (profile.name, profile.remark, profile.group, profile.proxy, profile.proxy_account,
                  profile.platform_login, profile.device_name, profile.totp_secret):
        size += len(value or "")
    return size


def iter_pages(fetch: Callable[[int], list], first: int, size: int, vendor: str) -> Iterator[Any]:
    """Every row of a paged list: pages until one comes back shorter than `size`."""
    page = first
    for _page in range(MAX_PAGES):
        rows = fetch(page)
        yield from rows
        if len(rows) < size:
            return
        page += 1
    raise Garbage(_("{vendor}: more than {MAX_PAGES} pages of profiles; stopped", vendor=vendor, MAX_PAGES=MAX_PAGES))


def unknown_settings(*checks: tuple[str, object, Iterable[str]]) -> tuple[str, ...]:
    """The settings whose value is not one of those known: (setting, value, known values), the
    value as the vendor sent it (None, missing). A setting named twice is unknown if either is."""
    out: list[str] = []
    for setting, value, known in checks:
        if (value is None or str(value).strip().lower() not in known) and setting not in out:
            out.append(setting)
    return tuple(out)
