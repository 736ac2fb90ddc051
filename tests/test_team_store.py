"""The team store on a real PostgreSQL server (tests/pgcluster.py): commands, members, and a
server that is not trusted -- rows hidden, replayed or rolled back with SQL, directly."""

from __future__ import annotations

from dataclasses import replace

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linkcheck.errors import StoreDamaged
from linkcheck.models import Event
from linkcheck.store import postgres, team as team_mod
from linkcheck.store.codec import _ad

from conftest import PASSPHRASE, PROFILES_DIR

MACHINES = Path(__file__).resolve().parent / "fixtures" / "machines"
LAPTOP_A = MACHINES / "laptop-a.json"
LAPTOP_A_MAC = "f8:e4:3b:0a:00:01"
SECOND_PASSPHRASE = "second member passphrase"


def _ok(result) -> None:
    assert result.exit_code == 0, result.output


def _one_line(result, code: int) -> str:
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def _touch_command(marker: Path) -> list[str]:
    return [sys.executable, "-c", "import pathlib, sys; pathlib.Path(sys.argv[1]).touch()", str(marker)]


@pytest.fixture
def team(cli, team_url, monkeypatch):
    """A team store founded by `dana` (owner) on this computer; LINKCHECK_STORE points at it."""
    monkeypatch.setenv("LINKCHECK_STORE", team_url)
    result = cli("init", "--member", "dana")
    _ok(result)
    assert f"Created a team store at {team_url}; you are its founder, dana (owner)" in result.output
    return team_url


@pytest.fixture
def demo_team(cli, team):
    _ok(cli("import", *sorted(PROFILES_DIR.glob("*.json"))))
    return team


class Member:
    """Another member on another computer: their own config folder (and key file) and passphrase."""

    def __init__(self, cli, home: Path, passphrase: str = SECOND_PASSPHRASE):
        self.cli, self.home, self.passphrase = cli, home, passphrase
        home.mkdir(parents=True, exist_ok=True)

    def __call__(self, *args, **kwargs):
        env = {"XDG_CONFIG_HOME": str(self.home), **kwargs.pop("env", {})}
        return self.cli(*args, passphrase=self.passphrase, env=env, **kwargs)

    def key(self, url: str) -> team_mod.MemberKey:
        """This member's unlocked key, read from their own config folder."""
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("XDG_CONFIG_HOME", str(self.home))
            return postgres.member_key(url, self.passphrase)


def _admit(cli, tmp_path: Path, name: str, role: str) -> Member:
    invitation = cli("team", "invite", name, "--role", role)
    _ok(invitation)
    member = Member(cli, tmp_path / f"computer-{name}")
    joined = member("team", "join", invitation.stdout.strip())
    _ok(joined)
    fingerprint = joined.stdout.strip().removeprefix("Your key fingerprint: ")
    _ok(cli("team", "confirm", name, fingerprint))
    return member


# ----- every command against a team store ------------------------------------------------------


def test_the_usual_commands_work_against_a_team_store(cli, demo_team, tmp_path):
    listed = cli("account", "list", "--format", "json")
    _ok(listed)
    assert len(json.loads(listed.output)) == 10
    audit = cli("audit", "--format", "json")
    assert audit.exit_code == 1
    assert [tuple(p["accounts"]) for p in json.loads(audit.output)["pairs"]][:2] == [
        ("acme-de", "acme-us"), ("brightway-ca", "brightway-uk")]
    _ok(cli("attr", "add", "acme-us", "mac", LAPTOP_A_MAC))
    stop = cli("check", "lotus-jp", "--machine", LAPTOP_A, "--record")
    assert stop.exit_code == 1 and stop.output.startswith("STOP: ")
    _ok(cli("account", "set", "acme-de", "--status", "suspended"))
    assert "suspended" in cli("account", "show", "acme-de").output
    _ok(cli("export", "-o", tmp_path / "out.json"))
    assert len(json.loads((tmp_path / "out.json").read_text())) == 10
    counts = cli("store", "--counts", "--format", "json")
    _ok(counts)
    info = json.loads(counts.output)
    assert info["kind"] == "team store (PostgreSQL)" and info["member"] == "dana" and info["role"] == "owner"
    assert info["counts"]["accounts"] == 10 and info["counts"]["events"] >= 1
    log = cli("log", "lotus-jp", "--format", "json")
    _ok(log)
    entries = json.loads(log.output)
    assert [(e["action"], e["verdict"], e["member"]) for e in entries] == [("check", "STOP", "dana")]


