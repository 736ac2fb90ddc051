"""A team store that lost a row or was restored from a backup (a real PostgreSQL server,
tests/pgcluster.py): every command still refuses it, says what to do next, and an owner --
only an owner -- salvages what verifies (`store migrate --salvage`) or accepts the state
(`team recover`), after which every member's computer takes it, and the server cannot make
that acceptance itself."""

from __future__ import annotations

import json

import pytest

from linkcheck.errors import StoreDamaged
from linkcheck.store import postgres, team as team_mod

from conftest import PASSPHRASE
import test_team_store
from test_team_store import LAPTOP_A, _admit, _ok, _one_line, _roll_back, _snapshot

team = test_team_store.team  # the fixtures this file's tests use
demo_team = test_team_store.demo_team

NEW = {"LINKCHECK_NEW_PASSPHRASE": "a passphrase for the rescue"}


def _delete_last_event(pg_cluster, url: str) -> None:
    pg_cluster.sql(url, "DELETE FROM linkcheck.events WHERE id = (SELECT max(id) FROM linkcheck.events)")


def _delete_account(pg_cluster, url: str, name: str) -> None:
    with postgres.TeamStore.open(url, PASSPHRASE) as st:
        row_id = st._account_ids[st._keys.name_tag(name)]
    pg_cluster.sql(url, "DELETE FROM linkcheck.accounts WHERE id = %s", (row_id,))


@pytest.fixture
def logged_team(cli, demo_team):
    """The demo team with a check of lotus-jp in its log (an event to lose)."""
    _ok(cli("attr", "add", "acme-us", "mac", "f8:e4:3b:0a:00:01"))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A, "--record").exit_code == 1
    return demo_team


def test_a_deleted_row_is_refused_with_the_next_step_for_owner_and_operator(cli, logged_team, pg_cluster, tmp_path):
    alice = _admit(cli, tmp_path, "alice", "operator")
    _delete_last_event(pg_cluster, logged_team)
    line = _one_line(cli("account", "list"), 5)
    assert line == ("linkcheck: error: store was tampered with or damaged: rows were deleted, added, replaced or "
                    "rolled back; you can salvage what still verifies: `linkcheck team recover` (in place, for "
                    "every member) or `linkcheck store migrate --salvage --to FILE`")
    assert _one_line(alice("check", "lotus-jp", "--machine", LAPTOP_A), 5).endswith(
        "rolled back; tell an owner of the team: they salvage what still verifies with `linkcheck team recover`")
    # Without --salvage, migrate is refused like any command; an operator may not salvage.
    _one_line(cli("store", "migrate", "--to", tmp_path / "rescue.db", env=NEW), 5)
    assert "only an owner of the team salvages or recovers it" in _one_line(
        alice("store", "migrate", "--salvage", "--to", tmp_path / "alice.db", env=NEW), 2)
    assert not (tmp_path / "alice.db").exists()
    assert "only an owner" in _one_line(alice("team", "recover", "--yes"), 2)


def test_salvage_copies_what_verifies_and_reports_and_logs_the_loss(cli, logged_team, pg_cluster, tmp_path):
    _delete_account(pg_cluster, logged_team, "acme-us")
    rescue = tmp_path / "rescue.db"
    result = cli("store", "migrate", "--salvage", "--to", rescue, env=NEW)
    _ok(result)
    out = result.stdout
    assert "Copied 9 account(s), 1 log entries and 0 explanation(s) to " in out
    assert "accounts: 9 verified and kept, 1 missing, 0 unreadable (left out)" in out
    assert "log entries: 1 verified and kept, 0 missing, 0 unreadable (left out)" in out
    assert "Not checked, and not checkable here: that each row kept is its newest version" in out
    # The new store opens, holds the rest, and its log says what was lost.
    mine = {"passphrase": NEW["LINKCHECK_NEW_PASSPHRASE"], "env": {"LINKCHECK_STORE": str(rescue)}}
    listed = json.loads(cli("account", "list", "--format", "json", **mine).output)
    assert len(listed) == 9 and "acme-us" not in [a["name"] for a in listed]
    log = json.loads(cli("log", "--format", "json", **mine).output)
    salvage = [e for e in log if e["action"] == "salvage"]
    assert len(salvage) == 1 and salvage[0]["verdict"] == "LOST"
    assert salvage[0]["what"] == ["accounts: 1 missing"]


