"""The faster forms an import uses (issue 17, sixth session) give exactly what the plain forms give."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from linkcheck.normalize import numbers

# Text as registration numbers arrive at python-stdnum (upper-case ASCII letters and digits),
# as other callers could give it (separators, stdnum's look-alike characters, any Unicode).
_LOOK_ALIKES = "-*,./: '`\u2010\u2013\u2014\uff10\uff11\u00b4\u02bc\u2019\u3000"
_TEXT = st.one_of(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=24),
    st.text(alphabet="ABCXYZ0189" + _LOOK_ALIKES, max_size=24),
    st.text(max_size=24),
)


def _fast_clean():
    numbers._country_modules("US")  # loads stdnum's US modules, and puts the fast clean in place
    from stdnum import util

    return util._linkcheck_fast_clean


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.sampled_from(["", " ", " -", " -./,:", "-", " -.", "'", "`", " -'`"]))
def test_the_fast_stdnum_clean_is_stdnum_s_clean(number, deletechars):
    fast = _fast_clean()
    assert fast(number, deletechars) == fast.original(number, deletechars)
    assert fast(number) == fast.original(number)


def test_the_fast_stdnum_clean_refuses_what_stdnum_refuses():
    from stdnum.exceptions import InvalidFormat

    fast = _fast_clean()
    for bad in (None, 12345, 1.5):
        for clean in (fast, fast.original):
            try:
                clean(bad, " -")
            except InvalidFormat:
                continue
            raise AssertionError(f"{bad!r} was cleaned")
    assert fast(("9", "1"), "") == fast.original(("9", "1"), "") == "91"  # stdnum joins any iterable of text


def test_stdnum_s_number_modules_use_the_fast_clean_once_loaded():
    fast = _fast_clean()
    numbers._country_modules("DE")
    from stdnum import util
    from stdnum.de import vat
    from stdnum.us import ein, tin

    for module in (ein, tin, vat):
        assert module.clean is fast
    assert util.clean is fast.original  # stdnum's own stays what it was
    assert all(getattr(m, "clean", None) is not fast.original for n, m in sys.modules.items()
               if n.startswith("stdnum.") and m is not util)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet="ABDEGKLNRSUX0123456789 -./", min_size=5, max_size=20),
                 st.from_regex(r"(DE|GB|FR|IT|NL|BE|DK|91)[0-9]{7,16}[A-Z0-9]?", fullmatch=True)),
       st.sampled_from([None, "US", "DE", "GB", "CN", "FR"]))
def test_registration_numbers_read_the_same_with_the_fast_clean(text, region):
    fast = _fast_clean()
    from linkcheck.normalize.text import Rejected

    def read():
        numbers._registry_value.cache_clear()
        numbers._WRONG_LENGTH.clear()
        try:
            return numbers.registry_code(text, region)
        except Rejected as exc:
            return exc.reason

    with_fast = read()
    patched = [(m, m.clean) for n, m in sys.modules.items() if n.startswith("stdnum.") and getattr(m, "clean", None) is fast]
    try:
        for module, _clean in patched:
            module.clean = fast.original
        plain = read()
    finally:
        for module, clean in patched:
            module.clean = clean
    assert with_fast == plain
