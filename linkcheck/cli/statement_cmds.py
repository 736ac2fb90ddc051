"""Commands for appeals: statement, explain, verify, pubkey."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..i18n import _, join_list
from ..appeal import render, signing
from ..appeal import statement as stmt
from ..appeal.signing import StatementInvalid
from ..errors import UsageError
from ..models import iso
from ..linkage.rules import load_rules
from ..usecases import verify
from .options import (
    PASSPHRASE_ENV,
    current_store_path,
    echo_err,
    agent_key,
    open_store,
    rules_option,
    setting_value,
    store_options,
)
from .output import confirm_overwrite, format_option, is_stdout, output_option, render_json, render_rows, write_output

@click.command("statement")
@store_options
@click.argument("name")
@click.option(
    "--against",
    "-a",
    "against",
    multiple=True,
    required=True,
    metavar="OTHER",
    help="An account to show NAME is separate from (repeat for several).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(stmt.FORMATS, case_sensitive=False),
    default=None,
    help="Output format; html is a complete page that prints on A4. Default: from the -o file's "
    "extension (.html, .md, .json, else text).",
)
@click.option(
    "--lang",
    type=click.Choice(stmt.LANGS, case_sensitive=False),
    default=lambda: setting_value("lang"),
    show_default="en",
    help="Language: en or zh (Simplified Chinese). Default: the `lang` setting.",
)
@output_option(help="Write the statement to this file instead of standard output.")
@click.option(
    "--disclose",
    is_flag=True,
    help="Write the statement even though identifiers are shared without an explanation, listing them openly.",
)
@click.option(
    "--operator",
    default=None,
    metavar="NAME",
    help="The operator's business name for the heading (default: the `operator` setting, else NAME's recorded "
    "company name).",
)
@click.option(
    "--include-notes",
    is_flag=True,
    help="Also quote the accounts' notes under 'Controls in place' (they are private by default).",
)
@rules_option
def statement_cmd(name, against, fmt, lang, output, force, disclose, operator, include_notes, rules_file):
    """Write a signed separation statement: the internal fact sheet.

    It shows both accounts' values side by side, which only someone who runs
    both could write: keep it for yourself and your adviser. To appeal, send
    the pack `linkcheck appeal` writes.

    Compares account NAME with each --against account across every recorded
    identifier and writes the evidence in the structure appeal reviewers
    expect: heading, summary, an evidence table (values side by side,
    distinct or shared), the login environment history from pre-login checks,
    business separation, the controls in place, and a closing. NAME's own
    values are shown as entered (bank, card and payment accounts by their
    last four digits); the other accounts' values are masked, and two
    different values that would look alike carry different marks.

    The statement never claims an independence the records contradict: if
    the accounts share any identifier, it exits 1 naming each one, unless
    every shared kind has an explanation (`linkcheck explain`) or --disclose
    is given; the shared identifiers are then listed in a section of their
    own. Every statement is signed with a key derived for account NAME
    (`linkcheck pubkey --account NAME` prints it); check it with
    `linkcheck verify`.

    \b
    Examples:
      linkcheck statement lotus-jp --against nordic-de
      linkcheck statement lotus-jp -a nordic-de --format html -o appeal.html
      linkcheck statement lotus-jp -a nordic-de --format markdown --lang zh -o 说明.md
      linkcheck statement acme-us -a acme-de --disclose --operator "Acme Home LLC"
    """
    rules = load_rules(rules_file)
    if is_stdout(output):
        output = None
    if output is not None:
        confirm_overwrite(output, force)  # before the passphrase and the work
    fmt = (fmt or _format_for(output)).lower()
    lang = lang.lower()
    operator = operator or setting_value("operator")
    with open_store() as st:
        statement = stmt.build_statement(
            st, name, list(against), rules=rules, disclose=disclose, lang=lang, operator=operator,
            include_notes=include_notes,
        )
        text = render.render_statement(statement, fmt, signing.account_statement_key(st.signing_key(), name))
    unexplained = [s for s in statement.shared if s.explanation is None]
    if unexplained:
        if len(unexplained) == 1:
            echo_err(_("note: one shared identifier disclosed without an explanation; record why with `linkcheck explain {name} OTHER KIND --note TEXT`", name=name))
        else:
            echo_err(_("note: {n} shared identifiers disclosed without an explanation; record why with `linkcheck explain {name} OTHER KIND --note TEXT`", n=len(unexplained), name=name))
    if output is None:
        click.echo(text, nl=False)
        return
    write_output(output, text, force=True)
    echo_err(_("Statement written to {output} ({fmt}, {lang}, signed). Check it with: linkcheck verify {output}", output=output, fmt=fmt, lang=lang))


def _format_for(output: Path | None) -> str:
    """The statement format an output file's name asks for (text when it says nothing)."""
    suffix = output.suffix.lower() if output is not None else ""
    return {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json"}.get(
        suffix, "text"
    )