def test_statement_report_health_and_passwd_against_a_team_store(cli, demo_team, tmp_path):
    _ok(cli("explain", "brightway-ca", "pine-mx", "phone", "--note", "a shared switchboard"))
    _ok(cli("statement", "lotus-jp", "--against", "nordic-de", "--format", "json", "-o", tmp_path / "s.json"))
    _ok(cli("verify", tmp_path / "s.json"))
    _ok(cli("report", "-o", tmp_path / "report.html"))
    assert "acme-us" in (tmp_path / "report.html").read_text(encoding="utf-8")
    _ok(cli("health", "set", "acme-us", "--date", "2026-11-01", "--odr", "1.2%"))
    assert cli("health", "acme-us").exit_code == 1  # in breach
    # passwd changes this member's own key file, nothing on the server.
    _ok(cli("passwd", env={"LINKCHECK_NEW_PASSPHRASE": "a new member passphrase"}))
    assert "wrong passphrase" in _one_line(cli("account", "list"), 4)
    _ok(cli("account", "list", passphrase="a new member passphrase"))
    # A team store is backed up on its server, or copied with `store migrate`.
    assert "store migrate" in _one_line(cli("backup", tmp_path / "b.db", passphrase="a new member passphrase"), 2)


def test_the_server_holds_no_name_value_or_note_in_clear(cli, demo_team, pg_cluster):
    _ok(cli("account", "add", "secret-shop", "--note", "very private note"))
    _ok(cli("attr", "add", "secret-shop", "email", "hidden-owner@secret-brand.example"))
    dump = json.dumps([[str(cell) for cell in row] for table in ("accounts", "events", "explanations", "manifest")
                       for row in pg_cluster.sql(demo_team, f"SELECT * FROM linkcheck.{table}")])
    for secret in ("secret-shop", "very private note", "hidden-owner", "secret-brand", "acme-us", "amazon"):
        assert secret not in dump
        assert secret.encode().hex() not in dump


def test_init_refuses_a_database_that_holds_a_team_store(cli, team):
    line = _one_line(cli("init", "--member", "dana"), 2)
    assert "a team store already exists at" in line


def test_an_empty_database_is_no_team_store(cli, team_url):
    line = _one_line(cli("account", "list", "--store", team_url), 2)
    assert line.endswith(f"no team store at {team_url}; create one with `linkcheck init --store URL`")


def test_an_unreachable_server_is_exit_6_and_the_password_is_never_shown(cli, tmp_path):
    url = f"postgresql://lc:hunter2-secret@/nowhere?host={tmp_path}"
    result = cli("account", "list", "--store", url)
    line = _one_line(result, 6)
    assert "cannot reach the team store at postgresql://lc@/nowhere" in line
    assert "hunter2" not in result.output


def test_a_wrong_member_passphrase_is_exit_4(cli, demo_team):
    line = _one_line(cli("account", "list", passphrase="not the passphrase"), 4)
    assert "wrong passphrase for your member key file" in line


def test_a_computer_without_a_member_key_file_is_exit_4(cli, demo_team, tmp_path):
    stranger = Member(cli, tmp_path / "stranger")
    line = _one_line(stranger("account", "list"), 4)
    assert "no member key file for this team store on this computer" in line


# ----- members -------------------------------------------------------------------------------


