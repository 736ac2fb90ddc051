"""Commands that manage the store itself: init, passwd, backup, store."""

from __future__ import annotations

import os
from pathlib import Path

import click
from dataclasses import replace

from ..i18n import N_, _, translate
from .. import store as store_mod
from ..crypto import TEST_KDF_ENV
from ..errors import PassphraseError, UsageError
from .options import (
    echo_err,
    get_new_passphrase,
    get_passphrase,
    open_store,
    current_store_path,
    store_key,
    store_options,
)
from .output import format_option, is_stdout, private_output, render_json, render_rows


MIN_PASSPHRASE_CHARS = 8


def check_new_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to resist guessing, whatever the key derivation costs."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise PassphraseError(
            _("passphrase too short: use at least {MIN_PASSPHRASE_CHARS} characters (a few random words are easy to remember and hard to guess)", MIN_PASSPHRASE_CHARS=MIN_PASSPHRASE_CHARS)
        )


@click.command()
@store_options
@click.option("--member", "member", default=None, metavar="NAME",
              help="Team store only: your member name as its founder (default: your login name).")
def init(member):
    """Create a new encrypted store.

    Asks for a passphrase twice (hidden). Scripts can give it with
    --passphrase-file or LINKCHECK_PASSPHRASE instead. Refuses to overwrite an
    existing store. Key derivation (Argon2id) is calibrated to about half a
    second on this machine.

    With --store postgresql://… it creates a team store in that database
    instead: you are its founder (an owner), and the passphrase protects your
    own member key file on this computer (see `linkcheck team`).

    \b
    Examples:
      linkcheck init
      linkcheck init --store ~/clients/acme.lcs
      LINKCHECK_PASSPHRASE='correct horse battery' linkcheck init
      linkcheck init --store postgresql://lc@db.example.com/agency --member dana
    """
    path = current_store_path()
    if isinstance(path, str):
        _init_team(path, member)
        return
    if member is not None:
        raise UsageError(_("--member is for a team store (--store postgresql://…)"))
    if path.is_dir():
        raise UsageError(_("{path} is a directory; give the store a file name, e.g. --store {n}", path=path, n=path / 'linkcheck.db'))
    if path.exists():
        raise UsageError(_("a store already exists at {path}; refusing to overwrite it", path=path))
    passphrase = get_passphrase(confirm=True, prompt=N_("New store passphrase"))
    check_new_passphrase(passphrase)
    store_mod.create(path, passphrase)
    click.echo(_("Created an encrypted store at {path}", path=path))
    if os.environ.get(TEST_KDF_ENV) == "1":
        echo_err(
            _("warning: {TEST_KDF_ENV}=1 is set, so this store uses cheap test key-derivation settings that make guessing its passphrase fast (fine for demos and tests; for real data unset it and create the store again)", TEST_KDF_ENV=TEST_KDF_ENV)
        )
    echo_err(_("Keep the passphrase safe: without it nothing in the store can be recovered."))


def _init_team(url, member) -> None:
    from ..store import postgres

    passphrase = get_passphrase(confirm=True, prompt=N_("New member passphrase (for your key file)"))
    check_new_passphrase(passphrase)
    key = postgres.create(url, passphrase, member or postgres.default_member_name())
    click.echo(_("Created a team store at {url}; you are its founder, {name} (owner)", url=url.display, name=key.name))
    if os.environ.get(TEST_KDF_ENV) == "1":
        echo_err(_("warning: {env}=1 is set, so your member key file uses cheap test key-derivation settings",
                   env=TEST_KDF_ENV))
    echo_err(_("Your member key file is {path}: keep it and its passphrase; `linkcheck team invite` adds members.", path=key.path))


