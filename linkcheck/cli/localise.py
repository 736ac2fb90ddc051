"""The interface language applied to click: help texts, click's own words, wide-character wrapping.

Help (command docstrings, option help, epilogs) stays English in the code, as click reads it;
`localise` swaps in the catalog's text when a command is loaded (the English is kept on the
command, so the next invocation in the same process can switch back). click's own words
("Usage:", "Options:", "Missing argument ...") go through click's module-level gettext `_`,
which `patch_click` points at the catalog. Chinese help is wrapped by display width (a Chinese
character is two columns), not by character count as click does.
"""

from __future__ import annotations

import re

import click
import click.formatting

from ..i18n import SOURCE_LANG, Deferred, deferred, message_key, messages, translate
from ..lazy import lazy_pattern

# Runs of wide characters may break anywhere; other text only at white space. (This module's
# patterns serve Chinese help and are compiled when first used: every command imports it.)
_WIDE = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_TOKEN = lazy_pattern(globals(), "_TOKEN", rf"\s+|[^\s{_WIDE}]+|.")
_WIDE_GAP = lazy_pattern(globals(), "_WIDE_GAP", rf"(?<=[{_WIDE}　-〿])\s+(?=[{_WIDE}　-〿])")
_NO_LINE_END = set("（《「『【([")
_NO_LINE_START = set("，。、；：！？）》」』】,.;:!?)]")


def _width(text: str) -> int:
    if text.isascii() and text.isprintable():
        return len(text)  # wcswidth's answer, without importing wcwidth (5-15 ms of CPU)
    from wcwidth import wcswidth

    w = wcswidth(text)
    return len(text) if w < 0 else w


def wrap_line(text: str, width: int) -> list[str]:
    """One paragraph as lines of at most WIDTH display columns (wide characters count two)."""
    lines: list[str] = []
    line: list[str] = []  # tokens, a " " between words
    space = False
    # A line break between two wide characters is no space (Chinese is written without them).
    text = _WIDE_GAP.sub("", text)
    for token in _TOKEN.findall(" ".join(text.split())):
        if token.isspace():
            space = bool(line)
            continue
        piece = ([" "] if space else []) + [token]
        if line and _width("".join(line + piece)) > width:
            carried: list[str] = []
            if token in _NO_LINE_START and len(line) > 1:  # no 。or ）at a line's start: take a word along
                carried = [line.pop()]
                while carried[0] in _NO_LINE_START and len(line) > 1:  # ）。: the word before both
                    carried.insert(0, line.pop())
            while len(line) > 1 and line[-1] in _NO_LINE_END:  # no （ at a line's end
                carried.insert(0, line.pop())
            lines.append("".join(line).rstrip())
            line = [t for t in carried if not t.isspace()]
            piece = [token]
        line += piece
        space = False
    if line:
        lines.append("".join(line))
    return lines


def wrap_wide(text: str, width: int, indent: str = "") -> str:
    """click's wrap_text(preserve_paragraphs=True), by display width: paragraphs apart by a blank
    line, a paragraph whose first line is \\b kept as written."""
    out = []
    for para in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
        lines = para.splitlines()
        if lines and lines[0].strip() == "\b":
            out.append("\n".join(indent + line for line in lines[1:]))
        else:
            out.append("\n".join(indent + line for line in wrap_line(para, max(width - len(indent), 10))))
    return "\n\n".join(out)


def _has_wide(text: str) -> bool:
    return re.search(f"[{_WIDE}]", text) is not None


_ZH_DEFAULT_PARENS = lazy_pattern(globals(), "_ZH_DEFAULT_PARENS", r"\[默认：\((.*?)\)\]")
_ZH_GAP_BEFORE_EXTRA = lazy_pattern(globals(), "_ZH_GAP_BEFORE_EXTRA", r"(?<=[。）])\s+(?=\[(?:默认|必填|x))")


