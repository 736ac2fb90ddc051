"""Separation statements (`statement`, `explain`, `verify`, `pubkey`) on the shipped example profiles."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import phonenumbers
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import PASSPHRASE, PROFILES_DIR, write_json
from linkcheck.appeal import signing as stmt
from linkcheck.models import Event
from linkcheck.store import Store

FORMATS = ("text", "markdown", "html", "json")
DAY = 86_400
START = 1_790_000_000  # 2026-09-21


def _profile(name: str) -> dict:
    return json.loads((PROFILES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _full_values(*names: str, financial_only: bool = False) -> set[str]:
    """Every spelling of every email, phone, bank and card number of these accounts (with
    `financial_only`, of their bank and card numbers alone)."""
    spellings: set[str] = set()
    for name in names:
        attrs = _profile(name)["attributes"]
        for kind in ("bank_account", "card"):
            for value in attrs.get(kind, []):
                spellings |= {value, value.replace(" ", ""), value.replace(" ", "-")}
        if financial_only:
            continue
        for email in attrs.get("email", []):
            spellings |= {email, email.lower()}
        for phone in attrs.get("phone", []):
            number = phonenumbers.parse(phone, None)
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            spellings |= {
                phone,
                e164,
                e164.lstrip("+"),
                national,
                re.sub(r"\D", "", national),
                phonenumbers.national_significant_number(number),
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
            }
    return spellings


def _leaked(text: str, subject: str, other: str) -> list[str]:
    """Full values a statement about `subject` must not hold: any bank or card number (the
    subject's own by their last four only), the other account's email and phone."""
    return sorted(v for v in _full_values(subject, financial_only=True) | _full_values(other) if v in text)


def _flat(text: str) -> str:
    """The text with its line wrapping undone, for matching whole sentences."""
    return " ".join(text.split())


def _statement(cli, name: str, *args: str) -> tuple[int, str, str]:
    result = cli("statement", name, *args)
    return result.exit_code, result.stdout, result.stderr


def _write(cli, tmp_path: Path, fmt: str, *args: str, name="lotus-jp", against="nordic-de", lang="en") -> Path:
    out = tmp_path / f"statement-{fmt}-{lang}.{fmt}"
    result = cli("statement", name, "--against", against, "--format", fmt, "--lang", lang, "-o", out, *args)
    assert result.exit_code == 0, result.output
    return out


def _add_events(store_path: Path, events: list[Event]) -> None:
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        for event in events:
            st.add_event(event)


def _detail(networks=(), devices=(), routers=(), conflicts=(), level=None) -> dict:
    return {
        "networks": list(networks),
        "devices": list(devices),
        "routers": list(routers),
        "hostname": None,
        "public_ip": networks[0] if networks else None,
        "level": level,
        "conflicts": list(conflicts),
        "new_values": 0,
        "warnings": [],
    }


@pytest.fixture
def checked_store(demo_store):
    """The demo store with a few weeks of pre-login checks for lotus-jp and nordic-de."""
    lotus = _detail(["2001:db8:81:0:x:x:x:x"], ["00:1e:c2:**:**:01"], ["10:7b:44:**:**:01"])
    nordic = _detail(["2001:db8:4:7:x:x:x:x"], ["b8:27:eb:**:**:89"], ["f0:9f:c2:**:**:22"])
    events = [Event(START + i * DAY, "lotus-jp", "check", "GO", lotus) for i in range(4)]
    events += [Event(START + i * DAY + 3600, "nordic-de", "run", "GO", nordic) for i in range(2, 5)]
    # A login stopped because this network belongs to an account the statement is not about.
    stopped = _detail(["198.51.100.x"], ["b8:27:eb:**:**:89"], conflicts=["brightway-uk"], level="high")
    events.append(Event(START + 9 * DAY, "nordic-de", "check", "STOP", stopped))
    _add_events(demo_store, events)
    return demo_store


def _block_span(text: str) -> tuple[int, int]:
    start = text.index(stmt.BEGIN_MARK)
    end = text.index(stmt.END_MARK) + len(stmt.END_MARK) + 1
    return start, end


def _flip(text: str, position: int) -> str:
    replacement = "X" if text[position] != "X" else "Y"
    return text[:position] + replacement + text[position + 1 :]


# ----- independent accounts ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_statement_for_independent_accounts_is_written_in_every_format(cli, checked_store, tmp_path, fmt):
    out = _write(cli, tmp_path, fmt)
    text = out.read_text(encoding="utf-8")
    assert "lotus-jp" in text and "nordic-de" in text
    assert "ending in 0005" in text  # lotus-jp's card, by its last four
    assert "distinct" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_statement_holds_no_full_bank_or_card_number_nor_the_other_accounts_contacts(
    cli, checked_store, tmp_path, fmt, lang
):
    text = _write(cli, tmp_path, fmt, lang=lang).read_text(encoding="utf-8")
    assert _leaked(text, "lotus-jp", "nordic-de") == []
    # The subject's own email is the operator's own data: shown as entered.
    assert "hello@lotus-stationery.example" in text


def test_statement_to_stdout_names_where_nothing_was_written(cli, checked_store):
    code, out, err = _statement(cli, "lotus-jp", "--against", "nordic-de")
    assert code == 0
    assert out.startswith("Statement of account separation\n")
    assert stmt.END_MARK in out
    assert "written to" not in err


def test_statement_file_is_private_and_its_path_is_reported(cli, checked_store, tmp_path):
    out = tmp_path / "appeal.html"
    result = cli("statement", "lotus-jp", "--against", "nordic-de", "--format", "html", "-o", out)
    assert result.exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert str(out) in result.stderr
    assert result.stdout == ""


def test_statement_follows_the_appeal_structure(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de")
    headings = [
        "Summary",
        "Evidence: identifiers compared",
        "Login environment history",
        "Business separation",
        "Controls in place",
        "Closing",
        "Signature",
    ]
    positions = [out.index(f"\n{h}\n") for h in headings]
    assert positions == sorted(positions)
    assert "Operator: Lotus Stationery KK" in out  # the recorded company name


def test_evidence_table_has_one_row_per_identifier_category(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--format", "json")
    evidence = json.loads(out)["evidence"]
    assert [row["category"] for row in evidence] == [
        "company", "representative", "contact", "financial", "address", "network", "device", "router",
    ]
    assert {row["result"] for row in evidence} == {"distinct"}
    contact = evidence[2]["values"]
    assert {"kind": "email", "value": "hello@lotus-stationery.example"} in contact["lotus-jp"]  # as entered
    assert {"kind": "phone", "value": "ending in 2044"} in contact["nordic-de"]


def test_operator_option_names_the_business_in_the_heading(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--operator", "Lotus Paper Holdings")
    assert "Operator: Lotus Paper Holdings" in out


def test_login_history_counts_checks_and_environments_per_account(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--format", "json")
    history = json.loads(out)["login_history"]
    by_account = {h["account"]: h for h in history["accounts"]}
    assert history["first"] == "2026-09-21" and history["last"] == "2026-09-30"
    assert by_account["lotus-jp"]["checks"] == 4
    assert by_account["nordic-de"]["checks"] == 4
    assert by_account["lotus-jp"]["networks"] == ["2001:db8:81:0:x:x:x:x"]
    assert history["environment_shared"] is False


def test_login_history_dates_only_checks_not_other_log_entries(cli, demo_store):
    # a status change is in the log, but no login was checked: no first or last check date
    assert cli("account", "set", "nordic-de", "--status", "suspended").exit_code == 0
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--format", "json")
    nordic = [h for h in json.loads(out)["login_history"]["accounts"] if h["account"] == "nordic-de"][0]
    assert nordic["checks"] == 0
    assert nordic.get("first") is None and nordic.get("last") is None, nordic


def test_login_history_says_no_environment_was_used_by_the_other_account(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de")
    flat = _flat(out)
    assert "No network, device or router recorded for one of these accounts is recorded for another." in flat
    assert "Period covered: 2026-09-21 to 2026-09-30." in flat


def test_environment_of_a_stopped_login_is_not_counted_as_used(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--format", "json")
    nordic = [h for h in json.loads(out)["login_history"]["accounts"] if h["account"] == "nordic-de"][0]
    assert "198.51.100.x" not in nordic["networks"]


def test_statement_never_names_accounts_it_was_not_asked_about(cli, checked_store):
    for fmt in FORMATS:
        _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--format", fmt)
        assert "brightway" not in out


def test_controls_list_the_pre_login_checks_with_dates(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de")
    assert "8 pre-login checks are recorded from 2026-09-21 to 2026-09-30" in _flat(out)
    assert "2026-09-21 " in out and "lotus-jp: check, passed, login allowed" in out
    assert "nordic-de: check, stopped, login blocked" in out
    assert "Stationery brand, Tokyo team" not in out  # account notes are private by default


def test_account_notes_are_quoted_only_when_asked(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--include-notes")
    assert "- lotus-jp: Stationery brand, Tokyo team" in out


def test_statement_without_checks_says_none_are_recorded(cli, demo_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de")
    assert "No pre-login checks are recorded for these accounts." in _flat(out)


def test_business_separation_lists_brands_logistics_and_categories(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--format", "json")
    business = {row["category"]: row for row in json.loads(out)["business"]}
    assert set(business) == {"brand", "logistics", "category"}
    assert business["brand"]["values"]["nordic-de"] == [{"kind": "brand", "value": "Nordic Trail"}]  # as entered
    assert business["logistics"]["result"] == "distinct"


def test_emails_and_numbers_typed_into_notes_are_masked(cli, checked_store):
    note = "Reach Haruka at hello@lotus-stationery.example or +81 3-1234-5678 (since 2026-09-01)"
    assert cli("account", "set", "lotus-jp", "--note", note).exit_code == 0
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de", "--include-notes")
    notes = _flat(out[out.index("Operator's notes") :])
    assert "hello@lotus-stationery.example" not in notes
    assert "1234-5678" not in notes
    assert "h…@lotus-stationery.example or …5678 (since 2026-09-01)" in notes


# ----- signing and verification --------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_untouched_statement_verifies_with_this_stores_key(cli, checked_store, tmp_path, fmt):
    out = _write(cli, tmp_path, fmt)
    result = cli("verify", out)
    assert result.exit_code == 0, result.output
    assert "unchanged and signed by the statement key of account lotus-jp in this store" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_one_character_edit_anywhere_outside_the_block_fails_verify(cli, checked_store, tmp_path, fmt):
    text = _write(cli, tmp_path, fmt).read_text(encoding="utf-8")
    key = stmt.parse_public_key(cli("pubkey", "--account", "lotus-jp").stdout)
    assert stmt.verify_statement(text, key).format == fmt
    start, end = _block_span(text)
    positions = list(range(0, start, max(1, start // 150))) + [start - 1] + list(range(end, len(text)))
    for position in positions:
        with pytest.raises(stmt.StatementInvalid):
            stmt.verify_statement(_flip(text, position), key)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_one_character_edit_fails_verify_on_the_command_line(cli, checked_store, tmp_path, fmt):
    out = _write(cli, tmp_path, fmt)
    text = out.read_text(encoding="utf-8")
    out.write_text(text.replace("ending in 0005", "ending in 0006", 1), encoding="utf-8")
    result = cli("verify", out)
    assert result.exit_code == 3
    assert "content changed" in result.stderr


def test_an_edit_inside_any_json_value_fails_verify(cli, checked_store, tmp_path):
    text = _write(cli, tmp_path, "json").read_text(encoding="utf-8")
    key = stmt.parse_public_key(cli("pubkey", "--account", "lotus-jp").stdout)
    body_end = text.index('"signature": {')
    positions = [m.start() for m in re.finditer(r"[A-Za-z0-9*]", text[:body_end])]
    for position in positions[:: max(1, len(positions) // 150)]:
        with pytest.raises(stmt.StatementInvalid):
            stmt.verify_statement(_flip(text, position), key)


def test_json_statement_is_signed_over_its_canonical_form(cli, checked_store, tmp_path):
    # Reformatting the JSON (indentation, member order) changes no content: it still verifies.
    text = _write(cli, tmp_path, "json").read_text(encoding="utf-8")
    reformatted = json.dumps(json.loads(text), ensure_ascii=True, sort_keys=True)
    assert stmt.verify_statement(reformatted).format == "json"


def test_json_statement_with_a_repeated_member_fails_verify(cli, checked_store, tmp_path):
    text = _write(cli, tmp_path, "json").read_text(encoding="utf-8")
    forged = text.replace("{\n", '{\n  "summary": "forged",\n', 1)
    with pytest.raises(stmt.StatementInvalid, match="repeats a member"):
        stmt.verify_statement(forged)


@pytest.mark.parametrize(
    "field, problem",
    [
        ("Content-SHA256", "content changed"),
        ("Signature", "signature"),
        ("Key-Fingerprint", "fingerprint"),
        ("Algorithm", "algorithm"),
    ],
)
def test_an_edit_inside_the_signature_block_fails_verify(cli, checked_store, tmp_path, field, problem):
    text = _write(cli, tmp_path, "text").read_text(encoding="utf-8")
    line = re.search(rf"^{field}: (.*)$", text, re.MULTILINE)
    tampered = text[: line.start(1)] + _flip(line.group(1), 2) + text[line.end(1) :]
    with pytest.raises(stmt.StatementInvalid, match=problem):
        stmt.verify_statement(tampered)


def test_file_without_signature_block_fails_verify(cli, checked_store, tmp_path):
    plain = tmp_path / "letter.txt"
    plain.write_text("We are independent. Trust us.\n", encoding="utf-8")
    result = cli("verify", plain)
    assert result.exit_code == 3
    assert "no signature block" in result.stderr


def test_statement_with_its_block_removed_fails_verify(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "markdown")
    text = out.read_text(encoding="utf-8")
    start, end = _block_span(text)
    out.write_text(text[:start] + text[end:], encoding="utf-8")
    result = cli("verify", out)
    assert result.exit_code == 3
    assert "no signature block" in result.stderr


def test_verify_with_a_different_key_fails(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "html")
    other = stmt.public_key_text(stmt.public_key_bytes(Ed25519PrivateKey.generate()))
    result = cli("verify", out, "--pubkey", other)
    assert result.exit_code == 3
    assert "signed by a different key" in result.stderr


def test_statement_re_signed_with_another_key_fails_against_the_operators_key(cli, checked_store, tmp_path):
    text = _write(cli, tmp_path, "text").read_text(encoding="utf-8")
    start, end = _block_span(text)
    forger = Ed25519PrivateKey.generate()
    content = (text[:start] + text[end:]).encode("utf-8")
    forged = text[:start] + stmt._signature_block(stmt._signature_fields(content, forger)) + text[end:]
    assert stmt.verify_statement(forged).authorship is False  # intact, but by whom?
    with pytest.raises(stmt.StatementInvalid, match="different key"):
        stmt.verify_statement(forged, stmt.parse_public_key(cli("pubkey", "--account", "lotus-jp").stdout))


def test_verify_with_the_given_key_passes(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "markdown")
    key = cli("pubkey", "--account", "lotus-jp").stdout.strip()
    result = cli("verify", out, "--pubkey", key, passphrase=None)
    assert result.exit_code == 0
    assert "signed by the given key" in result.stdout
    assert "warning" not in result.stderr


def test_verify_accepts_the_pubkey_json_as_a_key_file(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "json")
    key_file = tmp_path / "operator.pub.json"
    key_file.write_text(cli("pubkey", "--account", "lotus-jp", "--format", "json").stdout, encoding="utf-8")
    result = cli("verify", out, "--pubkey-file", key_file, "--format", "json", passphrase=None)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["valid"] is True and data["authorship_checked"] is True and data["key"] == "given"


def test_verify_without_key_or_passphrase_checks_integrity_only_and_says_so(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "text")
    result = cli("verify", out, "--integrity-only", passphrase=None)
    assert result.exit_code == 0
    assert "integrity only" in result.stdout
    assert "not authorship" in result.stderr


def test_verify_without_any_key_fails_unless_integrity_only(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "text")
    result = cli("verify", out, passphrase=None)
    assert result.exit_code == 3
    assert "--integrity-only" in result.stderr


def test_verify_refuses_both_key_options(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "text")
    key_file = tmp_path / "k.pub"
    key_file.write_text(cli("pubkey", "--account", "lotus-jp").stdout, encoding="utf-8")
    result = cli("verify", out, "--pubkey", key_file.read_text().strip(), "--pubkey-file", key_file)
    assert result.exit_code == 2


def test_pubkey_prints_the_stores_ed25519_public_key(cli, store):
    result = cli("pubkey")
    assert result.exit_code == 0
    assert len(stmt.parse_public_key(result.stdout)) == 32
    assert "fingerprint" in result.stderr


def test_pubkey_json_gives_key_hex_and_fingerprint(cli, store):
    data = json.loads(cli("pubkey", "--format", "json").stdout)
    assert data["algorithm"] == "Ed25519"
    assert bytes.fromhex(data["public_key_hex"]) == stmt.parse_public_key(data["public_key"])
    assert data["fingerprint"] == stmt.fingerprint(bytes.fromhex(data["public_key_hex"]))


def test_pubkey_is_stable_for_a_store(cli, store):
    assert cli("pubkey").stdout == cli("pubkey").stdout


# ----- linked accounts -----------------------------------------------------------------------


def test_linked_accounts_are_refused_naming_each_shared_kind(cli, demo_store):
    code, out, err = _statement(cli, "acme-us", "--against", "acme-de")
    assert code == 1
    assert out == ""
    assert "mac with acme-de" in err and "3c:22:fb:**:**:56" in err
    assert "company_name with acme-de" in err
    assert "linkcheck explain" in err and "--disclose" in err


def test_refusal_reads_as_one_message_in_english_and_in_chinese(cli, demo_store):
    _, _, err = _statement(cli, "acme-us", "--against", "acme-de")
    lines = err.splitlines()
    assert lines[0] == ("linkcheck: error: refusing to write the statement: acme-us shares 4 identifiers without an "
                        "explanation, so it would claim independence the records contradict:")
    assert "  - mac with acme-de (normalised): acme-us: 3c:22:fb:**:**:56 / acme-de: 3c:22:fb:**:**:56" in lines
    result = cli("statement", "acme-us", "--against", "acme-de", env={"LINKCHECK_LANG": "zh"})
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].endswith("拒绝生成说明：acme-us 有 4 项识别信息与其他账户共用且没有说明原因，说明会声称两者相互独立，与记录相矛盾：")
    # the kind by its Chinese label beside the name `explain` takes, the match in words
    assert "  - 与 acme-de 共用 MAC 地址（mac，规范化后相同）：acme-us: 3c:22:fb:**:**:56 / acme-de: 3c:22:fb:**:**:56" in lines
    assert lines[-1].startswith("请用 `linkcheck explain acme-us 其他账户 类型 --note 原因`")
    assert not re.search(r"\b(with|refusing|Record why)\b", result.stderr)


def test_shared_gmail_spellings_are_refused_with_masked_values_only(cli, demo_store):
    code, _, err = _statement(cli, "brightway-uk", "--against", "brightway-ca")
    assert code == 1
    assert "email with brightway-ca" in err and "j***@gmail.com" in err
    assert [v for v in _full_values("brightway-uk", "brightway-ca") if v in err] == []


def test_refused_statement_writes_no_file(cli, demo_store, tmp_path):
    out = tmp_path / "appeal.md"
    result = cli("statement", "acme-us", "--against", "acme-de", "--format", "markdown", "-o", out)
    assert result.exit_code == 1
    assert not out.exists()


def test_any_linked_account_among_several_refuses_the_statement(cli, demo_store):
    code, _, err = _statement(cli, "lotus-jp", "--against", "nordic-de", "--against", "acme-de")
    assert code == 0
    code, _, err = _statement(cli, "brightway-ca", "--against", "lotus-jp", "--against", "pine-mx")
    assert code == 1
    assert "phone with pine-mx" in err


def test_a_rules_file_cannot_switch_off_what_a_statement_must_disclose(cli, demo_store, tmp_path):
    rules = write_json(tmp_path / "lenient.json", {"levels": {"mac": "off", "company_name": "context",
                                                             "brand": "off", "email_domain": "off"},
                                                  "fuzzy": {"company_name": "off"}})
    code, _, err = _statement(cli, "acme-us", "--against", "acme-de", "--rules", rules)
    assert code == 1
    assert "mac with acme-de" in err and "company_name with acme-de" in err


def _explain_all(cli, a: str, b: str, kinds_and_notes: dict[str, str]) -> None:
    for kind, note in kinds_and_notes.items():
        result = cli("explain", a, b, kind, "--note", note)
        assert result.exit_code == 0, result.output


ACME_NOTES = {
    "mac": "The laptop was wiped and transferred to the German subsidiary in 2026-03",
    "company_name": "Both stores belong to Shenzhen Acme Trading; the German store is its subsidiary",
    "brand": "One brand licensed to both companies",
    "email": "Both mailboxes are on the parent company's mail domain",
}


def test_explained_shared_identifiers_are_disclosed_with_their_explanations(cli, demo_store):
    _explain_all(cli, "acme-us", "acme-de", ACME_NOTES)
    code, out, err = _statement(cli, "acme-us", "--against", "acme-de")
    assert code == 0, err
    section = out[out.index("Shared identifiers (disclosed)\n") : out.index("Login environment history\n")]
    flat = " ".join(section.split())
    for note in ACME_NOTES.values():
        assert note in flat
    assert "shared (explained)" in out
    assert "Apart from the identifiers disclosed and explained above" in _flat(out)


def test_explaining_only_some_shared_kinds_still_refuses_naming_the_rest(cli, demo_store):
    _explain_all(cli, "acme-us", "acme-de", {"mac": ACME_NOTES["mac"]})
    code, _, err = _statement(cli, "acme-us", "--against", "acme-de")
    assert code == 1
    assert "company_name with acme-de" in err
    assert "mac with acme-de" not in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_disclose_writes_the_shared_identifiers_in_their_own_section(cli, demo_store, tmp_path, fmt):
    out = _write(cli, tmp_path, fmt, "--disclose", name="acme-us", against="acme-de")
    text = out.read_text(encoding="utf-8")
    assert "Shared identifiers (disclosed)" in text
    assert "No explanation is recorded; disclosed at the operator's request." in _flat(text.replace("&#x27;", "'"))
    assert "3c:22:fb:…:56" in text or "3c:22:fb:\\u2026:56" in text  # acme-de's, masked
    assert "3C-22-FB-12-34-56" in text  # acme-us's own, as entered
    assert _leaked(text, "acme-us", "acme-de") == []
    assert cli("verify", out).exit_code == 0


def test_disclosed_statement_json_lists_each_shared_identifier(cli, demo_store):
    _, out, err = _statement(cli, "acme-us", "--against", "acme-de", "--disclose", "--format", "json")
    data = json.loads(out)
    assert data["result"] == "disclosed"
    shared = {s["kind"]: s for s in data["shared"]}
    assert set(shared) == {"mac", "company_name", "brand", "email"}
    assert shared["mac"]["values"] == {"acme-us": "3C-22-FB-12-34-56", "acme-de": "3c:22:fb:…:56"}
    assert shared["mac"]["explanation"] is None
    assert "note: 4 shared identifiers disclosed without an explanation" in err
    zh = cli("statement", "acme-us", "--against", "acme-de", "--disclose", "--format", "json",
             env={"LINKCHECK_LANG": "zh"})
    assert "有 4 项共用的识别信息在没有说明原因的情况下被披露" in zh.stderr


def test_disclosed_statement_never_claims_independence(cli, demo_store):
    _, out, _ = _statement(cli, "acme-us", "--against", "acme-de", "--disclose")
    flat = _flat(out)
    assert "No recorded identifier is shared" not in flat
    assert "is operated separately" not in flat
    assert "4 identifiers are shared between the accounts" in flat


# ----- Chinese --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_chinese_statement_is_written_masked_and_verifies(cli, checked_store, tmp_path, fmt):
    out = _write(cli, tmp_path, fmt, lang="zh")
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        text = json.dumps(json.loads(text), ensure_ascii=False)
    for heading in ("账户独立运营说明", "概述", "证据：识别信息比对", "登录环境记录", "业务独立", "已采取的管控措施", "结语"):
        assert heading in text
    assert "公司及注册信息" in text and "不同" in text and "尾号0005" in text
    assert _leaked(text, "lotus-jp", "nordic-de") == []
    assert cli("verify", out).exit_code == 0


def test_chinese_disclosure_uses_the_chinese_reasons(cli, demo_store):
    _, out, _ = _statement(cli, "acme-us", "--against", "acme-de", "--disclose", "--lang", "zh")
    assert "共用识别信息（披露）" in out
    assert "共用网卡 MAC 地址" in out  # the engine rule's reason in Chinese
    assert "Shared network adapter" not in out


def test_english_is_the_default_language(cli, checked_store):
    _, out, _ = _statement(cli, "lotus-jp", "--against", "nordic-de")
    assert "账户" not in out  # the Chinese statement's word for account


# ----- HTML -----------------------------------------------------------------------------------


def test_html_statement_is_a_complete_page(cli, checked_store, tmp_path):
    text = _write(cli, tmp_path, "html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n")
    assert '<html lang="en">' in text and text.rstrip().endswith("</html>")
    head = text[text.index("<head>") : text.index("</head>")]
    assert '<meta charset="utf-8">' in head
    assert re.search(r"<title>[^<]+</title>", head)
    assert "<body>" in text and "</body>" in text
    assert "<table>" in text and "<thead>" in text


def test_html_statement_has_a_print_stylesheet_for_a4(cli, checked_store, tmp_path):
    text = _write(cli, tmp_path, "html").read_text(encoding="utf-8")
    style = text[text.index("<style>") : text.index("</style>")]
    assert "@page { size: A4" in style
    print_css = style[style.index("@media print") :]
    assert "background: none" in print_css
    assert "break-inside: avoid" in print_css
    assert "thead { display: table-header-group; }" in print_css


def test_html_escapes_operator_text(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "html", "--operator", "<script>alert(1)</script> & Co")
    text = out.read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text


def test_html_chinese_page_declares_its_language(cli, checked_store, tmp_path):
    text = _write(cli, tmp_path, "html", lang="zh").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in text


# ----- explain --------------------------------------------------------------------------------


def test_explain_records_a_dated_explanation(cli, demo_store):
    result = cli("explain", "harbor-au", "cedar-us", "ip", "--note", "Both teams use the Hub coworking space")
    assert result.exit_code == 0
    listed = json.loads(cli("explain", "--list", "--format", "json").stdout)
    assert listed == [
        {
            "accounts": "cedar-us / harbor-au",
            "all_holders": False,
            "kind": "ip",
            "note": "Both teams use the Hub coworking space",
            "values": ["203.0.113.x"],
            "recorded": listed[0]["recorded"],
        }
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", listed[0]["recorded"])


def test_explaining_again_replaces_the_note(cli, demo_store):
    cli("explain", "acme-us", "acme-de", "mac", "--note", "first")
    cli("explain", "acme-de", "acme-us", "mac", "--note", "second")
    listed = json.loads(cli("explain", "--list", "--format", "json").stdout)
    assert [e["note"] for e in listed] == ["second"]


def test_explain_list_filters_by_account(cli, demo_store):
    cli("explain", "acme-us", "acme-de", "mac", "--note", "wiped laptop")
    cli("explain", "harbor-au", "cedar-us", "ip", "--note", "coworking")
    listed = json.loads(cli("explain", "--list", "cedar-us", "--format", "json").stdout)
    assert [e["kind"] for e in listed] == ["ip"]


def test_explain_needs_both_accounts_to_exist(cli, demo_store):
    result = cli("explain", "acme-us", "no-such-store", "mac", "--note", "x")
    assert result.exit_code == 2
    assert "no-such-store" in result.stderr


def test_explain_refuses_an_unknown_kind(cli, demo_store):
    result = cli("explain", "acme-us", "acme-de", "shoe_size", "--note", "x")
    assert result.exit_code == 2
    assert "unknown kind" in result.stderr


def test_explain_refuses_one_account_twice(cli, demo_store):
    assert cli("explain", "acme-us", "acme-us", "mac").exit_code == 2


def test_explain_refuses_when_the_accounts_share_nothing_of_that_kind(cli, demo_store):
    result = cli("explain", "lotus-jp", "nordic-de", "mac", "--note", "just in case")
    assert result.exit_code == 2
    assert "share no mac value on record now" in result.stderr and "--value VALUE" in result.stderr


def test_explain_a_shared_context_value_says_nothing_of_sharing_none(cli, store, tmp_path):
    write_json(tmp_path / "l.json", [
        {"account": "harbor-us", "attributes": {"logistics": ["ShipBob"]}},
        {"account": "redwood-us", "attributes": {"logistics": ["ShipBob"]}},
        {"account": "cedar-us", "attributes": {"logistics": ["Flexport"]}},
    ])
    assert cli("import", tmp_path / "l.json").exit_code == 0
    result = cli("explain", "harbor-us", "redwood-us", "logistics", "--note", "Both ship through ShipBob")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["Recorded why harbor-us and redwood-us share logistics.",
                                          "It covers ShipBob; another logistics value they come to share needs its "
                                          "own explanation."]
    assert result.stderr == ""
    other = cli("explain", "harbor-us", "cedar-us", "logistics", "--note", "x")
    assert other.exit_code == 2 and "share no logistics value on record now" in other.stderr


def test_explanation_by_facet_covers_only_that_facet(cli, demo_store):
    _explain_all(cli, "acme-us", "acme-de", {k: v for k, v in ACME_NOTES.items() if k != "email"})
    assert cli("explain", "acme-us", "acme-de", "email_domain", "--note", "parent company domain").exit_code == 0
    code, out, _ = _statement(cli, "acme-us", "--against", "acme-de")
    assert code == 0
    assert "parent company domain" in _flat(out)


# ----- usage ----------------------------------------------------------------------------------


def test_statement_needs_an_account_to_compare_with(cli, demo_store):
    result = cli("statement", "lotus-jp")
    assert result.exit_code == 2


def test_statement_refuses_comparing_an_account_with_itself(cli, demo_store):
    result = cli("statement", "lotus-jp", "--against", "lotus-jp")
    assert result.exit_code == 2


def test_statement_refuses_an_unknown_account(cli, demo_store):
    result = cli("statement", "lotus-jp", "--against", "nobody")
    assert result.exit_code == 2
    assert "nobody" in result.stderr


@pytest.mark.parametrize("command", ["statement", "explain", "verify", "pubkey"])
def test_every_command_has_help_with_examples(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout


def test_explain_requires_a_note(cli, demo_store):
    result = cli("explain", "harbor-au", "cedar-us", "ip_network")
    assert result.exit_code == 2
    assert "--note" in result.output


def test_statement_format_follows_the_output_extension(cli, demo_store, tmp_path):
    out = tmp_path / "appeal.html"
    assert cli("statement", "lotus-jp", "--against", "nordic-de", "-o", out).exit_code == 0
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")


def test_verify_accepts_a_statement_whose_line_endings_were_converted(cli, demo_store, tmp_path):
    out = tmp_path / "appeal.txt"
    assert cli("statement", "lotus-jp", "--against", "nordic-de", "-o", out).exit_code == 0
    out.write_bytes(out.read_bytes().replace(b"\n", b"\r\n"))
    assert cli("verify", out).exit_code == 0


def test_verify_failure_in_json_is_still_json(cli, demo_store, tmp_path):
    out = tmp_path / "appeal.txt"
    assert cli("statement", "lotus-jp", "--against", "nordic-de", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    out.write_text(text.replace("lotus-jp", "lotus-jq", 1), encoding="utf-8")
    result = cli("verify", out, "--format", "json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["valid"] is False


# ----- the signature block's grammar (issue 11, part 2) ---------------------------------------

INJECTED = '<div style="position:fixed;inset:0;background:#fff">Approved</div><script>alert(1)</script>'


def _moved_to_the_end(text: str) -> str:
    """The documented tolerance: the block cut out and pasted at the end of the file."""
    start, end = _block_span(text)
    return text[:start] + text[end:] + text[start:end]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_moved_block_still_verifies(cli, checked_store, tmp_path, fmt):
    out = _write(cli, tmp_path, fmt)
    out.write_text(_moved_to_the_end(out.read_text(encoding="utf-8")), encoding="utf-8")
    assert cli("verify", out).exit_code == 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_line_added_inside_a_moved_block_without_final_newline_fails_verify(cli, checked_store, tmp_path, fmt):
    # The attack: block moved to the end, one line added just before END, final newline dropped.
    out = _write(cli, tmp_path, fmt)
    moved = _moved_to_the_end(out.read_text(encoding="utf-8"))
    end_line = moved.rindex(stmt.END_MARK)
    out.write_text(moved[:end_line] + INJECTED + "\n" + stmt.END_MARK, encoding="utf-8")
    result = cli("verify", out)
    assert result.exit_code == 3, result.output
    assert "signature block is damaged" in result.stderr


@pytest.mark.parametrize(
    "change",
    [
        lambda block: block.replace("Algorithm:", INJECTED + "\nAlgorithm:"),  # a line after BEGIN
        lambda block: block.replace("\nSignature:", "\n" + INJECTED + "\nSignature:"),  # between fields
        lambda block: block.replace(stmt.END_MARK, INJECTED + "\n" + stmt.END_MARK),  # before END
        lambda block: block.replace("Algorithm: Ed25519", "Algorithm: Ed25519 " + INJECTED),  # on a line
        lambda block: block.replace("Public-Key: ", "Public-Key:  "),
        lambda block: block.replace("Content-SHA256: ", "Content-SHA256: " + INJECTED),
        lambda block: block.rstrip("\n"),  # the END line's own line break
    ],
    ids=["after-begin", "between-fields", "before-end", "on-a-line", "extra-space", "before-hash", "no-newline"],
)
@pytest.mark.parametrize("fmt", ["text", "html"])
def test_anything_added_inside_the_block_fails_verify(cli, checked_store, tmp_path, fmt, change):
    text = _write(cli, tmp_path, fmt).read_text(encoding="utf-8")
    key = stmt.parse_public_key(cli("pubkey", "--account", "lotus-jp").stdout)
    for placed in (text, _moved_to_the_end(text)):
        start, end = _block_span(placed)
        with pytest.raises(stmt.StatementInvalid):
            stmt.verify_statement(placed[:start] + change(placed[start:end]) + placed[end:], key)


def test_another_spelling_of_the_same_key_bytes_fails_verify(cli, checked_store, tmp_path):
    # Base64's last character carries unused bits: 'A=' and 'B=' can decode alike. Only the
    # spelling linkcheck writes is accepted, so no character of the block can change.
    text = _write(cli, tmp_path, "text").read_text(encoding="utf-8")
    line = re.search(r"^Public-Key: (.*)=$", text, re.MULTILINE)
    last = line.group(1)[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = alphabet[alphabet.index(last) ^ 1]  # same high bits, different unused low bit
    forged = text[: line.end(1) - 1] + twin + text[line.end(1) :]
    assert stmt.base64.b64decode(line.group(1)[:-1] + twin + "=") == stmt.base64.b64decode(line.group(1) + "=")
    with pytest.raises(stmt.StatementInvalid, match="damaged"):
        stmt.verify_statement(forged)


def test_json_statement_with_changed_covers_text_fails_verify(cli, checked_store, tmp_path):
    out = _write(cli, tmp_path, "json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["signature"]["covers"] = "Reviewed and approved by the marketplace's seller-performance team"
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    result = cli("verify", out)
    assert result.exit_code == 3
    assert '"covers"' in result.stderr


@pytest.mark.parametrize("member", ["note", "key_fingerprint"])
def test_json_statement_with_an_added_or_missing_signature_member_fails_verify(cli, checked_store, tmp_path, member):
    out = _write(cli, tmp_path, "json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    if member in doc["signature"]:
        del doc["signature"][member]
    else:
        doc["signature"][member] = "approved"
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert cli("verify", out).exit_code == 3


def test_html_statement_carries_a_csp_that_forbids_scripts_and_remote_loads(cli, checked_store, tmp_path):
    text = _write(cli, tmp_path, "html").read_text(encoding="utf-8")
    head = text[: text.index("</head>")]
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
    assert meta, "no Content-Security-Policy in the statement's <head>"
    assert head.index(meta.group(0)) < head.index("<title>")  # before any text from the store
    policy = dict((d.split()[0], d.split()[1:]) for d in meta.group(1).split("; "))
    assert policy["default-src"] == ["'none'"] and policy["script-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'none'"]
    # The one style sheet is allowed by its hash, and nothing else is.
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    digest = stmt.base64.b64encode(stmt.hashlib.sha256(style.encode("utf-8")).digest()).decode()
    assert policy["style-src"] == [f"'sha256-{digest}'"]
    assert "<script" not in text


def test_the_audit_and_the_report_show_the_chinese_explanation_in_a_chinese_interface(cli, demo_store, tmp_path):
    assert cli("explain", "harbor-au", "cedar-us", "ip_network", "--note", "Both teams use the Hub coworking space",
               "--note-zh", "两个团队都在 Hub 联合办公空间办公").exit_code == 0
    zh = cli("audit", "--account", "cedar-us", env={"LINKCHECK_LANG": "zh"}).output
    assert "两个团队都在 Hub 联合办公空间办公" in zh and "coworking space" not in zh
    en = cli("audit", "--account", "cedar-us").output
    assert "Both teams use the Hub coworking space" in en and "联合办公" not in en
    page = tmp_path / "r.html"
    assert cli("report", "-o", page, env={"LINKCHECK_LANG": "zh"}).exit_code in (0, 1)
    assert "两个团队都在 Hub 联合办公空间办公" in page.read_text(encoding="utf-8")
