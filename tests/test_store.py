"""The encrypted store: creation, unlocking, passphrases, backup, integrity, privacy on disk."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from linkcheck.errors import PassphraseError, StoreDamaged, UsageError
from linkcheck.models import Account, Attribute, Event, Profile
from linkcheck.store import Store

from conftest import PASSPHRASE

SECRET_VALUES = [
    "acme-us",
    "Shenzhen Acme",
    "ops@acme-trading.example",
    "8613800138000",
    "0013 8000",
    "DE89",
    "370400440532013000",
    "4111111111111111",
    "4111 1111 1111 1111",
    "Keyuan",
    "Li Wei",
    "AcmeHome",
    "192.0.2.7",
    "3c:22:fb",
    "Home goods brand",
]


def _profile(name: str, email: str) -> Profile:
    return Profile(
        Account(name, "amazon.com"),
        (Attribute("email", email, email, (f"email:{email}",), "manual", 1, 1),),
    )


def test_init_creates_store_with_private_modes(cli, store_path):
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_path.parent.stat().st_mode) == 0o700


def test_init_refuses_to_overwrite(cli, store):
    before = store.read_bytes()
    result = cli("init")
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert store.read_bytes() == before


def test_init_refuses_empty_passphrase(cli, store_path):
    result = cli("init", passphrase="")
    assert result.exit_code == 4
    assert not store_path.exists()


def test_no_passphrase_source_without_terminal_says_how(cli, store):
    result = cli("account", "list", passphrase=None)
    assert result.exit_code == 4
    assert "--passphrase-file" in result.output and "LINKCHECK_PASSPHRASE" in result.output
    assert "Traceback" not in result.output


def test_passphrase_file_is_read(cli, store, tmp_path):
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    result = cli("account", "list", "--passphrase-file", secret, passphrase=None)
    assert result.exit_code == 0, result.output


def test_passphrase_file_readable_by_others_is_refused(cli, store, tmp_path):
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE)
    secret.chmod(0o644)
    result = cli("account", "list", "--passphrase-file", secret, passphrase=None)
    assert result.exit_code == 4
    assert "chmod 600" in result.output


def test_passphrase_file_wins_over_environment(cli, store, tmp_path):
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE)
    secret.chmod(0o600)
    result = cli("account", "list", "--passphrase-file", secret, passphrase="wrong")
    assert result.exit_code == 0, result.output


def test_prompt_is_used_in_a_terminal(cli, store, monkeypatch):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)
    result = cli("account", "list", input=PASSPHRASE + "\n", passphrase=None)
    assert result.exit_code == 0, result.output
    assert PASSPHRASE not in result.output


def test_init_from_prompt_asks_twice(cli, store_path, monkeypatch):
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)
    result = cli("init", input="s3cret-pass\ns3cret-pass\n", passphrase=None)
    assert result.exit_code == 0, result.output
    with Store.open(store_path, "s3cret-pass"):
        pass


def test_wrong_passphrase_exits_4_and_leaves_store_unchanged(cli, demo_store):
    before = demo_store.read_bytes()
    result = cli("account", "list", passphrase="not the passphrase")
    assert result.exit_code == 4
    assert "wrong passphrase" in result.output
    assert demo_store.read_bytes() == before


def test_passwd_changes_passphrase(cli, demo_store):
    result = cli("passwd", env={"LINKCHECK_NEW_PASSPHRASE": "a brand new passphrase"})
    assert result.exit_code == 0, result.output
    assert cli("account", "list").exit_code == 4
    result = cli("account", "list", passphrase="a brand new passphrase")
    assert result.exit_code == 0
    assert "acme-us" in result.output


def test_passwd_from_new_passphrase_file(cli, store, tmp_path):
    new = tmp_path / "new.txt"
    new.write_text("another passphrase\n")
    new.chmod(0o600)
    assert cli("passwd", "--new-passphrase-file", new).exit_code == 0
    assert cli("account", "list", passphrase="another passphrase").exit_code == 0


def test_backup_is_complete_private_and_opens_with_same_passphrase(cli, demo_store, tmp_path):
    target = tmp_path / "backup.db"
    result = cli("backup", target)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    result = cli("account", "list", "--store", target, "--format", "json")
    assert result.exit_code == 0
    assert "acme-us" in result.output


def test_backup_refuses_existing_target(cli, store, tmp_path):
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    result = cli("backup", target)
    assert result.exit_code == 2
    assert target.read_text() == "keep me"


def test_store_info_shows_nothing_sensitive(cli, demo_store):
    result = cli("store", "--counts", "--format", "json")
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["format_version"] == 3
    assert data["kdf"]["algorithm"] == "argon2id"
    assert "salt" not in data["kdf"]
    assert data["counts"]["accounts"] == 10
    assert data["counts"]["attributes"] > 50
    assert "acme" not in result.output


def test_missing_store_is_a_usage_error(cli):
    result = cli("account", "list")
    assert result.exit_code == 2
    assert "linkcheck init" in result.output


def test_no_plaintext_in_store_files_after_import(cli, demo_store):
    files = [p for p in demo_store.parent.iterdir() if p.is_file()]
    blob = b"".join(p.read_bytes() for p in files)
    for secret in SECRET_VALUES:
        assert secret.encode() not in blob, secret
        assert secret.lower().encode() not in blob, secret


def test_no_plaintext_in_wal_while_a_writer_is_open(store_path, store):
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        st.put_profile(_profile("secret-shop-name", "hidden@secret.example"))
        st._conn.execute("SAVEPOINT flush")  # force pages through the pager
        st._conn.execute("RELEASE flush")
        blob = b"".join(p.read_bytes() for p in store_path.parent.iterdir() if p.is_file())
    blob += b"".join(p.read_bytes() for p in store_path.parent.iterdir() if p.is_file())
    assert b"secret-shop-name" not in blob
    assert b"hidden@secret.example" not in blob


def test_deleted_row_is_detected(store_path, demo_store):
    conn = sqlite3.connect(store_path)
    conn.execute("DELETE FROM accounts WHERE id = (SELECT max(id) FROM accounts)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreDamaged, match="deleted, added, replaced or rolled back"):
        with Store.open(store_path, PASSPHRASE):
            pass


def test_row_replaced_by_older_version_is_detected(cli, store_path, demo_store):
    conn = sqlite3.connect(store_path)
    before = {row[0]: row for row in conn.execute("SELECT id, version, body, keys FROM accounts")}
    conn.close()
    assert cli("attr", "add", "acme-us", "hostname", "second-laptop").exit_code == 0
    conn = sqlite3.connect(store_path)
    after = {row[0]: row for row in conn.execute("SELECT id, version, body, keys FROM accounts")}
    (changed,) = [row_id for row_id in before if before[row_id] != after[row_id]]
    old = before[changed]
    assert after[changed][1] == old[1] + 1
    conn.execute("UPDATE accounts SET version = ?, body = ?, keys = ? WHERE id = ?", (old[1], old[2], old[3], old[0]))
    conn.commit()
    conn.close()
    result = cli("account", "list")
    assert result.exit_code == 5
    assert "Traceback" not in result.output


def test_swapped_ciphertexts_are_detected(cli, store_path, demo_store):
    conn = sqlite3.connect(store_path)
    (a_id, a_body), (b_id, b_body) = conn.execute("SELECT id, body FROM accounts ORDER BY id LIMIT 2").fetchall()
    conn.execute("UPDATE accounts SET body = ? WHERE id = ?", (b_body, a_id))
    conn.execute("UPDATE accounts SET body = ? WHERE id = ?", (a_body, b_id))
    conn.commit()
    conn.close()
    result = cli("account", "list")
    assert result.exit_code == 5


def test_flipped_byte_in_a_row_is_detected(cli, store_path, demo_store):
    conn = sqlite3.connect(store_path)
    row_id, body = conn.execute("SELECT id, body FROM accounts ORDER BY id LIMIT 1").fetchone()
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0x01
    conn.execute("UPDATE accounts SET body = ? WHERE id = ?", (bytes(flipped), row_id))
    conn.commit()
    conn.close()
    result = cli("account", "list")
    assert result.exit_code == 5
    assert "integrity" in result.output or "tampered" in result.output


def test_truncated_file_exits_5(cli, store_path, demo_store):
    data = store_path.read_bytes()
    store_path.write_bytes(data[: len(data) // 3])
    result = cli("account", "list")
    assert result.exit_code == 5
    assert "Traceback" not in result.output


def test_empty_file_exits_5(cli, store_path):
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(b"")
    result = cli("account", "list")
    assert result.exit_code == 5


def test_other_sqlite_file_is_not_a_store(cli, store_path):
    store_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(store_path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    result = cli("account", "list")
    assert result.exit_code == 5
    assert "not a linkcheck store" in result.output


def test_newer_format_is_refused_with_upgrade_advice(cli, store_path, store):
    conn = sqlite3.connect(store_path)
    conn.execute("UPDATE header SET format = 99")
    conn.commit()
    conn.close()
    result = cli("account", "list")
    assert result.exit_code == 5
    assert "upgrade linkcheck" in result.output


def test_events_are_sealed_and_filtered(store_path, store):
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        st.add_event(Event(100, "a", "check", "GO", {"network": "203.0.113.x"}))
        st.add_event(Event(200, "b", "check", "STOP", {}))
    with Store.open(store_path, PASSPHRASE) as st:
        assert [e.account for e in st.events()] == ["a", "b"]
        assert [e.account for e in st.events(account="b")] == ["b"]
        assert [e.when for e in st.events(since=150)] == [200]
    assert b"203.0.113.x" not in store_path.read_bytes()


def test_candidates_finds_accounts_sharing_a_key(store_path, store):
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        st.put_profile(_profile("a", "x@example.com"))
        st.put_profile(_profile("b", "y@example.com"))
    with Store.open(store_path, PASSPHRASE) as st:
        assert [p.name for p in st.candidates(["email:y@example.com"])] == ["b"]
        assert st.candidates(["email:nobody@example.com"]) == []
        assert st.candidates(["email:y@example.com"], exclude="b") == []


def test_failed_command_writes_nothing(store_path, store):
    with pytest.raises(RuntimeError):
        with Store.open(store_path, PASSPHRASE, write=True) as st:
            st.put_profile(_profile("a", "x@example.com"))
            raise RuntimeError("boom")
    with Store.open(store_path, PASSPHRASE) as st:
        assert st.profiles() == []


def test_read_only_open_rejects_writes(store_path, store):
    with Store.open(store_path, PASSPHRASE) as st:
        with pytest.raises(RuntimeError):
            st.put_profile(_profile("a", "x@example.com"))


def test_open_directory_is_damaged(tmp_path):
    with pytest.raises(StoreDamaged, match="directory"):
        with Store.open(tmp_path, PASSPHRASE):
            pass


def test_open_missing_is_usage_error(tmp_path):
    with pytest.raises(UsageError):
        with Store.open(tmp_path / "nope.db", PASSPHRASE):
            pass


def test_wrong_passphrase_raises_passphrase_error(store_path, store):
    with pytest.raises(PassphraseError):
        with Store.open(store_path, "nope"):
            pass


def test_kdf_parameters_out_of_bounds_are_refused(store_path, store):
    import json

    conn = sqlite3.connect(store_path)
    kdf = json.loads(conn.execute("SELECT kdf FROM header").fetchone()[0])
    kdf["memory_kib"] = 1 << 40
    conn.execute("UPDATE header SET kdf = ?", (json.dumps(kdf),))
    conn.commit()
    conn.close()
    with pytest.raises(StoreDamaged, match="out of bounds"):
        with Store.open(store_path, PASSPHRASE):
            pass


def test_default_kdf_is_calibrated_not_weakened(monkeypatch):
    from linkcheck import crypto

    monkeypatch.delenv(crypto.TEST_KDF_ENV, raising=False)
    monkeypatch.setattr(crypto, "TARGET_SECONDS", 0.05)
    params = crypto.calibrate_kdf()
    assert params.memory_kib == crypto.DEFAULT_MEMORY_KIB
    assert params.iterations >= crypto.MIN_ITERATIONS


def test_calibration_counts_the_fixed_cost_of_a_derivation_once():
    from linkcheck.crypto import keys

    # Measured here: one iteration 0.06 s, three 0.094 s -> 0.017 s each after a fixed 0.043 s.
    assert keys.iterations_for(0.06, 0.094) == round((keys.TARGET_SECONDS - 0.043) / 0.017)
    assert keys.iterations_for(0.06, 0.094) > round(keys.TARGET_SECONDS / 0.06)  # what scaling one gave
    # Bounded either way: a very slow machine still gets the minimum, a very fast one the maximum.
    assert keys.iterations_for(2.0, 6.0) == keys.MIN_ITERATIONS
    assert keys.iterations_for(0.001, 0.0012) == keys.MAX_ITERATIONS
    # Noise that makes three iterations look no slower than one never divides by zero.
    assert keys.iterations_for(0.05, 0.04) == keys.MAX_ITERATIONS


def test_eight_concurrent_writers_all_land(store, store_path, tmp_path):
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    procs = []
    for i in range(8):
        profile = tmp_path / f"p{i}.json"
        profile.write_text(
            '{"account": "shop-%d", "marketplace": "amazon.com", "attributes": {"email": ["ops%d@shop.example"]}}'
            % (i, i)
        )
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "linkcheck", "import", str(profile)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    with Store.open(store_path, PASSPHRASE) as st:
        assert sorted(p.name for p in st.profiles()) == sorted(f"shop-{i}" for i in range(8))


def test_tampered_key_index_is_detected_by_candidate_lookup(store_path, demo_store):
    conn = sqlite3.connect(store_path)
    row_id, keys = conn.execute("SELECT id, keys FROM accounts ORDER BY id LIMIT 1").fetchone()
    flipped = bytearray(keys)
    flipped[-1] ^= 0x80
    conn.execute("UPDATE accounts SET keys = ? WHERE id = ?", (bytes(flipped), row_id))
    conn.commit()
    conn.close()
    # The manifest already covers the index column, so opening fails first.
    with pytest.raises(StoreDamaged):
        with Store.open(store_path, PASSPHRASE) as st:
            st.candidates(["email:jdoe@gmail.com"])


def test_calibration_takes_the_quickest_runs_and_a_longer_span(monkeypatch):
    # One slow run (a busy moment) must not flatten the slope into the maximum: each timing is
    # the quickest of several runs, and the slope spans more iterations.
    from linkcheck.crypto import keys

    monkeypatch.delenv(keys.TEST_KDF_ENV, raising=False)
    calls: list[int] = []
    slow_once = {"done": False}

    def fake_argon2(secret, params):
        calls.append(params.iterations)
        cost = 0.04 + 0.02 * params.iterations  # a fixed part and 0.02 s an iteration
        if params.iterations == 1 and len(calls) == 2 and not slow_once["done"]:
            slow_once["done"] = True
            cost += 0.2  # the first timed run of one iteration caught the machine busy
        fake_argon2.elapsed += cost
        return b"\0" * keys.KEY_BYTES

    fake_argon2.elapsed = 0.0
    monkeypatch.setattr(keys, "_argon2", fake_argon2)
    monkeypatch.setattr(keys.time, "perf_counter", lambda: fake_argon2.elapsed)
    params = keys.calibrate_kdf()
    assert params.iterations == round((keys.TARGET_SECONDS - 0.04) / 0.02)
    assert keys.iterations_for(0.06, 0.14, 5) == round((keys.TARGET_SECONDS - 0.04) / 0.02)
