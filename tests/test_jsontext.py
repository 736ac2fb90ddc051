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


def _random_document(rng, depth: int = 0):
    """A document of every plain type json writes, with floats of every magnitude (NaN, the
    infinities, -0.0, the edges where Python's repr turns to exponents), big ints, and text
    of any character (controls, C1, bidi controls, astral, lone surrogates now and then)."""
    import math
    import struct

    floats = [0.0, -0.0, 1e-4, 9.999999999999999e-05, 1e-5, 1e16, 9999999999999998.0, 5e-324, 1e308,
              math.nan, math.inf, -math.inf, 0.1, 4.5, 92.9, 0.325]
    chars = ["\x00", "\x1f", "\x7f", "\x85", "\x9f", "\u202e", "\u2066", "\u2028", "é", "中", "\U0001f600", '"', "\\",
             "\n", "\t", "a", "z", " "]

    def scalar():
        pick = rng.randrange(9)
        if pick == 0:
            return rng.choice(floats)
        if pick == 1:
            return struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        if pick == 2:
            return round(rng.random() * 10 ** rng.randint(-8, 18), rng.randint(0, 6))
        if pick == 3:
            return rng.choice([0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 2**64, rng.randrange(-10**6, 10**6)])
        if pick == 4:
            return rng.choice([None, True, False])
        if pick == 5:
            return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(4))).replace("\ud800", "x")
        return "".join(rng.choice(chars) for _ in range(rng.randrange(8)))

    if depth > 3 or rng.random() < 0.3:
        return scalar()
    if rng.random() < 0.5:
        return {"".join(rng.choice(chars) for _ in range(rng.randrange(1, 5))): _random_document(rng, depth + 1)
                for _ in range(rng.randrange(5))}
    items = [_random_document(rng, depth + 1) for _ in range(rng.randrange(5))]
    return tuple(items) if rng.random() < 0.2 else items


def test_random_documents_are_written_as_json_dumps():
    """orjson writes the plain documents (most of these) and the standard way the rest: either
    way the text is json.dumps's, and dumps_bytes its UTF-8."""
    import random

    rng = random.Random(17)
    fast = 0
    for _ in range(3000):
        data = _random_document(rng)
        expected = json.dumps(data, ensure_ascii=False, indent=2)
        assert jsontext.dumps(data) == expected
        if any("\ud800" <= c <= "\udfff" for c in expected):  # no UTF-8 for a lone surrogate
            with pytest.raises(UnicodeEncodeError):
                jsontext.dumps_bytes(data)
        else:
            assert jsontext.dumps_bytes(data) == expected.encode("utf-8")
        fast += jsontext._orjson(data) is not None
    assert 300 < fast < 3000  # both ways were taken


PLAIN_CASES = [
    {"score": 0.975, "weight": 24.0, "zero": 0.0, "negative zero": -0.0, "edge": 1e-4, "big": 9999999999999998.0},
    ["é 中文 \u001b\u0000\n\t\r\"\\ \u2028 \U0001f600 \x7f \x85 \u202e", 2**63, -(2**63), 2**64 - 1, True, None],
    (1, "two", None, [], {}),
]
NOT_PLAIN_CASES = [
    [float("nan")], [float("inf")], [-float("inf")], [1e-5], [-9.9e-5], [1e16], [2**64], {"level": _Level.HIGH},
    [_Text("a str subclass")], {1: "int key"}, {None: "none key"}, ["\ud800 lone surrogate"],
]


