"""What one import's steps cost, each timed alone in one process (issue 17, the tenth session).

    LINKCHECK_STORE=COPY/store.db LINKCHECK_PASSPHRASE="benchmark passphrase, not a secret" \\
        python bench/import_steps.py DIR/accounts-*.json

Runs the steps a new account takes through `linkcheck import` one after another over all the
records, each step over every record before the next (the garbage collector off, as during
the import's hot loop it hardly runs): reading the files, parsing every value (kind by kind,
batches of 100, each process's `Memo`, as the child does), the fields and attributes, the
merge, the row's JSON lines, its key index (split: the keys' tags, the rest), pickling the
rows as the child sends them and unpickling them, sealing, the SQLite statements and the
manifest's book-keeping, and the commit; and the row maker whole (`accounts.NewAccountRows`:
fields, attributes, merge and the row, as each process runs them for a new account since the
twelfth session). Prints each step's CPU time, per 10,000 accounts as well (the sum leaves out
the indented parts and the row maker, which repeat steps). Run it on a copy of an empty store:
it writes (and commits) the accounts.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    from linkcheck import accounts
    from linkcheck.store.sqlite import Store
    from linkcheck.importers import read_records
    from linkcheck.importers.ahead import Memo, parse_batch, _BATCH
    from linkcheck.models import Profile
    from linkcheck.store import codec

    files = [Path(a) for a in argv]
    figures: list[tuple[str, float]] = []
    clock = time.process_time

    def step(name, fn):
        gc.collect()
        gc.disable()
        t = clock()
        out = fn()
        figures.append((name, clock() - t))
        gc.enable()
        return out

    records = step("read the files (ijson)", lambda: [r for f in files for r in read_records(f, None)])
    n = len(records)
    with Store.open(Path(os.environ["LINKCHECK_STORE"]), os.environ["LINKCHECK_PASSPHRASE"], write=True) as store:
        when = accounts.now()

        def parse():
            memo = Memo()
            out = []
            for i in range(0, n, _BATCH):
                out.append(parse_batch(records[i:i + _BATCH], None, None, memo))
            return out

        answers = step("parse the values (parse_batch)", parse)

        def per_kind():
            from collections import defaultdict
            from linkcheck.registry import kinds
            by: dict = defaultdict(list)
            for r in records:
                where = kinds.region_for_marketplace(r.marketplace or "")
                for raw in r.values:
                    by[raw[0]].append((raw[1], where))
            rows = []
            for kind, values in by.items():
                parse = kinds.KINDS[kind].parse_tuple
                t = clock()
                for v, w in dict.fromkeys(values):
                    try:
                        parse(v, w)
                    except Exception:  # noqa: BLE001
                        pass
                rows.append((clock() - t, kind, len(values)))
            return sorted(rows, reverse=True)

        kinds_cost = per_kind()

        def fields():
            out = []
            for r in records:
                problems: list[str] = []
                status, marketplace, note, identity = accounts._record_fields(r, problems)
                out.append(accounts._new_account(accounts.check_name(r.name), marketplace, status, note, identity, when))
            return out

        accts = step("name and fields (check_name, _record_fields, Account)", fields)

        def attrs():
            out = []
            for i, (r, a) in enumerate(zip(records, accts, strict=True)):
                out.append(accounts.record_attributes(r, a, None, when, ahead=answers[i // _BATCH])[0])
            return out

        attributes = step("attributes (record_attributes)", attrs)
        step("region warnings", lambda: [accounts.region_warnings("", x) for x in attributes])
        profiles = step("merge (merge_attributes)", lambda: [accounts.merge_attributes(Profile(a), x, reopen=False)[0]
                                                             for a, x in zip(accts, attributes, strict=True)])
        n_exact = step("exact-key counts", lambda: [[codec._exact_key_count(a.keys) for a in p.attributes] for p in profiles])
        bodies = step("JSON lines (_encode_profile)", lambda: [codec._encode_profile(p, ne, 3) for p, ne in zip(profiles, n_exact, strict=True)])
        keys = store._keys
        all_keys = [[k for a in p.attributes for k in a.keys] for p in profiles]
        step("  the index's tags alone (index_tags)", lambda: [keys.index_tags(k) for k in all_keys])
        indexes = step("key index (_index_blob)", lambda: [store._index_blob(p, ne) for p, ne in zip(profiles, n_exact, strict=True)])
        if hasattr(store, "new_row_content"):  # (the twelfth session's one-pass row)
            step("  the row in one pass (new_row_content)", lambda: [store.new_row_content(p) for p in profiles])

        def maker():  # what each process runs for a new account since the twelfth session
            rows = accounts.NewAccountRows(store, when, None, None)
            return [rows(r, answers[i // _BATCH]) for i, r in enumerate(records)]

        step("the row maker whole (NewAccountRows: the steps above in one)", maker)
        step("banks check", lambda: [tuple(a.normalized for a in p.attributes if a.kind == "bank_account") for p in profiles])
        rows = [(p.account.name, p.account.marketplace, len(p.attributes), b, i, "x", ()) for p, b, i in zip(profiles, bodies, indexes, strict=True)]
        data = step("pickle the rows (batches of 100)", lambda: [pickle.dumps(([(None, *r) for r in rows[i:i + _BATCH]], {}), protocol=5)
                                                                for i in range(0, n, _BATCH)])
        step("unpickle them", lambda: [pickle.loads(d) for d in data])
        step("  seal alone (2 AES-GCM a row)", lambda: [(keys.seal(b, b"ad"), keys.seal(i, b"ad")) for b, i in zip(bodies, indexes, strict=True)])

        def put():
            for p, b, i in zip(profiles, bodies, indexes, strict=True):
                store.put_new_row(p.account.name, b, i)

        step("put_new_row (tag, seal, INSERT+UPDATE, MACs)", put)
        gc.collect()
        t_commit = clock()
    figures.append(("commit, checkpoint, close (leaving Store.open)", clock() - t_commit))
    total = sum(t for name, t in figures if not name.startswith("  ") and "maker whole" not in name)
    print(f"{n} accounts, {sum(len(r.values) for r in records)} values; load {os.getloadavg()[0]:.1f}")
    for name, t in figures:
        print(f"{name:60s} {t:7.3f} s  {t * 10_000 / n:6.3f} s per 10,000")
    print(f"{'sum':60s} {total:7.3f} s")
    print("parse by kind (each distinct value once, in one go):")
    for t, kind, count in kinds_cost:
        print(f"  {kind:24s} {count:8d} values {t:7.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
