"""The audit's and the report's command side made cheaper (issue 17): each quicker way gives
exactly what the plain way gives."""

from __future__ import annotations

import random

import pytest

from linkcheck.cli import output
from linkcheck.linkage import engine


def test_json_bytes_unsafe_answers_as_the_pattern_does():
    """The byte searches before the pattern: text with none of the bytes an escaped character
    begins with is safe, and any other answer is the pattern's."""
    rng = random.Random(17)
    escaped = ["\x7f", "\x85", "\x9f", "\u202a", "\u202e", "\u2066", "\u2069"]
    near = ["\u2022", "\u2026", "\u2028", "\u2065", "\u206a", "\u00a0", "é", "同", "：", "\U0001f600", "a", "\n"]
    found = 0
    for _ in range(3000):
        text = "".join(rng.choice(near + escaped if rng.random() < 0.3 else near) for _ in range(rng.randrange(12)))
        data = text.encode("utf-8")
        answer = output.json_bytes_unsafe(data)
        assert answer == (output._UNSAFE_UTF8.search(data) is not None)
        assert answer == any(c in text for c in escaped)
        found += answer
    assert 100 < found < 2900


def test_accounts_decoded_at_once_are_the_accounts_decoded_one_by_one():
    """codec._decode_accounts: equal Accounts, the same fields in the same order, as
    `_decode_account` makes (every optional field present, some, none)."""
    from linkcheck.models import Account
    from linkcheck.store.codec import _decode_account, _decode_accounts

    full = {"n": "acme-us", "m": "amazon.com", "s": "suspended", "o": "a note", "c": 1700000000, "u": 1700000100,
            "dn": "Acme", "mt": "A1B2C3", "le": "Acme Trading Ltd", "ll": "艾克美贸易有限公司", "ac": '{"case":1}'}
    bare = {"n": "b", "m": "", "s": "active", "o": None, "c": 0, "u": 0}
    some = {**bare, "n": "c", "mt": "T", "ll": "本地"}
    items = [full, bare, some]
    one_by_one = [_decode_account(d) for d in items]
    at_once = _decode_accounts(items)
    assert at_once == one_by_one
    for a, b in zip(at_once, one_by_one, strict=True):
        assert type(a) is Account and list(vars(a).items()) == list(vars(b).items())
        assert repr(a) == repr(b) and hash(a) == hash(b)
    assert _decode_accounts([]) == []
    for damaged in ([["n", "m"]], [{"m": "x"}], [None]):
        with pytest.raises((TypeError, KeyError, AttributeError)):
            _decode_accounts(damaged)


def test_bodies_checked_in_bulk_are_refused_as_one_by_one(demo_store):
    """prefilter._check_bodies lets through exactly the rows `_check_row` lets through, and
    refuses any other with `_check_row`'s own error."""
    from conftest import PASSPHRASE
    from linkcheck.errors import StoreDamaged
    from linkcheck.store import Store, prefilter

    with Store.open(demo_store, PASSPHRASE) as st:
        rows = st._conn.execute("SELECT id, version, name_tag, body FROM accounts ORDER BY id").fetchall()
        prefilter._check_bodies(st, rows)  # as verified: nothing raised
        row_id, version, tag, body = rows[3]
        changed = [
            (row_id, version + 1, tag, body),  # another version
            (row_id, version, bytes(16), body),  # filed under another name
            (row_id, version, tag, body[:-1] + bytes([body[-1] ^ 1])),  # another seal
            (10**9, version, tag, body),  # a row never verified
            (str(row_id), version, tag, body),  # an id that is not a number
            (row_id, version, tag, 7),  # a body that is not bytes
        ]
        for row in changed:
            with pytest.raises(StoreDamaged, match="differs from the one verified"):
                st._check_row("accounts", *row)
            with pytest.raises(StoreDamaged, match="differs from the one verified"):
                prefilter._check_bodies(st, [*rows[:3], row, *rows[4:]])
        prefilter._check_bodies(st, [(row_id, version, tag, None)])  # not read: as `_check_row` lets it by
        st._check_row("accounts", row_id, version, tag, None)


