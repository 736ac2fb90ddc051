"""Signing a statement and checking a signed one (issue 11's strict grammar).

A text, Markdown or HTML statement carries one signature block of seven lines, exactly as
`_signature_block` writes it; a JSON statement a "signature" member exactly as
appeal/render.py writes it. Verification tolerates CRLF line endings and the block moved
between whole lines, nothing else."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..i18n import _
from ..crypto import canonical_json, hkdf, signing_key_from_seed
from ..errors import InvalidInput, UsageError

BEGIN_MARK = "-----BEGIN LINKCHECK SIGNATURE-----"
END_MARK = "-----END LINKCHECK SIGNATURE-----"
SIGNATURE_ALGORITHM = "Ed25519"
# Ed25519 signs this prefix plus the SHA-256 of the content, so a signature made for a
# statement can never be replayed as a signature over anything else.
SIGNING_CONTEXT = b"linkcheck-statement-v1\x00"
_BLOCK_FIELDS = ("Algorithm", "Public-Key", "Key-Fingerprint", "Content-SHA256", "Signature")
# What a JSON statement's "signature.covers" says; verify accepts exactly this text.
JSON_COVERS = 'the canonical JSON (sorted keys, no spaces, UTF-8) of this document without "signature"'
_JSON_MEMBERS = {
    "Algorithm": "algorithm",
    "Public-Key": "public_key",
    "Key-Fingerprint": "key_fingerprint",
    "Content-SHA256": "content_sha256",
    "Signature": "signature",
}


# A statement is signed with a key derived for its subject account alone: HKDF-SHA256 of the
# store's statement-signing seed with this prefix and the account name in its info. So the
# statements of two accounts (two clients of one agency) share no key and no fingerprint, while
# the store can derive each account's key again to check a statement it wrote. Statements signed
# before (with the store's own key) still verify against the store.
STATEMENT_KEY_INFO = b"linkcheck/statement-signing/v1\x00"


def account_statement_key(store_signing_key: Ed25519PrivateKey, account: str) -> Ed25519PrivateKey:
    """The Ed25519 key that signs the statements about one account (cryptography's HKDF)."""
    seed = hkdf(store_signing_key.private_bytes_raw(), STATEMENT_KEY_INFO + account.encode("utf-8"))
    return signing_key_from_seed(seed)


class StatementInvalid(InvalidInput):
    """A statement file that is unsigned, altered, or signed by another key (exit 3)."""


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_text(raw: bytes) -> str:
    """How a public key is written everywhere: standard base64 of its 32 raw bytes."""
    return base64.b64encode(raw).decode("ascii")


def fingerprint(raw: bytes) -> str:
    """A short, readable identity for a public key: SHA-256, first 16 hex digits in groups."""
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def parse_public_key(text: str) -> bytes:
    """A public key given as base64 (as `linkcheck pubkey` prints it), hex, or pubkey's JSON."""
    text = (text or "").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("public_key", ""))
        except (ValueError, AttributeError):
            raise UsageError(_("the public key file is JSON without a \"public_key\" member")) from None
    else:
        text = next((line.strip() for line in text.splitlines() if line.strip()), "")
    raw = None
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raw = bytes.fromhex(text)
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise UsageError(_("not an Ed25519 public key: give the base64 (or hex) printed by `linkcheck pubkey`"))
    return raw


def _digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()


def _signature_fields(content: bytes, key: Ed25519PrivateKey) -> dict[str, str]:
    raw = public_key_bytes(key)
    digest = _digest(content)
    return {
        "Algorithm": SIGNATURE_ALGORITHM,
        "Public-Key": public_key_text(raw),
        "Key-Fingerprint": fingerprint(raw),
        "Content-SHA256": digest.hex(),
        "Signature": public_key_text(key.sign(SIGNING_CONTEXT + digest)),
    }


def _signature_block(fields: dict[str, str]) -> str:
    return BEGIN_MARK + "\n" + "".join(f"{k}: {fields[k]}\n" for k in _BLOCK_FIELDS) + END_MARK + "\n"


