"""The CLI's language: English, or Chinese (中文) with `--lang zh`, ORDERHUB_LANG=zh or a
Chinese locale (LC_ALL / LC_MESSAGES / LANG = zh_CN.UTF-8 ...).

One catalogue, `cli/i18n_zh.py`, keyed by the English text with its whitespace collapsed
(the docstring or help string as written in the command's module), its domain terms from
the project glossary. `t(text)` translates a message; `localise(command)` translates a
click command tree's help in place (commands, options, arguments) together with click's
and typer's own words (Usage, Options, "Missing option" ...). An English text with no entry
stays English: tests/e2e/test_cli_i18n.py fails on any help text without one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

LANGUAGES = ("en", "zh")
_chosen: str | None = None


def normalise(text: str) -> str:
    """The catalogue key of `text`: its words separated by single spaces."""
    return " ".join(text.split())


def language_from(args: list[str] | None = None) -> str:
    """`--lang X` / `--lang=X` in `args` (before `--`), else ORDERHUB_LANG, else the
    locale; "zh" or "en"."""
    for i, arg in enumerate(args or []):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and i + 1 < len(args or []):
            value = (args or [])[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None:
            return "zh" if value.lower().startswith("zh") else "en"
    env = os.environ.get("ORDERHUB_LANG")
    if env:
        return "zh" if env.lower().startswith("zh") else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def hoist(args: list[str]) -> list[str]:
    """`args` with every `--lang X` / `--lang=X` (before `--`) taken out and the last one
    put first, where the root command reads it: `orderhub order list --lang zh` means
    `orderhub --lang zh order list`, for every command (a command's own options never
    include it). A `--lang` with no value is left where it is, for its usage error."""
    out: list[str] = []
    chosen: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out.extend(args[i:])
            break
        if arg == "--lang" and i + 1 < len(args):
            chosen, i = args[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            chosen, i = arg.split("=", 1)[1], i + 1
            continue
        out.append(arg)
        i += 1
    return out if chosen is None else [f"--lang={chosen}", *out]


def set_language(lang: str) -> None:
    global _chosen
    _chosen = "zh" if lang.lower().startswith("zh") else "en"


def language() -> str:
    """The language chosen for this run (set by the root command), else from the
    environment."""
    return _chosen or language_from()


@cache
def catalog() -> dict[str, str]:
    from orderhub.cli.i18n_zh import CATALOG

    return {normalise(k): v for k, v in CATALOG.items()}


def lookup(text: str) -> str | None:
    """The Chinese for `text`, or None when the catalogue has none."""
    return catalog().get(normalise(text))


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    from orderhub.cli.i18n_zh import PATTERNS

    return [(re.compile(rx, re.DOTALL), zh) for rx, zh in PATTERNS]


def translate_message(text: str) -> str:
    """A whole message in Chinese: its catalogue entry, else the first pattern that
    matches it (its variable parts translated in turn), else unchanged."""
    found = lookup(text)
    if found is not None:
        return found
    for rx, zh in _patterns():
        m = rx.fullmatch(text.strip())
        if m:
            return zh.format(*(translate_message(g) if g else "" for g in m.groups()))
    return text


def t(text: str, **values: Any) -> str:
    """`text` in the CLI's language (English when untranslated), formatted with
    `values` when given (a template is looked up before it is formatted)."""
    out = text
    if language() == "zh" and text:
        out = (lookup(text) or text) if values else translate_message(text)
    return out.format(**values) if values else out


_FRAMEWORK_ORIGINALS: dict[str, str] = {}
_RICH_CONSTANTS = ("DEPRECATED_STRING", "DEFAULT_STRING", "ENVVAR_STRING",
                   "REQUIRED_LONG_STRING", "ARGUMENTS_PANEL_TITLE", "OPTIONS_PANEL_TITLE",
                   "COMMANDS_PANEL_TITLE", "ERRORS_PANEL_TITLE", "ABORTED_TEXT", "RICH_HELP")


def _framework_gettext(message: str) -> str:
    return t(message)


def apply_framework_language() -> None:
    """typer's own words in the chosen language: its panel titles (module constants),
    the messages it passes through gettext, and the "Usage:" prefix."""
    import typer.core
    import typer.rich_utils as ru
    from typer._click import formatting

    for name in _RICH_CONSTANTS:
        value = getattr(ru, name, None)
        if isinstance(value, str):
            original = _FRAMEWORK_ORIGINALS.setdefault(name, value)
            setattr(ru, name, t(original))
    for module in (typer.core, ru):
        if hasattr(module, "_"):
            module._ = _framework_gettext  # type: ignore[attr-defined]
    if not getattr(ru.rich_format_error, "_orderhub", False):
        format_error = ru.rich_format_error

        def localised_error(error: Any) -> None:
            original = error.format_message
            error.format_message = lambda: t(original())
            format_error(error)

        localised_error._orderhub = True  # type: ignore[attr-defined]
        ru.rich_format_error = localised_error  # type: ignore[assignment]
    if not getattr(formatting.HelpFormatter.write_usage, "_orderhub", False):
        write_usage = formatting.HelpFormatter.write_usage

        def localised_usage(self: Any, prog: str, args: str = "",
                            prefix: str | None = None) -> None:
            write_usage(self, prog, args, t("Usage: ") if prefix is None else prefix)

        localised_usage._orderhub = True  # type: ignore[attr-defined]
        formatting.HelpFormatter.write_usage = localised_usage  # type: ignore[method-assign]


def help_texts(command: Any, path: str = "orderhub") -> Iterator[tuple[str, Any, str, str]]:
    """Every help text in a click command tree: (command path, object, attribute, text)."""
    import typer

    for attr in ("help", "short_help"):
        text = getattr(command, attr, None)
        if text:
            yield path, command, attr, text
    help_option = command.get_help_option(typer.Context(command))
    for param in [*command.params, *([help_option] if help_option else [])]:
        text = getattr(param, "help", None)
        if text:
            yield f"{path} {param.name}", param, "help", text
    if hasattr(command, "commands"):
        ctx = typer.Context(command, info_name=path.split()[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                yield from help_texts(sub, f"{path} {name}")


def localise_one(command: Any) -> None:
    """Translate one command's own help and its parameters' (not its sub-commands')."""
    if getattr(command, "_orderhub_localised", False):
        return
    for attr in ("help", "short_help"):
        text = getattr(command, attr, None)
        if text:
            setattr(command, attr, lookup(text) or text)
    import typer

    help_option = command.get_help_option(typer.Context(command))
    for param in [*command.params, *([help_option] if help_option else [])]:
        text = getattr(param, "help", None)
        if text:
            param.help = lookup(text) or text
    command._orderhub_localised = True


