"""Team members: their keys, their key files, and what they sign (the team store's trust).

A member's secret is one random 32-byte seed; HKDF derives from it an X25519 key (the team's
master key is wrapped to it, `crypto.X25519Recipient`) and an Ed25519 key (it signs the
member's writes). The seed lives in the member's key file on their own computer, wrapped by a
key derived from their own passphrase (`crypto.PassphraseRecipient`: Argon2id, as the file
store's header). The file also pins the team's founder (the Ed25519 key every member record
chains to) and remembers the highest manifest counter this member has seen, so a server
that rolls the team store back is refused.

Signed statements (canonical JSON, a domain prefix, Ed25519):

- a member record -- team, name, role, both public keys, signing owner -- signed by an owner
  (the founder's own by itself); a record counts only if it chains to the founder. The team
  key wrapped to the member is not part of it (it changes at each re-key and is bound to the
  key epoch by its own associated data);
- the member list -- the digest of every record -- signed by the owner who last changed it;
- the team manifest -- team, counter (generation), key epoch, a digest of the sealed row
  manifest and of the member records, writing member -- signed by the member who wrote.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..i18n import N_, _, translate, os_reason
from .. import crypto
from ..errors import InvalidInput, PassphraseError, StoreBusy, StoreDamaged, UsageError

ROLES = ("owner", "operator", "auditor")
# The roles and a member's states as shown to people (tables, messages): values stay English.
ROLE_WORDS = (N_("owner"), N_("operator"), N_("auditor"))
STATUS_WORDS = (N_("member"), N_("joined, not confirmed"), N_("invited"))
WRITERS = ("owner", "operator")
MEMBER_FILE_FORMAT = 1
MEMBER_FILE_SUFFIX = ".member"
INVITATION_PREFIX = "linkcheck-invite:"
_RECORD_DOMAIN = b"linkcheck-team-member/v1|"
_MANIFEST_DOMAIN = b"linkcheck-team-manifest/v1|"
_ROSTER_DOMAIN = b"linkcheck-team-roster/v1|"
_RESTORE_DOMAIN = b"linkcheck-team-restore/v1|"
_RESTORE_DOMAIN_V2 = b"linkcheck-team-restore/v2|"


def check_member_name(name: str) -> str:
    ok = 1 <= len(name) <= 64 and all(ch.isalnum() or ch in "-_." for ch in name)
    if not ok:
        raise UsageError(_("member name {name!r} is not allowed: use 1-64 letters, digits, '-', '_' or '.'", name=name))
    return name


# ----- keys ------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class MemberKey:
    """A member's unlocked key file: what `Store.open` of a team store takes in place of the
    passphrase once it is derived (as `StoreKey` for a file store)."""

    path: Path
    team: str
    name: str
    founder: bytes
    seed: bytes = field(repr=False)

    def __repr__(self) -> str:  # never print the key
        return f"MemberKey({self.name!r}, <hidden>)"

    @property
    def x25519(self) -> crypto.X25519Identity:
        return crypto.X25519Identity(X25519PrivateKey.from_private_bytes(crypto.hkdf(self.seed, b"linkcheck/member/x25519")))

    @property
    def ed25519(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(crypto.hkdf(self.seed, b"linkcheck/member/ed25519"))

    def public_keys(self) -> tuple[bytes, bytes]:
        return self.x25519.public, self.ed25519.public_key().public_bytes_raw()

    def seen_mac(self, seen: dict) -> str:
        key = crypto.hkdf(self.seed, b"linkcheck/member/seen")
        return hashlib.blake2b(crypto.canonical_json(seen), key=key, digest_size=32).hexdigest()


def fingerprint(x25519: bytes, ed25519: bytes) -> str:
    """What an owner compares with the new member by another channel: 20 hex digits in fives."""
    digest = hashlib.sha256(b"linkcheck-member-fingerprint|" + x25519 + ed25519).hexdigest()[:20]
    return "-".join(digest[i : i + 5] for i in range(0, 20, 5))


def member_file_path(team: str) -> Path:
    """Where this computer keeps its member key file for a team: the config folder."""
    from ..settings import config_dir

    return config_dir() / "team" / f"{team}{MEMBER_FILE_SUFFIX}"


def _file_ad(team: str, name: str, kdf_json: str) -> bytes:
    return f"linkcheck-member-file|{MEMBER_FILE_FORMAT}|{team}|{name}|".encode() + kdf_json.encode()


def new_member_file(team: str, name: str, founder: bytes | None, passphrase: str) -> MemberKey:
    """Create this computer's key file for `name` in `team` (refuses to overwrite one).
    `founder` None: this member is the founder (their own Ed25519 key is pinned)."""
    path = member_file_path(team)
    seed = crypto.new_master_key()
    key = MemberKey(path, team, name, b"", seed)
    if founder is None:
        founder = key.public_keys()[1]
    key = MemberKey(path, team, name, founder, seed)
    params = crypto.calibrate_kdf()
    kdf_json = json.dumps(params.to_json(), sort_keys=True)
    wrapped = crypto.PassphraseRecipient(params, passphrase=passphrase).wrap(seed, _file_ad(team, name, kdf_json))
    seen = {"generation": 0, "epoch": 0, "digest": ""}
    data = {"format": MEMBER_FILE_FORMAT, "team": team, "name": name, "founder": founder.hex(), "kdf": kdf_json,
            "wrapped": wrapped.hex(), "seen": seen, "seen_mac": key.seen_mac(seen)}
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(_("a member key file for this team already exists at {path}; refusing to overwrite it", path=path)) from None
    except OSError as exc:
        raise StoreBusy(_("cannot write the member key file {path}: {strerror}", path=path, strerror=os_reason(exc))) from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def _read_member_file(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise PassphraseError(
            _("no member key file for this team store on this computer ({path}); ask an owner for an "
              "invitation and redeem it with `linkcheck team join`", path=path)
        ) from None
    except (OSError, ValueError):
        raise StoreDamaged(_("the member key file {path} is damaged or cannot be read", path=path)) from None
    if not isinstance(data, dict) or data.get("format") != MEMBER_FILE_FORMAT:
        raise StoreDamaged(_("the member key file {path} is damaged or of a newer format", path=path))
    return data


def unlock_member_file(team: str, passphrase: str) -> MemberKey:
    """The member key for `team`, unwrapped with the member's passphrase (exit 4 when wrong)."""
    path = member_file_path(team)
    data = _read_member_file(path)
    try:
        name, kdf_json = str(data["name"]), str(data["kdf"])
        params = crypto.KdfParams.from_json(json.loads(kdf_json))
        wrapped, founder = bytes.fromhex(data["wrapped"]), bytes.fromhex(data["founder"])
    except (KeyError, TypeError, ValueError, crypto.Damaged):
        raise StoreDamaged(_("the member key file {path} is damaged", path=path)) from None
    if data.get("team") != team:
        raise StoreDamaged(_("the member key file {path} belongs to another team", path=path))
    identity = crypto.PassphraseIdentity.derive(passphrase, params)
    try:
        seed = identity.unwrap(wrapped, _file_ad(team, name, kdf_json))
    except crypto.WrongKey:
        raise PassphraseError(_("wrong passphrase for your member key file (or the file was altered)")) from None
    except crypto.Damaged:
        raise StoreDamaged(_("the member key file {path} is damaged", path=path)) from None
    return MemberKey(path, team, name, founder, seed)