@pytest.mark.parametrize("data", PLAIN_CASES, ids=range(len(PLAIN_CASES)))
def test_orjson_writes_the_plain_documents(data):
    fast = jsontext._orjson(data)
    assert fast is not None
    assert fast.decode("utf-8") == json.dumps(data, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("data", NOT_PLAIN_CASES, ids=range(len(NOT_PLAIN_CASES)))
def test_what_orjson_writes_otherwise_takes_the_standard_way(data):
    assert jsontext._orjson(data) is None
    assert jsontext.dumps(data) == json.dumps(data, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("data", [
    {"pairs": [{"accounts": ["acme-us", "acme-uk"], "score": 0.975}]},  # written as bytes
    {"name": "evil\u202eoverride", "c1": "a\x85b", "del": "x\x7fy", "isolate": "\u2066"},  # escaped by the stream
    {"score": float("nan"), "tiny": 1e-7},  # json's own text
    ["中文", "\u2028"],
])
def test_echo_json_writes_what_the_text_stream_writes(monkeypatch, data):
    """The audit's JSON on standard output: the bytes `click.echo(render_json(data))` writes
    through linkcheck's terminal-safe stdout, whichever way echo_json takes."""
    import io
    import sys

    import click

    from linkcheck.cli.output import echo_json, render_json
    from linkcheck.safetext import TerminalSafeStream

    def written(write) -> bytes:
        raw = io.BytesIO()
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=False)
        monkeypatch.setattr(sys, "stdout", TerminalSafeStream(text))
        click.echo("before")  # text already written goes first
        write()
        text.flush()
        return raw.getvalue()

    expected = written(lambda: click.echo(render_json(data)))
    assert written(lambda: echo_json(data)) == expected
    assert "\u202e" not in expected.decode("utf-8") and "\x85" not in expected.decode("utf-8")


def _with_pieces(rng, data):
    """Pieces for some items of `data`'s first list, as the audit makes them while it waits
    (`piece_bytes(item, 2)`, and whether the output's test found nothing in it), others
    missing or filed under an item's id for another object (never to be used)."""
    from linkcheck.cli.output import json_bytes_unsafe

    pieces: dict = {}
    first = next(iter(data.values())) if type(data) is dict and data else None
    for item in first if type(first) is list else ():
        text = jsontext.piece_bytes(item, 2)
        pick = rng.randrange(4)
        if text is None or pick == 0:
            continue
        if pick == 1:
            pieces[id(item)] = ({"another": "object"}, b'"not this text"', True)
        else:
            pieces[id(item)] = (item, text, pick == 3 and not json_bytes_unsafe(text))
    return pieces


def test_documents_spliced_from_pieces_are_written_as_json_dumps():
    """`dumps_bytes(data, pieces)`: the items of the first list written from the pieces where
    the piece is that item's, the rest here -- the same bytes as without them; and
    `dumps_bytes_found` says what the output's test says of the whole text, trying it only
    outside the pieces it found clean."""
    import random

    from linkcheck.cli.output import json_bytes_unsafe

    rng = random.Random(23)
    spliced = found = 0
    for n in range(2000):
        items = [_random_document(rng) for _ in range(rng.randrange(6))]
        if n % 3 == 0:
            items = [{"accounts": [f"acme-{n}", "b\u202ec" if n % 2 else "bc"], "score": 0.5,
                      "findings": [{"values": {"a": rng.choice(["x\x85y", "é", "\u2066", "plain"])}}]}
                     for _ in range(rng.randrange(1, 4))]
        data = {"pairs": items, **({"clusters": _random_document(rng)} if rng.random() < 0.7 else {}),
                "summary": {"pairs": len(items)}}
        expected = json.dumps(data, ensure_ascii=False, indent=2)
        if any("\ud800" <= c <= "\udfff" for c in expected):
            continue
        pieces = _with_pieces(rng, data)
        assert jsontext.dumps_bytes(data, pieces) == expected.encode("utf-8")
        text, unsafe = jsontext.dumps_bytes_found(data, pieces, json_bytes_unsafe)
        assert text == expected.encode("utf-8")
        assert unsafe == json_bytes_unsafe(text)
        spliced += jsontext._spliced(data, pieces) is not None
        found += unsafe
    assert spliced > 300 and found > 100


def test_echo_json_with_pieces_writes_what_the_text_stream_writes(monkeypatch):
    """A piece holding a character the terminal filter escapes, marked clean or not by the
    output's own test, still sends echo_json the text way: the bytes are click.echo's."""
    import io
    import sys

    import click

    from linkcheck.cli.output import echo_json, json_bytes_unsafe, render_json
    from linkcheck.safetext import TerminalSafeStream

    def written(write) -> bytes:
        raw = io.BytesIO()
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=False)
        monkeypatch.setattr(sys, "stdout", TerminalSafeStream(text))
        write()
        text.flush()
        return raw.getvalue()

    for name in ("evil\u202eoverride", "plain"):
        pairs = [{"accounts": [name, "b"], "score": 0.975}, {"accounts": ["c", "d"], "score": 0.5}]
        data = {"pairs": pairs, "summary": {"pairs": 2}}
        pieces = {id(p): (p, jsontext.piece_bytes(p, 2), not json_bytes_unsafe(jsontext.piece_bytes(p, 2)))
                  for p in pairs}
        assert pieces[id(pairs[0])][2] is (name == "plain")
        expected = written(lambda data=data: click.echo(render_json(data)))
        assert written(lambda data=data, pieces=pieces: echo_json(data, pieces)) == expected
        assert ("\u202e" in expected.decode("utf-8")) is False


def test_random_documents_are_written_compact_as_json_dumps():
    """`dumps_compact`: json.dumps's compact text (the report's page data), by orjson where it
    writes the same, else by json -- either way the same text."""
    import random

    rng = random.Random(29)
    fast = 0
    for _ in range(3000):
        data = _random_document(rng)
        try:
            expected = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        except ValueError:
            continue
        assert jsontext.dumps_compact(data) == expected
        fast += jsontext._plain(data)
    assert fast > 500