@click.command("explain")
@store_options
@click.argument("name", required=False)
@click.argument("other", required=False)
@click.argument("kind", required=False, metavar="KIND")
@click.option("--note", default=None, help="Why the two accounts legitimately share this kind of value.")
@click.option("--note-zh", default=None, help="The same explanation in Chinese, for a Chinese appeal (--lang zh).")
@click.option("--value", "values", multiple=True, metavar="VALUE",
              help="The value explained, any spelling (repeatable); default: the values of KIND the two share now.")
@click.option("--all-holders", is_flag=True,
              help="Explain --value for every account holding it (a value shared by many: an agency's office IP); "
                   "give KIND alone: `explain --all-holders ip --value 203.0.113.7 --note TEXT`.")
@click.option("--list", "list_", is_flag=True, help="List the recorded explanations (of NAME, if given).")
@format_option()
def explain_cmd(name, other, kind, note, note_zh, values, all_holders, list_, fmt):
    """Record why NAME and OTHER legitimately share values of KIND.

    For example a coworking office's network, or an agency's shared
    logistics contract. The explanation is dated and sealed in the store,
    shown by `audit` beside the finding, and lets `statement` disclose the
    shared value with its explanation instead of refusing. It covers the
    values of KIND the two share now (or those named with --value), never
    another value they come to share later: that one needs its own
    explanation. Recording it again for the same values replaces the note.
    KIND is an attribute kind (email, ip, mac, ...) or a finer facet
    (ip_network, email_domain). An appeal quotes the note in its language:
    --note in English, --note-zh in Chinese. A value shared by more accounts
    than `hub_size` (an agency's office IP) is explained for every account
    holding it with --all-holders.

    \b
    Examples:
      linkcheck explain harbor-au cedar-us ip --note "Both teams work from the Hub coworking space"
      linkcheck explain harbor-au cedar-us ip --value 203.0.113.7 --note "The Hub coworking space's line"
      linkcheck explain acme-us acme-de company_name --note "Same parent; separate subsidiaries"
      linkcheck explain kestrel-us marigold-us ip --note "Both offices are in the Hub coworking space" \\
          --note-zh "两家公司都在Hub联合办公空间办公"
      linkcheck explain --all-holders ip --value 203.0.113.7 --note "Our agency's office line"
      linkcheck explain --list
      linkcheck explain --list acme-us --format json
    """
    if list_:
        if other is not None or kind is not None or note is not None or note_zh is not None or values or all_holders:
            raise UsageError(_("--list takes at most one account name (and no KIND or --note)"))
        with open_store() as st:
            if name is not None and not st.has_account(name):
                raise UsageError(_("no account named {name!r}; `linkcheck account list` shows the accounts on file", name=name))
            explanations = [e for e in st.explanations() if name is None or name in e.accounts or e.every_holder]
        rows = [
            {"accounts": (_("every account holding the values") if fmt == "table" else "") if e.every_holder
             else " / ".join(e.accounts),
             **({} if fmt == "table" else {"all_holders": e.every_holder}),
             "kind": e.kind, "note": e.note, "recorded": iso(e.when),
             **({"note_zh": e.note_zh} if e.note_zh else {}),
             "values": (list(e.shown) if fmt == "json" else join_list(e.shown)) if e.values is not None
             else (None if fmt == "json" else _("those on record then"))}
            for e in sorted(explanations, key=lambda e: (e.accounts, e.kind, e.when))
        ]
        columns = ["accounts", "kind", "note", *(["note_zh"] if any("note_zh" in r for r in rows) else []),
                   "values", "recorded"]
        if fmt == "table" and not rows:
            click.echo(_("No explanations recorded. Add one with `linkcheck explain NAME OTHER KIND --note TEXT`."))
            return
        click.echo(render_rows(rows, fmt, columns))
        return
    if all_holders:
        if other is not None or kind is not None or name is None:
            raise UsageError(_("--all-holders explains named values for every account holding them: give KIND and "
                               "--value VALUE (e.g. `linkcheck explain --all-holders ip --value 203.0.113.7 --note TEXT`)"))
        name, kind = None, name
    elif name is None or other is None or kind is None:
        raise UsageError(_("give NAME OTHER KIND (e.g. `linkcheck explain acme-us acme-de ip --note ...`), or --list"))
    if note is None or not note.strip():
        raise UsageError(
            _("an explanation needs --note TEXT saying why the accounts share this value (a statement will quote it)")
        )
    with open_store(write=True) as st:
        explanation, shown = stmt.record_explanation(st, name, other, kind, note, note_zh=note_zh, values=values,
                                                     rules=load_rules(None))
    kind = explanation.kind
    from ..appeal.plan import note_warnings

    for warning in note_warnings(explanation.note, explanation.note_zh):  # before an appeal refuses the note
        echo_err(warning)
    if fmt == "json":
        click.echo(
            render_json(
                {"accounts": [] if explanation.every_holder else list(explanation.accounts), "kind": kind,
                 "note": explanation.note, **({"note_zh": explanation.note_zh} if explanation.note_zh else {}),
                 "values": list(shown), "recorded": iso(explanation.when)}
            )
        )
        return
    if explanation.every_holder:
        click.echo(_("Recorded why every account holding this {kind} value shares it: {values}.", kind=kind,
                     values=join_list(shown)))
    else:
        click.echo(_("Recorded why {accounts} and {accounts2} share {kind}.", accounts=explanation.accounts[0], accounts2=explanation.accounts[1], kind=kind))
        click.echo(_("It covers {values}; another {kind} value they come to share needs its own explanation.",
                     values=join_list(shown), kind=kind))