def test_salvage_names_an_account_the_log_names_but_that_is_missing(cli, logged_team, pg_cluster, tmp_path):
    _delete_account(pg_cluster, logged_team, "lotus-jp")
    result = cli("store", "migrate", "--salvage", "--to", tmp_path / "r.db", env=NEW)
    _ok(result)
    assert "Accounts the log or an explanation names that are missing: lotus-jp" in result.stdout
    # The rescued store's log names the lost account, not only how many were lost.
    mine = {"passphrase": NEW["LINKCHECK_NEW_PASSPHRASE"], "env": {"LINKCHECK_STORE": str(tmp_path / "r.db")}}
    (salvage,) = [e for e in json.loads(cli("log", "--format", "json", **mine).output) if e["action"] == "salvage"]
    assert salvage["what"] == ["accounts: 1 missing", "missing: lotus-jp"]


def test_recover_in_place_keeps_the_team_and_every_member_accepts_it(cli, logged_team, pg_cluster, tmp_path):
    alice = _admit(cli, tmp_path, "alice", "operator")
    _ok(alice("account", "list"))  # alice's computer has seen the newest state
    _delete_account(pg_cluster, logged_team, "acme-us")
    _one_line(alice("account", "list"), 5)
    dry = cli("team", "recover", "--dry-run")
    _ok(dry)
    assert "accounts: 9 verified and kept, 1 missing, 0 unreadable (left out)" in dry.stdout
    assert "Members in this state: alice (operator), dana (owner)" in dry.stdout
    _one_line(cli("account", "list"), 5)  # a dry run changes nothing
    # No terminal and no --yes: nothing is accepted.
    assert "add --yes" in cli("team", "recover").output
    _one_line(cli("account", "list"), 5)
    result = cli("team", "recover", "--yes")
    _ok(result)
    assert "Accepted: the team store opens again at counter" in result.stdout
    # Dana and Alice both open it again, and Alice's computer writes to it.
    assert len(json.loads(cli("account", "list", "--format", "json").stdout)) == 9
    _ok(alice("account", "add", "after-recovery"))
    _ok(cli("account", "show", "after-recovery"))
    log = json.loads(cli("log", "--format", "json").stdout)
    recover = [e for e in log if e["action"] == "recover"]
    assert [(e["verdict"], e["member"], e["what"]) for e in recover] == [("LOST", "dana", ["accounts: 1 missing"])]


def test_a_restored_backup_is_refused_until_an_owner_accepts_it(cli, logged_team, pg_cluster, tmp_path):
    alice = _admit(cli, tmp_path, "alice", "operator")
    _snapshot(pg_cluster, logged_team)  # the backup
    _ok(cli("account", "add", "after-backup"))
    _ok(alice("account", "add", "also-after-backup"))  # alice has seen a newer counter than dana
    _roll_back(pg_cluster, logged_team)  # the backup restored
    line = _one_line(cli("account", "list"), 5)
    assert "the team store was rolled back" in line and "if you restored one, accept it with `linkcheck team recover`" in line
    assert "tell an owner of the team, who accepts a restored backup with `linkcheck team recover`" in _one_line(
        alice("account", "list"), 5)
    dry = cli("team", "recover", "--dry-run")
    _ok(dry)
    assert "This computer has seen counter" in dry.stdout and "first seen 20" in dry.stdout
    assert "accounts: 10 verified and kept, 0 missing, 0 unreadable (left out)" in dry.stdout
    assert "so nothing of this state is missing or extra; what was written after it is not in it." in dry.stdout
    # Never "whole" unqualified: an older copy of a row would sum the same.
    assert "Not checked, and not checkable here: that each row kept is its newest version" in dry.stdout
    _ok(cli("team", "recover", "--yes"))
    # Alice's computer had seen a higher counter than dana's: it accepts the owner's signed acceptance,
    # and says so once.
    first = alice("account", "list", "--format", "json")
    names = [a["name"] for a in json.loads(first.stdout)]
    assert "after-backup" not in names and "also-after-backup" not in names and len(names) == 10
    assert first.stderr.startswith("note: dana, an owner, accepted the team store's state as it was at counter ")
    assert "note:" not in alice("account", "list").stderr
    assert "note:" not in cli("account", "list").stderr
    # Rolling back to the state before the acceptance is refused again, for both.
    _roll_back(pg_cluster, logged_team)
    _one_line(cli("account", "list"), 5)
    _one_line(alice("account", "list"), 5)


