"""The Plan of Action states only what the records show (trial 8: an agency's operations manager
read the letter as a reviewer would). Values matched only after normalisation, or by their network,
are named by what they share; an action claims a replacement only where one is recorded; the
logins counted as checked are those that found nothing shared; a browser profile is a browser
profile; an agency that keeps working on the account has a route of its own."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from linkcheck.models import Event
from linkcheck.store import Store

from conftest import PASSPHRASE
from test_appeal import _appeal, _base, _used, assert_paste_ready, ok


def _ts(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp())


def _letters(cli, tmp_path, *args, name="p"):
    ok(_appeal(cli, *args, "--bilingual", "-o", tmp_path / name))
    en = (tmp_path / name / "plan-of-action.txt").read_text(encoding="utf-8")
    zh = (tmp_path / name / "plan-of-action.zh.txt").read_text(encoding="utf-8")
    for text in (en, zh):
        assert_paste_ready(text, ("A1KESTREL0001X", "12345678901"))  # and Amazon's case id, on the own route
    return en, zh


def _explain(cli, kind, en, zh):
    ok(cli("explain", "kestrel-us", "marigold-us", kind, "--note", en, "--note-zh", zh))


def test_two_logins_at_one_mailbox_are_named_by_their_mailbox_not_as_one_login(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "platform_login", "ops+kestrel@northgate-commerce.example", "2025-06-01", "2026-10-01")
    _used(cli, "marigold-us", "platform_login", "ops+marigold@northgate-commerce.example", "2025-09-01", "2026-10-01")
    _explain(cli, "platform_login", "Our former agency gave each store a login at its own mailbox.",
             "我们以前的代运营公司给每家店铺开的登录账号都收信到它自己的邮箱。")
    en, zh = _letters(cli, tmp_path, "--relationship", "agency")
    assert "Until 1 October 2026, we and Marigold Home shared Seller Central logins at one mailbox." in en
    assert "the same Seller Central login" not in en
    assert "2026年10月1日之前，我们公司与Marigold Home曾共用收信到同一个邮箱的卖家平台登录账号。" in zh
    assert "同一个卖家平台登录账号" not in zh


def test_one_login_written_in_other_letter_case_is_still_the_same_login(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "platform_login", "Ops@Northgate-Commerce.example", "2025-06-01", "2026-10-01")
    _used(cli, "marigold-us", "platform_login", "ops@northgate-commerce.example", "2025-09-01", "2026-10-01")
    _explain(cli, "platform_login", "Our former agency logged in to both stores with one login.",
             "我们以前的代运营公司用同一个登录账号登录两家店铺。")
    en, _zh = _letters(cli, tmp_path, "--relationship", "agency")
    assert "Until 1 October 2026, we and Marigold Home shared the same Seller Central login." in en


def test_two_ip_addresses_in_one_network_range_are_named_as_the_range(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "ip", "203.0.113.61", "2026-06-01")
    _used(cli, "marigold-us", "ip", "203.0.113.57", "2026-06-01")
    # the refusal names what is shared, the range, not an IP address both would hold
    result = _appeal(cli, "--relationship", "agency", "-o", tmp_path / "p")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "linkcheck: error: kestrel-us still uses an IP address in the same network range as an address of "
        "marigold-us (ip_network), which an appeal saying you do not own, control or access marigold-us cannot "
        "explain as it stands. Move to an address outside that range and record the change with `linkcheck attr "
        "retire kestrel-us ip VALUE --on DATE`, or record why the range is shared (one provider's addresses, say) "
        "with `linkcheck explain kestrel-us marigold-us ip --note TEXT --note-zh TEXT`, then run the appeal again"]
    zh = _appeal(cli, "--relationship", "agency", "-o", tmp_path / "p", env={"LINKCHECK_LANG": "zh"})
    assert zh.exit_code == 1
    assert "仍在使用与 marigold-us 的某个地址同一网段内的 IP 地址（ip_network）" in zh.output
    ok(cli("attr", "retire", "kestrel-us", "ip", "203.0.113.61", "--on", "2026-10-01"))
    en, zh = _letters(cli, tmp_path, "--relationship", "agency")
    assert "Until 1 October 2026, we and Marigold Home shared IP addresses in the same network range." in en
    assert "internet connection" not in en.split("\n\n")[2]
    assert "2026年10月1日之前，我们公司与Marigold Home曾共用同一网段内的IP地址。" in zh
    # nothing replaced it on record: the action says only that its use ended
    assert "On 1 October 2026 we stopped using our IP address in that network range (Exhibit 2)." in en
    assert "2026年10月1日，我们停止使用该网段内的IP地址（见附件2）。" in zh
    assert "internet line of our own" not in en
    # a new address outside the range, recorded with its start: now it may say so
    _used(cli, "kestrel-us", "ip", "198.51.100.20", "2026-10-01")
    en, _zh = _letters(cli, tmp_path, "--force", "--relationship", "agency", name="p")
    assert ("On 1 October 2026 we stopped using our IP address in that network range, and our account now connects "
            "from an address outside it (Exhibit 2).") in en


def test_a_retired_extra_address_is_not_told_as_a_move_to_new_premises(cli, store, tmp_path):
    _base(cli)
    # our main address, recorded without a start, stays; a second address shared with them is retired
    ok(cli("attr", "add", "kestrel-us", "address", "455 Example Avenue, Columbus, OH 43215"))
    _used(cli, "kestrel-us", "address", "1200 Example Blvd, Suite 410, Austin, TX 78701", "2025-06-02", "2026-11-01")
    _used(cli, "marigold-us", "address", "1200 Example Blvd Ste 410 Austin TX 78701", "2025-01-20", "2026-11-01")
    en, zh = _letters(cli, tmp_path, "--relationship", "not-owned")
    assert "Until 1 November 2026, we and Marigold Home shared the same business address." in en
    assert "On 1 November 2026 we stopped using that business address (Exhibit 1)." in en
    assert "premises" not in en.split("\n\n")[4]
    assert "2026年11月1日，我们停止使用该经营地址（见附件1）。" in zh
    assert "搬到" not in zh
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert "lease for our new premises" not in exhibits
    assert "Exhibit 1: A record of the day we stopped using the business address:" in exhibits
    # a new address begun on a given day after the old one began: that is a move
    _used(cli, "kestrel-us", "address", "77 Sample Road, Columbus, OH 43215", "2026-11-01")
    en, _zh = _letters(cli, tmp_path, "--force", "--relationship", "not-owned")
    assert "On 1 November 2026 we moved to premises of our own (Exhibit 1)." in en
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert "Exhibit 1: The lease for our new premises" in exhibits
    assert "What replaced the business address" not in exhibits


def test_a_replacement_on_record_that_is_still_shared_is_not_asked_for_again(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "ip", "198.51.100.77", "2025-06-01", "2026-10-01")
    _used(cli, "marigold-us", "ip", "198.51.100.80", "2025-06-01")
    _used(cli, "kestrel-us", "ip", "203.0.113.61", "2026-10-01")  # the new one: in a range they use too
    _used(cli, "marigold-us", "ip", "203.0.113.57", "2026-09-01")
    _explain(cli, "ip", "Both stores use dedicated addresses rented from one large provider.",
             "两家店铺都使用从同一家大型服务商租用的专用地址。")
    ok(_appeal(cli, "--relationship", "shared-service", "-o", tmp_path / "p"))
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert "What replaced" not in exhibits
    en = (tmp_path / "p" / "plan-of-action.txt").read_text(encoding="utf-8")
    assert "Our business and Marigold Home both use IP addresses in the same network range." in en


def test_only_checks_that_found_nothing_shared_are_counted_as_confirmed(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "phone", "+1 201 555 0188", "2025-04-01", "2026-09-30")
    _used(cli, "marigold-us", "phone", "+1 201 555 0188", "2023-05-01", "2025-01-31")
    _used(cli, "kestrel-us", "phone", "+1 201 555 0142", "2026-09-30")
    with Store.open(store, PASSPHRASE, write=True) as st:
        # a GO that still reported a share below the stop level (an IP network) is not a clean check
        st.add_event(Event(_ts("2026-10-02"), "kestrel-us", "check", "GO", {"level": "medium"}))
        st.add_event(Event(_ts("2026-10-03"), "kestrel-us", "check", "GO", {"level": None}))
        st.add_event(Event(_ts("2026-10-04"), "kestrel-us", "run", "GO", {"level": None}))
    en, zh = _letters(cli, tmp_path, "--relationship", "not-owned")
    assert ("Since 30 September 2026, our staff have logged in to our account 2 times, and each time they first "
            "confirmed that the computer and the network were not used by any other business.") in en
    assert "自2026年9月30日起，我们的员工共登录账户2次" in zh
    with Store.open(store, PASSPHRASE, write=True) as st:
        for day in ("2026-10-05", "2026-10-06"):
            st.add_event(Event(_ts(day), "kestrel-us", "check", "GO", {"level": "medium"}))
    en, _zh = _letters(cli, tmp_path, "--force", "--relationship", "not-owned")
    assert "logged in to our account 2 times" in en
    # a GO through a browser profile that hid this computer's values on file for another account did not
    # confirm that the computer was used by no other business
    with Store.open(store, PASSPHRASE, write=True) as st:
        st.add_event(Event(_ts("2026-10-07"), "kestrel-us", "check", "GO",
                           {"level": None, "profile": "adspower:k1a2b3c4", "hidden": ["mac"],
                            "hidden_shared_with": ["orchid-us"]}))
    en, _zh = _letters(cli, tmp_path, "--force", "--relationship", "not-owned")
    assert "logged in to our account 2 times" in en


def test_a_copied_browser_profile_is_called_a_browser_profile_not_a_computer(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "mac", "00:1b:63:84:45:e6", "2025-06-01")  # the office computer, still ours alone
    for account in ("kestrel-us", "marigold-us"):
        _used(cli, account, "browser_fingerprint", "fp-7f3a9c2e41d0b6a8", "2026-03-01",
              "2026-10-01" if account == "kestrel-us" else None)
        _used(cli, account, "device_name", "NGC-OPS-03", "2026-03-01", "2026-10-01" if account == "kestrel-us" else None)
    en, zh = _letters(cli, tmp_path, "--relationship", "agency")
    assert "Until 1 October 2026, we and Marigold Home shared the same browser profile." in en
    assert "On 1 October 2026 we stopped using that browser profile (Exhibit 2)." in en
    assert "computer" not in en.split("\n\n")[2] and "that computer" not in en
    assert "2026年10月1日之前，我们公司与Marigold Home曾共用同一个浏览器环境。" in zh
    assert "那台电脑" not in zh
    # the evidence page agrees: the computer is in use, the browser profile's values ended that day
    html = (tmp_path / "p" / "evidence.html").read_text(encoding="utf-8")
    assert "00:1b:63:84:45:e6" in html
    assert "<td>Stopped using Browser fingerprint fp-7f3a9c2e41d0b6a8</td>" in html
    assert "<td>1 March 2026 to 1 October 2026</td>" in html
    assert "<td>since 1 June 2025</td>" in html and "Stopped using MAC" not in html
    # a new profile begun since is a replacement the letter may name
    _used(cli, "kestrel-us", "browser_profile", "adspower:k1a2b3c4", "2026-10-01")
    en, _zh = _letters(cli, tmp_path, "--force", "--relationship", "agency")
    assert ("On 1 October 2026 we stopped using that browser profile, and our account is now opened only in a "
            "browser profile of its own (Exhibit 2).") in en


def test_an_agency_that_still_works_on_the_account_has_a_route_that_says_so(cli, store, tmp_path):
    _base(cli)
    for account in ("kestrel-us", "marigold-us"):
        _used(cli, account, "ip", "203.0.113.40", "2025-06-01", "2026-09-15" if account == "kestrel-us" else None)
    _used(cli, "kestrel-us", "ip", "198.51.100.20", "2026-09-16")
    en, zh = _letters(cli, tmp_path, "--relationship", "agency-ongoing")
    route = en.split("\n\n")[3]
    assert route == ("Both businesses are clients of the same outside agency, which manages stores for several "
                     "sellers. The agency still works on our account for us, under an agreement in our company's name "
                     "(Exhibit 1). We do not own, control or access Marigold Home.")
    assert "ended that arrangement" not in en and "no longer use any outside agency" not in en
    assert "only our own employees" not in en
    # no term of the agreement nobody recorded; logins of its own only where one is on file
    assert "as our agreement with the agency requires" not in en and "set up for it alone" not in en
    assert "logins issued for our account alone" not in en
    assert "这家公司目前仍按照以我们公司名义签订的合同为我们操作账户（见附件1）" in zh
    assert "终止" not in zh and "合同所要求的" not in zh
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert "Exhibit 1: Our agreement with the agency\n" in exhibits
    assert "notice that ended it" not in exhibits and "what it agreed to keep separate" not in exhibits
    _used(cli, "kestrel-us", "platform_login", "ops@kestrel-outdoors.example", "2026-09-16")
    en, _zh = _letters(cli, tmp_path, "--force", "--relationship", "agency-ongoing")
    assert ("To keep our account separate in future, only our own staff and the agency's staff work on our account, "
            "under the agreement in our company's name (Exhibit 1). The agency works on our account only with logins "
            "issued for our account alone.") in en
    html = (tmp_path / "p" / "evidence.html").read_text(encoding="utf-8")
    assert "both are clients of the same outside agency, which still works on our account" in html
    # what each route says is in the option's help
    help_text = cli("appeal", "--help").output
    assert "agency-ongoing (both are clients of one agency, which still works on your" in " ".join(help_text.split())


def test_the_common_control_refusal_does_not_steer_an_agency_to_claim_a_clients_account(cli, store, tmp_path):
    _base(cli)
    for account in ("kestrel-us", "marigold-us"):
        _used(cli, account, "card", "4111 1111 1111 1111", "2025-06-01", "2026-10-01")
    result = _appeal(cli, "--relationship", "agency", "-o", tmp_path / "p")
    assert result.exit_code == 1
    assert "If you own" not in result.output and "use --relationship own" not in result.output
    assert ("Choose the --relationship that says how the accounts are related (own: one business owns both)"
            in result.output)


def test_a_note_jotted_down_is_given_as_the_reason_and_a_sentence_stays_a_sentence(cli, store, tmp_path):
    _base(cli)
    for account in ("kestrel-us", "marigold-us"):
        _used(cli, account, "gateway_mac", "3c:22:fb:12:34:56", "2025-06-01", "2026-10-01")
    _explain(cli, "gateway_mac", "agency office router; stores reached only through their own profiles",
             "代运营公司办公室的路由器；各店铺只通过各自的环境登录")
    en, zh = _letters(cli, tmp_path, "--relationship", "agency")
    # given as the reason, a sentence of the letter, not a record quoted about one thing (trial 11)
    assert ("Until 1 October 2026, we and Marigold Home shared the same office router. The reason is as follows: "
            "agency office router; stores reached only through their own profiles.") in en
    assert "原因是：代运营公司办公室的路由器；各店铺只通过各自的环境登录。" in zh
    assert "our records note" not in en and "我们的记录写明" not in zh
    _explain(cli, "gateway_mac", "The agency's office router served every client it worked for.",
             "代运营公司办公室的路由器为它的所有客户所用。")
    en, zh = _letters(cli, tmp_path, "--force", "--relationship", "agency")
    assert ("shared the same office router. The agency's office router served every client it worked for.\n") in en
    assert "our records note" not in en and "我们的记录写明" not in zh


def test_one_explanation_of_a_kind_is_told_once_for_all_its_values(cli, store, tmp_path):
    _base(cli)
    for account in ("kestrel-us", "marigold-us"):
        _used(cli, account, "ip", "198.51.100.20", "2025-06-01", "2026-10-01")
    _used(cli, "kestrel-us", "ip", "203.0.113.61", "2025-06-01", "2026-10-01")
    _used(cli, "marigold-us", "ip", "203.0.113.57", "2025-06-01", "2026-10-01")
    note = "Both stores use dedicated addresses rented from one large provider."
    _explain(cli, "ip", note, "两家店铺都使用从同一家大型服务商租用的专用地址。")
    en, zh = _letters(cli, tmp_path, "--relationship", "shared-service")
    assert ("Until 1 October 2026, we and Marigold Home shared the same internet connection and IP "
            "addresses in the same network range.") in en
    assert en.count(note) == 1
    assert zh.count("两家店铺都使用从同一家大型服务商租用的专用地址。") == 1


def test_accounts_on_one_route_share_one_paragraph_not_one_each(cli, store, tmp_path):
    _base(cli)
    ok(cli("account", "add", "orchid-us", "--display-name", "Orchid Living"))
    for account in ("kestrel-us", "marigold-us", "orchid-us"):
        _used(cli, account, "ip", "203.0.113.40", "2025-06-01", "2026-09-15" if account == "kestrel-us" else None)
    _used(cli, "kestrel-us", "ip", "198.51.100.20", "2026-09-16")
    ok(cli("appeal", "kestrel-us", "-r", "marigold-us", "-r", "orchid-us", "--notice-date", "2026-11-20",
           "--relationship", "agency", "--bilingual", "-o", tmp_path / "p"))
    en = (tmp_path / "p" / "plan-of-action.txt").read_text(encoding="utf-8").split("\n\n")
    zh = (tmp_path / "p" / "plan-of-action.zh.txt").read_text(encoding="utf-8").split("\n\n")
    assert en[3] == ("Our business and the businesses that run Marigold Home and Orchid Living had all used the same "
                     "outside agency, which managed stores for several sellers from its own office. We ended that "
                     "arrangement, and only our own staff now work on our account (Exhibit 1). We do not own, control "
                     "or access Marigold Home or Orchid Living.")
    assert en[4].startswith("On 15 September 2026 we moved to an internet line of our own")
    assert zh[3].startswith("我们公司和运营Marigold Home、Orchid Living的公司此前都委托过同一家外部代运营公司")
    assert zh[3].endswith("我们不拥有、不控制、也无法登录Marigold Home和Orchid Living。")
    assert sum("do not own, control or access" in p for p in en) == 1


def test_orders_fulfilled_by_amazon_ask_for_no_logistics_agreement_and_us_letters_spell_the_us_way(
        cli, store, tmp_path):
    ok(cli("account", "add", "kestrel-us", "-m", "amazon.com", "--display-name", "Kestrel Outdoors",
           "--merchant-token", "A1KESTREL0001X", "--legal-name-en", "Kestrel Outdoors Inc.",
           "--legal-name-local", "凯斯特户外有限公司"))
    ok(cli("account", "add", "marigold-us", "-m", "amazon.com", "--display-name", "Marigold Home"))
    ok(cli("attr", "add", "kestrel-us", "brand", "Kestrel Trail"))
    ok(cli("attr", "add", "kestrel-us", "logistics", "FBA"))
    _used(cli, "kestrel-us", "ip", "198.51.100.20", "2025-03-01")
    _used(cli, "marigold-us", "ip", "192.0.2.10", "2024-01-01")
    ok(cli("health", "set", "kestrel-us", "--date", "2026-11-01", "--odr", "0.4%", "--cancel-rate", "0.8%",
           "--late-shipment", "1.1%", "--valid-tracking", "98.6%"))
    en, zh = _letters(cli, tmp_path, "--relationship", "error")
    assert "We sell under our own brand, Kestrel Trail. Our orders are fulfilled by Amazon.\n" in en
    assert "shipped by FBA" not in en and "agreement in our company's name" not in en
    assert "我们的订单由亚马逊物流（FBA）配送。" in zh
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert "logistics agreement" not in exhibits
    assert "pre-fulfillment cancellation rate" in en and "fulfilment" not in en
    html = (tmp_path / "p" / "evidence.html").read_text(encoding="utf-8")
    assert "pre-fulfillment cancellation rate" in html and "fulfilment" not in html
    # a carrier of our own is still named, with its agreement as the exhibit
    ok(cli("attr", "add", "kestrel-us", "logistics", "Example Freight Co."))
    en, _zh = _letters(cli, tmp_path, "--force", "--relationship", "error")
    assert ("Our orders are shipped by Example Freight Co. Our logistics company works with us under an agreement in "
            "our company's name (Exhibit 2). Our orders are fulfilled by Amazon.\n") in en
    assert "Exhibit 2: Our logistics agreement" in (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")


def test_a_british_marketplace_letter_keeps_british_spelling(cli, store, tmp_path):
    ok(cli("account", "add", "kestrel-uk", "-m", "amazon.co.uk", "--display-name", "Kestrel Outdoors UK"))
    ok(cli("account", "add", "marigold-uk", "-m", "amazon.co.uk", "--display-name", "Marigold Home UK"))
    _used(cli, "kestrel-uk", "ip", "198.51.100.20", "2025-03-01")
    ok(cli("health", "set", "kestrel-uk", "--date", "2026-11-01", "--odr", "0.4%", "--cancel-rate", "0.8%",
           "--late-shipment", "1.1%", "--valid-tracking", "98.6%"))
    ok(cli("appeal", "kestrel-uk", "-r", "marigold-uk", "--notice-date", "2026-11-20", "--relationship", "error",
           "-o", tmp_path / "p"))
    en = (tmp_path / "p" / "plan-of-action.txt").read_text(encoding="utf-8")
    assert "pre-fulfilment cancellation rate" in en


def test_the_evidence_page_never_shows_a_proxy_credential(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "proxy_account", "https://proxy-two.example/rotate?token=SECRET-k-19", "2026-01-01")
    _used(cli, "kestrel-us", "ip", "198.51.100.20", "2025-03-01")
    _used(cli, "marigold-us", "ip", "192.0.2.10", "2024-01-01")
    ok(_appeal(cli, "--relationship", "error", "-o", tmp_path / "p"))
    html = (tmp_path / "p" / "evidence.html").read_text(encoding="utf-8")
    assert "SECRET-k-19" not in html and "token=" not in html
    assert "https://proxy-two.example/…" in html


def test_nearly_identical_addresses_are_not_called_the_same_address(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "address", "1200 Example Boulevard, Suite 410, Austin, TX 78701", "2025-06-02",
          "2026-11-01")
    _used(cli, "marigold-us", "address", "1200 Exampel Boulevard, Suite 410, Austin, TX 78701", "2025-01-20",
          "2026-11-01")
    en, zh = _letters(cli, tmp_path, "--relationship", "not-owned")
    assert "Until 1 November 2026, we and Marigold Home shared nearly identical business addresses." in en
    assert "the same business address" not in en
    assert "2026年11月1日之前，我们公司与Marigold Home曾共用几乎相同的经营地址。" in zh


def test_two_email_addresses_at_one_mailbox_are_named_by_their_mailbox(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "email", "ops+kestrel@northgate-mail.example", "2025-06-01", "2026-10-01")
    _used(cli, "marigold-us", "email", "ops+marigold@northgate-mail.example", "2025-06-01", "2026-10-01")
    _explain(cli, "email", "Our former agency gave each store an address at its own mailbox.",
             "我们以前的代运营公司给每家店铺的邮箱地址都收信到它自己的邮箱。")
    en, zh = _letters(cli, tmp_path, "--relationship", "agency")
    assert "Until 1 October 2026, we and Marigold Home shared email addresses at one mailbox." in en
    assert "the same email address" not in en
    assert "曾共用收信到同一个邮箱的电子邮箱地址。" in zh


# ----- trial 9: a Chinese seller's appeal read as a reviewer would --------------------------------


def _zh_exhibits(tmp_path, name="p"):
    return (tmp_path / name / "exhibits.txt").read_text(encoding="utf-8")


def test_a_supplier_and_carrier_both_accounts_use_are_told_in_the_cause_never_cited_as_separation(cli, store, tmp_path):
    from test_appeal import scenario_own

    args, *_ = scenario_own(cli, store)
    for kind, value in (("supplier", "Ningbo Fenghe Outdoor Products Co., Ltd."), ("logistics", "云途物流"),
                        ("category", "Home and Kitchen")):
        _used(cli, "marigold-us", kind, value, "2025-01-01")
    en, zh = _letters(cli, tmp_path, *args)
    cause = en.split("\n\n")[2]
    assert cause.endswith("The two accounts also buy from the same supplier and ship through the same logistics company.")
    assert zh.split("\n\n")[2].endswith("两个账户还从同一家供应商进货，并通过同一家物流公司发货。")
    # neither is cited as evidence that the accounts are separate, in either script it was entered in
    assert "We buy our stock from" not in en and "Our orders are shipped by" not in en
    assert "Ningbo Fenghe" not in en and "YunExpress" not in en
    assert "under an agreement in our company's name" not in en
    assert "我们的货源来自" not in zh and "负责配送" not in zh
    # what is the account's own still is: its brand and its category, which the other does not share
    assert "We sell under our own brand, Kestrel Trail. Our products are listed in Sports and Outdoors." in en
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert "invoices from our suppliers" not in exhibits and "logistics agreement" not in exhibits
    # the evidence page, the facts for the seller, still lists them
    html = (tmp_path / "p" / "evidence.html").read_text(encoding="utf-8")
    assert "Ningbo Fenghe Outdoor Products Co., Ltd." in html and "YunExpress" in html


def test_the_own_route_claims_only_what_the_records_back_and_promises_nothing_unrecorded(cli, store, tmp_path):
    from test_appeal import scenario_own

    args, *_ = scenario_own(cli, store)
    # one office router, still used by both
    for account in ("kestrel-us", "marigold-us"):
        _used(cli, account, "gateway_mac", "3c:22:fb:12:34:56", "2025-01-01")
        _used(cli, account, "address", f"{'455 Example Avenue' if account == 'kestrel-us' else '77 Sample Road'}, "
                                      "Columbus, OH 43215", "2025-01-01")
    en, zh = _letters(cli, tmp_path, *args)
    assert "Both accounts use the same office router" in en
    prevent = next(p for p in en.split("\n\n") if p.startswith("To prevent"))
    # each has its own bank account on file now (ours replaced on 1 October), none shared: said; no logins on
    # file: not said; a router both still use: no "contracts for its premises"
    assert prevent.startswith("To prevent this from happening again, each account keeps its own bank account. ")
    assert "premises" not in en and "personal logins" not in en
    assert "every week" not in en and "每周" not in zh
    assert "review the account health" not in en
    # the payment account on file for only one of them backs no claim either
    _used(cli, "kestrel-us", "payment_account", "payouts@kestrel-outdoors.example", "2025-01-01")
    en, _zh = _letters(cli, tmp_path, *args, "--force")
    assert "payment account" not in next(p for p in en.split("\n\n") if p.startswith("To prevent"))
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert "Each account's own payment account: the letter says each account keeps its own only when every one " \
           "of kestrel-us and marigold-us has one on file" in exhibits
    # once the router is replaced and each has its own address, the premises are said, with their exhibit
    ok(cli("attr", "retire", "kestrel-us", "gateway_mac", "3c:22:fb:12:34:56", "--on", "2026-10-01"))
    _used(cli, "kestrel-us", "gateway_mac", "3c:22:fb:99:88:77", "2026-10-01")
    en, zh = _letters(cli, tmp_path, *args, "--force")
    assert ("To prevent this from happening again, each account keeps its own bank account and the contracts for its "
            "premises and equipment on file (Exhibit ") in en
    assert "为了避免再次出现这样的问题，两个账户各自使用独立的银行账户，并把办公场所和设备的合同存档备查（见附件" in zh


def test_a_link_the_letter_admits_with_no_action_is_an_open_item_named_and_masked(cli, store, tmp_path):
    from test_appeal import scenario_own

    args, *_ = scenario_own(cli, store)
    ok(cli("explain", "kestrel-us", "marigold-us", "company_name", "--note", "One company owns both stores.",
           "--note-zh", "两家店铺属于同一家公司。"))
    _used(cli, "kestrel-us", "ip", "203.0.113.61", "2026-06-01")
    _used(cli, "marigold-us", "ip", "203.0.113.57", "2026-06-01")
    _used(cli, "kestrel-us", "email", "ops@xinghe-trading.example", "2026-06-01")
    _used(cli, "marigold-us", "email", "sales@xinghe-trading.example", "2026-06-01")
    result = _appeal(cli, *args, "-o", tmp_path / "p", env={"LINKCHECK_LANG": "zh"})
    ok(result)
    en = (tmp_path / "p" / "plan-of-action.txt").read_text(encoding="utf-8")
    zh = (tmp_path / "p" / "plan-of-action.zh.txt").read_text(encoding="utf-8")
    assert ("Both accounts use IP addresses in the same network range, email addresses at the same private domain "
            "xinghe-trading.example and the same company name.") in en
    assert "两个账户目前都在使用同一网段内的IP地址、同一个企业域名xinghe-trading.example下的电子邮箱和相同的公司名称。" in zh
    exhibits = _zh_exhibits(tmp_path)
    assert ("行动计划中写到Marigold Home和我们的账户目前仍在共用同一个企业域名xinghe-trading.example下的电子邮箱，"
            "却没有写采取了什么措施。请先更换，并用 `linkcheck attr retire kestrel-us email VALUE --on DATE` 记录更换；"
            "或者用 `linkcheck explain kestrel-us marigold-us email --note TEXT --note-zh TEXT` 记录共用的原因。"
            "记录之后，申诉计划会写明。") in exhibits.splitlines()
    assert ("行动计划中写到Marigold Home和我们的账户目前仍在共用同一网段内的IP地址（203.0.113.x），却没有写采取了什么措施。"
            "请先更换，并用 `linkcheck attr retire kestrel-us ip VALUE --on DATE` 记录更换；或者用 "
            "`linkcheck explain kestrel-us marigold-us ip --note TEXT --note-zh TEXT` 记录共用的原因。"
            "记录之后，申诉计划会写明。") in exhibits.splitlines()
    assert "每一项事实都有记录" not in exhibits
    assert "203.0.113.61" not in exhibits and "203.0.113.57" not in exhibits
    # an explained link is told with its explanation: no longer open
    ok(cli("explain", "kestrel-us", "marigold-us", "ip", "--note", "Both stores rent addresses from one provider.",
           "--note-zh", "两家店铺从同一家服务商租用IP地址。"))
    ok(cli("explain", "kestrel-us", "marigold-us", "email", "--note", "Both stores use our company's mail domain.",
           "--note-zh", "两家店铺都使用我们公司的邮箱域名。"))
    ok(_appeal(cli, "--force", "-o", tmp_path / "p", env={"LINKCHECK_LANG": "zh"}))
    assert "目前仍在共用" not in _zh_exhibits(tmp_path)


def test_the_chinese_exhibit_list_names_the_files_as_the_english_letter_cites_them(cli, store, tmp_path):
    from test_appeal import scenario_former_tenant

    args, *_ = scenario_former_tenant(cli, store)
    ok(_appeal(cli, *args, "--bilingual", "-o", tmp_path / "p", env={"LINKCHECK_LANG": "zh"}))
    en = (tmp_path / "p" / "plan-of-action.txt").read_text(encoding="utf-8")
    assert "(Exhibit 1)" in en
    exhibits = _zh_exhibits(tmp_path)
    lines = exhibits.splitlines()
    assert lines[2].startswith("请按这个顺序把下列文件附在申诉中，附件文件名用英文编号 Exhibit 1、Exhibit 2（依此类推）：要粘贴的英文行动计划 "
                               "plan-of-action.txt 就是按这些名称引用的。")
    assert any(line.startswith("Exhibit 1（附件1）：") for line in lines)
    assert any(line.startswith("[ ] Exhibit 1（附件1）：") for line in lines)
    assert not any(line.startswith(("附件1：", "[ ] 附件1：")) for line in lines)
    # a Chinese letter asked for: the files are named 附件N, as it cites them
    ok(_appeal(cli, "--lang", "zh", "--no-bilingual", "--force", "-o", tmp_path / "p", env={"LINKCHECK_LANG": "zh"}))
    lines = _zh_exhibits(tmp_path).splitlines()
    assert any(line.startswith("附件1：") for line in lines) and not any("Exhibit" in line for line in lines)


def test_a_uk_store_set_up_in_chinese_gets_an_english_letter_and_needs_its_business_need_in_english(cli, store, tmp_path):
    from test_appeal import scenario_own

    args, *_ = scenario_own(cli, store)
    ok(cli("account", "set", "kestrel-us", "--marketplace", "amazon.co.uk"))
    zh_only = [a for a in args if a != "--business-need" and not a.startswith("Kestrel Outdoors sells")]
    env = {"LINKCHECK_LANG": "zh"}
    result = _appeal(cli, *zh_only, "-o", tmp_path / "p", env=env)
    assert result.exit_code == 2
    assert "--business-need TEXT" in result.output
    assert not (tmp_path / "p").exists()
    result = _appeal(cli, *args, "-o", tmp_path / "p", env=env)
    ok(result)
    assert "  粘贴到申诉表单：plan-of-action.txt（英文）；plan-of-action.zh.txt 是同一内容的中文版，供你自己阅读" in result.output
    assert (tmp_path / "p" / "plan-of-action.txt").read_text(encoding="utf-8").startswith("Dear Seller Performance Team,")
    assert (tmp_path / "p" / "plan-of-action.zh.txt").read_text(encoding="utf-8").startswith("尊敬的亚马逊卖家绩效团队：")


def test_a_deactivated_account_is_called_yi_tingyong_in_a_chinese_statement(cli, store):
    ok(cli("account", "add", "kestrel-us", "-m", "amazon.com"))
    ok(cli("account", "add", "marigold-us", "-m", "amazon.com"))
    ok(cli("account", "set", "kestrel-us", "--status", "suspended"))
    result = cli("statement", "kestrel-us", "--against", "marigold-us", "--lang", "zh")
    ok(result)
    assert "kestrel-us（amazon.com，已停用）" in result.output
    assert "暂停" not in result.output


# ----- trial 10: an agency's team store read against its own letters -------------------------------

OFFICE_PC = {"devices": ["00:1b:63:…:e6", "machine:9f2c…"], "hostname": "NGC-OPS-07"}


def _logged(store, account, day, member=None, action="check", verdict="GO", pc=OFFICE_PC):
    detail = dict(pc, level=None)
    if member:
        detail["member"] = member
    with Store.open(store, PASSPHRASE, write=True) as st:
        st.add_event(Event(_ts(day) + 9 * 3600, account, action, verdict, detail))


def _prevention(en):
    return next(p for p in en.split("\n\n") if p.startswith("To keep our account separate"))


def test_staff_and_computers_are_claimed_only_where_the_records_back_them(cli, store, tmp_path):
    from test_appeal import scenario_not_owned

    args, *_ = scenario_not_owned(cli, store)
    en, zh = _letters(cli, tmp_path, *args)
    # nothing on file says who works on the account or on which computer: neither is claimed
    assert "only our own employees" not in en and "computers that belong to our business alone" not in en
    assert "Any new computer" not in en and "只有我们自己的员工" not in zh
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert "`linkcheck attr add kestrel-us platform_login VALUE`" in exhibits
    assert "`linkcheck capture kestrel-us` on that computer" in exhibits
    # a login and a computer of its own, on file for no other account: both are said
    _used(cli, "kestrel-us", "platform_login", "ops@kestrel-outdoors.example", "2025-03-01")
    _used(cli, "kestrel-us", "mac", "00:1b:63:84:45:e6", "2025-03-01")
    _logged(store, "kestrel-us", "2026-10-02")
    en, zh = _letters(cli, tmp_path, *args, "--force")
    assert _prevention(en) .startswith(
        "To keep our account separate in future, our business works from its own premises, on its own internet line "
        "and router. Only our own employees, each with a personal login, have access to our account. Our staff work on "
        "our account only on computers that belong to our business alone. We keep the contracts and invoices for our "
        "premises, internet line and equipment on file (Exhibit 2).")
    assert "只有我们自己的员工才能登录账户，而且每人使用单独的登录权限。我们的员工只在属于我们公司的电脑上操作账户。" in zh
    # the same computer on file for another account (an agency's office PC): no "computers of our own"
    ok(cli("account", "add", "orchid-us", "-m", "amazon.com", "--display-name", "Orchid Living"))
    _used(cli, "orchid-us", "mac", "00-1B-63-84-45-E6", "2026-01-01")
    en, _zh = _letters(cli, tmp_path, *args, "--force")
    assert "computers that belong to our business alone" not in en
    assert "Only our own employees, each with a personal login, have access to our account." in en
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert ("A computer on file for our account is also on file for orchid-us, so the letter does not say that our "
            "staff work only on computers that belong to our business alone.") in exhibits
    assert "orchid-us" not in en and "Orchid" not in en
    # the office router on file for another account (another client of the agency, not the related
    # account): no "its own internet line and router" either
    assert "on its own internet line and router" in en and "自己的宽带和路由器" in zh
    _used(cli, "kestrel-us", "gateway_mac", "3c:22:fb:99:88:77", "2025-03-01")
    _used(cli, "orchid-us", "gateway_mac", "3c:22:fb:99:88:77", "2026-01-01")
    en, zh = _letters(cli, tmp_path, *args, "--force")
    assert "own internet line and router" not in en and "自己的宽带和路由器" not in zh
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert ("A router, Wi-Fi access point or public IP on file for our account is also on file for orchid-us now, so "
            "the letter does not say that our business works on its own internet line and router.") in exhibits


def test_the_log_of_one_member_on_two_accounts_takes_back_the_staff_claim(cli, store, tmp_path):
    from test_appeal import scenario_not_owned

    args, *_ = scenario_not_owned(cli, store)
    _used(cli, "kestrel-us", "platform_login", "ops@kestrel-outdoors.example", "2025-03-01")
    ok(cli("account", "add", "orchid-us", "-m", "amazon.com", "--display-name", "Orchid Living"))
    _logged(store, "kestrel-us", "2026-10-02", member="li")
    _logged(store, "orchid-us", "2026-10-03", member="li")  # the same member, the same office computer
    en, _zh = _letters(cli, tmp_path, *args)
    assert "only our own employees" not in en.casefold() and "computers that belong" not in en
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    assert ("The log shows someone who works on our account also logging in to orchid-us from the same computer, so "
            "the letter does not say that only our own employees have access to our account; `linkcheck log "
            "kestrel-us` shows those logins.") in exhibits.splitlines()
    # a login stopped at the gate was no login: it takes nothing back
    _logged(store, "marigold-us", "2026-10-04", member="li", verdict="STOP")
    ok(_appeal(cli, "--force", "-o", tmp_path / "p"))
    # another office computer of the same make (one network card mask alike, nothing else) is not
    # the same computer: a GO on the related account from it contradicts nothing
    _logged(store, "marigold-us", "2026-10-06", member="li",
            pc={"devices": ["00:1b:63:…:e6", "machine:51ab…"], "hostname": "NGC-OPS-12"})
    ok(_appeal(cli, "--force", "-o", tmp_path / "p"))


def test_logins_to_the_account_we_say_we_do_not_access_stop_a_not_owned_appeal(cli, store, tmp_path):
    from test_appeal import scenario_not_owned

    args, *_ = scenario_not_owned(cli, store)
    _logged(store, "kestrel-us", "2026-10-02", member="li", action="capture", verdict="RECORDED")
    _logged(store, "marigold-us", "2026-10-05", member="li")
    result = _appeal(cli, *args, "-o", tmp_path / "p")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "linkcheck: error: the log shows member li logging in to marigold-us from a computer kestrel-us is worked on "
        "from (last on 2026-10-05), which an appeal saying you do not own, control or access marigold-us contradicts. "
        "If the same people or computers work on both accounts, choose the --relationship that says so (own: one "
        "business owns both; agency-ongoing: one agency works on both); `linkcheck log marigold-us` shows those logins"]
    assert not (tmp_path / "p").exists()
    zh = _appeal(cli, "-o", tmp_path / "p", env={"LINKCHECK_LANG": "zh"})
    assert zh.exit_code == 1 and "成员 li" in zh.output
    # an agency that works on both says so, and the letter claims no staff of our own
    en, _zh = _letters(cli, tmp_path, "--relationship", "agency-ongoing")
    assert "only our own employees" not in en


def test_one_member_on_both_owned_accounts_is_told_in_the_cause_not_denied(cli, store, tmp_path):
    from test_appeal import scenario_own

    args, *_ = scenario_own(cli, store)
    _used(cli, "kestrel-us", "platform_login", "ops@kestrel-outdoors.example", "2025-03-01")
    _used(cli, "marigold-us", "platform_login", "ops@marigold-home.example", "2025-03-01")
    en, _zh = _letters(cli, tmp_path, *args)
    assert "each account keeps its own bank account and its own staff with personal logins" in en
    _logged(store, "kestrel-us", "2026-10-02", member="li")
    _logged(store, "marigold-us", "2026-10-02", member="li")
    en, zh = _letters(cli, tmp_path, *args, "--force")
    assert "personal logins" not in en and "单独的登录权限" not in zh
    assert "One member of our staff has logged in to both accounts from the same computer." in en.split("\n\n")[2]
    assert "我们的同一名员工曾在同一台电脑上登录过这两个账户。" in zh.split("\n\n")[2]


def test_no_invented_shared_service_and_no_agreement_for_a_category(cli, store, tmp_path):
    from test_appeal import scenario_shared_service

    args, *_ = scenario_shared_service(cli, store)
    en, zh = _letters(cli, tmp_path, *args)
    assert "other tenants" not in en and "其他租户" not in zh
    assert "Each of these" not in en and "以上合作" not in zh
    assert ("Our products are listed in Sports and Outdoors. We buy our stock from Ningbo Fenghe Outdoor Products Co., "
            "Ltd. Our orders are shipped by YunExpress. Our supplier and our logistics company each work with us under "
            "an agreement in our company's name (Exhibit 2).") in en


def test_a_letter_that_cites_nothing_asks_no_one_to_review_enclosed_documents_and_stdout_names_open_items(
        cli, store, tmp_path):
    ok(cli("account", "add", "kestrel-us", "-m", "amazon.com", "--display-name", "Kestrel Outdoors",
           "--legal-name-en", "Kestrel Outdoors Inc."))
    ok(cli("account", "add", "marigold-us", "-m", "amazon.com", "--display-name", "Marigold Home"))
    ok(cli("account", "set", "kestrel-us", "--status", "suspended"))
    _used(cli, "kestrel-us", "ip", "203.0.113.61", "2026-06-01")
    _used(cli, "marigold-us", "ip", "203.0.113.57", "2026-06-01")
    result = _appeal(cli, "--relationship", "own", "-o", tmp_path / "p")
    ok(result)
    en = (tmp_path / "p" / "plan-of-action.txt").read_text(encoding="utf-8")
    assert "Both accounts use IP addresses in the same network range." in en
    assert "(Exhibit" not in en and "enclosed documents" not in en
    assert "We respectfully ask you to reinstate our account Kestrel Outdoors." in en
    exhibits = (tmp_path / "p" / "exhibits.txt").read_text(encoding="utf-8")
    missing = exhibits.split("Facts the records do not yet hold\n\n")[1].strip().splitlines()
    lines = result.stdout.splitlines()
    assert lines[1] == (f"  before you send it: exhibits.txt lists {len(missing)} open items under \"Facts the records "
                        f"do not yet hold\"; the first: {missing[0]}")
    assert lines[2] == "  paste into the appeal form: plan-of-action.txt"
    zh = _appeal(cli, "--force", "-o", tmp_path / "p", env={"LINKCHECK_LANG": "zh"})
    ok(zh)
    # the section is named as the file names it: this case's exhibits.txt is in English
    assert f"  发送之前：exhibits.txt 的“Facts the records do not yet hold”列出了 {len(missing)} 项待处理的事项，第一项：" in zh.stdout


def test_a_private_domain_still_shared_stops_a_not_owned_appeal_even_explained(cli, store, tmp_path):
    from test_appeal import scenario_not_owned

    args, *_ = scenario_not_owned(cli, store)
    _used(cli, "kestrel-us", "email", "ops@northgate-trading.example", "2026-06-01")
    _used(cli, "marigold-us", "email", "sales@northgate-trading.example", "2026-06-01")
    _explain(cli, "email", "Our former agency created the mailbox on its own domain.", "以前的代运营公司在它自己的域名下为我们开了邮箱。")
    result = _appeal(cli, *args, "-o", tmp_path / "p")
    assert result.exit_code == 1
    assert ("for email_domain, which no explanation settles when you do not own the other account, move your email "
            "addresses to a domain of your own and record each change with `linkcheck attr retire kestrel-us email "
            "VALUE --on DATE`") in result.output
    assert "linkcheck explain" not in result.output
    # on a route where an explanation may settle it, the explanation does
    ok(_appeal(cli, "--relationship", "agency", "-o", tmp_path / "p"))
    # retired: the letter tells it in the past tense
    ok(cli("attr", "retire", "kestrel-us", "email", "ops@northgate-trading.example", "--on", "2026-10-01"))
    en, _zh = _letters(cli, tmp_path, "--force", "--relationship", "not-owned")
    assert "Until 1 October 2026, we and Marigold Home shared email addresses at the same private domain" in en


def test_the_refusal_gives_each_kind_its_own_next_step(cli, store, tmp_path):
    _base(cli)
    for account, ip, email in (("kestrel-us", "203.0.113.61", "ops@northgate-trading.example"),
                               ("marigold-us", "203.0.113.57", "sales@northgate-trading.example")):
        _used(cli, account, "ip", ip, "2026-06-01")
        _used(cli, account, "email", email, "2026-06-01")
        _used(cli, account, "phone", "+1 201 555 0188", "2026-06-01")
    result = _appeal(cli, "--relationship", "not-owned", "-o", tmp_path / "p")
    assert result.exit_code == 1
    # one line per kind, each with its own next step (trial 11: one ~700-character line did not read)
    lines = result.output.splitlines()
    assert lines == [
        "linkcheck: error: kestrel-us still uses what it shares with marigold-us (ip_network, email_domain, phone), which "
        "an appeal saying you do not own, control or access marigold-us must settle first, kind by kind, then run the "
        "appeal again:",
        "  - for ip_network, move to an IP address outside that network range and record the change with `linkcheck "
        "attr retire kestrel-us ip VALUE --on DATE`, or record why the range is shared with `linkcheck explain "
        "kestrel-us marigold-us ip --note TEXT --note-zh TEXT`",
        "  - for email_domain, which no explanation settles when you do not own the other account, move your email "
        "addresses to a domain of your own and record each change with `linkcheck attr retire kestrel-us email VALUE "
        "--on DATE`",
        "  - for phone, change it and record the change with `linkcheck attr retire kestrel-us phone VALUE --on DATE`, "
        "or record why it is shared with `linkcheck explain kestrel-us marigold-us phone --note TEXT --note-zh TEXT`"]
    assert "cannot explain" not in result.output
    zh = _appeal(cli, "-o", tmp_path / "p", env={"LINKCHECK_LANG": "zh"})
    assert zh.exit_code == 1 and "email_domain" in zh.output
    assert zh.output.splitlines()[1].startswith("  - ip_network：")


def _flat(text):
    return " ".join(text.split())


def test_an_english_statement_names_and_signs_with_the_english_legal_name(cli, store):
    ok(cli("account", "add", "mingda-us", "-m", "amazon.com", "--legal-name-en", "Shenzhen Mingda Pet Supplies Co., Ltd.",
           "--legal-name-local", "深圳市明达宠物用品有限公司"))
    ok(cli("account", "add", "xinghe-us", "-m", "amazon.com"))
    ok(cli("attr", "add", "mingda-us", "company_name", "深圳市明达宠物用品有限公司"))
    en = cli("statement", "mingda-us", "--against", "xinghe-us")
    ok(en)
    assert "Operator: Shenzhen Mingda Pet Supplies Co., Ltd." in en.stdout
    assert "Sincerely,\n\nShenzhen Mingda Pet Supplies Co., Ltd.\n" in en.stdout
    assert "深圳市明达" not in en.stdout.split("Sincerely,")[1]
    zh = cli("statement", "mingda-us", "--against", "xinghe-us", "--lang", "zh")
    ok(zh)
    assert re.search(r"^经营者：\s*深圳市明达宠物用品有限公司$", zh.stdout, re.M)
    assert "特此说明。\n\n深圳市明达宠物用品有限公司\n" in zh.stdout
    # no legal name on file: the recorded company name, in the statement's script where there is one
    ok(cli("account", "add", "boya-us", "-m", "amazon.com"))
    ok(cli("attr", "add", "boya-us", "company_name", "博雅家居有限公司"))
    ok(cli("attr", "add", "boya-us", "company_name", "Boya Home Co., Ltd."))
    assert "Operator: Boya Home Co., Ltd." in cli("statement", "boya-us", "--against", "xinghe-us").stdout


def test_a_full_width_value_is_shown_in_normal_width_and_never_broken_across_lines(cli, store):
    ok(cli("account", "add", "mingda-us", "-m", "amazon.com"))
    ok(cli("account", "add", "xinghe-us", "-m", "amazon.com"))
    ok(cli("attr", "add", "mingda-us", "email", "ＭＩＮＧＤＡ．ＵＳ＠ＥＸＡＭＰＬＥ．ＣＯＭ"))
    ok(cli("attr", "add", "mingda-us", "address", "深圳市南山区科技园路１号（Ａ座）"))
    for lang in ("en", "zh"):
        out = cli("statement", "mingda-us", "--against", "xinghe-us", "--lang", lang).stdout
        assert "ＭＩＮＧＤＡ" not in out and "ＥＸＡＭＰＬＥ" not in out
        assert any("MINGDA.US@EXAMPLE.COM" in line for line in out.splitlines())
        # Chinese keeps its own punctuation; only the letters and digits are made normal width
        assert "深圳市南山区科技园路1号（A座）" in out


def test_the_evidence_page_shows_a_full_width_value_in_normal_width(cli, store, tmp_path):
    _base(cli)
    _used(cli, "kestrel-us", "address", "深圳市南山区科技园路１号（Ａ座）", "2025-06-01")
    _used(cli, "kestrel-us", "email", "ＯＰＳ＠ＫＥＳＴＲＥＬ．ＥＸＡＭＰＬＥ", "2025-06-01")
    _letters(cli, tmp_path, "--relationship", "agency")
    html = (tmp_path / "p" / "evidence.html").read_text(encoding="utf-8")
    assert "深圳市南山区科技园路1号（A座）" in html and "OPS@KESTREL.EXAMPLE" in html
    assert "ＯＰＳ" not in html and "１号" not in html
    from linkcheck.appeal.pack import shown_value
    assert shown_value("email", "ＯＰＳ＠ＫＥＳＴＲＥＬ．ＥＸＡＭＰＬＥ", "ops@kestrel.example", "zh") == "OPS@KESTREL.EXAMPLE"


def test_the_statement_says_what_a_check_through_a_browser_profile_compares(cli, store):
    ok(cli("account", "add", "mingda-us", "-m", "amazon.com"))
    ok(cli("account", "add", "xinghe-us", "-m", "amazon.com"))
    _logged(store, "mingda-us", "2026-10-02")
    out = _flat(cli("statement", "mingda-us", "--against", "xinghe-us").stdout)
    assert "stops the login if any of them belongs to another account" not in out
    assert ("linkcheck compares what the login shows (this computer, its network and its router; through a browser "
            "profile, what that profile shows websites)") in out
    assert "through a browser profile: it judged" not in out
    with Store.open(store, PASSPHRASE, write=True) as st:
        st.add_event(Event(_ts("2026-10-03"), "mingda-us", "check", "GO",
                           dict(OFFICE_PC, profile="adspower:k1a2b3c4", strict=False, hidden=["mac"])))
    out = _flat(cli("statement", "mingda-us", "--against", "xinghe-us").stdout)
    assert ("One of these checks was made through a browser profile: it judged this computer's own identifiers by what "
            "the profile shows websites, so this computer's values that the profile hides did not stop it, even where "
            "they are recorded for another account.") in out
    zh = "".join(cli("statement", "mingda-us", "--against", "xinghe-us", "--lang", "zh").stdout.split())
    assert "其中一次检查是通过浏览器环境进行的" in zh