def test_two_members_at_once_each_with_their_own_key(cli, demo_team, tmp_path):
    alice = _admit(cli, tmp_path, "alice", "operator")
    listed = cli("team", "list", "--format", "json")
    _ok(listed)
    assert [(m["name"], m["role"], m["status"], m["added_by"]) for m in json.loads(listed.output)] == [
        ("alice", "operator", "member", "dana"), ("dana", "owner", "member", "dana")]
    # Alice writes with her passphrase, Dana reads it with hers.
    _ok(alice("attr", "add", "acme-us", "hostname", "alice-laptop"))
    shown = cli("account", "show", "acme-us", "--reveal")
    assert "alice-laptop" in shown.output
    _ok(alice("check", "lotus-jp", "--machine", LAPTOP_A, "--record"))
    entries = json.loads(cli("log", "--format", "json").output)
    assert [(e["account"], e["member"]) for e in entries][-1] == ("lotus-jp", "alice")
    # An operator manages no members.
    line = _one_line(alice("team", "invite", "mallory", "--role", "owner"), 2)
    assert "only owners manage the team's members" in line


def test_a_wrong_fingerprint_is_not_admitted(cli, demo_team, tmp_path):
    invitation = cli("team", "invite", "bob", "--role", "operator")
    bob = Member(cli, tmp_path / "bob")
    _ok(bob("team", "join", invitation.stdout.strip()))
    line = _one_line(cli("team", "confirm", "bob", "00000-00000-00000-00000"), 5)
    assert "does not have the fingerprint you were given" in line
    assert "not (or no longer) a member" in _one_line(bob("account", "list"), 4)
    statuses = {m["name"]: m["status"] for m in json.loads(cli("team", "list", "--format", "json").output)}
    assert statuses == {"dana": "member", "bob": "joined, not confirmed"}


def test_an_auditor_reads_but_cannot_write(cli, demo_team, tmp_path):
    auditor = _admit(cli, tmp_path, "audit-firm", "auditor")
    listed = auditor("account", "list", "--format", "json")
    _ok(listed)
    assert len(json.loads(listed.output)) == 10
    line = _one_line(auditor("attr", "add", "acme-us", "hostname", "auditor-pc"), 2)
    assert "an auditor of this team: auditors only read" in line
    # Their own passphrase is theirs to change: it writes nothing to the store.
    _ok(auditor("passwd", env={"LINKCHECK_NEW_PASSPHRASE": "auditor's new passphrase"}))
    auditor.passphrase = "auditor's new passphrase"
    _ok(auditor("account", "list"))


def test_an_auditors_write_made_anyway_is_damage_for_every_reader(cli, demo_team, tmp_path):
    auditor = _admit(cli, tmp_path, "audit-firm", "auditor")
    # A modified client on the auditor's computer writes anyway, signed with the auditor's key.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(team_mod, "WRITERS", ("owner", "operator", "auditor"))
        _ok(auditor("attr", "add", "acme-us", "hostname", "auditor-pc"))
    line = _one_line(cli("account", "list"), 5)
    assert "signed by audit-firm, an auditor, who may only read" in line
    marker = tmp_path / "started"
    _one_line(cli("run", "acme-us", "--machine", LAPTOP_A, "--", *_touch_command(marker)), 5)
    assert not marker.exists()


def test_a_non_members_write_is_damage(cli, demo_team, pg_cluster, tmp_path):
    # Someone with the database password (not a member) rewrites the manifest row.
    pg_cluster.sql(demo_team, "UPDATE linkcheck.manifest SET signed_by = 'mallory'")
    line = _one_line(cli("account", "list"), 5)
    assert "its manifest is not signed by a member of the team" in line
    # ...and adds a member record of their own, "signed" by an owner.
    pg_cluster.sql(demo_team, "INSERT INTO linkcheck.members SELECT 'mallory', 'owner', %s, %s, epoch, "
                              "'dana', signature, wrapped FROM linkcheck.members WHERE name = 'dana'",
                   (os.urandom(32), os.urandom(32)))
    assert "member record is not signed by an owner" in _one_line(cli("account", "list"), 5)


