"""The sixteenth session's import (issue 17): a JSON import file of at most
`safety.WHOLE_JSON_BYTES` is parsed whole by orjson (`safety._whole_file_items`) where the
streaming reader would read it the same way, and by the streaming reader otherwise. Each test
reads the same bytes both ways -- the new one, and the streaming reader alone (as every file
was read before) -- and wants the same items, or the same error, word for word."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.errors import InvalidInput
from linkcheck.importers import read_records, safety

_PATH = Path("profiles.json")


def _read(data: bytes, whole: bool) -> tuple:
    """json_items of `data`, as (items, None) or (None, the error's message)."""
    with pytest.MonkeyPatch.context() as patch:
        if not whole:
            patch.setattr(safety, "WHOLE_JSON_BYTES", -1)  # (no file is that small: streamed)
        try:
            return list(safety.json_items(_PATH, io.BytesIO(data))), None
        except InvalidInput as exc:
            return None, exc.message


def _same(data: bytes) -> tuple:
    new, old = _read(data, True), _read(data, False)
    assert new == old
    # The same types too (1 == 1.0 == True): what the rows are made of.
    if new[0] is not None:
        assert json.dumps(new[0]) == json.dumps(old[0])
    return new


_SCALARS = st.one_of(
    st.text(max_size=12),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(1 << 64), max_value=1 << 64),
    st.sampled_from([-(1 << 63), -(1 << 63) + 1, (1 << 63) - 1, 1 << 63, 0]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["\ud800", "x\udc00", "\ud83d\ude00", "\\ud800", "\\u"]),  # (lone surrogates: escaped)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(document=st.one_of(st.lists(_VALUES, max_size=5), _VALUES), ascii_only=st.booleans(), indent=st.sampled_from([None, 1]))
def test_any_document_reads_as_the_streaming_reader_reads_it(document, ascii_only, indent):
    try:
        data = json.dumps(document, ensure_ascii=ascii_only, indent=indent).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only escaped
        data = json.dumps(document, indent=indent).encode("utf-8")
    _same(data)
    _same(b"\xef\xbb\xbf" + data)  # with a BOM


@settings(max_examples=300, deadline=None)
@given(document=st.lists(_VALUES, max_size=4), cut=st.integers(min_value=0), byte=st.integers(min_value=0, max_value=255))
def test_damaged_documents_fail_as_they_did(document, cut, byte):
    data = bytearray(json.dumps(document).encode("utf-8"))
    at = cut % (len(data) + 1)
    _same(bytes(data[:at]))  # cut short
    if data:
        data[at % len(data)] = byte  # one byte changed
        _same(bytes(data))


@pytest.mark.parametrize("data", [
    b"", b" ", b"[]", b"{}", b'"x"', b"1", b"null", b"[1,]", b'["a"] ["b"]', b"[1e400]", b"[1.5]",
    b"[9223372036854775807]", b"[9223372036854775808]", b"[-9223372036854775807]", b"[-9223372036854775808]",
    b"[123456789012345678901234567890]", b'["\\ud800"]', b'["\\udc00"]', b'["\\ud83d\\ude00"]', b'["\\\\ud800"]',
    b'["a\\u0000b"]', b'["a\tb"]', b'["\xed\xa0\x80"]', b'["\xc0\x80"]', b"\xef\xbb\xbf\xef\xbb\xbf[]",
    b'[{"a":1,"b":2,"a":3}]', b"[NaN]", b"[Infinity]", b"[tru]", b"/* c */ []", b"[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]",
    b"[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]", b"[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]",
    b"{" + b'"a":{' * 15 + b"}" * 16, b"{" + b'"a":{' * 16 + b"}" * 17,
])
def test_edge_cases_read_as_they_did(data):
    _same(data)


def test_nesting_is_refused_at_the_same_depth():
    for depth in range(12, 20):
        inside = b"[" * depth + b"]" * depth
        _same(b"[" + inside + b"]")
        _same(b'[{"attributes":' + inside + b"}]")


def test_a_file_larger_than_the_whole_file_limit_is_streamed(tmp_path, monkeypatch):
    profiles = [{"account": f"a{i}", "attributes": {"email": [f"a{i}@example.com"]}} for i in range(50)]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profiles), encoding="utf-8")
    whole = list(read_records(path, None))
    monkeypatch.setattr(safety, "WHOLE_JSON_BYTES", path.stat().st_size - 1)
    calls = []
    real = safety._JsonSource
    monkeypatch.setattr(safety, "_JsonSource", lambda *a: calls.append(1) or real(*a))
    assert list(read_records(path, None)) == whole
    assert calls  # streamed