@click.command("pubkey")
@store_options
@click.option("--account", "account", default=None, metavar="NAME",
              help="Print the key that signs the statements about account NAME.")
@format_option("text", "json", default="text", help="text: the key alone (base64); json: key, hex and fingerprint.")
def pubkey_cmd(account, fmt):
    """Print a public key for checking this store's statements.

    Each statement is signed with an Ed25519 key derived for its account
    (NAME in `linkcheck statement NAME`) from the store's signing key, so
    the statements of two accounts share no key; the private halves never
    leave the store. `--account NAME` prints that account's key: give it to
    whoever receives NAME's statements, and `linkcheck verify FILE --pubkey
    KEY` then proves the statement came from you and is unchanged. Without
    --account it prints the store's own key, which signed the statements
    written before keys per account.

    \b
    Examples:
      linkcheck pubkey --account lotus-jp
      linkcheck pubkey --account lotus-jp > lotus-jp.pub
      linkcheck pubkey --account lotus-jp --format json
      linkcheck pubkey
    """
    with open_store() as st:
        if account is None:
            raw = signing.public_key_bytes(st.signing_key())
        elif not st.has_account(account):
            raise UsageError(_("no account named {account!r}; `linkcheck account list` shows the accounts on file", account=account))
        else:
            raw = signing.public_key_bytes(signing.account_statement_key(st.signing_key(), account))
    if fmt.lower() == "json":
        click.echo(
            render_json(
                {
                    "algorithm": signing.SIGNATURE_ALGORITHM,
                    **({"account": account} if account is not None else {}),
                    "public_key": signing.public_key_text(raw),
                    "public_key_hex": raw.hex(),
                    "fingerprint": signing.fingerprint(raw),
                }
            )
        )
        return
    click.echo(signing.public_key_text(raw))
    echo_err(_("fingerprint: {fingerprint}", fingerprint=signing.fingerprint(raw)))


