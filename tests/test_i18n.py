"""Catalogs: every language says everything, with the same placeholders; the loader and the
formatting refuse what would put a wrong or missing word in front of a reader."""

from __future__ import annotations

import pytest

from linkcheck import i18n
from linkcheck.errors import UsageError


def test_the_installed_catalogs_are_complete_in_every_language():
    assert "statement" in i18n.domains()
    for domain in i18n.domains():
        assert i18n.domain_problems(domain) == [], domain
        for lang in i18n.LANGS:
            assert set(i18n.entries(domain, lang)) == set(i18n.entries(domain, i18n.SOURCE_LANG))


def test_a_key_without_chinese_text_is_a_problem():
    catalogs = {"en": {"title": "Title", "intro": "Hello {name}."}, "zh": {"title": "标题"}}
    assert i18n.problems(catalogs) == ["zh: no text for 'intro'"]
    catalogs["zh"]["intro"] = "   "
    assert i18n.problems(catalogs) == ["zh: no text for 'intro'"]


def test_a_key_only_in_chinese_is_a_problem():
    catalogs = {"en": {"title": "Title"}, "zh": {"title": "标题", "stray": "多余"}}
    assert i18n.problems(catalogs) == ["zh: 'stray' is not in the en catalog"]


def test_placeholders_that_differ_between_languages_are_a_problem():
    catalogs = {
        "en": {"a": "{count} checks from {first} to {last}", "b": "{{literal}} {n}"},
        "zh": {"a": "{first} 至 {last} 共 {cuont} 次", "b": "{{字面}} {n}"},
    }
    assert i18n.problems(catalogs) == [
        "zh: 'a' has placeholders ['cuont', 'first', 'last'], en has ['count', 'first', 'last']"
    ]


def test_placeholders_are_the_names_in_braces():
    assert i18n.placeholders("{a} and {b!r} and {c:.0f} and {{not}}") == {"a", "b", "c"}
    assert i18n.placeholders("no placeholder") == frozenset()


def test_a_catalog_file_must_be_flat_text():
    assert i18n.parse('a = "x"\nb = """\\\n  long \\\n  text"""\n', "t.toml") == {"a": "x", "b": "long text"}
    with pytest.raises(ValueError, match=r"t\.toml: entries must be text.*: n, t"):
        i18n.parse('n = 3\n[t]\nx = "y"\n', "t.toml")
    with pytest.raises(ValueError, match=r"t\.toml: not TOML"):
        i18n.parse('a = "unterminated\n', "t.toml")


def test_catalog_formats_with_values_and_refuses_a_missing_one():
    en = i18n.catalog("statement", "en")
    zh = i18n.catalog("statement", "zh")
    assert en("more_values", n=3) == "+3 more"
    assert zh("more_values", n=3) == "另有 3 项"
    assert en("title") == "Statement of account separation"
    assert "s_active" in zh and "s_unknown" not in zh
    with pytest.raises(KeyError, match="first, last"):
        en("history_period", when="2026-01-01")


def test_language_selection():
    assert i18n.check_lang("ZH") == "zh"
    assert i18n.check_lang(None) == i18n.DEFAULT_LANG == "en"
    with pytest.raises(UsageError, match=r"unknown language 'fr'; use one of: en, zh"):
        i18n.check_lang("fr")

