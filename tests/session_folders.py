"""Folders built once per test session and shared by every xdist worker (expensive fixtures)."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path


def once_per_session(tmp_path_factory, name: str, build) -> Path:
    """A folder that `build(folder)` fills once per test session, shared by every xdist worker.

    Several workers may need the same expensive fixture (a store of thousands of accounts, a
    storm of processes); the first builds it under a lock, the others wait and reuse it.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / f"shared-{name}"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".done").touch()
    return folder
