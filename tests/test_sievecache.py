"""The sieve's verdicts remembered across audits (store/sievecache.py): an audit with no file,
with the file of the same store, after accounts changed, and with an edited, foreign or
other rules' file gives exactly the audit without one; a warm audit sieves only the blocks
whose keyed digest is new."""

from __future__ import annotations

import functools
import os
import random
import shutil
import sys
import time
from pathlib import Path

import pytest

from linkcheck.linkage import engine, sieve
from linkcheck.linkage.rules import load_rules, rules_from_dict
from linkcheck.store import Store, gatecache, sievecache

from conftest import PASSPHRASE, PROFILES_DIR, Cli, write_json
from test_sieve import _parts_blocks, _random_blocks

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import synth  # noqa: E402

MASTER = b"\x11" * 32
OTHER_MASTER = b"\x22" * 32


@pytest.fixture
def sieving(monkeypatch):
    """The sieve and the verdicts on any number of blocks; files written before returning."""
    monkeypatch.setattr(sieve, "SIEVE_OVER", 0)
    monkeypatch.setattr(sievecache, "MIN_BLOCKS", 0)
    monkeypatch.setattr(sievecache, "BACKGROUND", False)


class _Asked:
    """Records the blocks `sieve.hopeless_blocks` is asked about."""

    def __init__(self, monkeypatch):
        self.calls: list[list] = []
        real = sieve.hopeless_blocks

        def spy(blocks, *args, **kw):
            self.calls.append(list(blocks))
            return real(blocks, *args, **kw)

        monkeypatch.setattr(sieve, "hopeless_blocks", spy)

    def blocks(self) -> list:
        return [block for call in self.calls for block in call]


def _score(blocks, texts, owner, exact, rules, verdicts=None):
    found = engine.score_blocks(blocks, texts.__getitem__, exact.__getitem__, owner, rules, verdicts=verdicts)
    if verdicts is not None:
        verdicts.save()
    return found


def _world(seed: int):
    rng = random.Random(seed)
    return rng, *(_random_blocks(rng) if seed % 3 else _parts_blocks(rng))


