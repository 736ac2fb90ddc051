"""One overall deadline for a network exchange, not one per read.

A socket timeout bounds each `recv`; a server that sends one byte just inside it (a SOCKS5
proxy's handshake, an HTTP answer's headers or body) keeps a read loop going without end.
`Watchdog` shuts down every socket registered with it when its time is up (a timer thread that
only calls `shutdown`), so the read blocked on it returns at once and fails; the caller, seeing
`fired`, reports it as a timeout. The HTTP(S) handlers here register each connection's socket
(the plain one, then the TLS one before its handshake).
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.request


class Watchdog:
    """Shuts down the sockets given to `add` once `seconds` have passed (a context manager:
    the timer starts on entry and is cancelled on exit)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> "Watchdog":
        self.deadline = time.monotonic() + self.seconds
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):  # closed already (a closed socket's descriptor is -1: never another's)
        pass


class WatchedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, watchdog: Watchdog, **kwargs):
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def connect(self):
        super().connect()
        self._watchdog.add(self.sock)


class WatchedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, watchdog: Watchdog, **kwargs):
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def connect(self):
        http.client.HTTPConnection.connect(self)
        self._watchdog.add(self.sock)
        self.sock = wrap_watched(self._context, self.sock, self._tunnel_host or self.host, self._watchdog)


def wrap_watched(context, sock: socket.socket, server_hostname: str, watchdog: Watchdog):
    """TLS over `sock`, registered with `watchdog` before its handshake (wrapping detaches `sock`)."""
    wrapped = context.wrap_socket(sock, server_hostname=server_hostname, do_handshake_on_connect=False)
    watchdog.add(wrapped)
    wrapped.do_handshake()
    return wrapped


def handlers(watchdog: Watchdog) -> list[urllib.request.BaseHandler]:
    """urllib's HTTP and HTTPS handlers, each connection's socket registered with `watchdog`."""

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(lambda *a, **kw: WatchedHTTPConnection(*a, watchdog=watchdog, **kw), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(lambda *a, **kw: WatchedHTTPSConnection(*a, watchdog=watchdog, **kw), req,
                                context=self._context)

    return [HTTPHandler(), HTTPSHandler()]
