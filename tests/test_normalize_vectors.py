"""Issue 16: what other projects' test vectors showed our normalisers still read differently.

Each example is made up here (example.com domains, fake companies, numbers of the right shape);
none is copied from another project's tests.
"""

from __future__ import annotations

import pytest

from linkcheck.errors import InvalidValue
from linkcheck.registry.kinds import parse_value


def normalized(kind: str, value: str, region: str | None = None) -> str:
    return parse_value(kind, value, region=region).normalized


def flags(kind: str, value: str, region: str | None = None) -> tuple[str, ...]:
    return parse_value(kind, value, region=region).flags


def keys(kind: str, value: str, region: str | None = None) -> tuple[str, ...]:
    return parse_value(kind, value, region=region).keys


def reason(kind: str, value: str, region: str | None = None) -> str:
    with pytest.raises(InvalidValue) as caught:
        parse_value(kind, value, region=region)
    return caught.value.reason


# ---------------------------------------------------------------------------------------------
# Phones


def test_phone_russian_international_prefix_with_its_dial_tone_wait():
    # Russia dials 8, waits for the tone (written ~), then 10.
    assert normalized("phone", "8~10 49 30 901820", "RU") == "+4930901820"
    assert normalized("phone", "8~10 49 30 901820", "RU") == normalized("phone", "+49 30 901820")


@pytest.mark.parametrize("extension", ["int. 45", "int 45", "interno 45"])
def test_phone_interno_extension_is_not_part_of_the_number(extension):
    assert normalized("phone", f"+49 30 901820 {extension}") == "+4930901820"


def test_phone_whose_leading_digits_are_the_regions_own_code_took_the_regions_country():
    # Nothing but the region said that 49 (or 1) is a country code here: flagged like a
    # number without one, so the company-country warning sees it.
    assert flags("phone", "4930901820", "DE") == ("region:DE",)
    assert flags("phone", "1 201 555 0123", "US") == ("region:US",)
    assert flags("phone", "+1 201 555 0123", "US") == ()


def test_phone_read_in_north_america_that_is_also_a_chinese_mobile_is_flagged():
    parsed = parse_value("phone", "13055500123", region="amazon.com")
    assert parsed.normalized == "+13055500123"  # still read as the region says: no guessing
    assert parsed.flags == ("region:US", "cn_mobile_shape")
    assert flags("phone", "130 5550 0123", "CA") == ("region:CA", "cn_mobile_shape")


def test_phone_chinese_mobile_shape_needs_a_north_american_region_and_eleven_digits():
    assert flags("phone", "(305) 550-0123", "US") == ("region:US",)  # ten digits: only a US number
    assert flags("phone", "13055500123", "CN") == ("region:CN",)  # in China it simply is one
    assert "cn_mobile_shape" not in flags("phone", "+1 305 550 0123")


def test_phone_chinese_mobile_that_is_no_valid_us_number_says_what_to_do():
    # 139 5550 0123 read in the US would be area code 395, which does not exist.
    assert reason("phone", "139 5550 0123", "US") == (
        "not a valid US phone number, but a Chinese mobile number's shape: write it as +86 and the number "
        "if that is what it is, or give --region CN where every number without a country code is Chinese")
    # The same on a Chinese company's UK, German or Japanese store: not only where +1 could read it.
    for region in ("GB", "DE", "JP"):
        assert reason("phone", "138 0013 8101", region) == (
            f"not a valid {region} phone number, but a Chinese mobile number's shape: write it as +86 and the "
            "number if that is what it is, or give --region CN where every number without a country code is Chinese")
    assert reason("phone", "399 555 0123", "GB").startswith("not a valid phone number of GB, the country")


def test_a_note_in_brackets_after_a_phone_number_is_left_out():
    assert normalized("phone", "+86 138 0013 8101（微信同号）") == "+8613800138101"
    assert normalized("phone", "138 0013 8101 (微信同号)", "CN") == "+8613800138101"
    assert normalized("phone", "+1 201 555 0123 (office)") == "+12015550123"
    assert reason("phone", "+1 201 555 0123 (ext 12 or 13)") == "not a phone number"  # digits in it: no note
    assert reason("phone", "（微信同号）") == "not a phone number"