def rewrap_member_file(key: MemberKey, new_passphrase: str) -> None:
    """`passwd` on a team store: the member key file under a new passphrase (written whole)."""
    with _locked(key.path):
        data = _read_member_file(key.path)
        params = crypto.calibrate_kdf().at_least(crypto.KdfParams.from_json(json.loads(data["kdf"])))
        kdf_json = json.dumps(params.to_json(), sort_keys=True)
        wrapped = crypto.PassphraseRecipient(params, passphrase=new_passphrase).wrap(
            key.seed, _file_ad(key.team, key.name, kdf_json))
        data.update(kdf=kdf_json, wrapped=wrapped.hex())
        _replace_file(key.path, data)


@contextlib.contextmanager
def _locked(path: Path):
    """Serialise this computer's processes updating one member key file (a lock file beside it)."""
    import fcntl

    fd = os.open(str(path.with_name(path.name + ".lock")), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _replace_file(path: Path, data: dict) -> None:
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    fd = os.open(str(partial), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, path)


def read_seen(path: Path) -> tuple[object, object]:
    """The newest team manifest this computer has seen (and its MAC, checked later by
    `check_seen` once the member key is unlocked). Read before the command's transaction
    begins: any state seen by then was committed before its snapshot, so the snapshot must
    be at least as new."""
    with _locked(path) if path.exists() else contextlib.nullcontext():
        data = _read_member_file(path)
    return data.get("seen"), data.get("seen_mac")


def seen_order(seen: dict) -> tuple[int, int]:
    """A team manifest's place in time: (restores, counter). An owner's accepted restore
    (`team recover`) starts a new series: any counter of it is newer than every counter of the
    series before."""
    return int(seen.get("restores", 0)), int(seen["generation"])


def check_seen(key: MemberKey, seen_before: tuple[object, object], generation: int, epoch: int, digest: str,
               restores: int = 0, owner: bool = False, acceptance: dict | None = None) -> None:
    """Refuse a team manifest older than (or forked from) the newest this computer had seen
    before the transaction began: the server cannot roll the store back past that. `restores`:
    how many restores owners have accepted in the manifest's series (its record verified by
    the caller: an owner's signature the server cannot make). `acceptance`: that record
    (`verify_restore` checked it). `owner`: the message says what this member can do about it."""
    seen = checked_seen(key, seen_before)
    seen_restores = int(seen.get("restores", 0))
    if restores > seen_restores:
        # An owner accepted this state (`team recover`): it supersedes the older series -- but
        # not below a key epoch this computer saw, unless the owner signed that lower epoch
        # (and was warned: every member it lists holds its key again).
        signed_epoch = (acceptance or {}).get("epoch")
        if epoch < int(seen.get("epoch", 0)) and signed_epoch is None:
            raise StoreDamaged(rolled_back_message(generation, seen, owner))
        # It must descend from the acceptance this computer saw: each acceptance signs the ids of
        # every acceptance it follows (`lineage`), so a second series that an owner accepted once
        # more (a fork, then one `DELETE` and another `team recover`) is not taken for a newer state.
        if seen.get("acceptance") and seen["acceptance"] not in followed(acceptance):
            raise StoreDamaged(
                _("the team store is forked: its acceptance number {restores} does not follow the acceptance this "
                  "computer saw, so the server showed owners different states; an owner compares with the others "
                  "and accepts one with `linkcheck team recover`", restores=restores) if owner else
                _("the team store is forked: its acceptance number {restores} does not follow the acceptance this "
                  "computer saw, so the server showed owners different states; tell an owner of the team, who "
                  "compares with the others and accepts one with `linkcheck team recover`", restores=restores))
        return
    if restores < seen_restores or generation < seen["generation"] or epoch < seen["epoch"]:
        raise StoreDamaged(rolled_back_message(generation, seen, owner))
    if restores and seen.get("acceptance") and acceptance_id(acceptance) != seen["acceptance"]:
        raise StoreDamaged(
            _("the team store is forked: two different acceptances carry one number ({restores}), so the server "
              "showed owners different states; an owner compares with the others and accepts one with "
              "`linkcheck team recover`", restores=restores) if owner else
            _("the team store is forked: two different acceptances carry one number ({restores}), so the server "
              "showed owners different states; tell an owner of the team, who compares with the others and "
              "accepts one with `linkcheck team recover`", restores=restores))
    if generation == seen["generation"] and seen["digest"] and digest != seen["digest"]:
        raise StoreDamaged(
            _("the team store was tampered with: two different states carry one counter; an owner can salvage what "
              "still verifies with `linkcheck team recover`") if owner else
            _("the team store was tampered with: two different states carry one counter; tell an owner of the team, "
              "who can salvage what still verifies with `linkcheck team recover`"))


def acceptance_id(record: dict | None) -> str:
    """What names one acceptance (`team recover`) for good: its number and the random nonce its
    owner signed (kept when a later owner signs it again after removing the first)."""
    if not record:
        return ""
    return hashlib.sha256(crypto.canonical_json(
        {"restores": record.get("restores"), "nonce": record.get("nonce", f"legacy-{record.get('generation')}")})).hexdigest()


def followed(record: dict | None) -> list[str]:
    """The ids of the acceptances an acceptance signed that it follows ([]: none, or a record
    from before linkcheck signed them, which then cannot follow one a computer saw)."""
    follows = (record or {}).get("follows")
    if not isinstance(follows, list) or not all(isinstance(x, str) for x in follows):
        return []
    return list(follows)


def lineage(record: dict | None, seen: dict | None = None) -> list[str]:
    """What a new acceptance follows: the acceptance the accepted state carries, with every one
    it follows, and the acceptance this owner's computer saw last, with every one that follows
    (`remember` keeps them), each id once, oldest first."""
    ids = followed(record) + ([acceptance_id(record)] if record else [])
    if seen and seen.get("acceptance"):
        ids += followed(seen) + [str(seen["acceptance"])]
    return list(dict.fromkeys(ids))


def checked_seen(key: MemberKey, seen_before: tuple[object, object]) -> dict:
    """The record of the newest team manifest this computer had seen, its MAC checked."""
    seen, mac = seen_before
    if not isinstance(seen, dict) or mac != key.seen_mac(seen):
        raise StoreDamaged(_("the member key file {path} was altered (its record of the team's counter)", path=key.path))
    return seen


def rolled_back_message(generation: int, seen: dict, owner: bool) -> str:
    if owner:
        return _("the team store was rolled back: its counter is {generation}, but this computer has seen {seen}; "
                 "the server is hiding changes, or a backup was restored: if you restored one, accept it with "
                 "`linkcheck team recover`", generation=generation, seen=seen["generation"])
    return _("the team store was rolled back: its counter is {generation}, but this computer has seen {seen}; "
             "the server is hiding changes, or a backup was restored: tell an owner of the team, who accepts a "
             "restored backup with `linkcheck team recover`", generation=generation, seen=seen["generation"])


def remember(key: MemberKey, generation: int, epoch: int, digest: str, restores: int = 0,
             acceptance: str = "", follows: list[str] | None = None) -> None:
    """Keep this team manifest as the newest seen, unless a newer one is kept already (another
    command of this member may have committed or read a newer state meanwhile). `when` keeps
    the time this computer first saw it (`team recover` shows it)."""
    import time

    with _locked(key.path):
        data = _read_member_file(key.path)
        seen = data.get("seen")
        if not isinstance(seen, dict) or data.get("seen_mac") != key.seen_mac(seen):
            raise StoreDamaged(_("the member key file {path} was altered (its record of the team's counter)", path=key.path))
        now, before = (restores, generation), seen_order(seen)
        if now < before or (now == before and seen["digest"]):
            return
        seen = {"generation": generation, "epoch": epoch, "digest": digest, "when": int(time.time())}
        if restores:
            seen["restores"] = restores
        if acceptance:
            seen["acceptance"] = acceptance
            if follows:
                seen["follows"] = list(follows)
        data.update(seen=seen, seen_mac=key.seen_mac(seen))
        _replace_file(key.path, data)


# ----- signed member records and manifests ---------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str
    role: str
    x25519: bytes
    ed25519: bytes
    epoch: int
    by: str
    signature: bytes
    wrapped: bytes

    def payload(self, team: str) -> bytes:
        return _RECORD_DOMAIN + crypto.canonical_json(
            {"team": team, "name": self.name, "role": self.role, "x25519": self.x25519.hex(),
             "ed25519": self.ed25519.hex(), "by": self.by})

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.x25519, self.ed25519)


