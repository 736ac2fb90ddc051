"""User settings: the TOML file in the user's config folder, and where each value comes from.

Precedence, for every setting: the command-line option, then the environment variable, then
the settings file, then the built-in default. The CLI applies the option; `resolve` does the rest
and says which source won, so `linkcheck config list` can show it.

The file is flat `key = "value"` lines. It is read with the standard library's tomllib and
written by the few lines below (only quoted strings are ever written), atomically and mode 600.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .files import FileTooLarge, NotRegularFile, read_capped
from .errors import InvalidInput
from .i18n import N_, _, join_list, os_reason

APP_NAME = "linkcheck"
SETTINGS_FILENAME = "settings.toml"
STORE_ENV = "LINKCHECK_STORE"
STORE_FILENAME = "store.db"
# Another settings file than the one in the config folder (the demo points it at an empty one).
SETTINGS_FILE_ENV = "LINKCHECK_SETTINGS"
MAX_SETTINGS_BYTES = 64 * 1024
MAX_TEXT_CHARS = 200

# The languages and output formats the settings accept; tests check they match the commands'.
LANGS = ("en", "zh")
OUTPUT_FORMATS = ("table", "json", "csv")
PUBLIC_IP_CHOICES = ("auto", "off")
COMPUTER_CHOICES = ("profile", "strict")


def config_dir() -> Path:
    """The user's config folder for linkcheck (platformdirs; $XDG_CONFIG_HOME/linkcheck on Linux)."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_store_path() -> Path:
    """Where the store lives: LINKCHECK_STORE if set, else the platform's app directory.

    Here rather than in the store package (which re-exports it): finding the default store
    imports none of the store's modules, so the key derivation begun at process start
    (early.py), which needs the store's header, does not wait for them."""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    import click  # only for its well-tested per-platform app directory logic

    return Path(click.get_app_dir(APP_NAME)) / STORE_FILENAME


def settings_path() -> Path:
    """$LINKCHECK_SETTINGS, else settings.toml in the config folder."""
    given = os.environ.get(SETTINGS_FILE_ENV)
    if given:
        return Path(given).expanduser()
    return config_dir() / SETTINGS_FILENAME


# ----- the settings and their checks ---------------------------------------------------------


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        lowered = value.strip().lower()
        if lowered not in choices:
            raise ValueError(_("must be one of {items}", items=join_list(choices)))
        return lowered

    return check


def _lang(value: str) -> str:
    from .i18n import normalise  # zh, zh_CN, zh-Hans, zh_CN.UTF-8 -> zh

    found = normalise(value)
    if found is None:
        raise ValueError(_("must be one of {items} (or a locale name such as zh_CN)", items=join_list(LANGS)))
    return found


def _region(value: str) -> str:
    import phonenumbers

    code = value.strip().upper()
    if (code if code != "UK" else "GB") not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(_("must be a two-letter country code such as US, GB or CN"))
    return code


def _store_location(value: str) -> str:
    """The store: an absolute file path, or a team store's postgresql:// URL (kept as given)."""
    if value.strip().lower().startswith(("postgresql://", "postgres://")):
        return value.strip()
    return _absolute_path(value)


def _absolute_path(value: str) -> str:
    path = Path(value.strip()).expanduser()
    if not value.strip() or not path.is_absolute():
        raise ValueError(_("must be an absolute path (or start with ~)"))
    return str(path)


def _proxy(value: str) -> str:
    from urllib.parse import urlsplit

    text = value.strip()
    try:
        parts = urlsplit(text)  # raises ValueError itself on an unclosed "[" (an IPv6 host)
        port = parts.port
    except ValueError:
        parts, port = None, -1
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise ValueError(_("must be an http:// or https:// proxy URL such as http://127.0.0.1:7890"))
    return text


