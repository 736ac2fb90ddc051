"""Statement keys per account (issue 14): two accounts' statements share no key, each verifies
with the store and with `pubkey --account`, and a statement signed with the store's own key (as
linkcheck wrote them before) still verifies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PASSPHRASE
from linkcheck.appeal import render, signing
from linkcheck.appeal import statement as stmt
from linkcheck.linkage.rules import load_rules
from linkcheck.store import Store


def _write(cli, tmp_path: Path, name: str, against: str, fmt: str = "text") -> Path:
    out = tmp_path / f"{name}.{fmt}"
    result = cli("statement", name, "--against", against, "--format", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def _embedded_key(path: Path) -> bytes:
    return signing.parse_public_key(signing.verify_statement(path.read_text(encoding="utf-8")).public_key)


def _pubkey(cli, *args: str) -> str:
    result = cli("pubkey", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_two_accounts_statements_carry_different_keys_and_fingerprints(cli, demo_store, tmp_path):
    lotus = _write(cli, tmp_path, "lotus-jp", "nordic-de")
    nordic = _write(cli, tmp_path, "nordic-de", "lotus-jp")
    lotus_key, nordic_key = _embedded_key(lotus), _embedded_key(nordic)
    assert lotus_key != nordic_key
    lotus_fp, nordic_fp = signing.fingerprint(lotus_key), signing.fingerprint(nordic_key)
    assert lotus_fp != nordic_fp
    assert f"Key-Fingerprint: {lotus_fp}\n" in lotus.read_text(encoding="utf-8")
    assert lotus_fp not in nordic.read_text(encoding="utf-8")
    # Neither is the store's own key, which would link every client of the store.
    store_key = signing.parse_public_key(_pubkey(cli))
    assert store_key not in (lotus_key, nordic_key)


def test_an_accounts_key_is_stable_and_printed_by_pubkey_account(cli, demo_store, tmp_path):
    first = _write(cli, tmp_path, "lotus-jp", "nordic-de", "markdown")
    second = _write(cli, tmp_path, "lotus-jp", "acme-de", "html")
    assert _embedded_key(first) == _embedded_key(second)
    printed = _pubkey(cli, "--account", "lotus-jp")
    assert signing.parse_public_key(printed) == _embedded_key(first)
    data = json.loads(cli("pubkey", "--account", "lotus-jp", "--format", "json").stdout)
    assert data["account"] == "lotus-jp" and data["public_key"] == printed
    assert data["fingerprint"] == signing.fingerprint(_embedded_key(first))


def test_both_accounts_statements_verify_with_the_store_naming_the_account(cli, demo_store, tmp_path):
    for name, other in (("lotus-jp", "nordic-de"), ("nordic-de", "lotus-jp")):
        path = _write(cli, tmp_path, name, other)
        result = cli("verify", path)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[0] == (
            f"OK: the statement is unchanged and signed by the statement key of account {name} in this store."
        )
        data = json.loads(cli("verify", path, "--format", "json").stdout)
        assert data["valid"] is True and data["key"] == "store" and data["signer_account"] == name


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_each_statement_verifies_with_its_accounts_key_and_not_the_others(cli, demo_store, tmp_path, fmt):
    lotus = _write(cli, tmp_path, "lotus-jp", "nordic-de", fmt)
    nordic = _write(cli, tmp_path, "nordic-de", "lotus-jp", fmt)
    lotus_key = _pubkey(cli, "--account", "lotus-jp")
    nordic_key = _pubkey(cli, "--account", "nordic-de")
    ok = cli("verify", lotus, "--pubkey", lotus_key, passphrase=None)
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("OK: the statement is unchanged and signed by the given key.")
    assert cli("verify", nordic, "--pubkey", nordic_key, passphrase=None).exit_code == 0
    crossed = cli("verify", lotus, "--pubkey", nordic_key, passphrase=None)
    assert crossed.exit_code == 3
    assert "signed by a different key" in crossed.stderr
    assert cli("verify", nordic, "--pubkey", lotus_key, passphrase=None).exit_code == 3
    # The store's own key verifies neither any more.
    assert cli("verify", lotus, "--pubkey", _pubkey(cli), passphrase=None).exit_code == 3


def test_an_old_statement_signed_with_the_store_key_still_verifies(cli, demo_store, tmp_path):
    # What linkcheck wrote before keys per account: the same statement, signed with the store key.
    with Store.open(demo_store, PASSPHRASE) as st:
        built = stmt.build_statement(st, "lotus-jp", ["nordic-de"], rules=load_rules(None))
        old = render.render_statement(built, "text", st.signing_key())
        store_key = signing.public_key_bytes(st.signing_key())
    path = tmp_path / "old-statement.txt"
    path.write_text(old, encoding="utf-8")
    assert _embedded_key(path) == store_key
    result = cli("verify", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "OK: the statement is unchanged and signed by this store's key."
    given = cli("verify", path, "--pubkey", _pubkey(cli), passphrase=None)
    assert given.exit_code == 0, given.output
    # Still checked byte for byte.
    path.write_text(old.replace("lotus-jp", "lotus-jq", 1), encoding="utf-8")
    changed = cli("verify", path)
    assert changed.exit_code == 3 and "content changed" in changed.stderr


def test_a_statement_from_another_store_fails_verify_against_this_store(cli, demo_store, tmp_path):
    path = _write(cli, tmp_path, "lotus-jp", "nordic-de")
    other_store = tmp_path / "other" / "linkcheck.db"
    env = {"LINKCHECK_STORE": str(other_store)}
    assert cli("init", env=env).exit_code == 0
    added = cli("account", "add", "lotus-jp", "--marketplace", "amazon.co.jp", env=env)
    assert added.exit_code == 0, added.output
    result = cli("verify", path, env=env)
    assert result.exit_code == 3
    fp = signing.fingerprint(_embedded_key(path))
    assert result.stderr.strip().endswith(
        f"signed by a different key (fingerprint {fp}): it is neither this store's key nor the statement key "
        "of any account in it"
    )


def test_pubkey_for_an_unknown_account_is_a_usage_error(cli, demo_store):
    result = cli("pubkey", "--account", "no-such-account")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "no account named 'no-such-account'; `linkcheck account list` shows the accounts on file"
    )
    assert result.stdout == ""
