"""`linkcheck team db-roles`: PostgreSQL's own privileges behind the team's roles, on a real
server (tests/pgcluster.py): each member with a database login of their own, the server
refusing what their role may not do even from a modified client."""

from __future__ import annotations

import json

import psycopg
import pytest

from linkcheck.store import team as team_mod

import test_team_store
from test_team_store import Member, _ok, _one_line

# The team store fixtures, shared with test_team_store.py.
team = test_team_store.team
demo_team = test_team_store.demo_team


def _login_url(url: str, login: str) -> str:
    return url.replace("postgresql://linkcheck@", f"postgresql://{login}@", 1)


@pytest.fixture
def logins(pg_cluster, demo_team):
    """Database logins for alice (operator), audit_firm (auditor) and stranger (no role)."""
    for login in ("alice", "audit_firm", "stranger"):
        pg_cluster.sql(demo_team, f"CREATE ROLE {login} LOGIN")
    yield {login: _login_url(demo_team, login) for login in ("alice", "audit_firm", "stranger")}
    for login in ("alice", "audit_firm", "stranger"):
        pg_cluster.sql(demo_team, f"DROP OWNED BY {login}")
        pg_cluster.sql(demo_team, f"DROP ROLE {login}")


def _database(url: str) -> str:
    return url.split("/")[3].split("?")[0]


def _admit_with_login(cli, tmp_path, name: str, role: str, url: str) -> Member:
    invitation = cli("team", "invite", name, "--role", role)
    _ok(invitation)
    member = Member(cli, tmp_path / f"computer-{name}")
    joined = member("team", "join", invitation.stdout.strip(), env={"LINKCHECK_STORE": url})
    _ok(joined)
    _ok(cli("team", "confirm", name, joined.stdout.strip().removeprefix("Your key fingerprint: ")))
    return member


def test_db_roles_prints_idempotent_sql_named_after_the_database(cli, demo_team):
    result = cli("team", "db-roles")
    _ok(result)
    prefix = f"linkcheck_{_database(demo_team)}"
    sql = result.stdout
    assert f'CREATE ROLE "{prefix}_auditor" NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL' in sql
    assert f'GRANT SELECT ON ALL TABLES IN SCHEMA "linkcheck" TO "{prefix}_owner", "{prefix}_operator", ' \
           f'"{prefix}_auditor";' in sql
    assert f'GRANT UPDATE (x25519, ed25519) ON "linkcheck"."invitations" TO "{prefix}_auditor";' in sql
    assert f'ON "linkcheck"."accounts", "linkcheck"."events", "linkcheck"."explanations" TO "{prefix}_auditor"' not in sql
    assert f'GRANT INSERT, UPDATE, DELETE ON "linkcheck"."accounts", "linkcheck"."events", ' \
           f'"linkcheck"."explanations" TO "{prefix}_operator";' in sql
    assert "GRANT %s TO alice" % f"{prefix}_operator" in result.stderr
    as_json = cli("team", "db-roles", "--prefix", "Agency 7", "--grant", "alice=operator", "--format", "json")
    _ok(as_json)
    data = json.loads(as_json.stdout)
    assert data["prefix"] == "agency_7" and data["applied"] is False
    assert data["roles"] == {"owner": "agency_7_owner", "operator": "agency_7_operator", "auditor": "agency_7_auditor"}
    assert data["grants"] == [{"login": "alice", "role": "agency_7_operator"}]
    assert data["statements"][-1] == 'GRANT "agency_7_operator" TO "alice"'
    # Printing changed nothing on the server.
    with psycopg.connect(demo_team) as pg:
        assert pg.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'agency_7_%'").fetchone()[0] == 0


def test_granting_a_login_the_server_does_not_have_says_to_create_it(cli, demo_team):
    line = _one_line(cli("team", "db-roles", "--grant", "nobody_here=operator", "--apply"), 2)
    assert "there is no database login nobody_here on the server: create it first" in line


@pytest.mark.parametrize("bad", ["alice", "alice=admin", "=operator"])
def test_a_bad_grant_is_a_usage_error(cli, demo_team, bad):
    line = _one_line(cli("team", "db-roles", "--grant", bad), 2)
    assert "--grant takes LOGIN=ROLE with ROLE one of owner, operator, auditor" in line


