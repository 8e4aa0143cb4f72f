"""`orderhub compliance list|show|enable|disable|override`: prebuilt rule packs per
destination country (合规规则包, docs/compliance.md). Enabling, disabling or overriding drafts
the pack's rules as a rule set (then `orderhub rules simulate|canary|activate`), or with
`--activate` puts them live at once (audited as a shortcut)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    JsonOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
)
from orderhub.cli.i18n import language, t
from orderhub.domain.errors import DomainError, NotFound

app = typer.Typer(help="Compliance packs per destination country (合规规则包).",
                  no_args_is_help=True)

CountryArg = Annotated[str, typer.Argument(help="ISO country code, e.g. CN")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (audited)")]
ActivateOption = Annotated[bool, typer.Option(
    "--activate", help="Put the rules live at once, without sandbox or canary (audited)")]


def _now() -> Any:
    from datetime import UTC, datetime
    return datetime.now(UTC)


def _failed(exc: DomainError) -> typer.Exit:
    return fail(describe(exc), 3 if isinstance(exc, NotFound) else 1)


def _drafted(out: dict[str, Any]) -> None:
    rs = out.get("rule_set")
    if not rs:
        console.print(t("override kept; the pack is not enabled, so no rule set was drafted"))
        return
    if rs["state"] == "active":
        console.print(t(f"rule set v{rs['version']} activated (shortcut: no sandbox, no "
                        "canary)"))
    else:
        console.print(t(f"rule set v{rs['version']} drafted (id {rs['id']}): run `orderhub "
                        f"rules simulate {rs['id']}`, then canary and activate it"))


@app.command("list")
def compliance_list(tenant: TenantOption = "default", as_json: JsonOption = False,
                    database_url: DbOption = None) -> None:
    """The shipped packs and which are enabled."""
    from orderhub.services import compliance_packs

    with open_hub(database_url) as hub:
        packs = compliance_packs.list_packs(hub.read_uow, tenant)
    if emit(packs, as_json):
        return
    table = Table(t("country"), t("name"), t("version"), t("rules"), t("enabled"),
                  t("overrides"), t("rule set"))
    for p in packs:
        enabled = (t("yes") + (f" ({p['enabled_version']})" if p["upgrade_available"] else "")
                   if p["enabled"] else "")
        table.add_row(p["country"], p["name_zh"] if language() == "zh" else p["name"],
                      p["version"], str(p["rules"]), enabled, str(len(p["overrides"])),
                      f"{p['rule_set'] or ''} {t(p['rule_set_state'] or '')}".strip())
    console.print(table)


@app.command("show")
def compliance_show(country: CountryArg, tenant: TenantOption = "default",
                    as_json: JsonOption = False, database_url: DbOption = None) -> None:
    """A pack's rules with their sources and the tenant's overrides."""
    from orderhub.services import compliance_packs

    with open_hub(database_url) as hub:
        try:
            pack = compliance_packs.show_pack(hub.read_uow, tenant, country)
        except DomainError as exc:
            raise _failed(exc) from None
    if emit(pack, as_json):
        return
    console.print(f"{pack['country']} {pack['name']} / {pack['name_zh']} {pack['version']}")
    for r in pack["rules"]:
        mark = "" if r["enabled"] else t(" (off)")
        console.print(f"- {r['code']}{mark}{t(' (overridden)') if r['overridden'] else ''}: "
                      f"{r['description_zh'] if language() == 'zh' else r['description']}")
        console.print(f"  {r['source']['title']} <{r['source']['url']}> "
                      f"({r['source']['read_on']})")
    for note in pack["notes"]:
        console.print(f"* {note}")
    if pack.get("upgrade"):
        console.print(t(f"upgrade {pack['upgrade']['from']} -> {pack['upgrade']['to']}: "
                        f"{json.dumps(pack['upgrade']['changes'], ensure_ascii=False)}"))


def _toggle(country: str, enabled: bool, reason: str, activate: bool, tenant: str,
            as_json: bool, database_url: str | None) -> None:
    from orderhub.services import compliance_packs

    with open_hub(database_url) as hub:
        try:
            out = compliance_packs.set_enabled(hub.uow, tenant, country, enabled,
                                               actor=cli_actor(), reason=reason, now=_now(),
                                               activate=activate, strategy=hub.strategy)
        except DomainError as exc:
            raise _failed(exc) from None
    if emit(out, as_json):
        return
    console.print(t(f"compliance pack {out['country']} {out['version']} {out['change']}"))
    if out.get("upgrade_diff"):
        console.print(json.dumps(out["upgrade_diff"], ensure_ascii=False))
    _drafted(out)


@app.command("enable")
def compliance_enable(country: CountryArg, reason: ReasonOption,
                      activate: ActivateOption = False, tenant: TenantOption = "default",
                      as_json: JsonOption = False, database_url: DbOption = None) -> None:
    """Draft a country's pack (or upgrade it to the shipped version)."""
    _toggle(country, True, reason, activate, tenant, as_json, database_url)


@app.command("disable")
def compliance_disable(country: CountryArg, reason: ReasonOption,
                       activate: ActivateOption = False, tenant: TenantOption = "default",
                       as_json: JsonOption = False, database_url: DbOption = None) -> None:
    """Draft a rule set that switches a country's pack off."""
    _toggle(country, False, reason, activate, tenant, as_json, database_url)


@app.command("override")
def compliance_override(
    country: CountryArg,
    rule: Annotated[str, typer.Argument(help="The pack rule's code, e.g. pack.CN.single-limit")],
    reason: ReasonOption,
    enable: Annotated[bool | None, typer.Option(
        "--enable/--disable", help="Switch the pack rule on or off")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="name=JSON value, e.g. limit='{\"amount\": \"3000\", "
                        "\"currency\": \"CNY\"}' (repeatable)")] = None,
    activate: ActivateOption = False,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Override one pack rule (switch it off, change a parameter)."""
    from orderhub.services import compliance_packs

    params: dict[str, Any] = {}
    for item in param or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise fail(f"--param: '{item}' is not name=value", 2)
        try:
            params[name] = json.loads(value)
        except ValueError:
            params[name] = value  # a bare word or number as text
    doc: dict[str, Any] = {"rule": rule, "reason": reason}
    if enable is not None:
        doc["enabled"] = enable
    if params:
        doc["params"] = params
    with open_hub(database_url) as hub:
        try:
            out = compliance_packs.override(hub.uow, tenant, country, doc, actor=cli_actor(),
                                            now=_now(), activate=activate,
                                            strategy=hub.strategy)
        except DomainError as exc:
            raise _failed(exc) from None
    if emit(out, as_json):
        return
    console.print(t(f"override of {rule} kept"))
    _drafted(out)
