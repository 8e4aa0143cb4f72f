"""`orderhub cs find|story|script set|script list|script delete|rotate-links`: customer
service (客服): find an order by phone, order number or waybill, tell its story as the
buyer's tracking page does, keep the service scripts (size guide, return policy, contact)
per SKU, category or the tenant, and rotate the key of the tenant's tracking links."""

from __future__ import annotations

from typing import Annotated

import typer

from orderhub.cli.common import (
    DbOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    fail,
    open_hub,
    print_json,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Customer service (客服): find orders, service scripts, tracking "
                  "links.", no_args_is_help=True)
script_app = typer.Typer(help="Service scripts: size guide, return policy, contact per SKU, "
                         "category or the tenant.", no_args_is_help=True)
app.add_typer(script_app, name="script")

JsonOut = Annotated[bool, typer.Option("--json", help="Print the answer as JSON")]
MaskedOption = Annotated[bool, typer.Option(
    "--masked", help="Mask personal data (phone's last four digits, name's first character, "
    "street only once released)")]


@app.command("find")
def cs_find(
    phone: Annotated[str, typer.Option("--phone", help="The buyer's phone (exact)")] = "",
    external_id: Annotated[str, typer.Option("--external-id", help="The channel's order "
                                             "number")] = "",
    waybill: Annotated[str, typer.Option("--waybill", help="A waybill (tracking number)")] = "",
    masked: MaskedOption = False, database_url: DbOption = None,
    tenant: TenantOption = "default", as_json: JsonOut = False,
) -> None:
    """Orders by the buyer's phone (through the blind index), order number or waybill."""
    from orderhub.domain.privacy import PiiView
    from orderhub.services.tracking import story

    pii = PiiView.MASKED if masked else PiiView.FULL
    with open_hub(database_url) as hub:
        try:
            rows = story.find_orders(hub.read_uow, tenant, phone=phone,
                                     external_id=external_id, waybill=waybill, pii=pii)
        except DomainError as exc:
            raise fail(describe(exc), 2) from None
    if as_json:
        print_json(rows)
        return
    if not rows:
        raise fail("no order found")
    for r in rows:
        who = " ".join(str(r["recipient"].get(k, "")) for k in ("name", "phone", "city"))
        console.print(f"{r['order_id']}  {r['channel']}:{r['external_id']}  {r['status']}  "
                      f"{who}  {' '.join(r['waybills'])}", highlight=False)


@app.command("story")
def cs_story(
    order_id: str, masked: MaskedOption = False,
    lang: Annotated[str, typer.Option("--in", help="Language of the script: en or zh")] = "zh",
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOut = False,
) -> None:
    """The order as its tracking page tells it, with the service script for its products."""
    from orderhub.domain.privacy import PiiView
    from orderhub.services.tracking import story

    pii = PiiView.MASKED if masked else PiiView.FULL
    with open_hub(database_url) as hub:
        try:
            s = story.service_story(hub.read_uow, tenant, order_id, pii=pii, lang=lang)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(s)
        return
    console.print(f"{s['channel']}:{s['external_id']}  {s['state']} ({s['status']})  "
                  f"{t('promised')}: {s['promised_delivery'] or '-'}", highlight=False)
    for sh in s["shipments"]:
        console.print(f"  {sh['carrier']} {sh['waybill']} {sh['status']}", highlight=False)
        for c in sh["checkpoints"]:
            console.print(f"    {c['at'].isoformat()} {c['kind']} {c['location']}",
                          highlight=False)
    for k, v in s["script"].items():
        if v:
            console.print(f"{t(k)}: {v}", highlight=False)


@script_app.command("set")
def script_set(
    target: Annotated[str, typer.Argument(help="sku:<code>, category:<name> or * (the "
                                          "tenant's default)")],
    lang: Annotated[str, typer.Option("--in", help="Language of the texts: en or zh")] = "zh",
    size_guide: Annotated[str, typer.Option("--size-guide", help="Size guide")] = "",
    return_policy: Annotated[str, typer.Option("--return-policy", help="Return policy")] = "",
    contact: Annotated[str, typer.Option("--contact", help="How to reach customer "
                                         "service")] = "",
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOut = False,
) -> None:
    """Set the service script of a SKU, a category or the tenant, in one language."""
    from orderhub.services.tracking import story

    with open_hub(database_url) as hub:
        try:
            done = story.set_script(hub.uow, tenant, target, lang,
                                    {"size_guide": size_guide, "return_policy": return_policy,
                                     "contact": contact}, now=hub.clock(), actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc), 2) from None
    if as_json:
        print_json(done)
    else:
        console.print(t("service script of {target} ({lang}) saved", target=target,
                        lang=lang), highlight=False)


@script_app.command("list")
def script_list(database_url: DbOption = None, tenant: TenantOption = "default",
                as_json: JsonOut = False) -> None:
    """The tenant's service scripts."""
    from orderhub.services.tracking import story

    with open_hub(database_url) as hub:
        rows = story.list_scripts(hub.read_uow, tenant)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        texts = "; ".join(f"{t(k)}: {r[k]}" for k in ("size_guide", "return_policy",
                                                      "contact") if r[k])
        console.print(f"{r['target']} [{r['lang']}] {texts}", highlight=False)


@script_app.command("delete")
def script_delete(
    target: str,
    lang: Annotated[str | None, typer.Option("--in", help="Only this language (en or "
                                             "zh)")] = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
) -> None:
    """Remove a target's service script."""
    from orderhub.services.tracking import story

    with open_hub(database_url) as hub:
        try:
            n = story.delete_script(hub.uow, tenant, target, lang, now=hub.clock(),
                                    actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(t("{n} removed", n=n), highlight=False)


@app.command("rotate-links")
def rotate_links(database_url: DbOption = None, tenant: TenantOption = "default",
                 as_json: JsonOut = False) -> None:
    """A new key for the tenant's tracking links: every link issued before stops opening."""
    from orderhub.services.tracking import links

    with open_hub(database_url) as hub:
        done = links.rotate_keys(hub.uow, tenant, now=hub.clock(), actor=cli_actor())
    if as_json:
        print_json(done)
    else:
        console.print(t("tracking-link key v{version}; {retired} older key(s) retired",
                        version=done["version"], retired=done["retired"]), highlight=False)
