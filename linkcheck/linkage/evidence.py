"""Evidence: one shared value between two accounts, what it weighs, and how the weights of a
pair's evidence sum into the pair's level and score."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from math import log2
from typing import Iterable, NamedTuple

from ..models import Attribute, Level
from ..registry.facets import level_of_weight
from .rules import FacetRule, FuzzyRule

# How a finding matched: the same value, the same value written differently, the same network
# around two values, a fuzzy comparison (with its similarity), or two numbers one digit apart
# (the near comparison level; with its similarity).
EXACT, NORMALISED, NETWORK, FUZZY, NEAR = "exact", "normalised", "network", "fuzzy", "near"

# Evidence weights for the score (noisy-OR within the pair's level band); context weighs nothing.
_WEIGHT = {Level.CRITICAL: 0.9, Level.HIGH: 0.6, Level.MEDIUM: 0.3, Level.LOW: 0.1}


class Evidence(NamedTuple):
    """One piece of evidence for a pair: the rule it counts under (a rules.FacetRule or
    rules.FuzzyRule), the first and the second account's attribute, and the fuzzy similarity
    (0-100; None for an exact key). A NamedTuple: an audit holds hundreds of thousands."""

    rule: FacetRule | FuzzyRule
    a: Attribute
    b: Attribute
    similarity: float | None


# ---------------------------------------------------------------------------------------------
# Weights: how much one shared value says (registry.facets explains the scale)

# Bits a person's name must carry before it counts at all. log2(1/share) is the Bayes factor
# of two accounts naming one person when a share `share` of people bear that name (m ~ 1,
# u = share); but among the accounts of a store, two operators who share nothing else are
# far likelier strangers than one person, so the first 13.5 bits only pay for that prior:
# a name borne by 1 in 11,600 (2^13.5) or more people -- 张伟, 王芳, John Smith, any bare
# surname -- weighs nothing and is context. A rarer name weighs up to the facet's weight.
NAME_PRIOR_BITS = 13.5
# A fuzzy match of two names is weighed as the commoner of the two, less this: a typo or
# another script is weaker evidence than the same spelling.
FUZZY_NAME_BITS = 2.0
# A shared key that is a romanisation ("legal_representative:py li wei", see
# normalize.person) is the pinyin comparison level: the same, less these bits.
PINYIN_BITS = 2.0
PINYIN_MARK = "py "
# A company's brand read in pinyin ("company_name:py pengyuan", normalize.company.brand_pinyin:
# 深圳市鹏远科技有限公司 and `Shenzhen Pengyuan Technology Co., Ltd.`) weighs the company name's
# weight less these bits. The same name is 12 bits (u ~ 2e-4). The brand alone, read aloud,
# is shared by every brand written with other characters of the same sounds: about five
# characters a syllable are common in brands (鹏/朋/蓬/彭/芃 peng, 远/源/园/元/圆 yuan), so some
# 2^5 = 32 brands of two syllables read as one (-5 bits); and the city and trade words are
# not compared (the brand in another city or trade: -2.5 bits). 12 - 7.5 = 4.5: medium, as a
# typo of a company name -- a link alone, but never high alone; beside the same address or a
# rare legal representative, high. The store's term frequency applies on top.
BRAND_PINYIN_BITS = 7.5
BRAND_PINYIN_FACETS = frozenset({"company_name"})
BRAND_PINYIN_REASON = (
    "The same brand name read in pinyin: a Chinese company name and a name in Latin letters whose "
    "distinctive words read alike (weaker than the same name: brands written with other characters "
    "can sound the same).",
    "字号拼音相同：中文公司名称与拼音或英文公司名称的字号读音一致（弱于名称完全相同：不同的字也可能同音）。",
)


def across_scripts(attr_a: Attribute, attr_b: Attribute) -> bool:
    """Whether two names sharing a pinyin key are written in two scripts (李伟, Li Wei). Two
    Han names that read alike (司徒嘉颖, 司徒嘉莹) are two people: their characters differ."""
    return attr_a.normalized.isascii() != attr_b.normalized.isascii()


@lru_cache(maxsize=1 << 16)
def name_weight(normalized: str) -> float:
    """A person's name's weight before the facet's cap: log2(1/share) - NAME_PRIOR_BITS,
    never below 0 (normalize.person.name_share estimates the share)."""
    from ..normalize.person import name_share

    return max(0.0, log2(1.0 / name_share(normalized)) - NAME_PRIOR_BITS)


def family_share(text_a: str, text_b: str) -> float:
    """About what share of people bear the family name two names share (comparisons.
    shared_family; 1.0 when they share none): the commonest of the shared ones
    (`family_word_share`)."""
    from .comparisons import shared_family

    return max(map(family_word_share, shared_family(text_a, text_b)), default=1.0)


@lru_cache(maxsize=1 << 14)
def family_word_share(word: str) -> float:
    """About what share of people bear `word` as a family name: read as a family name or,
    where the tables list it as a given name, as that if commoner (`Smith`, `James`). A
    family name the tables do not list is UNLISTED_FAMILY."""
    from ..normalize.person import UNLISTED_FAMILY, _tables

    tables = _tables()
    return max(tables["family_latin"].get(word, UNLISTED_FAMILY), tables["given_latin"].get(word, 0.0))


def family_may_weigh(word: str) -> bool:
    """Whether a family name could weigh anything at all (at least 1 bit: `name_part_weight`
    gives log2(1/share) - NAME_PRIOR_BITS, and less counts as nothing): the names that agree
    in part on a commoner one are no match. A set lookup (`_family_weighing`)."""
    unlisted, listed = _family_weighing()
    return word in listed if word in _listed_words() else unlisted


def _weighs(share: float) -> bool:
    return log2(1.0 / share) - NAME_PRIOR_BITS >= 1.0


@lru_cache(maxsize=1)
def _listed_words() -> frozenset[str]:
    from ..normalize.person import _tables

    tables = _tables()
    return frozenset(tables["family_latin"]) | frozenset(tables["given_latin"])


@lru_cache(maxsize=1)
def _family_weighing() -> tuple[bool, frozenset[str]]:
    """(whether a word the tables do not list may weigh, the listed words that may)."""
    from ..normalize.person import UNLISTED_FAMILY

    return _weighs(UNLISTED_FAMILY), frozenset(w for w in _listed_words() if _weighs(family_word_share(w)))


def name_part_weight(rule, text_a: str, text_b: str) -> float:
    """The weight of two names agreeing in part (the same family name, another given name):
    log2(1/share) of the family name less NAME_PRIOR_BITS, as a whole name is weighed, at
    most the rule's (the near level's 3 bits), never below 0. Only a family name the prior
    tables do not list as common says anything: an unlisted one (1 in 100,000) 3 bits, the
    rarest listed (1 in 20,000) 0.8 -- no finding (engine._fuzzy_rule drops it below 1)."""
    named = log2(1.0 / family_share(text_a, text_b)) - NAME_PRIOR_BITS
    return round(max(0.0, min(rule.weight, named)), 1)


def lone_family_rule(rules, rule, normalized: str, holders: int = 2):
    """The rule two accounts naming the same person by a lone word count under: what the
    rule's weighing made of it (a bare name never identifies anyone: context), or, when
    the word reads as an uncommon family name, the names facet's near level -- as much as
    a family name beside two given names that differ (`Quillfeather` and `Quillfeather`
    say no less than `Quillfeather` and `Joel Quillfeather`), less the store's term
    frequency, never a pair alone. Not when it weighs below 1 bit, nor through pinyin."""
    from .comparisons import family_candidates

    words = normalized.split()
    near = rules.near.get(rule.facet)
    if len(words) != 1 or rule.pinyin or near is None or near.weight <= 0 or not family_candidates(words):
        return rule
    weight = round(name_part_weight(near, normalized, normalized) - (
        store_frequency_bits(holders) if near.common else 0.0), 1)
    return weighed(near, weight, holders) if weight >= 1.0 else rule


def name_part(rule) -> bool:
    """Whether `rule` is a person's name agreeing in part (the near level of a names facet)."""
    return getattr(rule, "near", False) and rule.names