def test_pairs_placed_among_the_kept_ones_are_the_sorted_list():
    """exactfirst._placed: the pairs not dropped and the pairs made, in the audit's order, as
    sorting them all gives."""
    from linkcheck.linkage.exactfirst import _pair_key, _placed
    from linkcheck.linkage.results import PairRisk
    from linkcheck.models import Level

    rng = random.Random(5)
    levels = [Level.LOW, Level.MEDIUM, Level.HIGH, Level.CRITICAL]
    for _ in range(300):
        names = rng.sample(range(400), 60)
        pairs = []
        for n in range(rng.randrange(120)):
            a, b = sorted(rng.sample(names, 2))
            pairs.append(PairRisk((f"a{a:03d}", f"a{b:03d}{n}"), rng.choice(levels), rng.choice([40.0, 55.5, 70.0, 88.25]), ()))
        rng.shuffle(pairs)
        cut = rng.randrange(len(pairs) + 1)
        kept = sorted(pairs[:cut], key=_pair_key)
        made = pairs[cut:]
        dropped = {id(p) for p in kept if rng.random() < 0.2}
        expected = sorted([p for p in kept if id(p) not in dropped] + made, key=_pair_key)
        placed = _placed(kept, list(map(_pair_key, kept)), dropped, made)
        assert [id(p) for p in placed] == [id(p) for p in expected]


def _report_data_one_text_at_a_time(audit, accounts, **options):
    """report_data's finding rows as it made them before: every text of every finding asked for."""
    from linkcheck.report import builder

    data = builder.report_data(audit, accounts, **options)
    table: dict = {}

    def text(value):
        if value is None:
            return None
        return table.setdefault(value, len(table))

    drawn = [a for a in builder._accounts(accounts)]
    for a in drawn:
        text(a.marketplace), text(a.status)
    types: dict = {}
    pairs = []
    for pair in audit.pairs:
        a, b = pair.accounts
        rows = []
        for f in pair.findings:
            kind = (text(f.facet), text("context" if f.context else f.level.label), text(f.match), text(f.reason),
                    text(f.reason_zh or None), text(f.state))
            value_a, value_b = f.values.get(a, ""), f.values.get(b, "")
            if f.state == "past":
                value_a, value_b = builder._until(f, a, value_a), builder._until(f, b, value_b)
            row = [types.setdefault(kind, len(types)), None if f.score is None else round(f.score), text(value_a),
                   text(value_b)]
            if f.explanation:
                row.append(text(f.explanation))
            rows.append(row)
        pairs.append(rows)
    return data, list(table), [list(t) for t in types], pairs


def test_report_finding_types_are_numbered_as_when_each_text_was_asked_for(cli, demo_store):
    """report_data names a finding type seen before by its number without asking for its texts
    again: the same string table, types and rows as asking every time (a small store, where
    every account is drawn, so the table's order is the accounts' and then the findings')."""
    from conftest import PASSPHRASE
    from linkcheck.linkage.rules import load_rules
    from linkcheck.models import Level
    from linkcheck.store import Store

    with Store.open(demo_store, PASSPHRASE) as st:
        profiles = st.profiles()
    audit = engine.audit(profiles, load_rules(None), min_level=Level.LOW)
    assert sum(len(p.findings) for p in audit.pairs) > len({f.facet for p in audit.pairs for f in p.findings})
    data, strings, types, rows = _report_data_one_text_at_a_time(audit, profiles, min_level=Level.LOW,
                                                                 generated_at=0)
    assert data["strings"] == strings
    assert data["finding_types"] == types
    assert [p[4] for p in data["pairs"]] == rows


def test_audit_store_hands_back_what_the_audit_was_made_from(demo_store):
    """audit_store's result holds its input (kept to the process's end by the commands, not
    freed as it returns), which changes nothing the result says or compares."""
    import functools

    from conftest import PASSPHRASE
    from linkcheck.linkage.rules import load_rules
    from linkcheck.models import Level
    from linkcheck.store import Store
    from linkcheck.store.prefilter import AuditInput
    from linkcheck.usecases import audit as audit_job

    opener = functools.partial(Store.open, demo_store, PASSPHRASE)
    options = audit_job.AuditOptions(load_rules(None), Level.LOW)
    first = audit_job.audit_store(opener, options)
    again = audit_job.audit_store(opener, options)
    found, _side, store = first.made_from
    assert isinstance(found, AuditInput) and isinstance(store, Store)
    assert len(found.profiles) == first.compared and first.audit.pairs
    assert first.made_from is not again.made_from and first == again
    assert "made_from" not in repr(first)
