"""An import stores exactly what it stored before it was made faster (issue 17).

A few hundred synthetic accounts (bench/synth.py: shared values, several spellings) are
imported into a new store, a second file then updates some of them and adds others, and
`linkcheck export` must write the very bytes the import wrote before its speed-ups: the
digest below is that of the export made with the code of main at 12d6fe9, at the same fixed
time. A change to what an import stores fails here; a deliberate one (a normaliser changed
on purpose) updates the digest, with the reason in its commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from conftest import write_json
from linkcheck import accounts

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import synth  # noqa: E402

WHEN = 1_790_000_000  # 2026-09-21: every value's first and last seen
EXPORT_SHA256 = "642d6f7a62325e1728e11c404c99dbd1e0a52d82bdd9fb98fa6e99eadf5d00a3"
EXPORT_ACCOUNTS = 350


@pytest.fixture
def fixed_time(monkeypatch):
    monkeypatch.setattr(accounts, "now", lambda: WHEN)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    profiles = synth.profiles(350)
    first = write_json(tmp_path / "first.json", profiles[:300])
    # The second file updates 50 accounts of the first (a new value each, one given again)
    # and adds 50 new ones.
    again = []
    for item in profiles[250:]:
        item = json.loads(json.dumps(item))
        if int(item["account"][-6:]) < 300:
            item["attributes"]["logistics"].append("DHL")
            item["attributes"]["hostname"].append(f"{item['account']}-backup")
        again.append(item)
    second = write_json(tmp_path / "second.json", again)
    return first, second


def test_the_export_after_an_import_is_what_it_was(cli, store, tmp_path, fixed_time):
    first, second = _files(tmp_path)
    for path in (first, second):
        result = cli("import", str(path))
        assert result.exit_code == 0, result.output
    out = tmp_path / "all.json"
    result = cli("export", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert len(json.loads(data)) == EXPORT_ACCOUNTS
    assert hashlib.sha256(data).hexdigest() == EXPORT_SHA256