def test_a_wechat_note_without_brackets_or_a_wechat_id_in_brackets_is_left_out_too():
    for text in ("13712345678 微信同号", "137-1234-5678 微信同号", "13712345678，微信同号", "13712345678 同微信",
                 "13712345678 / 微信同号", "13712345678（微信：abc123）", "13712345678 (WeChat: li_jl88)"):
        assert normalized("phone", text, "CN") == "+8613712345678", text
    # a note with a digit in it is not read as a note
    assert reason("phone", "13712345678 微信 2号", "CN") == "not a phone number"


def test_with_region_cn_an_invalid_chinese_mobile_says_the_number_is_wrong():
    assert reason("phone", "19461234567", "CN") == (
        "not a valid Chinese mobile number: no Chinese mobile number begins with 194; check the digits")
    assert reason("phone", "19461234567", "US").startswith("not a valid US phone number, but a Chinese mobile")


def test_a_wallet_opened_with_a_chinese_mobile_number_is_also_that_phone():
    for text in ("支付宝：13800138001", "Alipay 138 0013 8001", "万里汇 8613800138001", "支付宝：+86 138 0013 8001"):
        assert keys("payment_account", text) == ("payment_account:+8613800138001", "phone:+8613800138001"), text
    assert keys("payment_account", "Payoneer 4455667788") == ("payment_account:4455667788",)
    assert keys("payment_account", "13800138001") == ("payment_account:13800138001",)  # no provider named: a number
    assert normalized("phone", "+86 139 5550 0123") == "+8613955500123"
    assert reason("phone", "399 555 0123", "US").startswith("not a valid phone number of US, the country")


# ---------------------------------------------------------------------------------------------
# MAC addresses


@pytest.mark.parametrize("spelling", ["c22:fb12:3456", "0c22:fb12:3456", "c22.fb12.3456", "c22-fb12-3456"])
def test_mac_groups_of_four_may_lose_their_leading_zeros(spelling):
    assert normalized("mac", spelling) == "0c:22:fb:12:34:56"


def test_mac_groups_of_six_may_lose_their_leading_zeros():
    assert normalized("mac", "a0b0c:d0e0f") == normalized("mac", "0a0b0c:0d0e0f") == "0a:0b:0c:0d:0e:0f"
    assert normalized("mac", "2fb12:345678") == "02:fb:12:34:56:78"


@pytest.mark.parametrize("bad", ["1:2:3", "1.2.3", "a-b-c", "1.22.333", "fb12:3456", "0c22fb123456:"])
def test_mac_short_groups_that_lose_more_than_two_digits_are_no_mac(bad):
    assert reason("mac", bad) == "not a MAC address"


# ---------------------------------------------------------------------------------------------
# E-mail


def test_email_under_arpa_is_refused_as_special_use():
    assert reason("email", "admin@router.home.arpa") == "a special-use domain (.arpa) where no mailbox can be"


def test_email_domain_written_with_its_root_dot_is_refused():
    assert reason("email", "orders@example.com.") == "not an email address (bad domain)"
    assert normalized("email", "orders@example.com") == "orders@example.com"


@pytest.mark.parametrize("domain", ["ab--shop.example.com", "shop.q1--z.example.com"])
def test_email_reserved_double_dash_labels_are_refused(domain):
    assert reason("email", f"orders@{domain}") == "not an email address (bad domain)"


def test_email_punycode_and_inner_dashes_stay_valid():
    assert normalized("email", "orders@xn--mller-kva.example") == "orders@müller.example"
    assert normalized("email", "orders@shop-a-b.example.com") == "orders@shop-a-b.example.com"
    assert normalized("email", "orders@a--b.example.com") == "orders@a--b.example.com"  # dashes at 2-3: not reserved


def test_email_length_counts_the_domain_as_it_is_sent_in_ascii():
    # 40 + 1 + 4 x (49 + 1) + 3 = 244 characters; each "ü" label is 60 characters of Punycode.
    label = "ü" + "k" * 48
    local = "q" * 40
    text = f"{local}@{label}.{label}.{label}.{label}.de"
    assert len(text) < 254
    assert reason("email", text) == "longer than 254 octets, more than an email address can be"
    plain = f"{local}@{'k' * 49}.{'k' * 49}.{'k' * 49}.{'k' * 49}.de"
    assert normalized("email", plain) == plain