def test_the_server_cannot_forge_an_acceptance(cli, logged_team, pg_cluster, tmp_path):
    """An acceptance is an owner's signature inside the sealed manifest: an operator's write
    cannot raise the restore count, and the server cannot strip or replay one onto another state."""
    alice = _admit(cli, tmp_path, "alice", "operator")
    _snapshot(pg_cluster, logged_team)
    _ok(cli("account", "add", "after-backup"))
    _roll_back(pg_cluster, logged_team)
    _ok(cli("team", "recover", "--yes"))
    accepted = pg_cluster.sql(logged_team, "SELECT generation, body, signed_by, signature FROM linkcheck.manifest")[0]
    # An operator's client that writes a restore record of its own: every reader refuses it.
    with postgres.TeamStore.open(logged_team, alice.key(logged_team), write=True) as st:
        st.put_profile(st.profile("acme-us"))
        record = dict(st._open_manifest.restore)
        record["restores"] += 1
        st._open_manifest.restore = record
    assert "accepted restore is not one an owner signed" in _one_line(cli("account", "list"), 5)
    # The accepted state's manifest put back under a newer counter: its signature no longer matches.
    pg_cluster.sql(logged_team, "UPDATE linkcheck.manifest SET generation = %s, body = %s, signed_by = %s, "
                                "signature = %s", (accepted[0] + 5, accepted[1], accepted[2], accepted[3]))
    _one_line(cli("account", "list"), 5)


def test_the_seen_counter_orders_accepted_restores_first():
    from linkcheck.store.team import MemberKey

    key = MemberKey(None, "t", "dana", b"", b"\1" * 32)  # type: ignore[arg-type]
    seen = {"generation": 37, "epoch": 2, "digest": "x"}
    before = (seen, key.seen_mac(seen))
    with pytest.raises(StoreDamaged, match="counter is 31, but this computer has seen 37"):
        team_mod.check_seen(key, before, 31, 1, "y")
    # An owner accepted it at the lower key epoch (and was warned): taken.
    team_mod.check_seen(key, before, 31, 1, "y", restores=1, acceptance={"restores": 1, "epoch": 1, "nonce": "n"})
    # An acceptance that does not sign its epoch may not take a computer below the epoch it saw.
    with pytest.raises(StoreDamaged, match="rolled back"):
        team_mod.check_seen(key, before, 31, 1, "y", restores=1)
    team_mod.check_seen(key, before, 31, 2, "y", restores=1)
    # Two acceptances with one number: a fork.
    mine = {"restores": 1, "epoch": 2, "nonce": "a"}
    seen = {"generation": 40, "epoch": 2, "digest": "z", "restores": 1, "acceptance": team_mod.acceptance_id(mine)}
    forked = (seen, key.seen_mac(seen))
    team_mod.check_seen(key, forked, 41, 2, "w", restores=1, acceptance=mine)
    with pytest.raises(StoreDamaged, match="forked: two different acceptances carry one number"):
        team_mod.check_seen(key, forked, 41, 2, "w", restores=1, acceptance={**mine, "nonce": "b"})
    seen = {"generation": 40, "epoch": 1, "digest": "z", "restores": 1}
    after = (seen, key.seen_mac(seen))
    with pytest.raises(StoreDamaged, match="rolled back"):
        team_mod.check_seen(key, after, 99, 5, "y", restores=0)  # the series before the acceptance
    with pytest.raises(StoreDamaged, match="rolled back"):
        team_mod.check_seen(key, after, 39, 1, "y", restores=1)


def test_a_removed_member_is_told_to_ask_for_an_invitation(cli, demo_team, tmp_path):
    alice = _admit(cli, tmp_path, "alice", "operator")
    _ok(cli("team", "remove", "alice", "--yes"))
    line = _one_line(alice("account", "list"), 4)
    assert line.endswith("its key opens nothing here; ask an owner of the team to invite you again")


# ----- destructive edits leave a trace with the member who made them (trial item 6) --------------


def test_removals_by_a_member_are_logged_with_their_name(cli, demo_team, pg_cluster, tmp_path):
    alice = _admit(cli, tmp_path, "alice", "operator")
    _ok(alice("attr", "remove", "acme-us", "phone", "+86 138 0013 8000", "--yes"))
    _ok(alice("account", "remove", "pine-mx", "--yes"))
    _ok(cli("team", "remove", "alice", "--yes"))
    log = json.loads(cli("log", "--format", "json").stdout)
    changes = [(e["member"], e["account"], e["action"], e["verdict"]) for e in log]
    assert changes == [("alice", "acme-us", "attr-remove", "REMOVED"), ("alice", "pine-mx", "account-remove", "REMOVED"),
                       ("dana", "", "member-remove", "REMOVED")]
    (removed,) = log[0]["what"]
    assert removed.startswith("phone ") and "138 0013 8000" not in removed and "13800138000" not in removed
    assert len(log[1]["what"]) >= 2  # pine-mx's values, each masked
    server = json.dumps([[str(c) for c in row] for row in pg_cluster.sql(demo_team, "SELECT * FROM linkcheck.events")])
    assert "pine-mx" not in server and "alice" not in server and "remove" not in server
    assert log[2]["what"] == ["member alice"]


