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
from importlib import resources
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
        raise UsageError(f"unknown language {lang!r}; use one of: {', '.join(LANGS)}")
    return value


def domains() -> tuple[str, ...]:
    """The catalogs' domains (statement, ...): the source language's files."""
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
