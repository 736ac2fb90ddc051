"""The linkage engine: findings, levels, the combination rule, fuzzy matching, hubs, clusters,
taint, compare, and the audit JSON. Profiles are built directly, with their match keys."""

from __future__ import annotations

import json
import random

import pytest

from linkcheck.linkage import engine
from linkcheck.linkage.engine import AtRisk, Link, audit, audit_to_json, compare, pairs_to_json
from linkcheck.errors import InvalidInput, UsageError
from linkcheck.models import Account, Attribute, Explanation, Level, Profile
from linkcheck.linkage.rules import DEFAULT_RULES, rules_from_dict

CRITICAL, HIGH, MEDIUM, LOW = Level.CRITICAL, Level.HIGH, Level.MEDIUM, Level.LOW
T0 = 1_700_000_000


def mask(kind: str, normalized: str, raw: str | None = None) -> str:
    """A stand-in for kinds.mask: first character, then stars."""
    return normalized[:1] + "***"


def attr(kind: str, value: str, *keys: str, normalized: str | None = None, seen=(T0, T0 + 3600)) -> Attribute:
    return Attribute(kind, value, normalized if normalized is not None else value, tuple(keys),
                     "manual", seen[0], seen[1])


def shared(facet: str, value: str, *, kind: str | None = None, entered: str | None = None) -> Attribute:
    """An attribute whose only key is `facet:value`."""
    return attr(kind or facet, entered or value, f"{facet}:{value}", normalized=value)


def profile(name: str, *attributes: Attribute, status: str = "active") -> Profile:
    return Profile(Account(name, "amazon.example", status), tuple(attributes))


def fuzzy_attr(facet: str, text: str) -> Attribute:
    """A company name, address or person the way the kind registry keys it: the exact
    normalised value plus one blocking key per word."""
    normalized = " ".join(text.lower().replace(",", " ").split())
    keys = [f"{facet}:{normalized}"] + [f"~{facet}:{word}" for word in normalized.split()]
    return attr(facet, text, *keys, normalized=normalized)


def run(*profiles: Profile, rules=DEFAULT_RULES, **options):
    return audit(profiles, rules, mask=mask, **options)


def only_pair(result):
    assert len(result.pairs) == 1, result.pairs
    return result.pairs[0]


EXPECTED_LEVELS = {
    "tax_id": CRITICAL, "registration_number": CRITICAL, "bank_account": CRITICAL,
    "card": CRITICAL, "payment_account": CRITICAL, "email": CRITICAL, "phone": CRITICAL,
    "mac": CRITICAL, "machine_id": CRITICAL, "browser_fingerprint": CRITICAL,
    "ip": HIGH, "gateway_mac": HIGH, "wifi_bssid": HIGH, "company_name": HIGH,
    "address": HIGH, "legal_representative": MEDIUM,  # issue 16: a (rare) name alone is medium
    "ip_network": MEDIUM, "email_domain": MEDIUM, "hostname": MEDIUM, "brand": MEDIUM,
    "supplier": MEDIUM,
}


# --- one shared value of each facet -----------------------------------------------------------


@pytest.mark.parametrize("facet, level", sorted(EXPECTED_LEVELS.items()))
def test_one_shared_value_of_each_facet_gives_its_default_level(facet, level):
    # A person's name is weighed by how common it is: a made-up rare full name, not "value-1"
    # (a lone word, like a bare surname, is context).
    value = "ada quillfeather" if facet == "legal_representative" else "value-1"
    result = run(profile("shop-a", shared(facet, value)), profile("shop-b", shared(facet, value)))
    pair = only_pair(result)
    assert pair.accounts == ("shop-a", "shop-b")
    assert pair.level == level
    assert [(f.facet, f.level) for f in pair.findings] == [(facet, level)]


@pytest.mark.parametrize("facet", ["logistics", "category"])
def test_logistics_or_category_alone_never_creates_a_pair(facet):
    result = run(profile("shop-a", shared(facet, "forwarder-9")), profile("shop-b", shared(facet, "forwarder-9")))
    assert result.pairs == () and result.clusters == ()


def test_context_findings_show_on_a_pair_linked_by_something_else():
    a = profile("shop-a", shared("phone", "+8613800138000"), shared("logistics", "forwarder-9"))
    b = profile("shop-b", shared("phone", "+8613800138000"), shared("logistics", "forwarder-9"))
    pair = only_pair(run(a, b))
    assert pair.level == CRITICAL
    context = [f for f in pair.findings if f.context]
    assert [(f.facet, f.level) for f in context] == [("logistics", LOW)]
    assert pair.findings[-1].facet == "logistics"  # context comes last


def test_values_that_identify_no_one_never_link():
    # A private IP has no keys, so two accounts behind the same home router address share nothing.
    a = profile("shop-a", attr("ip", "192.168.1.10"), attr("email_domain", "gmail.com"))
    b = profile("shop-b", attr("ip", "192.168.1.10"), attr("email_domain", "gmail.com"))
    assert run(a, b).pairs == ()