def _text(value: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_TEXT_CHARS or not text.isprintable():
        raise ValueError(_("must be printable text of 1 to {n} characters", n=MAX_TEXT_CHARS))
    return text


@dataclass(frozen=True)
class Setting:
    key: str
    env: str
    help: str
    check: Callable[[str], str]
    default_text: str  # what applies when nothing is set, in words


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("computer", "LINKCHECK_COMPUTER",
                "check/run --browser: this computer's values judged by what the profile lets websites see, or all "
                "of them counted (profile, strict)",
                _choice(COMPUTER_CHOICES),
                N_("profile (values the browser profile hides from websites are context, never a STOP)")),
        Setting("format", "LINKCHECK_FORMAT", "output format of commands that print data (table, json, csv)",
                _choice(OUTPUT_FORMATS), N_("table (each command's own default)")),
        Setting("lang", "LINKCHECK_LANG", "language of messages, help and tables, of `statement` and of a new `appeal` (en, zh)",
                _lang, N_("the locale's (zh for zh_*), else en; statements: en")),
        Setting("operator", "LINKCHECK_OPERATOR", "operator name in the heading of `statement`", _text,
                N_("the account's recorded company name")),
        Setting("proxy", "LINKCHECK_PROXY", "HTTP(S) proxy for the public-IP lookup", _proxy, N_("none (direct)")),
        Setting("public_ip", "LINKCHECK_PUBLIC_IP",
                "public-IP lookup of check, run, capture, fingerprint (auto, off)",
                _choice(PUBLIC_IP_CHOICES),
                N_("auto for check and run (they look the public IP up); fingerprint and capture make no network call")),
        Setting("region", "LINKCHECK_REGION",
                "country of phone numbers without a country code, when the account's marketplace names none",
                _region, N_("none")),
        Setting("rules", "LINKCHECK_RULES", "rules file (JSON or TOML) over the default levels", _absolute_path,
                N_("the built-in rules")),
        Setting("store", "LINKCHECK_STORE", "the store file (or a team store's postgresql:// URL)", _store_location,
                N_("the store in the user app folder")),
    )
}
KEYS = tuple(SETTINGS)
# Every variable that changes what a setting resolves to.
ENVIRONMENT = (SETTINGS_FILE_ENV, *(s.env for s in SETTINGS.values()))


def setting(key: str) -> Setting:
    """The setting named `key` (`public-ip` is `public_ip`), or InvalidInput listing the valid ones."""
    found = SETTINGS.get(key.strip().replace("-", "_").lower())
    if found is None:
        raise InvalidInput(_("unknown setting {key!r}; valid settings: {items}", key=key[:40], items=join_list(KEYS)))
    return found


def check_value(key: str, value: str) -> str:
    """The value as it is kept, or InvalidInput naming the setting and what it accepts."""
    s = setting(key)
    try:
        return s.check(value)
    except ValueError as exc:
        raise InvalidInput(_("invalid value for setting {key!r}: {exc}", key=s.key, exc=exc)) from None


# ----- reading -------------------------------------------------------------------------------

_LINE_NUMBER = re.compile(r"\(at line (\d+), column \d+\)")


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def _where(path: Path, line: int | None) -> str:
    if line:
        return _("settings file {path}, line {line}", path=path, line=line)
    return _("settings file {path}", path=path)


