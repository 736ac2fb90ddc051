"""The statement as an HTML page: templates/statement.html.j2 rendered with Jinja2 (autoescape
on), its style static/statement.css inlined and allowed by hash, nothing else allowed."""

from __future__ import annotations

from importlib import resources
from types import SimpleNamespace

from ..pages import csp_hash, page_template
from .document import _Bullets, _Heading, _Meta, _Para, _Table

SIGNATURE_MARK = '<pre class="signature">\n'


def _style_text() -> str:
    # The style begins and ends on a line of its own inside <style>; the CSP hash covers it so.
    css = (resources.files(__package__) / "static" / "statement.css").read_text(encoding="utf-8")
    return "\n" + css.rstrip("\n") + "\n"


_STYLE_TEXT = _style_text()
# The statement page runs no script and loads nothing: its policy allows only its own style
# sheet (by hash), so even markup that got into the page could neither run nor fetch anything,
# nor restyle the page into something else.
STATEMENT_CSP = (
    "default-src 'none'; script-src 'none'; "
    f"style-src {csp_hash(_STYLE_TEXT)}; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)


def _template():
    return page_template(__package__, "statement.html.j2")


def _table_rows(table: _Table) -> list[list[SimpleNamespace]]:
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for i, lines in enumerate(row):
            css = ""
            if i == 0:
                pass
            elif table.values[i]:
                css = "value"
            elif table.results and i == len(row) - 1:
                css = "result" + {"shared": " result-shared", "distinct": " result-distinct"}.get(table.results[r], "")
            cells.append(SimpleNamespace(header=i == 0, css=css, lines=lines))
        rows.append(cells)
    return rows


def _view(blocks: list) -> tuple[list[SimpleNamespace], bool]:
    """The blocks as the template reads them; and whether a section is open at the end."""
    headings = [i for i, b in enumerate(blocks) if isinstance(b, _Heading)]
    out = []
    for index, block in enumerate(blocks):
        if isinstance(block, _Heading):
            out.append(SimpleNamespace(kind="heading", text=block.text, close=index > headings[0],
                                       last=index == headings[-1]))
        elif isinstance(block, _Meta):
            out.append(SimpleNamespace(kind="meta", entries=block.items))
        elif isinstance(block, _Para):
            out.append(SimpleNamespace(kind="para", text=block.text, css=block.css))
        elif isinstance(block, _Bullets):
            out.append(SimpleNamespace(kind="bullets", entries=block.items, css=block.css))
        elif isinstance(block, _Table):
            out.append(SimpleNamespace(kind="table", headers=block.headers, rows=_table_rows(block)))
    return out, bool(headings)


def render_html(title: str, blocks: list, lang: str, subject: str) -> tuple[str, str]:
    """(before, after): the page up to its <pre class="signature"> line, and the rest."""
    from markupsafe import Markup  # installed with Jinja2

    view, open_section = _view(blocks)
    page = _template().render(
        html_lang="zh-Hans" if lang == "zh" else "en",
        csp=Markup(STATEMENT_CSP),
        style=Markup(_STYLE_TEXT),
        title=title,
        subject=subject,
        blocks=view,
        open_section=open_section,
    )
    # Stored text is escaped, so "<pre" can come only from the template: its last one is the mark.
    cut = page.rindex(SIGNATURE_MARK) + len(SIGNATURE_MARK)
    return page[:cut], page[cut:]