def sign_member(team: str, member: Member, owner: MemberKey) -> Member:
    """The record signed by `owner` (its `by` set to the owner's name)."""
    unsigned = dataclasses.replace(member, by=owner.name, signature=b"")
    return dataclasses.replace(unsigned, signature=owner.ed25519.sign(unsigned.payload(team)))


def _verify(public: bytes, signature: bytes, payload: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, payload)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verified_members(team: str, founder: bytes, members: list[Member], epoch: int) -> dict[str, Member]:
    """The member records that chain to the founder through owners' signatures, each holding
    the team key of the manifest's key epoch; anything else on the server (a record no owner
    signed, an altered role) is damage. A removed member's record put back is caught by the
    signed team manifest, which covers the digest of every record."""
    damaged = StoreDamaged(_("the team store was tampered with: a member record is not signed by an owner of the team"))
    by_name: dict[str, Member] = {}
    for member in members:
        if member.name in by_name or member.epoch != epoch or member.role not in ROLES:
            raise damaged
        by_name[member.name] = member
    valid: dict[str, Member] = {}
    founders = [m for m in members if m.ed25519 == founder and m.by == m.name and m.role == "owner"]
    if len(founders) != 1 or not _verify(founder, founders[0].signature, founders[0].payload(team)):
        raise StoreDamaged(_("the team store was tampered with: the founder's member record is missing or altered"))
    valid[founders[0].name] = founders[0]
    grew = True
    while grew:
        grew = False
        for member in members:
            if member.name in valid:
                continue
            signer = valid.get(member.by)
            if signer is not None and signer.role == "owner" and _verify(signer.ed25519, member.signature,
                                                                           member.payload(team)):
                valid[member.name] = member
                grew = True
    if len(valid) != len(members):
        raise damaged
    return valid


