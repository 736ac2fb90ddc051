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
