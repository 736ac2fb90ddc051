"""Linkage: how shared identifiers link accounts -- comparisons, evidence, the audit engine, rules, graph."""
