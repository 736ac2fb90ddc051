"""`linkcheck team`: the members of a team store (invite, join, confirm, list, remove)."""

from __future__ import annotations

import click

from ..i18n import N_, _, translate
from ..errors import StoreBusy, UsageError
from .options import current_store_path, echo_err, get_passphrase, open_store, store_options
from .output import format_option, render_json, render_rows
from .store_cmds import check_new_passphrase

ROLE_HELP = N_("owner: manages members, reads and writes; operator: reads and writes accounts, runs checks; auditor: only reads")


def _team_url():
    path = current_store_path()
    if not isinstance(path, str):
        raise UsageError(_("team commands work on a team store: give --store postgresql://… (or LINKCHECK_STORE)"))
    return path


def _team_store(st):
    from ..store.postgres import TeamStore

    if not isinstance(st, TeamStore):  # pragma: no cover - _team_url() already refused a file store
        raise UsageError(_("team commands work on a team store"))
    return st


@click.group("team")
def team_group():
    """Members of a team store: who may open it, with which role.

    \b
    Roles: owner (manages members, reads and writes), operator (reads and
    writes accounts, runs checks), auditor (only reads).

    Joining takes three steps: the owner invites (an invitation is printed),
    the new member joins on their computer (a fingerprint is printed), the
    owner confirms that fingerprint, heard by phone or in person.

    \b
    Examples:
      linkcheck team invite alice --role operator
      linkcheck team join INVITATION --store postgresql://alice@db.example.com/agency
      linkcheck team confirm alice 3f2a1-9c0de-77b41-0e5aa
      linkcheck team list
      linkcheck team remove alice --yes
      linkcheck team recover --dry-run
    """


@team_group.command("invite")
@store_options
@click.argument("name")
@click.option("--role", type=click.Choice(("owner", "operator", "auditor")), required=True, help=ROLE_HELP)
def invite_cmd(name, role):
    """Invite NAME to the team with a role (owners only).

    Prints an invitation for NAME to redeem with `linkcheck team join` on
    their own computer. The invitation holds no key: NAME gets nothing until
    you confirm their key's fingerprint with `linkcheck team confirm`.

    \b
    Examples:
      linkcheck team invite alice --role operator
      linkcheck team invite audit-firm --role auditor
    """
    _team_url()
    with open_store(write=True) as st:
        text = _team_store(st).invite(name, role)
    click.echo(text)
    echo_err(_("Give this invitation to {name}; they run `linkcheck team join INVITATION --store URL` and tell "
               "you their fingerprint, which you check with `linkcheck team confirm {name} FINGERPRINT`.", name=name))


@team_group.command("join")
@store_options
@click.argument("invitation")
def join_cmd(invitation):
    """Redeem an invitation on this computer: make your member key file.

    Asks for a new passphrase of your own (it protects your key file, which
    stays on this computer), posts your public keys to the invitation and
    prints your key's fingerprint: tell it to the owner by another channel
    (phone, in person) so they can confirm you.

    \b
    Examples:
      linkcheck team join linkcheck-invite:eyJ0ZWFt... --store postgresql://alice@db.example.com/team
    """
    from ..store import postgres
    from ..store.team import fingerprint

    url = _team_url()
    passphrase = get_passphrase(confirm=True, prompt=N_("New member passphrase (for your key file)"))
    check_new_passphrase(passphrase)
    key = postgres.join(url, invitation, passphrase)
    print_fp = fingerprint(*key.public_keys())
    click.echo(_("Your key fingerprint: {fingerprint}", fingerprint=print_fp))
    echo_err(_("Your member key file is {path}. Tell the owner this fingerprint by phone or in person; you can "
               "open the team store once they run `linkcheck team confirm {name} {fingerprint}`.",
               path=key.path, name=key.name, fingerprint=print_fp))


@team_group.command("confirm")
@store_options
@click.argument("name")
@click.argument("fingerprint")
def confirm_cmd(name, fingerprint):
    """Admit NAME if their key has FINGERPRINT (owners only).

    FINGERPRINT is what `team join` printed on NAME's computer, told to you by
    another channel. A key with any other fingerprint is not admitted (exit 5:
    someone else answered the invitation). The team key is then wrapped to NAME.

    \b
    Examples:
      linkcheck team confirm alice 3f2a1-9c0de-77b41-0e5aa
    """
    _team_url()
    with open_store(write=True) as st:
        member = _team_store(st).confirm(name, fingerprint)
    click.echo(_("{name} is now a member of the team ({role}).", name=member.name, role=translate(member.role)))