def store_frequency_bits(holders: int) -> float:
    """Term frequency in this store: a value held by `holders` accounts loses log2(holders/2)
    bits (two holders lose nothing, four lose 1, 16 lose 3): under the Fellegi-Sunter model
    u grows with how many accounts hold the value."""
    return log2(holders / 2.0) if holders > 2 else 0.0


def weigh(rule, normalized: str, holders: int = 2, *, other: str | None = None, pinyin: bool = False) -> float:
    """The weight of one shared value: the rule's weight, for a name at most the name's own
    weight (for a fuzzy match the commoner name's, less FUZZY_NAME_BITS), through pinyin
    PINYIN_BITS less, less the store's term-frequency bits when the rule says values can be
    common. Rounded to 0.1 bit."""
    weight = rule.weight
    if rule.names:
        named = name_weight(normalized)
        if other is not None:
            named = min(named, name_weight(other)) - FUZZY_NAME_BITS
        weight = min(weight, named)
        if pinyin:
            weight -= PINYIN_BITS
    elif pinyin and rule.facet in BRAND_PINYIN_FACETS:  # a company's brand read in pinyin
        weight -= BRAND_PINYIN_BITS
    if rule.common:
        weight -= store_frequency_bits(holders)
    return round(max(weight, 0.0), 1)