@pytest.mark.parametrize("seed", range(40))
def test_cold_warm_and_changed_verdicts_give_the_same_matches(seed, sieving, monkeypatch):
    rng, blocks, texts, owner, exact = _world(seed)
    rules = rng.choice([load_rules(None), rules_from_dict({"combine": {"fuzzy_block_cap": 4}}),
                        rules_from_dict({"fuzzy": {"company_name": 80, "address": 75}})])
    plain = _score(blocks, texts, owner, exact, rules)
    asked = _Asked(monkeypatch)
    path = sievecache.cache_path("file:/a/store.db")
    assert not path.exists()
    # Cold: no file, every block sieved; the file is written after.
    assert _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, "file:/a/store.db")) == plain
    assert asked.blocks() == blocks
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    made = path.read_bytes()
    # Warm: nothing sieved again, the file left as it is.
    asked.calls.clear()
    assert _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, "file:/a/store.db")) == plain
    assert asked.calls == []
    assert path.read_bytes() == made
    # Some values' texts changed (and a block dropped): only the blocks whose texts changed
    # are sieved again, and the matches are those of the changed blocks scored in full.
    changed_refs = set(rng.sample(range(len(texts)), max(1, len(texts) // 8)))
    texts2 = [text + " b" if r in changed_refs else text for r, text in enumerate(texts)]
    blocks2 = blocks[1:]
    plain2 = _score(blocks2, texts2, owner, exact, rules)
    asked.calls.clear()
    assert _score(blocks2, texts2, owner, exact, rules, sievecache.Verdicts(MASTER, "file:/a/store.db")) == plain2
    seen = {(facet, tuple(texts[r] for r in refs)) for facet, refs in blocks}
    new = [(facet, refs) for facet, refs in blocks2 if (facet, tuple(texts2[r] for r in refs)) not in seen]
    assert asked.blocks() == new
    if new:
        assert path.read_bytes() != made
    # Other rules never meet these verdicts: everything is sieved again.
    other = rules_from_dict({"fuzzy": {"company_name": 95, "address": 95}})
    asked.calls.clear()
    assert _score(blocks2, texts2, owner, exact, other, sievecache.Verdicts(MASTER, "file:/a/store.db")) == _score(
        blocks2, texts2, owner, exact, other)
    assert asked.calls[0] == blocks2


def test_the_randomized_worlds_have_matches_and_hopeless_blocks(sieving):
    """The worlds above hold both verdicts (a file of hopeless blocks only would test little)."""
    hopeless = scored = matched = 0
    for seed in range(40):
        _rng, blocks, texts, owner, exact = _world(seed)
        rules = load_rules(None)
        verdicts = sievecache.Verdicts(MASTER, f"file:/w/{seed}")
        matched += len(_score(blocks, texts, owner, exact, rules, verdicts))
        known = sievecache.load(sievecache.read(f"file:/w/{seed}"), MASTER, f"file:/w/{seed}",
                                verdicts.context(engine.comparisons_for(rules),
                                                 engine._partial_tests(rules, engine.comparisons_for(rules)),
                                                 rules.combine.fuzzy_block_cap))
        assert known is not None
        hopeless += sum(known.verdicts.values())
        scored += sum(not v for v in known.verdicts.values())
    assert matched > 100 and hopeless > 500 and scored > 300


def _forge(identity: str, master: bytes, rules, digests_hopeless: bool, blocks, texts):
    """A file sealed with `master` saying every block of `blocks` is (or is not) hopeless."""
    comparison_of = engine.comparisons_for(rules)
    context = sievecache.rules_context(comparison_of, engine._partial_tests(rules, comparison_of),
                                       rules.combine.fuzzy_block_cap)
    key = sievecache.hmac.digest(sievecache.crypto.hkdf(master, sievecache._DIGEST_INFO), context, "sha256")
    digests = sievecache._digests(blocks, texts.__getitem__, key)
    assert sievecache.write(identity, master, context, dict.fromkeys(digests, digests_hopeless))


def test_a_verdict_is_taken_only_from_a_file_sealed_with_the_stores_key_for_its_location(sieving, monkeypatch):
    """A file saying every block is hopeless, sealed with the store's own key for its own
    location, is believed (so the file is what a warm audit reads: nothing is found); the same
    file from another key or for another location, or edited, is ignored."""
    _rng, blocks, texts, owner, exact = _world(1)
    rules = load_rules(None)
    plain = _score(blocks, texts, owner, exact, rules)
    assert plain
    here = "file:/a/store.db"
    _forge(here, MASTER, rules, True, blocks, texts)
    assert _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, here)) == []  # believed ...
    _forge(here, OTHER_MASTER, rules, True, blocks, texts)
    assert _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, here)) == plain  # ... not from another key
    _forge("file:/b/store.db", MASTER, rules, True, blocks, texts)
    shutil.copyfile(sievecache.cache_path("file:/b/store.db"), sievecache.cache_path(here))
    assert _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, here)) == plain  # nor another place's
    _forge(here, MASTER, rules, True, blocks, texts)
    data = bytearray(sievecache.cache_path(here).read_bytes())
    data[len(data) // 2] ^= 0x01
    sievecache.cache_path(here).write_bytes(bytes(data))
    assert _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, here)) == plain  # nor edited
    # ... and the audit that ignored it wrote a true one in its place.
    asked = _Asked(monkeypatch)
    assert _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, here)) == plain
    assert asked.calls == []


@pytest.mark.parametrize("damage", ["empty", "magic", "truncated", "folder", "link", "pipe", "not-mine-mode"])
def test_a_damaged_or_odd_file_is_ignored(damage, sieving):
    _rng, blocks, texts, owner, exact = _world(2)
    rules = load_rules(None)
    plain = _score(blocks, texts, owner, exact, rules)
    here = "file:/a/store.db"
    _forge(here, MASTER, rules, True, blocks, texts)
    path = sievecache.cache_path(here)
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "magic":
        path.write_bytes(b"X" + path.read_bytes()[1:])
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-7])
    elif damage == "folder":
        path.unlink()
        path.mkdir()
    elif damage == "link":
        target = path.with_name("elsewhere")
        path.rename(target)
        path.symlink_to(target)
    elif damage == "pipe":
        path.unlink()
        os.mkfifo(path)
    elif damage == "not-mine-mode":
        path.parent.chmod(0o777)  # taken back to 700 before use; the file (its own) then read
    found = _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, here))
    assert found == ([] if damage == "not-mine-mode" else plain)


def test_digests_are_keyed_and_name_the_facet_and_the_texts_in_order():
    texts = ["acme trading", "acme tradng", "zorbex", "a\x00b", "a", "b"]
    blocks = [("company_name", [0, 1]), ("company_name", [1, 0]), ("address", [0, 1]), ("company_name", [0, 1]),
              ("company_name", [3, 2]), ("company_name", [4, 5, 2])]
    one = sievecache._digests(blocks, texts.__getitem__, b"k" * 32)
    other = sievecache._digests(blocks, texts.__getitem__, b"j" * 32)
    assert one[0] == one[3] and len({one[0], one[1], one[2]}) == 3
    assert one[4] is None  # a text holding the separator: never remembered
    assert all(len(d) == sievecache.DIGEST_BYTES for d in one if d is not None)
    assert not {d for d in one if d} & {d for d in other if d}