# ----- smaller problems (trial item 12) ------------------------------------------------------------


def test_config_set_store_refuses_a_password_in_the_url_and_never_echoes_it(cli, team_url):
    with_password = team_url.replace("linkcheck@", "linkcheck:PlainPw@")
    result = cli("config", "set", "store", with_password)
    assert result.exit_code == 3, result.output
    assert "PlainPw" not in result.output and "~/.pgpass" in result.output
    assert "PlainPw" not in cli("config", "list").output
    query = cli("config", "set", "store", team_url + "&password=PlainPw")
    assert query.exit_code == 3 and "PlainPw" not in query.output
    _ok(cli("config", "set", "store", team_url))


def test_migrate_into_a_team_store_without_member_says_who_founds_it(cli, demo_store, team_url):
    import getpass

    result = cli("store", "migrate", "--to", team_url, env=NEW)
    _ok(result)
    name = postgres.default_member_name()
    assert name == getpass.getuser() or name == "owner"
    assert (f"note: the new team store's founder (an owner) is {name}, your login name on this computer; without "
            "a terminal to ask on, give --member NAME to choose another") in result.stderr


def test_an_acceptance_signed_by_an_owner_who_is_removed_later_still_holds(cli, demo_team, pg_cluster, tmp_path):
    bob = _admit(cli, tmp_path, "bob", "owner")
    alice = _admit(cli, tmp_path, "alice", "operator")
    _ok(alice("account", "list"))
    _delete_account(pg_cluster, demo_team, "acme-us")
    _ok(bob("team", "recover", "--yes"))
    _ok(alice("account", "list"))
    _ok(cli("team", "remove", "bob", "--yes"))  # dana signs bob's acceptance again
    assert len(json.loads(alice("account", "list", "--format", "json").stdout)) == 9
    _ok(cli("account", "list"))


def test_a_backup_from_before_an_earlier_acceptance_gets_a_newer_series(cli, logged_team, pg_cluster, tmp_path):
    """Backup B is taken, later a first restore is accepted and written on; then B is restored
    and accepted: its acceptance must outrank the first one on every computer that saw it."""
    alice = _admit(cli, tmp_path, "alice", "operator")
    _snapshot(pg_cluster, logged_team)  # backup B (no acceptance in it)
    _delete_account(pg_cluster, logged_team, "acme-us")
    _ok(cli("team", "recover", "--yes"))  # acceptance 1
    for n in range(3):
        _ok(alice("account", "add", f"written-{n}"))  # alice sees counters dana has not
    _roll_back(pg_cluster, logged_team)  # B restored
    assert "rolled back" in _one_line(alice("account", "list"), 5)
    _ok(cli("team", "recover", "--yes"))
    names = [a["name"] for a in json.loads(alice("account", "list", "--format", "json").stdout)]
    assert "acme-us" in names and "written-0" not in names


def test_salvage_says_when_an_account_the_log_removed_is_back(cli, demo_team, pg_cluster, tmp_path):
    """The server puts back the row of an account removed since (and drops the row that would
    tell): the salvage keeps it, and says the log removed it."""
    old_row = pg_cluster.sql(demo_team, "SELECT id, name_tag, version, body, keys FROM linkcheck.accounts "
                                        "ORDER BY id LIMIT 1")[0]
    _ok(cli("account", "remove", "acme-de", "--yes"))
    pg_cluster.sql(demo_team, "INSERT INTO linkcheck.accounts (id, name_tag, version, body, keys) "
                              "VALUES (%s, %s, %s, %s, %s)", old_row)
    result = cli("store", "migrate", "--salvage", "--to", tmp_path / "r.db", env=NEW)
    _ok(result)
    assert ("Accounts the log says were removed that are here again (an older copy put back?): acme-de"
            in result.stdout)


def test_a_forged_member_record_points_at_restoring_a_backup_and_cannot_be_recovered(cli, demo_team, pg_cluster,
                                                                                      tmp_path):
    """What binds the team key is forged: nothing can be salvaged from it, and the message says
    the way back is a backup, which an owner then accepts."""
    alice = _admit(cli, tmp_path, "alice", "auditor")
    pg_cluster.sql(demo_team, "UPDATE linkcheck.members SET role = 'owner' WHERE name = 'alice'")
    line = _one_line(alice("account", "list"), 5)
    assert line.endswith("a member record is not signed by an owner of the team; nothing on the server can be "
                         "trusted as it is: restore the database from a backup (pg_dump), after which an owner "
                         "accepts it with `linkcheck team recover`")
    assert "nothing on the server can be trusted" in _one_line(cli("team", "recover", "--yes"), 5)
    assert "nothing on the server can be trusted" in _one_line(
        cli("store", "migrate", "--salvage", "--to", tmp_path / "r.db", env=NEW), 5)
    assert not (tmp_path / "r.db").exists()


