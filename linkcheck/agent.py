"""The unlock agent: a small per-user process that keeps one store's key in memory for a while.

`linkcheck unlock` derives the store's key-encryption key from the passphrase (Argon2id),
checks it against the store, and hands it over a pipe to a new, detached `linkcheck` process
(`python -m linkcheck.agent`). That process listens on a Unix socket of its own, mode 600, in a
folder of mode 700 in the user's runtime folder, and answers "the key of store S" to processes
of the same user only (the kernel's peer credentials, not the socket's mode alone). It serves
the store it was unlocked for -- that absolute path, with the same header -- and exits at the
timeout, at `linkcheck lock`, when the terminal session it was unlocked from ends, or when its
socket disappears (the runtime folder is removed at logout). The key is never written to disk
and never passes through argv or the environment.

What it keeps is the key-encryption key, not the passphrase: it opens this store only, and a
`passwd` (a new salt, a new wrapped key) makes it useless. The agent is asked only when neither
--passphrase-file nor LINKCHECK_PASSPHRASE is given; whatever it answers, `Store.open` checks the
key against the wrapped master key, so a stale or wrong answer is ignored and the command asks
for the passphrase as usual.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import stat
import struct
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from .i18n import _, os_reason
from .errors import LinkcheckError, UsageError

SOCKET_PREFIX = "agent-"
SOCKET_SUFFIX = ".sock"
CLIENT_TIMEOUT_SECONDS = 2.0
START_TIMEOUT_SECONDS = 20.0
POLL_SECONDS = 0.5
MAX_MESSAGE_BYTES = 4096
DEFAULT_FOR = "8h"
MAX_SECONDS = 7 * 24 * 3600
# sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS and the BSDs.
MAX_SOCKET_PATH_BYTES = 103
SECRET_ENV = ("LINKCHECK_PASSPHRASE", "LINKCHECK_NEW_PASSPHRASE")


class AgentError(LinkcheckError):
    """The agent cannot run here, or could not be started."""

    exit_code = 2


# ----- where ---------------------------------------------------------------------------------


def unsupported_reason() -> str | None:
    """Why this system cannot run the agent, or None when it can."""
    if not hasattr(socket, "AF_UNIX") or os.name != "posix":
        return "this system has no Unix sockets, so `unlock` is not available; use --passphrase-file instead"
    if not hasattr(socket, "SO_PEERCRED") and not sys.platform.startswith(("darwin", "freebsd", "openbsd", "netbsd")):
        return "this system cannot tell which user connects to a socket, so `unlock` is not available"
    return None


def _private_base(path: Path) -> bool:
    """A folder owned by this user that nobody else can write to."""
    try:
        st = path.stat()
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def runtime_dir() -> Path:
    """Where the sockets live: linkcheck's folder in the user's runtime folder (platformdirs),
    or `run` in the config folder when there is no private runtime folder."""
    import platformdirs

    from .settings import config_dir

    candidate = None
    if os.environ.get("XDG_RUNTIME_DIR") or sys.platform == "darwin":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                candidate = Path(platformdirs.user_runtime_dir("linkcheck", appauthor=False))
            except Exception:  # noqa: BLE001 - any trouble there: use the fallback
                candidate = None
    if candidate is None or not _private_base(candidate.parent):
        candidate = config_dir() / "run"
    return candidate


def _ensure_private_dir(path: Path) -> None:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.lstat()
    except OSError as exc:
        raise AgentError(_("cannot create the folder {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise AgentError(_("{path} is not a folder of yours; remove it and try again", path=path))
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)


def socket_path(store_path: Path) -> Path:
    """The socket of the agent for the store at `store_path` (one agent per store)."""
    name = hashlib.blake2b(str(_absolute(store_path)).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return runtime_dir() / f"{SOCKET_PREFIX}{name}{SOCKET_SUFFIX}"


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(str(path))))


# ----- peers ---------------------------------------------------------------------------------


def peer_uid(conn: socket.socket) -> int | None:
    """The user id of the process at the other end of a Unix socket, from the kernel."""
    try:
        if hasattr(socket, "SO_PEERCRED"):
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            _pid, uid, _gid = struct.unpack("3i", creds)
            return uid
        if sys.platform.startswith(("darwin", "freebsd", "openbsd", "netbsd")):
            # LOCAL_PEERCRED (level SOL_LOCAL = 0, option 1): struct xucred { u_int version; uid_t uid; ... }
            creds = conn.getsockopt(0, 1, 76)
            _version, uid = struct.unpack_from("=II", creds)
            return uid
    except (OSError, struct.error):
        return None
    return None


# ----- the client side -----------------------------------------------------------------------


def _request(path: Path, message: dict) -> dict | None:
    """One request to the agent at `path`; None when there is none, or it is not ours."""
    if unsupported_reason() is not None:
        return None
    try:
        st = path.lstat()
        if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid() or not _private_base(path.parent):
            return None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(CLIENT_TIMEOUT_SECONDS)
            conn.connect(str(path))
            if peer_uid(conn) != os.getuid():
                return None
            conn.sendall(json.dumps(message).encode("utf-8") + b"\n")
            return _read_message(conn)
    except (OSError, ValueError):
        return None


def _read_message(conn: socket.socket) -> dict | None:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(MAX_MESSAGE_BYTES)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_MESSAGE_BYTES:
            return None
    if not data:
        return None
    reply = json.loads(data.decode("utf-8"))
    return reply if isinstance(reply, dict) else None


def key_for(store_path: Path):
    """The StoreKey the agent keeps for this store, or None."""
    from .store import StoreKey

    if unsupported_reason() is not None:
        return None
    store = _absolute(store_path)
    try:
        path = socket_path(store)
    except Exception:  # noqa: BLE001 - no runtime folder: no agent
        return None
    reply = _request(path, {"op": "key", "store": str(store)})
    if not reply or not reply.get("ok") or not isinstance(reply.get("key"), str):
        return None
    try:
        kek = bytes.fromhex(reply["key"])
    except ValueError:
        return None
    return StoreKey(kek) if len(kek) == 32 else None


def status(store_path: Path) -> dict | None:
    """{"store", "pid", "expires"} of the agent for this store, or None."""
    if unsupported_reason() is not None:
        return None
    reply = _request(socket_path(store_path), {"op": "status"})
    if not reply or not reply.get("ok"):
        return None
    # Only a reply as this version's agent writes it (not an older agent's, say) is shown.
    if not all(type(reply.get(k)) is int for k in ("expires", "pid")):
        return None
    return reply


def lock(store_path: Path) -> bool:
    """Stop the agent for this store; True if one was running."""
    if unsupported_reason() is not None:
        return False
    return _lock_socket(socket_path(store_path))


def lock_all() -> int:
    """Stop every agent of this user; how many were running."""
    if unsupported_reason() is not None:
        return 0
    folder = runtime_dir()
    try:
        sockets = [p for p in folder.iterdir() if p.name.startswith(SOCKET_PREFIX) and p.name.endswith(SOCKET_SUFFIX)]
    except OSError:
        return 0
    return sum(_lock_socket(p) for p in sockets)


def _lock_socket(path: Path) -> bool:
    reply = _request(path, {"op": "lock"})
    if reply is None:
        _remove_stale(path)
        return False
    return bool(reply.get("ok"))


def _remove_stale(path: Path) -> None:
    """A socket nobody listens on any more (the agent was killed): remove it."""
    if unsupported_reason() is not None:
        return
    try:
        st = path.lstat()
        if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(CLIENT_TIMEOUT_SECONDS)
            probe.connect(str(path))
    except ConnectionRefusedError:
        path.unlink(missing_ok=True)
    except OSError:
        pass


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """`8h`, `30m`, `90s`, `1d` (a bare number is minutes) -> seconds; UsageError otherwise."""
    found = _DURATION.match(text)
    seconds = int(found.group(1)) * _UNIT_SECONDS[found.group(2).lower()] if found else 0
    if not 0 < seconds <= MAX_SECONDS:
        raise UsageError(_("--for {text!r}: give a duration from 1s to 7d, such as 8h, 30m or 90s", text=text[:20]))
    return seconds


@dataclass(frozen=True)
class Started:
    pid: int
    socket: Path
    expires: float


def start(store_path: Path, key, header: str, seconds: int) -> Started:
    """Start the agent for this store with its key; any agent already serving it is stopped."""
    reason = unsupported_reason()
    if reason:
        raise AgentError(reason)
    store = _absolute(store_path)
    folder = runtime_dir()
    _ensure_private_dir(folder)
    path = socket_path(store)
    if len(os.fsencode(str(path))) > MAX_SOCKET_PATH_BYTES:
        raise AgentError(_("the runtime folder {folder} is too long a path for a Unix socket; set XDG_RUNTIME_DIR", folder=folder))
    lock(store)
    path.unlink(missing_ok=True)
    watch = os.getsid(0)
    if watch in (0, 1, os.getpid()):
        watch = 0
    environment = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    # It runs from / (holding no folder busy) and must import this very linkcheck.
    package_parent = str(Path(__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, environment.get("PYTHONPATH")]))
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "linkcheck.agent"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd="/",
            env=environment,
            start_new_session=True,  # its own session: no terminal, no signals from this one
            close_fds=True,
        )
    except OSError as exc:
        raise AgentError(_("cannot start the agent: {value}", value=exc.strerror or type(exc).__name__)) from None
    order = {"store": str(store), "socket": str(path), "key": key.kek.hex(), "header": header,
             "seconds": seconds, "watch": watch}
    assert child.stdin is not None and child.stdout is not None  # both are pipes (Popen above)
    try:
        child.stdin.write(json.dumps(order).encode("utf-8") + b"\n")
        child.stdin.close()
        ready = _read_line(child, START_TIMEOUT_SECONDS)
    except OSError:
        ready = ""
    finally:
        order.clear()
    if not ready.startswith("ready "):
        child.kill()
        child.wait()
        detail = ready[len("error "):].strip() if ready.startswith("error ") else "it did not start"
        raise AgentError(_("cannot start the agent: {detail}", detail=detail))
    child.stdout.close()
    # The agent lives on after this command: it is reaped by init once we exit.
    child.returncode = 0
    return Started(child.pid, path, time.time() + seconds)


def _read_line(child: subprocess.Popen, timeout: float) -> str:
    import selectors

    stdout = child.stdout
    assert stdout is not None  # a pipe (start_agent's Popen)
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return stdout.readline(512).decode("utf-8", "replace").strip()


# ----- the agent process ---------------------------------------------------------------------


def _harden() -> None:
    """No core dumps, and (Linux) no ptrace or /proc/PID/mem reads by the user's other processes."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
        except (OSError, AttributeError):
            pass


