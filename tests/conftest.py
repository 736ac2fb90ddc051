"""Test fixtures: every test gets its own store, home directory and cheap KDF; never the user's files."""

from __future__ import annotations

import json
from pathlib import Path

import os

import pytest
from click.testing import CliRunner
from hypothesis import settings as hypothesis_settings

from linkcheck import i18n
from linkcheck.cli import main

# In CI (`.ci/run` sets CI=true) the property tests draw the same examples every run, so a
# red CI always means a change broke something; on a developer's machine they explore anew
# each run (and keep what they find in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")

PASSPHRASE = "correct horse battery staple"
# The settings' environment variables other than LINKCHECK_STORE: a developer's own must not leak in.
SETTINGS_ENV = ("LINKCHECK_SETTINGS", "LINKCHECK_COMPUTER", "LINKCHECK_FORMAT", "LINKCHECK_LANG", "LINKCHECK_OPERATOR", "LINKCHECK_PROXY",
                "LINKCHECK_PUBLIC_IP", "LINKCHECK_REGION", "LINKCHECK_RULES")
PROFILES_DIR = Path(__file__).resolve().parent.parent / "linkcheck" / "example_profiles"


# Tests never touch the network: a public-IP lookup nobody set up asks a closed loopback port
# (and fails, which the gate turns into a STOP).
NO_ECHO_SERVICE = "http://127.0.0.1:9/ip"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "public_ip_default: run without LINKCHECK_PUBLIC_IP=off, so the `public_ip` setting "
        "(file or default: auto for check and run) applies",
    )


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch, request):
    """Point the store and HOME at tmp_path; strip any real passphrase from the environment.

    `check` and `run` look the public IP up by default. Tests written before that default call
    them without --public-ip and mean "not checked": LINKCHECK_PUBLIC_IP=off keeps that meaning
    (the verdict line then says "public IP not checked"). Tests of the default itself, or of the
    settings file, are marked `public_ip_default`."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("LINKCHECK_STORE", str(tmp_path / "store" / "linkcheck.db"))
    monkeypatch.setenv("LINKCHECK_TEST_INSECURE_FAST_KDF", "1")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "run"))  # never the user's own unlock agent
    for name in ("LINKCHECK_PASSPHRASE", "LINKCHECK_NEW_PASSPHRASE", "LINKCHECK_DEBUG", *SETTINGS_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LINKCHECK_IP_ECHO_URLS", NO_ECHO_SERVICE)
    # English unless a test asks for Chinese: a developer's zh locale must not change the messages.
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.set_language(None)
    if request.node.get_closest_marker("public_ip_default") is None:
        monkeypatch.setenv("LINKCHECK_PUBLIC_IP", "off")
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "store" / "linkcheck.db"


class Cli:
    """Runs `linkcheck` in-process with the test passphrase in the environment."""

    def __init__(self, passphrase: str | None = PASSPHRASE):
        self.passphrase = passphrase

    def __call__(self, *args, input=None, passphrase: str | None = "default", env=None):
        environment = dict(env or {})
        chosen = self.passphrase if passphrase == "default" else passphrase
        if chosen is not None:
            environment["LINKCHECK_PASSPHRASE"] = chosen
        runner = CliRunner()
        return runner.invoke(main, [str(a) for a in args], input=input, env=environment, catch_exceptions=False)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def store(cli, store_path):
    """An initialised, empty store."""
    result = cli("init")
    assert result.exit_code == 0, result.output
    return store_path


@pytest.fixture
def demo_store(cli, store):
    """A store holding the shipped example profiles."""
    files = sorted(PROFILES_DIR.glob("*.json"))
    result = cli("import", *files)
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture
def audit_dir(tmp_path, monkeypatch) -> Path:
    """The audit cache (store/auditcache.py) for every store size (the key indexes read as arrays,
    as above 20,000 accounts), its snapshots written before the command returns, in tmp_path's
    cache folder: the folder the snapshot files are in."""
    from linkcheck.store import auditcache, gatecache, prefilter

    folder = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.setattr(auditcache, "MIN_ACCOUNTS", 1)
    monkeypatch.setattr(prefilter, "ARRAYS_OVER", 0)
    monkeypatch.setattr(gatecache, "BACKGROUND", False)
    return folder / "linkcheck" / "audit"


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# The team store's PostgreSQL cluster (session-scoped) and a database per test: tests/pgcluster.py.
from pgcluster import pg_cluster, team_url  # noqa: E402,F401


def import_accounts(cli, tmp_path, *names_and_values):
    """Import accounts given as (name, {kind: [values]}) on amazon.com; the import must succeed."""
    records = [{"account": name, "marketplace": "amazon.com", "attributes": values} for name, values in names_and_values]
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output


def registry_attribute(kind: str, text: str, flags: tuple[str, ...] | None = None):
    """A value as the kind registry reads it (its real keys and flags, or `flags` instead)."""
    from linkcheck.models import Attribute
    from linkcheck.registry.kinds import parse_value

    parsed = parse_value(kind, text)
    return Attribute(kind, text, parsed.normalized, parsed.keys, "manual", 1_700_000_000, 1_700_000_000,
                     flags=parsed.flags if flags is None else flags)


def registry_account(name: str, **values: str):
    """An active account on amazon.example holding one value of each kind given."""
    from linkcheck.models import Account, Profile

    return Profile(Account(name, "amazon.example", "active"),
                   tuple(registry_attribute(k, t) for k, t in values.items()))


def only_audit_pair(*profiles, rules=None):
    """The one pair the audit of `profiles` finds (the default rules unless `rules`)."""
    from linkcheck.linkage.engine import audit
    from linkcheck.linkage.rules import DEFAULT_RULES

    found = audit(profiles, rules or DEFAULT_RULES).pairs
    assert len(found) == 1, found
    return found[0]


def facets_of(pair) -> dict[str, tuple[str, float]]:
    """Each finding of a pair by its facet: (match, weight)."""
    return {f.facet: (f.match, f.weight) for f in pair.findings}