def test_email_characters_that_fold_into_a_dot_are_refused_not_read():
    assert reason("email", "orders@\u2488shop.example.com") == "not an email address"  # ⒈ is "1."
    # The full-width and ideographic full stops and @ of Chinese input methods are read.
    assert normalized("email", "orders＠shop。example.com") == "orders@shop.example.com"


def test_email_local_part_character_that_decomposes_into_a_forbidden_one_is_refused():
    assert reason("email", "a\u226eb@example.com") == "not an email address"  # ≮ is < with a stroke


# ---------------------------------------------------------------------------------------------
# Company names: legal forms


def company_key(name: str) -> str:
    return [k for k in parse_value("company_name", name).keys if not k.startswith("~")][0]


@pytest.mark.parametrize("form", [
    "OÜ", "UAB", "SIA", "Oy", "t:mi", "ANS", "DA", "NUF", "OG", "GesbR", "SAGL", "sp. z.o.o.", "spolka z o.o.",
    "a spol.", "veř. obch. spol.", "Kht.", "d.n.o.", "k.d.", "DOOEL", "s.p.", "sh.p.k.", "FOP", "MEPE", "O.E.", "GIE",
    "EIRL", "SICAV", "SECS", "IKS", "S.G.R.", "SGPS", "C.A.", "S.A.B.", "C. por A.", "SAL", "SAOG", "NL", "Unltd", "GP",
])
def test_company_name_more_legal_forms_are_dropped_at_the_end(form):
    assert company_key(f"Qorvex Meridian {form}") == company_key("Qorvex Meridian") == "company_name:qorvexmeridian"


def test_company_name_finnish_oy_is_dropped_before_between_and_after_the_name():
    base = company_key("Kivijärvi Puu")
    assert company_key("Oy Kivijärvi Puu") == company_key("Kivijärvi Oy Puu") == company_key("Kivijärvi Puu Oy") == base


@pytest.mark.parametrize("name", ["Fitness Unlimited", "Acme Private", "Acme UK", "Acme Ent.", "Tiger VAT", "Acme OK"])
def test_company_name_words_left_out_of_the_legal_forms_stay(name):
    assert company_key(name) != company_key(name.rsplit(" ", 1)[0])


# ---------------------------------------------------------------------------------------------
# Addresses: USPS Publication 28's secondary unit designators and PO boxes


def address_key(text: str) -> str:
    return [k for k in parse_value("address", text).keys if not k.startswith("~")][0]


@pytest.mark.parametrize("short, long", [
    ("Dept 4", "Department 4"), ("Spc 12", "Space 12"), ("Ofc 7", "Office 7"), ("Hngr 2", "Hangar 2"),
    ("Bsmt", "Basement"), ("Frnt", "Front"), ("Lbby", "Lobby"), ("Lowr", "Lower"), ("Uppr", "Upper"),
])
def test_address_secondary_unit_abbreviations_meet_their_words(short, long):
    assert address_key(f"77 Quarry Rd {short}, Dalton, GA 30720") == address_key(f"77 Quarry Road {long}, Dalton, GA 30720")


def test_address_post_office_box_is_a_po_box():
    assert address_key("Post Office Box 418, Dalton, GA 30720") == address_key("PO Box 418, Dalton, GA 30720") \
        == address_key("P.O. Box 418, Dalton, GA 30720")
    assert address_key("PO Box 418, Dalton, GA 30720") != address_key("PO Box 419, Dalton, GA 30720")


def test_address_ph_stays_a_word_as_it_is_phase_in_many_addresses():
    assert address_key("Block 5, Ph 2, Nanshan Park") != address_key("Block 5, Penthouse 2, Nanshan Park")


# ---------------------------------------------------------------------------------------------
# Tax and registration numbers


def test_a_reading_whose_check_digits_pass_wins_over_a_prefix_whose_do_not():
    # A Mexican RFC of a company whose name begins "Beq..." also reads as a Belgian number
    # with a bad checksum; on a Mexican account it is the valid Mexican number it is.
    assert parse_value("tax_id", "BEQ-010203-K12", region="MX").as_tuple()[::2] == ("MXBEQ010203K12", ("country:MX",))
    assert flags("tax_id", "BEQ010203K12") == ("country:BE", "bad-checksum")  # no region: the prefix is all there is


