"""`orderhub`: the root command. Each command group is a Typer sub-app in its own module
(shared options and helpers in `cli/common.py`); this module only lists them, in the order
`orderhub --help` shows them, and loads a group's module when the command line names it
(`orderhub order list` imports cli/orders.py and nothing of the other groups: start-up
stays short). It also picks the language of help and messages (cli/i18n.py). Nothing
imports it but the entry point and the tests."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from orderhub.cli import i18n

# Top-level commands, from modules whose Typer app has no name: command -> module.
TOP_LEVEL: dict[str, str] = {
    "demo-data": "demo",
    "serve": "serve",
    "simulate": "simulate",
    "stock": "stock",
    "expire-reservations": "stock",
    "import": "file_import",
    "relay": "workers",
    "worker": "workers",
}
# Command groups: group name -> module.
GROUPS: dict[str, str] = {
    "db": "db",
    "order": "orders",
    "events": "events",
    "corpus": "corpus",
    "audit": "audit",
    "warehouse": "warehouse",
    "carrier": "carrier",
    "routing": "routing",
    "scenario": "scenario",
    "rules": "rules",
    "usage": "usage",
    "tenant": "tenant",
    "access": "access",
    "keys": "keys",
    "sla": "sla",
    "alerts": "alerts",
    "risk": "risk",
    "exceptions": "exceptions",
    "anomaly": "anomaly",
    "sagas": "sagas",
    "channel": "channel",
    "fx": "fx",
    "forecast": "forecast",
    "cs": "cs",  # customer service: lookup, scripts, tracking links (issue 19)
    "label": "label",
    "reconcile": "reconcile",
    "plan": "plan",
    "transfer": "transfer",
    "return": "returns",
    "notify": "notify",
    "compliance": "compliance",  # compliance packs per destination country (issue 19)
    "chat": "chat",  # approvals and alerts in chat apps (issue 19)
    "pool": "pool",  # group-buy pools (issue 18 item 5)
    "bid": "bid",  # 3PL bidding (issue 18 item 4)
}


def _load(name: str) -> Any:
    """The click command for `name`, its module imported now."""
    module_name = TOP_LEVEL.get(name) or GROUPS.get(name)
    if module_name is None:
        return None
    module = importlib.import_module(f"orderhub.cli.{module_name}")
    group = typer.main.get_group(module.app)
    if name in TOP_LEVEL:
        return group.commands.get(name)
    group.name = name
    return group


def _localise_tree(command: Any) -> None:
    i18n.localise_one(command)
    if hasattr(command, "commands"):
        for sub in command.commands.values():
            _localise_tree(sub)


class HubGroup(TyperGroup):
    """The root group: sub-commands loaded on demand, help in the chosen language."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(n for n in (*TOP_LEVEL, *GROUPS) if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is None:
            command = _load(cmd_name)
            if command is None:
                return None
            self.commands[cmd_name] = command
        if i18n.language() == "zh":
            _localise_tree(command)
        return command

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        # --lang anywhere on the line is the root's option (`order list --lang zh`).
        argv = i18n.hoist(list(sys.argv[1:] if args is None else args))
        i18n.set_language(i18n.language_from(argv))
        i18n.apply_framework_language()
        if i18n.language() == "zh":
            i18n.localise_one(self)
        return super().main(args=argv, prog_name=prog_name or "orderhub",
                            complete_var=complete_var, standalone_mode=standalone_mode,
                            windows_expand_args=windows_expand_args, **extra)


app = typer.Typer(
    cls=HubGroup,
    help="orderhub: order orchestration hub (订单中枢).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Language of help and messages: en or zh (default: ORDERHUB_LANG, "
        "else the locale, e.g. LANG=zh_CN.UTF-8)")] = None,
) -> None:
    """orderhub: order orchestration hub (订单中枢)."""
    if lang is not None and lang.lower()[:2] not in i18n.LANGUAGES:
        raise typer.BadParameter(i18n.t("choose en or zh"), param_hint="--lang")


def main() -> None:
    from orderhub.adapters.secrets import SecretError
    from orderhub.cli.common import err
    from orderhub.domain.errors import DomainError

    try:
        app()
    except DomainError as exc:
        err.print(f"[red]{i18n.t('error:')}[/red] {i18n.t(str(exc))}")
        sys.exit(1)
    except SecretError as exc:  # a missing, malformed or wrong key: stop, say which
        err.print(f"[red]{i18n.t('error:')}[/red] {i18n.t(str(exc))}")
        sys.exit(2)
