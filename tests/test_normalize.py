"""Specification of value normalisation: each kind's spellings of one value meet, bad values say why."""

from __future__ import annotations

import pytest

from linkcheck import normalize
from linkcheck.errors import InvalidValue
from linkcheck.registry.kinds import parse_value


def normalized(kind: str, value: str, region: str | None = None) -> str:
    return parse_value(kind, value, region=region).normalized


def keys(kind: str, value: str, region: str | None = None) -> tuple[str, ...]:
    return parse_value(kind, value, region=region).keys


def flags(kind: str, value: str) -> tuple[str, ...]:
    return parse_value(kind, value).flags


def reason(kind: str, value: str, region: str | None = None) -> str:
    with pytest.raises(InvalidValue) as caught:
        parse_value(kind, value, region=region)
    assert caught.value.kind == kind
    return caught.value.reason


def exact_keys(kind: str, value: str, region: str | None = None) -> set[str]:
    return {k for k in keys(kind, value, region) if not k.startswith("~")}


def blocks(kind: str, value: str) -> set[str]:
    return {k for k in keys(kind, value) if k.startswith("~")}


# ---------------------------------------------------------------------------------------------
# Email


@pytest.mark.parametrize("spelling", ["J.Doe+amz@GMail.com", "jdoe@gmail.com", " JDOE@GMAIL.COM ",
                                      "j.d.o.e@googlemail.com", "mailto:jdoe+shop2@gmail.com", "<jdoe@gmail.com>",
                                      "ｊｄｏｅ＠ｇｍａｉｌ．ｃｏｍ"])
def test_email_spellings_of_one_gmail_mailbox_are_one_address(spelling):
    assert normalized("email", spelling) == "jdoe@gmail.com"


def test_email_plus_tags_are_dropped_on_custom_domains_too():
    assert normalized("email", "Ops+Amazon-US@Acme-Trading.example") == "ops@acme-trading.example"


def test_email_dots_matter_outside_gmail():
    assert normalized("email", "j.doe@example.com") == "j.doe@example.com"


def test_email_yahoo_disposable_address_is_its_base_name():
    assert normalized("email", "shopkeeper-amz@yahoo.com") == "shopkeeper@yahoo.com"


@pytest.mark.parametrize("alias, home", [("sam@me.com", "sam@icloud.com"), ("sam@mac.com", "sam@icloud.com"),
                                         ("sam@protonmail.com", "sam@proton.me"), ("sam@pm.me", "sam@proton.me")])
def test_email_provider_alias_domains_are_one_mailbox(alias, home):
    assert normalized("email", alias) == home


def test_email_idn_domain_in_unicode_and_punycode_is_one_domain():
    assert normalized("email", "info@xn--fsqu00a.xn--fiqs8s") == normalized("email", "Info@例子.中国")


def test_email_private_domain_yields_a_domain_key():
    assert keys("email", "ops@acme-trading.example") == (
        "email:ops@acme-trading.example", "email_domain:acme-trading.example")


@pytest.mark.parametrize("address", ["someone@gmail.com", "someone@qq.com", "someone@163.com", "someone@hotmail.co.uk",
                                     "someone@yahoo.co.jp", "someone@outlook.jp", "someone@foxmail.com",
                                     "someone@aliyun.com", "someone@mail.ru", "someone@gmx.de"])
def test_email_free_mail_domain_yields_no_domain_key(address):
    parsed = parse_value("email", address)
    assert not any(k.startswith("email_domain:") for k in parsed.keys)
    assert "free_mail" in parsed.flags


@pytest.mark.parametrize("bad", ["jdoe", "jdoe@", "@example.com", "j doe@example.com", "jdoe@example",
                                 "jdoe@exa mple.com", "jdoe@-example.com", "j..doe@example.com", ".jdoe@example.com",
                                 "jdoe@example.c0m", "jdoe@xn--zz.example"])
def test_email_malformed_addresses_are_rejected(bad):
    assert "not an email address" in reason("email", bad)