def test_the_verdicts_key_changes_with_the_code_and_the_rules(monkeypatch):
    rules = load_rules(None)
    comparison_of = engine.comparisons_for(rules)
    partial = engine._partial_tests(rules, comparison_of)
    base = sievecache.rules_context(comparison_of, partial, 200)
    assert base == sievecache.rules_context(comparison_of, partial, 200)
    assert base != sievecache.rules_context(comparison_of, partial, 199)
    assert base != sievecache.rules_context(comparison_of, [], 200)
    stricter = engine.comparisons_for(rules_from_dict({"fuzzy": {"address": 90}}))
    assert base != sievecache.rules_context(stricter, partial, 200)
    monkeypatch.setattr(sievecache, "_code_digest", b"another build")
    assert base != sievecache.rules_context(comparison_of, partial, 200)


# ---------------------------------------------------------------------------------------------
# The audit of a store: the file made by the forked child, beside the gate cache


NEAR = [
    {"account": "typo-a", "marketplace": "amazon.com",
     "attributes": {"company_name": ["Shenzhen Zorbex Trading Co., Ltd."],
                    "address": ["Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen 518057"]}},
    {"account": "typo-b", "marketplace": "amazon.com",
     "attributes": {"company_name": ["Shenzhen Zorbax Trading Co Ltd"],
                    "address": ["Room 1203 88 Keyuan Rd Nanshan Shenzhen"]}},
    {"account": "person-d", "marketplace": "amazon.com",
     "attributes": {"legal_representative": ["Ada  Quillfeather"], "category": ["Pet Supplies"]}},
    {"account": "person-e", "marketplace": "amazon.com",
     "attributes": {"legal_representative": ["Quilfeather Ada"], "category": ["Pet Supplies"]}},
]
LATER = [
    {"account": "late-a", "marketplace": "amazon.com",
     "attributes": {"company_name": ["Shenzhen Zorbek Trading Co., Ltd."],
                    "address": ["Room 1204, 88 Keyuan Road, Nanshan District, Shenzhen 518057"]}},
    {"account": "typo-b", "marketplace": "amazon.com",  # written again: its address changed
     "attributes": {"company_name": ["Shenzhen Zorbax Trading Co Ltd"],
                    "address": ["Room 1203 89 Keyuan Rd Nanshan Shenzhen"]}},
]


