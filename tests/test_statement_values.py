"""How the statement shows values and words them (issue 14's review): the subject's own values as
entered, the other accounts' masked so that two different values never look the same, and the
form (no "(s)", no upper-case headings, no asterisks, "same" only when the values match)."""

from __future__ import annotations

import json
import re

import pytest

from linkcheck.appeal import signing

BEGIN, END = signing.BEGIN_MARK, signing.END_MARK


def _account(cli, name: str, *values: tuple[str, str], marketplace: str = "amazon.com") -> None:
    result = cli("account", "add", name, "--marketplace", marketplace)
    assert result.exit_code == 0, result.output
    for kind, value in values:
        added = cli("attr", "add", name, kind, value)
        assert added.exit_code == 0, added.output


def _json(cli, name: str, *against: str, lang: str = "en") -> dict:
    args = [a for other in against for a in ("--against", other)]
    result = cli("statement", name, *args, "--format", "json", "--lang", lang, "--disclose")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _row(doc: dict, category: str) -> dict:
    return next(r for r in doc["evidence"] + doc["business"] if r["category"] == category)


def _shown(row: dict, account: str) -> list[str]:
    return [v["value"] for v in row["values"][account]]


_MARKED = re.compile(r"(.+) \[([0-9a-f]{4,})\]")


def _mark(shown: str) -> tuple[str, str]:
    m = _MARKED.fullmatch(shown)
    assert m is not None, shown
    return m.group(1), m.group(2)


def test_chen_wei_and_chen_qiang_carry_different_marks(cli, store):
    _account(cli, "wei-us", ("legal_representative", "陈伟"))
    _account(cli, "qiang-us", ("legal_representative", "陈强"))
    doc = _json(cli, "wei-us", "qiang-us")
    row = _row(doc, "representative")
    assert row["result"] == "distinct"
    (mine,), (theirs,) = _shown(row, "wei-us"), _shown(row, "qiang-us")
    mine_text, mine_mark = _mark(mine)
    theirs_text, theirs_mark = _mark(theirs)
    assert mine_text == "陈伟"  # the subject's own, as entered
    assert theirs_text == "陈…"  # the other's, masked: the hidden part does not tell its length
    assert "陈强" not in json.dumps(doc, ensure_ascii=False)
    assert mine_mark != theirs_mark


def test_latin_names_differing_in_one_letter_carry_different_marks(cli, store):
    _account(cli, "smith-us", ("legal_representative", "John Smith"))
    _account(cli, "smyth-us", ("legal_representative", "John Smyth"))
    row = _row(_json(cli, "smith-us", "smyth-us"), "representative")
    (mine,), (theirs,) = _shown(row, "smith-us"), _shown(row, "smyth-us")
    assert _mark(mine)[0] == "John Smith"
    assert _mark(theirs)[0] == "j… s…"
    assert _mark(mine)[1] != _mark(theirs)[1]


def test_equal_values_carry_equal_marks_and_the_text_says_what_marks_mean(cli, store):
    _account(cli, "wei-us", ("legal_representative", "陈伟"))
    _account(cli, "qiang-us", ("legal_representative", "陈强"))
    _account(cli, "wei-de", ("legal_representative", "陈伟"), marketplace="amazon.de")
    row = _row(_json(cli, "wei-us", "qiang-us", "wei-de"), "representative")
    marks = {account: _mark(_shown(row, account)[0])[1] for account in ("wei-us", "qiang-us", "wei-de")}
    assert marks["wei-us"] == marks["wei-de"] != marks["qiang-us"]
    text = cli("statement", "wei-us", "-a", "qiang-us", "--disclose").stdout
    assert ("Two different values that would look alike once masked each carry a mark in square brackets: "
            "the same mark means the same value, a different mark a different value.") in " ".join(text.split())


def test_values_that_cannot_be_confused_carry_no_mark(cli, store):
    _account(cli, "wei-us", ("legal_representative", "陈伟"))
    _account(cli, "li-us", ("legal_representative", "李娜"))
    row = _row(_json(cli, "wei-us", "li-us"), "representative")
    assert _shown(row, "wei-us") == ["陈伟"] and _shown(row, "li-us") == ["李…"]
    text = cli("statement", "wei-us", "-a", "li-us").stdout
    assert "square brackets" not in text