# ---------------------------------------------------------------------------------------------
# Phone


@pytest.mark.parametrize("spelling", ["+86 (138) 0013-8000", "+86.138.0013.8000", "+8613800138000", "008613800138000",
                                      "+86 138 0013 8000", "＋８６ １３８ ００１３ ８０００", "tel:+86-138-0013-8000"])
def test_phone_spellings_of_one_number_are_one_e164_number(spelling):
    assert normalized("phone", spelling) == "+8613800138000"


def test_phone_without_country_code_uses_the_region():
    assert normalized("phone", "(201) 555-0123", region="US") == "+12015550123"
    assert normalized("phone", "138 0013 8000", region="CN") == "+8613800138000"


def test_phone_region_may_be_a_marketplace():
    assert normalized("phone", "020 7946 0018", region="amazon.co.uk") == "+442079460018"


def test_phone_without_country_code_or_region_is_refused_not_guessed():
    assert reason("phone", "13800138000") == normalize.NO_COUNTRY_CODE


def test_phone_trunk_prefix_after_the_country_code_is_ignored():
    assert normalized("phone", "+44 (0)20 7946 0018") == normalized("phone", "+44 20 7946 0018")


def test_phone_extension_is_not_part_of_the_number():
    assert normalized("phone", "+1 201 555 0123 ext. 42") == "+12015550123"


@pytest.mark.parametrize("bad", ["+86 138", "+999 1234 5678", "call me", "+86 138 0013 80000 1", "+1 201 555 0123 +1"])
def test_phone_invalid_numbers_are_rejected(bad):
    assert "phone number" in reason("phone", bad)


def test_phone_invalid_in_the_region_it_was_read_in_says_which_and_what_to_do():
    text = reason("phone", "138 0013 80000", region="amazon.com")
    assert text.startswith("not a valid phone number of US, the country a number without a country code is read in")
    assert "write it with its country code" in text and "--region" in text
    # with a country code of its own, no region was involved
    assert reason("phone", "+1 138 0013 80000", region="amazon.com") == "not a valid phone number for its country"


def test_phone_unknown_region_is_named():
    assert "unknown region" in reason("phone", "2015550123", region="XX")


# ---------------------------------------------------------------------------------------------
# MAC addresses


@pytest.mark.parametrize("kind", ["mac", "gateway_mac", "wifi_bssid"])
@pytest.mark.parametrize("spelling", ["3C-22-FB-12-34-56", "3c:22:fb:12:34:56", "3c22.fb12.3456", "3C22FB123456",
                                      "3c 22 fb 12 34 56"])
def test_mac_spellings_are_one_address_keyed_by_the_kind(kind, spelling):
    parsed = parse_value(kind, spelling)
    assert parsed.normalized == "3c:22:fb:12:34:56"
    assert parsed.keys == (f"{kind}:3c:22:fb:12:34:56",)


def test_mac_without_leading_zeros_as_macos_prints_it():
    assert normalized("mac", "0:50:56:c0:0:8") == "00:50:56:c0:00:08"


@pytest.mark.parametrize("value, vendor", [("00:50:56:aa:bb:cc", "VMware"), ("00:0c:29:aa:bb:cc", "VMware"),
                                           ("08:00:27:aa:bb:cc", "VirtualBox"), ("52:54:00:aa:bb:cc", "QEMU/KVM"),
                                           ("00:15:5d:aa:bb:cc", "Hyper-V"), ("00:1c:42:aa:bb:cc", "Parallels"),
                                           ("00:16:3e:aa:bb:cc", "Xen"), ("02:42:ac:11:00:02", "Docker")])
def test_mac_virtual_machine_vendors_are_flagged(value, vendor):
    assert f"vm_vendor:{vendor}" in flags("mac", value)


def test_mac_randomised_address_is_flagged_but_still_keyed():
    parsed = parse_value("mac", "da:a1:19:12:34:56")
    assert "locally_administered" in parsed.flags
    assert parsed.keys == ("mac:da:a1:19:12:34:56",)