@lru_cache(maxsize=1 << 12)
def weighed(rule, weight: float, holders: int = 2, pinyin: bool = False):
    """`rule` as a finding of `weight` counts: the level the weight reaches, or context below
    1 bit. The rule keeps what explains the weight (`weight_terms`): the weight it had
    (`base`), how many accounts hold the value (`holders`) and whether two names met through
    their pinyin. The rule itself when nothing changes (most findings)."""
    if weight == rule.weight and holders <= 2 and not pinyin:
        return rule
    level = level_of_weight(weight)
    if pinyin and rule.facet in BRAND_PINYIN_FACETS:  # a company's brand read in pinyin says so
        reason, reason_zh = BRAND_PINYIN_REASON
        rule = replace(rule, reason=reason, reason_zh=reason_zh)
    return replace(rule, level=level or Level.LOW, context=level is None, weight=weight, base=rule.weight,
                   holders=holders, pinyin=pinyin)


def pair_weight(evidence: Iterable[tuple[float, str, bool]]) -> float:
    """A pair's total weight from (weight, family, context) per finding: the strongest
    finding of each family, summed (one fact seen through two facets counts once); context
    findings add nothing."""
    best: dict[str, float] = {}
    for weight, family, context in evidence:
        if not context and weight > best.get(family, -1.0):
            best[family] = weight
    return round(sum(best.values()), 1)