def test_a_missing_manifest_points_at_restoring_a_backup(cli, demo_team, pg_cluster):
    pg_cluster.sql(demo_team, "DELETE FROM linkcheck.manifest")
    assert _one_line(cli("account", "list"), 5).endswith(
        "the manifest is missing; nothing on the server can be trusted as it is: restore the database from a backup "
        "(pg_dump), after which an owner accepts it with `linkcheck team recover`")


# ----- the holes a security review found (session 10): forks, moved acceptances, extra rows -------


def _save(pg_cluster, url: str, name: str) -> None:
    for table in ("members", "accounts", "events", "explanations", "manifest"):
        pg_cluster.sql(url, f"DROP TABLE IF EXISTS public.{name}_{table}")
        pg_cluster.sql(url, f"CREATE TABLE public.{name}_{table} AS SELECT * FROM linkcheck.{table}")


def _put_back(pg_cluster, url: str, name: str) -> None:
    for table in ("members", "accounts", "events", "explanations", "manifest"):
        columns = ", ".join(col for (col,) in pg_cluster.sql(
            url, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'linkcheck' "
                 "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position", (table,)))
        pg_cluster.sql(url, f"DELETE FROM linkcheck.{table}")
        pg_cluster.sql(url, f"INSERT INTO linkcheck.{table} ({columns}) SELECT {columns} FROM public.{name}_{table}")


def test_two_owners_accepting_one_old_dump_is_a_fork_not_a_silent_switch(cli, logged_team, pg_cluster, tmp_path):
    """The server shows one old dump to two owners; each accepts it (both number 1). A member who
    saw the first acceptance refuses the second as a fork (exit 5) instead of switching to it."""
    erin = _admit(cli, tmp_path, "erin", "owner")
    alice = _admit(cli, tmp_path, "alice", "operator")
    _ok(erin("account", "list"))
    _ok(alice("account", "list"))
    _save(pg_cluster, logged_team, "o")
    _ok(cli("attr", "add", "acme-us", "hostname", "dana-write.example.com"))
    _ok(erin("account", "list"))
    _ok(alice("account", "list"))
    _put_back(pg_cluster, logged_team, "o")
    _ok(cli("team", "recover", "--yes"))  # dana's acceptance, number 1
    _ok(alice("attr", "add", "lotus-jp", "hostname", "alice-write.example.com"))  # alice has seen it
    _put_back(pg_cluster, logged_team, "o")  # now shown to erin, who never saw dana's acceptance
    _ok(erin("team", "recover", "--yes"))  # erin's acceptance, number 1 too
    for n in range(3):  # past alice's counter: no two states share one counter
        _ok(erin("attr", "add", "cedar-us", "hostname", f"erin-{n}.example.com"))
    line = _one_line(alice("account", "show", "lotus-jp"), 5)
    assert "the team store is forked: two different acceptances carry one number (1)" in line
    assert "tell an owner of the team" in line
    assert "an owner compares with the others" in _one_line(cli("account", "list"), 5)


def test_a_forked_series_accepted_once_more_is_still_a_fork_for_who_saw_the_other(cli, logged_team, pg_cluster,
                                                                                    tmp_path):
    """Attack 11, finding 1: after the fork above, the server deletes one row of erin's series and
    erin accepts again (number 2). Number 2 signs the acceptances it follows (erin's number 1
    only), so alice and dana, who saw dana's number 1, still refuse it as a fork; an owner who
    saw dana's series accepts one of them, and then every computer takes it."""
    erin = _admit(cli, tmp_path, "erin", "owner")
    alice = _admit(cli, tmp_path, "alice", "operator")
    _ok(erin("account", "list"))
    _save(pg_cluster, logged_team, "o")
    _ok(cli("attr", "add", "acme-us", "hostname", "dana-write.example.com"))
    _ok(erin("account", "list"))
    _put_back(pg_cluster, logged_team, "o")
    _ok(cli("team", "recover", "--yes"))  # dana's acceptance, number 1 (series A)
    _ok(cli("attr", "add", "acme-us", "mac", "f8:e4:3b:0a:00:02"))
    _ok(alice("account", "list"))  # alice has seen series A
    _put_back(pg_cluster, logged_team, "o")  # shown to erin, who never saw dana's acceptance
    _ok(erin("team", "recover", "--yes"))  # number 1 of series B
    _delete_last_event(pg_cluster, logged_team)  # erin's own `recover` entry
    assert "tampered with" in _one_line(erin("account", "list"), 5)
    _ok(erin("team", "recover", "--yes"))  # number 2, after erin's number 1
    line = _one_line(alice("account", "show", "lotus-jp"), 5)
    assert line == ("linkcheck: error: the team store is forked: its acceptance number 2 does not follow the "
                    "acceptance this computer saw, so the server showed owners different states; tell an owner "
                    "of the team, who compares with the others and accepts one with `linkcheck team recover`")
    assert "an owner compares with the others and accepts one with `linkcheck team recover`" in _one_line(
        cli("account", "list"), 5)
    # dana compares and accepts series B: it follows both of the first acceptances, so everyone takes it.
    _ok(cli("team", "recover", "--yes"))
    for member in (alice, erin, cli):
        _ok(member("account", "list"))
    shown = alice("account", "show", "acme-us")
    _ok(shown)
    assert "f8:e4:3b:0a:00:02" not in shown.stdout


