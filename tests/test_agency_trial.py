"""What an agency's trial (14 Amazon stores for 6 clients) found: a shared login listed twice by
`statement`, explanations that covered every value of a kind, hubs that could never be explained,
bank numbers that lost their leading zeros in Excel, and smaller wording."""

from __future__ import annotations

import json

import pytest


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _accounts(cli, *names: str) -> None:
    for name in names:
        _ok(cli("account", "add", name, "--marketplace", "amazon.com"))


def _add(cli, name: str, kind: str, value: str) -> None:
    _ok(cli("attr", "add", name, kind, value))


# ----- 1. one shared thing, once ---------------------------------------------------------------


@pytest.fixture
def shared_login(cli, store):
    """Two stores that hold one email login both as their platform login and as their contact email."""
    _accounts(cli, "oak-us", "elm-us")
    for name in ("oak-us", "elm-us"):
        _add(cli, name, "platform_login", "seller@oak-agency.example")
        _add(cli, name, "email", "seller@oak-agency.example")
    return store


def test_a_login_that_is_also_both_accounts_email_is_refused_as_one_identifier(cli, shared_login):
    result = cli("statement", "oak-us", "--against", "elm-us")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "oak-us shares 1 identifier without an explanation" in lines[0]
    assert [line for line in lines if line.startswith("  - ")] == [
        "  - email with elm-us (exact): oak-us: s***@oak-agency.example / elm-us: s***@oak-agency.example"
    ]


def test_a_disclosed_login_is_listed_once_in_every_format(cli, shared_login):
    doc = json.loads(_ok(cli("statement", "oak-us", "--against", "elm-us", "--disclose", "--format", "json")).stdout)
    assert len(doc["shared"]) == 1
    text = _ok(cli("statement", "oak-us", "--against", "elm-us", "--disclose")).stdout
    section = text[text.index("Shared identifiers (disclosed)\n"): text.index("Login environment history\n")]
    assert section.count("shared by oak-us and elm-us") == 1


def test_one_accounts_login_that_is_the_others_email_is_one_identifier(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    _add(cli, "oak-us", "platform_login", "seller@oak-agency.example")
    _add(cli, "oak-us", "email", "seller@oak-agency.example")
    _add(cli, "elm-us", "platform_login", "seller@oak-agency.example")
    result = cli("statement", "oak-us", "--against", "elm-us")
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("  - ")] == [
        "  - email with elm-us (exact): oak-us: s***@oak-agency.example / elm-us: s***@oak-agency.example"
    ]


def test_an_explanation_of_the_login_covers_it_whichever_facet_found_it(cli, shared_login):
    _ok(cli("explain", "oak-us", "elm-us", "platform_login", "--note", "One agency login, used for both clients"))
    result = cli("statement", "oak-us", "--against", "elm-us", "--format", "json")
    assert result.exit_code == 0, result.stderr
    shared = json.loads(result.stdout)["shared"]
    assert len(shared) == 1
    assert shared[0]["explanation"]["note"] == "One agency login, used for both clients"


def test_two_different_values_of_one_kind_stay_two_identifiers_and_their_network_adds_none(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    for name in ("oak-us", "elm-us"):
        _add(cli, name, "ip", "203.0.113.7")
        _add(cli, name, "ip", "203.0.113.9")
    result = cli("statement", "oak-us", "--against", "elm-us")
    assert result.exit_code == 1
    assert [line[:len("  - ip with elm-us (exact)")] for line in result.stderr.splitlines() if line.startswith("  - ")] == [
        "  - ip with elm-us (exact)", "  - ip with elm-us (exact)"]


def test_a_network_two_accounts_share_without_a_common_address_is_one_identifier(cli, store):
    _accounts(cli, "oak-us", "elm-us")
    _add(cli, "oak-us", "ip", "203.0.113.7")
    _add(cli, "oak-us", "ip", "203.0.113.8")
    _add(cli, "elm-us", "ip", "203.0.113.9")
    result = cli("statement", "oak-us", "--against", "elm-us")
    assert result.exit_code == 1
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(listed) == 1 and listed[0].startswith("  - ip (ip_network) with elm-us (network)")
