"""The registry: the only place a kind's and a facet's meaning is written.

`kinds` (one entry per attribute kind: normaliser, facets, mask, labels, category), `facets`
(what sharing each match key means: level, family, reasons, labels, fuzzy comparison), `masks`
(how values are shown) and `regions` (marketplaces -> countries).
"""

from __future__ import annotations

from .facets import (
    AROUND_FACETS, BLOCKING_PREFIX, CONTEXT, FACET_NAMES, FACETS, NETWORK_FACETS, Facet, FuzzyDefault, facet_labels,
)
from .kinds import (
    CATEGORIES, CATEGORY_WORDS, KIND_NAMES, KINDS, SECRET_KINDS, Kind, ParsedValue, get_kind, mask, parse_value,
)
from .regions import region_for_marketplace

__all__ = [
    "AROUND_FACETS", "BLOCKING_PREFIX", "CATEGORIES", "CATEGORY_WORDS", "CONTEXT", "FACETS", "FACET_NAMES",
    "KINDS", "KIND_NAMES", "NETWORK_FACETS", "SECRET_KINDS", "Facet", "FuzzyDefault", "Kind", "ParsedValue",
    "facet_labels", "get_kind", "mask", "parse_value", "region_for_marketplace",
]