class WideHelpFormatter(click.HelpFormatter):
    """click's help formatter, measuring Chinese text by display width."""

    def write_heading(self, heading: str) -> None:
        if not _has_wide(heading):
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        if not _has_wide(text):
            return super().write_text(text)
        self.write(wrap_wide(text, self.width, " " * self.current_indent))
        self.write("\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        # click writes a default given in words as "(table)": Chinese help shows it as "[默认：table]".
        rows = [(first, _ZH_GAP_BEFORE_EXTRA.sub("", _ZH_DEFAULT_PARENS.sub(r"[默认：\1]", second)))
                for first, second in rows]
        if not any(_has_wide(first) or _has_wide(second) for first, second in rows):
            return super().write_dl(rows, col_max, col_spacing)
        # The first column by display width too: "--store 路径" is 12 columns, not 10 characters.
        first_col = min(max((_width(r[0]) for r in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_wide(second, max(self.width - first_col - 2 - self.current_indent, 10)).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class LinkcheckContext(click.Context):
    formatter_class = WideHelpFormatter


def _short_help(text: str) -> str:
    """The first sentence of a translated help text: what `linkcheck --help` lists."""
    first = message_key(text.replace("\b", ""))
    for stop in ("。", "；", ". "):
        if stop in first:
            return first.split(stop, 1)[0] + ("。" if stop == "。" else "")
    return first


def _text(text: str, lang: str) -> str:
    found = text if isinstance(text, Deferred) else deferred(text)
    if found is not None:
        return found.render(lang)
    return text if lang == SOURCE_LANG else translate(text, lang)


def _path_name(kind: click.Path) -> str:
    """The English name click gives a path parameter (its own, read at declaration, is in
    whatever language was current then)."""
    if kind.file_okay and not kind.dir_okay:
        return "file"
    if kind.dir_okay and not kind.file_okay:
        return "directory"
    return "path"


def localise(cmd: click.Command, lang: str) -> None:
    """Put CMD's help (and its subcommands' and options') in LANG; English is kept to go back to."""
    saved = cmd.__dict__.setdefault("_linkcheck_en", {"help": cmd.help, "short_help": cmd.short_help,
                                                      "epilog": cmd.epilog})
    cmd.context_class = LinkcheckContext
    if "_help_option" in cmd.__dict__:
        cmd._help_option = None  # click makes --help (and its text) once; again, in this language
    en = lang == SOURCE_LANG
    cmd.help = saved["help"] and _text(saved["help"], lang)
    cmd.epilog = saved["epilog"] and _text(saved["epilog"], lang)
    cmd.short_help = saved["short_help"]
    if not en and cmd.short_help is None and cmd.help and cmd.help != saved["help"]:
        cmd.short_help = _short_help(cmd.help)
    for param in cmd.params:
        kept = param.__dict__.setdefault("_linkcheck_en", {"help": getattr(param, "help", None),
                                                           "prompt": getattr(param, "prompt", None)})
        for attr in ("help", "prompt"):
            if isinstance(kept[attr], str):
                setattr(param, attr, _text(kept[attr], lang))
        if isinstance(param.type, click.Path):
            # click names the kind of path ("file", "directory") when the option is declared,
            # before any language is chosen, and puts it in its errors: "File 'x' does not exist."
            param.type.name = _path_name(param.type) if en else translate(_path_name(param.type), lang)
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            localise(sub, lang)


def _click_gettext(text: str) -> str:
    return translate(text)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


_ERROR_PREFIX = "错误："
# click glues its error sentences with English punctuation: "缺少参数 'NAME'." and
# "没有选项 '--x'。 你是不是想用…", "'table', 'json', 'csv'".
_ZH_STOP = lazy_pattern(globals(), "_ZH_STOP", r"(?<=['\"）)\u4e00-\u9fff])\.(?=\s|$)")
_ZH_GAP = lazy_pattern(globals(), "_ZH_GAP", r"(?<=[。？！；：])\s+")
_ZH_QUOTED_LIST = lazy_pattern(globals(), "_ZH_QUOTED_LIST", r"(?<=')\s*,\s*(?=')")


def zh_error_punctuation(line: str) -> str:
    """One of click's error lines as Chinese writes it (a no-op on anything but `错误：…`)."""
    if not line.startswith(_ERROR_PREFIX):
        return line
    return _ZH_QUOTED_LIST.sub("、", _ZH_GAP.sub("", _ZH_STOP.sub("。", line)))


def _click_error_echo(message=None, *args, **kwargs):
    if isinstance(message, str) and message.startswith(_ERROR_PREFIX):
        message = zh_error_punctuation(message)
    return click.echo(message, *args, **kwargs)


def patch_click() -> None:
    """click's own messages through the catalog (click calls gettext through a module global `_`)."""
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]
    import click.exceptions

    click.exceptions.echo = _click_error_echo  # type: ignore[attr-defined]


__all__ = ["LinkcheckContext", "localise", "messages", "patch_click", "wrap_wide"]