def test_different_values_do_not_link():
    result = run(profile("shop-a", shared("phone", "+8613800138000")), profile("shop-b", shared("phone", "+8613800138001")))
    assert result.pairs == ()


def test_a_facet_switched_off_never_links():
    rules = rules_from_dict({"levels": {"hostname": "off"}})
    result = run(profile("a", shared("hostname", "desktop-1")), profile("b", shared("hostname", "desktop-1")), rules=rules)
    assert result.pairs == ()


def test_overridden_level_applies():
    rules = rules_from_dict({"levels": {"hostname": "high"}})
    result = run(profile("a", shared("hostname", "desktop-1")), profile("b", shared("hostname", "desktop-1")), rules=rules)
    assert only_pair(result).level == HIGH


# --- how a finding explains itself ------------------------------------------------------------


def test_identical_values_match_exact():
    finding = only_pair(run(profile("a", shared("phone", "+8613800138000")), profile("b", shared("phone", "+8613800138000")))).findings[0]
    assert finding.match == "exact" and finding.score is None


def test_values_equal_only_after_normalising_match_normalised():
    a = profile("a", shared("email", "jdoe@example.com", entered="J.Doe+amz@Example.com"))
    b = profile("b", shared("email", "jdoe@example.com", entered="jdoe@example.com"))
    finding = only_pair(run(a, b)).findings[0]
    assert finding.match == "normalised"


def test_shared_network_matches_network():
    a = profile("a", attr("ip", "203.0.113.7", "ip:203.0.113.7", "ip_network:203.0.113.0/24"))
    b = profile("b", attr("ip", "203.0.113.9", "ip:203.0.113.9", "ip_network:203.0.113.0/24"))
    pair = only_pair(run(a, b))
    assert [(f.kind, f.facet, f.match, f.level) for f in pair.findings] == [("ip", "ip_network", "network", MEDIUM)]


def test_the_same_ip_is_one_finding_not_also_its_network():
    a = profile("a", attr("ip", "203.0.113.7", "ip:203.0.113.7", "ip_network:203.0.113.0/24"))
    b = profile("b", attr("ip", "203.0.113.7", "ip:203.0.113.7", "ip_network:203.0.113.0/24"))
    pair = only_pair(run(a, b))
    assert [(f.facet, f.match) for f in pair.findings] == [("ip", "exact")]
    assert pair.level == HIGH


def test_finding_carries_masked_and_raw_values_seen_times_and_reason():
    a = profile("a", attr("phone", "+86 138 0013 8000", "phone:+8613800138000", normalized="+8613800138000", seen=(T0, T0 + 10)))
    b = profile("b", attr("phone", "+8613800138000", "phone:+8613800138000", normalized="+8613800138000", seen=(T0 + 5, T0 + 20)))
    finding = only_pair(run(a, b)).findings[0]
    assert finding.values == {"a": "+***", "b": "+***"}
    assert finding.raw == {"a": "+8613800138000", "b": "+8613800138000"}
    assert finding.seen == {"a": (T0, T0 + 10), "b": (T0 + 5, T0 + 20)}
    assert finding.reason.startswith("Shared phone number")
    assert finding.reason_zh


def test_explained_findings_carry_the_explanation_and_still_count():
    a = profile("shop-a", shared("ip", "203.0.113.7"))
    b = profile("shop-b", shared("ip", "203.0.113.7"))
    note = "Both stores are run from the agency office; see contract."
    explanation = Explanation(("shop-a", "shop-b"), "ip", note, T0)
    pair = only_pair(run(a, b, explanations=[explanation]))
    assert pair.findings[0].explanation == note
    assert pair.level == HIGH


def test_explanations_of_other_pairs_or_kinds_do_not_attach():
    a = profile("shop-a", shared("ip", "203.0.113.7"))
    b = profile("shop-b", shared("ip", "203.0.113.7"))
    others = [Explanation(("shop-a", "shop-c"), "ip", "x", T0), Explanation(("shop-a", "shop-b"), "phone", "y", T0)]
    assert only_pair(run(a, b, explanations=others)).findings[0].explanation is None


def test_default_mask_comes_from_the_kind_registry(monkeypatch):
    calls = []

    def fake_mask(kind, normalized, raw=None):
        calls.append(kind)
        return "masked"

    monkeypatch.setattr(engine, "kinds_mask", fake_mask)
    result = audit([profile("a", shared("phone", "+1")), profile("b", shared("phone", "+1"))], DEFAULT_RULES)
    assert result.pairs[0].findings[0].values == {"a": "masked", "b": "masked"}
    assert calls == ["phone", "phone"]


# --- fuzzy ------------------------------------------------------------------------------------


def company_pair(name_a: str, name_b: str, rules=DEFAULT_RULES):
    return run(profile("shop-a", fuzzy_attr("company_name", name_a)),
               profile("shop-b", fuzzy_attr("company_name", name_b)), rules=rules)


