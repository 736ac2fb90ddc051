"""Specification of the attribute-kind registry: names, parsing contract, masks, regions, properties."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from linkcheck import normalize
from linkcheck.normalize.address import _ADDRESS_ABBREVIATIONS
from linkcheck.normalize.company import _COMPANY_SYNONYMS
from linkcheck.normalize.numbers import _IBAN_DIGITS
from linkcheck.registry import kinds
from linkcheck.errors import EXIT_INPUT, InvalidInput, InvalidValue
from linkcheck.registry.kinds import KIND_NAMES, KINDS, get_kind, mask, parse_value, region_for_marketplace
from linkcheck.registry.facets import FACETS as FACET_TABLE

# Per kind: 21 kinds x 40 examples (x 4 spellings each) keeps the file to a few seconds.
QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SENSITIVE = {name for name, kind in KINDS.items() if kind.sensitive}


def exact_keys(parsed) -> tuple[str, ...]:
    return tuple(k for k in parsed.keys if not k.startswith("~"))


# ---------------------------------------------------------------------------------------------
# The registry


def test_kind_names_are_the_documented_kinds_in_order():
    assert KIND_NAMES == (
        "company_name", "registration_number", "tax_id", "legal_representative", "address", "email", "phone",
        "bank_account", "card", "payment_account", "ip", "mac", "gateway_mac", "wifi_bssid", "hostname",
        "machine_id", "browser_fingerprint", "brand", "supplier", "logistics", "category",
        "browser_profile", "proxy", "proxy_account", "platform_login", "totp_secret", "cookie", "device_name",
        "id_number",
    )


@pytest.mark.parametrize("category, names", [
    ("company", {"company_name", "registration_number", "tax_id"}),
    ("representative", {"legal_representative", "id_number"}),
    ("contact", {"email", "phone", "platform_login", "totp_secret"}),
    ("financial", {"bank_account", "card", "payment_account"}),
    ("address", {"address"}),
    ("network", {"ip", "hostname", "proxy", "proxy_account"}),
    ("device", {"mac", "machine_id", "browser_fingerprint", "browser_profile", "cookie", "device_name"}),
    ("router", {"gateway_mac", "wifi_bssid"}),
    ("business", {"brand", "supplier", "logistics", "category"}),
])
def test_each_kind_belongs_to_its_evidence_group(category, names):
    assert {name for name, kind in KINDS.items() if kind.category == category} == names


def test_every_kind_is_in_a_known_evidence_group():
    assert {kind.category for kind in KINDS.values()} == set(kinds.CATEGORIES)


def test_fuzzy_kinds_are_company_name_address_and_legal_representative():
    assert {name for name, kind in KINDS.items() if kind.fuzzy} == {"company_name", "address", "legal_representative"}


def test_only_hostname_and_business_labels_are_shown_unmasked():
    assert set(KIND_NAMES) - SENSITIVE == {
        "hostname", "brand", "supplier", "logistics", "category", "browser_profile", "device_name",
    }


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kind_has_english_and_chinese_labels(name):
    kind = KINDS[name]
    assert kind.label and kind.label[0].isupper()
    assert any("\u4e00" <= c <= "\u9fff" for c in kind.label_zh)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_each_kind_example_parses_into_keys_of_its_declared_facets(name):
    kind = KINDS[name]
    parsed = parse_value(name, kind.example)
    assert parsed.keys
    for key in parsed.keys:
        facet = key.lstrip("~").partition(":")[0]
        assert facet in kind.facets


@pytest.mark.parametrize("name", KIND_NAMES)
def test_every_facet_a_kind_can_emit_has_a_linkage_rule(name):
    assert set(KINDS[name].facets) <= set(FACET_TABLE)


def test_get_kind_returns_the_registry_entry():
    assert get_kind("email") is KINDS["email"]


def test_get_kind_unknown_names_the_kind_and_lists_valid_ones():
    with pytest.raises(InvalidInput) as caught:
        get_kind("fax")
    assert "'fax'" in str(caught.value)
    assert "company_name" in str(caught.value) and "category" in str(caught.value)
    assert caught.value.exit_code == EXIT_INPUT


def test_parse_value_with_unknown_kind_raises_invalid_input():
    with pytest.raises(InvalidInput):
        parse_value("fax", "+1 201 555 0123")


# ---------------------------------------------------------------------------------------------
# Input hygiene: every kind


@pytest.mark.parametrize("name", KIND_NAMES)
@pytest.mark.parametrize("blank", ["", "   ", "\t\n", "\u200b"])
def test_blank_values_are_rejected(name, blank):
    with pytest.raises(InvalidValue, match="empty"):
        parse_value(name, blank)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_values_over_1000_characters_are_rejected(name):
    with pytest.raises(InvalidValue, match="longer than 1,000 characters"):
        parse_value(name, "a" * 1001)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_control_characters_are_rejected(name):
    with pytest.raises(InvalidValue, match="control characters"):
        parse_value(name, KINDS[name].example + "\x00")


@pytest.mark.parametrize("value", [None, b"jdoe@gmail.com", 42])
def test_non_text_values_are_rejected(value):
    with pytest.raises(InvalidValue, match="not text"):
        parse_value("email", value)


def test_lone_surrogates_are_rejected():
    with pytest.raises(InvalidValue, match="not valid text"):
        parse_value("company_name", "Acme \udcff Trading")


def test_invisible_characters_do_not_hide_a_shared_value():
    assert parse_value("email", "\ufeffjdoe\u200b@gmail.com\u200e").keys == parse_value("email", "jdoe@gmail.com").keys


def test_invalid_value_names_the_kind_and_the_reason():
    with pytest.raises(InvalidValue) as caught:
        parse_value("card", "4111 1111 1111 1112")
    assert str(caught.value) == "invalid card: fails the Luhn check"
    assert caught.value.exit_code == EXIT_INPUT


@pytest.mark.parametrize("name, value", [
    ("card", "4111 1111 1111 1112"), ("bank_account", "DE89 3704 0044 0532 0130 01"), ("phone", "13800138000"),
    ("email", "jdoe.example.com"), ("tax_id", "DE12!3456789"), ("ip", "203.0.113.999"), ("mac", "3c:22:fb:12:34"),
    ("machine_id", "3f25 04e0"), ("payment_account", "pay!ments"), ("legal_representative", "John Doe 3"),
])
def test_rejection_never_quotes_a_sensitive_value(name, value):
    with pytest.raises(InvalidValue) as caught:
        parse_value(name, value)
    assert value not in str(caught.value)
    assert value.replace(" ", "") not in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Masks


@pytest.mark.parametrize("name, value, shown", [
    ("email", "J.Doe+amz@example.com", "j***@example.com"),
    ("payment_account", "payouts@acme-trading.example", "p***@acme-trading.example"),
    ("phone", "+86 138 0013 8000", "****8000"),
    ("mac", "3C-22-FB-12-34-56", "3c:22:fb:**:**:56"),
    ("gateway_mac", "a4:2b:b0:11:22:33", "a4:2b:b0:**:**:33"),
    ("ip", "203.0.113.7", "203.0.113.x"),
    ("ip", "2001:db8:4:7::15", "2001:db8:4:7:x:x:x:x"),
    ("bank_account", "DE89 3704 0044 0532 0130 00", "****3000"),
    ("card", "4111 1111 1111 1111", "****1111"),
    ("payment_account", "P-1234-5678", "****5678"),
    ("tax_id", "DE123456789", "****6789"),
    ("company_name", "Shenzhen Acme Trading Co., Ltd.", "shenzhen a*** trading"),
    ("address", "Room 1203, 88 Keyuan Road, Shenzhen", "room *** *** k*** road shenzhen"),
    ("legal_representative", "John Doe", "j*** d***"),
    ("legal_representative", "张三", "张*"),
    ("machine_id", "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}", "3f25…"),
    ("browser_fingerprint", "9f86d081884c7d65", "9f86…"),
])
def test_masks_keep_enough_to_recognise_a_value(name, value, shown):
    assert mask(name, parse_value(name, value).normalized) == shown


@pytest.mark.parametrize("name, value", [("hostname", "acme-ops-laptop"), ("brand", "acme home"),
                                         ("supplier", "dongguan bright plastics"), ("logistics", "sf express"),
                                         ("category", "home and kitchen")])
def test_non_sensitive_values_are_shown_as_they_are(name, value):
    assert mask(name, value) == value


def test_company_name_of_only_generic_words_is_still_masked():
    assert mask("company_name", "shenzhen trading") == "shenzhen t***"


@pytest.mark.parametrize("name", sorted(SENSITIVE))
@pytest.mark.parametrize("odd", ["", "x", "@", ":::", "1.2"])
def test_masks_never_fail_on_odd_input(name, odd):
    assert isinstance(mask(name, odd), str)


# ---------------------------------------------------------------------------------------------
# Marketplaces -> regions


@pytest.mark.parametrize("marketplace, region", [
    ("amazon.com", "US"), ("amazon.co.uk", "GB"), ("amazon.de", "DE"), ("amazon.co.jp", "JP"), ("amazon.ca", "CA"),
    ("amazon.com.au", "AU"), ("amazon.fr", "FR"), ("amazon.it", "IT"), ("amazon.es", "ES"), ("amazon.nl", "NL"),
    ("amazon.se", "SE"), ("amazon.pl", "PL"), ("amazon.com.mx", "MX"), ("amazon.com.br", "BR"), ("amazon.in", "IN"),
    ("amazon.sg", "SG"), ("amazon.ae", "AE"), ("amazon.sa", "SA"), ("amazon.cn", "CN"), ("ebay.co.uk", "GB"),
    ("ebay.com", "US"), ("walmart.ca", "CA"), ("walmart.com", "US"), ("Amazon.DE", "DE"),
    ("https://sellercentral.amazon.co.uk/home", "GB"), ("www.amazon.com.au", "AU"), ("UK", "GB"), ("us", "US"),
])
def test_region_for_marketplace(marketplace, region):
    assert region_for_marketplace(marketplace) == region


@pytest.mark.parametrize("marketplace", ["", "etsy.com", "aliexpress.com", "shop.example", "temu.io", "amazon", "XX"])
def test_region_for_marketplace_unknown_is_none(marketplace):
    assert region_for_marketplace(marketplace) is None


# ---------------------------------------------------------------------------------------------
# Properties


@pytest.mark.parametrize("name", KIND_NAMES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text() | st.binary().map(lambda b: b.decode("utf-8", "surrogateescape")))
@example(text="\x00" * 5000)
@example(text="深" * 1000)
@example(text=" " * 999 + "a")
def test_arbitrary_text_gives_a_value_or_invalid_value(name, text):
    try:
        parsed = parse_value(name, text, region="US")
    except InvalidValue as e:
        assert "cannot be read" not in e.reason  # the catch-all never hides a bug
        # Reasons are fixed wording, so a letters-only text can be a word of it ("card" in
        # "invalid card: a card number ..."); the values worth hiding carry digits or an "@".
        value = text.strip()
        if name in SENSITIVE and len(value) >= 4 and any(c.isdigit() or c == "@" for c in value):
            assert value not in str(e)
        return
    again = parse_value(name, parsed.normalized, region="US")
    assert again.normalized == parsed.normalized
    assert again.keys == parsed.keys


@pytest.mark.parametrize("name", KIND_NAMES)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1001, max_size=3000))
def test_huge_text_is_rejected_as_too_long(name, text):
    with pytest.raises(InvalidValue, match="longer than"):
        parse_value(name, text)


# Strategies: a canonical value and two independent re-spellings of it. The value comes from
# hypothesis; the cosmetic variations from a seeded Random it provides (far cheaper to draw).

LOWER = string.ascii_lowercase


def _recase(rnd, text: str) -> str:
    return "".join(c.upper() if rnd.random() < 0.5 else c for c in text)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def _respelt(value_strategy, spell):
    """Four spellings of one drawn value; `spell(rnd, value)` varies only cosmetics."""

    @st.composite
    def spellings(draw):
        value = draw(value_strategy)
        rnd = draw(st.randoms(use_true_random=True))
        return [spell(rnd, value) for _ in range(4)]

    return spellings()


_BLOCKED_WORDS = (normalize.COMPANY_GENERIC | normalize.ADDRESS_GENERIC | set(_COMPANY_SYNONYMS)
                  | set(_ADDRESS_ABBREVIATIONS) | {"the", "no", "number", "num", "nr", "prov", "city"})
distinct_words = st.text(LOWER, min_size=4, max_size=9).filter(lambda w: w not in _BLOCKED_WORDS and not w.endswith("str"))


def _spell_email(rnd, value):
    user, domain = value
    local = user
    if domain == "gmail.com":
        cut = rnd.randint(1, len(local))
        local = local[:cut] + ("." if cut < len(local) else "") + local[cut:]
    if rnd.random() < 0.5:
        local += "+" + rnd.choice(["amz", "shop2", "x"])
    return rnd.choice(["{}", " {} ", "mailto:{}", "<{}>"]).format(_recase(rnd, f"{local}@{domain}"))


email_pairs = _respelt(
    st.tuples(st.text(LOWER + string.digits, min_size=1, max_size=10),
              st.sampled_from(["gmail.com", "example.com", "acme-trading.example", "qq.com", "例子.中国"])),
    _spell_email)


def _spell_phone(rnd, digits):
    sep = rnd.choice([" ", "-", ".", ""])
    body = sep.join([digits[:3], digits[3:7], digits[7:]])
    if rnd.random() < 0.3:
        body = f"({digits[:3]}) {digits[3:7]}-{digits[7:]}"
    return rnd.choice(["+86 {}", "+86{}", "0086 {}", "+86.{}"]).format(body)


phone_pairs = _respelt(st.text(string.digits, min_size=8, max_size=8).map(lambda d: "138" + d), _spell_phone)


def _spell_mac(rnd, octets):
    hexes = [f"{o:02x}" for o in octets]
    text = rnd.choice([":".join(hexes), "-".join(hexes), "".join(hexes),
                       ".".join("".join(hexes)[i:i + 4] for i in range(0, 12, 4))])
    return _recase(rnd, text)


mac_pairs = _respelt(
    st.lists(st.integers(0, 255), min_size=6, max_size=6).filter(lambda o: len(set(o)) > 1 and not o[0] & 1), _spell_mac)


def _spell_ip(rnd, number):
    if number < 1 << 32:
        text = _ipv4_text(number)
        return rnd.choice([text, ".".join(f"{int(o):03d}" for o in text.split(".")), f"::ffff:{text}"])
    full = ":".join(f"{(number >> s) & 0xFFFF:04x}" for s in range(112, -16, -16))
    text = rnd.choice([full, normalize.ipv6_text(number)])
    return rnd.choice(["{}", "[{}]"]).format(_recase(rnd, text))


def _ipv4_text(number: int) -> str:
    return ".".join(str((number >> s) & 255) for s in (24, 16, 8, 0))


ip_pairs = _respelt(
    st.integers(1 << 24, (224 << 24) - 1).filter(lambda n: parse_value("ip", _ipv4_text(n)).keys)
    | st.integers(0, (1 << 112) - 1).map(lambda n: (0x2A00 << 112) | n),  # 2a00::/16, global unicast
    _spell_ip)


def _iban(country: str, bban: str) -> str:
    check = 98 - int((bban + country + "00").translate(_IBAN_DIGITS)) % 97
    return f"{country}{check:02d}{bban}"


def _spell_grouped(rnd, text):
    sep = rnd.choice([" ", "-", ".", ""])
    return _recase(rnd, sep.join(text[i:i + 4] for i in range(0, len(text), 4)))


bank_account_pairs = _respelt(
    st.builds(_iban, st.sampled_from(["DE", "GB", "NL", "ES"]), st.text(string.digits, min_size=14, max_size=22))
    | st.text(string.digits, min_size=8, max_size=20),
    _spell_grouped)


def _luhn_completed(body: str) -> str:
    return next(body + c for c in string.digits if normalize.luhn_valid(body + c))


card_pairs = _respelt(st.text(string.digits, min_size=14, max_size=14).map(lambda d: _luhn_completed("4" + d)),
                      _spell_grouped)
code_values = st.builds(lambda d, rest: d + rest, st.text(string.digits, min_size=6, max_size=9),
                        st.text("ABCDEFGHJK0123456789", max_size=9))
code_pairs = _respelt(code_values, _spell_grouped)
payment_account_pairs = email_pairs | code_pairs

LEGAL_SPELLINGS = ["Co., Ltd.", "CO LTD", "Company Limited", "Limited", "Ltd", "Co.,Ltd", "有限公司", "LLC", "L.L.C.",
                   "Inc.", "Incorporated", "Corp", "Corporation", "GmbH", ""]
_CITY_SPELLINGS = {"shenzhen": ["shenzhen", "SHENZHEN", "深圳", "深圳市"], "yiwu": ["yiwu", "Yiwu", "义乌"]}
_TRADE_SPELLINGS = {"trading": ["trading", "Trading", "Trade"], "technology": ["technology", "Tech", "TECHNOLOGY"]}


def _spell_company(rnd, value):
    words, city, trade = value
    parts = [_recase(rnd, w) for w in words]
    if city:
        parts.insert(0, rnd.choice(_CITY_SPELLINGS[city]))
    if trade:
        parts.append(rnd.choice(_TRADE_SPELLINGS[trade]))
    text = f"{rnd.choice([' ', '  ', ', ', ' - ']).join(parts)} {rnd.choice(LEGAL_SPELLINGS)}".strip()
    return _fullwidth(text) if rnd.random() < 0.1 else text


company_pairs = _respelt(
    st.tuples(st.lists(distinct_words, min_size=1, max_size=3), st.sampled_from([None, "shenzhen", "yiwu"]),
              st.sampled_from([None, "trading", "technology"])),
    _spell_company)


def _spell_address(rnd, value):
    room, number, street = value
    return "{room} {r}, {no}{n} {street} {road}, Nanshan {dist}, Shenzhen{tail}".format(
        room=rnd.choice(["Room", "Rm", "Rm.", "RM"]), r=room, no=rnd.choice(["", "No. ", "No.", "#", "Number "]),
        n=number, street=_recase(rnd, street), road=rnd.choice(["Road", "Rd", "Rd.", "ROAD"]),
        dist=rnd.choice(["District", "Dist.", "Dist"]), tail=rnd.choice(["", " City", ", China", ", P.R. China"]))


address_pairs = _respelt(st.tuples(st.integers(1, 3000), st.integers(1, 500), distinct_words), _spell_address)
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mme", "herr", "frau"}


def _spell_person(rnd, names):
    order = list(names)
    rnd.shuffle(order)
    text = " ".join(_recase(rnd, n) for n in order)
    if rnd.random() < 0.5:
        text = f"{order[-1].upper()}, {' '.join(order[:-1])}"
    return rnd.choice(["{}", "Mr. {}", "Ms {}"]).format(text)


person_pairs = _respelt(
    st.lists(st.text(LOWER, min_size=2, max_size=8).filter(lambda w: w not in _TITLES), min_size=2, max_size=3),
    _spell_person)
hostname_pairs = _respelt(
    st.from_regex(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,10}){0,2}", fullmatch=True)
    .filter(lambda n: n not in normalize.DEFAULT_HOSTNAMES),
    lambda rnd, name: _recase(rnd, name) + rnd.choice(["", ".", ".local", ".lan"]))


def _spell_opaque(rnd, value):
    text = value
    if rnd.random() < 0.5:
        text = "-".join([text[:8], text[8:12], text[12:16], text[16:20], text[20:]])
    if rnd.random() < 0.5:
        text = "{" + text + "}"
    return _recase(rnd, text)


opaque_pairs = _respelt(st.text("0123456789abcdef", min_size=32, max_size=32).filter(lambda v: len(set(v)) > 1),
                        _spell_opaque)
label_pairs = _respelt(
    st.lists(st.text(LOWER + string.digits, min_size=1, max_size=8), min_size=1, max_size=3),
    lambda rnd, words: _recase(rnd, rnd.choice([" ", "", "-", "  ", "_"]).join(words)) + rnd.choice(["", "™", "®"]))



def _spell_profile(rnd, value):
    vendor, ident = value
    return rnd.choice(["", " "]) + _recase(rnd, vendor) + ":" + ident + rnd.choice(["", " "])


profile_pairs = _respelt(
    st.tuples(st.sampled_from(["adspower", "bitbrowser", "ziniao", "gologin"]),
              st.text(LOWER + string.digits, min_size=1, max_size=12)), _spell_profile)


def _spell_proxy(rnd, value):
    scheme, number, port, user = value
    host = _ipv4_text(number)
    password = rnd.choice(["pw", "s3cret", "x:y", ""])
    if scheme == "http" and rnd.random() < 0.5:
        return f"{host}:{port}:{user}" + (f":{password}" if password else "")
    auth = user + (f":{password}" if password else "")
    return f"{_recase(rnd, scheme)}://{auth}@{host}:{port}"


proxy_pairs = _respelt(
    st.tuples(st.sampled_from(["http", "socks5"]),
              st.integers(1 << 24, (224 << 24) - 1).filter(lambda n: parse_value("ip", _ipv4_text(n)).keys),
              st.integers(1, 65535), st.text(LOWER + string.digits, min_size=1, max_size=10)),
    _spell_proxy)
proxy_account_pairs = _respelt(
    st.tuples(st.text(LOWER, min_size=1, max_size=8), st.text(LOWER + string.digits, min_size=1, max_size=10)),
    lambda rnd, v: f"{rnd.choice(['https', 'HTTPS'])}://{_recase(rnd, 'api.' + v[0] + '.example')}/refresh?key={v[1]}"
    + rnd.choice(["", "#top"]))
login_pairs = _respelt(st.text(LOWER + string.digits, min_size=3, max_size=12),
                       lambda rnd, v: rnd.choice(["", " "]) + _recase(rnd, v))
hash_pairs = _respelt(st.text("0123456789abcdef", min_size=32, max_size=32), lambda rnd, v: _recase(rnd, v))
cookie_pairs = _respelt(
    st.tuples(st.sampled_from(["amazon.com", "sellercentral.amazon.de", "example.com"]),
              st.text("0123456789abcdef", min_size=32, max_size=32)),
    lambda rnd, v: rnd.choice(["", "."]) + _recase(rnd, v[0]) + ":" + _recase(rnd, v[1]))
device_pairs = _respelt(st.text(LOWER + string.digits, min_size=3, max_size=12),
                        lambda rnd, v: _recase(rnd, "desktop-" + v) + rnd.choice(["", " "]))

id_number_pairs = _respelt(
    st.text(string.digits, min_size=17, max_size=17).map(lambda body: body + "X")
    | st.text(string.digits, min_size=8, max_size=18)
    | st.tuples(st.sampled_from("EGP"), st.text(string.digits, min_size=8, max_size=8)).map("".join),
    _spell_grouped)

RESPELLINGS = {
    "company_name": company_pairs, "registration_number": code_pairs, "tax_id": code_pairs,
    "legal_representative": person_pairs, "address": address_pairs, "email": email_pairs, "phone": phone_pairs,
    "bank_account": bank_account_pairs, "card": card_pairs, "payment_account": payment_account_pairs, "ip": ip_pairs,
    "mac": mac_pairs, "gateway_mac": mac_pairs, "wifi_bssid": mac_pairs, "hostname": hostname_pairs,
    "machine_id": opaque_pairs, "browser_fingerprint": opaque_pairs, "brand": label_pairs, "supplier": company_pairs,
    "logistics": label_pairs, "category": label_pairs,
    "browser_profile": profile_pairs, "proxy": proxy_pairs, "proxy_account": proxy_account_pairs,
    "platform_login": login_pairs, "totp_secret": hash_pairs, "cookie": cookie_pairs, "device_name": device_pairs,
    "id_number": id_number_pairs,
}


def test_every_kind_has_a_respelling_strategy():
    assert set(RESPELLINGS) == set(KIND_NAMES)


@pytest.mark.parametrize("name", KIND_NAMES)
@QUICK
@given(data=st.data())
def test_respellings_of_one_value_share_their_keys(name, data):
    spellings = data.draw(RESPELLINGS[name], label="spellings")
    found = {exact_keys(parse_value(name, spelling)) for spelling in spellings}
    assert len(found) == 1
    assert found.pop()


@pytest.mark.parametrize("name", KIND_NAMES)
@QUICK
@given(data=st.data())
def test_normalising_is_idempotent(name, data):
    for spelling in data.draw(RESPELLINGS[name], label="spellings"):
        parsed = parse_value(name, spelling)
        again = parse_value(name, parsed.normalized)
        assert again.normalized == parsed.normalized
        assert again.keys == parsed.keys
        assert again.flags == parsed.flags


@pytest.mark.parametrize("text, expected", [("0㈠号㐀", "0 一㐀"), ("12 一号 楼下", "12 一 floor 下"),
                                            ("科技园一号路88号", "science park 一 road 88")])
def test_a_chinese_word_dropped_between_two_others_leaves_no_space_to_read_again(text, expected):
    # 号 (a number marker) is dropped: the CJK words either side of it are one run, as they
    # read when the canonical text is parsed again (found by the idempotence test above).
    parsed = parse_value("address", text)
    again = parse_value("address", parsed.normalized)
    assert (again.normalized, again.keys) == (parsed.normalized, parsed.keys)
    assert parsed.normalized == expected


@pytest.mark.parametrize("text, expected", [("A:MN:UK", "a minnesota"),
                                            ("12 Main St, Springfield, MN 55401-1234, UK",
                                             "12 main street springfield minnesota 55401")])
def test_a_state_before_a_dropped_country_reads_as_it_will_when_parsed_again(text, expected):
    # Once the trailing country is dropped, MN ends the text and is a state when read again.
    parsed = parse_value("address", text)
    assert parsed.normalized == expected
    assert parse_value("address", parsed.normalized) == parsed


@pytest.mark.parametrize("name", sorted(SENSITIVE))
@QUICK
@given(data=st.data())
def test_masks_never_show_the_whole_value(name, data):
    for spelling in data.draw(RESPELLINGS[name], label="spellings"):
        normalized = parse_value(name, spelling).normalized
        assert normalized not in mask(name, normalized)


def test_kind_registry_is_one_entry_per_kind():
    assert len(kinds._ENTRIES) == len(KINDS) == len(KIND_NAMES)