def weight_terms(rule, normalized_a: str, normalized_b: str) -> tuple[tuple[str, float, object], ...]:
    """Why a finding weighs what it does, as (term, bits, detail) triples whose bits sum to its
    weight (each rounded to 0.1 bit), in the order `weigh` applies them:

    - ("exact", "fuzzy" or "near", bits, None): the comparison level's weight;
    - ("name", bits, share): a person's name weighs at most its own weight, log2(1/share) -
      NAME_PRIOR_BITS, for a fuzzy match the commoner name's less FUZZY_NAME_BITS (`share`
      is the share of people bearing it);
    - ("family", bits, share): two names agreeing in part (the same family name) weigh at
      most the near level's weight, log2(1/share) - NAME_PRIOR_BITS of the family name
      (`name_part_weight`; bits 0 when nothing is taken off);
    - ("typo", bits, how): a near id read as a typo of one number (`typo_reading`: "swap",
      "digit" or "checksum"), registry.facets.ID_TYPO_BITS more than the near level;
    - ("pinyin", bits, None): a name met through its romanisation;
    - ("accounts", bits, holders): the store's term frequency (`holders` accounts hold it);
    - ("floor", bits, None): a weight never goes below 0;
    - ("past", bits, None): `[history] past` capped a finding on a value no longer in use.

    Recomputed from the rule and the two values for the findings an audit reports only.
    """
    comparison = NEAR if getattr(rule, "near", False) else FUZZY if rule.fuzzy else EXACT
    if rule.past_cap:  # [history] past: the weight it had, less what the cap took off
        unc = weight_terms(replace(rule, weight=round(rule.weight + rule.past_cap, 1), past_cap=0.0),
                           normalized_a, normalized_b)
        return (*unc, ("past", -rule.past_cap, None))
    if rule.base is None and not rule.names:
        return ((comparison, rule.weight, None),)
    if getattr(rule, "typo", ""):  # a near id read as a typo (typo_rule)
        return ((NEAR, rule.base, None), ("typo", round(rule.weight - rule.base, 1), rule.typo))
    if name_part(rule):  # the near level's weight, less what the family name's share takes off
        base = rule.weight if rule.base is None else rule.base
        share = family_share(normalized_a, normalized_b)
        named = min(base, log2(1.0 / share) - NAME_PRIOR_BITS)
        family: list[tuple[str, float, object]] = [(NEAR, base, None), ("family", round(named - base, 1), share)]
        if rule.common and rule.holders > 2:
            family.append(("accounts", round(-store_frequency_bits(rule.holders), 1), rule.holders))
        return tuple(family)
    from ..normalize.person import name_share

    weight = rule.weight if rule.base is None else rule.base
    terms: list[tuple[str, float, object]] = [(comparison, weight, None)]
    if rule.names:
        if rule.fuzzy:
            commoner = min((normalized_a, normalized_b), key=name_weight)
            named = name_weight(commoner) - FUZZY_NAME_BITS
        else:
            commoner = normalized_a
            named = name_weight(commoner)
        if named < weight:
            terms.append(("name", round(named - weight, 1), name_share(commoner)))
            weight = named
        if rule.pinyin:
            terms.append(("pinyin", -PINYIN_BITS, None))
            weight -= PINYIN_BITS
    elif rule.pinyin and rule.facet in BRAND_PINYIN_FACETS:
        terms.append(("brand_pinyin", -BRAND_PINYIN_BITS, None))
        weight -= BRAND_PINYIN_BITS
    if rule.common and rule.holders > 2:
        bits = store_frequency_bits(rule.holders)
        terms.append(("accounts", round(-bits, 1), rule.holders))
        weight -= bits
    if weight < 0:
        terms.append(("floor", round(-weight, 1), None))
    return tuple(terms)


# ---------------------------------------------------------------------------------------------
# A pair's level: its summed weight through the thresholds


def combine_level(evidence: Iterable[tuple[float, str, bool]]) -> Level | None:
    """A pair's level from its findings, given as (weight, family, context) triples: the level
    its summed weight (`pair_weight`: the strongest finding of each family) reaches through
    registry.facets.WEIGHT_THRESHOLDS, None below 1 bit (nothing but context: no pair).

    Each finding's weight is already adjusted (`weigh`): a common name weighs nothing, a rare
    one up to 9 bits, a value many accounts of the store hold less than one two hold. So the
    same company name and the same address (12 + 12) are critical, a rare name and the same
    address (9 + 12) high, a common name beside the address only the address (12, high); one
    strong identifier (24) is critical alone. Families group facets that are one piece of
    evidence (IP, /24 network, router and Wi-Fi are all "network"), so one fact seen through
    several facets never counts twice; a sum never falls below its largest part, so a pair is
    at least as strong as its strongest finding.
    """
    return level_of_weight(pair_weight(evidence))


