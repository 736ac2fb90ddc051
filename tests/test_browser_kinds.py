"""The anti-detect browser kinds: secrets never kept, match keys as documented."""

from __future__ import annotations

import pytest

from linkcheck.accounts import make_attribute
from linkcheck.errors import InvalidValue
from linkcheck.normalize.browser import combined_fingerprint


def test_a_proxy_password_is_dropped_on_entry():
    attr = make_attribute("proxy", "socks5://bob:hunter2pw@203.0.113.5:1080")
    assert attr.value == attr.normalized == "socks5://bob@203.0.113.5:1080"
    assert attr.keys == ("proxy:203.0.113.5:1080:bob",)
    assert "hunter2pw" not in repr(attr)
    colon = make_attribute("proxy", "203.0.113.5:1080:bob:hunter2pw")
    assert colon.keys == attr.keys and "hunter2pw" not in repr(colon)


def test_a_proxy_password_never_reaches_the_store(cli, store, store_path):
    assert cli("account", "add", "shop-a").exit_code == 0
    result = cli("attr", "add", "shop-a", "proxy", "http://bob:hunter2pw@203.0.113.5:8080")
    assert result.exit_code == 0, result.output
    shown = cli("account", "show", "shop-a", "--reveal", "--format", "json")
    assert "hunter2pw" not in shown.output and "http://bob@203.0.113.5:8080" in shown.output


@pytest.mark.parametrize("kind", ["totp_secret", "cookie"])
def test_a_2fa_secret_or_cookie_is_refused_in_the_clear(kind):
    value = "JBSWY3DPEHPK3PXP" if kind == "totp_secret" else "amazon.com:session-id=147-1234567"
    with pytest.raises(InvalidValue):
        make_attribute(kind, value)


def test_a_platform_login_that_is_an_email_meets_the_accounts_emails():
    attr = make_attribute("platform_login", "Seller@Example.com")
    assert "email:seller@example.com" in attr.keys


def test_the_combined_fingerprint_needs_more_than_one_common_part():
    assert combined_fingerprint(user_agent="Mozilla/5.0 X") is None
    one = combined_fingerprint(user_agent="Mozilla/5.0 X", webgl_renderer="ANGLE (Intel)", screen="1920_1080",
                               fonts=["Arial", "arial", "Tahoma"])
    two = combined_fingerprint(user_agent="Mozilla/5.0 X", webgl_renderer="ANGLE (Intel)", screen="1920_1080",
                               fonts=["Tahoma", "Arial"])
    assert one == two and len(one) == 32
    assert one != combined_fingerprint(user_agent="Mozilla/5.0 X", webgl_renderer="ANGLE (AMD)", screen="1920_1080")