def read_raw(path: Path | None = None) -> tuple[dict[str, object], str]:
    """The file's table and text as written (unchecked keys); empty when there is no file."""
    path = settings_path() if path is None else path
    try:
        # A FIFO put there must not block every command (the gate included): read_capped refuses it.
        data = b"" if str(path) == os.devnull else read_capped(path, MAX_SETTINGS_BYTES)
    except NotRegularFile:
        raise InvalidInput(_("settings file {path} is not a regular file; fix or delete it", path=path)) from None
    except FileTooLarge:
        raise InvalidInput(_("settings file {path} is larger than {n} KiB: not a settings file", path=path, n=MAX_SETTINGS_BYTES // 1024)) from None
    except (FileNotFoundError, NotADirectoryError):
        return {}, ""
    except PermissionError:
        if not os.access(path.parent, os.X_OK):
            # Not even whether it exists can be seen: someone else's config folder (`sudo -E`),
            # as git treats an inaccessible XDG config. A file we can see but not read is an error.
            return {}, ""
        raise InvalidInput(_("cannot read the settings file {path}: permission denied", path=path)) from None
    except OSError as exc:
        raise InvalidInput(_("cannot read the settings file {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(_("settings file {path} is not UTF-8 text; fix or delete it", path=path)) from None
    import tomllib

    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _LINE_NUMBER.search(message)
        reason = _LINE_NUMBER.sub("", message).strip() or "not valid TOML"
        line = int(found.group(1)) if found else None
        raise InvalidInput(_("{where}: not valid TOML ({reason}); fix or delete it", where=_where(path, line), reason=reason)) from None
    except RecursionError:
        raise InvalidInput(_("{where}: not valid TOML (nested too deeply); fix or delete it", where=_where(path, None))) from None
    return table, text


def read_file(path: Path | None = None) -> dict[str, str]:
    """The settings file's values, every key and value checked (InvalidInput names the line)."""
    path = settings_path() if path is None else path
    table, text = read_raw(path)
    values = {}
    for key, value in table.items():
        line = _line_of(text, key)
        if key not in SETTINGS:
            raise InvalidInput(_("{where}: unknown setting {key!r}; valid settings: {items}", where=_where(path, line), key=key[:40], items=join_list(KEYS)))
        if not isinstance(value, str):
            raise InvalidInput(_("{where}: {key} must be a quoted string", where=_where(path, line), key=key))
        try:
            values[key] = SETTINGS[key].check(value)
        except ValueError as exc:
            raise InvalidInput(_("{where}: {key} {reason}", where=_where(path, line), key=key, reason=exc)) from None
    return values


@dataclass(frozen=True)
class Resolved:
    """A setting's value and where it came from: "environment", "settings file" or "default"."""

    key: str
    value: str | None
    source: str
    origin: str  # the variable's name, the file's path, or the default in words


def resolve(key: str, file_values: dict[str, str] | None = None) -> Resolved:
    """The setting's value from the environment, else the settings file, else its default."""
    s = setting(key)
    env = os.environ.get(s.env)
    if env:
        if (s.key in ("store", "rules") and not Path(env.strip()).expanduser().is_absolute()
                and not env.strip().lower().startswith(("postgresql://", "postgres://"))):
            env = str(Path.cwd() / env.strip())  # as --store and --rules take it: from the current folder
        try:
            return Resolved(s.key, s.check(env), "environment", s.env)
        except ValueError as exc:
            raise InvalidInput(_("${env}: {reason}", env=s.env, reason=exc)) from None
    values = read_file() if file_values is None else file_values
    if s.key in values:
        return Resolved(s.key, values[s.key], "settings file", str(settings_path()))
    return Resolved(s.key, _default(s.key), "default", s.default_text)


def _default(key: str) -> str | None:
    if key == "store":
        return str(default_store_path())  # the per-platform app folder (LINKCHECK_STORE is unset here)
    if key == "format":
        return "table"
    if key == "lang":
        return "en"
    if key == "public_ip":
        return "auto"
    return None


def value(key: str) -> str | None:
    return resolve(key).value


def resolve_all() -> list[Resolved]:
    file_values = read_file()
    return [resolve(key, file_values) for key in KEYS]


# ----- writing -------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render(values: dict[str, str]) -> str:
    """The settings file's text: a comment line, then one `key = "value"` line per setting."""
    lines = ["# linkcheck settings: change them with `linkcheck config set KEY VALUE`"]
    lines += [f"{key} = {_toml_string(values[key])}" for key in sorted(values)]
    return "\n".join(lines) + "\n"


def write_file(values: dict[str, str], path: Path | None = None) -> Path:
    """Replace the settings file atomically (a complete new file or the old one), mode 600."""
    path = settings_path() if path is None else path
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(_("cannot create the folder {parent}: {strerror}", parent=path.parent, strerror=os_reason(exc))) from None
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        fd = os.open(str(partial), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(render(values))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(partial, stat.S_IRUSR | stat.S_IWUSR)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(_("cannot write the settings file {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
    return path


def prepare(key: str, raw: str) -> tuple[str, str]:
    """The setting's name and the value `config set KEY raw` would keep (a relative path is
    taken from the current folder), or InvalidInput."""
    s = setting(key)
    if (s.key in ("store", "rules") and raw.strip() and not Path(raw.strip()).expanduser().is_absolute()
            and not raw.strip().lower().startswith(("postgresql://", "postgres://"))):
        raw = str(Path.cwd() / raw.strip())
    return s.key, check_value(s.key, raw)


def set_value(key: str, raw: str) -> tuple[str, str]:
    """Check and keep `key = raw` in the settings file; returns the key and the value kept."""
    name, kept = prepare(key, raw)
    values = read_file()
    values[name] = kept
    write_file(values)
    return name, kept


def unset_value(key: str) -> tuple[str, bool]:
    """Remove `key` from the settings file (even one this version does not know, to repair the
    file); returns the setting's name and whether it was there."""
    table, _text = read_raw()
    canonical = key.strip().replace("-", "_").lower()
    name = canonical if canonical in SETTINGS else key
    if name not in table:
        setting(name)  # an unknown name that is not in the file either: say which names exist
        return name, False
    del table[name]
    for other, kept in table.items():
        if not isinstance(kept, str):
            raise InvalidInput(_("settings file {settings_path}: {other} must be a quoted string; fix it by hand first", settings_path=settings_path(), other=other))
    write_file(table)  # type: ignore[arg-type]  # every value was checked to be a str just above
    return name, True
