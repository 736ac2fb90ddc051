"""The audit in two steps (linkage.exactfirst): the exact side made over the profiles read
before the fuzzy matches, then merged with them, gives exactly the one-pass `engine.audit`.

Random small worlds of accounts sharing emails and phones (exact), company names and
addresses written with typos (fuzzy), categories (context, a quiet hub); the profiles split the
way `Store.audit_input` splits them (what shares an exact key first; the values and accounts
the fuzzy matches name after). The store-level comparison is in test_store_format.py."""

from __future__ import annotations

import os
import random
from array import array

import pytest

from linkcheck import jsontext
from linkcheck.accounts import make_attribute
from linkcheck.linkage import engine, exactfirst
from linkcheck.linkage.rules import load_rules, rules_from_dict
from linkcheck.models import Account, Level, Profile
from linkcheck.registry.facets import BLOCKING_PREFIX

COMPANIES = ["Shenzhen Zorbex Trading Co., Ltd.", "Ningbo Quillfeather Imports Ltd", "Harbor Lantern Goods LLC",
             "Vantoro Home Supplies Co"]
PEOPLE = ["Ada Quillfeather", "Borislav Tenmarrow", "Cyrene Palavoux"]
STREETS = ["88 Keyuan Road, Nanshan District, Shenzhen 518057", "12 Baker Street, Springfield 62704",
           "400 Harbor Way, Oakland CA 94607"]


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    i = rng.choice(letters)
    return text[:i] + ("x" if text[i] != "x" else "q") + text[i + 1:]


def _world(seed: int) -> list[Profile]:
    rng = random.Random(seed)
    profiles = []
    for n in range(rng.randint(25, 45)):
        values = []
        for _ in range(rng.randint(0, 2)):
            values.append(make_attribute("email", f"user{rng.randint(0, 14)}@shop{rng.randint(0, 11)}.example", region="US"))
        if rng.random() < 0.4:
            values.append(make_attribute("phone", f"+1 415 555 01{rng.randint(10, 30)}", region="US"))
        if rng.random() < 0.8:
            company = rng.choice(COMPANIES)
            values.append(make_attribute("company_name", _typo(company, rng) if rng.random() < 0.5 else company,
                                         region="US"))
        if rng.random() < 0.5:
            street = f"Room {rng.randint(1, 4)}0{rng.randint(1, 3)}, {rng.choice(STREETS)}"
            values.append(make_attribute("address", _typo(street, rng) if rng.random() < 0.4 else street, region="US"))
        if rng.random() < 0.3:
            person = rng.choice(PEOPLE)
            values.append(make_attribute("legal_representative", _typo(person, rng) if rng.random() < 0.5 else person,
                                         region="US"))
        if rng.random() < 0.8:
            values.append(make_attribute("category", rng.choice(["Pet Supplies", "Toys", "Garden"]), region="US"))
        status = "suspended" if rng.random() < 0.1 else "active"
        profiles.append(Profile(Account(f"acct-{n:02d}", "amazon.com", status), tuple(values)))
    return profiles


def _fuzzy_positions(profiles: list[Profile], rules) -> list[tuple]:
    """The fuzzy matches among `profiles`, as `Store.audit_input` gives them: (account, value,
    account, value, similarity, facet) positions, in the order the audit finds them."""
    attr_of, owner, shared = engine._group_by_key(profiles)
    _e, _c, _h, blocks = engine._exact_pairs(shared, attr_of, owner, rules)
    found = engine.score_blocks(
        ((key[len(BLOCKING_PREFIX): key.find(":")], refs) for key, refs in blocks),
        lambda r: attr_of[r].normalized, lambda r: engine._own_exact_key(attr_of[r]), owner, rules)
    where = {id(a): (p, v) for p, profile in enumerate(profiles) for v, a in enumerate(profile.attributes)}
    return [(*where[id(attr_of[m.a])], *where[id(attr_of[m.b])], m.similarity, m.facet) for m in found]


