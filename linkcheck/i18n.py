"""Wording in several languages: catalogs, language selection, placeholder formatting.

Each language has a folder under linkcheck/catalogs/ holding one TOML file per domain
(catalogs/en/statement.toml, catalogs/zh/statement.toml, ...): flat `key = "text"` entries,
long paragraphs as folded multi-line strings, placeholders written `{name}` (str.format).
The files are package data read with the standard library's tomllib at first use: nothing is
compiled, at install time or ever. Every language has every key of the English catalog, with
the same placeholders; `problems()` lists what is not so, and tests/test_i18n.py fails on it.
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Mapping

from .errors import UsageError

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
# The language every other one is checked against (all its keys, the same placeholders).
SOURCE_LANG = "en"


def check_lang(lang: str | None) -> str:
    """A language linkcheck writes (lower case); UsageError naming the choices otherwise."""
    value = (lang or DEFAULT_LANG).strip().lower()
    if value not in LANGS:
        raise UsageError(_("unknown language {lang!r}; use one of: {items}", lang=lang, items=", ".join(LANGS)))
    return value


def domains() -> tuple[str, ...]:
    """The catalogs' domains (statement, ...): the source language's files."""
    from importlib import resources  # only when wording is read: not on --version's path

    folder = resources.files(__package__) / "catalogs" / SOURCE_LANG
    return tuple(sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml")))


def parse(text: str, origin: str) -> dict[str, str]:
    """One catalog file's entries; ValueError when it is not flat `key = "text"` TOML."""
    import tomllib  # only when wording is needed: not on `check`'s start-up path

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{origin}: not TOML: {exc}") from None
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise ValueError(f"{origin}: entries must be text, not tables or numbers: {', '.join(bad)}")
    return data


@lru_cache(maxsize=None)
def entries(domain: str, lang: str) -> Mapping[str, str]:
    """The catalog of DOMAIN in LANG, as key -> text (read once, then cached)."""
    lang = check_lang(lang)
    from importlib import resources  # only when wording is read: not on --version's path

    path = resources.files(__package__) / "catalogs" / lang / f"{domain}.toml"
    return parse(path.read_text(encoding="utf-8"), f"catalogs/{lang}/{domain}.toml")


def placeholders(text: str) -> frozenset[str]:
    """The names of the `{placeholders}` in a text ("{n}" -> "n"; "{{" is a literal brace)."""
    return frozenset(
        field.split(".")[0].split("[")[0].split("!")[0]
        for _, field, _, _ in string.Formatter().parse(text)
        if field is not None
    )


def problems(catalogs: Mapping[str, Mapping[str, str]], source: str = SOURCE_LANG) -> list[str]:
    """What keeps these catalogs (lang -> entries) of one domain from being complete:
    a key of the source language missing in another (or extra in it), or an entry whose
    placeholders differ from the source's. Empty when every language says everything."""
    out = []
    base = catalogs[source]
    for lang, catalog in catalogs.items():
        if lang == source:
            continue
        for key in base:
            if key not in catalog or not catalog[key].strip():
                out.append(f"{lang}: no text for {key!r}")
            elif placeholders(catalog[key]) != placeholders(base[key]):
                out.append(
                    f"{lang}: {key!r} has placeholders {sorted(placeholders(catalog[key]))}, "
                    f"{source} has {sorted(placeholders(base[key]))}"
                )
        for key in catalog:
            if key not in base:
                out.append(f"{lang}: {key!r} is not in the {source} catalog")
    return out


def domain_problems(domain: str) -> list[str]:
    """`problems()` of one installed domain, every language."""
    return problems({lang: entries(domain, lang) for lang in LANGS})


class Catalog:
    """One domain's wording in one language: `words(key, **values)` is the text with its
    placeholders filled in (a text asked for without values is returned as written)."""

    def __init__(self, domain: str, lang: str):
        self.domain = domain
        self.lang = check_lang(lang)
        self._entries = entries(domain, self.lang)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __call__(self, key: str, **values) -> str:
        text = self._entries[key]
        if not values:
            return text
        missing = placeholders(text) - values.keys()
        if missing:
            raise KeyError(f"{self.domain}/{self.lang} {key!r} needs {', '.join(sorted(missing))}")
        return text.format(**values)