def test_a_typo_in_a_company_name_is_a_fuzzy_medium_finding():
    pair = only_pair(company_pair("Shenzhen Acme Trading", "Shenzhen Acne Trading"))
    finding = pair.findings[0]
    assert (finding.facet, finding.match, finding.level) == ("company_name", "fuzzy", MEDIUM)
    assert 92 <= finding.score < 100
    assert pair.level == MEDIUM


@pytest.mark.parametrize("other", ["Shenzhen Apex Trading", "Shenzhen Bright Trading"])
def test_a_different_company_in_the_same_city_and_trade_is_not_linked(other):
    assert company_pair("Shenzhen Acme Trading", other).pairs == ()


def test_a_different_company_stays_apart_even_inside_a_long_shared_name():
    # Overall similarity is high (the shared words dominate), but "Acme" vs "Apex" is no typo.
    long_a = "Shenzhen Nanshan District Acme International Electronics Trading"
    long_b = "Shenzhen Nanshan District Apex International Electronics Trading"
    assert company_pair(long_a, long_b).pairs == ()


def test_word_order_does_not_hide_the_same_company():
    finding = only_pair(company_pair("Acme Trading Shenzhen", "Shenzhen Acme Trading")).findings[0]
    assert finding.match == "fuzzy" and finding.score == 100


def test_an_identical_company_name_is_an_exact_high_finding_not_a_fuzzy_one():
    pair = only_pair(company_pair("Shenzhen Acme Trading", "Shenzhen Acme Trading"))
    assert [(f.match, f.level) for f in pair.findings] == [("exact", HIGH)]


def test_names_differing_only_in_punctuation_the_kind_kept_are_a_fuzzy_100():
    a = profile("a", attr("company_name", "Acme Trading Co.", "company_name:acme trading co.", "~company_name:acme",
                          normalized="acme trading co."))
    b = profile("b", attr("company_name", "Acme Trading Co", "company_name:acme trading co", "~company_name:acme",
                          normalized="acme trading co"))
    finding = only_pair(run(a, b)).findings[0]
    assert (finding.match, finding.score) == ("fuzzy", 100.0)


def test_raising_the_fuzzy_threshold_drops_the_typo():
    rules = rules_from_dict({"fuzzy": {"company_name": 97}})
    assert company_pair("Shenzhen Acme Trading", "Shenzhen Acne Trading", rules).pairs == ()


def test_fuzzy_comparison_can_be_switched_off():
    rules = rules_from_dict({"fuzzy": {"company_name": "off"}})
    assert company_pair("Shenzhen Acme Trading", "Shenzhen Acne Trading", rules).pairs == ()


def test_a_typo_in_an_address_is_a_fuzzy_finding():
    a = profile("a", fuzzy_attr("address", "Room 1203, 88 Keyuan Road, Nanshan, Shenzhen"))
    b = profile("b", fuzzy_attr("address", "Room 1203, 88 Keyaun Road, Nanshan, Shenzhen"))
    finding = only_pair(run(a, b)).findings[0]
    assert (finding.facet, finding.match, finding.level) == ("address", "fuzzy", MEDIUM)


def test_a_different_room_in_the_same_building_is_not_linked():
    # Decision: numbers must agree for a fuzzy match -- room 1204 is another tenant.
    a = profile("a", fuzzy_attr("address", "Room 1203, 88 Keyuan Road, Nanshan, Shenzhen"))
    b = profile("b", fuzzy_attr("address", "Room 1204, 88 Keyuan Road, Nanshan, Shenzhen"))
    assert run(a, b).pairs == ()


def test_similar_but_different_person_names_are_not_linked():
    a = profile("a", fuzzy_attr("legal_representative", "Zhang Wei"))
    b = profile("b", fuzzy_attr("legal_representative", "Zhang Wen"))
    assert run(a, b).pairs == ()


def test_a_misspelt_person_name_is_linked():
    a = profile("a", fuzzy_attr("legal_representative", "Jonathan Smith"))
    b = profile("b", fuzzy_attr("legal_representative", "Jonathon Smith"))
    assert only_pair(run(a, b)).findings[0].match == "fuzzy"


def test_values_sharing_no_blocking_key_are_never_compared():
    # Same text, but no common "~" key: the engine only compares inside blocking groups.
    a = profile("a", attr("company_name", "Acme Trading", "company_name:acme trading x", normalized="acme trading"))
    b = profile("b", attr("company_name", "Acme Tradinq", "company_name:acme tradinq", normalized="acme tradinq"))
    assert run(a, b).pairs == ()