def pair_score(level: Level, evidence: Iterable[tuple[Level, bool, float | None]]) -> float:
    """A score in 0..1 for ranking pairs, given the pair's level and (level, context, fuzzy
    similarity) per finding.

    Each level owns a quarter of the range (low 0-0.25 ... critical 0.75-1), so scores
    never contradict levels; within it, the noisy-OR of the findings' weights (critical 0.9,
    high 0.6, medium 0.3, low 0.1, scaled by similarity/100 for fuzzy ones, context 0) places
    the pair. Adding a finding never lowers the score.
    """
    miss = 1.0
    for f_level, context, similarity in evidence:
        if context:
            continue
        weight = _WEIGHT[f_level]
        if similarity is not None:
            weight *= similarity / 100.0
        miss *= 1.0 - weight
    floor = (int(level) - 1) / 4.0
    return floor + (1.0 - miss) / 4.0



# ---------------------------------------------------------------------------------------------
# Pair resolution, shared by audit and compare


def shares_facet_key(attr_a: Attribute, attr_b: Attribute, facet: str) -> bool:
    """Whether two attributes share an exact key of `facet` (a company's brand read in pinyin
    is not one: two brands in characters that read alike are two companies, which a fuzzy
    comparison may still find alike)."""
    prefix = facet + ":"
    keys_b = attr_b.keys
    if facet in BRAND_PINYIN_FACETS:
        return any(k in keys_b for k in attr_a.keys if k.startswith(prefix) and not k.startswith(PINYIN_MARK, len(prefix)))
    return any(k in keys_b for k in attr_a.keys if k.startswith(prefix))


def both_checksummed(attr_a: Attribute, attr_b: Attribute) -> bool:
    """Whether two numbers both pass their country's check digits (normalize.registry_code
    flags `country:XX`, and `bad-checksum` when they fail). Check digits catch one digit
    substituted and most neighbours swapped, so two such numbers one digit apart are two
    numbers, not a typo of one: no near finding."""
    return all(any(f.startswith("country:") for f in attr.flags) and "bad-checksum" not in attr.flags
               for attr in (attr_a, attr_b))


def typo_reading(attr_a: Attribute, attr_b: Attribute) -> str | None:
    """Why two id numbers one digit apart read as a typo of one number (registry.facets.
    ID_TYPO_BITS): "checksum" when one fails its check digits and the other passes them (the
    failing one is a mistyped copy: two numbers issued so would both pass), else the shape of
    the difference (comparisons.id_typo: "swap", "digit"); None when it reads as much as two
    numbers issued close together (the last digit changed, one dropped or added)."""
    from .comparisons import id_typo

    bad_a, bad_b = "bad-checksum" in attr_a.flags, "bad-checksum" in attr_b.flags
    if bad_a != bad_b and any(f.startswith("country:") for f in (attr_b if bad_a else attr_a).flags):
        return "checksum"
    return id_typo(attr_a.normalized, attr_b.normalized)


TYPO_REASONS = {
    "swap": ("Numbers one typo apart: two neighbouring digits swapped, a slip of typing rather than two "
             "numbers issued close together.",
             "号码仅差一处笔误：相邻两位数字颠倒，更像是输入错误，而不是相近时间签发的两个号码。"),
    "digit": ("Numbers one typo apart: one digit other than the last changed, where numbers issued one after "
              "the other differ in the last.",
              "号码仅差一处笔误：改动的不是最后一位数字，而先后签发的号码通常只差最后一位。"),
    "checksum": ("Numbers one digit apart, and one fails its check digits where the other passes them: a "
                 "mistyped copy of the other.",
                 "号码仅差一位数字，且一个号码校验位错误而另一个正确：很可能是另一个号码的笔误。"),
}


@lru_cache(maxsize=64)
def typo_rule(near: FuzzyRule, typo: str) -> FuzzyRule:
    """The near rule of an id weighed as a typo (`typo_reading`): ID_TYPO_BITS more, with
    the reason saying which typo; still no pair alone (`alone_is_no_link`)."""
    from ..registry.facets import ID_TYPO_BITS

    weight = round(near.weight + ID_TYPO_BITS, 1)
    level = level_of_weight(weight)
    reason, reason_zh = TYPO_REASONS[typo]
    return replace(near, weight=weight, base=near.weight, level=level or Level.LOW, context=level is None,
                   typo=typo, reason=reason, reason_zh=reason_zh)