def test_an_acceptance_follows_what_the_owner_saw_and_what_the_state_carried():
    from linkcheck.store.team import MemberKey

    key = MemberKey(None, "t", "bob", b"", b"\1" * 32)  # type: ignore[arg-type]
    first = {"restores": 1, "epoch": 2, "nonce": "a"}
    seen = {"generation": 40, "epoch": 2, "digest": "z", "restores": 1, "acceptance": team_mod.acceptance_id(first)}
    before = (seen, key.seen_mac(seen))
    other = {"restores": 1, "epoch": 2, "nonce": "b"}
    # Number 2 after another number 1: a fork; after the one seen (alone or with others): taken.
    after_other = {"restores": 2, "epoch": 2, "nonce": "c", "follows": team_mod.lineage(other)}
    with pytest.raises(StoreDamaged, match="forked: its acceptance number 2 does not follow"):
        team_mod.check_seen(key, before, 45, 2, "w", restores=2, acceptance=after_other)
    with pytest.raises(StoreDamaged, match="forked: its acceptance number 2 does not follow"):
        team_mod.check_seen(key, before, 45, 2, "w", restores=2, acceptance={"restores": 2, "epoch": 2, "nonce": "d"})
    team_mod.check_seen(key, before, 45, 2, "w", restores=2,
                        acceptance={**after_other, "follows": team_mod.lineage(other, seen)})
    team_mod.check_seen(key, before, 45, 2, "w", restores=3,
                        acceptance={"restores": 3, "epoch": 2, "nonce": "e",
                                    "follows": team_mod.lineage({**after_other, "follows": team_mod.lineage(first)})})
    assert team_mod.lineage(other, seen) == [team_mod.acceptance_id(other), team_mod.acceptance_id(first)]
    # A computer that saw no acceptance takes any (the server cannot sign one).
    plain = {"generation": 40, "epoch": 2, "digest": "z"}
    team_mod.check_seen(key, (plain, key.seen_mac(plain)), 45, 2, "w", restores=2, acceptance=after_other)


def test_an_acceptance_moved_onto_a_state_from_before_a_removal_is_refused(cli, demo_team, pg_cluster, tmp_path):
    """An operator (own member key, modified client, the shared database login) copies an owner's
    acceptance onto a dump from before a member's removal and signs it: a member who had not seen
    the acceptance must still refuse it -- the removed member is not back."""
    alice = _admit(cli, tmp_path, "alice", "operator")
    bob = _admit(cli, tmp_path, "bob", "operator")
    mallory = _admit(cli, tmp_path, "mallory", "operator")
    for member in (alice, bob, mallory):
        _ok(member("account", "list"))
    _save(pg_cluster, demo_team, "e0")  # key epoch 0: mallory a member
    _ok(cli("team", "remove", "mallory", "--yes"))  # epoch 1
    _ok(bob("account", "list"))  # bob has seen epoch 1, no acceptance
    _delete_account(pg_cluster, demo_team, "acme-us")
    _ok(cli("team", "recover", "--yes"))  # dana's acceptance, at epoch 1
    with postgres.TeamStore.open(demo_team, PASSPHRASE) as st:
        record = dict(st._open_manifest.restore)
    assert record["epoch"] == 1 and record["members"] and record["nonce"]
    _put_back(pg_cluster, demo_team, "e0")
    # alice's modified client: her seen record reset (she can MAC it), the acceptance put into the epoch-0 state.
    key = alice.key(demo_team)
    data = json.loads(key.path.read_text())
    data["seen"] = {"generation": 0, "epoch": 0, "digest": ""}
    data["seen_mac"] = key.seen_mac(data["seen"])
    key.path.write_text(json.dumps(data))
    with postgres.TeamStore.open(demo_team, alice.key(demo_team), write=True) as st:
        st.put_profile(st.profile("lotus-jp"))
        st._open_manifest.restore = record
        st._open_manifest.generation = 100
    line = _one_line(bob("team", "list"), 5)
    assert "an owner's acceptance was moved onto another state (key epoch 0; the owner accepted key epoch 1" in line
    assert "mallory" not in bob("team", "list").stdout


