"""A SOCKS5 client just large enough to ask an IP echo service through a browser profile's proxy.

RFC 1928 (CONNECT only) with RFC 1929 username/password: the proxies AdsPower, BitBrowser and
GoLogin profiles use. The target host is sent as a name, so the proxy resolves it (as socks5h
would): the lookup leaks no DNS query from this computer. The proxy's answers are read with exact
lengths and checked; a proxy that answers anything else is a failed lookup, never a guess. The
password is sent to the proxy only and never shown.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..i18n import N_, _, translate

if TYPE_CHECKING:
    from .watchdog import Watchdog

SCHEMES = ("socks5", "socks5h")

# RFC 1928 section 6: the reply field.
_REPLIES = {
    1: N_("general SOCKS server failure"), 2: N_("connection not allowed by ruleset"), 3: N_("network unreachable"),
    4: N_("host unreachable"), 5: N_("connection refused"), 6: N_("TTL expired"), 7: N_("command not supported"),
    8: N_("address type not supported"),
}


class SocksError(OSError):
    """The SOCKS5 proxy refused or answered something that is not SOCKS5 (a failed lookup)."""


@dataclass(frozen=True)
class SocksProxy:
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def parse(cls, url: str) -> "SocksProxy":
        """socks5://[user[:password]@]host:port (user and password percent-encoded)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() not in SCHEMES or not parts.hostname or parts.port is None:
            raise ValueError("not a socks5://host:port URL")
        return cls(parts.hostname, parts.port, urllib.parse.unquote(parts.username or ""),
                   urllib.parse.unquote(parts.password or ""))


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise SocksError(_("the SOCKS5 proxy closed the connection"))
        data += chunk
    return data


def connect(proxy: SocksProxy, host: str, port: int, timeout: float | None,
            watchdog: "Watchdog | None" = None) -> socket.socket:
    """A socket to host:port through the proxy (CONNECT), ready for the caller's bytes. With a
    `watchdog`, the socket is shut down at its deadline: a proxy that answers the handshake one
    byte at a time (each inside `timeout`) cannot hold the lookup past it."""
    if watchdog is not None:
        timeout = min(timeout if timeout is not None else watchdog.seconds, watchdog.remaining())
    sock = socket.create_connection((proxy.host, proxy.port), timeout=timeout)
    if watchdog is not None:
        watchdog.add(sock)
    try:
        _handshake(sock, proxy, host, port)
    except BaseException:
        sock.close()
        raise
    return sock


def _handshake(sock: socket.socket, proxy: SocksProxy, host: str, port: int) -> None:
    methods = b"\x00\x02" if proxy.username else b"\x00"
    sock.sendall(b"\x05" + bytes([len(methods)]) + methods)
    version, method = _read(sock, 2)
    if version != 5:
        raise SocksError(_("the proxy does not speak SOCKS5"))
    if method == 0x02 and proxy.username:
        user, password = proxy.username.encode(), proxy.password.encode()
        if len(user) > 255 or len(password) > 255:
            raise SocksError(_("the SOCKS5 user name or password is longer than 255 bytes"))
        sock.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(password)]) + password)
        _version, status = _read(sock, 2)
        if status != 0:
            raise SocksError(_("the SOCKS5 proxy refused the user name and password"))
    elif method != 0x00:
        raise SocksError(_("the SOCKS5 proxy accepts none of the offered logins") if proxy.username else
                         _("the SOCKS5 proxy wants a user name and password"))
    try:
        ip = ipaddress.ip_address(host)
        address = (b"\x01" if ip.version == 4 else b"\x04") + ip.packed
    except ValueError:
        name = host.encode("idna")
        if len(name) > 255:
            raise SocksError(_("host name too long for SOCKS5")) from None
        address = b"\x03" + bytes([len(name)]) + name
    sock.sendall(b"\x05\x01\x00" + address + port.to_bytes(2, "big"))
    version, reply, _reserved, kind = _read(sock, 4)
    if version != 5:
        raise SocksError(_("the proxy does not speak SOCKS5"))
    if reply != 0:
        raise SocksError(_("the SOCKS5 proxy answered: {reply}",
                           reply=translate(_REPLIES[reply]) if reply in _REPLIES else reply))
    length = {1: 4, 4: 16}.get(kind)
    if length is None:
        if kind != 3:
            raise SocksError(_("the SOCKS5 proxy answered an unknown address type"))
        length = _read(sock, 1)[0]
    _read(sock, length + 2)  # the address and port the proxy bound: not needed


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, socks_proxy: SocksProxy, watchdog: "Watchdog | None" = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._socks_proxy = socks_proxy
        self._watchdog = watchdog

    def connect(self):
        self.sock = connect(self._socks_proxy, self.host, self.port, self.timeout, self._watchdog)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, socks_proxy: SocksProxy, watchdog: "Watchdog | None" = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._socks_proxy = socks_proxy
        self._watchdog = watchdog

    def connect(self):
        sock = connect(self._socks_proxy, self.host, self.port, self.timeout, self._watchdog)
        if self._watchdog is None:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        else:
            from .watchdog import wrap_watched

            self.sock = wrap_watched(self._context, sock, self.host, self._watchdog)


def opener(url: str, watchdog: "Watchdog | None" = None) -> urllib.request.OpenerDirector:
    """A urllib opener that makes every connection through the SOCKS5 proxy at `url` (each socket
    shut down at `watchdog`'s deadline, when given)."""
    proxy = SocksProxy.parse(url)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(lambda *a, **kw: _HTTPConnection(*a, socks_proxy=proxy, watchdog=watchdog, **kw), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(lambda *a, **kw: _HTTPSConnection(*a, socks_proxy=proxy, watchdog=watchdog, **kw),
                                req, context=self._context)

    # No ProxyHandler entries: HTTP(S)_PROXY from the shell must not come between.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), HTTPHandler(), HTTPSHandler())