def catalog(domain: str, lang: str) -> Catalog:
    return Catalog(domain, lang)


# ----- the interface: English in the code, the other languages in catalogs/<lang>/messages/ ----
#
# A user-facing message is written in English where it is used, through `_`:
#     raise UsageError(_("account {name!r} is unknown", name=name))
# The English text is the key. catalogs/zh/messages/*.toml hold its Chinese as pairs
#     [[m]]
#     en = "account {name!r} is unknown"
#     zh = "账户 {name!r} 不存在"
# (one file per area of the code; the loader merges them). Keys are compared with their white
# space collapsed, so re-indenting or re-wrapping English help does not lose its translation.
# tests/test_i18n_messages.py finds every message in the code and fails on one without Chinese
# (or a Chinese entry no message uses, or placeholders that differ).

LANG_ENV = "LINKCHECK_LANG"
# Where the locale's language is read, first set wins (POSIX: LC_ALL over LC_MESSAGES over LANG).
LOCALE_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")

_interface_lang: str | None = None


def normalise(value: str | None) -> str | None:
    """A language or locale name as the language linkcheck writes: 'zh', 'zh_CN', 'zh-Hans',
    'zh_CN.UTF-8' -> 'zh'; 'en', 'en_US.UTF-8' -> 'en'; None for anything else."""
    if not value:
        return None
    base = value.strip().lower().replace("-", "_").split(".")[0].split("@")[0].split("_")[0]
    return base if base in LANGS else None


def locale_lang() -> str | None:
    """The locale's language (LC_ALL, LC_MESSAGES, LANG): zh for zh_*, en for any other set
    locale (C, POSIX, de_DE...), None when none of them is set."""
    import os

    for name in LOCALE_ENV:
        value = os.environ.get(name)
        if value:
            return normalise(value) or DEFAULT_LANG
    return None


def resolve_language() -> tuple[str, str]:
    """The interface language and where it came from: the `lang` setting when it is set
    ($LINKCHECK_LANG, then the settings file: settings.resolve), else the locale, else English.
    Never raises: a bad value or a broken settings file is reported by the command that reads
    the settings; the interface then falls back to the locale."""
    from . import settings
    from .errors import LinkcheckError

    try:
        found = settings.resolve("lang")
    except LinkcheckError:
        found = None
    if found is not None and found.source != "default" and found.value:
        return found.value, found.source
    lang = locale_lang()
    if lang is not None:
        return lang, "locale"
    return DEFAULT_LANG, "default"


def set_language(lang: str | None) -> None:
    """Fix the interface language for this process (None: resolve it again at the next use)."""
    global _interface_lang
    _interface_lang = None if lang is None else check_lang(lang)


def language() -> str:
    """The interface language (resolved once, at the first message)."""
    global _interface_lang
    if _interface_lang is None:
        # Meanwhile (a broken settings file raises an error, in words) the locale's language.
        _interface_lang = locale_lang() or DEFAULT_LANG
        _interface_lang = resolve_language()[0]
    return _interface_lang


def message_key(text: str) -> str:
    """How a message is looked up: white space collapsed; help text only up to click's \\f."""
    return " ".join(text.partition("\f")[0].split())