def test_a_removed_member_cannot_open_what_is_written_after(cli, demo_team, pg_cluster, tmp_path):
    alice = _admit(cli, tmp_path, "alice", "operator")
    _ok(alice("account", "list"))
    # What Alice's computer could keep: the team key of the epoch she was a member of.
    with postgres.TeamStore.open(demo_team, alice.key(demo_team)) as st:
        old_master = st._keys.master
    result = cli("team", "remove", "alice", "--yes")
    _ok(result)
    assert "re-keyed the team" in result.output
    _ok(cli("account", "add", "after-removal", "--note", "written after alice left"))
    line = _one_line(alice("account", "list"), 4)
    assert "alice is not (or no longer) a member" in line
    # Her old key opens no row on the server now: every row was sealed again under a new key.
    from linkcheck.store.codec import RowKeyring

    old = RowKeyring(old_master)
    rows = pg_cluster.sql(demo_team, "SELECT id, version, name_tag, body FROM linkcheck.accounts")
    assert len(rows) == 11
    for row_id, version, tag, body in rows:
        with pytest.raises(StoreDamaged):
            old.open(bytes(body), _ad("accounts", row_id, version, bytes(tag), "body"), "an account row")
    # Dana and the data are fine.
    listed = json.loads(cli("account", "list", "--format", "json").output)
    assert len(listed) == 11 and listed[-1]["name"] == "after-removal"
    assert [m["name"] for m in json.loads(cli("team", "list", "--format", "json").output)] == ["dana"]


# ----- a server that hides, replays or rolls back -------------------------------------------------


def _snapshot(pg_cluster, url: str) -> None:
    for table in ("members", "accounts", "events", "explanations", "manifest"):
        pg_cluster.sql(url, f"DROP TABLE IF EXISTS public.saved_{table}")
        pg_cluster.sql(url, f"CREATE TABLE public.saved_{table} AS SELECT * FROM linkcheck.{table}")


def _roll_back(pg_cluster, url: str) -> None:
    for table in ("members", "accounts", "events", "explanations", "manifest"):
        # Every column but the ones the server computes (body_tag).
        columns = ", ".join(name for (name,) in pg_cluster.sql(
            url, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'linkcheck' "
                 "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position", (table,)))
        pg_cluster.sql(url, f"DELETE FROM linkcheck.{table}")
        pg_cluster.sql(url, f"INSERT INTO linkcheck.{table} ({columns}) SELECT {columns} FROM public.saved_{table}")


@pytest.fixture
def mac_on_shop_a(cli, demo_team):
    """acme-us holds laptop A's MAC: a check of lotus-jp from laptop A is a STOP."""
    _ok(cli("attr", "add", "acme-us", "mac", LAPTOP_A_MAC))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    return demo_team


def test_hiding_an_account_row_is_damage_and_run_does_not_start(cli, mac_on_shop_a, pg_cluster, tmp_path):
    # The server drops the row that would make the gate say STOP.
    row_id = _account_row_id(mac_on_shop_a, "acme-us")
    pg_cluster.sql(mac_on_shop_a, "DELETE FROM linkcheck.accounts WHERE id = %s", (row_id,))
    marker = tmp_path / "started"
    line = _one_line(cli("run", "lotus-jp", "--machine", LAPTOP_A, "--", *_touch_command(marker)), 5)
    assert "tampered with" in line
    assert not marker.exists()
    _one_line(cli("check", "lotus-jp", "--machine", LAPTOP_A), 5)


def _account_row_id(url: str, name: str) -> int:
    with postgres.TeamStore.open(url, PASSPHRASE) as st:
        return st._account_ids[st._keys.name_tag(name)]