def test_the_subjects_own_values_are_shown_as_entered(cli, store):
    _account(
        cli, "kestrel-us",
        ("company_name", "Kestrel Outdoor Goods LLC"), ("address", "12 Harbour Street, Portland"),
        ("brand", "Kestrel Trail"), ("category", "Sports & Outdoors"), ("bank_account", "DE89 3704 0044 0532 0130 00"),
    )
    _account(cli, "marigold-us", ("company_name", "Marigold Home Ltd"), ("brand", "Marigold Living"))
    doc = _json(cli, "kestrel-us", "marigold-us")
    assert _shown(_row(doc, "company"), "kestrel-us") == ["Kestrel Outdoor Goods LLC"]
    assert _shown(_row(doc, "address"), "kestrel-us") == ["12 Harbour Street, Portland"]
    assert _shown(_row(doc, "brand"), "kestrel-us") == ["Kestrel Trail"]
    assert _shown(_row(doc, "category"), "kestrel-us") == ["Sports & Outdoors"]
    assert _shown(_row(doc, "financial"), "kestrel-us") == ["ending in 3000"]  # by its last four only
    assert _shown(_row(doc, "company"), "marigold-us") == ["m… h…"]  # the other's, masked
    assert _shown(_row(doc, "brand"), "marigold-us") == ["Marigold Living"]  # not sensitive: as entered
    zh = _json(cli, "kestrel-us", "marigold-us", lang="zh")
    assert _shown(_row(zh, "financial"), "kestrel-us") == ["尾号3000"]


def test_a_refusal_lists_every_value_masked(cli, store):
    _account(cli, "kestrel-us", ("email", "Ops@kestrel-outdoor.example"))
    _account(cli, "marigold-us", ("email", "ops@kestrel-outdoor.example"))
    result = cli("statement", "kestrel-us", "--against", "marigold-us")
    assert result.exit_code == 1
    assert "ops@kestrel-outdoor.example" not in result.stderr.lower()
    assert "o***@kestrel-outdoor.example" in result.stderr


def test_logistics_read_same_only_when_the_values_match(cli, store):
    _account(cli, "kestrel-us", ("logistics", "云途物流"), ("category", "Sports and Outdoors"))
    _account(cli, "marigold-us", ("logistics", "万邑通"), ("category", "Sports & Outdoors"))
    doc = _json(cli, "kestrel-us", "marigold-us")
    assert _row(doc, "logistics")["result"] == "distinct"
    assert _row(doc, "category")["result"] == "context"
    assert _row(doc, "category")["result_label"] == "same (common; not an identifier)"
    # One provider in common, one not: the same only in part.
    assert cli("attr", "add", "kestrel-us", "logistics", "DHL").exit_code == 0
    assert cli("attr", "add", "marigold-us", "logistics", "dhl").exit_code == 0
    row = _row(_json(cli, "kestrel-us", "marigold-us"), "logistics")
    assert row["result"] == "context_partial"
    assert row["result_label"] == "partly the same (common; not an identifier)"
    zh = _row(_json(cli, "kestrel-us", "marigold-us", lang="zh"), "logistics")
    assert zh["result_label"] == "部分相同（常见，不构成关联）"


def _body(text: str) -> str:
    """The statement without its signature block (whose marker lines are upper case by design)."""
    return text[: text.index(BEGIN)] + text[text.index(END) + len(END) :]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_form_no_plural_s_no_upper_case_headings_no_asterisks(cli, demo_store, fmt, lang):
    for name, against in (("lotus-jp", "nordic-de"), ("acme-us", "acme-de"), ("brightway-ca", "pine-mx")):
        result = cli("statement", name, "-a", against, "--format", fmt, "--lang", lang, "--disclose")
        assert result.exit_code == 0, result.output
        body = _body(result.stdout)
        assert "(s)" not in body and "（s）" not in body
        if fmt == "markdown":  # its own emphasis aside, no asterisk (escaped, in a value) anywhere
            assert "\\*" not in body and "***" not in body and "`*" not in body
        else:
            assert "*" not in body
        for line in body.splitlines():
            letters = re.sub(r"[^A-Za-z]", "", line)
            assert not (len(letters) > 3 and letters.isupper() and letters == line.replace(" ", "").replace(":", "")
                        .replace("(", "").replace(")", "")), line
        assert not re.search(r"\b1 (identifiers|categories|checks|values)\b", body)


def test_one_shared_identifier_and_one_category_read_in_the_singular(cli, store):
    _account(cli, "kestrel-us", ("phone", "+1 503 555 0142"))
    _account(cli, "marigold-us", ("phone", "+1 (503) 555-0142"))
    text = " ".join(cli("statement", "kestrel-us", "-a", "marigold-us", "--disclose").stdout.split())
    assert "We compared every identifier recorded for these accounts: 2 values in one category" in text
    assert "One identifier is shared between the accounts" in text


def test_one_pre_login_check_reads_in_the_singular(cli, demo_store, tmp_path):
    from conftest import PASSPHRASE
    from linkcheck.models import Event
    from linkcheck.store import Store

    with Store.open(demo_store, PASSPHRASE, write=True) as st:
        st.add_event(Event(1_790_000_000, "lotus-jp", "check", "GO", {"networks": ["2001:db8:81:0:x:x:x:x"]}))
    text = " ".join(cli("statement", "lotus-jp", "-a", "nordic-de").stdout.split())
    assert "One pre-login check is recorded, on 2026-09-21:" in text
    assert "check(s)" not in text
