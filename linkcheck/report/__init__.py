"""The HTML audit report: builder.py (the data and the page), templates/ (the page, Jinja2 with
autoescape), static/ (its style and script, and the vendored graph library)."""

from .builder import COSE_MAX_NODES, Headline, build_report, decode, headline, report_data

__all__ = ["COSE_MAX_NODES", "Headline", "build_report", "decode", "headline", "report_data"]