def _split(profiles: list[Profile], rules, quiet: bool):
    """(the profiles read first, the profiles with what the matches name added, the matches
    in the latter's positions, the quiet hub keys), as `Store.audit_input` splits them."""
    matches = _fuzzy_positions(profiles, rules)
    holders: dict[str, set[int]] = {}
    for p, profile in enumerate(profiles):
        for a in profile.attributes:
            for k in a.keys:
                if not k.startswith(BLOCKING_PREFIX):
                    holders.setdefault(k, set()).add(p)
    shared = {k for k, who in holders.items() if len(who) > 1}
    hub_keys = set()
    if quiet:
        hub_keys = {k for k in shared if len(holders[k]) > rules.combine.hub_size and engine.quiet_hub(k, rules)}
    first_of = {min(holders[k]) for k in hub_keys}
    read: dict[int, list[int]] = {}  # account -> positions read first
    left_out: dict[int, list[int]] = {}
    for p, profile in enumerate(profiles):
        mine = [v for v, a in enumerate(profile.attributes) if any(k in shared for k in a.keys)]
        if not mine:
            continue
        keys = {k for v in mine for k in profile.attributes[v].keys if k in shared}
        if keys <= hub_keys and p not in first_of:
            left_out[p] = mine
        else:
            read[p] = mine
    named: dict[int, set[int]] = {}
    for a, va, b, vb, _s, _f in matches:
        for p, v in ((a, va), (b, vb)):
            if v not in read.get(p, ()):
                named.setdefault(p, set(left_out.get(p, ()) if p not in read else ())).add(v)
    first = [Profile(profiles[p].account, tuple(profiles[p].attributes[v] for v in sorted(read[p]))) for p in sorted(read)]
    first_of_account = {id(q.account): q for q in first}
    final, place = [], {}
    for p in sorted(set(read) | set(named)):
        positions = sorted(set(read.get(p, ())) | named.get(p, set()))
        for i, v in enumerate(positions):
            place[(p, v)] = (len(final), i)
        before = first_of_account.get(id(profiles[p].account))
        if before is not None and p not in named:
            final.append(before)
        else:
            final.append(Profile(profiles[p].account, tuple(profiles[p].attributes[v] for v in positions)))
    given = [(*place[(a, va)], *place[(b, vb)], s, f) for a, va, b, vb, s, f in matches]
    return first, final, given, frozenset(hub_keys)


def _json(result: engine.Audit) -> str:
    return jsontext.dumps(engine.audit_to_json(result, reveal=True))


RULES = [load_rules(None), rules_from_dict({"combine": {"hub_size": 4}}), rules_from_dict({"combine": {"hub_size": 6}})]


@pytest.mark.parametrize("quiet", [False, True])
@pytest.mark.parametrize("r", range(len(RULES)))
def test_the_two_steps_give_the_one_pass_audit(r, quiet):
    rules = RULES[r]
    joined = raised = added = 0
    for seed in range(40):
        first, final, given, hub_keys = _split(_world(seed), rules, quiet)
        for min_level, link_level in ((Level.LOW, Level.HIGH), (Level.MEDIUM, Level.MEDIUM)):
            expected = engine.audit(final, rules, min_level=min_level, link_level=link_level, fuzzy_matches=given,
                                    hub_keys=hub_keys)
            side = exactfirst.audit_exact(first, rules, min_level=min_level, link_level=link_level, hub_keys=hub_keys,
                                          json_reveal=True)
            assert exactfirst._remap(side, final) is not None  # merged, not audited again whole
            merged = exactfirst.merge(side, final, given)
            assert merged == expected
            assert _json(merged) == _json(expected)
            data = engine.audit_to_json(merged, reveal=True, made=side.json)
            assert jsontext.dumps_bytes(data, side.pieces) == _json(expected).encode()
        # What the matches did here: join two clusters of exact links, raise an exact pair.
        exact = engine.audit(first, rules, fuzzy_matches=[], hub_keys=hub_keys)
        cluster_of = {name: c for c, cluster in enumerate(exact.clusters) for name in cluster.accounts}
        level_of = {p.accounts: p.level for p in exact.pairs}
        full = engine.audit(final, rules, fuzzy_matches=given, hub_keys=hub_keys)
        joined += any(len({cluster_of[n] for n in c.accounts if n in cluster_of}) > 1 for c in full.clusters)
        raised += any(p.accounts in level_of and p.level > level_of[p.accounts] for p in full.pairs)
        added += len(final) > len(first)
    assert joined and raised and added


def test_a_value_the_exact_side_did_not_see_is_audited_whole():
    rules = RULES[1]
    first, final, given, hub_keys = _split(_world(3), rules, True)
    # The first account read first loses a value it shares: the exact groups differ.
    cut = next(i for i, p in enumerate(first) if len(p.attributes) > 1)
    first = list(first)
    first[cut] = Profile(first[cut].account, first[cut].attributes[1:])
    side = exactfirst.audit_exact(first, rules, hub_keys=hub_keys)
    assert exactfirst._remap(side, final) is None
    expected = engine.audit(final, rules, fuzzy_matches=given, hub_keys=hub_keys)
    assert exactfirst.merge(side, final, given) == expected


def test_every_profile_merged_at_once():
    """The whole store given to the merge (every value, every account): still the one pass."""
    rules = RULES[2]
    for seed in range(10):
        profiles = _world(seed)
        first, _final, _given, hub_keys = _split(profiles, rules, True)
        matches = _fuzzy_positions(profiles, rules)
        side = exactfirst.audit_exact(first, rules, hub_keys=hub_keys)
        merged = exactfirst.merge(side, profiles, matches)
        assert merged == engine.audit(profiles, rules, fuzzy_matches=matches, hub_keys=hub_keys)