@pytest.fixture(scope="module")
def synth_store_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sieve-store")
    home = root / "home"
    home.mkdir()
    env = {"LINKCHECK_STORE": str(root / "store" / "linkcheck.db"), "LINKCHECK_TEST_INSECURE_FAST_KDF": "1",
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    cli = Cli()
    files = synth.write_files(600, root / "synth", per_file=600)
    for args in (("init",), ("import", *files, *sorted(PROFILES_DIR.glob("*.json")), write_json(root / "near.json", NEAR))):
        result = cli(*args, env=env)
        assert result.exit_code == 0, result.output
    return root / "store"


def _wait_for(path: Path, unlike: bytes | None = None) -> bytes:
    """The file once the child has written it (after its result, so after the audit's)."""
    for _attempt in range(400):
        if path.is_file() and path.read_bytes() != unlike:
            return path.read_bytes()
        time.sleep(0.025)
    raise AssertionError("the verdicts file was not written")


def _audit(cli, monkeypatch, remembered: bool = True) -> str:
    with monkeypatch.context() as mp:
        if not remembered:
            mp.setattr(sievecache.Verdicts, "for_store", classmethod(lambda cls, store: None))
        result = cli("audit", "--format", "json", "--min-level", "low")
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_the_audit_of_a_store_is_the_same_cold_warm_after_changes_and_with_a_bad_file(
        synth_store_template, store_path, cli, sieving, monkeypatch):
    shutil.copytree(synth_store_template, store_path.parent)
    identity = "file:" + str(store_path.resolve())
    path = sievecache.cache_path(identity)
    base = _audit(cli, monkeypatch, remembered=False)
    assert not path.exists()
    assert '"typo-a"' in base and '"person-e"' in base  # fuzzy matches are in it
    assert _audit(cli, monkeypatch) == base  # cold
    made = _wait_for(path)
    assert _audit(cli, monkeypatch) == base  # warm
    time.sleep(0.3)
    assert path.read_bytes() == made  # (the same blocks: not written again)
    # Accounts added and one changed: the audit is that of the changed store.
    result = cli("import", write_json(store_path.parent.parent / "later.json", LATER))
    assert result.exit_code == 0, result.output
    changed = _audit(cli, monkeypatch, remembered=False)
    assert changed != base and '"late-a"' in changed
    assert _audit(cli, monkeypatch) == changed
    remade = _wait_for(path, unlike=made)
    assert _audit(cli, monkeypatch) == changed
    # An edited file, and another store's file in its place: ignored.
    data = bytearray(remade)
    data[-5] ^= 0x10
    path.write_bytes(bytes(data))
    assert _audit(cli, monkeypatch) == changed
    assert _wait_for(path, unlike=bytes(data)) != bytes(data)
    with Store.open(store_path, PASSPHRASE) as st:
        master = st._keys.master
    foreign = "file:/somewhere/else.db"
    rules = load_rules(None)
    comparison_of = engine.comparisons_for(rules)
    context = sievecache.rules_context(comparison_of, engine._partial_tests(rules, comparison_of),
                                       rules.combine.fuzzy_block_cap)
    key = sievecache.hmac.digest(sievecache.crypto.hkdf(master, sievecache._DIGEST_INFO), context, "sha256")
    # (A file of this store's key saying every block the audit sees is hopeless, but made for
    # another location: were it believed, the fuzzy matches would be gone.)
    with Store.open(store_path, PASSPHRASE) as st:
        seen: list = []
        real = engine.score_blocks

        def capture(blocks, text_of, exact_of, owner, rules, verdicts=None):
            seen.append(sievecache._digests(list(blocks), text_of, key))
            return real(blocks, text_of, exact_of, owner, rules, verdicts=verdicts)

        st.audit_input(rules.combine.fuzzy_block_cap, functools.partial(capture, rules=rules), parallel=False)
    assert sievecache.write(foreign, master, context, dict.fromkeys(seen[0], True))
    shutil.copyfile(sievecache.cache_path(foreign), path)
    assert _audit(cli, monkeypatch) == changed
    # The same file for this location is believed: the fuzzy matches are gone (what shows
    # that the warm audits above read the file, and why it is sealed under the store's key).
    assert sievecache.write(identity, master, context, dict.fromkeys(seen[0], True))
    lied = _audit(cli, monkeypatch)
    assert lied != changed and '"late-a"' not in lied


def test_the_verdicts_file_lives_in_the_cache_folder_beside_the_gate_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = sievecache.cache_path("file:/a/store.db")
    assert path.parent.parent == gatecache.cache_folder().parent
    assert path.parent.name == "sieve" and path.suffix == ".sealed"
    assert "store.db" not in str(path)


def test_a_build_without_its_sources_remembers_nothing(sieving, monkeypatch):
    """Where the code's sources cannot be read, nothing tells one build from another: no file."""
    monkeypatch.setattr(sievecache, "_code_digest", None)
    monkeypatch.setattr(sievecache, "_CODE_PACKAGES", ("linkage", "no-such-package"))
    assert sievecache.code_digest() is None
    _rng, blocks, texts, owner, exact = _world(4)
    rules = load_rules(None)
    plain = _score(blocks, texts, owner, exact, rules)
    assert _score(blocks, texts, owner, exact, rules, sievecache.Verdicts(MASTER, "file:/a/store.db")) == plain
    assert not sievecache.cache_path("file:/a/store.db").exists()


def test_the_code_digest_covers_the_packages_data_files(monkeypatch, tmp_path):
    """A word list edited in place (an editable install, a patched package) changes the texts the
    sieve compares: a verdict made with the other list is never met (the digest is another)."""
    import shutil
    from pathlib import Path

    root = Path(sievecache.__file__).resolve().parent.parent
    copy = tmp_path / "linkcheck"
    for package in sievecache._CODE_PACKAGES:
        shutil.copytree(root / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "store").mkdir()
    monkeypatch.setattr(sievecache, "__file__", str(copy / "store" / "sievecache.py"))
    monkeypatch.setattr(sievecache, "_code_digest", None)
    first = sievecache.code_digest()
    assert first is not None
    monkeypatch.setattr(sievecache, "_code_digest", None)
    assert sievecache.code_digest() == first  # (the same files: the same digest)
    data = sorted((copy / "normalize" / "data").glob("*.txt"))[0]
    data.write_bytes(data.read_bytes() + b"\n")
    monkeypatch.setattr(sievecache, "_code_digest", None)
    assert sievecache.code_digest() not in (None, first)
    # ... and a compiled file does not count (it is made on the user's computer).
    edited = sievecache.code_digest()
    (copy / "normalize" / "__pycache__").mkdir()
    (copy / "normalize" / "__pycache__" / "text.cpython-311.pyc").write_bytes(b"bytecode")
    monkeypatch.setattr(sievecache, "_code_digest", None)
    assert sievecache.code_digest() == edited