def test_replaying_an_old_row_is_damage(cli, demo_team, pg_cluster, tmp_path):
    row_id = _account_row_id(demo_team, "acme-us")
    old = pg_cluster.sql(demo_team, "SELECT id, version, body, keys FROM linkcheck.accounts WHERE id = %s",
                         (row_id,))[0]
    _ok(cli("attr", "add", "acme-us", "mac", LAPTOP_A_MAC))
    # The server answers with acme-us as it was before laptop A's MAC was added.
    pg_cluster.sql(demo_team, "UPDATE linkcheck.accounts SET version = %s, body = %s, keys = %s WHERE id = %s",
                   (old[1], old[2], old[3], old[0]))
    marker = tmp_path / "started"
    _one_line(cli("run", "lotus-jp", "--machine", LAPTOP_A, "--", *_touch_command(marker)), 5)
    assert not marker.exists()


def test_a_server_that_lies_about_a_bodys_tag_is_caught_when_the_body_is_read(cli, demo_team, pg_cluster, tmp_path):
    """The open check reads each body's AEAD tag from `body_tag`, which the server computes; a
    server that keeps the current tag there but serves an older body is caught on the read."""
    row_id = _account_row_id(demo_team, "acme-us")
    old_body = pg_cluster.sql(demo_team, "SELECT body FROM linkcheck.accounts WHERE id = %s", (row_id,))[0][0]
    _ok(cli("attr", "add", "acme-us", "mac", LAPTOP_A_MAC))
    pg_cluster.sql(demo_team, "ALTER TABLE linkcheck.accounts ALTER COLUMN body_tag DROP EXPRESSION")
    pg_cluster.sql(demo_team, "UPDATE linkcheck.accounts SET body = %s WHERE id = %s", (old_body, row_id))
    for args in (("account", "list"), ("account", "show", "acme-us"), ("audit",)):
        assert "differs from the one verified at open" in _one_line(cli(*args), 5)
    marker = tmp_path / "started"
    _one_line(cli("run", "lotus-jp", "--machine", LAPTOP_A, "--", *_touch_command(marker)), 5)
    assert not marker.exists()


def test_rolling_the_whole_database_back_is_damage(cli, demo_team, pg_cluster, tmp_path):
    _snapshot(pg_cluster, demo_team)  # a consistent older state, manifest and all
    _ok(cli("attr", "add", "acme-us", "mac", LAPTOP_A_MAC))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A).exit_code == 1
    _roll_back(pg_cluster, demo_team)
    marker = tmp_path / "started"
    line = _one_line(cli("run", "lotus-jp", "--machine", LAPTOP_A, "--", *_touch_command(marker)), 5)
    assert "the team store was rolled back" in line
    assert not marker.exists()
    _one_line(cli("account", "list"), 5)


def test_a_writer_on_a_rolled_back_store_is_refused_too(cli, demo_team, pg_cluster):
    _snapshot(pg_cluster, demo_team)
    _ok(cli("account", "add", "newer"))
    _roll_back(pg_cluster, demo_team)
    assert "the team store was rolled back" in _one_line(cli("account", "add", "on-the-old-state"), 5)


# ----- concurrency: 8 writers in 8 processes ------------------------------------------------------

WRITER = r"""
import sys
from linkcheck.models import Account, Profile
from linkcheck.store.postgres import TeamStore
url, n, passphrase = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(5):
    with TeamStore.open(url, passphrase, write=True) as st:
        st.put_profile(Profile(Account(f"writer-{n}-{i}", "amazon.com", "active", "", 1, 1), ()))
        shared = st.profile("shared")
        note = (shared.account.note or "") + f"{n}.{i};"
        st.put_profile(Profile(Account("shared", "amazon.com", "active", note, 1, 1), ()))
"""


READER = r"""
import sys
from linkcheck.store.postgres import TeamStore
url, passphrase = sys.argv[1], sys.argv[2]
for _ in range(15):
    with TeamStore.open(url, passphrase) as st:
        names = [a.name for a in st.accounts()]
        assert "shared" in names and len(names) == st.count_accounts()
"""