def _passphrase_available() -> bool:
    ctx = click.get_current_context()
    return bool(
        ctx.meta.get("linkcheck.passphrase_file") is not None or os.environ.get(PASSPHRASE_ENV) or sys.stdin.isatty()
        or agent_key(current_store_path()) is not None
    )


def _store_public_key(text: str, found: dict) -> bytes:
    """The key of this store that signed the statement `text`: its own key (older statements) or
    the statement key of one of its accounts (named in found["account"]). A statement that fails
    its own integrity check is checked against the store's key, so that problem is reported."""
    try:
        embedded = signing.parse_public_key(signing.verify_statement(text).public_key)
    except StatementInvalid:
        embedded = None
    with open_store() as st:
        if embedded is None:
            return signing.public_key_bytes(st.signing_key())
        found["account"] = signing.store_signer(st, embedded, text)
        return embedded


@click.command("verify")
@store_options
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--pubkey", "pubkey_text", default=None, metavar="KEY", help="The signer's public key (base64 or hex).")
@click.option(
    "--pubkey-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file holding the signer's public key (as written by `linkcheck pubkey`).",
)
@format_option("text", "json", default="text", help="Output format of the result.")
@click.option(
    "--integrity-only",
    is_flag=True,
    help="Without a key: succeed when the file is unchanged, even though who signed it is not checked.",
)
def verify_cmd(file, pubkey_text, pubkey_file, fmt, integrity_only):
    """Check that a statement FILE, or an appeal pack folder, is unchanged and who signed it.

    Exits 0 when not one character of the statement changed since it was
    signed and it was signed by the given key (--pubkey / --pubkey-file) or,
    without one, by this store: the statement key of one of its accounts,
    or the store's own key (statements written before keys per account).
    Exits 3 naming the problem otherwise:
    content changed, signed by a different key, no signature block, or a
    block that is not exactly the seven lines linkcheck writes (nothing may
    be added in or on it). Tolerated: CRLF line endings, and the block moved
    to another place between whole lines.

    Without a key and without this store's passphrase, only the file's
    integrity can be checked (against the key written in the file itself),
    not who signed it -- anyone can re-sign an edited file with a key of
    their own -- so that exits 3 too, unless --integrity-only.

    An appeal pack (a folder written by `linkcheck appeal`) verifies when
    every file is listed in its SHA256SUMS with its hash, none is added or
    missing, and SHA256SUMS.sig signs the list with its case's key: the key
    this store derives for that appeal case, or the one given with --pubkey.

    \b
    Examples:
      linkcheck verify appeal-pack/
      linkcheck verify appeal.html
      linkcheck verify appeal.md --pubkey 4fTq2k...=
      linkcheck verify appeal.json --pubkey-file lotus-jp.pub --format json
    """
    verify.check_key_options(pubkey_text, pubkey_file)
    if file.is_dir():
        _verify_pack(file, pubkey_text, pubkey_file, fmt, integrity_only)
        return
    text = verify.read_statement(file)
    found: dict = {}
    store_key = (lambda: _store_public_key(text, found)) if current_store_path().exists() and _passphrase_available() else None
    given = pubkey_text is not None or pubkey_file is not None
    source = verify.GIVEN if given else verify.STORE if store_key is not None else verify.NONE
    try:
        signer = verify.choose_signer(pubkey_text, pubkey_file, store_key)
        outcome = verify.verify_text(text, signer, integrity_only=integrity_only)
    except StatementInvalid as exc:
        if fmt.lower() == "json":
            click.echo(render_json({"valid": False, "file": str(file), "problem": exc.message, "key": source}))
        raise
    result = outcome.verification
    if fmt.lower() == "json":
        click.echo(
            render_json(
                {
                    # Without a key, not valid (exit 3) unless --integrity-only asked for no more.
                    "valid": outcome.valid,
                    "file": str(file),
                    "format": result.format,
                    "content_sha256": result.content_sha256,
                    "public_key": result.public_key,
                    "key_fingerprint": result.fingerprint,
                    "key": source,
                    "authorship_checked": result.authorship,
                    **({"signer_account": found["account"]} if found.get("account") else {}),
                }
            )
        )
    else:
        if source == verify.GIVEN:
            click.echo(_("OK: the statement is unchanged and signed by the given key."))
        elif source == verify.STORE and found.get("account"):
            click.echo(_("OK: the statement is unchanged and signed by the statement key of account {found} in this store.", found=found['account']))
        elif source == verify.STORE:
            click.echo(_("OK: the statement is unchanged and signed by this store's key."))
        elif integrity_only:
            click.echo(_("OK (integrity only): the statement is unchanged since it was signed."))
        else:
            click.echo(_("NOT VERIFIED: the statement is unchanged since it was signed, but who signed it was not checked."))
        click.echo(_("  format:           {format}", format=result.format))
        click.echo(_("  content SHA-256:  {content_sha256}", content_sha256=result.content_sha256))
        click.echo(_("  key fingerprint:  {fingerprint}", fingerprint=result.fingerprint))
    if not result.authorship:
        echo_err(
            _("warning: only integrity was checked, not authorship: the file was checked against the key written in it, which anyone could replace with their own. Give the signer's key with --pubkey KEY.")
        )
    verify.require_authorship(outcome)


