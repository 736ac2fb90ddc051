"""Place names shared by company names and addresses (romanised Chinese names, countries, cities)."""

from __future__ import annotations

from .text import word_list, word_map

_ZH_PLACES = word_map("zh_places.json")

# Chinese place names as they are romanised in English spellings of the same name, so that
# `深圳ACME贸易有限公司` and `Shenzhen Acme Trading Co Ltd` meet. Each also with its
# administrative suffix (深圳市, 广东省, 南山区).
_CITIES = _ZH_PLACES["cities"]
_PROVINCES = _ZH_PLACES["provinces"]
_DISTRICTS = _ZH_PLACES["districts"]
_PLACES_ZH = {
    **_CITIES, **{k + "市": v for k, v in _CITIES.items()},
    **_PROVINCES, **{k + "省": v for k, v in _PROVINCES.items()},
    "中国": "china", "中华人民共和国": "china",
}
PLACE_WORDS = frozenset(
    set(_CITIES.values()) | set(_PROVINCES.values()) | set(_DISTRICTS.values())
    | word_list("place_words.txt")
)
_FUNCTION_WORDS = frozenset("and the of de del la le les des du der die das und y et en".split())
