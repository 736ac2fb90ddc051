"""The faster forms used at scale give exactly what the plain forms give (issue 17)."""

from __future__ import annotations

import hashlib
import json
import os

from linkcheck.crypto.aead import Keyring
from linkcheck.models import Attribute
from linkcheck.store.codec import _JSON_LINE


def test_keyed_tags_and_row_macs_are_the_plain_keyed_blake2b():
    keys = Keyring(os.urandom(32))
    for text in ("", "store-000001", "acme-us", "é 中文", "a\ud800b"):
        raw = text.encode("utf-8", "surrogatepass")
        assert keys.name_tag(text) == hashlib.blake2b(raw, key=keys.name_key, digest_size=16).digest()
        assert keys.row_mac(raw) == int.from_bytes(
            hashlib.blake2b(raw, key=keys.manifest_key, digest_size=32).digest(), "big")
    for key in ("email:ops@acme.example", "~company_name:acme", "phone:+12015550123"):
        assert keys.index_tag(key) == hashlib.blake2b(key.encode(), key=keys.index_key, digest_size=8).digest()
    # Each call starts from the keyed state: no call sees another's input.
    assert keys.index_tag("x") == keys.index_tag("x") != keys.index_tag("y")


def test_a_row_line_is_the_json_encoder_line():
    plain = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    attribute = Attribute("email", "Ops@Acme.example", "ops@acme.example", ("email:ops@acme.example",), "import",
                          1_700_000_000, 1_700_000_001, "a note\twith é and \u001b", ("free",),
                          ((1, None, None), (0, 5, "moved")))
    for data in ({"n": "acme-us", "m": "amazon.com", "s": "active", "o": None, "c": 1, "u": 2}, attribute,
                 ["~email:acme"], [], [1.5, float("inf"), True, None, "\ud800"]):
        assert _JSON_LINE(data) == plain(data)


def test_the_export_from_sealed_rows_is_the_export_from_profiles(demo_store):
    import io

    from conftest import PASSPHRASE
    from linkcheck.cli.output import write_export, write_json_export_rows
    from linkcheck.registry.kinds import KIND_NAMES
    from linkcheck.store.sqlite import Store

    with Store.open(demo_store, PASSPHRASE) as st:
        plain, fast = io.StringIO(), io.StringIO()
        assert write_export(st.iter_profiles(), "json", plain, KIND_NAMES) == 10
        assert write_json_export_rows(st.iter_account_rows(), st.open_account_row, fast) == 10
    assert fast.getvalue() == plain.getvalue()
    assert json.loads(fast.getvalue())[0]["attributes"]


def test_the_export_refuses_a_row_other_than_the_one_verified_at_open(demo_store):
    import pytest

    from conftest import PASSPHRASE
    from linkcheck.errors import StoreDamaged
    from linkcheck.store.sqlite import Store

    with Store.open(demo_store, PASSPHRASE) as st:
        verified = st._verified["accounts"]
        first = min(verified)
        version, tag, body_tag, keys_tag = verified[first]
        # The file's first row is not the one the manifest check verified (an older copy, say).
        verified[first] = (version, tag, bytes(16), keys_tag)
        with pytest.raises(StoreDamaged, match="differs from the one verified"):
            list(st.iter_account_rows())
        verified[first] = (version, tag, body_tag, keys_tag)
        assert len(list(st.iter_account_rows())) == 10
        # A row the check verified does not come back.
        verified[max(verified) + 1] = (version, tag, body_tag, keys_tag)
        with pytest.raises(StoreDamaged, match="other rows than verified"):
            list(st.iter_account_rows())