def test_eight_writers_in_eight_processes_lose_nothing(cli, team, tmp_path):
    """...while the same member reads in three more: a snapshot older than what another of this
    member's commands has seen since it began is not a rollback."""
    _ok(cli("account", "add", "shared"))
    env = {**os.environ, "LINKCHECK_STORE": team}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, team, str(n), PASSPHRASE], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(8)]
    procs += [subprocess.Popen([sys.executable, "-c", READER, team, PASSPHRASE], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with postgres.TeamStore.open(team, PASSPHRASE) as st:
        names = {a.name for a in st.accounts()}
        note = st.profile("shared").account.note
    assert names == {"shared"} | {f"writer-{n}-{i}" for n in range(8) for i in range(5)}
    assert sorted(note.rstrip(";").split(";")) == sorted(f"{n}.{i}" for n in range(8) for i in range(5))


# ----- store migrate: file -> team -> file ---------------------------------------------------------


def test_migrate_a_file_store_into_a_team_store_and_back(cli, demo_store, team_url, tmp_path):
    from linkcheck.models import Explanation
    from linkcheck.store import Store

    _ok(cli("attr", "add", "acme-us", "mac", LAPTOP_A_MAC))
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A, "--record").exit_code == 1
    _ok(cli("explain", "acme-de", "acme-us", "brand", "--note", "one brand, two regions"))
    with Store.open(demo_store, PASSPHRASE) as st:
        before = (st.profiles(), st.events(), st.explanations())
    # What an explanation covers is kept as tags keyed by the store: tagged again by each copy.
    def untagged(explanations):
        return [replace(e, values=None) for e in explanations]

    assert untagged(before[2]) == [Explanation(("acme-de", "acme-us"), "brand", "one brand, two regions",
                                               before[2][0].when, shown=before[2][0].shown)]
    assert before[2][0].values and before[2][0].shown

    moved = cli("store", "migrate", "--to", team_url, "--member", "dana", env={"LINKCHECK_NEW_PASSPHRASE": "team passphrase"})
    _ok(moved)
    assert f"Copied 10 account(s), 1 log entries and 1 explanation(s) to {team_url}" in moved.output
    with postgres.TeamStore.open(team_url, "team passphrase") as st:
        assert (st.profiles(), st.events(), untagged(st.explanations())) == (*before[:2], untagged(before[2]))
        assert len(st.explanations()[0].values) == len(before[2][0].values)
    # The gate gives the same answer from the team store.
    assert cli("check", "lotus-jp", "--machine", LAPTOP_A, "--store", team_url,
               passphrase="team passphrase").exit_code == 1

    back = tmp_path / "back.db"
    _ok(cli("store", "migrate", "--store", team_url, "--to", back, passphrase="team passphrase",
            env={"LINKCHECK_NEW_PASSPHRASE": "file passphrase again"}))
    with Store.open(back, "file passphrase again") as st:
        assert (st.profiles(), st.events(), untagged(st.explanations())) == (*before[:2], untagged(before[2]))
        assert len(st.explanations()[0].values) == len(before[2][0].values)
    # Refused: an existing target, either kind.
    assert "already exists" in _one_line(cli("store", "migrate", "--to", back,
                                             env={"LINKCHECK_NEW_PASSPHRASE": "x" * 12}), 2)
    assert "already exists" in _one_line(cli("store", "migrate", "--to", team_url,
                                             env={"LINKCHECK_NEW_PASSPHRASE": "x" * 12}), 2)


# ----- behind the checks at open: every row read later is one verified -------------------------


@pytest.mark.parametrize("read", ["profile", "profiles", "iter_profiles", "accounts", "candidates", "audit_input"])
def test_a_row_the_server_drops_after_the_check_is_damage(demo_team, read):
    """A server may answer the check at open honestly and a later query otherwise."""
    with pytest.raises(StoreDamaged):
        with postgres.TeamStore.open(demo_team, PASSPHRASE, write=True) as st:
            keys = st.profile("acme-de").attributes[0].keys
            st._conn.execute("DELETE FROM accounts WHERE id = ?", (st._account_ids[st._keys.name_tag("acme-de")],))
            st._index_rows = None
            if read == "profile":
                st.profile("acme-de")
            elif read == "candidates":
                st.candidates(keys)
            elif read == "audit_input":
                st.audit_input(200, lambda *args: [], parallel=False)
            else:
                list(getattr(st, read)())


def test_any_owner_removes_and_the_members_an_owner_admitted_stay(cli, demo_team, tmp_path):
    olga = _admit(cli, tmp_path, "olga", "owner")
    # Olga (an owner, not the founder) admits two members herself.
    for name, role in (("alice", "operator"), ("bob", "auditor")):
        invitation = olga("team", "invite", name, "--role", role)
        _ok(invitation)
        member = Member(cli, tmp_path / f"computer-{name}")
        joined = member("team", "join", invitation.stdout.strip())
        _ok(olga("team", "confirm", name, joined.stdout.strip().removeprefix("Your key fingerprint: ")))
    alice = Member(cli, tmp_path / "computer-alice")
    _ok(olga("team", "remove", "bob", "--yes"))
    assert "bob is not (or no longer) a member" in _one_line(Member(cli, tmp_path / "computer-bob")("account", "list"), 4)
    # Olga cannot remove the founder, nor the owner who admitted her... the founder can remove Olga,
    # and Alice, whom Olga admitted, stays a member (her record is signed again by the founder).
    assert "founded this team" in _one_line(olga("team", "remove", "dana", "--yes"), 2)
    _ok(cli("team", "remove", "olga", "--yes"))
    members = {m["name"]: m["added_by"] for m in json.loads(cli("team", "list", "--format", "json").output)}
    assert members == {"alice": "dana", "dana": "dana"}
    _ok(alice("attr", "add", "acme-us", "hostname", "alice-laptop"))
    assert "alice-laptop" in cli("account", "show", "acme-us", "--reveal").output
    assert "no longer" in _one_line(olga("account", "list"), 4)


def test_an_operator_who_drops_a_members_record_is_caught(cli, demo_team, tmp_path):
    """An operator may write accounts, not the member list: a modified client on their computer
    that drops another member's record (and signs the result) is damage for every reader."""
    alice = _admit(cli, tmp_path, "alice", "operator")
    _admit(cli, tmp_path, "bob", "operator")
    with postgres.TeamStore.open(demo_team, alice.key(demo_team), write=True) as st:
        st._pg.execute("DELETE FROM members WHERE name = 'bob'")
        del st._members["bob"]
        st.add_event(Event(1, "acme-us", "check", "GO", {}))
    assert "its member list is not one an owner signed" in _one_line(cli("account", "list"), 5)


def test_the_counter_this_computer_has_seen():
    """Older is a rollback, the same counter with another state a fork, newer is kept; and the
    record itself is MACed with the member's key."""
    key = team_mod.new_member_file("0" * 32, "dana", None, PASSPHRASE)
    team_mod.remember(key, 5, 1, "state-5")
    seen = team_mod.read_seen(key.path)
    team_mod.check_seen(key, seen, 5, 1, "state-5")
    team_mod.check_seen(key, seen, 6, 1, "state-6")
    with pytest.raises(StoreDamaged, match="rolled back: its counter is 4, but this computer has seen 5"):
        team_mod.check_seen(key, seen, 4, 1, "state-4")
    with pytest.raises(StoreDamaged, match="rolled back"):
        team_mod.check_seen(key, seen, 7, 0, "an older key epoch")
    with pytest.raises(StoreDamaged, match="two different states carry one counter"):
        team_mod.check_seen(key, seen, 5, 1, "another state 5")
    team_mod.remember(key, 3, 1, "older: not kept")
    team_mod.remember(key, 9, 1, "state-9")
    kept = team_mod.read_seen(key.path)[0]
    assert {k: v for k, v in kept.items() if k != "when"} == {"generation": 9, "epoch": 1, "digest": "state-9"}
    assert abs(kept["when"] - time.time()) < 60  # when this computer first saw it (`team recover` shows it)
    data = json.loads(key.path.read_text())
    data["seen"]["generation"] = 0  # edited by hand to accept a rollback
    key.path.write_text(json.dumps(data))
    with pytest.raises(StoreDamaged, match="was altered"):
        team_mod.check_seen(key, team_mod.read_seen(key.path), 1, 1, "state-1")


def test_nobody_removes_the_owner_who_admitted_them(cli, demo_team, tmp_path):
    olga = _admit(cli, tmp_path, "olga", "owner")
    invitation = olga("team", "invite", "pat", "--role", "owner")
    pat = Member(cli, tmp_path / "computer-pat")
    joined = pat("team", "join", invitation.stdout.strip())
    _ok(olga("team", "confirm", "pat", joined.stdout.strip().removeprefix("Your key fingerprint: ")))
    assert "olga admitted you, so you cannot remove them" in _one_line(pat("team", "remove", "olga", "--yes"), 2)
    assert len(json.loads(cli("team", "list", "--format", "json").output)) == 3  # nothing changed


def test_the_store_setting_and_team_commands_on_a_file_store(cli, store, team_url):
    # A team store's URL is kept as given by the `store` setting (not taken as a relative path).
    _ok(cli("config", "set", "store", team_url))
    shown = cli("config", "get", "store", env={"LINKCHECK_STORE": None})
    assert shown.output.strip() == team_url
    _ok(cli("init", "--member", "dana", env={"LINKCHECK_STORE": None}))  # the setting points at the team store
    assert "dana" in cli("team", "list", env={"LINKCHECK_STORE": None}).output
    _ok(cli("config", "unset", "store"))
    line = _one_line(cli("team", "list"), 2)
    assert "team commands work on a team store" in line
    assert "unlock` keeps a store file's key" in _one_line(cli("unlock", "--store", team_url), 2)


# ----- the Chinese interface -------------------------------------------------------------------


def test_team_store_errors_and_the_member_table_are_chinese_with_linkcheck_lang_zh(cli, team, tmp_path, monkeypatch):
    zh = {"LINKCHECK_LANG": "zh"}
    # team commands on a file store: the same exit code, the sentence in Chinese.
    line = _one_line(cli("team", "list", "--store", str(tmp_path / "file.db"), env=zh), 2)
    assert line == "linkcheck：错误：team 命令只用于团队存储库：请指定 --store postgresql://…（或 LINKCHECK_STORE）"
    # A server that is not there: exit 6, in Chinese, the password still not shown.
    result = cli("init", "--store", f"postgresql://lc:hunter2-secret@/nowhere?host={tmp_path}", env=zh)
    line = _one_line(result, 6)
    assert line.startswith(f"linkcheck：错误：无法连接 postgresql://lc@/nowhere?host={tmp_path} 的团队存储库：")
    assert "hunter2" not in result.output
    # The member table: headers and the role and status cells in Chinese; JSON keeps the values.
    table = cli("team", "list", env=zh)
    _ok(table)
    header, _rule, dana = table.output.splitlines()
    assert header.split() == ["名称", "角色", "状态", "指纹", "添加者"]
    assert dana.split()[:3] == ["dana", "所有者", "成员"]
    rows = json.loads(cli("team", "list", "--format", "json", env=zh).output)
    assert (rows[0]["role"], rows[0]["status"]) == ("owner", "member")
    # The member passphrase is asked for in Chinese too.
    from linkcheck.cli import options

    monkeypatch.setattr(options, "_interactive", lambda: True)
    asked = cli("account", "list", input=PASSPHRASE + "\n", passphrase=None, env=zh)
    _ok(asked)
    assert asked.output.startswith("你的成员口令: ")
