"""The HTML pages linkcheck writes (the report, statements): one Jinja2 setup and CSP hashes."""

from __future__ import annotations

import base64
import hashlib
import html
from functools import lru_cache


@lru_cache(maxsize=None)
def page_template(package: str, name: str):
    """The template `name` in `package`'s templates/ folder, rendered with autoescape on.

    Jinja2 is imported here, not at the top: only a command that writes a page pays for it.
    Blocks are trimmed (a block tag alone on its line leaves nothing behind), undefined names
    fail, and quotes in text are escaped by html.escape (&quot;, &#x27;), as the pages always
    had them, not by autoescape's own spelling (&#34;, &#39;). Any other value goes on to
    autoescape as it is (text without quotes, numbers, and Markup: macros' output, scripts).
    """
    import jinja2
    from markupsafe import Markup

    def keep_entities(value):
        if value.__class__ is str and ('"' in value or "'" in value):
            return Markup(html.escape(value))
        return value

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=keep_entities,
    )
    return env.get_template(name)


def csp_hash(text: str) -> str:
    """A Content-Security-Policy source allowing exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"
