"""The seventeenth session (issue 17, FEBRL4 against Splink): `kinds.parse_many`, many values
parsed on both cores, against `parse_tuple` one by one -- the same answers in the same order, the
same errors -- with a child, without one, and when the child dies. Made-up values only."""

from __future__ import annotations

import gc
import importlib.util
import os
import random
import string
import time

import pytest

from linkcheck import parallel
from linkcheck.errors import InvalidInput
from linkcheck.linkage import byfacet, engine
from linkcheck.linkage.results import audit_to_json
from linkcheck.linkage.rules import DEFAULT_RULES
from linkcheck.models import Account, Attribute, Level, Profile
from linkcheck.registry import kinds
from test_audit_two_cores import _world
from test_bench_linkage import BENCH


def _values(count: int, seed: int = 17) -> list[tuple[str, str]]:
    """Every kind's example, names, addresses, ids and phones made up, some of them invalid, many
    repeated, and a kind no one knows, shuffled."""
    rng = random.Random(seed)
    given = ["ada", "bram", "chloe", "dmitri", "li", "wei", "o'neill", "josé", ""]
    family = ["quillfeather", "okonkwo", "van der berg", "zhang", "smith-jones", "x"]
    streets = ["larkspur lane", "acacia avenue", "mill road", "rue de la paix", "high st"]
    towns = ["springfield vic 3000", "riverton nsw 2000", "shelbyville 4100", ""]
    out = [(name, kind.example) for name, kind in kinds.KINDS.items() if kind.example]
    while len(out) < count:
        pick = rng.random()
        if pick < 0.3:
            out.append(("legal_representative", f"{rng.choice(given)} {rng.choice(family)}".strip()))
        elif pick < 0.6:
            out.append(("address", f"{rng.randint(1, 300)} {rng.choice(streets)}, {rng.choice(towns)}".strip(", ")))
        elif pick < 0.8:
            out.append(("registration_number", "".join(rng.choice(string.digits) for _ in range(rng.randint(0, 9)))))
        elif pick < 0.9:
            out.append(("phone", rng.choice(["+1 202 555 01", "020 7946 0", "+44 20 7946 0", "138 0013 8"])
                        + str(rng.randint(0, 999))))
        elif pick < 0.97:
            out.append(("email", rng.choice(["ada@example.com", "not an address", "Bram@Example.org", "@"])))
        else:
            out.append(("shoe_size", "42"))  # an unknown kind: refused, as parse_tuple refuses it
    out.extend(out[: count // 5])  # repeated values
    rng.shuffle(out)
    return out


def _one_by_one(values, region=None):
    out = []
    for kind, value in values:
        try:
            out.append(kinds.parse_tuple(kind, value, region))
        except InvalidInput as error:
            out.append(error)
    return out


def _same(got, expected) -> None:
    assert len(got) == len(expected)
    for answer, wanted in zip(got, expected, strict=True):
        if isinstance(wanted, InvalidInput):
            assert type(answer) is type(wanted) and str(answer) == str(wanted)
        else:
            assert answer == wanted


@pytest.mark.parametrize("region", [None, "US", "GB", "amazon.de"])
def test_parse_many_gives_each_values_parse_tuple_in_order_with_a_child(region, monkeypatch):
    monkeypatch.setattr(kinds, "PARSE_MANY_SPLIT_OVER", 0)
    values = _values(3000)
    got = kinds.parse_many(values, region)
    _same(got, _one_by_one(values, region))
    assert any(isinstance(answer, InvalidInput) for answer in got)
    assert any(isinstance(answer, tuple) and answer[1] for answer in got)


def test_parse_many_in_one_process_gives_the_same(monkeypatch):
    values = _values(1500, seed=3)
    monkeypatch.setattr(kinds, "PARSE_MANY_SPLIT_OVER", 0)
    _same(kinds.parse_many(values, parallel=False), _one_by_one(values))
    monkeypatch.setattr(kinds, "PARSE_MANY_SPLIT_OVER", 10**9)  # (too few to split)
    _same(kinds.parse_many(iter(values)), _one_by_one(values))


def test_parse_many_when_the_child_dies_parses_here(monkeypatch):
    parent = os.getpid()
    chunk = kinds._parse_chunk

    def dies_in_the_child(region, item):
        if os.getpid() != parent:
            os._exit(3)
        return chunk(region, item)

    monkeypatch.setattr(kinds, "PARSE_MANY_SPLIT_OVER", 0)
    monkeypatch.setattr(kinds, "_parse_chunk", dies_in_the_child)
    values = _values(2500, seed=5)
    _same(kinds.parse_many(values, "US"), _one_by_one(values, "US"))


def test_each_refused_value_has_its_own_error():
    values = [("email", "not an address"), ("email", "not an address"), ("shoe_size", "42"), ("email", "ada@example.com")]
    got = kinds.parse_many(values)
    assert isinstance(got[0], InvalidInput) and isinstance(got[1], InvalidInput) and got[0] is not got[1]
    with pytest.raises(InvalidInput) as unknown:
        kinds.parse_tuple("shoe_size", "42")
    assert type(got[2]) is type(unknown.value) and str(got[2]) == str(unknown.value)
    assert got[3] == kinds.parse_tuple("email", "ada@example.com")
    assert kinds.parse_many([]) == []


def test_the_bench_parses_its_records_as_parse_value_does():
    """bench/linkage.py's run_linkcheck reads its records with parse_many: the attributes it
    makes are those parse_value one by one makes."""
    spec = importlib.util.spec_from_file_location("bench_linkage17", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    records = [{"rec_id": f"rec-{n}-org", "given_name": given, "surname": "quillfeather", "street_number": str(n),
                "address_1": "larkspur lane", "address_2": "", "suburb": "springfield", "state": "vic",
                "postcode": "3000", "soc_sec_id": ssn}
               for n, (given, ssn) in enumerate([("ada", "1234567"), ("ada", "1234576"), ("bram", "@@"), ("", "")])]
    pairs, _seconds, refused = bench.run_linkcheck(records)
    expected_refused = sum(1 for r in records for kind, text in bench.values_of(r).items()
                           if isinstance(_one_by_one([(kind, text)])[0], InvalidInput))
    assert refused == expected_refused >= 1  # ("@@" is no id number)
    assert frozenset(("rec-0-org", "rec-1-org")) in pairs


def test_parse_many_pauses_the_collector_and_gives_its_state_back():
    collections: list[int] = []

    def seen(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    values = _values(2500, seed=9)
    gc.callbacks.append(seen)
    try:
        assert gc.isenabled()
        kinds.parse_many(values, parallel=False)
        assert collections == [] and gc.isenabled()
        gc.disable()
        try:
            kinds.parse_many(values[:10], parallel=False)
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(seen)


# The in-process audit's masks made while its fuzzy child scores (engine `_Materialiser.mask_ahead`).

def test_forked_result_is_ready_once_the_child_has_sent_it():
    gate_read, gate_write = os.pipe()
    try:
        child = parallel.ForkedResult(lambda: os.read(gate_read, 1) + b" sent")
        assert not child.ready()  # (the child waits for the gate)
        os.write(gate_write, b"x")
        for _ in range(2000):
            if child.ready():
                break
            time.sleep(0.005)
        assert child.ready()
        assert child.result() == b"x sent"
        assert child.ready()  # (no child any more)
    finally:
        os.close(gate_read)
        os.close(gate_write)


def _split_audit_json(profiles, monkeypatch, mask=None, waiting=True):
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    if waiting:  # the child never seen done: every value masked while it scores
        monkeypatch.setattr(parallel.ForkedResult, "ready", lambda self: False)
    return audit_to_json(engine.audit(profiles, DEFAULT_RULES, min_level=Level.LOW, mask=mask))


@pytest.mark.parametrize("seed", range(6))
def test_masks_made_while_the_child_scores_are_those_made_after(seed, monkeypatch):
    profiles = _world(seed)
    made_ahead: list[int] = []
    ahead = engine._Materialiser.mask_ahead

    def counted(self, attrs, done, step=500):
        ahead(self, attrs, done, step)
        made_ahead.append(len(self._masked))

    monkeypatch.setattr(engine._Materialiser, "mask_ahead", counted)
    got = _split_audit_json(profiles, monkeypatch)
    assert made_ahead and made_ahead[0] > 0 and got["pairs"]
    # A mask of the caller's own is called as before (after the scoring), and gives the same.
    made_ahead.clear()
    assert _split_audit_json(profiles, monkeypatch, mask=lambda kind, normalized, raw: engine.kinds_mask(
        kind, normalized, raw)) == got
    assert made_ahead == []


def test_a_value_whose_mask_fails_fails_only_if_shown(monkeypatch):
    """A value of a kind the registry does not know, with a key of its own: never in a finding,
    so never masked before; masked ahead, its failure is left aside."""
    profiles = _world(2)
    odd = Profile(Account("acct-odd", "", "active"), (Attribute("shoe_size", "42", "42", ("shoe_size:42",)),))
    with pytest.raises(InvalidInput):
        engine.kinds_mask("shoe_size", "42", "42")
    assert _split_audit_json([*profiles, odd], monkeypatch) == _split_audit_json(profiles, monkeypatch)


def test_a_failure_while_the_fuzzy_child_scores_ends_the_child(monkeypatch):
    # A malformed explanation fails the materialiser, made while the child scores its part:
    # the child is ended and reaped (no <defunct> process left), the error is the caller's.
    from linkcheck.models import Explanation

    if not hasattr(os, "fork"):
        pytest.skip("no fork: no child")
    monkeypatch.setattr(byfacet, "SPLIT_OVER", 0)
    forked = []
    start = byfacet.start_scoring

    def counting(*args, **kwargs):
        scoring = start(*args, **kwargs)
        forked.append(scoring._child is not None)
        return scoring

    monkeypatch.setattr(engine, "start_scoring", counting)
    with pytest.raises(ValueError):
        engine.audit(_world(1), DEFAULT_RULES, explanations=[Explanation(("a", "b", "c"), "email", "note", 0)])
    assert forked == [True]  # (a child was at work when it failed)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child of this process left, running or not reaped
