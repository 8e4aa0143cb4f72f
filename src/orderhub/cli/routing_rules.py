"""`orderhub routing rules list|import|export|parse|enable|disable|history`: the live
routing rules as data (JSON or YAML files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    Reason,
    TenantOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
    read_rules,
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Routing rules as data (JSON or YAML files).", no_args_is_help=True)


@app.command("list")
def rules_list(database_url: DbOption = None, tenant: TenantOption = "default",
               as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Every routing rule with its version and state."""
    from orderhub.services.rules.routing_rules import list_rules

    with open_hub(database_url) as hub:
        rows = list_rules(hub.read_uow, tenant)
    if emit(rows, as_json, as_csv):
        return
    table = Table()
    for col in ("code", "v", "enabled", "when", "then", "description"):
        table.add_column(col)
    for r in rows:
        table.add_row(escape(r["code"]), str(r["version"]), "yes" if r["enabled"] else "no",
                      escape(json.dumps(r["when"], ensure_ascii=False)),
                      escape(json.dumps(r["then"], ensure_ascii=False)),
                      escape(r["description"]))
    console.print(table)


@app.command("import")
def rules_import(path: Path, reason: Reason, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    """Create or update rules from a JSON or YAML file (all valid, or nothing changes)."""
    from orderhub.services.rules.routing_rules import import_rules

    docs = read_rules(path)
    with open_hub(database_url) as hub:
        try:
            out = import_rules(hub.uow, tenant, docs, actor=cli_actor(), reason=reason,
                               now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    for r in out:
        console.print(f"{r['code']}: v{r['version']}"
                      + (" (unchanged)" if not r["changed"] else ""))


@app.command("export")
def rules_export(path: Annotated[Path | None, typer.Argument(help="File (.json or .yaml); "
                                                             "standard output if omitted")]
                 = None, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    """Write every live rule (routing rules and validation checks) to a file to keep in git."""
    import yaml

    from orderhub.services.rules.routing_rules import export_rules

    with open_hub(database_url) as hub:
        rules = export_rules(hub.read_uow, tenant)
    if path is not None and path.suffix.lower() == ".json":
        text = json.dumps({"rules": rules}, ensure_ascii=False, indent=2)
    else:
        text = yaml.safe_dump({"rules": rules}, allow_unicode=True, sort_keys=False)
    if path is None:
        console.print(text, highlight=False, markup=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror}", 2) from None
    console.print(f"{len(rules)} rule(s) written to {path}")


def _enable(code: str, enabled: bool, reason: str, database_url: str | None,
            tenant: str) -> None:
    from orderhub.services.rules.routing_rules import set_enabled

    with open_hub(database_url) as hub:
        try:
            out = set_enabled(hub.uow, tenant, code, enabled, actor=cli_actor(), reason=reason,
                              now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"{code}: v{out['version']}, {'enabled' if enabled else 'disabled'}")


@app.command("parse")
def rules_parse(text: str,
                code: Annotated[str | None, typer.Option(help="Code for the new rule")] = None,
                save: Annotated[bool, typer.Option(help="Save it (needs --reason)")] = False,
                reason: Annotated[str, typer.Option(help="Why, when saving")] = "",
                database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Turn a sentence (Chinese or English) into a rule; shows it, saves it with --save."""
    import yaml

    from orderhub.services.rules.routing_rules import put_rule, rule_from_text

    with open_hub(database_url) as hub:
        try:
            out = rule_from_text(hub.read_uow, tenant, text, code)
            console.print(yaml.safe_dump(out["rule"], allow_unicode=True, sort_keys=False),
                          highlight=False, markup=False)  # the user's text, verbatim
            if save:
                saved = put_rule(hub.uow, tenant, out["rule"], actor=cli_actor(), reason=reason,
                                 now=hub.clock())
                console.print(f"saved {saved['code']} v{saved['version']}")
        except DomainError as exc:
            raise fail(describe(exc)) from None


@app.command("enable")
def rules_enable(code: str, reason: Reason, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    _enable(code, True, reason, database_url, tenant)


@app.command("disable")
def rules_disable(code: str, reason: Reason, database_url: DbOption = None,
                  tenant: TenantOption = "default") -> None:
    """Stop applying a rule (new orders at once); its history is kept."""
    _enable(code, False, reason, database_url, tenant)


@app.command("history")
def rules_history(code: str, database_url: DbOption = None,
                  tenant: TenantOption = "default", as_json: JsonOption = False,
                  as_csv: CsvOption = False) -> None:
    """Every version of a routing rule: when, who, why and what."""
    from orderhub.services.rules.routing_rules import history

    with open_hub(database_url) as hub:
        try:
            rows = history(hub.read_uow, tenant, code)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if emit(rows, as_json, as_csv):
        return
    for r in rows:
        console.print(escape(f"v{r['version']} {r['changed_at']:%Y-%m-%d %H:%M} "
                             f"{r['changed_by']}: {r['reason']}\n  "
                             f"{json.dumps(r['rule'], ensure_ascii=False)}"),
                      highlight=False)