def sign_text(before: str, after: str, key: Ed25519PrivateKey) -> str:
    """A text, Markdown or HTML statement: its signature block between `before` and `after`,
    signing exactly before + after."""
    content = (before + after).encode("utf-8")
    return before + _signature_block(_signature_fields(content, key)) + after


def json_signature(doc: dict, key: Ed25519PrivateKey) -> dict[str, str]:
    """A JSON statement's "signature" member, signing the canonical JSON of `doc` (without it)."""
    fields = _signature_fields(canonical_json(doc), key)
    return {
        "algorithm": fields["Algorithm"],
        "public_key": fields["Public-Key"],
        "key_fingerprint": fields["Key-Fingerprint"],
        "content_sha256": fields["Content-SHA256"],
        "signature": fields["Signature"],
        "covers": JSON_COVERS,
    }


@dataclass(frozen=True)
class Verification:
    """A statement whose content matches its signature; `authorship` says whether the signer's
    key was checked against an expected one, or only the key embedded in the file was used."""

    format: str
    public_key: str
    fingerprint: str
    content_sha256: str
    authorship: bool


def verify_statement(text: str, expected: bytes | None = None) -> Verification:
    """Check a signed statement; raises StatementInvalid naming the problem.

    Exactly two changes are tolerated, the ones the README documents: line endings converted
    to CRLF, and the signature block moved to another place (between whole lines) in a text,
    Markdown or HTML file. The block itself must be byte for byte what `_signature_block`
    writes; a JSON statement's "signature" member exactly what `render_statement` writes.
    """
    # Mail clients and Windows editors turn LF into CRLF; that changes no word of the statement,
    # so line endings are put back before checking (any other change still fails).
    text = text.replace("\r\n", "\n")
    if text.lstrip().startswith("{"):
        fmt, content, fields = "json", *_split_json(text)
    else:
        fmt, content, fields = _split_block(text)
    if fields["Algorithm"] != SIGNATURE_ALGORITHM:
        raise StatementInvalid(_("the signature block names an unknown algorithm {algorithm!r}", algorithm=fields['Algorithm']))
    embedded = _canonical_base64(fields["Public-Key"], 32)
    signature = _canonical_base64(fields["Signature"], 64)
    if embedded is None or signature is None:
        raise StatementInvalid(_("the signature block is damaged (unreadable key or signature)"))
    digest = _digest(content)
    if fields["Content-SHA256"] != digest.hex():
        raise StatementInvalid(_("the statement's content changed after it was signed (its SHA-256 no longer matches)"))
    try:
        Ed25519PublicKey.from_public_bytes(embedded).verify(signature, SIGNING_CONTEXT + digest)
    except InvalidSignature:
        raise StatementInvalid(_("the signature does not match the content: the signature block was altered")) from None
    if fields["Key-Fingerprint"] != fingerprint(embedded):
        raise StatementInvalid(_("the signature block was altered: its key fingerprint does not match its key"))
    if expected is not None and expected != embedded:
        raise StatementInvalid(
            _("signed by a different key (fingerprint {fingerprint}), not the expected key (fingerprint {expected})", fingerprint=fingerprint(embedded), expected=fingerprint(expected))
        )
    return Verification(fmt, public_key_text(embedded), fingerprint(embedded), digest.hex(), expected is not None)


def store_signer(store, embedded: bytes, text: str) -> str | None:
    """Which of this store's keys signed a statement whose signature block holds `embedded`:
    the store's own key (statements written before keys per account), or the statement key of
    one of its accounts -- those named in the text first, so a large store derives few keys.
    Returns that account's name, None for the store's own key; raises StatementInvalid when it
    is none of them."""
    own = store.signing_key()
    if public_key_bytes(own) == embedded:
        return None
    names = [a.name for a in store.accounts()]
    for name in sorted(names, key=lambda n: n not in text):
        if public_key_bytes(account_statement_key(own, name)) == embedded:
            return name
    raise StatementInvalid(
        _("signed by a different key (fingerprint {fingerprint}): it is neither this store's key nor the statement key of any account in it", fingerprint=fingerprint(embedded))
    )


