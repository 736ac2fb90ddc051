"""jsontext.dumps writes exactly what json.dumps(..., ensure_ascii=False, indent=2) writes."""

from __future__ import annotations

import json
from enum import IntEnum

import pytest

from linkcheck import jsontext
from conftest import PASSPHRASE
from linkcheck.models import iso


class _Level(IntEnum):
    HIGH = 3


class _Text(str):
    pass


CASES = [
    None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e16, 1e-7, 3.141592653589793, float("nan"), float("inf"),
    float("-inf"), "", "plain", "é 中文 \u001b\u0000\n\t\r\"\\ \u2028 \U0001f600", "\ud800 lone surrogate",
    [], {}, [[]], [{}], {"a": {}}, {"a": []}, (1, "two", None), [1, [2, [3, [4]]]],
    {"pairs": [{"a": "acme-us", "score": 87.5, "findings": [{"kind": "email", "values": ["x", "y"]}]}],
     "summary": {"pairs": {"critical": 1, "high": 0}, "note": None, "ok": True}},
    # What json.dumps converts or passes on, which this writer leaves to it.
    {1: "int key", 2.5: "float key", None: "none key"}, {False: "bool key"},
    {"level": _Level.HIGH}, [_Text("a str subclass")], {_Text("key"): 1},
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_dumps_is_json_dumps(data):
    assert jsontext.dumps(data) == json.dumps(data, ensure_ascii=False, indent=2)


def test_a_value_json_cannot_write_fails_as_json_fails():
    with pytest.raises(TypeError):
        jsontext.dumps({"when": object()})
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        jsontext.dumps(loop)


def test_export_profiles_and_an_audit_are_written_as_json_dumps(demo_store):
    from linkcheck.importers.json import profile_to_json
    from linkcheck.linkage import engine
    from linkcheck.linkage.rules import load_rules
    from linkcheck.models import Level
    from linkcheck.store.sqlite import Store

    with Store.open(demo_store, PASSPHRASE) as st:
        profiles = st.profiles()
    for profile in profiles:
        data = profile_to_json(profile)
        assert jsontext.dumps(data) == json.dumps(data, ensure_ascii=False, indent=2)
    result = engine.audit(profiles, load_rules(None), min_level=Level.LOW)
    for reveal in (False, True):
        data = engine.audit_to_json(result, reveal=reveal)
        assert data["pairs"]  # the demo accounts are linked: the check covers real findings
        assert jsontext.dumps(data) == json.dumps(data, ensure_ascii=False, indent=2)


def test_iso_is_cached_and_still_exact():
    assert iso(0) == "1970-01-01T00:00:00Z"
    assert iso(1_700_000_000) == "2023-11-14T22:13:20Z"
    assert iso(1_700_000_000) == "2023-11-14T22:13:20Z"
    assert iso(None) == ""


def test_many_keys_and_depths_are_written_as_json_dumps(monkeypatch):
    """Keys written from the cache of key texts (by indentation, first and later keys apart),
    and past its bound, are json.dumps's: the same key first and later, at several depths,
    in dicts of one key, a key that needs escaping, a str subclass and a non-str key after it."""
    monkeypatch.setattr(jsontext, "_KEYS_KEPT", 3)
    names = [f"acme-{i:02d}" for i in range(12)] + ['quo"te', "中文", "e\u001bsc"]
    data = {
        "pairs": [{"values": {n: n, names[-1 - i]: i}, "seen": {n: {"first_seen": 1, "last_seen": None}}}
                  for i, n in enumerate(names)],
        "single": {"acme-00": {"acme-00": {"acme-00": [{"acme-00": {}}]}}},
        "subclass": {_Text("acme-01"): 1, "acme-01x": 2},
    }
    for _ in range(2):  # the second time from what the first left in the cache
        assert jsontext.dumps(data) == json.dumps(data, ensure_ascii=False, indent=2)
    assert jsontext.dumps({"acme-02": 1, 3: "int key after a cached one"}) == json.dumps(
        {"acme-02": 1, 3: "int key after a cached one"}, ensure_ascii=False, indent=2)
