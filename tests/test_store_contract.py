"""One contract, every store backend: the SQLite store, the in-memory store and the team store
on PostgreSQL (a real server, tests/pgcluster.py) answer the same calls with the same results
(store/api.py's `StoreBackend`).

The example profiles are imported once through the CLI (into a SQLite store, as a user
would); each backend then gets them through `put_profile` and must give them back, with
the log, the explanations, the audit and the pre-login candidates, exactly alike.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import pytest

from linkcheck.errors import PassphraseError, UsageError
from linkcheck.linkage import engine
from linkcheck.linkage.rules import load_rules
from linkcheck.models import Event, Explanation
from linkcheck.store import Store, StoreBackend, create
from linkcheck.store import postgres
from linkcheck.store.memory import MemoryStore

from conftest import PASSPHRASE

BACKENDS = ("sqlite", "memory", "postgres")


@pytest.fixture
def examples(demo_store):
    with Store.open(demo_store, PASSPHRASE) as st:
        return st.profiles()


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """`open(write=False)`: a context manager giving a transaction on a new, empty store."""
    if request.param == "sqlite":
        path = tmp_path / "contract.db"
        create(path, PASSPHRASE)

        def open_(write: bool = False):
            return Store.open(path, PASSPHRASE, write=write)
    elif request.param == "postgres":
        url = request.getfixturevalue("team_url")
        postgres.create(url, PASSPHRASE, "owner")

        def open_(write: bool = False):
            return postgres.TeamStore.open(url, PASSPHRASE, write=write)
    else:
        data = MemoryStore.new()

        def open_(write: bool = False):
            return MemoryStore.open(data, write=write)

    return open_


@pytest.fixture
def filled(backend, examples):
    with backend(write=True) as st:
        for profile in examples:
            st.put_profile(profile)
    return backend


def _logged(st, events):
    """The log as a backend gives it back: the team store records the member of every entry."""
    if isinstance(st, postgres.TeamStore):
        return [replace(e, detail={**e.detail, "member": st.member.name}) for e in events]
    return events


def _audit(st, rules, explanations=()):
    given = st.audit_input(rules.combine.fuzzy_block_cap, functools.partial(engine.score_blocks, rules=rules))
    result = engine.audit(given.profiles, rules, explanations=explanations, fuzzy_matches=given.fuzzy_matches,
                          more_values=given.more_values)
    return engine.audit_to_json(result, reveal=True)


def test_both_implement_the_interface(backend):
    with backend() as st:
        assert isinstance(st, StoreBackend)


def test_put_and_get(filled, examples):
    with filled() as st:
        assert st.profiles() == examples
        assert list(st.iter_profiles()) == examples
        assert st.accounts() == [p.account for p in examples]
        assert st.count_accounts() == len(examples) == 10
        for profile in examples:
            assert st.find_profile(profile.account.name) == profile
            assert st.profile(profile.account.name) == profile
            assert st.has_account(profile.account.name)
        assert st.find_profile("no-such-account") is None
        assert not st.has_account("no-such-account")
        with pytest.raises(UsageError, match="no account named 'no-such-account'"):
            st.profile("no-such-account")
        assert st.counts() == {"accounts": 10, "attributes": sum(len(p.attributes) for p in examples),
                               "events": 0, "explanations": 0}


def test_a_put_replaces_by_name_in_place(filled, examples):
    changed = replace(examples[3], account=replace(examples[3].account, note="replaced"),
                      attributes=examples[3].attributes[:2])
    with filled(write=True) as st:
        st.put_profile(changed)
    with filled() as st:
        assert st.profiles() == [*examples[:3], changed, *examples[4:]]


def test_periods_of_use_are_kept_and_retired_values_still_found_by_key(filled, examples):
    # Identifier history (format 3): a retired value keeps its periods and its match keys.
    attr = examples[3].attributes[0]
    retired = attr._replace(periods=((attr.first_seen, attr.first_seen + 86400, "replaced"),
                                     (attr.first_seen + 172800, None, None)))
    changed = replace(examples[3], attributes=(retired, *examples[3].attributes[1:]))
    with filled(write=True) as st:
        st.put_profile(changed)
    with filled() as st:
        assert st.profile(changed.account.name) == changed
        names = {p.account.name for p in st.candidates(retired.keys[:1])}
        assert changed.account.name in names


def test_a_read_only_transaction_cannot_write(filled, examples):
    with filled() as st, pytest.raises(RuntimeError, match="read-only"):
        st.put_profile(examples[0])


def test_a_failed_transaction_leaves_nothing(filled, examples):
    with pytest.raises(KeyError), filled(write=True) as st:
        st.remove_account(examples[0].account.name)
        st.add_event(Event(1, "acme-us", "check", "GO", {}))
        raise KeyError("the command failed")
    with filled() as st:
        assert st.profiles() == examples and st.events() == []


def test_remove_takes_the_explanations_naming_the_account(filled, examples):
    with filled(write=True) as st:
        st.put_explanation(Explanation(("acme-de", "acme-us"), "brand", "one brand, two regions", 5))
        st.put_explanation(Explanation(("lotus-jp", "nordic-de"), "category", "a coincidence", 6))
        st.remove_account("acme-de")
        with pytest.raises(UsageError, match="no account named 'acme-de'"):
            st.remove_account("acme-de")
    with filled() as st:
        assert [p.account.name for p in st.profiles()] == [p.account.name for p in examples if p.account.name != "acme-de"]
        assert st.explanations() == [Explanation(("lotus-jp", "nordic-de"), "category", "a coincidence", 6)]


def test_rename_carries_explanations_and_the_log(filled, examples):
    with filled(write=True) as st:
        st.put_explanation(Explanation(("acme-de", "acme-us"), "brand", "one brand", 5))
        st.add_event(Event(10, "acme-us", "check", "GO", {"n": 1}))
        st.add_event(Event(11, "lotus-jp", "check", "STOP", {}))
        with pytest.raises(UsageError, match="an account named 'lotus-jp' already exists"):
            st.rename_account("acme-us", "lotus-jp")
        st.rename_account("acme-us", "zeta-us")
    with filled() as st:
        renamed = st.profile("zeta-us")
        original = next(p for p in examples if p.account.name == "acme-us")
        assert renamed == replace(original, account=replace(original.account, name="zeta-us"))
        assert st.profiles()[-1] == renamed and st.find_profile("acme-us") is None
        assert st.explanations() == [Explanation(("acme-de", "zeta-us"), "brand", "one brand", 5)]
        assert st.events() == _logged(st, [Event(10, "zeta-us", "check", "GO", {"n": 1}),
                                           Event(11, "lotus-jp", "check", "STOP", {})])


def test_events_are_filtered(filled):
    log = [Event(1, "acme-us", "check", "GO", {}), Event(5, "acme-us", "capture", "RECORDED", {"values": 3}),
           Event(9, "lotus-jp", "check", "STOP", {"kind": "ip"})]
    with filled(write=True) as st:
        for event in log:
            st.add_event(event)
    with filled() as st:
        log = _logged(st, log)
        assert st.events() == log
        assert st.events(account="acme-us") == log[:2]
        assert st.events(since=5) == log[1:]
        assert st.events(action="check") == [log[0], log[2]]
        assert st.events(account="acme-us", action="check", since=2) == []
        assert st.counts()["events"] == 3


def test_remove_events_drops_only_that_accounts_entries_of_that_action(filled):
    log = [Event(1, "acme-us", "health", "RECORDED", {}), Event(2, "acme-us", "check", "GO", {}),
           Event(3, "lotus-jp", "health", "RECORDED", {})]
    with filled(write=True) as st:
        for event in log:
            st.add_event(event)
    with filled(write=True) as st:
        assert st.remove_events("acme-us", "health") == 1
    with filled() as st:
        assert st.events() == _logged(st, log[1:])
        assert st.counts()["events"] == 2


def test_an_explanation_is_replaced_by_its_pair_and_kind(filled):
    with filled(write=True) as st:
        st.put_explanation(Explanation(("acme-de", "acme-us"), "brand", "first", 1))
        st.put_explanation(Explanation(("brightway-ca", "brightway-uk"), "email", "shared inbox", 2))
        st.put_explanation(Explanation(("acme-de", "acme-us"), "brand", "second", 3))
    with filled() as st:
        assert st.explanations() == [Explanation(("acme-de", "acme-us"), "brand", "second", 3),
                                     Explanation(("brightway-ca", "brightway-uk"), "email", "shared inbox", 2)]


def test_the_audit_is_the_same_on_every_backend(filled, demo_store):
    rules = load_rules(None)
    explanations = [Explanation(("acme-de", "acme-us"), "brand", "one brand", 5)]
    with Store.open(demo_store, PASSPHRASE) as reference:
        expected = engine.audit_to_json(
            engine.audit(reference.profiles(), rules, explanations=explanations), reveal=True
        )
    with filled() as st:
        found = _audit(st, rules, explanations)
    assert found == expected
    assert [tuple(p["accounts"]) for p in found["pairs"]] == [
        ("acme-de", "acme-us"), ("brightway-ca", "brightway-uk"), ("brightway-ca", "pine-mx"), ("cedar-us", "harbor-au")
    ]


def test_candidates_are_the_accounts_holding_a_key(filled, examples):
    by_name = {p.account.name: p for p in examples}
    acme = by_name["acme-us"]
    keys = [k for a in acme.attributes for k in a.keys]
    expected = [p for p in examples if p.account.name != "acme-us" and set(keys) & {k for a in p.attributes for k in a.keys}]
    with filled() as st:
        assert st.candidates(keys, exclude="acme-us") == expected
        assert {p.account.name for p in expected} >= {"acme-de"}
        assert st.candidates([]) == []
        assert st.candidates(["email:nobody@example.com"]) == []
        # A blocking key held by more accounts than the cap is ignored.
        blocking = next(k for k in keys if k.startswith("~"))
        holders = [p for p in examples if blocking in {k for a in p.attributes for k in a.keys}]
        assert st.candidates([blocking], block_cap=len(holders)) == holders
        assert st.candidates([blocking], block_cap=len(holders) - 1) == []


def test_keys_for_other_modules(filled):
    with filled(write=True) as st:
        assert st.machine_hash("machine-1") == st.machine_hash("machine-1") != st.machine_hash("machine-2")
        assert len(st.machine_hash("machine-1")) == 32
        assert len(st.signing_key().public_key().public_bytes_raw()) == 32
        with pytest.raises(PassphraseError, match="refusing an empty passphrase"):
            st.rekey("")