def members_digest(team: str, members: dict[str, Member]) -> str:
    parts = [members[name].payload(team) + b"|" + members[name].signature for name in sorted(members)]
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


def roster_payload(team: str, members: str) -> bytes:
    """What an owner signs whenever the member list changes: the digest of every record."""
    return _ROSTER_DOMAIN + crypto.canonical_json({"team": team, "members": members})


def verify_roster(members: dict[str, Member], payload: bytes, by: str, signature: bytes) -> None:
    """The member list as a whole must be one an owner signed: a member who may write but not
    manage members (an operator) cannot drop a record and sign the result."""
    signer = members.get(by)
    if signer is None or signer.role != "owner" or not _verify(signer.ed25519, signature, payload):
        raise StoreDamaged(_("the team store was tampered with: its member list is not one an owner signed"))


def manifest_payload(team: str, generation: int, epoch: int, sealed_manifest: bytes, members: str, by: str) -> bytes:
    return _MANIFEST_DOMAIN + crypto.canonical_json(
        {"team": team, "generation": generation, "epoch": epoch,
         "manifest": hashlib.sha256(sealed_manifest).hexdigest(), "members": members, "by": by})


def verify_manifest_signature(members: dict[str, Member], payload: bytes, by: str, signature: bytes) -> Member:
    """The member who signed the team manifest; damage unless a member who may write did."""
    signer = members.get(by)
    if signer is None or not _verify(signer.ed25519, signature, payload):
        raise StoreDamaged(_("the team store was tampered with: its manifest is not signed by a member of the team"))
    if signer.role not in WRITERS:
        raise StoreDamaged(
            _("the team store was tampered with: its last write is signed by {by}, an {role}, who may only read",
              by=by, role=translate(signer.role))
        )
    return signer


