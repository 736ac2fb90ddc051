"""`precheck` without the modules it never uses (eighteenth session).

`precheck` shares its command module with `audit`, which took its `--status` option type from the
account commands' module and its job (`usecases.audit`) at the module's top: a precheck imported
both while the store's key was derived, and used neither. The option type is now in
`cli/options.py` (the account commands take it from there), the audit's job is imported at the
audit's first use. These tests hold the option to what it took before and the precheck to not
loading them.
"""

from __future__ import annotations

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PROFILES_DIR
from linkcheck.accounts import STATUS_WORDS
from linkcheck.cli import account_cmds, audit_cmds, options
from linkcheck.models import STATUSES
from test_startup import loaded_modules

NOT_FOR_PRECHECK = ("linkcheck.cli.account_cmds", "linkcheck.usecases.audit")


def status_as_before(value):
    """What the option took before it moved: a status word of the import's, else a status in any case."""
    if isinstance(value, str) and value.strip().lower() in STATUS_WORDS:
        return STATUS_WORDS[value.strip().lower()]
    return click.Choice(STATUSES, case_sensitive=False).convert(value, None, None)


def outcome(convert, value):
    try:
        return "ok", convert(value)
    except click.BadParameter as exc:
        return "refused", str(exc)


WORDS = sorted({*STATUS_WORDS, *STATUSES})
status_text = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(WORDS).map(str.upper),
    st.sampled_from(WORDS).map(lambda word: f"  {word.title()} "),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(status_text)
def test_the_status_option_takes_what_it_took_before(value):
    assert outcome(lambda v: options.STATUS.convert(v, None, None), value) == outcome(status_as_before, value)


def test_the_account_commands_and_the_audit_share_the_one_status_option():
    assert account_cmds.STATUS is options.STATUS
    assert audit_cmds.STATUS is options.STATUS
    assert isinstance(options.STATUS, options.StatusChoice)


@pytest.mark.parametrize("args", [
    ("precheck", str(PROFILES_DIR / "acme-us.json")),
    ("precheck", "--email", "hello@new-brand.example", "--phone", "+1 201 555 0100"),
    ("precheck", str(PROFILES_DIR / "acme-us.json"), "--format", "json"),
])
def test_precheck_loads_neither_the_account_commands_nor_the_audit_s_job(tmp_path, demo_store, args):
    code, modules = loaded_modules(tmp_path, *args)
    assert code in (0, 1)
    assert "linkcheck.usecases.precheck" in modules
    assert [name for name in NOT_FOR_PRECHECK if name in modules] == []


def test_the_audit_imports_its_job_at_its_first_use_and_takes_the_status_words(cli, demo_store):
    result = cli("audit", "--status", "已停用", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    from linkcheck.usecases import audit as audit_job

    assert audit_cmds.__dict__["audit_job"] is audit_job  # the real module in place of the stand-in
    assert cli("audit", "--status", "no-such-status").exit_code == 2
