"""Company names: legal forms dropped, trade words in one spelling, Chinese names romanised."""

from __future__ import annotations

import re
from importlib import resources
from functools import lru_cache

from ..i18n import _
from ..lazy import lazy_pattern
from .person import _pinyin_word, _syllables
from .places import _FUNCTION_WORDS, _PLACES_ZH, PLACE_WORDS
from .text import _LETTER, Canonical, Rejected, _split_cjk, _text, _translate, _words, word_list, word_map

_ZH_COMPANY = word_map("zh_company.json")
_COMPANY_SPELLINGS = word_map("company_spellings.json")

_TRADE_ZH = _ZH_COMPANY["trade"]
# Legal forms become "ltd", which company folding then drops like every other legal form.
_LEGAL_ZH = _ZH_COMPANY["legal"]
_COMPANY_ZH = {**_PLACES_ZH, **_TRADE_ZH, **_LEGAL_ZH}
_COMPANY_ZH_WORDS = _words(_COMPANY_ZH)

# Legal forms dropped wherever they stand: never the distinctive part of a name.
LEGAL_FORMS = word_list("legal_forms.txt")
# Legal forms dropped only at the end (or, for a few, only at the start), where they cannot
# be a word of the name ("SA Trading"): normalize/data/legal_endings.txt, legal_prefixes.txt.


