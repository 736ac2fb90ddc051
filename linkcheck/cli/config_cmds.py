"""Commands for the settings file: config list, get, set, unset, path."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..i18n import N_, _, translate
from .. import settings
from ..errors import InvalidInput
from .options import echo_err
from .output import format_option, render_json, render_rows

KEYS_HELP = ", ".join(settings.KEYS)
# The table's headings and where a value comes from, in the interface language (JSON and CSV
# keep the English words scripts read).
HEADINGS = (N_("key"), N_("value"), N_("source"), N_("from"))
SOURCES = (N_("environment"), N_("settings file"), N_("default"))


def _row(resolved: settings.Resolved) -> dict:
    s = settings.SETTINGS[resolved.key]
    return {
        "key": resolved.key,
        "value": resolved.value,
        "source": resolved.source,
        "from": resolved.origin,
        "env": s.env,
        "help": s.help,
    }


@click.group("config")
def config():
    """Settings that stick: defaults for options you would otherwise repeat.

    Kept in settings.toml in your config folder (`linkcheck config path`).
    For every setting, a command-line option wins over the environment
    variable, which wins over the settings file, which wins over the
    built-in default; `config list` shows which one applies.

    \b
    Settings: computer, format, lang, operator, proxy, public_ip, region, rules, store.

    \b
    Examples:
      linkcheck config set region CN
      linkcheck config set format json
      linkcheck config list
      linkcheck config get store
      linkcheck config unset region
    """


@config.command("list")
@format_option()
def config_list(fmt):
    """Every setting, its value, and where the value comes from.

    \b
    Examples:
      linkcheck config list
      linkcheck config list --format json
    """
    rows = [_row(r) for r in settings.resolve_all()]
    if fmt == "json":
        click.echo(render_json({"settings_file": str(settings.settings_path()), "settings": rows}))
        return
    if fmt == "table":
        for row in rows:
            row["value"] = "" if row["value"] is None else row["value"]
            if row["source"] == "default":  # the default in words; a path or a variable stays as it is
                row["from"] = translate(row["from"])
            row["source"] = translate(row["source"])
    click.echo(render_rows(rows, fmt, ["key", "value", "source", "from"] + (["env"] if fmt == "csv" else [])))


@config.command("get")
@click.argument("key", metavar="KEY")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text: the value alone (the `format` setting does not apply, for scripts); json: the value and "
    "where it comes from.",
)
def config_get(key, fmt):
    """Print the value of setting KEY (nothing when it has none).

    \b
    Examples:
      linkcheck config get region
      linkcheck config get store --format json
    """
    resolved = settings.resolve(key)
    if fmt == "json":
        click.echo(render_json(_row(resolved)))
    elif resolved.value is not None:
        click.echo(resolved.value)


@config.command("set")
@click.argument("key", metavar="KEY")
@click.argument("value")
def config_set(key, value):
    """Keep VALUE as setting KEY in the settings file.

    \b
    Examples:
      linkcheck config set region CN
      linkcheck config set public_ip auto
      linkcheck config set proxy http://127.0.0.1:7890
      linkcheck config set rules ~/linkcheck-rules.toml
      linkcheck config set operator "Acme Home LLC"
    """
    name, kept = settings.prepare(key, value)
    if name == "store":
        from ..store.postgres import has_password, is_team_url

        if is_team_url(kept) and has_password(kept):
            # Not kept, not echoed: the settings file and this command's output are not for secrets.
            raise InvalidInput(_("refusing to keep a database password in the store setting (the settings file and "
                                 "messages would show it): take it out of the URL and keep it in ~/.pgpass (or the "
                                 "file PGPASSFILE names), or connect over a Unix socket that needs none"))
    if name == "rules":
        from ..linkage.rules import load_rules

        load_rules(Path(kept))  # a rules file that does not load is refused now, not at the next audit
    settings.set_value(name, kept)
    click.echo(_("{name} = {kept}  (in {settings_path})", name=name, kept=kept, settings_path=settings.settings_path()))
    env = settings.SETTINGS[name].env
    if os.environ.get(env):
        echo_err(_("note: ${env} is set in this environment and wins over the settings file", env=env))


@config.command("unset")
@click.argument("key", metavar="KEY")
def config_unset(key):
    """Remove setting KEY from the settings file (its default applies again).

    \b
    Examples:
      linkcheck config unset region
    """
    name, removed = settings.unset_value(key)
    if removed:
        click.echo(_("Removed {name} from {settings_path}", name=name, settings_path=settings.settings_path()))
    else:
        click.echo(_("{name} is not in {settings_path}; nothing to remove", name=name, settings_path=settings.settings_path()))


@config.command("path")
def config_path():
    """Print where the settings file is (it may not exist yet).

    \b
    Examples:
      linkcheck config path
    """
    click.echo(str(settings.settings_path()))


def register(group: click.Group) -> None:
    group.add_command(config)