def _verify_pack(folder: Path, pubkey_text, pubkey_file, fmt, integrity_only) -> None:
    """`verify DIR`: an appeal pack, checked against the given key or its case's key in this store."""
    from ..appeal import pack as packs

    def case_key() -> bytes | None:
        with open_store() as st:
            return packs.store_case_public_key(st, result.case_id)

    try:
        result = packs.verify_pack(folder)
        store_key = case_key if current_store_path().exists() and _passphrase_available() else None
        signer = verify.choose_signer(pubkey_text, pubkey_file, None)
        source = signer.source
        expected = signer.key
        if expected is None and store_key is not None:
            expected = store_key()
            if expected is None:
                raise StatementInvalid(_("the pack is intact, but no appeal case in this store signed it; give the signer's key with --pubkey"))
            source = verify.STORE
        if expected is not None and expected != result.public_key_raw:
            raise StatementInvalid(_("signed by a different key (fingerprint {fingerprint}), not the expected key (fingerprint {fingerprint2})", fingerprint=result.fingerprint, fingerprint2=signing.fingerprint(expected)))
    except StatementInvalid as exc:
        if fmt.lower() == "json":
            click.echo(render_json({"valid": False, "file": str(folder), "problem": exc.message}))
        raise
    authorship = expected is not None
    valid = authorship or integrity_only
    if fmt.lower() == "json":
        click.echo(render_json({"valid": valid, "file": str(folder), "format": "appeal-pack", "files": list(result.files),
                                "case": result.case_id, "public_key": result.public_key,
                                "key_fingerprint": result.fingerprint, "key": source,
                                "authorship_checked": authorship}))
    else:
        if source == verify.GIVEN:
            click.echo(_("OK: the appeal pack is complete, unchanged and signed by the given key."))
        elif source == verify.STORE:
            click.echo(_("OK: the appeal pack is complete, unchanged and signed by its appeal case's key in this store."))
        elif integrity_only:
            click.echo(_("OK (integrity only): the appeal pack is complete and unchanged since it was signed."))
        else:
            click.echo(_("NOT VERIFIED: the appeal pack is complete and unchanged since it was signed, but who signed it was not checked."))
        click.echo(_("  files:            {n}", n=len(result.files)))
        click.echo(_("  key fingerprint:  {fingerprint}", fingerprint=result.fingerprint))
    if not authorship:
        echo_err(_("warning: only integrity was checked, not authorship: the pack was checked against the key written in it, which anyone could replace with their own. Give the signer's key with --pubkey KEY."))
        if not integrity_only:
            raise StatementInvalid(_("not verified: who signed the pack was not checked (give --pubkey, or --integrity-only)"))


def register(group: click.Group) -> None:
    for command in (statement_cmd, explain_cmd, verify_cmd, pubkey_cmd):
        group.add_command(command)
