"""The jobs behind the commands (linkcheck.usecases): the one audit path of `audit` and `report`,
the precheck verdict, the gate's public-IP rule."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

from linkcheck.linkage import engine
from linkcheck.capture import PublicIp
from linkcheck.errors import InvalidInput, UsageError
from linkcheck.models import Level
from linkcheck.linkage.rules import load_rules
from linkcheck.store import Store
from linkcheck.usecases import audit as audit_job
from linkcheck.usecases import gate as gate_job
from linkcheck.usecases import precheck as precheck_job

from conftest import PASSPHRASE, PROFILES_DIR


def opener(store_path):
    return functools.partial(Store.open, store_path, PASSPHRASE)


# ----- audit ---------------------------------------------------------------------------------


def test_store_accounts_are_the_accounts_of_every_profile_in_order(demo_store):
    with Store.open(demo_store, PASSPHRASE) as st:
        assert st.accounts() == [p.account for p in st.profiles()]
        assert len(st.accounts()) == len(list(PROFILES_DIR.glob("*.json")))


def test_store_accounts_of_a_format1_store(store_path):
    store_path.parent.mkdir(parents=True)
    shutil.copyfile(Path(__file__).resolve().parent / "fixtures" / "format1" / "store-format1.db", store_path)
    store_path.chmod(0o600)
    with Store.open(store_path, PASSPHRASE) as st:
        assert st.accounts() == [p.account for p in st.profiles()] != []


@pytest.mark.parametrize("link_level", [Level.HIGH, Level.MEDIUM])
def test_audit_store_is_the_audit_of_every_profile(demo_store, link_level):
    rules = load_rules(None)
    with Store.open(demo_store, PASSPHRASE) as st:
        profiles = st.profiles()
        explanations = st.explanations()
    full = engine.audit(profiles, rules, min_level=Level.LOW, link_level=link_level, explanations=explanations)
    options = audit_job.AuditOptions(rules, Level.LOW, link_level, every_account=True)
    found = audit_job.audit_store(opener(demo_store), options)
    assert engine.audit_to_json(found.audit, reveal=True) == engine.audit_to_json(full, reveal=True)
    assert found.accounts == tuple(p.account for p in profiles)
    assert found.total_accounts == len(profiles)
    assert found.compared < len(profiles)  # the accounts that share nothing were not decoded


def test_audit_store_lists_every_account_only_when_asked(demo_store):
    found = audit_job.audit_store(opener(demo_store), audit_job.AuditOptions(load_rules(None), Level.LOW))
    assert found.accounts is None


def test_audit_store_refuses_an_unknown_account_before_reading(demo_store, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("audit_input ran for an unknown account")

    monkeypatch.setattr(Store, "audit_input", must_not_run)
    options = audit_job.AuditOptions(load_rules(None), Level.LOW, account="no-such-account")
    with pytest.raises(UsageError, match="no account named 'no-such-account'"):
        audit_job.audit_store(opener(demo_store), options)


def test_audit_store_tells_progress_what_it_is_doing(demo_store):
    heard = []
    options = audit_job.AuditOptions(load_rules(None), Level.LOW)
    audit_job.audit_store(opener(demo_store), options, progress=heard.append)
    assert heard == ["Reading the store…"]  # ten accounts: no "Comparing…" line


def test_report_does_not_decode_every_profile(cli, demo_store, tmp_path, monkeypatch):
    def every_profile(self):
        raise AssertionError("the report decoded every profile")

    monkeypatch.setattr(Store, "profiles", every_profile)
    result = cli("report", "-o", tmp_path / "report.html")
    assert result.exit_code == 0, result.output
    assert "10 accounts: 4 linked pair(s) (3 critical, 1 medium)" in result.output


# ----- precheck ------------------------------------------------------------------------------


def planned(**values):
    return precheck_job.planned_from_values("planned", None, None, values)


@pytest.mark.parametrize(
    "values, fail_on, verdict, exit_code",
    [
        ({"email": ["new@fresh-brand.example"]}, Level.HIGH, precheck_job.CLEAR, 0),
        ({"email": ["ops@acme-trading.example"]}, Level.HIGH, precheck_job.STOP, 1),
        ({"email": ["ops@acme-trading.example"]}, Level.CRITICAL, precheck_job.STOP, 1),
    ],
)
def test_precheck_verdicts(demo_store, values, fail_on, verdict, exit_code):
    result = precheck_job.precheck(
        opener(demo_store), planned(**values), load_rules(None), min_level=Level.LOW, fail_on=fail_on
    )
    assert (result.verdict, result.exit_code) == (verdict, exit_code)
    if verdict == precheck_job.CLEAR:
        assert result.pairs == [] and result.level is None and result.others == []
    else:
        assert result.level == Level.CRITICAL and result.others == ["acme-de", "acme-us"]


def test_precheck_below_fail_on_is_caution_and_exits_0(demo_store):
    # 203.0.113.0/24 is cedar-us's and harbor-au's office network: a medium link.
    result = precheck_job.precheck(
        opener(demo_store), planned(ip=["203.0.113.200"]), load_rules(None), min_level=Level.LOW, fail_on=Level.HIGH
    )
    assert result.level == Level.MEDIUM
    assert (result.verdict, result.exit_code) == (precheck_job.CAUTION, 0)
    assert result.others == ["cedar-us", "harbor-au"]


def test_a_planned_value_that_is_invalid_is_refused():
    with pytest.raises(InvalidInput, match="^email 'nope': not an email address$"):
        planned(email=["nope"])


# ----- gate ----------------------------------------------------------------------------------


def test_a_public_ip_asked_for_and_not_found_is_a_stop():
    with pytest.raises(gate_job.PublicIpUnchecked, match="STOP: the public IP could not be checked") as caught:
        gate_job.require_public_ip(PublicIp(None, None, "no echo service answered"), allow_unchecked=False)
    assert caught.value.exit_code == 1
    assert "no echo service answered" in str(caught.value)


def test_a_public_ip_not_asked_for_or_found_or_allowed_goes_on():
    gate_job.require_public_ip(None, allow_unchecked=False)
    gate_job.require_public_ip(PublicIp("203.0.113.7", "given"), allow_unchecked=False)
    gate_job.require_public_ip(PublicIp(None, None, "lookup failed"), allow_unchecked=True)
