"""`orderhub carrier tracking push|secret|simulate` (carrier checkpoints, 物流轨迹) and the
table `orderhub order tracking ID` prints: the same service calls as the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

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
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Carrier tracking checkpoints (物流轨迹): push a file, set a carrier's "
                  "signing secret, simulate carriers.", no_args_is_help=True)

JsonOut = Annotated[bool, typer.Option("--json", help="Print the answer as JSON")]


def _read(path: Path, carrier: str | None) -> tuple[str, list[Any]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}", 2) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(f"{path} is not JSON: {exc}", 2) from None
    if isinstance(doc, dict):
        carrier = carrier or doc.get("carrier")
        doc = doc.get("checkpoints")
    if not isinstance(doc, list):
        raise fail(f"{path}: expected a list of checkpoints or "
                   "{\"carrier\": ..., \"checkpoints\": [...]}", 2)
    if not isinstance(carrier, str) or not carrier:
        raise fail("name the carrier: --carrier CODE or \"carrier\" in the file", 2)
    return carrier, doc


def print_push(result: dict[str, int], as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    console.print(
        f"received {result['received']} (收到): {result['new']} new (新增), "
        f"{result['duplicates']} duplicates (重复), {result['matched']} matched (已匹配), "
        f"{result['orphaned']} orphaned (待匹配), {result['delivered']} shipments delivered "
        f"(已签收)", highlight=False)


@app.command("push")
def tracking_push(
    file: Annotated[Path, typer.Argument(help="JSON: a list of checkpoints (event_id, "
                                         "waybill, kind, at, location, description), or "
                                         "{\"carrier\": \"ZTO\", \"checkpoints\": [...]}")],
    carrier: Annotated[str | None, typer.Option("--carrier", help="Carrier code (ZTO, SF, "
                                                "...) when the file does not say")] = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOut = False,
) -> None:
    """Take in a carrier's checkpoints from a file (as a signed push would): stored once per
    event id, matched to shipments by waybill or kept as orphans."""
    from orderhub.services.tracking import checkpoints

    code, docs = _read(file, carrier)
    with open_hub(database_url) as hub:
        try:
            name = checkpoints.carrier_code(code)
            items = checkpoints.checkpoints_from_docs(name, docs)
            result = checkpoints.push(hub.uow, tenant, name, items, now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    print_push(result.as_dict(), as_json)


@app.command("secret")
def tracking_secret(
    code: Annotated[str, typer.Argument(help="Carrier code (ZTO, SF, ...)")],
    secret: Annotated[str | None, typer.Option(
        "--secret", help="The secret agreed with the carrier (at least 24 characters); "
        "without it a new random one is made")] = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOut = False,
) -> None:
    """Set or rotate the secret CODE signs its tracking pushes with (shown only now)."""
    from orderhub.services.tracking import checkpoints

    with open_hub(database_url) as hub:
        try:
            done = checkpoints.set_secret(hub.uow, tenant, code, secret, now=hub.clock(),
                                          actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(done)
        return
    what = "rotated (已轮换)" if done["rotated"] else "set (已设置)"
    console.print(f"tracking secret for {done['carrier']} {what}: {done['secret']}",
                  highlight=False)
    console.print(f"pushes carry {done['header']}: sha256=<hex HMAC-SHA256 of the raw body>",
                  highlight=False)


@app.command("simulate")
def tracking_simulate(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same pushes")] = 7,
    limit: Annotated[int, typer.Option(min=1, help="Shipped orders to track")] = 1000,
    hours: Annotated[float | None, typer.Option(
        min=0, help="Only what happened within HOURS of each dispatch (default: whole "
        "journeys, to delivery)")] = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOut = False,
) -> None:
    """Simulated carriers: checkpoint sequences for shipped orders (hubs, customs for
    cross-border, an occasional failed attempt), pushed out of order with some twice."""
    from orderhub.tools.tracking_simulation import simulate

    with open_hub(database_url) as hub:
        report = simulate(hub.uow, tenant, now=hub.clock(), seed=seed, limit=limit,
                          hours=hours)
    if as_json:
        print_json(report.as_dict())
        return
    r = report.as_dict()
    console.print(
        f"{r['shipments']} shipments tracked (跟踪包裹), {r['sent']} checkpoints sent in "
        f"{r['pushes']} pushes: {r['new']} new (新增), {r['duplicates']} duplicates (重复), "
        f"{r['matched']} matched (已匹配), {r['orphaned']} orphaned (待匹配), "
        f"{r['delivered']} delivered (已签收)", highlight=False)


def print_order_tracking(view: dict[str, Any], as_json: bool) -> None:
    """`orderhub order tracking ID`: each shipment's current state and checkpoints."""
    if as_json:
        print_json(view)
        return
    console.print(f"[bold]{view['order_id']}[/bold]  status={view['status']}",
                  highlight=False)
    if not view["shipments"]:
        console.print("  no shipments (无包裹)")
    for s in view["shipments"]:
        current = s["current"]
        state = (f"{current['checkpoint']} {current['label_zh']} at "
                 f"{current['at']:%Y-%m-%d %H:%M} UTC" if current
                 else "no checkpoints yet (暂无轨迹)")
        console.print(f"  {s['shipment_id']}  {s['carrier_service'] or '-'}  "
                      f"{s['waybill'] or '-'}  {s['status']}", highlight=False)
        console.print(f"  current: {state}", highlight=False)
        if not s["checkpoints"]:
            continue
        table = Table()
        for col in ("at (UTC)", "checkpoint", "中文", "location", "description"):
            table.add_column(col)
        for c in s["checkpoints"]:
            table.add_row(f"{c['at']:%Y-%m-%d %H:%M}", c["checkpoint"], c["label_zh"],
                          c["location"], c["description"])
        console.print(table)