def test_the_bench_files_read_the_same_both_ways(tmp_path, monkeypatch):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import synth

    files = synth.write_files(300, tmp_path, per_file=150)
    streamed = []
    real = safety._JsonSource
    monkeypatch.setattr(safety, "_JsonSource", lambda *a: streamed.append(1) or real(*a))
    for path in files:
        new = list(read_records(path, None))
        assert not streamed  # read whole
        with monkeypatch.context() as patch:
            patch.setattr(safety, "WHOLE_JSON_BYTES", -1)
            old = list(read_records(path, None))
        assert new == old and len(new) == 150 and streamed
        streamed.clear()


# ----- the parse-ahead child's batches, pickled without the memo (ahead._framed) -----------------

_TEXTS = st.text(max_size=8)
_RAW = st.tuples(_TEXTS, st.one_of(_TEXTS, st.none(), st.integers()), st.none(), st.none(), st.none(), st.none(), st.just(()))
_PACKED = st.tuples(_TEXTS, st.one_of(_TEXTS, st.none()), st.one_of(_TEXTS, st.none()), st.none(), st.none(),
                    st.lists(_RAW, max_size=4).map(tuple), st.just(()), st.just(()), st.just(()))
_ROWS = st.tuples(st.none(), _TEXTS, st.one_of(_TEXTS, st.none()), st.integers(0, 99), st.binary(max_size=40),
                  st.binary(max_size=40), _TEXTS, st.lists(_TEXTS, max_size=2).map(tuple), st.just(()))
_ANSWERS = st.dictionaries(st.tuples(_TEXTS, _TEXTS, st.one_of(st.none(), st.just("CN"))),
                           st.tuples(_TEXTS, st.lists(_TEXTS, max_size=3).map(tuple), st.lists(_TEXTS, max_size=2).map(tuple)),
                           max_size=6)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.one_of(_PACKED, _ROWS), max_size=6), answers=st.one_of(st.none(), _ANSWERS))
def test_a_batch_framed_without_the_memo_unpickles_as_it_did(items, answers):
    import pickle

    from linkcheck.importers.ahead import _framed

    shared = "x" * 20
    message = ([*items, (shared, shared, shared)], answers)
    framed = _framed(message)
    size = int.from_bytes(framed[:8], "little")
    assert size == len(framed) - 8
    assert pickle.loads(framed[8:]) == message == pickle.loads(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


# ----- whole imports: the stores the two readers fill are the same ---------------------------


def test_stores_imported_both_ways_export_and_audit_the_same(cli, tmp_path, monkeypatch):
    import sys

    from linkcheck import accounts

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import synth

    monkeypatch.setattr(accounts, "now", lambda: 1_790_000_000)
    profiles = synth.profiles(240)
    first = tmp_path / "first.json"
    first.write_text(json.dumps(profiles[:200]), encoding="utf-8")
    again = json.loads(json.dumps(profiles[150:]))
    for item in again[:20]:
        item["attributes"]["logistics"].append("DHL")
    again.append({"account": "", "attributes": {"email": ["not an address"]}})  # refused rows
    again.append({"account": "bad-one", "attributes": {"phone": ["123"], "email": "x@"}})
    second = tmp_path / "second.json"
    second.write_text(json.dumps(again, ensure_ascii=False, indent=1), encoding="utf-8")
    outputs = []
    for whole in (True, False):
        env = {"LINKCHECK_STORE": str(tmp_path / f"store-{whole}" / "linkcheck.db")}
        with monkeypatch.context() as patch:
            if not whole:
                patch.setattr(safety, "WHOLE_JSON_BYTES", -1)
            assert cli("init", env=env).exit_code == 0
            results = [cli("import", first, env=env), cli("import", "--skip-invalid", second, env=env)]
        export = tmp_path / f"all-{whole}.json"
        assert cli("export", "-o", export, env=env).exit_code == 0
        audit = cli("audit", "--format", "json", env=env)
        outputs.append(([(r.exit_code, r.output) for r in results], export.read_bytes(), audit.exit_code, audit.output))
    assert outputs[0] == outputs[1]
    assert outputs[0][0][1][0] == 0 and len(json.loads(outputs[0][1])) == 240
