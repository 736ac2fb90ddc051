"""The statement written as text, Markdown, HTML or JSON, and signed.

Each writer returns (before, after): the signature block goes between them, and the signed
content is exactly before + after."""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..i18n import _
from ..errors import UsageError
from ..safetext import visible
from . import signing
from .document import _Bullets, _Heading, _Meta, _Para, _Table, _Value, _document, statement_to_json
from .statement import FORMATS, Statement


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"  # CJK, full-width forms and punctuation
_TOKEN_RE = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")


_NO_LINE_START = frozenset("，。、；：！？）」』》”’…,.;:!?)")


def _wrap(text: str, width: int = 78, indent: str = "", first: str = "") -> list[str]:
    """Wrap by display width: words stay whole, Chinese may break between any two characters."""
    first = first or indent
    if not any(_width(ch) == 2 for ch in text):
        return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    lines: list[str] = []
    line = first
    for token in _TOKEN_RE.findall(text):
        if token.isspace():
            if line.strip():
                line += " "
            continue
        if _width(line) + _width(token) > width and line.strip() and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = indent
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _text_table(table: _Table) -> list[str]:
    widths = [_width(h) for h in table.headers]
    for row in table.rows:
        for i, cell in enumerate(row):
            widths[i] = max([widths[i]] + [_width(str(line)) for line in cell])
    out = [" | ".join(_pad(h, widths[i]) for i, h in enumerate(table.headers)).rstrip()]
    out.append("-+-".join("-" * w for w in widths))
    for row in table.rows:
        height = max(len(cell) for cell in row)
        for n in range(height):
            out.append(
                " | ".join(
                    _pad(str(cell[n]) if n < len(cell) else "", widths[i]) for i, cell in enumerate(row)
                ).rstrip()
            )
    return out


def _render_text(title: str, blocks: list) -> tuple[str, str]:
    lines = [title, "=" * max(_width(title), 10), ""]
    for block in blocks:
        if isinstance(block, _Heading):
            lines += [block.text, "-" * max(_width(block.text), 4)]
        elif isinstance(block, _Meta):
            label_width = max(_width(label) for label, _ in block.items) + 1
            for label, values in block.items:
                for i, value in enumerate(values):
                    head = _pad(label, label_width) if i == 0 else " " * label_width
                    lines.append(head + value)
            lines.append("")
        elif isinstance(block, _Para):
            lines += _wrap(block.text)
            lines.append("")
        elif isinstance(block, _Bullets):
            for item in block.items:
                lines += _wrap(item, indent="  ", first="- ")
            lines.append("")
        elif isinstance(block, _Table):
            lines += _text_table(block)
            lines.append("")
    return "\n".join(lines) + "\n", ""


def _md_text(text: str) -> str:
    """Escape Markdown's inline syntax in plain text."""
    return re.sub(r"([\\`*_{}\[\]<>#|~])", r"\\\1", text)


def _md_code(text: str) -> str:
    ticks = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md_line(line: str | _Value) -> str:
    if not isinstance(line, _Value):
        return _md_text(line)
    code = _md_code(line.masked).replace("|", "\\|")
    return f"{_md_text(line.label)}{line.colon}{code}" if line.label else code


def _render_markdown(title: str, blocks: list) -> tuple[str, str]:
    lines = [f"# {_md_text(title)}", ""]
    for block in blocks:
        if isinstance(block, _Heading):
            lines += [f"## {_md_text(block.text)}", ""]
        elif isinstance(block, _Meta):
            for label, values in block.items:
                lines.append(f"**{_md_text(label)}** " + " · ".join(_md_text(v) for v in values) + "  ")
            lines[-1] = lines[-1].rstrip()
            lines.append("")
        elif isinstance(block, _Para):
            text = _md_text(block.text)
            lines += [f"*{text}*" if block.css == "note" else text, ""]
        elif isinstance(block, _Bullets):
            lines += [f"- {_md_text(item)}" for item in block.items]
            lines.append("")
        elif isinstance(block, _Table):
            lines.append("| " + " | ".join(_md_text(h) for h in block.headers) + " |")
            lines.append("|" + "|".join("---" for _ in block.headers) + "|")
            for row in block.rows:
                cells = []
                for cell in row:
                    cells.append("<br>".join(_md_line(line) for line in cell))
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    lines.append("```text")
    return "\n".join(lines) + "\n", "```\n"


def render_statement(st: Statement, fmt: str, key: Ed25519PrivateKey) -> str:
    """The statement in `fmt`, signed with `key` (this store's signing key)."""
    if fmt not in FORMATS:
        raise UsageError(_("unknown format {fmt!r}; use one of: {items}", fmt=fmt, items=', '.join(FORMATS)))
    if fmt == "json":
        doc = statement_to_json(st)
        doc["signature"] = signing.json_signature(doc, key)
        # visible(): the same JSON value, with any control character written as an escape.
        return visible(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"
    title, blocks = _document(st, signing.fingerprint(signing.public_key_bytes(key)))
    if fmt == "text":
        before, after = _render_text(title, blocks)
    elif fmt == "markdown":
        before, after = _render_markdown(title, blocks)
    else:
        from .render_html import render_html  # Jinja2 only for an HTML statement

        before, after = render_html(title, blocks, st.lang, st.subject.name)
    # Stored text (a note, a marketplace) never carries a terminal escape or a bidi override
    # into a statement someone may `cat` or open: control characters are shown as \uXXXX.
    before, after = visible(before), visible(after)
    return signing.sign_text(before, after, key)
