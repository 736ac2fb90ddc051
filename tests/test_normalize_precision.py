"""Issue 16, the normaliser part: finer rules for e-mail, MAC, IP, company, address, phone and tax values.

Every example here is made up (example.com, documentation IP ranges, fake companies).
"""

from __future__ import annotations

import pytest

from linkcheck.errors import InvalidValue
from linkcheck.registry.kinds import parse_value


def normalized(kind: str, value: str, region: str | None = None) -> str:
    return parse_value(kind, value, region=region).normalized


def exact_keys(kind: str, value: str, region: str | None = None) -> set[str]:
    return {k for k in parse_value(kind, value, region=region).keys if not k.startswith("~")}


def reason(kind: str, value: str, region: str | None = None) -> str:
    with pytest.raises(InvalidValue) as caught:
        parse_value(kind, value, region=region)
    return caught.value.reason


# ---------------------------------------------------------------------------------------------
# E-mail


@pytest.mark.parametrize("domain", ["yandex.ru", "yandex.com", "yandex.kz", "yandex.ua", "yandex.by", "ya.ru"])
def test_email_yandex_domains_are_one_mailbox(domain):
    assert normalized("email", f"Ivan.Petrov@{domain}") == "ivan.petrov@yandex.ru"


def test_email_tag_after_a_dot_is_dropped_as_gmail_reads_it():
    assert normalized("email", "some.name.+ext@gmail.com") == "somename@gmail.com"
    assert normalized("email", "some.name.+ext@googlemail.com") == "somename@gmail.com"


def test_email_tag_after_a_dot_on_a_private_domain_keeps_the_dot():
    assert normalized("email", "sales.+amz@acme-widgets.example") == "sales.@acme-widgets.example"


def test_email_of_255_octets_is_refused_and_254_accepted():
    domain = "d" * 63 + "." + "e" * 63 + "." + "f" * 60 + ".com"  # 191 octets
    local_ok = "a" * (254 - 1 - len(domain))  # 62
    assert len(local_ok) + 1 + len(domain) == 254
    assert normalized("email", f"{local_ok}@{domain}") == f"{local_ok}@{domain}"
    assert "254 octets" in reason("email", f"{local_ok}b@{domain}")


def test_email_local_part_over_64_octets_is_refused_counting_bytes():
    assert normalized("email", "a" * 64 + "@example.com")
    assert reason("email", "a" * 65 + "@example.com") == "not an email address"
    assert reason("email", "é" * 33 + "@example.com") == "not an email address"  # 66 octets, 33 characters


@pytest.mark.parametrize("tld", ["local", "test", "invalid", "localhost", "onion"])
def test_email_special_use_domains_are_refused(tld):
    assert reason("email", f"ops@acme.{tld}") == f"a special-use domain (.{tld}) where no mailbox can be"


@pytest.mark.parametrize("address", ["ops@example.com", "ops@example.net", "ops@example.org", "ops@acme.example"])
def test_email_documentation_domains_stay_accepted(address):
    assert normalized("email", address) == address


# ---------------------------------------------------------------------------------------------
# MAC addresses


@pytest.mark.parametrize("spelling", ["001b:7749:54fd", "001B-7749-54FD",
                                      "001b77:4954fd", "001b77-4954fd", "001B.7749.54FD", "00 1b 77 49 54 fd",
                                      "001:b77:495:4fd", "001B774954FD"])
def test_mac_any_even_grouping_with_one_separator_is_read(spelling):
    assert normalized("mac", spelling) == "00:1b:77:49:54:fd"


def test_mac_four_digit_groups_with_dashes():
    assert normalized("mac", "0090-96AF-CC39") == "00:90:96:af:cc:39"


@pytest.mark.parametrize("bad", ["001b:7749-54fd", "001b77:4954:fd", "001b7749:54fd", "001b.7749.54fdd",
                                 "001b:7749:54fg", "0:1b77:4954:fd", "001b::7749:54fd", "00-1b-77-49-54-fd-"])
