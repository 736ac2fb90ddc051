"""Wrap the user-facing English literals of some files in `_()` / `N_()` (linkcheck/i18n.py).

    python tools/wrap_messages.py linkcheck/cli/new_cmds.py linkcheck/newthing.py

For merging a branch that added messages the way the code used to write them: an f-string or
literal given to click.echo/secho/prompt/confirm, echo_err or a LinkcheckError (or click
exception; for InvalidValue its reason) becomes `_("template {name}", name=expr)`; an f-string
`help=` becomes `N_(...)`, and so does a module constant used as `help=`/`epilog=`. Placeholder
names come from the expressions (`{result.account}` -> `{account}`, `{len(x)}` -> `{n}`): read
the diff and rename any that read badly. It warns where a function also assigns `_` (rename
that throwaway: Python would make `_` local to the function) and where an English plural is
glued from pieces (`'s' if n != 1`: write two messages). Then `python
tests/test_i18n_messages.py` prints the catalog stubs to fill in. Run from the repository's root.
"""

from __future__ import annotations

import ast
import json
import pathlib
import re
import sys

PACKAGE = pathlib.Path("linkcheck")
ECHO = {"echo", "secho", "echo_err", "prompt", "confirm"}
WORDS = re.compile("[A-Za-z]{2}")


def error_classes() -> set[str]:
    """LinkcheckError, click's exceptions, and every subclass defined in the package."""
    names = {"LinkcheckError", "ClickException", "BadParameter", "UsageError", "Rejected"}
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")]
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", None) for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def has_words(node: ast.expr) -> bool:
    parts = [node] if isinstance(node, ast.Constant) else getattr(node, "values", [])
    return any(isinstance(p, ast.Constant) and isinstance(p.value, str) and WORDS.search(p.value) for p in parts)


def placeholder_name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr.lstrip("_")
    if isinstance(expr, ast.Subscript):
        return placeholder_name(expr.value)
    if isinstance(expr, ast.Call):
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "len":
            return "n"
        if name == "join":
            return "items"
        if name in ("str", "repr", "int", "round", "abs") and expr.args:
            return placeholder_name(expr.args[0])
        return name.lstrip("_") or "value"
    return "n" if isinstance(expr, ast.BinOp) else "value"


def template(node: ast.expr) -> tuple[str, list[tuple[str, str]]]:
    """The str.format template of a literal or f-string, and its (name, expression) values."""
    if isinstance(node, ast.Constant):
        return node.value, []
    parts: list[str] = []
    values: list[tuple[str, str]] = []
    named: dict[str, str] = {}
    for part in node.values:  # type: ignore[attr-defined]
        if isinstance(part, ast.Constant):
            parts.append(part.value.replace("{", "{{").replace("}", "}}"))
            continue
        source = ast.unparse(part.value)
        if source not in named:
            base = name = placeholder_name(part.value)
            number = 2
            while name in {n for n, _expr in values}:
                name, number = f"{base}{number}", number + 1
            named[source] = name
            values.append((name, source))
        conversion = {115: "!s", 114: "!r", 97: "!a"}.get(part.conversion, "")
        spec = ""
        if part.format_spec is not None:
            if not all(isinstance(x, ast.Constant) for x in part.format_spec.values):
                raise ValueError(f"line {node.lineno}: a computed format spec; wrap this one by hand")
            spec = ":" + "".join(x.value for x in part.format_spec.values)
        parts.append("{" + named[source] + conversion + spec + "}")
    return "".join(parts), values


def call(function: str, node: ast.expr) -> str:
    text, values = template(node)
    return f"{function}(" + ", ".join([json.dumps(text, ensure_ascii=False)] + [f"{n}={e}" for n, e in values]) + ")"


def process(path: pathlib.Path, errors: set[str]) -> bool:
    source = path.read_text(encoding="utf-8")
    data = source.encode()
    tree = ast.parse(source)
    line_starts, offset = [], 0
    for line in source.splitlines(keepends=True):
        line_starts.append(offset)
        offset += len(line.encode())

    def span(node: ast.expr) -> tuple[int, int]:
        return (line_starts[node.lineno - 1] + node.col_offset,
                line_starts[node.end_lineno - 1] + node.end_col_offset)  # type: ignore[index]

    edits: list[tuple[int, int, str]] = []
    help_constants: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name in ("_", "N_"):
            continue
        at = 1 if name == "InvalidValue" else 0
        if (name in ECHO or name in errors) and len(node.args) > at and has_words(node.args[at]):
            text = call("_", node.args[at])
            if re.search(r"""['"]s['"] if""", text):
                print(f"WARNING {path}:{node.lineno}: an English plural glued from pieces; write two messages")
            edits.append((*span(node.args[at]), text))
        for keyword in node.keywords:
            if keyword.arg in ("help", "prompt", "epilog") and isinstance(keyword.value, ast.JoinedStr):
                edits.append((*span(keyword.value), call("N_", keyword.value)))
            if keyword.arg in ("help", "epilog") and isinstance(keyword.value, ast.Name):
                help_constants.add(keyword.value.id)
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in help_constants and isinstance(node.value, (ast.Constant, ast.JoinedStr))):
            start, end = span(node.value)
            wrapped = ("N_(" + data[start:end].decode() + ")" if isinstance(node.value, ast.Constant)
                       else call("N_", node.value))
            edits.append((start, end, wrapped))
    if not edits:
        return False
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text.encode() + data[end:]
    out = data.decode()
    if "i18n import" not in out:
        needed = [n for n in ("N_", "_") if re.search(rf"(?<![\w.]){n}\(", out)]
        dots = "." * len(path.relative_to(PACKAGE).parts)
        lines = out.splitlines(keepends=True)
        module = ast.parse(out)
        relative = [n.lineno - 1 for n in module.body if isinstance(n, ast.ImportFrom) and n.level > 0]
        imports = [n.end_lineno for n in module.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        at_line = relative[0] if relative else (imports[-1] if imports else 0)
        lines.insert(at_line, f"from {dots}i18n import {', '.join(needed)}\n")  # type: ignore[arg-type]
        out = "".join(lines)
    for function in ast.walk(ast.parse(out)):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assigned = [n.lineno for n in ast.walk(function)
                        if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)]
            if assigned:
                print(f"WARNING {path}:{assigned[0]}: {function.name} assigns `_`; rename that throwaway")
    path.write_text(out, encoding="utf-8")
    return True


if __name__ == "__main__":
    classes = error_classes()
    for arg in sys.argv[1:]:
        print(arg, "changed" if process(pathlib.Path(arg), classes) else "nothing to wrap")