def test_blocking_groups_over_the_cap_are_skipped():
    rules = rules_from_dict({"combine": {"fuzzy_block_cap": 2}})
    names = ["Shenzhen Acme Trading", "Shenzhen Acne Trading", "Guangzhou Bright Trading"]
    profiles = [profile(f"shop-{i}", fuzzy_attr("company_name", n)) for i, n in enumerate(names)]
    # "~company_name:acme" / "acne" are singletons; "shenzhen" (2) is within the cap.
    assert len(audit(profiles, rules, mask=mask).pairs) == 1
    profiles.append(profile("shop-3", fuzzy_attr("company_name", "Shenzhen Other Trading")))
    # Now "shenzhen" has 3 accounts and "trading" 4: both too generic to compare.
    assert audit(profiles, rules, mask=mask).pairs == ()


def test_fuzzy_match_rejects_different_numbers_and_accepts_typos():
    assert engine.fuzzy_match("acme trading 2", "acme trading 3", 50) is None
    assert engine.fuzzy_match("shenzhen acme trading", "shenzhen amce trading", 92) is not None
    assert engine.fuzzy_match("shenzhen acme trading", "shenzhen apex trading", 50) is None


# --- the combination rule ---------------------------------------------------------------------


def pair_of(*facets_values) -> engine.PairRisk:
    a = profile("a", *[shared(f, v) for f, v in facets_values])
    b = profile("b", *[shared(f, v) for f, v in facets_values])
    return only_pair(run(a, b))


def test_two_high_findings_from_different_families_make_a_pair_critical():
    assert pair_of(("ip", "203.0.113.7"), ("company_name", "acme trading")).level == CRITICAL


def test_two_high_findings_of_one_family_stay_high():
    # IP and router are one fact: the same network.
    assert pair_of(("ip", "203.0.113.7"), ("gateway_mac", "3c22fb123456")).level == HIGH


def test_three_medium_findings_from_different_families_make_a_pair_high():
    assert pair_of(("ip_network", "203.0.113.0/24"), ("email_domain", "acme.example"), ("brand", "acme")).level == HIGH


def test_three_medium_findings_from_two_families_stay_medium():
    assert pair_of(("hostname", "desktop-7"), ("brand", "acme"), ("supplier", "factory-3")).level == MEDIUM


def test_two_medium_findings_stay_medium():
    assert pair_of(("hostname", "desktop-7"), ("brand", "acme")).level == MEDIUM


def test_low_findings_never_raise_a_level():
    rules = rules_from_dict({"levels": {"hostname": "low", "supplier": "low"}})
    a = profile("a", shared("brand", "acme"), shared("hostname", "d"), shared("supplier", "s"), shared("category", "toys"))
    b = profile("b", shared("brand", "acme"), shared("hostname", "d"), shared("supplier", "s"), shared("category", "toys"))
    assert only_pair(run(a, b, rules=rules)).level == MEDIUM


def test_a_low_facet_alone_makes_a_low_pair():
    rules = rules_from_dict({"levels": {"hostname": "low"}})
    assert only_pair(run(profile("a", shared("hostname", "d")), profile("b", shared("hostname", "d")), rules=rules)).level == LOW


@pytest.mark.parametrize("retired", ["critical_after_high", "high_after_medium"])
def test_the_combination_rules_parameters_are_refused_now_that_the_weight_decides(retired):
    with pytest.raises(InvalidInput) as caught:
        rules_from_dict({"combine": {retired: 3}}, name="old.toml")
    assert caught.value.message == (
        f"rules file old.toml: combine.{retired}: no longer used: a pair's level comes from its summed weight; "
        "remove it, and set [weights] to make a facet count more or less"
    )


def test_combine_level_is_documented_as_a_pure_function():
    # (weight, family, context) per finding: the strongest of each family, summed.
    assert engine.combine_level([]) is None
    assert engine.combine_level([(0.0, "context", True)]) is None
    assert engine.combine_level([(12.0, "network", False), (12.0, "legal", False)]) == CRITICAL
    assert engine.combine_level([(12.0, "network", False), (4.5, "network", False)]) == HIGH
    assert engine.combine_level([(12.0, "place", False), (9.0, "person", False)]) == HIGH
    assert engine.combine_level([(4.5, "device", False), (4.5, "business", False)]) == MEDIUM
    assert engine.combine_level([(4.5, "device", False), (4.5, "business", False), (4.5, "network", False)]) == HIGH
    assert engine.combine_level([(1.5, "device", False)]) == LOW


def test_scores_rise_with_evidence_and_stay_in_their_level_band():
    one = pair_of(("brand", "acme"))
    two = pair_of(("brand", "acme"), ("hostname", "desktop-7"))
    three = pair_of(("brand", "acme"), ("hostname", "desktop-7"), ("ip_network", "203.0.113.0/24"))
    assert one.score < two.score < three.score
    assert 0.25 <= one.score < two.score < 0.5 <= three.score < 0.75
    critical = pair_of(("phone", "+8613800138000"))
    assert 0.75 <= critical.score <= 1


def test_findings_are_sorted_strongest_first():
    pair = pair_of(("brand", "acme"), ("phone", "+8613800138000"), ("ip", "203.0.113.7"))
    assert [f.facet for f in pair.findings] == ["phone", "ip", "brand"]


