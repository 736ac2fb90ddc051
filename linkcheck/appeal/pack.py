"""The appeal pack (issue 14): a folder holding the Plan of Action to paste, the exhibit list, the
evidence page, and a detached signature over all of them.

SHA256SUMS lists every file of the pack with its SHA-256 (the format `sha256sum -c` reads);
SHA256SUMS.sig signs that list with an Ed25519 key derived for the appeal case alone: HKDF-SHA256
of the store's statement-signing seed with the case's random id in its info. So the packs of two
cases (two clients of one agency, say) share no key and no fingerprint, while the store can
derive each case's key again to check a pack it wrote. The text to paste carries no signature.
`verify_pack` fails on any file added, missing or changed by one byte.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..i18n import _, os_reason
from .. import i18n
from ..crypto import hkdf, signing_key_from_seed
from ..errors import UsageError
from ..models import Profile, is_current, periods_of
from ..pages import csp_hash, page_template
from ..registry import kinds
from ..registry.regions import marketplace_in
from . import plan as poa
from .statement import half_width
from .signing import StatementInvalid, _canonical_base64, fingerprint, public_key_bytes, public_key_text

SUMS = "SHA256SUMS"
LETTER_FILES = {"en": "plan-of-action.txt", "zh": "plan-of-action.zh.txt"}
SIGNATURE = "SHA256SUMS.sig"
BEGIN_MARK = "-----BEGIN LINKCHECK APPEAL PACK SIGNATURE-----"
END_MARK = "-----END LINKCHECK APPEAL PACK SIGNATURE-----"
ALGORITHM = "Ed25519"
# The signature covers this prefix, the case id and the SHA-256 of SHA256SUMS: it can never be
# replayed as a statement's signature, nor moved to another case's pack.
SIGNING_CONTEXT = b"linkcheck-appeal-pack-v1\x00"
KEY_INFO = b"linkcheck/appeal-case-signing/v1\x00"
_FIELDS = ("Algorithm", "Case", "Public-Key", "Key-Fingerprint", "Content-SHA256", "Signature")
_SUM_LINE = re.compile(r"([0-9a-f]{64})  ([A-Za-z0-9][A-Za-z0-9._-]*)")
MAX_PACK_FILE_BYTES = 20 * 1024 * 1024
# Kinds the evidence page leaves out: stored only as keyed hashes, meaningless to a reader.
HIDDEN_KINDS = frozenset({"totp_secret", "cookie"})


def case_key(store_signing_key: Ed25519PrivateKey, case_id: bytes) -> Ed25519PrivateKey:
    """The Ed25519 key of one appeal case: HKDF-SHA256 of the store's signing seed, with the case
    id in its info (cryptography's HKDF; nothing hand-rolled)."""
    return signing_key_from_seed(hkdf(store_signing_key.private_bytes_raw(), KEY_INFO + case_id))


# ---------------------------------------------------------------------------------------------
# The exhibit list


def exhibits_text(plan: poa.Plan, lang: str) -> str:
    words = i18n.catalog("appeal", lang)
    _, ex = poa.compose(plan, lang)
    # The files are named as the letter to paste cites them (Exhibit 1 in an English letter), in
    # whatever language this list is read.
    cited = "" if plan.letter_lang == lang else "_" + plan.letter_lang
    out = [words("exhibits_title", account=plan.shown), "", words("exhibits_intro" + cited), ""]
    for n, key in enumerate(ex.keys, 1):
        out += [words("exhibit_heading" + cited, n=n, title=ex.words(words, key)),
                "  " + words("proves", text=ex.words(words, key, "_proves")),
                "  " + words("highlight", text=ex.words(words, key, "_highlight")), ""]
    out += [words("checklist_title"), "", words("checklist_intro"), ""]
    out += [words("checklist_item" + cited, n=n, title=ex.words(words, key)) for n, key in enumerate(ex.keys, 1)]
    out += ["", words("missing_title"), ""]
    missing = missing_facts(plan, words, lang)
    out += missing or [words("missing_none")]
    return "\n".join(out) + "\n"


def missing_facts(plan: poa.Plan, words: i18n.Catalog, lang: str) -> list[str]:
    acc = plan.subject.account
    name = acc.name
    out = []
    if not acc.merchant_token:
        out.append(words("missing_token", account=plan.shown, name=name))
    if not acc.legal_name_en and (lang == "en" or plan.case.bilingual):
        out.append(words("missing_legal_en", name=name))
    if not acc.legal_name_local and (lang == "zh" or plan.case.bilingual):
        out.append(words("missing_legal_local", name=name))
    if not plan.deactivation_on_record:
        out.append(words("missing_status", account=plan.shown, name=name))
    if not plan.case.notice_text:
        out.append(words("missing_notice"))
    for r in plan.related:
        for item in r.items:
            # A link the letter admits as still in place, with no step taken and no explanation: an
            # open item before the letter is sent, not a fact on record.
            if item.until is None and item.their_until is None and not item.explained:
                shared_kind, raw = sorted(item.values)[0]
                # a domain is named by the words themselves; anything else by its masked value
                key = "missing_open_domain" if item.group == "email_domain" else "missing_open"
                out.append(words(key, what=poa.thing(words, "same_", item), other=r.shown, name=name,
                                 name2=r.name, value=_open_value(item, shared_kind, raw), kind=shared_kind))
    staffing = plan.staffing
    if staffing is not None and plan.case.relationship not in ("own", "agency-ongoing"):
        # a claim about staff or computers the letter leaves out, and why (plan.Staffing)
        log_others = [s.other for s in staffing.log]
        for gap in (staffing.staff_gap, staffing.computers_gap):
            if gap is None:
                continue
            others = {"staff_elsewhere": staffing.logins_elsewhere, "computers_elsewhere": staffing.computers_elsewhere,
                      "staff_log": [s.other for s in staffing.log if s.same_member],
                      "computers_log": log_others}.get(gap, ())
            out.append(words("missing_" + gap, name=name, others=poa._join(words, list(others))))
        if staffing.network_elsewhere:
            out.append(words("missing_network_elsewhere", name=name,
                             others=poa._join(words, list(staffing.network_elsewhere))))
    for claim in plan.not_kept_on_record:
        out.append(words("missing_kept_" + claim, accounts=poa._join(words, [name, *(r.name for r in plan.related)])))
    for item in plan.retired:
        kind = poa.REPLACEMENT_KIND.get(item.group)
        if kind and not plan.followed(item):  # nothing of its kind begun since is on record
            what = poa.thing(words, "the_", item)
            out.append(words("missing_new", what=what, date=poa.day_words(item.until, lang),  # type: ignore[arg-type]
                             name=name, kind=kind))
    return out


def _open_value(item: poa.Item, kind: str, raw: str) -> str:
    """A shared value as exhibits.txt names it, masked as `account show` masks it: an email
    domain as itself, an IP address by its network (198.51.100.x), a financial number by its last
    four digits."""
    if item.group in poa.LAST_FOUR and not item.domain:
        return "…" + item.last4
    return kinds.mask(kind, raw)


# ---------------------------------------------------------------------------------------------
# The evidence page


def _style_text() -> str:
    css = (resources.files(__package__) / "static" / "evidence.css").read_text(encoding="utf-8")
    return "\n" + css.rstrip("\n") + "\n"


_STYLE_TEXT = _style_text()
# The same policy as the statement page: no script, nothing fetched, only its own style by hash.
EVIDENCE_CSP = (
    "default-src 'none'; script-src 'none'; "
    f"style-src {csp_hash(_STYLE_TEXT)}; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)


# A proxy's rotation link holds its key (`?token=...`), a proxy its user name: the page is
# handed to an adviser and attached to an appeal, so it names where they point, never the
# secret (2FA secrets and cookies, kept as hashes, are left out: HIDDEN_KINDS).
_CREDENTIALS = frozenset({"proxy_account", "totp_secret", "cookie"})
_USERINFO = re.compile(r"(?<=://)[^@/]*@")


def shown_value(kind: str, value: str, normalized: str, lang: str) -> str:
    """A value as entered; a financial number by its last four digits, as Seller Central shows it;
    a credential by its mask, a proxy without its user name; full-width letters and digits (typed
    with a Chinese input method) in their normal width, as a statement shows them."""
    if kind in _CREDENTIALS:
        return kinds.mask(kind, normalized, value)
    if kind == "proxy":
        return _USERINFO.sub("", normalized, count=1)
    if kind in ("bank_account", "card", "payment_account", "id_number"):
        if poa._email_domain(normalized):  # an account known by its email address: masked as elsewhere
            return kinds.mask(kind, normalized)
        last4 = poa._last4(normalized)
        return f"尾号{last4}" if lang == "zh" else f"ending in {last4}"
    return half_width(value)


def _label(kind: str, lang: str, flags: tuple[str, ...] = ()) -> str:
    entry = kinds.KINDS[kind]
    if lang == "zh" and kind == "registration_number" and "country:CN" in flags:
        return "统一社会信用代码"  # a Chinese company's number is called so on its licence, not 注册号
    return entry.label_zh if lang == "zh" else entry.label


def _span(since: int, until: int | None, words: i18n.Catalog, lang: str, given: bool = True) -> str:
    """A period of use; a start nobody gave (the day the value was recorded) is said to be that."""
    if not given:
        if until is None:
            return words("ev_recorded", since=poa.day_words(since, lang))
        return words("ev_recorded_until", since=poa.day_words(since, lang), until=poa.day_words(until, lang))
    if until is None:
        return words("ev_since", since=poa.day_words(since, lang))
    return words("ev_from_until", since=poa.day_words(since, lang), until=poa.day_words(until, lang))


def evidence_html(plan: poa.Plan, lang: str, events=()) -> str:
    from markupsafe import Markup

    words = i18n.catalog("appeal", lang)
    acc = plan.subject.account
    case = plan.case
    sections = []
    meta = [(words("ev_display_name"), plan.shown)]
    for field, label in (("merchant_token", "ev_merchant_token"), ("legal_name_en", "ev_legal_name_en"),
                         ("legal_name_local", "ev_legal_name_local"), ("marketplace", "ev_marketplace")):
        if getattr(acc, field):
            shown = getattr(acc, field)
            meta.append((words(label), marketplace_in(shown, lang) if field == "marketplace" else shown))
    sections.append(_section(words("ev_account"), meta=meta))
    notice = [(words("ev_notice_date"), poa.day_words(case.notice_date or date.today().isoformat(), lang))]
    notice += [(words("ev_related"), r.shown) for r in plan.related]
    notice.append((words("ev_relationship"), words("rel_" + (case.relationship or "not-owned").replace("-", "_"))))
    sections.append(_section(words("ev_notice"), meta=notice))
    rows = []
    for a in plan.subject.attributes:
        if a.kind in HIDDEN_KINDS or a.kind in poa.BUSINESS_KINDS:
            continue
        spans = "; ".join(_span(s, u, words, lang, poa.start_given(a, s)) for s, u, _ in periods_of(a))
        rows.append([_label(a.kind, lang, a.flags), shown_value(a.kind, a.value, a.normalized, lang), spans])
    if rows:
        sections.append(_section(words("ev_identifiers"), intro=words("ev_identifiers_intro"),
                                 headers=[words("ev_kind"), words("ev_value"), words("ev_in_use")], table=rows))
    sections.append(_section(words("ev_timeline"), headers=[words("ev_date"), words("ev_event")],
                             table=timeline(plan, words, lang, events)))
    business = []
    for kind in poa.BUSINESS_KINDS:
        values = (plan.business_on_file or plan.business).get(kind) or ()
        if values:
            business.append((_label(kind, lang), ("、" if lang == "zh" else ", ").join(values)))
    if business:
        sections.append(_section(words("ev_business"), meta=business))
    if plan.health.get(lang):
        sections.append(_section(words("ev_health"), paras=[poa.spelled(plan, lang, plan.health[lang])]))
    if case.notice_text:
        sections.append(_section(words("ev_notice_text"), pre=case.notice_text))
    return page_template(__package__, "evidence.html.j2").render(
        html_lang="zh-Hans" if lang == "zh" else "en", csp=Markup(EVIDENCE_CSP), style=Markup(_STYLE_TEXT),
        title=words("ev_title", account=plan.shown), lead=words("ev_lead"), sections=sections)


def _section(heading, *, intro=None, meta=(), headers=(), table=(), paras=(), pre=None) -> dict:
    return {"heading": heading, "intro": intro, "meta": list(meta), "headers": list(headers), "table": list(table),
            "paras": list(paras), "pre": pre}


def timeline(plan: poa.Plan, words: i18n.Catalog, lang: str, events=()) -> list[list[str]]:
    """The dated story: what stopped and began being used, status changes, Amazon's decisions."""
    subject: Profile = plan.subject
    entries: list[tuple[str, str]] = []
    retired = [p[1] for a in subject.attributes for p in periods_of(a) if p[1] is not None]
    first_end = min(retired) if retired else None
    for a in subject.attributes:
        if a.kind in HIDDEN_KINDS or a.kind in poa.BUSINESS_KINDS:
            continue
        what = f"{_label(a.kind, lang, a.flags)} {shown_value(a.kind, a.value, a.normalized, lang)}"
        for since, until, _rest in periods_of(a):
            if first_end is not None and since >= first_end and is_current(a) and poa.start_given(a, since):
                entries.append((poa.day_of(since).isoformat(), words("tl_started", what=what)))
            if until is not None:
                entries.append((poa.day_of(until).isoformat(), words("tl_retired", what=what)))
    for e in events:
        if e.action == "status":
            entries.append((poa.day_of(e.when).isoformat(), words("tl_status", status=e.verdict)))
    case = plan.case
    if case.notice_date:
        entries.append((case.notice_date, words("tl_notice")))
    if case.authorisation:
        entries.append((case.authorisation[0], words("tl_authorised", case_id=case.authorisation[1])))
    for r in plan.related:
        if r.reactivated:
            entries.append((r.reactivated, words("tl_reactivated", other=r.shown)))
    return [[poa.day_words(day, lang), text] for day, text in sorted(entries, key=lambda e: e[0])]


# ---------------------------------------------------------------------------------------------
# Writing and signing the folder


def pack_files(plan: poa.Plan, events=()) -> dict[str, str]:
    """File name -> text of every file of the pack but the checksums and their signature."""
    case = plan.case
    files = {}
    # The letter in the marketplace's language (or --lang's), and in the seller's own language
    # where that differs, for reading: the CLI says which one to paste.
    for lang in sorted(plan.langs):
        files[LETTER_FILES[lang]] = poa.letter(plan, lang)
    if case.bilingual:
        files["plan-of-action.bilingual.txt"] = poa.bilingual(plan)
    files["exhibits.txt"] = exhibits_text(plan, case.lang)
    files["evidence.html"] = evidence_html(plan, case.lang, events)
    return files


def sums_text(contents: dict[str, bytes]) -> str:
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(contents.items()))


def _signature_fields(sums: bytes, case_id: bytes, key: Ed25519PrivateKey) -> dict[str, str]:
    raw = public_key_bytes(key)
    digest = hashlib.sha256(sums).digest()
    return {"Algorithm": ALGORITHM, "Case": case_id.hex(), "Public-Key": public_key_text(raw),
            "Key-Fingerprint": fingerprint(raw), "Content-SHA256": digest.hex(),
            "Signature": public_key_text(key.sign(SIGNING_CONTEXT + case_id + digest))}


def _signature_text(fields: dict[str, str]) -> str:
    return BEGIN_MARK + "\n" + "".join(f"{k}: {fields[k]}\n" for k in _FIELDS) + END_MARK + "\n"


def write_pack(files: dict[str, str], out: Path, case_id: bytes, key: Ed25519PrivateKey, *, replace: bool) -> None:
    """Write the pack to OUT whole or not at all: into a new folder beside it, then moved into place
    (an earlier pack at OUT is replaced only with `replace`)."""
    contents = {name: text.encode("utf-8") for name, text in files.items()}
    sums = sums_text(contents).encode("utf-8")
    contents[SUMS] = sums
    contents[SIGNATURE] = _signature_text(_signature_fields(sums, case_id, key)).encode("utf-8")
    if out.exists() and not replace:
        raise UsageError(_("{out} already exists; add --force to replace the pack in it", out=out))
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / SIGNATURE).is_file())):
        raise UsageError(_("{out} exists and is not an appeal pack; choose a new folder", out=out))
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    try:
        partial.mkdir(mode=0o700)
        for name, data in contents.items():
            fd = os.open(str(partial / name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        if out.exists():
            os.replace(out, old)
        os.replace(partial, out)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise UsageError(_("cannot write {out}: {value}", out=out, value=os_reason(exc))) from None
    shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class PackVerification:
    files: tuple[str, ...]
    case_id: str
    public_key: str
    fingerprint: str
    public_key_raw: bytes


def verify_pack(folder: Path) -> PackVerification:
    """Check that FOLDER is an appeal pack exactly as written: every file listed in SHA256SUMS with
    its hash, no file added or missing, and SHA256SUMS signed by the key in SHA256SUMS.sig.
    Who holds that key is the caller's question. Raises StatementInvalid (exit 3) naming the problem."""
    present = sorted(p.name for p in folder.iterdir())
    if SUMS not in present or SIGNATURE not in present:
        raise StatementInvalid(_("{folder} is not an appeal pack: it has no {sums} and {signature}", folder=folder, sums=SUMS, signature=SIGNATURE))
    for name in present:
        path = folder / name
        if path.is_symlink() or not path.is_file():
            raise StatementInvalid(_("the pack holds {name!r}, which is not a regular file: it was altered", name=name))
        if path.stat().st_size > MAX_PACK_FILE_BYTES:
            raise StatementInvalid(_("the pack's file {name!r} is larger than any file linkcheck writes: it was altered", name=name))
    sums = (folder / SUMS).read_bytes()
    fields = _read_signature((folder / SIGNATURE).read_bytes())
    try:
        case_id = bytes.fromhex(fields["Case"])
    except ValueError:
        raise StatementInvalid(_("the pack's signature is damaged (unreadable case id)")) from None
    public = _canonical_base64(fields["Public-Key"], 32)
    signature = _canonical_base64(fields["Signature"], 64)
    if public is None or signature is None or fields["Algorithm"] != ALGORITHM or len(case_id) < 16:
        raise StatementInvalid(_("the pack's signature is damaged (unreadable key or signature)"))
    digest = hashlib.sha256(sums).digest()
    if fields["Content-SHA256"] != digest.hex():
        raise StatementInvalid(_("{file} changed after the pack was signed", file=SUMS))
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, SIGNING_CONTEXT + case_id + digest)
    except InvalidSignature:
        raise StatementInvalid(_("the pack's signature does not match: SHA256SUMS or its signature was altered")) from None
    if fields["Key-Fingerprint"] != fingerprint(public):
        raise StatementInvalid(_("the pack's signature was altered: its key fingerprint does not match its key"))
    listed = _read_sums(sums)
    extra = sorted(set(present) - set(listed) - {SUMS, SIGNATURE})
    if extra:
        raise StatementInvalid(_("the pack holds a file it was not signed with: {extra}", extra=extra[0]))
    for name, expected in listed.items():
        path = folder / name
        if not path.is_file():
            raise StatementInvalid(_("the pack's file {name} is missing", name=name))
        if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            raise StatementInvalid(_("the pack's file {name} changed after it was signed", name=name))
    return PackVerification(tuple(listed), case_id.hex(), public_key_text(public), fingerprint(public), public)


def _read_signature(raw: bytes) -> dict[str, str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StatementInvalid(_("{file} is damaged (not text)", file=SIGNATURE)) from None
    lines = text.split("\n")
    if len(lines) != len(_FIELDS) + 3 or lines[0] != BEGIN_MARK or lines[-2] != END_MARK or lines[-1] != "":
        raise StatementInvalid(_("{file} is damaged (it is not exactly as linkcheck writes it)", file=SIGNATURE))
    fields = {}
    for name, line in zip(_FIELDS, lines[1:-2], strict=True):
        label, sep, value = line.partition(": ")
        if label != name or not sep:
            raise StatementInvalid(_("{file} is damaged (unexpected line in it)", file=SIGNATURE))
        fields[name] = value
    if _signature_text(fields) != text:
        raise StatementInvalid(_("{file} is damaged (it is not exactly as linkcheck writes it)", file=SIGNATURE))
    return fields


def _read_sums(raw: bytes) -> dict[str, str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise StatementInvalid(_("{file} is damaged (not text)", file=SUMS)) from None
    if not text.endswith("\n"):
        raise StatementInvalid(_("{file} is damaged (no final line break)", file=SUMS))
    listed: dict[str, str] = {}
    for line in text[:-1].split("\n"):
        m = _SUM_LINE.fullmatch(line)
        if m is None or m.group(2) in listed or m.group(2) in (SUMS, SIGNATURE):
            raise StatementInvalid(_("{file} is damaged (a line is not as linkcheck writes it)", file=SUMS))
        listed[m.group(2)] = m.group(1)
    if list(listed) != sorted(listed):
        raise StatementInvalid(_("{file} is damaged (its files are out of order)", file=SUMS))
    return listed


def store_case_public_key(store, case_id: str) -> bytes | None:
    """The public key of the store's appeal case with this id, or None when no account holds it."""
    from .case import AppealCase

    for profile in store.iter_profiles():
        text = profile.account.appeal_case
        if text and f'"case_id":"{case_id}"' in text and AppealCase.from_json(text).case_id == case_id:
            return public_key_bytes(case_key(store.signing_key(), bytes.fromhex(case_id)))
    return None