def _canonical_base64(text: str, size: int) -> bytes | None:
    """`size` bytes written exactly as `public_key_text` writes them, else None.

    A decoder ignores the unused low bits of the last character, so several spellings decode
    to the same bytes; only the one linkcheck writes is accepted, so not one character of a
    signature block can change and still verify.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size and public_key_text(raw) == text else None


_BEGIN_RE = re.compile(rf"^{re.escape(BEGIN_MARK)}$", re.MULTILINE)
_END_RE = re.compile(rf"^{re.escape(END_MARK)}$", re.MULTILINE)


def _split_block(text: str) -> tuple[str, bytes, dict[str, str]]:
    """The content (the text without its block), the format, and the block's fields.

    The block's grammar is fixed: its BEGIN line, the five `Name: value` lines in the order
    `_BLOCK_FIELDS`, its END line, each ending in a newline, starting at the start of a line;
    nothing may be added to it, inside or on its lines.
    """
    begins = [m.start() for m in _BEGIN_RE.finditer(text)]
    ends = [m.end() for m in _END_RE.finditer(text)]
    if not begins and not ends:
        raise StatementInvalid(_("no signature block: this file is not a signed linkcheck statement"))
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise StatementInvalid(_("the signature block is damaged (its BEGIN/END lines are missing or repeated)"))
    start, end = begins[0], ends[0]
    if text[end : end + 1] != "\n":
        raise StatementInvalid(_("the signature block is damaged (its END line must end with a line break)"))
    end += 1
    lines = text[start:end].split("\n")[1:-2]  # between BEGIN and END (the split ends in "")
    if len(lines) != len(_BLOCK_FIELDS):
        raise StatementInvalid(_("the signature block is damaged (unexpected line in it)"))
    fields: dict[str, str] = {}
    for name, line in zip(_BLOCK_FIELDS, lines, strict=True):
        label, sep, value = line.partition(": ")
        if label != name or not sep:
            raise StatementInvalid(_("the signature block is damaged (unexpected line in it)"))
        fields[name] = value
    content = text[:start] + text[end:]
    if text[start:end] != _signature_block(fields):  # the grammar, whole: belt and braces
        raise StatementInvalid(_("the signature block is damaged (it is not exactly as linkcheck writes it)"))
    head = content.lstrip()[:200].lower()
    fmt = "html" if head.startswith("<!doctype html") else "markdown" if head.startswith("# ") else "text"
    return fmt, content.encode("utf-8"), fields


def _split_json(text: str) -> tuple[bytes, dict[str, str]]:
    def no_duplicates(pairs):
        keys = [k for k, _value in pairs]
        if len(keys) != len(set(keys)):
            # json.loads would keep the last of two equal keys; a viewer might show the first.
            raise StatementInvalid(_("the statement's JSON repeats a member name: it was altered"))
        return dict(pairs)

    def no_constants(name):
        raise StatementInvalid(_("the statement's JSON holds {name}, which linkcheck never writes", name=name))

    try:
        doc = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except (ValueError, RecursionError):
        raise StatementInvalid(_("not valid JSON: the statement file was altered or truncated")) from None
    if not isinstance(doc, dict):
        raise StatementInvalid(_("not a linkcheck statement (the JSON is not an object)"))
    signature = doc.pop("signature", None)
    if signature is None:
        raise StatementInvalid(_("no signature block: the JSON has no \"signature\" member"))
    if not isinstance(signature, dict):
        raise StatementInvalid(_("the signature block is damaged (\"signature\" is not an object)"))
    # Every member is one linkcheck writes, each exactly once: the signature covers the rest of
    # the document, so nothing in this member may carry text a reader would take as signed.
    if set(signature) != set(_JSON_MEMBERS.values()) | {"covers"}:
        raise StatementInvalid(_("the signature block is damaged (a member is missing or unexpected)"))
    if signature["covers"] != JSON_COVERS:
        raise StatementInvalid(_("the signature block was altered: its \"covers\" text is not the one linkcheck writes"))
    fields = {}
    for field, member in _JSON_MEMBERS.items():
        value = signature[member]
        if not isinstance(value, str):
            raise StatementInvalid(_("the signature block is damaged (\"{member}\" is not text)", member=member))
        fields[field] = value
    return canonical_json(doc), fields