def test_mac_mixed_or_uneven_grouping_is_refused(bad):
    assert reason("mac", bad) == "not a MAC address"


# ---------------------------------------------------------------------------------------------
# IP addresses


@pytest.mark.parametrize("value, network", [
    ("192.0.0.9", "192.0.0.0/24"), ("192.0.0.10", "192.0.0.0/24"),
    ("192.31.196.7", "192.31.196.0/24"), ("192.175.48.7", "192.175.48.0/24"),
    ("2001:1::1", "2001:1::/64"), ("2001:1::2", "2001:1::/64"), ("2001:3::77", "2001:3::/64"),
    ("2001:4:112::9", "2001:4:112::/64"), ("2001:20::5", "2001:20::/64"), ("2001:2f:ab::5", "2001:2f:ab::/64"),
])
def test_ip_globally_reachable_blocks_inside_reserved_ones_get_keys(value, network):
    assert exact_keys("ip", value) == {f"ip:{value}", f"ip_network:{network}"}


@pytest.mark.parametrize("value", ["192.0.0.8", "192.0.0.11", "2001:1::4", "2001:4:113::1", "2001:10::1", "2001:2::1"])
def test_ip_their_reserved_neighbours_still_get_none(value):
    parsed = parse_value("ip", value)
    assert parsed.keys == () and "reserved" in parsed.flags


@pytest.mark.parametrize("spelling", ["64:ff9b::203.0.113.7", "64:ff9b::cb00:7107", "64:ff9b:1::203.0.113.7",
                                      "64:ff9b:1:cb00:71:700::"])
def test_ip_nat64_address_is_the_ipv4_it_carries(spelling):
    parsed = parse_value("ip", spelling)
    assert parsed.normalized == "203.0.113.7"
    assert set(parsed.keys) == {"ip:203.0.113.7", "ip_network:203.0.113.0/24"}
    assert "nat64" in parsed.flags


def test_ip_nat64_of_a_private_ipv4_identifies_no_one():
    parsed = parse_value("ip", "64:ff9b::10.1.2.3")
    assert parsed.keys == () and "private" in parsed.flags


# ---------------------------------------------------------------------------------------------
# Company names: legal forms


@pytest.mark.parametrize("name, form", [
    ("Nordlys Handel", "A/S"), ("Nordlys Handel", "ApS"), ("Nordlys Handel", "AMBA"), ("Nordlys Handel", "A.m.b.A."),
    ("Rheinblick Chemie", "KGaA"), ("Rheinblick Chemie", "Aktiengesellschaft"), ("Rheinblick Chemie", "AG"),
    ("Rheinblick Chemie", "GmbH & Co. KG"), ("Fjordverktyg", "AB"), ("Fjordverktyg", "Aktiebolag"),
    ("Fjordverktyg", "AB (publ)"), ("Lumiere Invest", "S.C.A."), ("Lumiere Invest", "SCA"),
    ("Baker Lane Dental", "P.C."), ("Baker Lane Dental", "PC"), ("Morava Stroje", "spol. s r.o."),
    ("Morava Stroje", "s.r.o."), ("Wisla Meble", "sp. z o.o."), ("Wisla Meble", "Sp. z o. o."),
    ("Danubia Szerviz", "Kft."), ("Karhu Puu", "Oy"),
])
def test_company_name_legal_forms_are_dropped(name, form):
    assert normalized("company_name", f"{name} {form}") == normalized("company_name", name)


def test_company_name_words_that_only_look_like_forms_stay():
    assert normalized("company_name", "Fitness Unlimited Ltd") == "fitness unlimited"
    assert normalized("company_name", "SA Trading") == "sa trading"


def test_address_street_name_that_is_also_a_street_type_stays_distinctive():
    blocks = {k for k in parse_value("address", "88 Mission Street").keys if k.startswith("~")}
    assert "~address:mission" in blocks


