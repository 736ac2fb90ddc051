"""usecases/verify.py without the CLI: which key a statement is checked against, and the rule
that a statement checked against no key is NOT VERIFIED unless only integrity was asked for."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from linkcheck.appeal import signing
from linkcheck.appeal.signing import StatementInvalid
from linkcheck.errors import UsageError
from linkcheck.usecases import verify

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
RAW = signing.public_key_bytes(KEY)
OTHER = signing.public_key_bytes(Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))))
SIGNED = signing.sign_text("A statement.\n", "", KEY)


def _never() -> bytes:
    raise AssertionError("the store must not be opened when a key is given")


def test_a_given_key_comes_before_the_store(tmp_path):
    assert verify.choose_signer(signing.public_key_text(RAW), None, _never) == verify.Signer(RAW, verify.GIVEN)
    key_file = tmp_path / "operator.pub"
    key_file.write_text(signing.public_key_text(RAW) + "\n", encoding="utf-8")
    assert verify.choose_signer(None, key_file, _never) == verify.Signer(RAW, verify.GIVEN)


def test_the_store_key_without_a_given_one_and_none_without_a_store():
    assert verify.choose_signer(None, None, lambda: OTHER) == verify.Signer(OTHER, verify.STORE)
    assert verify.choose_signer(None, None, None) == verify.Signer(None, verify.NONE)


def test_both_key_options_and_an_unreadable_key_file_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="give the key once"):
        verify.choose_signer("x", tmp_path / "k", None)
    with pytest.raises(UsageError, match="cannot read the public key file"):
        verify.choose_signer(None, tmp_path / "missing.pub", None)


def test_no_key_is_not_verified_unless_integrity_only():
    result = verify.verify_text(SIGNED, verify.Signer(None, verify.NONE), integrity_only=False)
    assert result.verification.authorship is False and result.valid is False
    with pytest.raises(StatementInvalid, match="who signed this statement was not checked"):
        verify.require_authorship(result)
    lenient = verify.verify_text(SIGNED, verify.Signer(None, verify.NONE), integrity_only=True)
    assert lenient.valid is True
    verify.require_authorship(lenient)


def test_the_right_key_verifies_and_another_fails():
    result = verify.verify_text(SIGNED, verify.Signer(RAW, verify.GIVEN), integrity_only=False)
    assert result.valid and result.source == verify.GIVEN and result.verification.format == "text"
    verify.require_authorship(result)
    with pytest.raises(StatementInvalid, match="signed by a different key"):
        verify.verify_text(SIGNED, verify.Signer(OTHER, verify.GIVEN), integrity_only=False)


def test_read_statement_refuses_what_is_not_utf8(tmp_path):
    path = tmp_path / "s.txt"
    path.write_bytes(b"\xff\xfe statement")
    with pytest.raises(StatementInvalid, match="is not UTF-8 text"):
        verify.read_statement(path)
    path.write_text(SIGNED, encoding="utf-8")
    assert verify.read_statement(path) == SIGNED
