"""Heavy libraries imported at first use, with nothing left to pay on every later use.

A function that calls a library millions of times (the audit's fuzzy scoring) cannot import it
inside its body: `from package import name` there costs microseconds a call. `LazyImport` stands
in a module's namespace for a library module (or one name from it) until first used; that use
imports it and puts the real object in the namespace in its place, so every later use is a plain
global lookup. Commands that never use it (`check`, `run`, `--help`) never load it.

    fuzz = LazyImport(globals(), "fuzz", "rapidfuzz.fuzz")
    default_process = LazyImport(globals(), "default_process", "rapidfuzz.utils", "default_process")
"""

from __future__ import annotations

import importlib
from typing import Any, MutableMapping


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