def test_db_roles_needs_a_team_store(cli, demo_store):
    assert "team commands work on a team store" in _one_line(cli("team", "db-roles"), 2)


def test_the_server_refuses_what_a_role_may_not_do(cli, demo_team, logins, tmp_path):
    applied = cli("team", "db-roles", "--grant", "alice=operator", "--grant", "audit_firm=auditor", "--apply")
    _ok(applied)
    assert "Applied: the roles" in applied.stderr
    # Idempotent: applied again, nothing fails and nothing changes.
    _ok(cli("team", "db-roles", "--grant", "alice=operator", "--grant", "audit_firm=auditor", "--apply"))

    # Each member joins through their own database login (an auditor's login may post its keys).
    alice = _admit_with_login(cli, tmp_path, "alice", "operator", logins["alice"])
    auditor = _admit_with_login(cli, tmp_path, "audit-firm", "auditor", logins["audit_firm"])
    as_alice = {"LINKCHECK_STORE": logins["alice"]}
    as_auditor = {"LINKCHECK_STORE": logins["audit_firm"]}

    # The operator's login writes accounts; the auditor's reads.
    _ok(alice("attr", "add", "acme-us", "hostname", "alice-pc", env=as_alice))
    listed = auditor("account", "show", "acme-us", "--format", "json", env=as_auditor)
    _ok(listed)
    assert "alice-pc" in listed.stdout

    # A modified client on the auditor's computer writes anyway: the server refuses it (before,
    # the write landed and every reader saw damage). Nothing changes.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(team_mod, "WRITERS", ("owner", "operator", "auditor"))
        line = _one_line(auditor("attr", "add", "acme-us", "hostname", "auditor-pc", env=as_auditor), 2)
    assert line.startswith("linkcheck: error: the database refused this: the login in the store address may not do it (")
    assert "`linkcheck team db-roles` shows what each team role may do on the server" in line
    shown = cli("account", "show", "acme-us", "--format", "json")
    _ok(shown)
    assert "auditor-pc" not in shown.stdout

    # Straight SQL with each login: what the role may not touch, PostgreSQL refuses.
    with psycopg.connect(logins["alice"], autocommit=True) as pg:
        for statement in ("DELETE FROM linkcheck.members",
                          "UPDATE linkcheck.manifest SET roster_by = 'alice'",
                          "DELETE FROM linkcheck.invitations",
                          "UPDATE linkcheck.header SET format = 9"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                pg.execute(statement)
    with psycopg.connect(logins["audit_firm"], autocommit=True) as pg:
        for statement in ("DELETE FROM linkcheck.accounts",
                          "UPDATE linkcheck.manifest SET generation = generation + 1",
                          "INSERT INTO linkcheck.events (version, body) VALUES (1, '')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                pg.execute(statement)
        assert pg.execute("SELECT count(*) FROM linkcheck.accounts").fetchone()[0] == 10

    # A login given no role reads nothing at all.
    line = _one_line(cli("account", "list", env={"LINKCHECK_STORE": logins["stranger"]}), 2)
    assert "the database login in the store address may not read the team store at" in line
    assert "`linkcheck team db-roles --grant LOGIN=ROLE --apply`" in line
    _ok(cli("account", "list"))


def test_applying_without_the_right_to_grant_says_who_should(cli, demo_team, logins):
    # A login without a role cannot even see the schema.
    line = _one_line(cli("team", "db-roles", "--apply", env={"LINKCHECK_STORE": logins["stranger"]}), 2)
    assert "the database login in the store address may not read the team store at" in line
    # An operator's login sees it, but may not create roles or grant on the owner's tables.
    _ok(cli("team", "db-roles", "--grant", "alice=operator", "--apply"))
    line = _one_line(cli("team", "db-roles", "--apply", env={"LINKCHECK_STORE": logins["alice"]}), 2)
    assert "the database login in the store address may not set these roles (permission denied" in line
    assert "run `linkcheck team db-roles --apply` as the login that created the store" in line