@team_group.command("list")
@store_options
@format_option("table", "json", "csv")
def list_cmd(fmt):
    """The team's members and open invitations.

    \b
    Examples:
      linkcheck team list
      linkcheck team list --format json
    """
    _team_url()
    with open_store() as st:
        team = _team_store(st)
        rows = [{"name": m.name, "role": m.role, "fingerprint": m.fingerprint, "status": "member",
                 "added_by": m.by} for m in team.members()]
        rows += [{"name": n, "role": r, "fingerprint": fp, "status": "joined, not confirmed" if fp else "invited",
                  "added_by": None} for n, r, fp in team.invitations()]
    if fmt == "json":
        click.echo(render_json(rows))
        return
    click.echo(render_rows(rows, fmt, ["name", "role", "status", "fingerprint", "added_by"]))


@team_group.command("remove")
@store_options
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask to confirm.")
def remove_cmd(name, yes):
    """Remove NAME from the team and re-key it (owners only).

    In one transaction: a new team key, every row sealed again under it and
    wrapped to the members left. NAME's key opens nothing written afterwards;
    what NAME already read, they keep. Also withdraws an open invitation. The
    founder cannot be removed.

    \b
    Examples:
      linkcheck team remove alice --yes
    """
    _team_url()
    if not yes:
        import sys

        if not sys.stdin.isatty():
            raise UsageError(_("removing a member re-keys the team; add --yes to confirm"))
        click.confirm(_("Remove {name} from the team and re-key it?", name=name), abort=True, err=True)
    from ..models import Event, now

    with open_store(write=True) as st:
        removed = _team_store(st).remove_member(name)
        st.add_event(Event(now(), "", "member-remove", "REMOVED" if removed else "WITHDRAWN", {"removed_member": name}))
    if removed:
        click.echo(_("Removed {name} and re-keyed the team: {name}'s key opens nothing written from now on.", name=name))
    else:
        click.echo(_("Withdrew the invitation for {name}.", name=name))


@team_group.command("recover")
@store_options
@click.option("--yes", "-y", is_flag=True, help="Accept the state shown without asking (for scripts).")
@click.option("--dry-run", is_flag=True, help="Only show the state and what would be lost; change nothing.")
def recover_cmd(yes, dry_run):
    """Accept the team store as it is now, after rows were lost or a backup was restored (owners only).

    Every command refuses a team store whose rows no longer match its signed
    manifest (a row deleted, added or replaced on the server) or whose
    counter is older than one this computer has seen (a rolled-back server,
    or a pg_dump restored). This shows the state on the server -- its
    counter, the newest this computer has seen and when, every row that still
    verifies on its own, what is missing and what does not open -- and, once
    you accept, seals the rows that verify under a new manifest you sign,
    with a counter above any seen before. Every member's computer then takes
    it as the newest state (your signature as an owner says so; the server
    cannot make one). What is missing is lost for good: salvage a copy first
    with `linkcheck store migrate --salvage --to FILE` if in doubt. Logged.

    \b
    Examples:
      linkcheck team recover --dry-run
      linkcheck team recover
      linkcheck team recover --yes
    """
    import sys

    from ..models import Event, iso, now
    from .store_cmds import salvage_lines

    from .options import store_key

    _team_url()
    key = store_key()  # asked once, for both transactions
    with open_store(salvage=True, key=key) as st:
        team = _team_store(st)
        found = team.salvage()
        shown = (team.generation, team.restores, found.facts(), found.kept)
        lines = _recover_lines(team, found)
    for line in lines:
        click.echo(line)
    for line in salvage_lines(found):
        click.echo(line)
    if found.problem is None:
        click.echo(_("Nothing to recover: the team store is whole."))
        return
    if dry_run:
        return
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(_("accepting this state loses what is missing for good; add --yes to accept it"))
        click.confirm(_("Accept this state for the whole team? What is missing is lost for good."), abort=True, err=True)
    with open_store(write=True, salvage=True, key=key) as st:
        team = _team_store(st)
        again = team.salvage()
        if (team.generation, team.restores, again.facts(), again.kept) != shown:  # which rows, not only how many
            raise StoreBusy(_("the team store changed while you were deciding; run `linkcheck team recover` again"))
        seen = team.seen_here()
        facts = {"from": team.generation, "seen": seen.get("generation", 0), "when": now(), **again.facts()}
        counter = team.recover(again, facts)
        team.add_event(Event(now(), "", "recover", "LOST" if again.lost else "ACCEPTED" if again.whole else "UNVERIFIED",
                             {"from": facts["from"], "seen": facts["seen"], "counter": counter, **again.facts()}))
    click.echo(_("Accepted: the team store opens again at counter {counter}, as the server held it, signed by you; "
                 "every member's computer takes it as the newest state. Logged ({when}).",
                 counter=counter, when=iso(facts["when"])))