def restore_payload(team: str, restores: int, generation: int, by: str) -> bytes:
    """The first form of an acceptance (team, number, counter, owner): still read, but it binds
    neither the key epoch nor the members, so `check_seen` never lets it lower the epoch."""
    return _RESTORE_DOMAIN + crypto.canonical_json(
        {"team": team, "restores": restores, "generation": generation, "by": by})


def restore_payload_v2(team: str, record: dict) -> bytes:
    """What an owner signs to accept the store's state as it is (`team recover`): the whole record
    but its signature -- the team, the number of this acceptance, the counter it was given, the
    key epoch and the member list it accepted, a random nonce (two acceptances never look alike)
    and the facts shown (what was lost). Kept inside the sealed row manifest, so the team
    manifest's signature covers it, and carried by every later write. `follows` (when there)
    names every acceptance this one follows, so a member's computer takes a newer acceptance
    only if it descends from the one it saw (`check_seen`)."""
    body = {k: v for k, v in record.items() if k != "signature"}
    return _RESTORE_DOMAIN_V2 + crypto.canonical_json({"team": team, **body})


def sign_restore(team: str, restores: int, generation: int, owner: MemberKey, facts: dict, *,
                 epoch: int, members: str, nonce: str | None = None, follows: list[str] | None = None) -> dict:
    """`follows`: the ids of the acceptances this one supersedes (`lineage`), signed with it."""
    record = {"restores": restores, "generation": generation, "by": owner.name, "epoch": epoch,
              "members": members, "nonce": nonce or os.urandom(16).hex(), **facts}
    if follows is not None:
        record["follows"] = list(follows)
    record["signature"] = owner.ed25519.sign(restore_payload_v2(team, record)).hex()
    return record


