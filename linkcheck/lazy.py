"""Heavy libraries imported at first use, with nothing left to pay on every later use.

A function that calls a library millions of times (the audit's fuzzy scoring) cannot import it
inside its body: `from package import name` there costs microseconds a call. `LazyImport` stands
in a module's namespace for a library module (or one name from it) until first used; that use
imports it and puts the real object in the namespace in its place, so every later use is a plain
global lookup. Commands that never use it (`check`, `run`, `--help`) never load it.

    fuzz = LazyImport(globals(), "fuzz", "rapidfuzz.fuzz")
    default_process = LazyImport(globals(), "default_process", "rapidfuzz.utils", "default_process")

`lazy_pattern` does the same for a regular expression: compiling one over large Unicode
classes (CJK, Hangul, the wide characters of Chinese help) takes 1-6 ms of CPU, and a command
imports its modules' patterns whether or not its text holds any such character (`check` and
`precheck`, while the store's key is derived on both cores).
"""

from __future__ import annotations

import importlib
import re
from typing import Any, MutableMapping, cast


class LazyImport:
    """`namespace[name]` until first use: module `module` (or its attribute `attr`)."""

    __slots__ = ("_namespace", "_name", "_module", "_attr")

    def __init__(self, namespace: MutableMapping[str, Any], name: str, module: str, attr: str | None = None):
        self._namespace = namespace
        self._name = name
        self._module = module
        self._attr = attr

    def _load(self) -> Any:
        found: Any = importlib.import_module(self._module)
        if self._attr is not None:
            found = getattr(found, self._attr)
        self._namespace[self._name] = found
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._load(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._load()(*args, **kwargs)


class LazyPattern:
    """`re.compile(pattern, flags)` at first use; `namespace[name]` (when given) is then the
    compiled pattern itself, so later uses there are plain global lookups. A reference taken
    elsewhere (`from .text import _CJK_GAP`, a pattern handed to a function) keeps this object,
    which hands every use to the one compiled pattern."""

    __slots__ = ("_namespace", "_name", "_pattern", "_flags", "_compiled")

    def __init__(self, namespace: MutableMapping[str, Any] | None, name: str | None, pattern: str, flags: int = 0):
        self._namespace = namespace
        self._name = name
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def _load(self) -> re.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._pattern, self._flags)
            if self._namespace is not None and self._name is not None:
                self._namespace[self._name] = compiled
        return compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self._load(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._pattern!r}, {self._flags!r})"


def lazy_pattern(namespace: MutableMapping[str, Any] | None, name: str | None, pattern: str,
                 flags: int = 0) -> re.Pattern[str]:
    """A `LazyPattern`, typed as the compiled pattern it stands for."""
    return cast("re.Pattern[str]", LazyPattern(namespace, name, pattern, flags))