def test_the_merge_completes_pairs_as_the_one_pass_does():
    """linkage.completion runs in the merge too: a rare name both accounts share (medium) beside
    two addresses no blocking key brings together, compared only by completion (high)."""
    rules = RULES[0]

    def account(name: str, address: str) -> Profile:
        values = (make_attribute("legal_representative", "Odalys Brackwater", when=1_700_000_000),
                  make_attribute("address", address, when=1_700_000_000))
        return Profile(Account(name, "amazon.com", "active"), values)

    profiles = [account("shop-a", "7 Harrowgatehse, Quenbdale VIC 3158"),
                account("shop-b", "7 Harrowgate Hse, Quenbydale VIC 3158")]
    given = _fuzzy_positions(profiles, rules)
    assert given == []  # no block compares the addresses
    expected = engine.audit(profiles, rules, fuzzy_matches=given)
    (pair,) = expected.pairs
    assert pair.level == Level.HIGH and {f.facet for f in pair.findings} == {"legal_representative", "address"}
    side = exactfirst.audit_exact(profiles, rules, json_reveal=True)
    assert exactfirst._remap(side, profiles) is not None
    merged = exactfirst.merge(side, profiles, given)
    assert merged == expected and _json(merged) == _json(expected)


def _unsafe(text: bytes) -> bool:
    return b'"phone"' in text  # (a stand-in for the output's test: true of some pairs' text)


def _fails(self):
    raise RuntimeError("the helper fails")


@pytest.mark.parametrize("apart", ["here", "helper", "tight", "failed", "short answer", "ends out of order",
                                   "no memory", "no fork", "an empty piece"])
def test_the_pairs_text_is_the_same_made_apart_or_here(monkeypatch, apart):
    """The pairs' text made by the forked helper (`_PiecesApart`: all of it, part of it when its
    space is full, none when it fails or answers wrongly) is the text made here, with the same
    verdicts of `json_unsafe`, and the audit's JSON made from it is the one-pass audit's."""
    if apart != "here":
        monkeypatch.setattr(exactfirst, "PIECES_APART_OVER", 0)
    if apart == "tight":  # a few texts fit, the rest are made here
        monkeypatch.setattr(exactfirst._PiecesApart, "SPACE_PER_PAIR", 0)
        monkeypatch.setattr(exactfirst._PiecesApart, "MIN_SPACE", 20000)
    elif apart == "failed":
        monkeypatch.setattr(exactfirst._PiecesApart, "_write", _fails)
    elif apart == "short answer":
        monkeypatch.setattr(exactfirst._PiecesApart, "_write", lambda self: (b"\0" * 8, b"\1"))
    elif apart == "ends out of order":  # (as many as the texts, the first beyond the second)
        monkeypatch.setattr(exactfirst._PiecesApart, "_write", lambda self: (
            array("q", [9, 3] + [-1] * (len(self._made_all) - 2)).tobytes(), bytes(len(self._made_all))))
    elif apart == "no fork":  # (Windows): no helper, no space mapped
        monkeypatch.delattr(os, "fork")
    elif apart == "an empty piece":  # (never a text's: `_write` writes none)
        monkeypatch.setattr(exactfirst._PiecesApart, "_write", lambda self: (
            array("q", [0] + [-1] * (len(self._made_all) - 1)).tobytes(), bytes(len(self._made_all))))
    elif apart == "no memory":
        monkeypatch.setattr(exactfirst._PiecesApart, "SPACE_PER_PAIR", 0)
        monkeypatch.setattr(exactfirst._PiecesApart, "MIN_SPACE", -1)  # (mmap refuses the length)
    rules = RULES[1]
    written = 0
    for seed in range(12):
        first, final, given, hub_keys = _split(_world(seed), rules, True)
        expected = engine.audit(final, rules, fuzzy_matches=given, hub_keys=hub_keys)
        side = exactfirst.audit_exact(first, rules, hub_keys=hub_keys, json_reveal=True, json_unsafe=_unsafe)
        assert (side._pieces_child is not None) == (apart != "here" and bool(side.json))
        if apart in ("no memory", "no fork") and side.json:
            assert side._pieces_child._child is None  # no helper
        made_all = [made for _pair, made in side.json.values()]
        pieces = side.pieces
        assert pieces == exactfirst._pieces_of(made_all, _unsafe)  # same objects, texts, verdicts
        assert all(type(text) is bytes for _made, text, _clean in pieces.values())
        written += len(pieces)
        data = engine.audit_to_json(exactfirst.merge(side, final, given), reveal=True, made=side.json)
        text = _json(expected).encode()
        assert jsontext.dumps_bytes_found(data, pieces, _unsafe) == (text, _unsafe(text))
    assert written


def test_a_helper_whose_text_is_not_wanted_is_stopped(monkeypatch):
    monkeypatch.setattr(exactfirst, "PIECES_APART_OVER", 0)
    first, _final, _given, hub_keys = _split(_world(2), RULES[1], True)
    side = exactfirst.audit_exact(first, RULES[1], hub_keys=hub_keys, json_reveal=False)
    child = side._pieces_child._child
    assert child is not None and child._pid is not None
    side.drop_pieces()
    assert child._pid is None and side._pieces_child is None
    assert side.pieces == exactfirst._pieces_of([made for _pair, made in side.json.values()], None)