def test_pairs_are_sorted_strongest_first():
    result = run(
        profile("a", shared("brand", "acme")), profile("b", shared("brand", "acme")),
        profile("c", shared("phone", "+1")), profile("d", shared("phone", "+1")),
        profile("e", shared("ip", "203.0.113.7")), profile("f", shared("ip", "203.0.113.7")),
    )
    assert [p.accounts for p in result.pairs] == [("c", "d"), ("e", "f"), ("a", "b")]


def test_max_pairs_keeps_the_strongest_pairs_and_counts_the_rest():
    result = run(
        profile("a", shared("brand", "acme")), profile("b", shared("brand", "acme")),
        profile("c", shared("phone", "+1")), profile("d", shared("phone", "+1")),
        profile("e", shared("ip", "203.0.113.7")), profile("f", shared("ip", "203.0.113.7")),
        max_pairs=2,
    )
    assert [p.accounts for p in result.pairs] == [("c", "d"), ("e", "f")]
    assert result.pairs_omitted == 1
    assert audit_to_json(result)["summary"]["pairs"] == {"critical": 1, "high": 1, "medium": 1, "low": 0}


def test_min_level_leaves_weaker_pairs_out():
    result = run(
        profile("a", shared("brand", "acme")), profile("b", shared("brand", "acme")),
        profile("c", shared("phone", "+1")), profile("d", shared("phone", "+1")),
        min_level=HIGH,
    )
    assert [p.accounts for p in result.pairs] == [("c", "d")]


# --- clusters and chains ----------------------------------------------------------------------


def chain_profiles(status_a: str = "active"):
    a = profile("shop-a", shared("phone", "+8613800138000"), status=status_a)
    b = profile("shop-b", shared("phone", "+8613800138000"), shared("mac", "3c22fb123456"))
    c = profile("shop-c", shared("mac", "3c22fb123456"))
    d = profile("shop-d", shared("phone", "+8613900139000"))
    return a, b, c, d


def test_a_phone_link_and_a_mac_link_make_one_cluster_of_three_with_its_chain():
    result = run(*chain_profiles())
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert cluster.accounts == ("shop-a", "shop-b", "shop-c")
    assert cluster.level == CRITICAL
    assert set(cluster.chain) == {
        Link("shop-a", "shop-b", ("phone",), CRITICAL),
        Link("shop-b", "shop-c", ("mac",), CRITICAL),
    }


def test_pairs_below_the_link_level_do_not_cluster():
    result = run(profile("a", shared("brand", "acme")), profile("b", shared("brand", "acme")))
    assert len(result.pairs) == 1 and result.clusters == ()


def test_a_lower_link_level_clusters_weaker_pairs():
    result = run(profile("a", shared("brand", "acme")), profile("b", shared("brand", "acme")), link_level=MEDIUM)
    assert [(c.accounts, c.level) for c in result.clusters] == [(("a", "b"), MEDIUM)]


def test_a_cluster_chain_is_a_spanning_tree_of_its_strongest_links():
    # a-b-c all share a brand (medium) and a-b, b-c share phones (critical): the tree uses phones.
    a = profile("a", shared("brand", "acme"), shared("phone", "+1"))
    b = profile("b", shared("brand", "acme"), shared("phone", "+1"), shared("mac", "m"))
    c = profile("c", shared("brand", "acme"), shared("mac", "m"))
    cluster = run(a, b, c, link_level=MEDIUM).clusters[0]
    assert len(cluster.chain) == 2
    assert {link.level for link in cluster.chain} == {CRITICAL}
    assert cluster.level == CRITICAL


def test_cluster_level_is_its_weakest_link():
    a = profile("a", shared("phone", "+1"))
    b = profile("b", shared("phone", "+1"), shared("ip", "203.0.113.7"))
    c = profile("c", shared("ip", "203.0.113.7"))
    assert run(a, b, c).clusters[0].level == HIGH


# --- taint ------------------------------------------------------------------------------------


def test_accounts_linked_to_a_suspended_account_are_at_risk_with_their_chain():
    result = run(*chain_profiles(status_a="suspended"))
    assert result.at_risk == (
        AtRisk("shop-b", "shop-a", (Link("shop-a", "shop-b", ("phone",), CRITICAL),)),
        AtRisk("shop-c", "shop-a", (
            Link("shop-a", "shop-b", ("phone",), CRITICAL),
            Link("shop-b", "shop-c", ("mac",), CRITICAL),
        )),
    )


def test_a_closed_account_also_puts_its_links_at_risk():
    assert {r.account for r in run(*chain_profiles(status_a="closed")).at_risk} == {"shop-b", "shop-c"}


def test_suspended_accounts_themselves_are_not_at_risk():
    a, b, c, d = chain_profiles(status_a="suspended")
    b = profile("shop-b", *b.attributes, status="suspended")
    result = run(a, b, c, d)
    assert [(r.account, r.because_of) for r in result.at_risk] == [("shop-c", "shop-b")]