def test_company_name_legal_form_at_the_start_of_a_name_stays_unless_it_is_a_prefix_form():
    assert normalized("company_name", "AB Fjordverktyg") == "ab fjordverktyg"
    assert normalized("company_name", "PT Sinar Contoh") == "sinar contoh"


@pytest.mark.parametrize("spelling", ["Smith + Jones Ltd", "Smith & Jones Ltd", "Smith and Jones Ltd",
                                      "SMITH+JONES LIMITED"])
def test_company_name_plus_ampersand_and_and_are_one_word(spelling):
    assert exact_keys("company_name", spelling) == {"company_name:smithandjones"}


def test_company_name_plus_after_a_word_is_not_and():
    assert normalized("company_name", "Grade A+ Trading Co") == "grade a trading"


# ---------------------------------------------------------------------------------------------
# US addresses


@pytest.mark.parametrize("spelling", ["123 E Main St, Anchorage, AK", "123 East Main Street, Anchorage, Alaska",
                                      "123 E. Main St., Anchorage, AK, USA", "123 east main street anchorage alaska"])
def test_address_us_state_codes_directionals_and_street_types_meet(spelling):
    assert exact_keys("address", spelling) == {"address:123eastmainstreetanchoragealaska"}


@pytest.mark.parametrize("short, long", [
    ("12 Oak Cir", "12 Oak Circle"), ("4 Pine Trl", "4 Pine Trail"), ("9 Elm Ct", "9 Elm Court"),
    ("7 Lake Hwy", "7 Lake Highway"), ("3 Mill Xing", "3 Mill Crossing"), ("5 Rose Tpke", "5 Rose Turnpike"),
    ("8 Birch Holw", "8 Birch Hollow"), ("2 Cedar Jctn", "2 Cedar Junction"), ("6 Fox Crk", "6 Fox Creek"),
    ("1 Bay Expy", "1 Bay Expressway"), ("4 Ash Stravn", "4 Ash Stravenue"), ("11 Hill Crcl", "11 Hill Circle"),
])
def test_address_usps_street_suffix_spellings_meet(short, long):
    assert normalized("address", short) == normalized("address", long)