def _legal_list(name: str) -> tuple[tuple[str, ...], ...]:
    """A legal-form data file's forms as folded word tuples, longest first."""
    text = (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")
    forms = {
        tuple(_text(spelling.replace("+", "&")).split())
        for line in text.splitlines() if not line.lstrip().startswith("#")
        for spelling in line.split(" | ") if spelling.strip()
    }
    forms.discard(())
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


# "+" standing for "and": between spaces or between two words ("A+ Trading" keeps its grade).
_PLUS_AS_AND = re.compile(r"(?<=\s)\+(?=\s)|(?<=\w)\+(?=\w)")
_LEGAL_ENDINGS = _legal_list("legal_endings.txt")
_LEGAL_PREFIXES = _legal_list("legal_prefixes.txt")
_LEGAL_ENDINGS_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _form in _LEGAL_ENDINGS:
    _LEGAL_ENDINGS_BY_LAST.setdefault(_form[-1], []).append(_form)
# The prefixes by their first word, each word's in _LEGAL_PREFIXES' order: only those can match.
_LEGAL_PREFIXES_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _form in _LEGAL_PREFIXES:
    _LEGAL_PREFIXES_BY_FIRST.setdefault(_form[0], []).append(_form)
# Trade words: shared by countless unrelated companies, so never distinctive.
TRADE_WORDS = word_list("trade_words.txt")
_COMPANY_SYNONYMS = _COMPANY_SPELLINGS["synonyms"]
_COMPANY_PHRASES = _COMPANY_SPELLINGS["phrases"]
_COMPANY_PHRASE_WORDS = re.compile(
    "(?<!\\S)(" + "|".join(re.escape(p) for p in sorted(_COMPANY_PHRASES, key=len, reverse=True)) + ")(?!\\S)"
)
# The first word of each phrase: a phrase stands between spaces, so one of its words is its first.
_PHRASE_FIRST_WORDS = frozenset(p.split()[0] for p in _COMPANY_PHRASES)
# China's prefecture-level divisions (names only, romanised): a company registered in one
# writes it as a prefix (肇庆市X有限公司) or in brackets (X(肇庆)有限公司); either way it is
# the place, not the name. Recognised only so marked (with 市, or alone in brackets), since
# many are words too (三明 in 三明治, 白银 "silver").
_PREFECTURES: dict[str, str] = word_map("zh_prefectures.json")["prefectures"]
COMPANY_PLACES = PLACE_WORDS | frozenset(_PREFECTURES.values())
COMPANY_GENERIC = LEGAL_FORMS | TRADE_WORDS | COMPANY_PLACES | _FUNCTION_WORDS | frozenset(
    f for form in (*_LEGAL_ENDINGS, *_LEGAL_PREFIXES) for f in form
)


@lru_cache(maxsize=1)
def _prefecture_marked() -> re.Pattern:
    """A prefecture in brackets, or followed by 市 (not 市场 "market", 市民 "citizen").
    Compiled at the first Chinese company name, not at start-up."""
    names = "|".join(sorted(map(re.escape, _PREFECTURES), key=len, reverse=True))
    return re.compile(f"[(（]\\s*({names})(?:市|地区|州|盟)?\\s*[)）]|({names})市(?!场|民)")


def _prefecture_places(text: str) -> str:
    """`X(肇庆)有限公司` and `肇庆市X有限公司` with the city romanised and set apart as a word."""
    return _prefecture_marked().sub(lambda m: f" {_PREFECTURES[m.group(1) or m.group(2)]} ", text)


def company_tokens(text: str) -> list[str]:
    """A company name's words with legal forms removed and trade words in one spelling.

    `SHENZHEN ACME TRADING CO LTD`, `Shenzhen Acme Trading Company Limited` and
    `深圳ACME TRADING 有限公司` all give [shenzhen, acme, trading]. `+`, `&` and `and`
    are one word (`Smith + Jones`, `Smith & Jones`, `Smith and Jones`).
    """
    if "+" in text:
        text = _PLUS_AS_AND.sub("&", text)
    if not text.isascii():
        text = _prefecture_places(text)
    text = _split_cjk(_translate(_text(text), _COMPANY_ZH_WORDS, _COMPANY_ZH))
    tokens = [_COMPANY_SYNONYMS.get(t, t) for t in text.split()]
    tokens = [t for t in tokens if t not in LEGAL_FORMS]
    while tokens:
        for form in _LEGAL_ENDINGS_BY_LAST.get(tokens[-1], ()):
            if tuple(tokens[-len(form):]) == form:
                del tokens[-len(form):]
                break
        else:
            break
    while len(tokens) > 1:
        for form in _LEGAL_PREFIXES_BY_FIRST.get(tokens[0], ()):
            if len(tokens) > len(form) and tuple(tokens[:len(form)]) == form:
                del tokens[:len(form)]
                break
        else:
            break
    joined = " ".join(tokens)
    words = joined.split()  # (a synonym may be two words: `jinchukou` is `import export`)
    if len(words) < 2 or _PHRASE_FIRST_WORDS.isdisjoint(words):
        return words  # (no phrase begins at any of its words: nothing for the pattern to find)
    return _COMPANY_PHRASE_WORDS.sub(lambda m: _COMPANY_PHRASES[m.group(1)], joined).split()


def company_name(text: str) -> Canonical:
    """Canonical company name; equal names share a key that also ignores spacing
    (`AcmeHome Trading` is `Acme Home Trading`). A name whose distinctive words (all but
    places, trade words and legal forms) are Chinese characters, or read as pinyin, also
    carries the related key "py <brand in pinyin>" (`brand_pinyin`), so 深圳市鹏远科技有限公司
    and `Shenzhen Pengyuan Technology Co., Ltd.` meet, more weakly than the same name."""
    tokens = company_tokens(text)
    if not tokens:
        raise Rejected(_("no name besides the legal form"))
    value = " ".join(tokens)
    if not _LETTER.search(value):  # (a letter in a word is one in the words joined by spaces)
        raise Rejected(_("a company name has letters"))
    pinyin = brand_pinyin(tokens)
    related = (("company_name", PINYIN_MARK + pinyin),) if pinyin else ()
    return Canonical(value, key="".join(tokens), related=related)


# Places in China written in Latin letters (its provinces' and cities' names, its prefecture-level
# divisions, Hong Kong and Macau): a Latin name holding one is a Chinese company's romanised name,
# whose brand may be pinyin. Without one, an English word that happens to split into pinyin
# syllables (Panda, Nike, Human) is an English word, not a brand to read in pinyin.
CN_PLACES_LATIN = frozenset(_PLACES_ZH.values()) | frozenset(_PREFECTURES.values()) | frozenset(
    {"china", "chinese", "prc", "hongkong", "hong", "kong", "macau", "macao"})

# The related key of a company's brand in pinyin starts with this ("company_name:py pengyuan"),
# as a person's name's does (normalize.person.PINYIN_MARK).
PINYIN_MARK = "py "
_HAN_ONLY = lazy_pattern(globals(), "_HAN_ONLY", "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")  # (compiled when first used)


def brand_pinyin(tokens: list[str]) -> str | None:
    """A company's distinctive words (its brand: not a place, trade word or legal form) read
    in toneless pinyin, run together: "pengyuan" for [shenzhen, 鹏远, technology] and for
    [shenzhen, pengyuan, technology] (or [shenzhen, peng, yuan, technology]). None when the
    brand is neither Chinese characters only nor pinyin only, or in Latin letters without a
    place in China beside it (`Panda Technology Inc.`: CN_PLACES_LATIN), or is one syllable (鑫, `Xin`:
    a single syllable is shared by far too many brands to say anything), or over 4 syllables
    in characters / 4 words in Latin letters (a phrase, not a brand)."""
    brand = [t for t in tokens if t not in COMPANY_GENERIC]
    if not brand or len(brand) > 4:
        return None
    joined = "".join(brand)
    if joined.isascii() and "" not in brand:
        # In Latin letters: pinyin only with a Chinese place beside it (else an English name),
        # and more than one syllable.
        if not joined.isalpha() or CN_PLACES_LATIN.isdisjoint(tokens) or joined in _syllables() \
                or not all(map(_pinyin_word, brand)):
            return None
        return joined
    if all(_HAN_ONLY.fullmatch(t) for t in brand):
        chars = "".join(brand)
        if not 2 <= len(chars) <= 4:
            return None
        from pypinyin import lazy_pinyin  # only Chinese company names pay for it

        return "".join(lazy_pinyin(chars))
    return None  # (mixed scripts; a brand in Latin letters only was answered above)