@pytest.mark.parametrize("number", ["A&B010203K19", "MUÑ010203K12"])
def test_mexican_rfc_with_an_ampersand_or_enye_is_read_where_the_number_is_mexican(number):
    assert normalized("tax_id", number, "MX") == "MX" + number
    assert flags("tax_id", number.lower() if number.isascii() else number, "MX") == ("country:MX",)


def test_ampersand_outside_a_mexican_rfc_is_still_refused():
    assert reason("tax_id", "A&B010203K19") == "only letters and digits expected"
    assert reason("tax_id", "A&B-123456", "DE") == "only letters and digits expected"


def test_eu_one_stop_shop_number_is_qualified_as_eu():
    assert normalized("tax_id", "EU 372 000 041") == "EU372000041"
    assert flags("tax_id", "eu372000041") == ("country:EU",)


def test_a_chinese_district_with_or_without_its_suffix_is_one_place():
    one = normalized("address", "深圳市南山区科技园路1号")
    assert normalized("address", "深圳南山科技园路1号") == one
    assert normalized("address", "广东省深圳市南山区科技园路1号") == one
    assert normalized("address", "1 Keyuan Road, Nanshan District, Shenzhen") == \
        normalized("address", "1 Keyuan Road, Nanshan, Shenzhen")
    # Only after a district's name: "district" elsewhere is a word of the address.
    assert "district" in normalized("address", "12 Harbour Road, Central District, Example City").split()


def _address_key(text: str) -> str:
    from linkcheck.registry import kinds

    return kinds.parse_tuple("address", text, "CN")[1][0]


def test_a_chinese_town_or_district_named_with_or_without_its_level_word_is_one_key():
    # 镇, 区, 县 and 街道 after a place name: written or left out, one road
    one = _address_key("广东省佛山市顺德区北滘镇美的大道6号")
    assert _address_key("佛山顺德北滘美的大道6号") == one == _address_key("佛山市顺德区北滘美的大道6号")
    assert _address_key("东莞市长安镇振安路100号") == _address_key("东莞长安振安路100号")
    assert _address_key("浙江省湖州市长兴县雉城街道1号") == _address_key("湖州长兴雉城1号")
    # the canonical text keeps the level word; another number or road is another key
    assert normalized("address", "东莞市长安镇振安路100号") == "dongguan 长安 town 振安 road 100"
    assert _address_key("东莞长安振安路101号") != _address_key("东莞市长安镇振安路100号")
    assert _address_key("东莞长安振兴路100号") != _address_key("东莞市长安镇振安路100号")
    # only after a Chinese name: an English "Town" or "District" is a word of the address
    assert _address_key("12 Town Road, Cape Town") != _address_key("12 Road, Cape")
    assert "district" in _address_key("12 Harbour Road, Central District, Example City")


def test_an_address_with_its_subdistrict_is_also_keyed_without_it():
    from linkcheck.registry import kinds

    def exact(text: str) -> list[str]:
        return [k for k in kinds.parse_tuple("address", text, "CN")[1] if k.startswith("address:")]

    full = exact("广东省深圳市南山区粤海街道科技园路1号A座1201室")
    assert len(full) == 2 and exact("深圳市南山区科技园路1号A座1201室") == [full[1]]
    assert exact("杭州余杭文一西路969号")[0] in exact("杭州市余杭区五常街道文一西路969号")
    # the next room, or another road, is another key either way
    assert not set(exact("深圳市南山区科技园路1号A座1202室")) & set(full)
    # only a Chinese subdistrict: an English "Subdistrict Road" is a word of the address
    assert len(exact("Room 5, 12 Subdistrict Road")) == 1


def test_a_chinese_id_number_with_a_region_code_stdnum_does_not_know_is_flagged_not_refused():
    # stdnum's cn.ric raises KeyError('county') here, which once made the value unreadable.
    assert flags("id_number", "37843809770411343X") == ("country:CN", "bad-checksum")
    assert normalized("id_number", "378438 09770411 343x") == "37843809770411343X"