def test_no_suspended_account_means_no_one_at_risk():
    assert run(*chain_profiles()).at_risk == ()


def test_links_below_the_link_level_carry_no_taint():
    a = profile("a", shared("brand", "acme"), status="suspended")
    b = profile("b", shared("brand", "acme"))
    assert run(a, b).at_risk == ()
    assert [r.account for r in run(a, b, link_level=MEDIUM).at_risk] == ["b"]


def test_taint_follows_the_shortest_chain():
    s = profile("s", shared("phone", "+1"), shared("mac", "m1"), status="suspended")
    x = profile("x", shared("phone", "+1"), shared("card", "c"))
    y = profile("y", shared("card", "c"), shared("email", "e@example.com"))
    z = profile("z", shared("email", "e@example.com"), shared("mac", "m1"))
    result = run(s, x, y, z)
    chains = {r.account: [(link.a, link.b) for link in r.chain] for r in result.at_risk}
    assert chains["z"] == [("s", "z")]
    assert len(chains["y"]) == 2


# --- account filter ---------------------------------------------------------------------------


def test_account_filter_keeps_only_that_accounts_pairs():
    a, b, c, d = chain_profiles()
    result = run(a, b, c, d, account="shop-c")
    assert [p.accounts for p in result.pairs] == [("shop-b", "shop-c")]
    assert [cl.accounts for cl in result.clusters] == [("shop-a", "shop-b", "shop-c")]


def test_account_filter_keeps_taint_that_passes_through_the_account():
    result = run(*chain_profiles(status_a="suspended"), account="shop-b")
    assert {r.account for r in result.at_risk} == {"shop-b", "shop-c"}
    assert {r.account for r in run(*chain_profiles(status_a="suspended"), account="shop-d").at_risk} == set()


def test_account_filter_with_an_unknown_account_is_a_usage_error():
    with pytest.raises(UsageError, match="no account named 'shop-x'"):
        run(*chain_profiles(), account="shop-x")


# --- hubs -------------------------------------------------------------------------------------


def coworking(count: int, *, extra=()):
    return [profile(f"shop-{i:03d}", shared("ip", "203.0.113.50"), *extra) for i in range(count)]


def test_a_value_shared_by_more_than_the_hub_size_is_one_hub_not_n_squared_pairs():
    result = run(*coworking(120))
    assert result.pairs == ()
    assert len(result.hubs) == 1
    hub = result.hubs[0]
    assert (hub.facet, hub.level, len(hub.accounts)) == ("ip", HIGH, 120)
    assert hub.value == "2***" and hub.raw == "203.0.113.50"


def test_a_network_hub_shows_the_network_it_is():
    profiles = [profile(f"shop-{i:03d}", attr("ip", f"203.0.113.{i}", f"ip:203.0.113.{i}", "ip_network:203.0.113.0/24"))
                for i in range(60)]
    hub = run(*profiles).hubs[0]
    assert (hub.facet, hub.value, hub.raw, len(hub.accounts)) == ("ip_network", "203.0.113.0/24", "203.0.113.0/24", 60)


def test_a_hub_still_joins_its_accounts_in_one_cluster():
    result = run(*coworking(120))
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert len(cluster.accounts) == 120 and len(cluster.chain) == 119
    assert all(link.kinds == ("ip",) for link in cluster.chain)


def test_a_hub_carries_taint_to_all_its_accounts():
    profiles = coworking(120)
    profiles[7] = profile(profiles[7].name, *profiles[7].attributes, status="suspended")
    result = run(*profiles)
    assert len(result.at_risk) == 119
    assert all(r.because_of == "shop-007" and len(r.chain) == 1 for r in result.at_risk)


def test_a_group_at_the_hub_size_is_still_enumerated():
    rules = rules_from_dict({"combine": {"hub_size": 5}})
    result = audit(coworking(5), rules, mask=mask)
    assert len(result.pairs) == 10 and result.hubs == ()
    assert len(audit(coworking(6), rules, mask=mask).pairs) == 0


def test_a_hub_shows_as_a_finding_on_pairs_linked_by_something_else():
    profiles = coworking(120)
    profiles[0] = profile("shop-000", *profiles[0].attributes, shared("phone", "+1"))
    profiles[1] = profile("shop-001", *profiles[1].attributes, shared("phone", "+1"))
    pair = only_pair(run(*profiles))
    assert pair.accounts == ("shop-000", "shop-001")
    assert [f.facet for f in pair.findings] == ["phone", "ip"]
    assert pair.level == CRITICAL


def test_account_filter_lists_the_accounts_pairs_inside_a_hub():
    result = run(*coworking(120), account="shop-005")
    assert len(result.pairs) == 119
    assert all("shop-005" in p.accounts for p in result.pairs)
    assert [len(h.accounts) for h in result.hubs] == [120]