def verify_restore(team: str, members: dict[str, "Member"], record: dict | None, generation: int) -> int:
    """The number of accepted restores a team manifest claims (0: none), once its record is
    checked: signed by an owner of the team, for a counter no newer than the manifest's
    (`check_acceptance_state` then checks the state it is carried by)."""
    if record is None:
        return 0
    damaged = StoreDamaged(_("the team store was tampered with: its accepted restore is not one an owner signed"))
    try:
        restores, accepted, by = int(record["restores"]), int(record["generation"]), str(record["by"])
        signature = bytes.fromhex(record["signature"])
        signed_epoch = int(record["epoch"]) if "nonce" in record else None
    except (KeyError, TypeError, ValueError):
        raise damaged from None
    signer = members.get(by)
    payload = (restore_payload_v2(team, record) if signed_epoch is not None
               else restore_payload(team, restores, accepted, by))
    if (restores < 1 or accepted > generation or signer is None or signer.role != "owner"
            or not _verify(signer.ed25519, signature, payload)):
        raise damaged
    return restores


def check_acceptance_state(record: dict | None, generation: int, epoch: int, members_digest: str) -> None:
    """Refuse an acceptance (verified by `verify_restore`) moved onto another state: the manifest's
    key epoch is below the one the owner signed (epochs only grow after it), or this is the
    accepted state itself (its counter) with another epoch or member list than the owner signed."""
    if not record or "nonce" not in record:
        return
    signed_epoch, accepted = int(record["epoch"]), int(record["generation"])
    if epoch < signed_epoch or (accepted == generation and (
            epoch != signed_epoch or members_digest != record.get("members"))):
        raise StoreDamaged(_("the team store was tampered with: an owner's acceptance was moved onto another state "
                             "(key epoch {epoch}; the owner accepted key epoch {signed} and its members)",
                             epoch=epoch, signed=signed_epoch))


# ----- invitations ---------------------------------------------------------------------------


def invitation_text(team: str, founder: bytes, name: str, role: str) -> str:
    data = crypto.canonical_json({"team": team, "founder": founder.hex(), "name": name, "role": role})
    return INVITATION_PREFIX + base64.urlsafe_b64encode(data).decode().rstrip("=")


def read_invitation(text: str) -> dict:
    bad = InvalidInput(_("this is not a linkcheck team invitation (it starts with linkcheck-invite:)"))
    text = text.strip()
    if not text.startswith(INVITATION_PREFIX):
        raise bad
    body = text[len(INVITATION_PREFIX):]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        team, name, role = str(data["team"]), str(data["name"]), str(data["role"])
        founder = bytes.fromhex(data["founder"])
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if len(founder) != 32 or role not in ROLES:
        raise bad
    check_member_name(name)
    return {"team": team, "founder": founder, "name": name, "role": role}