@click.command()
@store_options
@click.option(
    "--new-passphrase-file",
    type=click.Path(path_type=Path),
    default=None,
    help="Read the new passphrase from this file (mode 600). Otherwise $LINKCHECK_NEW_PASSPHRASE or a prompt.",
)
def passwd(new_passphrase_file):
    """Change the store passphrase.

    Re-wraps the store's master key under the new passphrase in one
    transaction: if interrupted, exactly one of the old and new passphrases
    opens the store.

    \b
    Examples:
      linkcheck passwd
      LINKCHECK_PASSPHRASE=old LINKCHECK_NEW_PASSPHRASE=new linkcheck passwd
    """
    if isinstance(current_store_path(), str):
        # A team store: your own passphrase, of your member key file; nothing on the server changes
        # (so an auditor, who may not write to the store, can change it too).
        from ..store.team import rewrap_member_file

        key = store_key()
        new = get_new_passphrase(new_passphrase_file)
        check_new_passphrase(new)
        rewrap_member_file(key, new)
        del new
        click.echo(_("Passphrase changed (your member key file {path}).", path=key.path))
        return
    with open_store(write=True) as st:
        new = get_new_passphrase(new_passphrase_file)
        check_new_passphrase(new)
        st.rekey(new)
        del new  # not kept for the rest of the transaction
    click.echo(_("Passphrase changed."))