def test_address_every_usps_suffix_spelling_reads_as_its_street_type():
    from importlib import resources
    text = (resources.files("linkcheck.normalize") / "data" / "us_street_suffixes.txt").read_text(encoding="utf-8")
    rows = [line.split() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert len(rows) >= 200  # Appendix C1 has about two hundred street types
    for row in rows:
        for spelling in row:
            if spelling == "str":
                continue
            assert normalized("address", f"10 Linden {spelling}") == f"10 linden {row[0]}", spelling


@pytest.mark.parametrize("spelling", ["100 Ocean Dr, Miami, FL 33139", "100 Ocean Drive, Miami, Florida 33139",
                                      "100 Ocean Dr, Miami, FL 33139-4012", "100 Ocean Drive, Miami, Florida 33139, USA"])
def test_address_fl_where_a_state_stands_is_florida(spelling):
    assert normalized("address", spelling) == "100 ocean drive miami florida 33139"


@pytest.mark.parametrize("spelling, expected", [
    ("Unit 5, FL 3, 12 Harbour Rd", "unit 5 floor 3 12 harbour road"),
    ("200 Bay St FL 2, Tampa, FL 33602", "200 bay street floor 2 tampa florida 33602"),
    ("200 Bay St, 2nd FL", "200 bay street floor 2"),
])
def test_address_fl_elsewhere_is_a_floor(spelling, expected):
    assert normalized("address", spelling) == expected


@pytest.mark.parametrize("spelling, expected", [
    ("12 E St NW", "12 e street northwest"),  # E Street: the letter is the street's name
    ("12 N Street", "12 n street"),
    ("Building E, 88 Keyuan Road", "building e 88 keyuan road"),  # a building's letter
    ("100 Main St NE", "100 main street northeast"),  # after the street: a direction, not Nebraska
    ("100 Main St, Lincoln, NE 68508", "100 main street lincoln nebraska 68508"),
    ("100 Main St, Hartford, CT", "100 main street hartford connecticut"),
    ("PO Box 5, Hartford, CT 06103", "po box 5 hartford connecticut 06103"),
])
def test_address_letters_are_directions_states_or_names_by_position(spelling, expected):
    assert normalized("address", spelling) == expected


def test_address_single_letter_streets_stay_different_and_are_not_a_typo_of_each_other():
    from linkcheck.linkage.comparisons import fuzzy_match, fuzzy_text
    k = normalized("address", "1100 K St NW, Washington, DC 20005")
    p = normalized("address", "1100 P St NW, Washington, DC 20005")
    assert k != p
    assert fuzzy_match(fuzzy_text(k), fuzzy_text(p), 80) is None
    typo = normalized("address", "1100 K St NW, Washingtn, DC 20005")
    assert fuzzy_match(fuzzy_text(k), fuzzy_text(typo), 92) is not None


# ---------------------------------------------------------------------------------------------
# Phones


@pytest.mark.parametrize("spelling, region", [
    ("0011 44 20 7946 0958", "AU"),  # Australia dials 0011
    ("011 44 20 7946 0958", "US"), ("011 44 20 7946 0958", "amazon.com"),
    ("0044 20 7946 0958", "DE"), ("0044 20 7946 0958", None),
    ("8 10 44 20 7946 0958", "RU"),  # Russia's 8~10
    ("0044 20 7946 0958", "AU"),  # 00 is no Australian number: read as the prefix most of the world uses
])
def test_phone_international_prefix_is_the_regions(spelling, region):
    assert normalized("phone", spelling, region) == "+442079460958"


def test_phone_us_international_prefix_means_nothing_without_a_region():
    assert reason("phone", "011 44 20 7946 0958") == "no country code; give --region or a marketplace with a country"


@pytest.mark.parametrize("extension", ["ext 12", "ext. 12", "ext: 12", "EXT:12", "extn 12", "extension 12", "x12",
                                       " x 12", "#12", ";ext=12", "доб. 12", "доб 12", "分机 12", "分机12", "转12",
                                       "anexo 12", "ramal 12", "poste 12", "内線 12"])
def test_phone_extension_spellings_are_not_part_of_the_number(extension):
    assert normalized("phone", f"+1 201 555 0123 {extension}") == "+12015550123"


def test_phone_that_took_the_regions_country_is_flagged_with_it():
    parsed = parse_value("phone", "(201) 555-0123", region="amazon.com")
    assert parsed.normalized == "+12015550123" and parsed.flags == ("region:US",)
    assert parse_value("phone", "+1 201 555 0123", region="amazon.com").flags == ()
    assert parse_value("phone", "011 44 20 7946 0958", region="US").flags == ()


# ---------------------------------------------------------------------------------------------
# Tax and registration numbers (python-stdnum)


@pytest.mark.parametrize("kind", ["tax_id", "registration_number"])
@pytest.mark.parametrize("spelling, region", [
    ("DE246813508", None), ("de 246 813 508", None), ("DE-246.813.508", None), ("DE: 246813508", "US"),
    ("246813508", "DE"), ("246 813 508", "amazon.de"),
])
def test_national_numbers_are_keyed_with_their_country(kind, spelling, region):
    parsed = parse_value(kind, spelling, region=region)
    assert parsed.normalized == "DE246813508"
    # The exact key, then the near blocking keys (first and last characters: linkage's near level).
    assert parsed.keys == (f"{kind}:DE246813508", f"~{kind}:^DE24", f"~{kind}:3508$", f"~{kind}:^DE246", f"~{kind}:13508$")
    assert parsed.flags == ("country:DE",)


@pytest.mark.parametrize("spelling, expected", [
    ("DK: 31415926", "DK31415926"), ("DK 31 41 59 26", "DK31415926"),
    ("BE (0)468.135.757", "BE0468135757"), ("BE 0468 135 757", "BE0468135757"), ("BE468135757", "BE0468135757"),
])
def test_country_prefixes_in_the_ways_documents_write_them(spelling, expected):
    assert normalized("tax_id", spelling) == expected


def test_a_bad_check_digit_is_kept_and_flagged_not_refused():
    parsed = parse_value("tax_id", "DE 246 813 509")
    assert parsed.normalized == "DE246813509"
    assert parsed.flags == ("country:DE", "bad-checksum")
    assert parsed.keys[0] == "tax_id:DE246813509"


def test_a_chinese_credit_code_knows_its_country_on_any_marketplace():
    parsed = parse_value("registration_number", "91440300-MA5F.7QX20H", region="amazon.com")
    assert parsed.normalized == "CN91440300MA5F7QX20H" and parsed.flags == ("country:CN",)


def test_a_number_of_no_known_shape_stands_alone_without_flags():
    parsed = parse_value("registration_number", "HRB 98765", region="DE")
    assert parsed.normalized == "HRB98765" and parsed.flags == ()
    assert parse_value("tax_id", "DE123456789").flags == ("country:DE", "bad-checksum")  # the README's example


# ----- Chinese addresses: the province before its city, the room that ends an address ---------


@pytest.mark.parametrize("spelling", [
    "广东省深圳市南山区科技园路1号1203室",
    "深圳市南山区科技园路1号1203室",
    "中国广东省深圳市南山区科技园路1号1203室",
    "深圳市南山区科技园路1号1203",
    "广东省 深圳市 南山区 科技园路 1号 1203",
])
def test_address_zh_province_and_unmarked_room_meet(spelling):
    assert parse_value("address", spelling).keys[0] == parse_value("address", "深圳市南山区科技园路1号1203室").keys[0]


@pytest.mark.parametrize("spelling", [
    "Room 1203, 1 Keji Road, Nanshan District, Shenzhen, Guangdong, China",
    "Room 1203, 1 Keji Road, Nanshan District, Guangdong Shenzhen",
])
def test_address_en_province_beside_its_city_is_dropped(spelling):
    assert parse_value("address", spelling).normalized == "room 1203 1 keji road nanshan shenzhen"


def test_address_zh_province_of_a_city_outside_the_romanised_list_is_dropped():
    assert (parse_value("address", "新疆维吾尔自治区乌鲁木齐市天山区1号").keys
            == parse_value("address", "乌鲁木齐市天山区1号").keys)


@pytest.mark.parametrize("a, b", [
    ("深圳市南山区科技园路1号1203", "深圳市南山区科技园路1号1204"),      # two rooms are two tenants
    ("深圳市南山区科技园路1号1203", "深圳市南山区科技园路11号203"),      # not the same street number
    ("广东省深圳市南山区科技园路1号", "广东省东莞市南山区科技园路1号"),  # the city still tells them apart
    ("浙江省杭州市西湖区文三路5号楼502", "浙江省杭州市西湖区文三路5号楼503"),
])
def test_address_zh_rules_do_not_merge_different_places(a, b):
    assert parse_value("address", a).keys[0] != parse_value("address", b).keys[0]


def test_address_zh_a_province_alone_or_a_short_trailing_number_stays():
    assert parse_value("address", "广东省").normalized == "guangdong"
    # 1 or 2 digits after 号 are not read as a room (5号12 is not clearly room 12)
    assert "room" not in parse_value("address", "深圳市南山区科技园路5号12").normalized
    assert parse_value("address", "浙江省杭州市西湖区文三路5号楼502").normalized.endswith("building 5 room 502")