def exact_beats_fuzzy(attr_a: Attribute, attr_b: Attribute, facet: str, held: Iterable[Evidence] | None) -> bool:
    """Exact beats fuzzy: a fuzzy match of `facet` adds nothing when the two values share the
    facet's exact key, or when the pair already holds an exact finding of that facet (`held`)."""
    if shares_facet_key(attr_a, attr_b, facet):
        return True
    if not held:
        return False
    return any(e.rule.facet == facet and not e.rule.fuzzy for e in held)


def _strongest_per_value_pair(evidence: list[Evidence]) -> list[Evidence]:
    """Keep one finding per pair of attributes: sharing an IP also shares its /24, and an
    email its domain; the weaker facet of the same two values adds nothing."""
    if len(evidence) == 1:
        return evidence
    best: dict[tuple[int, int], Evidence] = {}
    for item in evidence:
        slot = (id(item.a), id(item.b))
        held = best.get(slot)
        if held is None or _strength(item) > _strength(held):
            best[slot] = item
    return list(best.values())


def _strength(item: Evidence) -> tuple:
    rule = item.rule
    return (not rule.context, rule.level, not rule.fuzzy)


def alone_is_no_link(rule) -> bool:
    """Evidence that makes no pair by itself: context, and the near level (two numbers one digit
    apart), which only adds to other evidence (neighbours at 12 and 13 of one street)."""
    return rule.context or getattr(rule, "near", False)


def _near_alone(kept: list) -> bool:
    """Whether a pair's evidence is context and near numbers of at most one family: no pair.
    Near numbers of two families (an id and an address) are two coincidences and make one; a
    tax id and a registration number one digit off are one fact seen twice (one family)."""
    families = set()
    for e in kept:
        if not alone_is_no_link(e.rule):
            return False
        if not e.rule.context:
            families.add(e.rule.family)
    return len(families) < 2


def _family_counted_once(kept: list) -> list:
    """Without the names agreeing in part whose family name is a word of a value the pair
    shares through another finding (a company, brand or street named after the family:
    `Quillfeather Home Goods` and two Quillfeathers): the two agree because of that value, so the family
    name adds nothing the other finding does not say (Fellegi-Sunter counts independent
    evidence only)."""
    from .comparisons import shared_family

    out = []
    for e in kept:
        if name_part(e.rule):
            words = shared_family(e.a.normalized, e.b.normalized)
            if any(_carries(other, words) for other in kept if other is not e and not other.rule.context
                   and other.rule.family != e.rule.family):
                continue
        out.append(e)
    return out


def _carries(evidence: Evidence, words: list[str]) -> bool:
    """Whether both values of `evidence` hold one of `words` (spaces aside: `QuillfeatherHome`)."""
    texts = [evidence.a.normalized.replace(" ", ""), evidence.b.normalized.replace(" ", "")]
    return any(all(w in text for text in texts) for w in words)


def _resolve(evidence: list) -> tuple[Level, float, list] | None:
    if len(evidence) == 1:
        # The common case, kept cheap: one shared value.
        rule, _a, _b, similarity = evidence[0]
        if alone_is_no_link(rule):
            return None
        return rule.level, pair_score(rule.level, ((rule.level, False, similarity),)), evidence
    kept = _strongest_per_value_pair(evidence)
    if any(name_part(e.rule) for e in kept):
        kept = _family_counted_once(kept)
    if _near_alone(kept):
        return None
    level = combine_level((e.rule.weight, e.rule.family, e.rule.context) for e in kept)
    if level is None:
        return None
    score = pair_score(level, ((e.rule.level, e.rule.context, e.similarity) for e in kept))  # type: ignore[misc]
    return level, score, kept



@lru_cache(maxsize=None)
def _single_score(level: Level, similarity: float | None) -> float:
    return pair_score(level, ((level, False, similarity),))