def _recover_lines(team, found) -> list[str]:
    """The state on the server against what this computer has seen, for `team recover`."""
    from ..models import iso

    seen = team.seen_here()
    lines = [_("On the server: counter {counter} (key epoch {epoch}).", counter=team.generation, epoch=team.epoch)]
    if seen.get("when"):
        lines.append(_("This computer has seen counter {seen} (first seen {when}).", seen=seen.get("generation", 0),
                       when=iso(int(seen["when"]))))
    else:
        lines.append(_("This computer has seen counter {seen}.", seen=seen.get("generation", 0)))
    if team.epoch < int(seen.get("epoch", 0)):
        lines.append(_("warning: this state is older than a member's removal (key epoch {epoch}, this computer has "
                       "seen {seen}): every member it lists holds its key again. After accepting it, run "
                       "`linkcheck team remove NAME` for anyone who should not be there.",
                       epoch=team.epoch, seen=seen.get("epoch", 0)))
    lines.append(_("Members in this state: {members}", members=", ".join(
        f"{m.name} ({translate(m.role)})" for m in team.members())))
    return lines


@team_group.command("db-roles")
@store_options
@click.option("--prefix", help="Start of the three role names (default: linkcheck_ and the database's name).")
@click.option("--grant", "grants", multiple=True, metavar="LOGIN=ROLE",
              help="Also make the database login LOGIN a member of ROLE (owner, operator, auditor). Repeatable.")
@click.option("--apply", is_flag=True, help="Run the statements on the server (as the login in the store address).")
@format_option("sql", "json", default="sql")
def db_roles_cmd(prefix, grants, apply, fmt):
    """The PostgreSQL roles that back the team's roles on the server.

    linkcheck does not need them: every write is signed by its member and
    checked by every reader. With them, the server itself refuses what a role
    may not do: an auditor's login can only read (and post its keys to an
    invitation), an operator's cannot touch members or invitations. Prints the
    SQL (idempotent: existing roles are kept) for whoever runs the server, or
    runs it with --apply as the login that created the store, if that login may
    create roles. Give each member a database login of their own, made a member
    of their role's group with --grant; the login that created the store owns
    the tables and keeps every right.

    \b
    Examples:
      linkcheck team db-roles > roles.sql
      linkcheck team db-roles --grant alice=operator --grant audit_firm=auditor --apply
      linkcheck team db-roles --prefix agency --format json
    """
    from ..store import pgroles, postgres

    url = _team_url()
    logins = [pgroles.parse_login(text) for text in grants]
    chosen, names, sql = postgres.db_roles(url, prefix, logins, apply)
    if fmt == "json":
        click.echo(render_json({"prefix": chosen, "roles": names, "applied": apply,
                                "grants": [{"login": login, "role": names[role]} for login, role in logins],
                                "statements": sql}))
    else:
        click.echo("".join(statement + ";\n" for statement in sql), nl=False)
    if apply:
        echo_err(_("Applied: the roles {owner}, {operator} and {auditor} now hold the team's rights on the server.",
                   owner=names["owner"], operator=names["operator"], auditor=names["auditor"]))
    elif fmt != "json" and not logins:
        echo_err(_("Run these statements as the login that created the store (or add --apply); then make each "
                   "member's database login a member of their role, e.g. GRANT {operator} TO alice.",
                   operator=names["operator"]))


def register(group: click.Group) -> None:
    group.add_command(team_group)
