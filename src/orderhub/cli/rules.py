"""`orderhub rules draft|sets|show|simulate|canary|compare|activate|rollback`: rule sets
(routing rules, validation checks, notifications) through their lifecycle from the
command line."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

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
    working,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Rule sets: draft, simulate (sandbox), canary, compare, activate, "
                       "rollback.", no_args_is_help=True)


def _since(text: str) -> timedelta:
    m = re.fullmatch(r"(\d{1,6})\s*([dh])", text.strip())
    if not m or int(m[1]) < 1 or (m[2] == "d" and int(m[1]) > 3650):
        raise fail(f"--since {text!r}: write a number of days (up to 3650) or hours, e.g. "
                    "7d or 12h", 2)
    n = int(m[1])
    return timedelta(days=n) if m[2] == "d" else timedelta(hours=n)


def _call(database_url: str | None, fn: Any, **kw: Any) -> Any:
    with open_hub(database_url) as hub:
        try:
            return fn(hub, **kw)
        except DomainError as exc:
            raise fail(describe(exc)) from None


@app.command("draft")
def draft(path: Annotated[Path | None, typer.Argument(help="JSON/YAML rule file; omitted: "
                                                      "a copy of the live rules")] = None,
          reason: Reason = "", database_url: DbOption = None,
          tenant: TenantOption = "default") -> None:
    """Make a draft rule set."""
    from orderhub.services.rules.rule_sets import create_draft

    docs = read_rules(path) if path is not None else None
    out = _call(database_url, lambda hub: create_draft(hub.uow, tenant, docs, actor=cli_actor(),
                                                        reason=reason, now=hub.clock()))
    checks = sum(1 for r in out["rules"] if r["then"].get("check"))
    tiers = sum(1 for r in out["rules"] if r["then"].get("tier"))
    console.print(f"rule set {out['id']} (v{out['version']}): draft, "
                  f"{len(out['rules']) - checks - tiers} routing rule(s), {checks} validation "
                  f"check(s)" + (f", {tiers} tier rule(s)" if tiers else ""))
    for w in out["warnings"]:
        console.print(f"[yellow]contradiction:[/yellow] {escape(w)}")
    _print_changes(out["changes_from_live"])


def _print_changes(diff: dict[str, Any]) -> None:
    if diff["added"]:
        console.print("added: " + escape(", ".join(diff["added"])))
    if diff["switched_off"]:
        console.print("switched off: " + escape(", ".join(diff["switched_off"])))
    for code, fields in diff["changed"].items():
        for key, change in fields.items():
            console.print(escape(f"changed {code}.{key}: "
                                 f"{json.dumps(change['before'], ensure_ascii=False)} -> "
                                 f"{json.dumps(change['after'], ensure_ascii=False)}"),
                          highlight=False)
    if not (diff["added"] or diff["switched_off"] or diff["changed"]):
        console.print("no change from the live rules")


@app.command("show")
def show(set_id: Annotated[int, typer.Argument(min=1, max=2**53)],
         export: Annotated[Path | None, typer.Option(
             help="Write the set's rules to this file (.json or .yaml) to keep in git")]
         = None,
         database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """A set's state and what it would change in the live rules; --export writes it."""
    import yaml

    from orderhub.services.rules.rule_sets import get_set

    r = _call(database_url, lambda hub: get_set(hub.read_uow, tenant, set_id))
    console.print(f"rule set {r['id']} (v{r['version']}): {r['state']}, "
                  f"{len(r['rules'])} rule(s), by {escape(r['created_by'])}: "
                  f"{escape(r['reason'])}")
    _print_changes(r["changes_from_live"])
    if export is not None:
        doc = {"rules": r["rules"]}
        text = (json.dumps(doc, ensure_ascii=False, indent=2)
                if export.suffix.lower() == ".json"
                else yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
        try:
            export.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {export}: {exc.strerror}", 2) from None
        console.print(f"{len(r['rules'])} rule(s) written to {export}")


@app.command("sets")
def sets(database_url: DbOption = None, tenant: TenantOption = "default",
         as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Every rule set with its state."""
    from orderhub.services.rules.rule_sets import list_sets

    rows = _call(database_url, lambda hub: list_sets(hub.read_uow, tenant))
    flat = [{"id": r["id"], "version": r["version"], "state": r["state"],
             "rules": len(r["rules"]),
             "sandbox": None if not r["sandbox"] else
             ("passed" if r["sandbox"]["passed"] else "failed"),
             "slice": r["slice"], "reason": r["reason"]} for r in rows]
    if emit(rows, as_json, as_csv, rows=flat,
            columns=("id", "version", "state", "rules", "sandbox", "slice", "reason")):
        return
    table = Table()
    for col in ("id", "v", "state", "rules", "sandbox", "slice", "reason"):
        table.add_column(col)
    for r in rows:
        sb = r["sandbox"]
        table.add_row(str(r["id"]), str(r["version"]), r["state"], str(len(r["rules"])),
                      "-" if not sb else ("passed" if sb["passed"] else "failed"),
                      escape(json.dumps(r["slice"], ensure_ascii=False)) if r["slice"] else "",
                      escape(r["reason"]))
    console.print(table)


@app.command("simulate")
def simulate(set_id: Annotated[int, typer.Argument(min=1, max=2**53)],
             since: Annotated[str, typer.Option(help="Replay window, e.g. 7d or 12h")] = "7d",
             limit: Annotated[int, typer.Option(min=1, max=1_000_000)] = 100_000,
             hold_threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.05,
             draw_down: Annotated[bool, typer.Option(
                 help="Replay in order time with stock running down (each side its own "
                      "copy), not each order on its own")] = False,
             database_url: DbOption = None, tenant: TenantOption = "default",
             as_json: JsonOption = False) -> None:
    """Sandbox: replay past orders through the set beside the live rules, plus stress
    scenarios; a pass marks the set tested. Exit 1 if it fails."""
    from orderhub.services.rules.sandbox import simulate as run

    window = _since(since)
    with working(t("replaying orders through rule set {set_id}", set_id=set_id)):
        r = _call(database_url, lambda hub: run(
            hub.uow, hub.read_uow, tenant, set_id, since=window, now=hub.clock(),
            actor=cli_actor(), strategy=hub.strategy, limit=limit,
            hold_threshold=hold_threshold, draw_down=draw_down))
    if as_json:
        emit(r, as_json)
        if not r["passed"]:
            raise typer.Exit(1)
        return
    table = Table(title=f"{r['orders']} orders replayed in {r['seconds']} s")
    for col in ("", "live rules", "this set", "delta"):
        table.add_column(col)
    for key in ("cost_per_order", "on_time_rate", "hold_rate", "split_rate",
                "late_days_per_order"):
        table.add_row(key, str(r["live"][key]), str(r["draft"][key]),
                      str(r["delta"][key]))
    console.print(table)
    console.print(f"{r['validation_changed']} orders validated differently and "
                  f"{r['orders_changed']} routed differently from the live rules; against "
                  f"what actually happened, {r['validation_differs_from_what_happened']} "
                  f"differ at validation and {r['differs_from_what_happened']} in routing")
    for ex in r["examples"][:5]:
        console.print(escape(f"  {ex['order_id']}: {ex['live']} -> {ex['draft']}"),
                      highlight=False)
    if r["never_matched"]:
        console.print(f"[yellow]never matched:[/yellow] {escape(', '.join(r['never_matched']))}")
    for sc in r["scenarios"]:
        console.print(f"scenario {sc['scenario']} ({escape(sc['what'])}): "
                      f"hold {sc['hold_rate']:.1%}, "
                      f"on time {sc['on_time_rate']:.1%}, {sc['cost_per_order']} CNY/order"
                      + (f" [red]breaks: {'; '.join(sc['breaks'])}[/red]" if sc["breaks"]
                         else ""))
    _print_tiers(r.get("tiers"))
    if not r["passed"]:
        raise fail("sandbox failed: " + "; ".join(r["failures"]))
    console.print("[green]passed[/green]: the set is tested")


def _print_tiers(t: dict[str, Any] | None) -> None:
    """The desk's side of a sandbox run: recent exceptions' remedies under both tiers."""
    if not t:
        return
    table = Table(title=f"approval tiers: {t['exceptions']} exceptions replayed "
                        f"(live tiers: {t['live_tiers_from']})")
    for col in ("", "live", "this set"):
        table.add_column(col)
    for tier in ("L1", "L2", "L3"):
        table.add_row(f"remedies {tier}", str(t["live"]["remedies_by_tier"][tier]),
                      str(t["draft"]["remedies_by_tier"][tier]))
    table.add_row("applied automatically", str(t["live"]["auto_applied"]),
                  str(t["draft"]["auto_applied"]))
    table.add_row("cost applied automatically (CNY)", t["live"]["auto_applied_cost"],
                  t["draft"]["auto_applied_cost"])
    console.print(table)
    if t["l3_loosened"] or t["l3_loosened_by_override"]:
        console.print(f"[red]L3 loosened: {t['l3_loosened']}[/red] (by override_l3: "
                      f"{t['l3_loosened_by_override']})")


@app.command("canary")
def canary(set_id: Annotated[int, typer.Argument(min=1, max=2**53)], reason: Reason,
           percent: Annotated[int | None, typer.Option(min=1, max=100)] = None,
           channel: Annotated[list[str] | None, typer.Option(help="Repeatable")] = None,
           region: Annotated[list[str] | None, typer.Option(help="Repeatable")] = None,
           store: Annotated[list[str] | None, typer.Option(
               help="Orders collected at this store; repeatable")] = None,
           database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Route a slice of new orders by the set."""
    from orderhub.services.rules.rollout import start_canary

    slice_doc: dict[str, Any] = {}
    if percent is not None:
        slice_doc["percent"] = percent
    if channel:
        slice_doc["channels"] = channel
    if region:
        slice_doc["regions"] = region
    if store:
        slice_doc["stores"] = store
    out = _call(database_url, lambda hub: start_canary(
        hub.uow, tenant, set_id, slice_doc, actor=cli_actor(), reason=reason, now=hub.clock(),
        strategy=hub.strategy))
    console.print(f"rule set v{out['version']} in canary for {json.dumps(out['slice'])}")


@app.command("compare")
def compare(set_id: Annotated[int, typer.Argument(min=1, max=2**53)],
            database_url: DbOption = None, tenant: TenantOption = "default",
            as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """The canary's orders beside the others'."""
    from orderhub.services.rules.rollout import compare as run

    out = _call(database_url, lambda hub: run(hub.read_uow, tenant, set_id))
    if emit(out, as_json, as_csv,
            rows=[{"arm": arm, **a} for arm, a in out["arms"].items()]):
        return
    canary_arm = f"canary v{out['rule_set']}"
    in_canary = out["arms"].get(canary_arm, {}).get("orders", 0)
    others = sum(a["orders"] for arm, a in out["arms"].items() if arm != canary_arm)
    if not in_canary:
        # An empty table says nothing: say why, and what to do.
        console.print(t(
            "no orders in the canary arm yet: since {since}, {others} order(s) were routed "
            "by the live rules and none by rule set v{version} (slice {slice}). New orders "
            "matching the slice join the canary as they are routed; run `orderhub rules "
            "compare {set_id}` again once some have arrived, or widen the slice with "
            "`orderhub rules canary {set_id} --percent N`.",
            since=f"{out['since']:%Y-%m-%d %H:%M} UTC", others=others,
            version=out["rule_set"], slice=json.dumps(out["slice"], ensure_ascii=False),
            set_id=set_id), highlight=False)
        if not others:
            return
    table = Table(title=f"rule set v{out['rule_set']} ({out['state']}) since {out['since']}")
    for col in ("arm", "orders", "cost/order", "on time", "hold rate", "interventions"):
        table.add_column(col)
    for arm, a in out["arms"].items():
        table.add_row(arm, str(a["orders"]), str(a["cost_per_order"]),
                      f"{a['on_time_rate']:.1%}", f"{a['hold_rate']:.1%}",
                      str(a["manual_interventions"]))
    console.print(table)
    for arm, d in out.get("desk", {}).items():
        console.print(escape(f"desk, {arm}: {d['applied_automatically']} remedies applied "
                             f"automatically ({d['auto_applied_cost']} CNY), "
                             f"{d['applied_by_people']} by people, proposed "
                             f"{json.dumps(d['proposed'])}"), highlight=False)


@app.command("activate")
def activate(set_id: Annotated[int, typer.Argument(min=1, max=2**53)], reason: Reason,
             database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Make the canary's rules the routing rules for all orders."""
    from orderhub.services.rules.rollout import activate as run

    out = _call(database_url, lambda hub: run(hub.uow, tenant, set_id, actor=cli_actor(),
                                               reason=reason, now=hub.clock(),
                                               strategy=hub.strategy))
    console.print(f"rule set v{out['version']} active")


@app.command("rollback")
def rollback(set_id: Annotated[int, typer.Argument(min=1, max=2**53)], reason: Reason,
             database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Stop a canary, or restore the rules live before an active set (new orders at once)."""
    from orderhub.services.rules.rollout import rollback as run

    out = _call(database_url, lambda hub: run(hub.uow, tenant, set_id, actor=cli_actor(),
                                               reason=reason, now=hub.clock(),
                                               strategy=hub.strategy))
    console.print(f"rule set v{out['version']} rolled back ({out['state']})")
    if "tiers_restored" in out:  # the set changed the desk's approval tiers
        back = out["tiers_restored"]
        console.print("approval tiers restored: " + (", ".join(back["codes"]) if back["codes"]
                      else "none (the default policy's thresholds decide)"))