def test_a_context_value_shared_widely_is_no_hub():
    result = run(*[profile(f"s{i}", shared("category", "toys")) for i in range(80)])
    assert result.hubs == () and result.pairs == () and result.clusters == ()


# --- compare ----------------------------------------------------------------------------------


def test_compare_finds_exact_and_fuzzy_collisions_of_a_planned_account():
    planned = profile("new-shop", shared("phone", "+8613800138000"), fuzzy_attr("company_name", "Shenzhen Acme Trading"), status="planned")
    on_file = [
        profile("shop-a", shared("phone", "+8613800138000")),
        profile("shop-b", fuzzy_attr("company_name", "Shenzhen Acne Trading")),
        profile("shop-c", fuzzy_attr("company_name", "Shenzhen Apex Trading")),
    ]
    pairs = compare(planned, on_file, DEFAULT_RULES, mask=mask)
    assert [(p.accounts, p.level, p.findings[0].match) for p in pairs] == [
        (("new-shop", "shop-a"), CRITICAL, "exact"),
        (("new-shop", "shop-b"), MEDIUM, "fuzzy"),
    ]


def test_compare_skips_the_planned_accounts_own_record():
    planned = profile("shop-a", shared("phone", "+1"))
    assert compare(planned, [profile("shop-a", shared("phone", "+1"))], DEFAULT_RULES, mask=mask) == []


def test_compare_applies_min_level_and_context_rules():
    planned = profile("new", shared("brand", "acme"), shared("logistics", "f1"))
    candidates = [profile("a", shared("brand", "acme")), profile("b", shared("logistics", "f1"))]
    assert [p.accounts for p in compare(planned, candidates, DEFAULT_RULES, mask=mask)] == [("a", "new")]
    assert compare(planned, candidates, DEFAULT_RULES, min_level=HIGH, mask=mask) == []


def test_compare_does_not_fuzzy_match_what_matches_exactly():
    planned = profile("new", fuzzy_attr("company_name", "Shenzhen Acme Trading"))
    pairs = compare(planned, [profile("a", fuzzy_attr("company_name", "Shenzhen Acme Trading"))], DEFAULT_RULES, mask=mask)
    assert [(f.match, f.level) for f in pairs[0].findings] == [("exact", HIGH)]


# --- JSON -------------------------------------------------------------------------------------


def test_audit_json_has_the_documented_shape():
    result = run(*chain_profiles(status_a="suspended"))
    doc = audit_to_json(result)
    json.dumps(doc)  # serialisable
    assert set(doc) >= {"pairs", "clusters", "at_risk", "summary"}
    pair = doc["pairs"][0]
    # weight, and what it sums and the threshold its level starts at: issue 16
    assert set(pair) == {"accounts", "level", "score", "weight", "weight_parts", "threshold", "findings"}
    assert pair["accounts"] == sorted(pair["accounts"])
    assert isinstance(pair["score"], float) and 0 <= pair["score"] <= 1
    finding = pair["findings"][0]
    assert {"kind", "match", "level", "values", "reason", "weight", "weight_terms", "flags"} <= set(finding)
    assert finding["level"] in ("critical", "high", "medium", "low")
    assert set(doc["clusters"][0]) == {"accounts", "level", "chain"}
    assert set(doc["at_risk"][0]) == {"account", "because_of", "chain"}
    assert doc["at_risk"][0]["chain"][0] == {"from": "shop-a", "to": "shop-b", "kinds": ["phone"], "level": "critical"}
    assert doc["summary"] == {
        "pairs": {"critical": 2, "high": 0, "medium": 0, "low": 0},
        "pairs_omitted": 0, "clusters": 1, "at_risk": 2, "hubs": 0,
    }
    assert engine.audit_summary(result) == doc["summary"]  # the table and the report's headline read this


def test_audit_json_masks_values_unless_revealed():
    a = profile("a", shared("email", "jdoe@example.com"))
    b = profile("b", shared("email", "jdoe@example.com"))
    result = run(a, b)
    assert audit_to_json(result)["pairs"][0]["findings"][0]["values"] == {"a": "j***", "b": "j***"}
    revealed = audit_to_json(result, reveal=True)["pairs"][0]["findings"][0]["values"]
    assert revealed == {"a": "jdoe@example.com", "b": "jdoe@example.com"}
    assert "jdoe@example.com" not in json.dumps(audit_to_json(result))


def test_audit_json_finding_has_seen_times_as_iso_dates():
    result = run(profile("a", shared("phone", "+1")), profile("b", shared("phone", "+1")))
    seen = audit_to_json(result)["pairs"][0]["findings"][0]["seen"]
    assert seen["a"] == {"first_seen": "2023-11-14T22:13:20Z", "last_seen": "2023-11-14T23:13:20Z"}