def test_the_signed_acceptance_covers_its_facts(cli, logged_team, pg_cluster, tmp_path):
    """What the acceptance says was lost (and when) is signed: a writer cannot rewrite it."""
    alice = _admit(cli, tmp_path, "alice", "operator")
    _delete_last_event(pg_cluster, logged_team)
    _ok(cli("team", "recover", "--yes"))
    with postgres.TeamStore.open(logged_team, alice.key(logged_team), write=True) as st:
        st.put_profile(st.profile("acme-us"))
        record = dict(st._open_manifest.restore)
        record["seen"] = 0
        st._open_manifest.restore = record
    assert "accepted restore is not one an owner signed" in _one_line(cli("account", "list"), 5)


def test_salvage_reports_rows_beyond_the_manifest_and_keeps_the_newest_copy(cli, demo_team, pg_cluster, tmp_path):
    """Rows put back beside the current ones: counted as more than the manifest counts, never
    called whole; a duplicated log entry counted once; of two copies of an account the newest
    version is kept, not the oldest."""
    _save(pg_cluster, demo_team, "s1")
    _ok(cli("attr", "add", "acme-us", "hostname", "newest.example.com"))  # acme-us: a newer version
    _ok(cli("account", "remove", "harbor-au", "--yes"))  # the manifest counts 9 accounts
    pg_cluster.sql(demo_team, "ALTER TABLE linkcheck.accounts DROP CONSTRAINT accounts_name_tag_key")
    pg_cluster.sql(demo_team, "ALTER TABLE linkcheck.events DROP CONSTRAINT events_pkey")
    pg_cluster.sql(demo_team, "ALTER TABLE linkcheck.accounts DROP CONSTRAINT accounts_pkey")
    pg_cluster.sql(demo_team, "INSERT INTO linkcheck.accounts (id, version, name_tag, body, keys) "
                              "SELECT id, version, name_tag, body, keys FROM public.s1_accounts "
                              "WHERE (id, version) NOT IN (SELECT id, version FROM linkcheck.accounts)")
    pg_cluster.sql(demo_team, "INSERT INTO linkcheck.events (id, version, body) "
                              "SELECT id, version, body FROM linkcheck.events WHERE id = (SELECT min(id) "
                              "FROM linkcheck.events)")
    dry = cli("team", "recover", "--dry-run")
    _ok(dry)
    out = dry.stdout
    assert "accounts: 10 verified and kept" in out
    assert "accounts: 1 more than the signed manifest counts: put back, or forged by someone holding" in out
    assert "accounts: 1 second copies of one row; the newest version of each is kept" in out
    assert "log entries: 1 second copies of one row" in out
    assert "Accounts that had an older copy too (the newest kept): acme-us" in out
    assert "Checked: the rows' counts" not in out
    rescue = tmp_path / "rescue.db"
    _ok(cli("store", "migrate", "--salvage", "--to", rescue, env=NEW))
    mine = {"passphrase": NEW["LINKCHECK_NEW_PASSPHRASE"], "env": {"LINKCHECK_STORE": str(rescue)}}
    shown = cli("account", "show", "acme-us", **mine)
    _ok(shown)
    assert "newest.example.com" in shown.stdout
    log = json.loads(cli("log", "--format", "json", **mine).output)
    assert [e["verdict"] for e in log if e["action"] == "salvage"] == ["UNVERIFIED"]