def test_mac_universal_address_has_no_flags():
    assert flags("mac", "3c:22:fb:12:34:56") == ()


def test_mac_multicast_address_identifies_no_adapter():
    parsed = parse_value("mac", "01:00:5e:00:00:fb")
    assert "multicast" in parsed.flags
    assert parsed.keys == ()


@pytest.mark.parametrize("bad, why", [("00:00:00:00:00:00", "all-zero"), ("FF-FF-FF-FF-FF-FF", "broadcast"),
                                      ("3c:22:fb:12:34", "not a MAC"), ("3c:22:fb:12:34:56:78", "not a MAC"),
                                      ("3c:22-fb:12:34:56", "not a MAC"), ("3g:22:fb:12:34:56", "not a MAC")])
def test_mac_invalid_addresses_are_rejected(bad, why):
    assert why in reason("mac", bad)


# ---------------------------------------------------------------------------------------------
# IP addresses


def test_ip_public_ipv4_has_address_and_network_keys():
    assert keys("ip", "198.51.100.77") == ("ip:198.51.100.77", "ip_network:198.51.100.0/24")


def test_ip_public_ipv6_has_address_and_64_keys():
    assert keys("ip", "2001:DB8:0004:0007:0000:0000:0000:0015") == ("ip:2001:db8:4:7::15", "ip_network:2001:db8:4:7::/64")


def test_ip_ipv4_mapped_ipv6_is_the_ipv4_address():
    assert normalized("ip", "::ffff:203.0.113.7") == "203.0.113.7"


@pytest.mark.parametrize("spelling", ["203.0.113.7", " 203.0.113.7 ", "203.000.113.007", "::FFFF:203.0.113.7",
                                      "[::ffff:cb00:7107]"])
def test_ip_spellings_of_one_ipv4_address_meet(spelling):
    assert normalized("ip", spelling) == "203.0.113.7"


@pytest.mark.parametrize("value", ["192.0.2.7", "198.51.100.1", "203.0.113.200", "2001:db8::1"])
def test_ip_documentation_ranges_count_as_public(value):
    parsed = parse_value("ip", value)
    assert "documentation" in parsed.flags
    assert parsed.keys


@pytest.mark.parametrize("value, flag", [("10.1.2.3", "private"), ("172.20.0.5", "private"), ("192.168.1.23", "private"),
                                         ("100.64.12.1", "cgnat"), ("127.0.0.1", "loopback"), ("::1", "loopback"),
                                         ("169.254.10.20", "link_local"), ("fe80::1%eth0", "link_local"),
                                         ("224.0.0.251", "multicast"), ("ff02::1", "multicast"),
                                         ("0.0.0.0", "unspecified"), ("::", "unspecified"),
                                         ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"),
                                         ("198.18.0.1", "reserved"), ("fd12:3456::1", "private")])
def test_ip_addresses_that_identify_no_one_are_valid_without_keys(value, flag):
    parsed = parse_value("ip", value)
    assert parsed.flags == (flag,)
    assert parsed.keys == ()


@pytest.mark.parametrize("bad", ["256.1.1.1", "203.0.113", "203.0.113.7/24", "203.0.113.7:443", "2001:db8:::1",
                                 "example.com", "1.2.3.4.5"])
def test_ip_malformed_addresses_are_rejected(bad):
    assert reason("ip", bad) == "not an IP address"


# ---------------------------------------------------------------------------------------------
# Bank accounts, cards, payment accounts, tax and registration numbers


@pytest.mark.parametrize("spelling", ["DE89 3704 0044 0532 0130 00", "de89370400440532013000", "DE89-3704-0044-0532-0130-00",
                                      "DE89.3704.0044.0532.0130.00"])
def test_bank_account_iban_spellings_are_one_iban(spelling):
    parsed = parse_value("bank_account", spelling)
    assert parsed.normalized == "DE89370400440532013000"
    assert "iban" in parsed.flags


