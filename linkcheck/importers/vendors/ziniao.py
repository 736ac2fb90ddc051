"""Ziniao (紫鸟): the client's WebDriver-mode HTTP port (`ziniao.exe --run_type=web_driver
--ipc_type=http --port=8848`): `POST / {action: "getBrowserList", requestId, company, username,
password}` answers `{statusCode: 0, browserList: [...]}`. The company login comes from
--api-key-file (JSON `{"company", "username", "password"}`) or $LINKCHECK_ZINIAO_LOGIN, never argv.
Store rows carry no fingerprint or proxy: under Ziniao's model the IP bound to the store is the
identity (`ip`, from the official store list export `storeId, storeName, platformName, ip`).

An export file's columns may also carry the Chinese names Ziniao's own documentation gives those
fields (ziniao-open/skills, `ziniao-store-list.md`: 店铺 ID, 店铺名称, 平台名称, 绑定的 IP),
compared as `import` compares headers; no other Chinese header is documented, so none is guessed.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Iterator

from ...i18n import _
from ...errors import InvalidInput
from .common import (
    BrowserProfile, Garbage, LocalApi, VendorUnavailable, check_base_url, file_rows, items, parse_rows, text,
)

VENDOR = "ziniao"
DEFAULT_API = "http://127.0.0.1:8848"
KEY_ENV = "LINKCHECK_ZINIAO_LOGIN"
KEY_REQUIRED = True


def _login(key: str) -> dict:
    try:
        login = json.loads(key)
    except ValueError:
        raise InvalidInput(_("the Ziniao login is JSON: {\"company\": ..., \"username\": ..., \"password\": ...}")) from None
    if not isinstance(login, dict) or not all(isinstance(login.get(k), str) for k in ("company", "username", "password")):
        raise InvalidInput(_("the Ziniao login is JSON: {\"company\": ..., \"username\": ..., \"password\": ...}"))
    return {k: login[k] for k in ("company", "username", "password")}


def from_api(base: str, key: str | None, timeout: float) -> Iterator[BrowserProfile]:
    api = LocalApi(VENDOR, check_base_url(base), timeout=timeout)
    body = {"action": "getBrowserList", "requestId": str(uuid.uuid4()), **_login(key or "")}
    answer = api.call("POST", "/", body=body)
    if not isinstance(answer, dict):
        raise Garbage(_("{VENDOR}: the answer to getBrowserList is not an object", VENDOR=VENDOR))
    status = answer.get("statusCode")
    if status not in (0, "0"):
        raise VendorUnavailable(_("{VENDOR}: getBrowserList failed (statusCode {status}; {value})", VENDOR=VENDOR, status=str(status)[:10], value=str(answer.get('err') or answer.get('msg') or '')[:100]))
    yield from parse_rows(items(answer.get("browserList"), f"{VENDOR}: browserList"), parse,
                          lambda n: _("{vendor} store #{n}", vendor=VENDOR, n=n))


# The fields a store row is read by, and the Chinese names Ziniao's documentation gives the store
# list's fields (ziniao-open/skills, skills/ziniao-store/references/ziniao-store-list.md).
FIELDS = ("browserId", "storeId", "browserName", "storeName", "remark", "platform_name", "platformName", "ip")
FILE_COLUMNS_ZH = {"店铺 ID": "storeId", "店铺名称": "storeName", "平台名称": "platformName", "绑定的 IP": "ip"}


def _file_columns() -> dict[str, str]:
    from ...registry.columns import column_key

    columns = {column_key(name): name for name in FIELDS}
    columns.update((column_key(header), name) for header, name in FILE_COLUMNS_ZH.items())
    return columns


def from_file(path: Path, encoding: str | None = None) -> Iterator[BrowserProfile]:
    rows = file_rows(path, encoding=encoding, columns=_file_columns())
    if rows and not any("browserId" in row or "storeId" in row for row in rows):
        found = ", ".join(repr(str(k)[:40]) for k in rows[0])[:300]
        raise Garbage(_("{path}: no store ID column: a Ziniao store list calls it storeId (店铺 ID); the file's "
                        "columns are {items}", path=path.name, items=found))
    yield from parse_rows(rows, parse, lambda n: _("{file}: store #{n}", file=path.name, n=n))


def parse(row, where: str) -> BrowserProfile:
    if not isinstance(row, dict):
        raise Garbage(_("{where} is not an object", where=where))
    ident = text(row, "browserId", where) or text(row, "storeId", where)
    if not ident:
        raise Garbage(_("{where} has no browserId or storeId", where=where))
    ip = text(row, "ip", where)
    return BrowserProfile(
        vendor=VENDOR,
        id=ident,
        # Ziniao reports no fingerprint settings: the gate takes every one as showing the computer.
        # Nor a proxy: the store leaves through the IP Ziniao binds to it, so "no proxy" is not said.
        unknown=("webrtc", "mac", "device_name", "hardware", "proxy"),
        name=text(row, "browserName", where) or text(row, "storeName", where),
        remark=text(row, "remark", where),
        group=text(row, "platform_name", where) or text(row, "platformName", where),
        exit_ips=(ip,) if ip else (),
    )
