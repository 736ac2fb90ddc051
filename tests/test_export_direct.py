"""The export made straight from each row's plaintext (`importers.json.export_item_bytes`, fifteenth
session) against the way it was made before: the row's Profile (`store.codec._decode_profile`),
`profile_to_json` and `jsontext.dumps` (`cli.output._export_text`). Where the direct way answers,
its bytes are that text's; where it does not, the export takes that way."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PASSPHRASE
from linkcheck.cli.output import _export_bytes, _export_text, _utf8_writer, write_export, write_json_export_rows
from linkcheck.importers.json import _IDENTITY_KEYS, export_item_bytes
from linkcheck.models import IDENTITY_FIELDS, Account, Attribute, Profile
from linkcheck.safetext import TerminalSafeStream
from linkcheck.store.codec import _OPTIONAL_KEYS, _account_header, _decode_profile, _profile_lines


def _line(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _body(header, attributes) -> bytes:
    """A format-3 plaintext as `_profile_lines` writes it: (fields, blocking keys) per attribute."""
    lines = [_line(header)]
    for fields, blocking in attributes:
        lines += [_line(fields), _line(blocking)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _old(raw: bytes):
    """("ok", name, the text the export wrote before) or ("error", the exception's type)."""
    try:
        profile = _decode_profile(raw)
        name = profile.account.name
        name.encode("utf-8", "surrogatepass")  # `name_tag`: what the row's name must be
        return "ok", name, _export_text(profile).encode("utf-8")
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return "error", type(exc)


def _same_as_before(raw: bytes) -> bool:
    """Whether the direct way answered for `raw` (and then, that it gave the text of before)."""
    direct = export_item_bytes(raw)
    if direct is None:
        return False
    old = _old(raw)
    assert old[0] == "ok", old
    assert direct == (old[1], old[2])
    return True


def test_the_identity_keys_are_the_account_lines():
    assert [field for field, _key in _IDENTITY_KEYS] == list(IDENTITY_FIELDS)
    account = Account("a", "amazon.com", "active", None, 1, 2, "Shop", "tok", "Acme Ltd", "阿克米")
    header = _account_header(account)
    for field, key in _IDENTITY_KEYS:
        assert key in _OPTIONAL_KEYS and header[key] == getattr(account, field)


_PROFILES = [
    Profile(Account("acme-us", "amazon.com", "active", None, 1_700_000_000, 1_700_000_000), ()),
    Profile(Account("acme-de", "amazon.de", "suspended", "a note\twith é and \u001b and \u2028", 1, 2, "Acme Shop",
                    None, "Acme GmbH", "", "case-1"),
            (Attribute("phone", "138 0013 8000", "+8613800138000", ("phone:+8613800138000",), "import", 1_700_000_000,
                       1_700_000_000),
             Attribute("phone", " +44 20 7946 0958", "+442079460958", ("phone:+442079460958",), "manual", 0, 5),
             Attribute("phone", "0044 20 7946 0958", "+442079460958", (), "manual", 0, 5, "", ("free",)),
             Attribute("email", "Ops@Acme.example", "ops@acme.example", ("email:ops@acme.example", "~email:ops"),
                       "capture", 1_700_000_000, 1_700_086_400, "seen on the \"login\" page\\", ("free",),
                       ((1_699_920_000, None, None),)),
             Attribute("ip", "203.0.113.7", "203.0.113.7", ("ip:203.0.113.7",), "check", 1_700_000_000, 1_700_000_000,
                       None, (), ((1_699_920_000, 1_700_006_400, "moved"), (1_700_010_000, None, None))),
             Attribute("email", "b@acme.example", "b@acme.example", (), "import", 1_700_000_000, 1_700_000_000, None,
                       (), ((1_699_920_000, 1_700_006_400, None),)),
             Attribute("company_name", "深圳市 Acme 有限公司 \U0001f600 \x7f \u0085", "acme", (), "import", 1, 1))),
]


@pytest.mark.parametrize("profile", _PROFILES)
def test_a_row_written_by_the_store_is_exported_the_direct_way_as_before(profile):
    raw = _profile_lines(profile, [len(a.keys) - sum(k.startswith("~") for k in a.keys) for a in profile.attributes])
    assert _same_as_before(raw)


def test_rows_the_direct_way_leaves_are_left_to_the_standard_way():
    header = {"n": "a", "m": "amazon.com", "s": "active", "o": None, "c": 1, "u": 2}
    fields = ["email", "a@b.example", "a@b.example", ["email:a@b.example"], "import", 1_700_000_000, 1_700_000_000,
              None, [], []]
    assert _same_as_before(_body(header, [(fields, [])]))
    assert _same_as_before(_body(header, [(fields[:5] + [1.5, True] + fields[7:], [])]))  # dates only shown as dates
    left = [
        _line({**header, "a": [fields[:9]]}).encode(),  # format 1
        _body(header, [(fields[:9], [])]),  # format 2's nine fields
        _body(header, [(fields + [None], [])]),
        _body({**header, "o": 1.5}, [(fields, [])]),  # a float json and orjson write otherwise
        _body(header, [(fields[:1] + [2 ** 64] + fields[2:], [])]),  # an int past 64 bits
        _body(header, [(fields[:1] + [2 ** 63 - 1] + fields[2:], [])]),  # an int in the text
        _body(header, [(fields[:1] + ["SURROGATE"] + fields[2:], [])]).replace(b"SURROGATE", b"\\ud800"),  # no character
        _body(header, [([1] + fields[1:], [])]),  # a kind that is no text
        _body(header, [(fields[:8] + ["free"] + fields[9:], [])]),
        _body(header, [(fields[:9] + [[[1, 2]]], [])]),
        _body({k: v for k, v in header.items() if k != "c"}, [(fields, [])]),
        _body({**header, "n": 7}, [(fields, [])]),
        _body({**header, "dn": ["x"]}, [(fields, [])]),
        b"[]\n",
        b'{"n":"a"}\n[1]\n',
        b"\xff\n",
    ]
    for raw in left:
        assert export_item_bytes(raw) is None, raw
    # A NaN reads as no JSON here; json reads it.
    assert export_item_bytes(_body(header, [(fields, [])]).replace(b"1700000000,", b"NaN,", 1)) is None


_TEXT = st.one_of(st.sampled_from(["", "a", "+44 20", "0044 1", " 00 1", "x\ty", "é", "\x7f", "\u2028", "\U0001f600"]),
                  st.text(max_size=8))
_ANY = st.one_of(_TEXT, st.none(), st.integers(-3, 3), st.integers(2 ** 62, 2 ** 66), st.floats(allow_nan=False),
                 st.booleans(), st.lists(_TEXT, max_size=2))
_TIME = st.one_of(st.integers(0, 4_000_000_000), st.sampled_from([0, 1_700_000_000, 1_699_920_000, None]), _ANY)
_PERIOD = st.one_of(st.tuples(_TIME, st.one_of(st.none(), _TIME), st.one_of(st.none(), _TEXT, _ANY)).map(list),
                    st.lists(_TIME, max_size=4))
_FIELDS = st.tuples(
    st.one_of(st.sampled_from(["phone", "email", "ip", "company_name"]), _ANY), st.one_of(_TEXT, _ANY),
    st.one_of(_TEXT, _ANY), st.one_of(st.lists(_TEXT, max_size=2), _ANY), st.one_of(st.sampled_from(["import", "manual"]), _ANY),
    _TIME, _TIME, st.one_of(st.none(), _TEXT, _ANY), st.one_of(st.lists(_TEXT, max_size=2), _ANY),
    st.one_of(st.just([]), st.lists(_PERIOD, max_size=3), _ANY),
).map(list)
_HEADER = st.fixed_dictionaries(
    {"n": st.one_of(_TEXT, _ANY), "m": st.one_of(st.just("amazon.com"), _ANY), "s": st.one_of(st.just("active"), _ANY),
     "o": st.one_of(st.none(), _TEXT, _ANY), "c": st.just(1), "u": st.just(2)},
    optional={key: st.one_of(_TEXT, _ANY) for key in _OPTIONAL_KEYS},
)


@settings(max_examples=500, deadline=None)
@given(_HEADER, st.lists(st.tuples(st.one_of(_FIELDS, _FIELDS.map(lambda f: f[:9])), st.one_of(st.lists(_TEXT, max_size=2), _ANY)),
                         max_size=5))
def test_the_direct_way_answers_only_with_the_text_of_before(header, attributes):
    _same_as_before(_body(header, attributes))


@settings(max_examples=200, deadline=None)
@given(_HEADER.filter(lambda h: isinstance(h["n"], str)),
       st.lists(st.tuples(_FIELDS.filter(lambda f: isinstance(f[0], str)), st.just([])), max_size=5))
def test_the_direct_way_answers_for_the_rows_of_text_it_is_meant_for(header, attributes):
    header = {**header, "m": "amazon.com", "s": "active", "o": header["o"] if isinstance(header["o"], str) else None}
    for key in _OPTIONAL_KEYS:
        if key in header and not isinstance(header[key], str):
            del header[key]
    plain = []
    for fields, blocking in attributes:
        kind, value, normalized, keys, source, first, last, note, _flags, _periods = fields
        plain.append(([kind, value if isinstance(value, str) else "v",
                       normalized if isinstance(normalized, str) else "n", [], "import",
                       first if type(first) is int and 0 <= first < 4e9 else 0,
                       last if type(last) is int and 0 <= last < 4e9 else None,
                       note if isinstance(note, str) else None, [], []], blocking))
    assert _same_as_before(_body(header, plain))


def _store_with_everything(cli, tmp_path):
    """The example profiles and an account with a note, identity fields, value notes, periods and
    phone numbers with and without their country code."""
    path = tmp_path / "more.json"
    path.write_text(json.dumps([{
        "account": "everything-de", "marketplace": "amazon.de", "status": "suspended", "note": "note \u2028 é",
        "display_name": "Everything Shop", "legal_name_en": "Everything GmbH",
        "attributes": {
            "phone": ["030 1234567", {"value": "+49 30 7654321", "note": "office"}],
            "email": [{"value": "ops@everything.example", "since": "2024-01-01", "until": "2024-06-01T12:00:00Z"},
                      {"value": "new@everything.example", "periods": [
                          {"since": "2023-01-01", "until": "2023-02-01", "note": "first"}, {"since": "2024-07-01"}]}],
        },
    }], ensure_ascii=False), encoding="utf-8")
    result = cli("import", "--region", "DE", str(path))
    assert result.exit_code == 0, result.output


def test_the_export_from_rows_is_the_export_from_profiles(cli, demo_store, tmp_path):
    from linkcheck.registry.kinds import KIND_NAMES
    from linkcheck.store.sqlite import Store

    _store_with_everything(cli, tmp_path)
    with Store.open(demo_store, PASSPHRASE) as st:
        plain = io.StringIO()
        count = write_export(st.iter_profiles(), "json", plain, KIND_NAMES)
        assert count == 11
        # Every row of the store takes the direct way.
        for row in st.iter_account_rows():
            assert type(st.open_account_row_as(row, export_item_bytes)) is bytes
        # To a text stream, to a file (its buffer), in one batch and in several, on one core or two.
        text = io.StringIO()
        assert write_json_export_rows(st.iter_account_rows(), st.open_account_row_as, text) == 11
        assert text.getvalue() == plain.getvalue()
        with open(tmp_path / "out.json", "w", encoding="utf-8", newline="") as fh:
            fh.write("")  # text written before the bytes goes first
            assert write_json_export_rows(st.iter_account_rows(), st.open_account_row_as, fh) == 11
        assert (tmp_path / "out.json").read_bytes() == plain.getvalue().encode("utf-8")
        import linkcheck.cli.output as output

        saved = output._EXPORT_BATCH
        output._EXPORT_BATCH = 2
        try:
            text = io.StringIO()
            write_json_export_rows(st.iter_account_rows(), st.open_account_row_as, text)
        finally:
            output._EXPORT_BATCH = saved
        assert text.getvalue() == plain.getvalue()
    assert "everything-de" in plain.getvalue() and '"periods"' in plain.getvalue()
    # The command writes that file.
    result = cli("export", "-o", str(tmp_path / "cli.json"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.json").read_text(encoding="utf-8") == plain.getvalue()
    # And to standard output.
    result = cli("export", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout == plain.getvalue()


def test_an_empty_store_exports_an_empty_list(cli, store, tmp_path):
    result = cli("export", "-o", str(tmp_path / "empty.json"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "empty.json").read_text(encoding="utf-8") == "[]\n"


def test_a_row_the_direct_way_leaves_is_exported_from_its_profile(demo_store):
    from linkcheck.store.sqlite import Store

    with Store.open(demo_store, PASSPHRASE) as st:
        rows = list(st.iter_account_rows())
        n, text = _export_bytes(st.open_account_row_as, rows)
        left_n, left = _export_bytes(lambda row, _direct: st.open_account_row_as(row, lambda raw: None), rows)
        assert (n, text) == (left_n, left) == (10, ",\n  ".join(_export_text(st.open_account_row(r)) for r in rows).encode())


def test_a_name_that_is_not_the_rows_is_damage(demo_store):
    from linkcheck.errors import StoreDamaged
    from linkcheck.store.sqlite import Store

    with Store.open(demo_store, PASSPHRASE) as st:
        row = next(iter(st.iter_account_rows()))
        with pytest.raises(StoreDamaged, match="filed under the wrong name"):
            st.open_account_row_as(row, lambda raw: ("someone-else", b"{}"))


def test_the_writer_writes_what_the_text_stream_would():
    text = "[\n  {\"a\": \"é \u001b \u2028 \x7f\"}".encode("utf-8")
    # A UTF-8 file: its buffer, after what was written as text.
    raw = io.BytesIO()
    fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    fh.write("before ")
    _utf8_writer(fh)(text)
    fh.flush()
    assert raw.getvalue() == b"before " + text
    # Standard output through the terminal filter: escaped as the text would be.
    for data in (text, b"plain"):
        direct, through = io.BytesIO(), io.BytesIO()
        out = TerminalSafeStream(io.TextIOWrapper(direct, encoding="utf-8", newline="", write_through=True))
        _utf8_writer(out)(data)
        out.flush()
        old = TerminalSafeStream(io.TextIOWrapper(through, encoding="utf-8", newline="", write_through=True))
        old.write(data.decode("utf-8"))
        old.flush()
        assert direct.getvalue() == through.getvalue()
    # Another encoding: as text.
    latin = io.BytesIO()
    fh = io.TextIOWrapper(latin, encoding="latin-1", newline="")
    _utf8_writer(fh)("é".encode("utf-8"))
    fh.flush()
    assert latin.getvalue() == "é".encode("latin-1")


def test_the_export_to_standard_output_of_a_process_is_the_file(cli, demo_store, tmp_path):
    """`export -o -` in a process of its own: standard output is the terminal filter over a UTF-8
    stream (the bytes go to its buffer), the same bytes as the file."""
    import os
    import subprocess
    import sys

    _store_with_everything(cli, tmp_path)
    result = cli("export", "-o", str(tmp_path / "file.json"))
    assert result.exit_code == 0, result.output
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE, PYTHONIOENCODING="utf-8")
    with open(tmp_path / "stdout.json", "wb") as out:
        done = subprocess.run([sys.executable, "-m", "linkcheck", "export", "-o", "-"], stdout=out,
                              stderr=subprocess.PIPE, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "stdout.json").read_bytes() == (tmp_path / "file.json").read_bytes()