def test_bank_account_iban_failing_mod97_is_rejected():
    assert reason("bank_account", "DE89 3704 0044 0532 0130 01") == "fails the IBAN check (mod 97)"


def test_bank_account_domestic_number_is_accepted_without_separators():
    assert normalized("bank_account", "6222 0212 3456 789") == "622202123456789"


@pytest.mark.parametrize("bad", ["12345", "ACCOUNT-NUMBER", "1234 5678 #90", "1" * 35])
def test_bank_account_implausible_numbers_are_rejected(bad):
    assert "bank account number" in reason("bank_account", bad)


@pytest.mark.parametrize("spelling", ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111"])
def test_card_spellings_are_one_number(spelling):
    assert normalized("card", spelling) == "4111111111111111"


def test_card_failing_luhn_is_rejected():
    assert reason("card", "4111 1111 1111 1112") == "fails the Luhn check"


@pytest.mark.parametrize("bad", ["4111 1111 111", "4111 1111 1111 1111 1111", "4111 1111 abcd 1111"])
def test_card_wrong_length_or_letters_are_rejected(bad):
    assert "12 to 19 digits" in reason("card", bad)


def test_card_of_one_repeated_digit_is_rejected():
    assert "repeated" in reason("card", "0000 0000 0000 0000")


def test_payment_account_email_is_normalised_like_an_email_and_keyed_as_one():
    parsed = parse_value("payment_account", "Payouts+PP@Acme-Trading.example")
    assert parsed.normalized == "payouts@acme-trading.example"
    assert "email:payouts@acme-trading.example" in parsed.keys
    assert parsed.keys[0] == "payment_account:payouts@acme-trading.example"


def test_payment_account_phone_wallet_is_keyed_as_the_phone():
    parsed = parse_value("payment_account", "+86 138 0013 8000")
    assert parsed.keys == ("payment_account:+8613800138000", "phone:+8613800138000")


@pytest.mark.parametrize("written, value, provider", [
    ("Payoneer 4455667788", "4455667788", "Payoneer"),
    ("payoneer:4455667788", "4455667788", "Payoneer"),
    ("万里汇：4455 6677 88", "4455667788", "WorldFirst"),
    ("Ping Pong 12345678", "12345678", "PingPong"),
    ("Payoneer pengyuan.pay@example.com", "pengyuan.pay@example.com", "Payoneer"),
    ("PayPal +1 415 555 0100", "+14155550100", "PayPal"),
])
def test_a_payment_account_after_its_providers_name_is_the_account(written, value, provider):
    parsed = parse_value("payment_account", written)
    assert parsed.normalized == value and f"provider:{provider}" in parsed.flags
    assert parse_value("payment_account", value).keys == parsed.keys  # meets the account written alone


def test_an_email_after_words_that_name_no_provider_says_how_to_write_it():
    with pytest.raises(InvalidValue, match="write the provider's name"):
        parse_value("payment_account", "John pay@example.com")
    assert normalized("payment_account", "Acme 12345678") == "ACME12345678"  # no provider: one account id, as before


def test_payment_account_number_loses_separators():
    assert normalized("payment_account", "p-1234 5678.90") == "P1234567890"


@pytest.mark.parametrize("kind", ["tax_id", "registration_number"])
@pytest.mark.parametrize("spelling", ["DE123456789", "de 123 456 789", "DE-123.456.789", "DE/123456789"])
def test_tax_and_registration_numbers_fold_case_and_separators(kind, spelling):
    assert normalized(kind, spelling) == "DE123456789"


@pytest.mark.parametrize("bad", ["ABCDEFGH", "12", "DE 1234 !"])
def test_tax_id_implausible_values_are_rejected(bad):
    assert reason("tax_id", bad)


# ---------------------------------------------------------------------------------------------
# Company names


@pytest.mark.parametrize("spelling", [
    "SHENZHEN ACME TRADING CO LTD",
    "Shenzhen Acme Trading Company Limited",
    "Shenzhen Acme Trading Co., Ltd.",
    "Shenzhen Acme Trading Co.,Ltd",
    "Shenzhen Acme Trading Co. Ltd",
    "shenzhen  acme   trading limited",
    "Shenzhen Acme Trading Ltd.",
    "Shenzhen Acme Trade Co., Ltd.",
    "深圳ACME TRADING 有限公司",
    "深圳市ACME贸易有限公司",
    "深圳 ACME 贸易 有限责任公司",
    "Ｓｈｅｎｚｈｅｎ　Ａｃｍｅ　Ｔｒａｄｉｎｇ　Ｃｏ．，Ｌｔｄ．",
    "Shenzhen-Acme Trading Co., Ltd",
    "Shenzhen Acme™ Trading Inc.",
])
def test_company_name_spellings_of_one_company_share_the_key(spelling):
    assert exact_keys("company_name", spelling) == {"company_name:shenzhenacmetrading"}


@pytest.mark.parametrize("spelling, expected", [
    ("Cedar Lane Home LLC", "cedar lane home"),
    ("Cedar Lane Home L.L.C.", "cedar lane home"),
    ("Willow Creek Supplies Inc.", "willow creek supplies"),
    ("Willow Creek Supplies Incorporated", "willow creek supplies"),
    ("Brightway Goods Corp", "brightway goods"),
    ("Brightway Goods Corporation", "brightway goods"),
    ("Nordic Trail GmbH", "nordic trail"),
    ("Nordic Trail GmbH & Co. KG", "nordic trail"),
    ("Harbor Kitchenware Pty Ltd", "harbor kitchenware"),
    ("Pine Valley Comercio SA de CV", "pine valley comercio"),
    ("Lotus Stationery KK", "lotus stationery"),
    ("The Lotus Stationery Company", "lotus stationery"),
    ("Acme International Ltd (HK)", "acme international hongkong"),
    ("Acme Intl Hong Kong Limited", "acme international hongkong"),
    ("Acme Tech Co., Ltd", "acme technology"),
    ("ACME IMP & EXP CO LTD", "acme import export"),
    ("O'Brien Trading Ltd", "obrien trading"),
    ("株式会社ロータス", "ロータス"),
])
def test_company_name_legal_forms_and_trade_word_spellings_are_folded(spelling, expected):
    assert normalized("company_name", spelling) == expected


def test_company_name_spacing_does_not_hide_a_shared_name():
    assert exact_keys("company_name", "AcmeHome Trading Ltd") == exact_keys("company_name", "Acme Home Trading Ltd")


def test_company_name_legal_form_word_inside_a_name_stays():
    assert normalized("company_name", "SA Trading Ltd") == "sa trading"


@pytest.mark.parametrize("bad", ["Co., Ltd.", "L.L.C.", "有限公司", "!!!", "12345"])
def test_company_name_without_a_name_is_rejected(bad):
    assert reason("company_name", bad)


# ---------------------------------------------------------------------------------------------
# Addresses


@pytest.mark.parametrize("spelling", [
    "Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen",
    "Rm. 1203, No. 88 Keyuan Rd., Nanshan Dist., Shenzhen",
    "RM 1203 NO.88 KEYUAN RD NANSHAN DIST SHENZHEN",
    "Rm1203, #88 Keyuan Road, Nanshan District, Shenzhen City, China",
    "Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen, P.R. China",
    "Ｒｏｏｍ １２０３， ８８ Ｋｅｙｕａｎ Ｒｏａｄ， Ｎａｎｓｈａｎ Ｄｉｓｔｒｉｃｔ， Ｓｈｅｎｚｈｅｎ",
    "Room 1203 , Number 88 Keyuan Road , Nanshan District , Shenzhen",
])
def test_address_spellings_of_one_address_share_the_key(spelling):
    assert exact_keys("address", spelling) == {"address:room120388keyuanroadnanshanshenzhen"}


@pytest.mark.parametrize("short, long", [("St", "Street"), ("Ave", "Avenue"), ("Blvd", "Boulevard"), ("Bldg", "Building"),
                                         ("Ste", "Suite"), ("Apt", "Apartment"), ("Fl", "Floor"), ("Dist", "District")])
def test_address_abbreviations_are_spelled_out(short, long):
    assert normalized("address", f"500 Market {short} 210") == normalized("address", f"500 Market {long} 210")


@pytest.mark.parametrize("spelling", ["12/F, Tower 2, 8 Harbour Rd", "12th Floor, Tower 2, 8 Harbour Road",
                                      "12F Tower 2, 8 Harbour Road", "Floor 12, Tower 2, 8 Harbour Road"])
def test_address_floor_spellings_meet(spelling):
    assert normalized("address", spelling) == "floor 12 tower 2 8 harbour road"


def test_address_in_chinese_reads_units_and_places():
    assert normalized("address", "深圳市南山区科苑路88号1203室") == "shenzhen nanshan 科苑 road 88 room 1203"


def test_address_german_street_abbreviation_is_spelled_out():
    assert normalized("address", "Friedrichstr. 120, 10117 Berlin") == normalized("address", "Friedrichstraße 120, 10117 Berlin")


@pytest.mark.parametrize("bad", ["88", "#", "12-34"])
def test_address_without_words_is_rejected(bad):
    assert reason("address", bad)


# ---------------------------------------------------------------------------------------------
# People


@pytest.mark.parametrize("spelling", ["John Doe", "DOE, John", "john  doe", "Mr. John Doe", "Doe John"])
def test_person_name_word_order_case_and_titles_do_not_matter(spelling):
    assert exact_keys("legal_representative", spelling) == {"legal_representative:doe john"}


def test_person_name_keeps_the_order_given_for_display():
    assert normalized("legal_representative", "DOE, John") == "doe john"
    assert normalized("legal_representative", "John Doe") == "john doe"


def test_person_name_in_chinese_ignores_spaces_and_titles():
    assert normalized("legal_representative", "张 三 先生") == "张三"


@pytest.mark.parametrize("bad", ["12345", "John Doe 2", "..."])
def test_person_name_with_digits_or_no_letters_is_rejected(bad):
    assert reason("legal_representative", bad)


# ---------------------------------------------------------------------------------------------
# Hostnames, identifiers, business labels


@pytest.mark.parametrize("spelling", ["Acme-Ops-Laptop", "acme-ops-laptop.", "ACME-OPS-LAPTOP.local", "acme-ops-laptop.lan"])
def test_hostname_spellings_meet(spelling):
    assert keys("hostname", spelling) == ("hostname:acme-ops-laptop",)


@pytest.mark.parametrize("default", ["localhost", "MacBook-Pro.local", "raspberrypi", "DESKTOP"])
def test_hostname_defaults_shared_by_many_machines_have_no_keys(default):
    parsed = parse_value("hostname", default)
    assert parsed.keys == ()
    assert "default" in parsed.flags


@pytest.mark.parametrize("bad", ["-acme", "acme..ops", "acme ops", "203.0.113.7", "2001:db8::1", "a" * 64])
def test_hostname_invalid_names_are_rejected(bad):
    assert reason("hostname", bad)


@pytest.mark.parametrize("kind", ["machine_id", "browser_fingerprint"])
@pytest.mark.parametrize("spelling", ["{3F2504E0-4F89-11D3-9A0C-0305E82C3301}", "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                                      "3F2504E04F8911D39A0C0305E82C3301"])
def test_opaque_guid_spellings_meet(kind, spelling):
    assert normalized(kind, spelling) == "3f2504e04f8911d39a0c0305e82c3301"


def test_opaque_non_hex_token_keeps_its_case():
    assert normalized("browser_fingerprint", "Zm9vYmFyQmF6") == "Zm9vYmFyQmF6"


@pytest.mark.parametrize("placeholder", ["00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
                                         "03000200-0400-0500-0006-000700080009", "undefined"])
def test_opaque_placeholder_ids_have_no_keys(placeholder):
    parsed = parse_value("machine_id", placeholder)
    assert parsed.keys == ()
    assert "placeholder" in parsed.flags


@pytest.mark.parametrize("bad, why", [("abc123", "at least 8"), ("abc 12345678", "without spaces"),
                                      ("设备标识号码一二三", "printable ASCII")])
def test_opaque_short_or_spaced_tokens_are_rejected(bad, why):
    assert why in reason("machine_id", bad)


@pytest.mark.parametrize("spelling", ["AcmeHome", "Acme Home", "ACME-HOME", "Acme Home™", "acme_home"])
def test_brand_spellings_share_the_key(spelling):
    assert keys("brand", spelling) == ("brand:acmehome",)


def test_supplier_is_folded_like_a_company_name():
    assert keys("supplier", "Dongguan Bright Plastics Co., Ltd.") == keys("supplier", "DONGGUAN BRIGHT PLASTICS LIMITED")


@pytest.mark.parametrize("kind, value, key", [("logistics", "SF Express", "logistics:sfexpress"),
                                              ("category", "Home & Kitchen", "category:homeandkitchen"),
                                              ("category", "home and kitchen", "category:homeandkitchen")])
def test_logistics_and_category_are_keyed_under_their_own_facet(kind, value, key):
    assert keys(kind, value) == (key,)


@pytest.mark.parametrize("kind", ["brand", "logistics", "category"])
def test_labels_without_letters_or_digits_are_rejected(kind):
    assert reason(kind, "-- ** --")


# ---------------------------------------------------------------------------------------------
# Blocking keys for fuzzy kinds


@pytest.mark.parametrize("kind, a, b", [
    ("company_name", "Shenzhen Acme Trading Co Ltd", "Shenzhen Acne Trading Co Ltd"),
    ("company_name", "Shenzhen Acme Trading Co Ltd", "Shenzhen Acme Tradng Co Ltd"),
    ("company_name", "Shenzhen Acme Bright Trading", "Shenzhen Acme Brihgt Trading"),
    ("company_name", "Acme Trading", "Acmee Trading"),
    ("address", "Room 1203, 88 Keyuan Road", "Room 1208, 88 Keyuan Road"),
    ("address", "Room 1203, 88 Keyuan Road", "Room 1203, 88 Keyuen Road"),
    ("legal_representative", "John Doe", "Jon Doe"),
    ("legal_representative", "Li Wei", "Li Wie"),
])
def test_blocking_one_typo_apart_share_a_blocking_key(kind, a, b):
    assert blocks(kind, a) & blocks(kind, b)


@pytest.mark.parametrize("kind, a, b", [
    ("company_name", "Shenzhen Acme Trading Co Ltd", "Shenzhen Zenith Trading Co Ltd"),
    ("company_name", "Shenzhen Acme Technology Co Ltd", "Guangzhou Orbit Technology Co Ltd"),
    ("company_name", "Hong Kong Lotus International Holdings Group", "Hong Kong Cedar International Holdings Group"),
    ("address", "Room 1203, 88 Keyuan Road, Nanshan District, Shenzhen",
     "Room 1203, 88 Gaoxin Road, Nanshan District, Shenzhen"),
])
def test_blocking_generic_words_alone_never_share_a_blocking_key(kind, a, b):
    assert not blocks(kind, a) & blocks(kind, b)


@pytest.mark.parametrize("kind, value", [("company_name", "Shenzhen Trading Co., Ltd."),
                                         ("company_name", "New York International Import Export Group"),
                                         ("address", "Room 12, No. 8 Road, District 5, Shenzhen")])
def test_blocking_values_of_only_generic_words_have_no_blocking_keys(kind, value):
    assert blocks(kind, value) == set()


def test_blocking_keys_are_a_handful():
    long_name = "Shenzhen Acme Bright Lotus Cedar Orbit Zenith Trading Co Ltd"
    assert len(blocks("company_name", long_name)) <= 9


def test_blocking_keys_only_for_fuzzy_kinds():
    assert blocks("email", "ops@acme-trading.example") == set()
    assert blocks("brand", "AcmeHome") == set()