def parse_messages(text: str, origin: str, lang: str) -> list[tuple[str, str]]:
    """One messages file's (English, LANG) pairs; ValueError when it is not `[[m]]` tables of
    exactly `en` and `lang` text."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{origin}: not TOML: {exc}") from None
    if set(data) - {"m"} or not isinstance(data.get("m", []), list):
        raise ValueError(f"{origin}: only [[m]] entries belong here")
    pairs = []
    for number, entry in enumerate(data.get("m", []), 1):
        if set(entry) != {SOURCE_LANG, lang} or not all(isinstance(v, str) for v in entry.values()):
            raise ValueError(f"{origin}: entry {number} must have exactly `{SOURCE_LANG}` and `{lang}` text")
        pairs.append((entry[SOURCE_LANG], entry[lang]))
    return pairs


def message_files(lang: str) -> list[tuple[str, str]]:
    """(file name, text) of every messages file of LANG."""
    from importlib import resources  # only when wording is read: not on --version's path

    folder = resources.files(__package__) / "catalogs" / lang / "messages"
    if not folder.is_dir():
        return []
    return sorted(
        (p.name, p.read_text(encoding="utf-8")) for p in folder.iterdir() if p.name.endswith(".toml")
    )


@lru_cache(maxsize=None)
def messages(lang: str) -> Mapping[str, str]:
    """Message key (English, see `message_key`) -> its text in LANG; empty for English."""
    if lang == SOURCE_LANG:
        return {}
    out: dict[str, str] = {}
    for name, text in message_files(lang):
        for en, translated in parse_messages(text, f"catalogs/{lang}/messages/{name}", lang):
            out[message_key(en)] = translated
    return out


def translate(text: str, lang: str | None = None) -> str:
    """TEXT (English) in the interface language, as written (placeholders not filled in);
    TEXT itself when the language is English or the catalog has no entry for it."""
    lang = lang or _interface_lang or language()
    if lang == SOURCE_LANG:
        return text
    return messages(lang).get(message_key(text), text)


def join_list(items) -> str:
    """Items of a list in a sentence, as the interface's language writes them: "a, b, c" in
    English, "a、b、c" in Chinese (the enumeration comma)."""
    return ("、" if language() == "zh" else ", ").join(items)


def join_clauses(items) -> str:
    """Clauses of a sentence that hold lists themselves: "a; b" in English, "a；b" in Chinese."""
    return ("；" if language() == "zh" else "; ").join(items)


def _(text: str, /, **values: object) -> str:
    """A user-facing message: TEXT (English, with `{name}` placeholders) in the interface
    language, its placeholders filled in from VALUES."""
    lang = _interface_lang or language()
    if lang != SOURCE_LANG:
        text = messages(lang).get(message_key(text), text)
    return text.format(**values) if values else text


# Deferred texts by their English (click keeps an option's help as a plain copy of it).
_DEFERRED: dict[str, "Deferred"] = {}


class Deferred(str):
    """Text fixed before the interface language is known (a click option's help, set when its
    module is imported): the English text, which click shows as is, and its template and values,
    which `render` puts in another language when the command is localised (cli/localise.py)."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, values: dict[str, object]) -> "Deferred":
        self = super().__new__(cls, template.format(**values) if values else template)
        self.template = template
        self.values = values
        _DEFERRED[message_key(self)] = self
        return self

    def render(self, lang: str) -> str:
        if lang == SOURCE_LANG:
            return str(self)
        values = {k: v.render(lang) if isinstance(v, (Deferred, Words)) else translate(v, lang) if isinstance(v, str) else v
                  for k, v in self.values.items()}
        text = translate(self.template, lang)
        return text.format(**values) if values else text


class Words(str):
    """A value written in each language by the data that holds it (a metric's name, a target),
    not by the catalog: the English text, which click shows as is, and the text in each other
    language, which a `Deferred` holding it renders."""

    texts: dict[str, str]

    def __new__(cls, en: str, **others: str) -> "Words":
        self = super().__new__(cls, en)
        self.texts = others
        return self

    def render(self, lang: str) -> str:
        return self.texts.get(lang, str(self))


def deferred(text: str) -> "Deferred | None":
    """The Deferred whose English is TEXT, if one was made (see `N_`)."""
    return _DEFERRED.get(message_key(text))


def N_(text: str, /, **values: object) -> Deferred:
    """Like `_`, for text written before the language is known (help of options, module
    constants): English now, translated when the command is shown (see `Deferred`)."""
    return Deferred(text, values)


def os_reason(exc: BaseException) -> str:
    """Why an OS call failed, in the interface language for the common reasons (a missing file,
    no permission, a folder where a file was expected); the system's own words otherwise."""
    import errno

    words = {
        errno.ENOENT: N_("No such file or directory"),
        errno.EACCES: N_("Permission denied"),
        errno.EPERM: N_("Operation not permitted"),
        errno.EISDIR: N_("Is a directory"),
        errno.ENOTDIR: N_("Not a directory"),
        errno.ENOSPC: N_("No space left on device"),
        errno.EROFS: N_("Read-only file system"),
        errno.EEXIST: N_("File exists"),
    }.get(getattr(exc, "errno", None) or 0)
    return translate(str(words)) if words is not None else str(getattr(exc, "strerror", None) or exc)