def test_audit_json_lists_hubs_masked():
    doc = audit_to_json(run(*coworking(60)))
    assert [(h["facet"], h["count"], h["value"]) for h in doc["hubs"]] == [("ip", 60, "2***")]
    assert audit_to_json(run(*coworking(60)), reveal=True)["hubs"][0]["value"] == "203.0.113.50"


def test_pairs_to_json_renders_compare_results_in_the_pair_shape():
    planned = profile("new", shared("phone", "+1"))
    doc = pairs_to_json(compare(planned, [profile("a", shared("phone", "+1"))], DEFAULT_RULES, mask=mask))
    assert [(p["accounts"], p["level"]) for p in doc] == [(["a", "new"], "critical")]


def test_fuzzy_findings_show_their_similarity_in_json():
    doc = audit_to_json(company_pair("Shenzhen Acme Trading", "Shenzhen Acne Trading"))
    finding = doc["pairs"][0]["findings"][0]
    assert finding["match"] == "fuzzy" and finding["score"] >= 92


# --- scale ------------------------------------------------------------------------------------


def synthetic(count: int, seed: int = 7) -> list[Profile]:
    rng = random.Random(seed)
    profiles = []
    for i in range(count):
        attrs = [
            shared("email", f"seller{i}@example.com"),
            shared("phone", f"+86138{rng.randrange(10**8):08d}"),
            attr("ip", "x", f"ip:198.51.{rng.randrange(256)}.{rng.randrange(256)}",
                 f"ip_network:198.51.{rng.randrange(256)}.0/24"),
            shared("mac", f"{rng.getrandbits(48):012x}"),
            shared("hostname", f"desktop-{rng.randrange(count * 5)}"),
            shared("brand", f"brand-{rng.randrange(count * 2)}"),
            shared("logistics", f"forwarder-{rng.randrange(30)}"),
            fuzzy_attr("company_name", f"city{rng.randrange(20)} brand{i} trading"),
        ]
        if i % 500 == 0:
            attrs.append(shared("ip", "203.0.113.99"))  # a coworking space: a hub
        profiles.append(profile(f"acct-{i:05d}", *attrs, status="suspended" if i % 2000 == 0 else "active"))
    return profiles


def test_a_large_store_audits_with_hubs_instead_of_exploding():
    profiles = synthetic(20_000)
    result = audit(profiles, DEFAULT_RULES, mask=mask)
    assert result.pairs  # random collisions of hostnames, brands and /24 networks
    assert all(p.accounts[0] < p.accounts[1] for p in result.pairs)
    # The /24 networks (256 of them, ~80 accounts each) and the forwarders are hubs or context.
    hub_facets = {h.facet for h in result.hubs}
    assert hub_facets == {"ip_network"}
    assert all(len(h.accounts) > DEFAULT_RULES.combine.hub_size for h in result.hubs)
    levels = [(p.level, p.score) for p in result.pairs]
    assert levels == sorted(levels, reverse=True)
    doc = audit_to_json(result)
    assert sum(doc["summary"]["pairs"].values()) == len(result.pairs)


# --- one address written more or less completely ------------------------------------------------

from linkcheck.linkage.engine import same_place  # noqa: E402


def test_same_place_when_district_is_left_out():
    assert same_place("room 1203 88 keyuan road nanshan district shenzhen", "room 1203 88 keyuan road nanshan shenzhen")


def test_same_place_with_a_postcode_and_province_added():
    assert same_place(
        "room 1203 88 keyuan road nanshan shenzhen",
        "room 1203 88 keyuan road nanshan district shenzhen guangdong 518057",
    )


def test_not_same_place_with_an_extra_building():
    assert same_place("room 1203 88 keyuan road shenzhen", "building b room 1203 88 keyuan road shenzhen") is None


def test_not_same_place_with_an_extra_street_number():
    assert same_place("keyuan road shenzhen 88", "keyuan road shenzhen 88 90") is None


def test_not_same_place_when_the_shorter_names_too_little():
    assert same_place("shenzhen 88", "room 1203 88 keyuan road shenzhen") is None


def test_same_place_when_each_side_leaves_out_something_different():
    assert same_place(
        "room 1203 88 keyuan road nanshan shenzhen 518057", "room 1203 88 keyuan road nanshan district shenzhen"
    )


def test_not_same_place_with_two_different_postcodes():
    assert same_place("room 5 1 main street springfield 10001", "room 5 1 main street springfield 90210") is None


def test_same_place_with_an_added_floor_on_word_sorted_texts():
    from linkcheck.linkage.engine import fuzzy_text

    assert same_place(
        fuzzy_text("Room 1203, 88 Keyuan Road, Shenzhen"), fuzzy_text("Floor 12, Room 1203, 88 Keyuan Road, Shenzhen")
    )


def test_not_same_place_with_an_extra_number_and_no_floor_on_word_sorted_texts():
    from linkcheck.linkage.engine import fuzzy_text

    assert same_place(fuzzy_text("88 Keyuan Road Shenzhen"), fuzzy_text("88 90 Keyuan Road Shenzhen")) is None