def test_after_a_recover_an_older_copy_put_back_loses_to_the_newer_account(cli, demo_team, pg_cluster, tmp_path):
    """Attack 11, finding 2: `team recover` writes every account again under a new id at version 1.
    An older copy from before (more rewrites: a higher version, a lower id) put back beside the
    newer one must not win the next salvage: ids only grow, so the higher id is kept."""
    _ok(cli("attr", "add", "acme-us", "hostname", "old-1.example.com"))
    _ok(cli("attr", "add", "acme-us", "hostname", "old-2.example.com"))  # acme-us: version 3
    _save(pg_cluster, demo_team, "s1")
    _ok(cli("account", "remove", "harbor-au", "--yes"))
    _delete_last_event(pg_cluster, demo_team)
    _ok(cli("team", "recover", "--yes"))  # every account again, at version 1 under new ids
    _ok(cli("attr", "add", "acme-us", "mac", "f8:e4:3b:0a:00:01"))  # version 2 of the new id
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1  # STOP: the MAC is on file
    pg_cluster.sql(demo_team, "ALTER TABLE linkcheck.accounts DROP CONSTRAINT accounts_name_tag_key")
    old = pg_cluster.sql(demo_team, "SELECT s.id FROM public.s1_accounts s JOIN linkcheck.accounts a "
                                    "ON a.name_tag = s.name_tag WHERE s.version = 3")
    assert len(old) == 1  # acme-us's old row, the only one at version 3
    pg_cluster.sql(demo_team, "INSERT INTO linkcheck.accounts (id, version, name_tag, body, keys) "
                              "SELECT id, version, name_tag, body, keys FROM public.s1_accounts WHERE id = %s",
                   (old[0][0],))
    dry = cli("team", "recover", "--dry-run")
    _ok(dry)
    assert "accounts: 1 second copies of one row; the newest version of each is kept" in dry.stdout
    assert "Accounts that had an older copy too (the newest kept): acme-us" in dry.stdout
    _ok(cli("team", "recover", "--yes"))
    shown = cli("account", "show", "acme-us")
    _ok(shown)
    assert "f8:e4:3b:**:**:01" in shown.stdout and "old-2.example.com" in shown.stdout
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1


def test_recover_names_an_account_older_than_the_gate_cache_last_verified(cli, demo_team, pg_cluster, tmp_path,
                                                                           monkeypatch):
    """The server puts back acme-us's older row (same count, same id, authentic): salvage cannot
    tell from the manifest, but this computer's gate cache (a check's verified snapshot) can."""
    from linkcheck.store import gatecache

    monkeypatch.setattr(gatecache, "MIN_ACCOUNTS", 1)
    monkeypatch.setattr(gatecache, "BACKGROUND", False)  # written before the check returns
    _save(pg_cluster, demo_team, "s1")
    _ok(cli("attr", "add", "acme-us", "mac", "f8:e4:3b:0a:00:01"))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1  # STOP; the gate cache keeps it
    pg_cluster.sql(demo_team, "DELETE FROM linkcheck.accounts")
    pg_cluster.sql(demo_team, "INSERT INTO linkcheck.accounts (id, version, name_tag, body, keys) "
                              "SELECT id, version, name_tag, body, keys FROM public.s1_accounts")
    dry = cli("team", "recover", "--dry-run")
    _ok(dry)
    assert "Accounts older here than this computer last verified (its gate cache): acme-us" in dry.stdout
    assert "Compared with this computer's gate cache" in dry.stdout


def test_recover_refuses_with_exit_6_when_other_rows_come_back_between_showing_and_writing(
        cli, logged_team, pg_cluster, monkeypatch):
    """Same counts, other rows (the server swaps which copies are there): run it again, exit 6."""
    _delete_last_event(pg_cluster, logged_team)
    calls = []
    real = postgres.TeamStore.salvage

    def swapped(self):
        found = real(self)
        calls.append(1)
        if len(calls) == 2:
            found.kept = "other rows"
        return found

    monkeypatch.setattr(postgres.TeamStore, "salvage", swapped)
    result = cli("team", "recover", "--yes")
    assert result.exit_code == 6 and "changed while you were deciding" in result.stderr
    assert "rows were deleted" in _one_line(cli("account", "list"), 5)  # nothing was accepted


def test_an_acceptance_of_the_first_form_still_verifies_but_never_lowers_the_epoch():
    from linkcheck.store.team import MemberKey

    owner = team_mod.Ed25519PrivateKey.generate()
    record = {"restores": 1, "generation": 5, "by": "dana"}
    record["signature"] = owner.sign(team_mod.restore_payload("t", 1, 5, "dana")).hex()
    member = team_mod.Member("dana", "owner", b"", owner.public_key().public_bytes_raw(), 0, "dana", b"", b"")
    assert team_mod.verify_restore("t", {"dana": member}, record, 7) == 1
    team_mod.check_acceptance_state(record, 7, 0, "any")  # nothing signed to compare
    key = MemberKey(None, "t", "bob", b"", b"\1" * 32)  # type: ignore[arg-type]
    seen = {"generation": 9, "epoch": 1, "digest": "x"}
    with pytest.raises(StoreDamaged, match="rolled back"):
        team_mod.check_seen(key, (seen, key.seen_mac(seen)), 7, 0, "y", restores=1, acceptance=record)