class _Agent:
    def __init__(self, order: dict):
        from .store import StoreKey

        self.store = Path(order["store"])
        self.socket_path = Path(order["socket"])
        self.key = StoreKey(bytes.fromhex(order["key"]))
        self.header = str(order["header"])
        self.expires = time.time() + int(order["seconds"])
        self.deadline = time.monotonic() + int(order["seconds"])
        self.watch = int(order.get("watch") or 0)
        self.uid = os.getuid()
        self.running = True
        self.inode: int | None = None

    def listen(self) -> socket.socket:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            server.bind(str(self.socket_path))
        finally:
            os.umask(old)
        os.chmod(self.socket_path, 0o600)
        self.inode = self.socket_path.lstat().st_ino
        server.listen(8)
        server.settimeout(POLL_SECONDS)
        return server

    def should_stop(self) -> bool:
        if time.time() >= self.expires or time.monotonic() >= self.deadline:
            return True
        try:
            if self.socket_path.lstat().st_ino != self.inode:
                return True  # removed (logout cleans the runtime folder) or replaced
        except OSError:
            return True
        if self.watch:
            try:
                os.kill(self.watch, 0)
            except ProcessLookupError:
                return True  # the terminal session it was unlocked from has ended
            except OSError:
                pass
        return False

    def answer(self, request: dict) -> dict:
        op = request.get("op")
        if op == "lock":
            self.running = False
            return {"ok": True}
        if op == "status":
            return {"ok": True, "store": str(self.store), "pid": os.getpid(), "expires": int(self.expires)}
        if op == "key":
            if request.get("store") != str(self.store):
                return {"ok": False, "error": "this agent serves another store"}
            from .store import header_digest

            try:
                current = header_digest(self.store)
            except Exception:  # noqa: BLE001 - unreadable now: do not hand out the key
                return {"ok": False, "error": "the store cannot be read"}
            if current != self.header:
                self.running = False  # passwd or a replaced file: this key is of no further use
                return {"ok": False, "error": "the store changed since it was unlocked"}
            return {"ok": True, "key": self.key.kek.hex()}
        return {"ok": False, "error": "unknown request"}

    def serve_one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(CLIENT_TIMEOUT_SECONDS)
            if peer_uid(conn) != self.uid:
                return  # another user (or unknown): not a word
            try:
                request = _read_message(conn)
            except (OSError, ValueError):
                return
            if request is None:
                return
            conn.sendall(json.dumps(self.answer(request)).encode("utf-8") + b"\n")

    def run(self, server: socket.socket) -> None:
        while self.running and not self.should_stop():
            try:
                conn, _ = server.accept()
            except (socket.timeout, InterruptedError):
                continue
            except OSError:
                break
            try:
                self.serve_one(conn)
            except OSError:
                pass

    def remove_socket(self) -> None:
        try:
            if self.socket_path.lstat().st_ino == self.inode:
                self.socket_path.unlink()
        except OSError:
            pass


def main() -> None:
    """`python -m linkcheck.agent`: read the order on stdin, say "ready PID", serve, exit."""
    _harden()
    out = sys.stdout.buffer
    try:
        order = json.loads(sys.stdin.buffer.readline(MAX_MESSAGE_BYTES).decode("utf-8"))
        agent = _Agent(order)
        order.clear()
        server = agent.listen()
    except Exception as exc:  # noqa: BLE001 - report one line to `unlock`, then exit
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        out.write(f"error {detail}\n".encode())
        out.flush()
        os._exit(1)
    out.write(f"ready {os.getpid()}\n".encode())
    out.flush()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    try:
        agent.run(server)
    finally:
        server.close()
        agent.remove_socket()
    os._exit(0)


if __name__ == "__main__":
    main()