@click.command()
@store_options
@click.argument("target", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--force", "-f", is_flag=True, help="Overwrite an existing TARGET without asking.")
def backup(target, force):
    """Write a consistent, still encrypted copy of the store to TARGET.

    The copy opens with the same passphrase, is created with mode 600, and is
    either complete or absent (never half written). An existing TARGET is
    replaced only after asking, or with --force; '-' writes the copy to
    standard output.

    \b
    Examples:
      linkcheck backup ~/backups/linkcheck-2026-11-22.db
      linkcheck backup - | ssh backup-host 'cat > linkcheck.db'
    """
    import shutil
    import tempfile

    with private_output(target, force=force, binary=True) as out:
        # SQLite writes the copy to a path: a private folder beside the target, then into `out`.
        if is_stdout(target):
            beside, prefix = None, "linkcheck-backup-"
        else:
            beside, prefix = str(target.parent), f".{target.name}.partial-{os.getpid()}-"
        with tempfile.TemporaryDirectory(prefix=prefix, dir=beside) as tmp:
            copy = Path(tmp) / "backup.db"
            with open_store() as st:
                st.backup(copy)
            with open(copy, "rb") as fh:
                shutil.copyfileobj(fh, out, 1024 * 1024)
    if is_stdout(target):
        echo_err(_("Backed up the store to standard output"))
    else:
        click.echo(_("Backed up the store to {target}", target=target))


@click.group(name="store", invoke_without_command=True)
@store_options
@click.option("--counts/--no-counts", default=False, help="Also unlock the store and count its contents.")
@format_option("table", "json")
@click.pass_context
def store_info(ctx, counts, fmt):
    """Where the store is, its format and key-derivation settings.

    Prints nothing sensitive. With --counts, unlocks the store and adds the
    numbers of accounts, attributes and log entries. `store migrate` copies
    the store into a new file store or team store; `store upgrade` keys its
    values by this linkcheck's matching rules.

    \b
    Examples:
      linkcheck store
      linkcheck store --counts --format json
      linkcheck store migrate --to postgresql://lc@db.example.com/agency
      linkcheck store upgrade
    """
    if ctx.invoked_subcommand is not None:
        return
    path = current_store_path()
    if isinstance(path, str):
        _team_info(path, counts, fmt)
        return
    info = store_mod.read_info(path)
    data = {
        "path": info.path,
        "format_version": info.format_version,
        "kdf": info.kdf,
        "size_bytes": info.size_bytes,
        "mode": oct(store_mod.file_mode(path)),
    }
    if counts:
        with open_store() as st:
            data["counts"] = st.counts()
            data["keys_version"] = st.keys_version
    if fmt == "json":
        click.echo(render_json(data))
        return
    rows = [
        {"": _("path"), "value": data["path"]},
        {"": _("format version"), "value": data["format_version"]},
        {"": _("key derivation"), "value": ", ".join(f"{k}={v}" for k, v in data["kdf"].items())},
        {"": _("size"), "value": _("{n} bytes", n=f"{data['size_bytes']:,}")},
        {"": _("file mode"), "value": data["mode"]},
    ]
    for key, value in data.get("counts", {}).items():
        rows.append({"": translate(_COUNTS.get(key, key)), "value": value})
    if "keys_version" in data:
        rows.append({"": _("match keys version"), "value": _keys_version_text(data["keys_version"])})
    click.echo(render_rows(rows, "table"))


# The counts' rows as the table names them (JSON keeps these keys).
_COUNTS = {"accounts": N_("accounts"), "attributes": N_("attributes"), "events": N_("events"),
           "explanations": N_("explanations")}


def _keys_version_text(version: int) -> str:
    from ..models import KEYS_VERSION

    if version > KEYS_VERSION:
        return _("{version} (newer than this linkcheck's {current}: upgrade linkcheck)", version=version,
                 current=KEYS_VERSION)
    if version == KEYS_VERSION:
        return _("{version} (this linkcheck's)", version=version)
    return _("{version} (older than this linkcheck's {current}: `linkcheck store upgrade` keys it by today's rules)",
             version=version, current=KEYS_VERSION)


def _team_info(url, counts: bool, fmt: str) -> None:
    from ..store import postgres

    info = postgres.read_info(url)
    data: dict = {"url": url.display, "kind": "team store (PostgreSQL)", "format_version": info["format_version"],
                  "team": info["team"]}
    if counts:
        with open_store() as st:
            data["counts"] = st.counts()
            data["keys_version"] = st.keys_version
            data["member"] = st.member.name
            data["role"] = st.role
            data["members"] = len(st.members())
    if fmt == "json":
        click.echo(render_json(data))
        return
    rows = [{"": key, "value": data[key]} for key in ("url", "kind", "format_version", "team", "member", "role",
                                                      "members") if key in data]
    for key, value in data.get("counts", {}).items():
        rows.append({"": translate(_COUNTS.get(key, key)), "value": value})
    if "keys_version" in data:
        rows.append({"": _("match keys version"), "value": _keys_version_text(data["keys_version"])})
    click.echo(render_rows(rows, "table"))


@store_info.command("migrate")
@store_options
@click.option("--to", "target", required=True, metavar="FILE|URL",
              help="The new store: a file path, or a team store's postgresql:// URL (an empty database).")
@click.option("--member", default=None, metavar="NAME",
              help="Into a team store: your member name as its founder (default: your login name).")
@click.option("--new-passphrase-file", type=click.Path(path_type=Path), default=None,
              help="The new store's passphrase (a team store: your member passphrase) from this file (mode 600). "
              "Otherwise $LINKCHECK_NEW_PASSPHRASE or a prompt.")
@click.option("--salvage", is_flag=True,
              help="From a store refused as damaged, tampered with or rolled back: copy every row that still "
              "verifies on its own and report what is lost (a team store: owners only).")
def migrate_cmd(target, member, new_passphrase_file, salvage):
    """Copy this store into a new one: a file store into a team store, or back.

    Every account with its values and periods, the whole log and every
    explanation are copied, sealed under the new store's key; the store you
    copy from is left as it was. The new store must not exist yet (a team
    store: an empty database). Its passphrase is asked for as `passwd` asks
    for a new one.

    With --salvage, a store that every command refuses (a row deleted,
    added or replaced behind linkcheck's back, or rolled back) is read row by
    row: every row that opens under the store's key is copied, and what is
    missing or unreadable is reported and logged in the new store. An older
    copy of a row also opens: what is salvaged cannot be shown to be the
    newest state. A team store is salvaged by an owner only.

    \b
    Examples:
      linkcheck store migrate --to postgresql://lc@db.example.com/agency --member dana
      linkcheck store migrate --store postgresql://lc@db.example.com/agency --to ~/agency-copy.db
      linkcheck store migrate --salvage --to ~/rescued.db
    """
    from .options import store_location

    destination = store_location(target)
    if not isinstance(destination, str):
        if destination.exists():
            raise UsageError(_("a store already exists at {destination}; refusing to overwrite it", destination=destination))
        if member is not None:
            raise UsageError(_("--member is for a team store (--to postgresql://…)"))
    said = None
    if isinstance(destination, str) and member is None:
        member, said = _founder_name()
    found = None
    with open_store(salvage=salvage) as st:
        if salvage:
            found = st.salvage()
            profiles, events, explanations = found.profiles, found.events, found.explanations
        else:
            profiles, events, explanations = st.profiles(), st.events(), st.explanations()
        keys_version = st.keys_version
        # An explanation names its values by tags keyed by the store: find each tag's match key
        # here, to tag it again under the new store's key.
        key_of_tag = {}
        if any(e.values for e in explanations):
            from ..linkage.explained import value_keys

            key_of_tag = {st.value_tag(k): k for p in profiles for a in p.attributes for k in value_keys(a)}
    new = get_new_passphrase(new_passphrase_file)
    check_new_passphrase(new)
    if isinstance(destination, str):
        from ..store import postgres

        key = postgres.create(destination, new, member)
        opened = postgres.TeamStore.open(destination, key, write=True)
        shown = destination.display
    else:
        store_mod.create(destination, new)
        opened = store_mod.Store.open(destination, new, write=True)
        shown = str(destination)
    del new
    with opened as out:
        out.keep_keys_version(keys_version)  # the values keep their keys: the copy is as old as its source
        keep_event = getattr(out, "add_event_as_is", out.add_event)  # the log keeps who made each entry
        for profile in profiles:
            out.put_profile(profile)
        for event in events:
            keep_event(event)
        for expl in explanations:
            if expl.values:
                expl = replace(expl, values=tuple(sorted({out.value_tag(key_of_tag[t]) for t in expl.values
                                                          if t in key_of_tag})))
            out.put_explanation(expl)
        if found is not None:  # the loss, kept in the new store's log
            from ..models import Event, now

            verdict = ("WHOLE" if found.problem is None else "LOST" if found.lost
                       else "ACCEPTED" if found.whole else "UNVERIFIED")
            out.add_event(Event(now(), "", "salvage", verdict, found.facts()))
    click.echo(_("Copied {accounts:,} account(s), {events:,} log entries and {explanations:,} explanation(s) to {shown}",
                 shown=shown, accounts=len(profiles), events=len(events), explanations=len(explanations)))
    if said is not None:
        echo_err(said)
    if found is not None:
        for line in salvage_lines(found):
            click.echo(line)


@store_info.command("upgrade")
@store_options
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
def upgrade_cmd(dry_run):
    """Key every value by this linkcheck's matching rules, in place.

    When a newer linkcheck matches values by other rules (a new match keys
    version: `linkcheck store --counts` shows the store's), values entered
    before keep the keys they were given and may not meet a value written
    otherwise. This derives every value's normalised form, match keys and
    flags again from the value as written, and records the new version.

    Everything else stays as it is: every account and its appeal case,
    each value as written with its periods, notes and sources, the log
    (checks, captures, health figures) and the explanations (tagged again
    where their values got new keys). Keyed hashes (captured machine IDs,
    2FA secrets, cookies) are kept: the store keeps its key, so they still
    match what `check` computes. All in one transaction: interrupted, the
    store is as it was. The upgrade is logged. A team store: owners only.

    \b
    Examples:
      linkcheck store upgrade --dry-run
      linkcheck store upgrade
    """
    from ..models import KEYS_VERSION
    from ..usecases.upgrade import upgrade
    from .options import setting_value

    context = click.get_current_context()
    context.find_root().meta["linkcheck.keys_noted"] = True  # this command is what the note advises
    with open_store(write=not dry_run) as st:
        role = getattr(st, "role", None)
        if role is not None and role != "owner":
            raise UsageError(_("you are {name}, an {role}: only an owner of the team upgrades its match keys",
                               name=st.member.name, role=translate(role)))
        version = st.keys_version
        if version > KEYS_VERSION:
            raise UsageError(_("this store was written by a newer linkcheck (match keys version {version}, this "
                               "one's {ours}): upgrade linkcheck instead", version=version, ours=KEYS_VERSION))
        if version == KEYS_VERSION:
            click.echo(_("The store's values are already keyed by this linkcheck's rules (match keys version "
                         "{version}); nothing to change.", version=version))
            return
        result = upgrade(st, default_region=setting_value("region"), write=not dry_run)
    for line in upgrade_lines(result, dry_run=dry_run):
        click.echo(line)
    if result.kept:
        echo_err(_("warning: {n:,} value(s) that today's rules refuse kept their old keys ({kinds}): `linkcheck "
                   "account show --reveal` shows them; correct or remove them", n=result.kept,
                   kinds=", ".join(f"{kind} {n:,}" for kind, n in sorted(result.kept_kinds.items()))))


def upgrade_lines(result, *, dry_run: bool = False) -> list[str]:
    """What `store upgrade` did (or would do), for people."""
    counts = {"values": result.values_rekeyed, "total": result.values, "accounts": result.accounts_changed,
              "old": result.old_version, "new": result.new_version}
    if dry_run:
        lines = [_("Dry run, nothing written: upgrading the match keys from version {old} to {new} would key "
                   "{values:,} of {total:,} value(s) again, in {accounts:,} account(s).", **counts)]
    else:
        lines = [_("Upgraded the match keys from version {old} to {new}: {values:,} of {total:,} value(s) keyed "
                   "again by today's rules, in {accounts:,} account(s).", **counts)]
    if result.rekeyed_kinds:
        lines.append(_("Keyed again, by kind: {kinds}", kinds=", ".join(
            f"{kind} {n:,}" for kind, n in sorted(result.rekeyed_kinds.items()))))
    if result.explanations:
        lines.append(_("{n:,} explanation(s) now name their values by the new keys too.", n=result.explanations))
    if not dry_run:
        lines.append(_("Kept as they were: every account and its appeal case, each value as written with its "
                       "periods, notes and sources, the log (checks, captures, health figures) and the "
                       "explanations; {hashed:,} keyed hash(es) (machine IDs, 2FA secrets, cookies) still match "
                       "what `check` computes.", hashed=result.hashed))
    return lines


def _founder_name() -> tuple[str, str | None]:
    """Into a new team store without --member: ask on a terminal (your login name offered),
    else take the login name and say so plainly (the second item: the line to print once the
    store is made)."""
    from ..store import postgres
    from . import options

    default = postgres.default_member_name()
    if options._interactive():
        return str(click.prompt(_("Your member name as the new team's founder"), default=default, err=True)), None
    return default, _("note: the new team store's founder (an owner) is {name}, your login name on this computer; "
                      "without a terminal to ask on, give --member NAME to choose another", name=default)


def salvage_lines(found) -> list[str]:
    """What a salvage found, kept and lost, as lines for people (`store migrate --salvage`,
    `team recover`)."""
    lines = []
    if found.problem is None:
        lines.append(_("The store was whole: every row matched its manifest; nothing is lost."))
        return lines
    lines.append(_("Refused because: {problem}", problem=found.problem))
    words = {"accounts": _("accounts"), "events": _("log entries"), "explanations": _("explanations")}
    missing = found.missing
    for table, word in words.items():
        lines.append(_("{what}: {found:,} verified and kept, {missing:,} missing, {unreadable:,} unreadable (left out)",
                       what=word, found=found.found[table], missing=missing[table],
                       unreadable=found.unreadable[table]))
    if found.expected is None:
        lines.append(_("The manifest could not be read: how many rows are missing is unknown."))
    if found.named_missing:
        lines.append(_("Accounts the log or an explanation names that are missing: {names}",
                       names=", ".join(found.named_missing)))
    if found.removed_yet_here:
        lines.append(_("Accounts the log says were removed that are here again (an older copy put back?): {names}",
                       names=", ".join(found.removed_yet_here)))
    extra = found.extra
    for table, word in words.items():
        if extra[table]:
            lines.append(_("{what}: {count:,} more than the signed manifest counts: put back, or forged by someone "
                           "holding the team key?", what=word, count=extra[table]))
        if found.duplicates[table]:
            lines.append(_("{what}: {count:,} second copies of one row; the newest version of each is kept",
                           what=word, count=found.duplicates[table]))
    if found.older_copies:
        lines.append(_("Accounts that had an older copy too (the newest kept): {names}",
                       names=", ".join(found.older_copies)))
    if found.rows_match and found.whole:
        lines.append(_("Checked: the rows' counts and MAC sums match this state's signed manifest, so nothing of "
                       "this state is missing or extra; what was written after it is not in it."))
    older = getattr(found, "older_than_seen", None)
    if older is None:
        lines.append(_("Not checked, and not checkable here: that each row kept is its newest version. An older copy "
                       "of a row (a backup's, or one the server kept) opens under the key and sums like the newer "
                       "one; nothing this computer keeps shows which. Check the accounts you changed last."))
        return lines
    if older:
        lines.append(_("Accounts older here than this computer last verified (its gate cache): {names}",
                       names=", ".join(older)))
    lines.append(_("Compared with this computer's gate cache (the accounts as a check here last verified them): "
                   "{count:,} older. An account changed since that check, or not in it, could still be an older "
                   "copy: check the accounts you changed last.", count=len(older)))
    return lines


def register(group: click.Group) -> None:
    for command in (init, passwd, backup, store_info):
        group.add_command(command)
