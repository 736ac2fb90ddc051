"""`precheck` without the modules it never uses, and its comparisons' library loaded while the
key is derived (eighteenth session).

`precheck` shares its command module with `audit`, which took its `--status` option type from the
account commands' module and its job (`usecases.audit`) at the module's top: a precheck imported
both while the store's key was derived, and used neither. The option type is now in
`cli/options.py` (the account commands take it from there), the audit's job is imported at the
audit's first use. These tests hold the option to what it took before and the precheck to not
loading them.

The comparison after the key imported rapidfuzz (15-20 ms of CPU, the whole package at its first
scorer): now a precheck whose planned account holds a value compared fuzzily loads it before it
opens the store when the key derivation begun at start is still running (`early.deriving`), and
the comparison finds it loaded. The same answer either way.
"""

from __future__ import annotations

import threading

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PASSPHRASE, PROFILES_DIR
from linkcheck.accounts import STATUS_WORDS
from linkcheck import early
from linkcheck.cli import account_cmds, audit_cmds, options
from linkcheck.linkage import comparisons
from linkcheck.linkage.rules import load_rules
from linkcheck.usecases import precheck as precheck_job
from linkcheck.models import STATUSES, Level
from linkcheck.store import Store
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


@pytest.fixture
def nothing_begun(monkeypatch):
    monkeypatch.setattr(early, "_pending", None)


def test_deriving_while_the_early_derivation_s_thread_runs_and_not_once_taken(nothing_begun, monkeypatch):
    assert early.deriving() is False
    release = threading.Event()
    derivation = early._Derivation(b"passphrase", ("argon2id", b"s" * 16, 2, 64, 1))
    derivation.thread = threading.Thread(target=release.wait, daemon=True)
    derivation.thread.start()
    monkeypatch.setattr(early, "_pending", derivation)
    assert early.deriving() is True
    release.set()
    derivation.thread.join()
    assert early.deriving() is False  # derived: nothing to wait for
    monkeypatch.setattr(early, "_pending", None)
    assert early.deriving() is False  # taken


PLANNED = {"company_name": ["Acme Widgets LLC"], "email": ["sales@acme-widgets.example"]}


def _precheck_recording(store, monkeypatch, values, *, deriving: bool) -> list[str]:
    """What a precheck did, in order: the library loaded, the store opened."""
    events: list[str] = []
    monkeypatch.setattr(early, "deriving", lambda: deriving)
    monkeypatch.setattr(comparisons, "preload", lambda: events.append("preload"))

    def open_store():
        events.append("open")
        return Store.open(store, PASSPHRASE, gate=True)

    planned = precheck_job.planned_from_values("planned", "amazon.com", None, values)
    result = precheck_job.precheck(open_store, planned, load_rules(None), min_level=Level.LOW, fail_on=Level.HIGH)
    assert result.verdict in precheck_job.VERDICTS
    return events


def test_the_library_is_loaded_before_the_store_is_opened_while_the_key_is_derived(demo_store, monkeypatch):
    assert _precheck_recording(demo_store, monkeypatch, PLANNED, deriving=True) == ["preload", "open"]


def test_not_loaded_when_the_key_is_there_or_nothing_is_compared_fuzzily(demo_store, monkeypatch):
    assert _precheck_recording(demo_store, monkeypatch, PLANNED, deriving=False) == ["open"]
    email_only = {"email": ["sales@acme-widgets.example"]}
    assert _precheck_recording(demo_store, monkeypatch, email_only, deriving=True) == ["open"]


def test_the_batch_loads_it_too(demo_store, monkeypatch):
    events: list[str] = []
    monkeypatch.setattr(early, "deriving", lambda: True)
    monkeypatch.setattr(comparisons, "preload", lambda: events.append("preload"))
    rows = [(f"row {i}", precheck_job.planned_from_values(f"p{i}", "amazon.com", None, PLANNED)) for i in (1, 2)]
    precheck_job.precheck_batch(lambda: Store.open(demo_store, PASSPHRASE, gate=True), rows, load_rules(None), min_level=Level.LOW,
                                fail_on=Level.HIGH)
    assert events == ["preload"]


def test_preload_imports_what_the_comparisons_use():
    comparisons.preload()
    import sys

    assert {"rapidfuzz.fuzz", "rapidfuzz.process", "rapidfuzz.distance.OSA", "rapidfuzz.utils"} <= set(sys.modules)


@pytest.mark.parametrize("args", [
    ("precheck", str(PROFILES_DIR / "acme-us.json")),
    ("precheck", str(PROFILES_DIR / "acme-us.json"), "--format", "json"),
    ("precheck", "--company-name", "Acme Widgets LLC", "--phone", "+1 201 555 0100"),
])
def test_the_same_answer_whether_loaded_early_or_at_the_comparison(cli, demo_store, monkeypatch, args):
    monkeypatch.setattr(early, "deriving", lambda: False)
    at_comparison = cli(*args)
    monkeypatch.setattr(early, "deriving", lambda: True)
    early_load = cli(*args)
    assert (early_load.exit_code, early_load.stdout, early_load.stderr) == (
        at_comparison.exit_code, at_comparison.stdout, at_comparison.stderr)
