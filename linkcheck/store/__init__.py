"""The encrypted store, as a package.

- `sqlite`: the SQLite backend (`Store`), the only module that touches the store file;
  also `create`, `read_info` and the unlock agent's entry points.
- `schema`: the SQLite schema and the check that a file has exactly it.
- `codec`: row formats (format 1 read, format 2 read and written).
- `keyindex`: an account's sealed key index (match-key tags and fuzzy texts).
- `manifest`: the sealed manifest (MAC over every row, row counts).
- `gatecache`: the gate cache, a sealed snapshot of the verified accounts table that `check`
  and `precheck` answer from (imported by the backends, not here).
- `prefilter`: the audit's prefilter (`audit_input`) and its forked helper.
- `migrations`: the store formats as named migrations, in order.
- `api`: the typed interface (`StoreBackend`) every backend implements;
  `memory`: an in-memory backend for tests (not imported here).

Commands import what they need from here.
"""

from .prefilter import AuditInput, FuzzyScorer, QuietHubs
from .sqlite import (
    FORMAT_VERSION,
    MAGIC,
    STORE_ENV,
    STORE_FILENAME,
    Store,
    StoreInfo,
    StoreKey,
    check_store_file,
    create,
    default_store_path,
    derive_store_key,
    file_mode,
    header_digest,
    read_info,
)



def __getattr__(name: str):
    # The typed interface is for type checkers and tests: not imported at command start-up.
    if name == "StoreBackend":
        from .api import StoreBackend

        return StoreBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AuditInput",
    "FORMAT_VERSION",
    "FuzzyScorer",
    "MAGIC",
    "QuietHubs",
    "STORE_ENV",
    "STORE_FILENAME",
    "Store",
    "StoreBackend",
    "StoreInfo",
    "StoreKey",
    "check_store_file",
    "create",
    "default_store_path",
    "derive_store_key",
    "file_mode",
    "header_digest",
    "read_info",
]
