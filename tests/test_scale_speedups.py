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


def test_opening_many_sealed_values_at_once_is_opening_each():
    """`Keyring.open_all` (the audit opens every account's key index in one call) gives what
    `open` gives value by value, and fails as it fails: the first value truncated or failing
    its tag check, with the same error."""
    import pytest

    from linkcheck.crypto.errors import Damaged

    keys = Keyring(os.urandom(32))
    ads = [b"accounts|%d|1|tag|keys" % n for n in range(50)]
    plain = [os.urandom(n * 7) for n in range(50)]
    sealed = [keys.seal(text, ad) for text, ad in zip(plain, ads, strict=True)]
    assert keys.open_all(sealed, ads, "a key index") == [keys.open(s, ad, "a key index") for s, ad in zip(sealed, ads, strict=True)]
    assert keys.open_all([], [], "a key index") == []
    flipped = sealed[13][:20] + bytes([sealed[13][20] ^ 1]) + sealed[13][21:]
    other_ad = list(ads)
    other_ad[40] = b"accounts|40|2|tag|keys"  # a row's version changed under its sealed index
    for values, their_ads, truncated in (([*sealed[:13], flipped, *sealed[14:]], ads, False), (sealed, other_ad, False),
                                         ([*sealed[:5], sealed[5][:27], *sealed[6:]], ads, True),
                                         ([*sealed[:5], None, *sealed[6:]], ads, True)):
        with pytest.raises(Damaged) as batch:
            keys.open_all(values, their_ads, "a key index")
        with pytest.raises(Damaged) as each:
            for value, ad in zip(values, their_ads, strict=True):
                keys.open(value, ad, "a key index")
        assert str(batch.value) == str(each.value) and batch.value.truncated == each.value.truncated == truncated


def test_the_audit_opens_the_key_indexes_as_it_opened_each(demo_store):
    """The key indexes opened in one call for the audit's arrays: the same bytes as each row's
    own `_ad`, and a damaged one is the same one-line StoreDamaged."""
    import pytest

    from conftest import PASSPHRASE
    from linkcheck.errors import StoreDamaged
    from linkcheck.store import Store, prefilter

    with Store.open(demo_store, PASSPHRASE) as st:
        rows = list(st._index_rows)
        arrays = prefilter._open_arrays(st, rows)
        for at, row in enumerate(rows):
            assert arrays.texts(at) == prefilter._open_index(st, row).texts
        row_id, version, tag, sealed = rows[3]
        rows[3] = (row_id, version, tag, sealed[:30] + bytes([sealed[30] ^ 1]) + sealed[31:])
        with pytest.raises(StoreDamaged) as batch:
            prefilter._open_arrays(st, rows)
        with pytest.raises(StoreDamaged) as each:
            prefilter._open_index(st, rows[3])
        assert str(batch.value) == str(each.value) == "store was tampered with or damaged: a key index fails its integrity check"
        rows[3] = (row_id, version + 1, tag, sealed)
        with pytest.raises(StoreDamaged, match="a key index fails its integrity check"):
            prefilter._open_arrays(st, rows)


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
        assert write_json_export_rows(st.iter_account_rows(), st.open_account_row_as, fast) == 10
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
