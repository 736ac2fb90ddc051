"""The `appeal` command (issue 14): the Plan of Action and its evidence pack."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from ..i18n import N_, _, join_list, translate, os_reason
from .. import i18n
from .. import accounts as book
from .. import health
from ..appeal import case as cases
from ..appeal import pack as packs
from ..appeal import plan as poa
from ..errors import InvalidInput, UsageError
from ..files import FileTooLarge, NotRegularFile, read_capped
from ..linkage.rules import load_rules
from ..store.api import closest_account
from . import options
from .options import echo_err, open_store, rules_option, setting_value, store_options

QUESTIONS = {  # marked N_ so the catalog test asks for their Chinese; asked with _ask(key, …)
    "related": N_("Which of your accounts on file does Amazon's notice say this account is related to?"),
    "notice_date": N_("Date of Amazon's notice (YYYY-MM-DD)"),
    "relationship": N_("How are the accounts related? own, not-owned, agency (ended), agency-ongoing, family, "
                       "former-tenant, shared-service or error (see `linkcheck appeal --help` for what each says)"),
    "reactivated": N_("Date {other} was reactivated (YYYY-MM-DD)", other="{other}"),
    "business_need": N_("The business need for running both accounts, in one or two sentences (Enter to skip)"),
    "authorisation": N_("Amazon's approval of both accounts, as \"YYYY-MM-DD CASE-ID\" (Enter if there was none)"),
    "named": N_("How does Amazon's notice name the related account {other}?", other="{other}"),
    "cause": N_("How did the accounts come to be linked, as far as you know (a former tenant's network, a shared "
                "service provider, an agency, a family member)? One or two sentences (Enter to skip)"),
    "display_name": N_("The store name Amazon knows {name} by (its display name)", name="{name}"),
}


def _question(key: str, **values: str) -> str:
    """A question in the interface language, its placeholders filled in."""
    text = translate(QUESTIONS[key].template)
    return text.format(**values) if values else text


@click.command("appeal")
@store_options
@click.argument("name")
@click.option("--related", "-r", "related", multiple=True, metavar="OTHER",
              help="An account on file that Amazon's notice says NAME is related to: its name, merchant token or display name (repeat for several).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The folder to write the pack to (created; mode 700).")
@click.option("--force", "-f", is_flag=True, help="Replace an earlier pack in the folder without asking.")
@click.option("--notice-date", default=None, metavar="DATE", help="The date of Amazon's notice (YYYY-MM-DD).")
@click.option("--notice-text", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="A text file holding Amazon's notice; kept with the case and shown on the evidence page.")
@click.option("--relationship", type=click.Choice(cases.RELATIONSHIPS), default=None,
              help="How the accounts are related; what the letter then says: own (your business owns the related "
              "account too); not-owned (you do not own, control or access it and have no business relationship with "
              "its company); agency (both used one outside agency, you ended that arrangement and only your own staff "
              "work on your account now); agency-ongoing (both are clients of one agency, which still works on your "
              "account under an agreement in your company's name, with logins for your account alone); family (a "
              "family member runs it as a separate business); former-tenant (you took over the office, and its "
              "equipment, from the business that runs it); shared-service (both use one service provider); error "
              "(you do not know it: the link is a mistake).")
@click.option("--cause", default=None, metavar="TEXT",
              help="How the accounts came to be linked, as far as you know (not-owned): the letter says it after "
              "stating that you do not own the related account.")
@click.option("--cause-zh", default=None, metavar="TEXT",
              help="How the accounts came to be linked, in Chinese, for a Chinese appeal (--lang zh, --bilingual).")
@click.option("--business-need", default=None, metavar="TEXT",
              help="Why you run both accounts (own): separate brands, manufacturing for distinct companies…")
@click.option("--business-need-zh", default=None, metavar="TEXT",
              help="The business need in Chinese, for a Chinese appeal (--lang zh, --bilingual).")
@click.option("--authorisation", default=None, metavar='"DATE CASE-ID"',
              help="Amazon's earlier approval of both accounts: its date and case id.")
@click.option("--reactivated", multiple=True, metavar='"ACCOUNT DATE"',
              help="When an owned related account was reactivated (own; repeat for several).")
@click.option("--lang", type=click.Choice(("en", "zh")), default=None,
              help="The language of the letter to paste on this run, en (plan-of-action.txt) or zh "
              "(plan-of-action.zh.txt), and of exhibits.txt. Default: the marketplace's (English; Chinese for "
              "amazon.cn), with a copy in the `lang` setting's language to read where that differs; a later run "
              "without --lang writes the marketplace's again.")
@click.option("--bilingual/--no-bilingual", default=None,
              help="Write both languages, and a file with each English paragraph followed by its Chinese.")
@rules_option
def appeal_cmd(name, related, output, force, notice_date, notice_text, relationship, cause, cause_zh, business_need,
               business_need_zh, authorisation, reactivated, lang, bilingual, rules_file):
    """Write the appeal pack for account NAME: the Plan of Action and its evidence.

    The pack (a folder, -o DIR) holds plan-of-action.txt, the text to paste
    into the appeal form (plan-of-action.zh.txt in Chinese); exhibits.txt,
    the documents to attach, what each proves and what is still missing;
    evidence.html, the facts behind it for you and your adviser (prints on
    A4); and SHA256SUMS with its signature SHA256SUMS.sig, made with a key
    of this appeal case alone. Check it with `linkcheck verify DIR`.

    The facts the store cannot know (the notice's date, how the accounts are
    related, a reactivation date…) are asked for on a terminal, or given as
    options, and kept with the account as its appeal case, so a re-run asks
    nothing again. Without a terminal a missing fact is an error naming its
    option (exit 2). Where the records contradict the appeal (a bank account
    both accounts still use, say) it says what to do first and exits 1.

    \b
    Examples:
      linkcheck appeal kestrel-us --related marigold-us -o appeal/
      linkcheck appeal kestrel-us -r marigold-us --notice-date 2026-11-20 \\
          --relationship former-tenant --bilingual -o appeal/
      linkcheck appeal acme-us -r acme-de --relationship own --reactivated "acme-de 2026-11-25" -o appeal/
    """
    rules = load_rules(rules_file)
    interactive = options._interactive()
    if output.exists() and not force:
        if not interactive:
            raise UsageError(_("{output} already exists; add --force to replace the pack in it", output=output))
        click.confirm(_("{output} already exists. Replace the pack in it?", output=output), abort=True, err=True)
    notice = _read_notice(notice_text) if notice_text is not None else None
    given = {
        "notice_date": cases.check_day("--notice-date", notice_date) if notice_date else None,
        "relationship": relationship,
        "cause": cases.check_fact("--cause", cause),
        "cause_zh": cases.check_fact("--cause-zh", cause_zh),
        "business_need": cases.check_fact("--business-need", business_need),
        "business_need_zh": cases.check_fact("--business-need-zh", business_need_zh),
        "authorisation": cases.parse_authorisation(authorisation) if authorisation else None,
    }
    reactivations = [cases.parse_reactivated(r) for r in reactivated]
    problem = None
    with open_store(write=True) as st:
        subject = st.profile(name)
        case = cases.AppealCase.from_json(subject.account.appeal_case)
        reader = None
        if lang is None and subject.account.appeal_case is None:
            # A new case is read in the user's language (exhibits.txt, the evidence page, a Chinese
            # companion of the letter); the letter itself is in the marketplace's unless --lang.
            reader = setting_value("lang")
        # --related and --reactivated name accounts as the notice does (a token, a display name)
        # or by their names: the case holds names, so they are read as such first.
        related_named: list[tuple[str, str]] = []
        if related:
            related, related_named = _on_file(st, [r.strip() for r in related if r.strip()])
        if reactivations:
            accounts, _tokens = _on_file(st, [account for account, _day in reactivations])
            reactivations = [(account, day) for account, (_given, day) in zip(accounts, reactivations, strict=True)]
        case = _with_names(_merge(case, name, related, given, notice, reactivations, lang, bilingual), related_named)
        if reader is not None:
            case = replace(case, lang=reader)
        case = _ask_for_what_is_missing(st, case, name, interactive)
        _check_route_options(case, given)
        account = replace(subject.account, appeal_case=case.to_json())
        if not account.display_name and interactive:  # kept as the account's display name
            shown = book.check_identity("display_name", click.prompt(_question("display_name", name=name),
                                                                     err=True))
            account = replace(account, display_name=shown)
        st.put_profile(replace(subject, account=account))
        try:
            langs = poa.letter_languages(case, subject)
            standing = {}
            for code in langs:
                try:
                    standing[code] = health.standing_from_store(st, name, code)
                except UsageError:
                    pass  # no figures recorded: the letter says nothing about health
            plan = poa.build_plan(st, name, case, rules, health=standing)
            files = packs.pack_files(plan, st.events(account=name))
            key = packs.case_key(st.signing_key(), case.case_id_bytes())
        except (poa.CannotAppeal, poa.MissingFact) as exc:
            problem = exc  # the case is kept (this transaction commits); the pack is not written
    if problem is not None:
        raise problem
    packs.write_pack(files, output, case.case_id_bytes(), key, replace=True)
    for warning in plan.warnings:
        echo_err(warning)
    if case.relationship == "not-owned" and not (case.cause or case.cause_zh):  # (said once the pack is written)
        echo_err(_("note: the letter says you do not own, control or access the related account but not how the "
                   "accounts came to be linked; give it with --cause TEXT, or choose the --relationship that says "
                   "it (former-tenant, shared-service, agency, family, error)"))
    click.echo(_("Appeal pack written to {output}", output=output))
    pasted = packs.LETTER_FILES[plan.letter_lang]
    open_items = packs.missing_facts(plan, i18n.catalog("appeal", case.lang), case.lang)
    if open_items:
        # exhibits.txt lists what the records lack: not ready to paste until it is settled
        click.echo(_("  before you send it: exhibits.txt lists {count} open items under \"{title}\"; the first: {first}",
                     count=len(open_items), title=i18n.catalog("appeal", case.lang)("missing_title"),
                     first=open_items[0]) if len(open_items) > 1 else
                   _("  before you send it: exhibits.txt lists one open item under \"{title}\": {first}",
                     title=i18n.catalog("appeal", case.lang)("missing_title"), first=open_items[0]))
    if plan.letter_lang != poa.marketplace_language(subject.account.marketplace):
        # --lang chose a letter in a language the marketplace's reviewers do not read: said plainly
        click.echo(_("  note: --lang {lang} makes {file} the letter to paste, while {marketplace}'s reviewers read "
                     "{language}; to paste the {language} letter and read it in your language, run the appeal "
                     "again without --lang (or with --bilingual)", lang=plan.letter_lang,
                     file=packs.LETTER_FILES[plan.letter_lang], marketplace=subject.account.marketplace,
                     language=_("Chinese") if poa.marketplace_language(subject.account.marketplace) == "zh"
                     else _("English")))
    if len(plan.langs) > 1 and plan.letter_lang == "en":
        # Both letters: the marketplace reads the English one; the Chinese says the same, for you.
        click.echo(_("  paste into the appeal form: plan-of-action.txt (English); plan-of-action.zh.txt says the "
                     "same in Chinese, for your own reading"))
    elif len(plan.langs) > 1:
        click.echo(_("  paste into the appeal form: plan-of-action.zh.txt (Chinese); plan-of-action.txt says the "
                     "same in English, for your own reading"))
    else:
        click.echo(_("  paste into the appeal form: {items}", items=pasted))
    click.echo(_("  attach the documents listed in exhibits.txt; evidence.html holds the facts behind the letter"))
    echo_err(_("Check it with: linkcheck verify {output}", output=output))


def _read_notice(path: Path) -> str:
    try:
        raw = read_capped(path, cases.MAX_NOTICE_CHARS * 4)
    except FileNotFoundError:
        raise UsageError(_("--notice-text: no file {path}", path=path)) from None
    except (NotRegularFile, FileTooLarge):
        raise InvalidInput(_("--notice-text: {path} is not a text file of at most {MAX_NOTICE_CHARS} characters", path=path, MAX_NOTICE_CHARS=cases.MAX_NOTICE_CHARS)) from None
    except OSError as exc:
        raise UsageError(_("--notice-text: cannot read {path}: {value}", path=path, value=os_reason(exc))) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("--notice-text: {path} is not UTF-8 text", path=path)) from None
    text = text.replace("\r\n", "\n").strip()
    if len(text) > cases.MAX_NOTICE_CHARS:
        raise InvalidInput(_("--notice-text: the notice is longer than {MAX_NOTICE_CHARS} characters", MAX_NOTICE_CHARS=cases.MAX_NOTICE_CHARS))
    from ..safetext import check_free_text

    return check_free_text("--notice-text", text)


def _merge(case, name, related, given, notice, reactivations, lang, bilingual):
    if related:
        others = tuple(dict.fromkeys(r.strip() for r in related if r.strip()))
        if name in others:
            raise UsageError(_("{name} cannot be related to itself; drop it from --related", name=name))
        case = replace(case, related=others)
    for key, value in given.items():
        if value is not None:
            case = replace(case, **{key: value})
    if notice is not None:
        case = replace(case, notice_text=notice)
    for account, day in reactivations:
        if account not in case.related:
            raise UsageError(_("--reactivated names {account!r}, which is not one of the --related accounts", account=account))
        case = case.with_reactivated(account, day)
    # The letter to paste is in --lang on this run only, whatever the marketplace's (exhibits.txt and
    # the companion in it too, kept as the case's reading language); a later run without --lang
    # writes the marketplace's language again: one run to read the letter in Chinese never makes
    # the next pack ask for Chinese to be pasted into amazon.com.
    case = replace(case, letter_lang=lang)
    if lang is not None:
        case = replace(case, lang=lang)
    if bilingual is not None:
        case = replace(case, bilingual=bool(bilingual))
    return case


# The facts only one route's letter says: given for another route, they would be dropped unsaid.
_ROUTE_OPTIONS = (("cause", "--cause", "not-owned"), ("cause_zh", "--cause-zh", "not-owned"),
                  ("business_need", "--business-need", "own"), ("business_need_zh", "--business-need-zh", "own"))


def _check_route_options(case, given) -> None:
    for key, option, route in _ROUTE_OPTIONS:
        if given[key] is not None and case.relationship != route:
            raise UsageError(_("{option} is read only when the relationship is {route}, and this appeal's is "
                               "{relationship}: leave {option} out, or give --relationship {route}",
                               option=option, route=route, relationship=case.relationship))


class _Missing:
    """The facts a run without a terminal lacks, told all in one error (each alone as before)."""

    def __init__(self) -> None:
        self.facts: list[tuple[str, str]] = []  # (the error saying it alone, the fact in a list of several)

    def add(self, alone: str, listed: str) -> None:
        self.facts.append((alone, listed))

    def raise_any(self) -> None:
        if len(self.facts) == 1:
            raise UsageError(self.facts[0][0])
        if self.facts:
            raise UsageError(_("the appeal needs {count} facts (no terminal to ask on): {facts}", count=len(self.facts),
                               facts=_("; ").join(listed for _alone, listed in self.facts)))


def _ask_for_what_is_missing(st, case, name, interactive):
    asked_relationship = False
    if not case.related:
        if not interactive:
            raise UsageError(_("the appeal needs the related account named in Amazon's notice: give --related OTHER "
                               "(no terminal to ask on)"))
        case = replace(case, related=(click.prompt(_question("related"), err=True).strip(),))
    case = _related_on_file(st, case, name)
    missing = _Missing()
    if case.notice_date is None:
        if not interactive:
            missing.add(_("the appeal needs the date of Amazon's notice: give --notice-date DATE (no terminal to ask on)"),
                        _("the date of Amazon's notice (--notice-date DATE)"))
        else:
            case = replace(case, notice_date=_prompt_day(_question("notice_date"), "--notice-date"))
    if case.relationship is None:
        if not interactive:
            choices = "|".join(cases.RELATIONSHIPS)
            missing.add(_("the appeal needs how the accounts are related: give --relationship {choices} "
                          "(no terminal to ask on)", choices=choices),
                        _("how the accounts are related (--relationship {choices})", choices=choices))
        else:
            case = replace(case, relationship=click.prompt(_question("relationship"),
                                                           type=click.Choice(cases.RELATIONSHIPS), show_choices=False,
                                                           err=True))
            asked_relationship = True
    if case.relationship == "own":
        for other in case.related:
            # Amazon asks for the owned account to be reactivated first only where it was deactivated.
            if case.reactivated_on(other) is None and poa.deactivated_on_record(st, other):
                if not interactive:
                    missing.add(_("the appeal needs the date {other} was reactivated (Amazon asks you to "
                                  "reactivate an account you own first): give --reactivated \"{other} DATE\" "
                                  "(no terminal to ask on)", other=other),
                                _("the date {other} was reactivated (--reactivated \"{other} DATE\")", other=other))
                    continue
                case = case.with_reactivated(other, _prompt_day(_question("reactivated", other=other),
                                                                "--reactivated"))
        if asked_relationship and interactive:
            need = cases.check_fact("--business-need", click.prompt(_question("business_need"), default="",
                                                                     show_default=False, err=True))
            if need:
                case = replace(case, business_need=need)
            approval = click.prompt(_question("authorisation"), default="", show_default=False, err=True).strip()
            if approval:
                case = replace(case, authorisation=cases.parse_authorisation(approval))
    if case.relationship == "not-owned" and not (case.cause or case.cause_zh):
        # Amazon asks how the accounts became linked; "we do not own it" alone does not say.
        if interactive:
            cause = cases.check_fact("--cause", click.prompt(_question("cause"), default="", show_default=False,
                                                             err=True))
            if cause:
                case = replace(case, cause=cause)
    for other in case.related:
        account = st.profile(other).account
        if case.name_in_notice(other) or account.display_name or account.merchant_token:
            continue
        if not interactive:
            missing.add(_("how does Amazon's notice name the related account {other!r}? Set it with `linkcheck account set {other} --display-name NAME`", other=other),
                        _("how Amazon's notice names {other} (`linkcheck account set {other} --display-name NAME`)",
                          other=other))
            continue
        shown = cases.check_fact("the related account's name",
                                 click.prompt(_question("named", other=other), err=True))
        if shown:
            case = case.with_name(other, shown)
    if not interactive and not st.profile(name).account.display_name and missing.facts:
        # (alone, the letter's own check says it: poa.build_plan)
        missing.add(_("account {name!r} has no display name; give the store name Amazon knows it by with `linkcheck account set {name} --display-name NAME`", name=name),
                    _("the store name Amazon knows {name} by (`linkcheck account set {name} --display-name NAME`)",
                      name=name))
    missing.raise_any()
    return case


def _related_on_file(st, case, name: str):
    """The case with each related account as named on file (`_on_file`); a token given is
    kept as the name the notice used, for the letter (a display name is what it uses anyway)."""
    if all(st.has_account(other) for other in case.related):
        return case
    resolved, named = _on_file(st, case.related)
    if name in resolved:
        raise UsageError(_("{name} cannot be related to itself; drop it from --related", name=name))
    return _with_names(replace(case, related=tuple(dict.fromkeys(resolved))), named)


def _with_names(case, named: list[tuple[str, str]]):
    """The case knowing how the notice names each account given by its token (unless it knew)."""
    for account, shown in named:
        if not case.name_in_notice(account):
            case = case.with_name(account, shown)
    return case


def _on_file(st, given) -> tuple[list[str], list[tuple[str, str]]]:
    """Each of `given` as the account on file it names: by its name first, else by a merchant
    token (any case) or display name, as Amazon's notice names an account -- (the names, and
    (name, token as on file) for each given by its token). A name matching none, or several,
    is refused saying so."""
    if all(st.has_account(other) for other in given):
        return list(given), []
    by_token: dict[str, list[str]] = {}
    by_display: dict[str, list[str]] = {}
    token_of: dict[str, str] = {}
    displays: dict[str, str] = {}  # folded -> as entered
    for account in st.accounts():
        if account.merchant_token:
            by_token.setdefault(account.merchant_token.casefold(), []).append(account.name)
            token_of[account.name] = account.merchant_token
        if account.display_name:
            by_display.setdefault(account.display_name.casefold(), []).append(account.name)
            displays.setdefault(account.display_name.casefold(), account.display_name)
    resolved, named = [], []
    for other in given:
        if st.has_account(other):
            resolved.append(other)
            continue
        by_its_token = by_token.get(other.casefold())
        found = by_its_token or by_display.get(other.casefold()) or []
        if len(found) > 1:
            raise UsageError(_("{other!r} names several accounts on file ({items}); give the account's name instead",
                               other=other, items=join_list(found)))
        if not found:
            guess = closest_account(st, other)
            if guess is not None:
                raise UsageError(_("no account named {other!r} (did you mean {guess}?), and no account has it as its "
                                   "merchant token or display name", other=other, guess=guess))
            shown = _closest_display_name(other, by_display, displays)
            if shown is not None:  # a typo in the store name Amazon knows it by ("LUMIVAO Hom")
                display, (account,) = shown
                raise UsageError(_("no account named {other!r}, and no account has it as its merchant token or display "
                                   "name (did you mean {display}, the display name of {name}?)", other=other,
                                   display=display, name=account))
            raise UsageError(_("no account named {other!r}, and no account has it as its merchant token or display "
                               "name; `linkcheck account list` shows the accounts on file", other=other))
        resolved.append(found[0])
        if by_its_token:  # the letter names it as the notice did: by its token, as on file
            named.append((found[0], token_of[found[0]]))
    return resolved, named


def _closest_display_name(given: str, by_display: dict[str, list[str]],
                          displays: dict[str, str]) -> tuple[str, list[str]] | None:
    """The display name closest to `given` (any case) that one account has -- (that display name
    as entered, [the account]) -- or None."""
    import difflib

    close = difflib.get_close_matches(given.casefold(), list(by_display), n=1, cutoff=0.75)
    if not close or len(by_display[close[0]]) != 1:
        return None
    return displays[close[0]], by_display[close[0]]


def _prompt_day(question: str, option: str) -> str:
    while True:
        answer = click.prompt(question, err=True)
        try:
            return cases.check_day(option, answer)
        except InvalidInput as exc:
            echo_err(exc.message)


def register(group: click.Group) -> None:
    group.add_command(appeal_cmd)
