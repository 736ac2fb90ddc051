"""Store format 2: per-attribute body lines, the per-attribute key index, the audit's loader
(`Store.audit_input`, with its fuzzy side in a forked process or not) and the upgrade of a
format-1 store."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from linkcheck.errors import StoreDamaged
from linkcheck import jsontext
from linkcheck.linkage import engine, exactfirst, sieve
from linkcheck.store import codec as store_mod
from linkcheck.jsontext import dumps
from linkcheck.store import keyindex, prefilter
from linkcheck.store.prefilter import QuietHubs
from linkcheck.accounts import make_attribute
from linkcheck.models import Account, Attribute, Profile
from linkcheck.linkage.rules import load_rules, rules_from_dict
from linkcheck.store import Store

from conftest import PASSPHRASE, PROFILES_DIR, Cli, write_json

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import synth  # noqa: E402

FORMAT1 = Path(__file__).resolve().parent / "fixtures" / "format1"
MACHINE = Path(__file__).resolve().parent.parent / "linkcheck" / "capture" / "fixtures" / "demo-machine.json"


# ---------------------------------------------------------------------------------------------
# Encoding


def _attr(kind: str, value: str, **kw) -> Attribute:
    return make_attribute(kind, value, region="US", **kw)


def test_body_round_trips_and_keeps_blocking_keys_off_the_attribute_line():
    profile = Profile(
        Account("acme-us", "amazon.com", "active", "note\nwith a newline", 5, 6),
        (
            _attr("company_name", "Shenzhen Acme Trading Co., Ltd."),
            _attr("email", "ops@acme.example"),
            Attribute("hostname", "host", "host", (), "manual", 1, 2, None, ("x",)),
        ),
    )
    raw = store_mod._encode_profile(profile)
    assert store_mod._decode_profile(raw) == profile
    lines = raw.split(b"\n")
    assert lines.pop() == b""
    assert len(lines) == 1 + 2 * len(profile.attributes)
    company_line = json.loads(lines[1])
    assert all(not k.startswith("~") for k in company_line[3])
    assert json.loads(lines[2]) and all(k.startswith("~") for k in json.loads(lines[2]))


def test_keys_out_of_order_are_refused():
    attr = Attribute("company_name", "x", "x", ("~company_name:x", "company_name:x"))
    with pytest.raises(ValueError):
        store_mod._encode_profile(Profile(Account("a"), (attr,)))


def test_index_lists_every_tag_per_attribute(store_path, store):
    profile = Profile(Account("a"), (_attr("company_name", "Acme Trading Ltd"), _attr("email", "x@acme.example")))
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        blob = st._index_blob(profile)
        index = keyindex._parse_index(blob)
        company, email = profile.attributes
        n_exact = [len([k for k in a.keys if not k.startswith("~")]) for a in profile.attributes]
        assert list(index.exact_counts) == n_exact
        assert list(index.block_counts) == [len(a.keys) - n for a, n in zip(profile.attributes, n_exact, strict=True)]
        tag = lambda k: int.from_bytes(st._keys.index_tag(k), sys.byteorder)  # noqa: E731
        exact = [k for a in profile.attributes for k in a.keys if not k.startswith("~")]
        blocking = [k for a in profile.attributes for k in a.keys if k.startswith("~")]
        assert list(index.exact) == [tag(k) for k in exact]
        assert list(index.blocking) == [tag(k) for k in blocking]


# ---------------------------------------------------------------------------------------------
# The audit's loader gives the same audit as every profile


def _audit_input(st: Store, rules, parallel: bool = True, include: str | None = None, hubs: bool = False):
    quiet = QuietHubs(rules.combine.hub_size, functools.partial(engine.quiet_hub, rules=rules)) if hubs else None
    return st.audit_input(
        rules.combine.fuzzy_block_cap, functools.partial(engine.score_blocks, rules=rules), include=include,
        parallel=parallel, hubs=quiet,
    )


def _same_audit(store_path: Path, rules, **kw) -> dict:
    """The audit over `audit_input` (in two processes and in one, leaving out the accounts
    that share only quiet hubs or not) equals the audit over every profile, to the byte; so
    does the audit in two steps (`exactfirst`: its exact side made while the fuzzy side runs,
    then merged), where no `account` is asked for."""
    with Store.open(store_path, PASSPHRASE) as st:
        everything = st.profiles()
        inputs = [_audit_input(st, rules, parallel, kw.get("account"), hubs)
                  for parallel in (True, False) for hubs in (False, True)]
        explanations = st.explanations()
        stepped = []
        if "account" not in kw:
            for parallel in (True, False):
                for hubs in (False, True):
                    quiet = QuietHubs(rules.combine.hub_size, functools.partial(engine.quiet_hub, rules=rules))
                    stepped.append(st.audit_input(
                        rules.combine.fuzzy_block_cap, functools.partial(engine.score_blocks, rules=rules),
                        parallel=parallel, hubs=quiet if hubs else None, meanwhile=lambda profiles, hub_keys: (
                            exactfirst.audit_exact(profiles, rules, explanations=explanations, hub_keys=hub_keys,
                                                   json_reveal=True, **kw)),
                    ))
    full = engine.audit_to_json(engine.audit(everything, rules, explanations=explanations, **kw), reveal=True)
    for given in inputs:
        fast = engine.audit(given.profiles, rules, explanations=explanations, fuzzy_matches=given.fuzzy_matches,
                            hub_keys=given.hub_keys, more_values=given.more_values, **kw)
        assert dumps(engine.audit_to_json(fast, reveal=True)) == dumps(full)
    for given in stepped:
        if given.exact_side is None:  # a format-1 store: nothing to wait for
            assert given.fuzzy_matches is None
            continue
        side = given.exact_side
        assert exactfirst._remap(side, given.profiles) is not None  # merged, not audited again whole
        merged = exactfirst.merge(side, given.profiles, given.fuzzy_matches)
        assert dumps(engine.audit_to_json(merged, reveal=True, made=side.json)) == dumps(full)
        assert jsontext.dumps_bytes(engine.audit_to_json(merged, reveal=True, made=side.json),
                                    side.pieces) == dumps(full).encode()
    return full


NEAR_MISSES = [
    # A typo in the company name, the same place written more and less completely, a
    # different company in the same city and trade, a person written twice (a rare name: since
    # issue 16 a common one such as Wei Li alone is context, not a link).
    {"account": "typo-a", "marketplace": "amazon.com",
     "attributes": {"company_name": ["Shenzhen Zorbex Trading Co., Ltd."],
                    "address": ["Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen 518057"]}},
    {"account": "typo-b", "marketplace": "amazon.com",
     "attributes": {"company_name": ["Shenzhen Zorbax Trading Co Ltd"],
                    "address": ["Room 1203 88 Keyuan Rd Nanshan Shenzhen"]}},
    {"account": "other-c", "marketplace": "amazon.com", "status": "suspended",
     "attributes": {"company_name": ["Shenzhen Qilvan Trading Co., Ltd."],
                    "legal_representative": ["Quillfeather Ada"], "category": ["Pet Supplies"]}},
    {"account": "person-d", "marketplace": "amazon.com",
     "attributes": {"legal_representative": ["Ada  Quillfeather"], "category": ["Pet Supplies"]}},
    {"account": "alone-e", "marketplace": "amazon.com",
     "attributes": {"email": ["alone@unshared.example"], "category": ["Pet Supplies"]}},
]


@pytest.fixture(scope="module")
def busy_store_template(tmp_path_factory) -> Path:
    """1,500 synthetic accounts, the example profiles and some near misses, with an explanation:
    built once per module (it takes seconds), copied for each test by `busy_store`."""
    root = tmp_path_factory.mktemp("busy-store")
    home = root / "home"
    home.mkdir()
    env = {"LINKCHECK_STORE": str(root / "store" / "linkcheck.db"), "LINKCHECK_TEST_INSECURE_FAST_KDF": "1",
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    cli = Cli()
    files = synth.write_files(1500, root / "synth", per_file=1500)
    near = write_json(root / "near.json", NEAR_MISSES)
    for args in (
        ("init",),
        ("import", *files, *sorted(PROFILES_DIR.glob("*.json")), near),
        ("explain", "acme-de", "acme-us", "company_name", "--note", "Shared office, documented lease."),
    ):
        result = cli(*args, env=env)
        assert result.exit_code == 0, result.output
    return root / "store"


@pytest.fixture
def busy_store(busy_store_template, store_path):
    """This test's own copy of the busy store, at the test's store path (a test may change it)."""
    shutil.copytree(busy_store_template, store_path.parent)
    return store_path


def test_audit_input_gives_the_audit_of_every_profile(busy_store, store_path):
    audit = _same_audit(store_path, load_rules(None))
    linked = {tuple(p["accounts"]) for p in audit["pairs"]}
    assert ("typo-a", "typo-b") in linked
    assert ("person-d", "other-c") in linked or ("other-c", "person-d") in linked
    assert ("acme-de", "acme-us") in linked
    assert audit["clusters"] and audit["at_risk"]


def test_an_exact_side_made_for_a_fuzzy_side_that_gives_nothing_is_dropped(busy_store, store_path, monkeypatch):
    """A fuzzy side with no result (a development build's store: its indexes kept no texts) makes
    the audit whole, from every profile: the exact side made meanwhile is dropped -- the helper
    making its pairs' text stopped, not left to block on its pipe."""
    from linkcheck.store import prefilter

    monkeypatch.setattr(prefilter, "_blocks_in_python", lambda indexes, block_cap: None)
    rules = load_rules(None)
    dropped = []

    class Side:
        def drop_pieces(self):
            dropped.append(True)

    with Store.open(store_path, PASSPHRASE) as st:
        everything = st.profiles()
        given = st.audit_input(rules.combine.fuzzy_block_cap, functools.partial(engine.score_blocks, rules=rules),
                               parallel=False, meanwhile=lambda profiles, hub_keys: Side())
    assert dropped == [True]
    assert given.fuzzy_matches is None and given.exact_side is None and given.profiles == everything


def test_audit_input_with_small_blocks_and_hubs(busy_store, store_path):
    rules = rules_from_dict({"combine": {"fuzzy_block_cap": 3, "hub_size": 5}})
    audit = _same_audit(store_path, rules)
    assert audit["hubs"]
    _same_audit(store_path, rules_from_dict({"combine": {"fuzzy_block_cap": 2}}))


@pytest.mark.parametrize("account", ["typo-a", "alone-e", "store-000042", "acme-us"])
def test_audit_input_for_one_account(busy_store, store_path, account):
    _same_audit(store_path, load_rules(None), account=account, min_level=engine.Level.LOW)


def test_audit_input_leaves_out_what_shares_nothing(busy_store, store_path):
    rules = load_rules(None)
    with Store.open(store_path, PASSPHRASE) as st:
        given = _audit_input(st, rules)
        total = st.count_accounts()
        on_file = sum(len(p.attributes) for p in st.profiles())
    linked = {p.name: p for p in given.profiles}
    kept = sum(len(p.attributes) for p in given.profiles)
    assert "alone-e" in linked  # its category is shared: context, still needed beside pairs
    assert [a.kind for a in linked["alone-e"].attributes] == ["category"]
    assert len(linked) <= total and kept < on_file / 3
    # No blocking key is decoded: fuzzy matches come from the index, as positions.
    assert all(not k.startswith("~") for p in given.profiles for a in p.attributes for k in a.keys)
    named = {(given.profiles[a].name, given.profiles[a].attributes[va].kind,
              given.profiles[b].name, given.profiles[b].attributes[vb].kind, facet)
             for a, va, b, vb, _similarity, facet in given.fuzzy_matches}
    assert ("typo-a", "company_name", "typo-b", "company_name", "company_name") in named
    assert ("typo-a", "address", "typo-b", "address", "address") in named


def test_a_line_many_accounts_hold_is_decoded_once_and_shared(busy_store, store_path):
    """The same category line in thousands of accounts is parsed once and its attribute
    shared between them; never two attributes of one account, never a value a fuzzy match
    names (the engine finds those by the object), and the audit is the same (`_same_audit`)."""
    rules = load_rules(None)
    with Store.open(store_path, PASSPHRASE) as st:
        given = _audit_input(st, rules)
    holders: dict[int, int] = {}
    for p in given.profiles:
        assert len({id(a) for a in p.attributes}) == len(p.attributes)
        for a in p.attributes:
            holders[id(a)] = holders.get(id(a), 0) + 1
    shared = {a.kind for p in given.profiles for a in p.attributes if holders[id(a)] > 1}
    assert "category" in shared and holders and max(holders.values()) > 100
    named = [given.profiles[x].attributes[v] for a, va, b, vb, _s, _f in given.fuzzy_matches for x, v in ((a, va), (b, vb))]
    assert named and all(holders[id(a)] == 1 for a in named)


def test_accounts_sharing_only_quiet_hubs_are_left_out(busy_store, store_path):
    """Everyone ships with one of a few carriers and sells in one of a few categories: hubs
    that link nobody. An account sharing nothing else is not read; the first holder of each
    such value is (it names the key), and the audit is told the keys are hubs."""
    rules = load_rules(None)
    with Store.open(store_path, PASSPHRASE) as st:
        every = _audit_input(st, rules)
        thin = _audit_input(st, rules, hubs=True)
        one = _audit_input(st, rules, include="alone-e", hubs=True)
    assert every.hub_keys == frozenset()
    assert thin.hub_keys and {key.partition(":")[0] for key in thin.hub_keys} == {"logistics", "category"}
    names = {p.name for p in thin.profiles}
    assert "alone-e" in {p.name for p in every.profiles} and "alone-e" not in names
    assert {"typo-a", "typo-b", "person-d", "other-c", "acme-us"} <= names
    assert len(thin.profiles) < len(every.profiles) / 2
    # Kept accounts are read as before, every shared value with them.
    before = {p.name: p for p in every.profiles}
    assert all(p == before[p.name] for p in thin.profiles)
    # Each hub's first holder is read.
    firsts = {}
    for p in every.profiles:
        for a in p.attributes:
            for key in a.keys:
                firsts.setdefault(key, p.name)
    assert {firsts[key] for key in thin.hub_keys} <= names
    # An account asked for is read whatever it shares.
    assert "alone-e" in {p.name for p in one.profiles}


@pytest.mark.parametrize("parallel", [True, False])
def test_audit_input_lists_every_account_for_the_report(busy_store, store_path, parallel):
    """The report lists every account: read beside the audit's input, each body opened once,
    the same accounts in the same order as `Store.accounts()`."""
    rules = load_rules(None)
    with Store.open(store_path, PASSPHRASE) as st:
        given = _audit_input(st, rules, parallel=parallel, hubs=True)
        listed = st.accounts()
        with_them = st.audit_input(
            rules.combine.fuzzy_block_cap, functools.partial(engine.score_blocks, rules=rules), parallel=parallel,
            hubs=QuietHubs(rules.combine.hub_size, functools.partial(engine.quiet_hub, rules=rules)), accounts=True,
        )
    assert given.accounts is None
    assert with_them.accounts == listed and len(listed) == 1500 + 10 + len(NEAR_MISSES)
    assert with_them._replace(accounts=None) == given


def test_every_account_row_is_checked_for_the_report(busy_store, store_path):
    """A row that reads back other than the manifest check verified it at open is damage,
    also when only its first line is wanted (an account left out of the audit's input)."""
    rules = load_rules(None)
    hubs = QuietHubs(rules.combine.hub_size, functools.partial(engine.quiet_hub, rules=rules))
    with Store.open(store_path, PASSPHRASE) as st:
        score = functools.partial(engine.score_blocks, rules=rules)
        assert "alone-e" not in {p.name for p in st.audit_input(200, score, parallel=False, hubs=hubs).profiles}
        row_id = st._account_ids[st._keys.name_tag("alone-e")]
        version, tag, body_tag, *rest = st._verified["accounts"][row_id]
        st._verified["accounts"][row_id] = (version, tag, bytes(16), *rest)
        with pytest.raises(StoreDamaged, match="differs from the one verified"):
            st.audit_input(200, score, parallel=False, hubs=hubs, accounts=True)


def test_quiet_hubs_follow_the_rules(busy_store, store_path):
    """A context facet given a level in a rules file links: its hubs are not quiet, and the
    audit over what is read is still the audit of every profile."""
    assert engine.quiet_hub("logistics:dhl", load_rules(None))
    assert not engine.quiet_hub("email:ops@acme.example", load_rules(None))
    linking = rules_from_dict({"levels": {"logistics": "medium", "category": "off"}, "combine": {"hub_size": 5}})
    assert not engine.quiet_hub("logistics:dhl", linking) and engine.quiet_hub("category:toys", linking)
    audit = _same_audit(store_path, linking)
    assert any(h["facet"] == "logistics" for h in audit["hubs"])
    with Store.open(store_path, PASSPHRASE) as st:
        thin = _audit_input(st, linking, hubs=True)
    assert {key.partition(":")[0] for key in thin.hub_keys} == {"category"}


def test_fuzzy_scoring_split_in_two_processes_finds_the_same(busy_store, store_path, monkeypatch):
    """A large fuzzy scoring is split: the later blocks in a second forked child. The matches
    are the same, in the same order, as one process scoring every block."""
    rules = load_rules(None)
    with Store.open(store_path, PASSPHRASE) as st:
        alone = _audit_input(st, rules, parallel=False)
        monkeypatch.setattr(prefilter, "SPLIT_SCORING_OVER", 0)
        split = _audit_input(st, rules, parallel=True)
    assert split == alone and len(alone.fuzzy_matches) > 2
    _same_audit(store_path, rules)


@pytest.mark.parametrize("child_dies", [False, True])
def test_split_scoring_keeps_the_first_match_of_a_pair(monkeypatch, child_dies):
    """A pair of values met in an early block and again in a later one is the early block's
    match, as when one process scores every block; a child that dies is redone here."""
    blocks = [("email", [0, 1, 2]), ("email", [3, 4]), ("phone", [1, 2, 5]), ("phone", [0, 5]), ("email", [2, 3, 4])]
    owner = [0, 1, 2, 3, 4, 5]
    parent = os.getpid()

    def every_pair(blocks, text_of, exact_of, owner):
        if child_dies and os.getpid() != parent:
            os._exit(9)
        # each block's matches marked with its first ref, so a pair's block shows
        return [engine.FuzzyMatch(a, b, 90.0 + refs[0], facet) for facet, refs in blocks
                for i, a in enumerate(refs) for b in refs[i + 1:]]

    def sequential(blocks):
        seen, out = set(), []
        for m in every_pair(blocks, None, None, owner):
            if (m.a, m.b) not in seen:
                seen.add((m.a, m.b))
                out.append(m)
        return out

    def first_kept(blocks, text_of, exact_of, owner, before=(), gates=None):
        return [m for m in sequential(blocks) if (m.a, m.b) not in before]

    monkeypatch.setattr(prefilter, "SPLIT_SCORING_OVER", 0)
    split = prefilter._score_in_two(first_kept, blocks, None, None, owner, True)
    assert split == sequential(blocks)
    assert (2, 3) in {(m.a, m.b) for m in split} and len(split) == len({(m.a, m.b) for m in split})
    assert next(m for m in split if (m.a, m.b) == (3, 4)).similarity == 93.0  # its early block's


def test_blocks_built_as_arrays_are_the_blocks_of_the_loop(busy_store, store_path, monkeypatch):
    """Above ARRAYS_OVER accounts the key indexes are read as arrays and the fuzzy side's
    blocks are built with numpy: the same blocks, refs, values, texts and exact tags as the
    Python loop, whatever the block cap; and the audit over them (its exact side found with
    arrays too, the fuzzy scoring sieved) is the audit of every profile."""
    with Store.open(store_path, PASSPHRASE) as st:
        indexes = [prefilter._open_index(st, row) for row in st._index_rows]
        arrays = prefilter._open_arrays(st, st._index_rows)
        first = prefilter._open_arrays(st, st._index_rows[:1])
    for cap in (200, 5, 2):
        built = prefilter._blocks_in_arrays(arrays, cap)
        assert built == prefilter._blocks_in_python(indexes, cap)
        assert built[0] or cap == 2
    assert prefilter._blocks_in_arrays(first, 200) == prefilter._blocks_in_python(indexes[:1], 200)
    monkeypatch.setattr(prefilter, "ARRAYS_OVER", 0)
    monkeypatch.setattr(sieve, "SIEVE_OVER", 0)  # and the fuzzy scoring sieved, as on a large store
    _same_audit(store_path, load_rules(None))
    _same_audit(store_path, rules_from_dict({"combine": {"fuzzy_block_cap": 3, "hub_size": 5}}))
    _same_audit(store_path, rules_from_dict({"combine": {"hub_size": 5}}), account="alone-e", min_level=engine.Level.LOW)


def test_a_failed_child_is_redone_in_process(busy_store, store_path, monkeypatch):
    """If the forked child dies, the parent computes the fuzzy side itself."""
    rules = load_rules(None)
    real = prefilter._fuzzy_matches
    parent = os.getpid()

    def dies_in_the_child(*args):
        if os.getpid() != parent:
            os._exit(9)
        return real(*args)

    monkeypatch.setattr(prefilter, "_fuzzy_matches", dies_in_the_child)
    with Store.open(store_path, PASSPHRASE) as st:
        broken = _audit_input(st, rules)
    monkeypatch.setattr(prefilter, "_fuzzy_matches", real)
    with Store.open(store_path, PASSPHRASE) as st:
        assert broken == _audit_input(st, rules, parallel=False)


def test_audit_command_of_an_account_sharing_nothing(busy_store, cli):
    result = cli("audit", "--account", "alone-e", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs"] == []
    table = cli("audit", "--account", "alone-e")
    assert f"{1500 + 10 + len(NEAR_MISSES)} accounts" in table.output


def test_a_value_a_fuzzy_match_names_is_never_shared_between_accounts(store, store_path):
    """Two accounts hold the very same company line (one value, imported at one time) and a
    third a typo of it: the fuzzy matches name each account's own attribute, so those are
    decoded apart (shared, the engine would take one account's for the other's)."""
    company = _attr("company_name", "Shenzhen Zorbex Trading Co., Ltd.")
    category = _attr("category", "Pet Supplies")
    with Store.open(store_path, PASSPHRASE, write=True) as st:
        for name in ("twin-a", "twin-b"):
            st.put_profile(Profile(Account(name), (company, category)))
        st.put_profile(Profile(Account("typo-c"), (_attr("company_name", "Shenzhen Zorbax Trading Co Ltd"), category)))
    audit = _same_audit(store_path, load_rules(None))
    fuzzy = {tuple(p["accounts"]) for p in audit["pairs"] if any(f["match"] == "fuzzy" for f in p["findings"])}
    assert fuzzy == {("twin-a", "typo-c"), ("twin-b", "typo-c")}
    with Store.open(store_path, PASSPHRASE) as st:
        given = _audit_input(st, load_rules(None))
    categories = {id(a) for p in given.profiles for a in p.attributes if a.kind == "category"}
    assert len(categories) == 1  # the category line, without blocking keys, is shared


def test_body_and_index_that_disagree_are_damage(cli, store, store_path, monkeypatch):
    real = Store._index_blob

    def index_of_another_profile(self, profile, n_exact=None):
        return real(self, Profile(profile.account, profile.attributes[:-1]))

    with Store.open(store_path, PASSPHRASE, write=True) as st, monkeypatch.context() as patch:
        st.put_profile(Profile(Account("a"), (_attr("email", "x@a.example"), _attr("phone", "+1 415 555 0101"))))
        patch.setattr(Store, "_index_blob", index_of_another_profile)
        st.put_profile(Profile(Account("b"), (_attr("email", "x@a.example"), _attr("phone", "+1 415 555 0101"))))
    result = cli("audit")
    assert result.exit_code == 5
    assert "damaged" in result.output and "Traceback" not in result.output


def test_a_sealed_line_of_the_wrong_shape_is_damage(cli, store, store_path, monkeypatch):
    real = store_mod._JSON_LINE

    def keys_as_text(obj):
        return real(obj._replace(keys="k")) if isinstance(obj, Attribute) else real(obj)

    company = _attr("company_name", "Shenzhen Zorbex Trading")
    with Store.open(store_path, PASSPHRASE, write=True) as st, monkeypatch.context() as patch:
        st.put_profile(Profile(Account("x"), (company,)))
        patch.setattr(store_mod, "_JSON_LINE", keys_as_text)
        patch.setattr(store_mod, "_ORJSON_LINE", False)  # every line by _JSON_LINE
        st.put_profile(Profile(Account("y"), (company,)))
    result = cli("audit")
    assert result.exit_code == 5
    assert "damaged" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("arrays", [False, True])
def test_an_index_without_texts_falls_back_to_every_profile(cli, busy_store, store_path, monkeypatch, arrays):
    """Development builds wrote format-2 indexes without the texts; the audit then compares
    every profile itself, with the same result (the blocks built by the loop or as arrays)."""
    if arrays:
        monkeypatch.setattr(prefilter, "ARRAYS_OVER", 0)
    real = Store._index_blob

    def without_texts(self, profile, n_exact=None):
        blob = real(self, profile, n_exact)
        return blob[: keyindex._index_layout(blob)[3]]

    rules = load_rules(None)
    with Store.open(store_path, PASSPHRASE, write=True) as st, monkeypatch.context() as patch:
        patch.setattr(Store, "_index_blob", without_texts)
        st.put_profile(st.profile("typo-a"))
    with Store.open(store_path, PASSPHRASE) as st:
        given = _audit_input(st, rules)
        assert given.fuzzy_matches is None and len(given.profiles) == st.count_accounts()
    _same_audit(store_path, rules)


def test_audit_with_sigchld_ignored(busy_store, store_path, tmp_path):
    """A parent that ignores SIGCHLD (inherited from whatever started linkcheck) makes the
    kernel reap the child: the audit still answers, the same way."""
    env = dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE)
    run = functools.partial(subprocess.run, [sys.executable, "-m", "linkcheck", "audit", "--format", "json"],
                            env=env, capture_output=True, timeout=300)
    normal = run()
    ignoring = run(preexec_fn=lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
    assert normal.returncode == ignoring.returncode == 1, ignoring.stderr
    assert json.loads(ignoring.stdout) == json.loads(normal.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the audit forks only on Linux")
def test_the_child_writes_nothing_to_the_terminal(tmp_path):
    script = (
        "from linkcheck.store.prefilter import _Background\n"
        "print('result', _Background(lambda: print('from the child') or 42, True).result())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "result 42\n" and out.stderr == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the audit forks only on Linux")
@pytest.mark.parametrize("whole", [True, False])
def test_only_a_whole_result_from_the_child_is_used(monkeypatch, whole):
    """The child writes its result's length first: a result cut short (a child killed while
    writing) is no result, and the work is done again here; a whole one is used as it is,
    the child reaped by a thread meanwhile."""
    import pickle
    import threading

    parent = os.getpid()

    class _CutShort(bytes):
        def __len__(self):  # the length the child announces: more than it writes
            return super().__len__() + 7

    class _Pickle:
        HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
        loads = staticmethod(pickle.loads)

        @staticmethod
        def dumps(value, protocol):
            data = pickle.dumps(value, protocol=protocol)
            return data if whole else _CutShort(data)

    from linkcheck import parallel  # (where the one-shot child is made: parallel.ForkedResult)

    reaped: list = []
    real_reap = parallel.reap
    monkeypatch.setattr(parallel, "pickle", _Pickle)
    monkeypatch.setattr(parallel, "reap", lambda pid: reaped.append((pid, real_reap(pid))))
    result = prefilter._Background(lambda: ("child" if os.getpid() != parent else "here", list(range(1000))), True).result()
    assert result == ("child" if whole else "here", list(range(1000)))
    for thread in threading.enumerate():
        if thread.name == "linkcheck-reap":
            thread.join(timeout=30)
    [(pid, status)] = reaped
    assert status == 0  # the child wrote and left
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # and is reaped


# ---------------------------------------------------------------------------------------------
# A format-1 store: read as it is, upgraded at the first write


@pytest.fixture
def format1_store(store_path) -> Path:
    store_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FORMAT1 / "store-format1.db", store_path)
    store_path.chmod(0o600)
    return store_path


def _format(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT format FROM header").fetchone()[0]
    finally:
        conn.close()


def test_format1_store_is_read_without_change(cli, format1_store, tmp_path):
    result = cli("audit", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == json.loads((FORMAT1 / "audit-v1.json").read_text())
    assert cli("export", "-o", tmp_path / "out.json").exit_code == 0
    assert (tmp_path / "out.json").read_bytes() == (FORMAT1 / "export-v1.json").read_bytes()
    assert _format(format1_store) == 1
    precheck = cli("precheck", "--email", "JDoe@gmail.com", "--format", "json")
    assert precheck.exit_code == 1, precheck.output
    check = cli("check", "acme-us", "--machine", MACHINE)
    assert check.stdout.startswith("GO"), check.output


def test_format1_store_is_upgraded_at_the_first_write(cli, format1_store, tmp_path):
    # A STOP is logged without keeping any value: the accounts stay as they were.
    result = cli("check", "acme-de", "--machine", MACHINE, "--record")
    assert result.stdout.startswith("STOP"), result.output
    assert _format(format1_store) == 3
    audit = cli("audit", "--format", "json")
    assert json.loads(audit.stdout) == json.loads((FORMAT1 / "audit-v1.json").read_text())
    assert cli("export", "-o", tmp_path / "out.json").exit_code == 0
    assert (tmp_path / "out.json").read_bytes() == (FORMAT1 / "export-v1.json").read_bytes()
    log = json.loads(cli("log", "--format", "json").stdout)
    assert [e["verdict"] for e in log] == ["STOP", "STOP"]
    with Store.open(format1_store, PASSPHRASE) as st:
        assert st._format == 3
        _same_audit(format1_store, load_rules(None))


def test_passwd_on_a_format1_store_upgrades_it_too(cli, format1_store):
    result = cli("passwd", env={"LINKCHECK_NEW_PASSPHRASE": "a new and longer passphrase"})
    assert result.exit_code == 0, result.output
    assert _format(format1_store) == 3
    audit = cli("audit", "--format", "json", passphrase="a new and longer passphrase")
    assert json.loads(audit.stdout) == json.loads((FORMAT1 / "audit-v1.json").read_text())
    assert cli("audit", passphrase=PASSPHRASE).exit_code == 4
