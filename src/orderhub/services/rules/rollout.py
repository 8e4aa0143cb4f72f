"""A tested rule set reaches orders: a canary for a slice of new orders, compared arm by
arm with the live rules (`compare`), activation (its rules become the live rules, the set
that was active retired) and a rollback that takes effect for new orders at once. Each
change runs in one transaction with the set's row locked, is audited and evented, and
bumps the network revision first (the canary and live rules are what intake reads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from orderhub.adapters.db.rule_set_repository import StoredRuleSet
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.domain.rules.model import is_check_doc, is_tier_doc
from orderhub.domain.rules.rule_sets import SetState, parse_slice
from orderhub.services.rules import tiers, validation_rules
from orderhub.services.rules.routing_rules import save_rules, vocabulary
from orderhub.services.rules.rule_sets import (
    get_set,
    load_set,
    record_change,
    stored_docs,
)
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def start_canary(make_uow: UowFactory, tenant_id: str, set_id: int, slice_doc: Mapping[str, Any],
                 *, actor: str, reason: str, now: datetime,
                 strategy: AllocationStrategy) -> dict[str, Any]:
    _reason(reason)
    sl = parse_slice(slice_doc)
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # the canary and live rules are what intake reads
        vocab = vocabulary(uow, tenant_id)
        unknown = sorted(sl.channels - (vocab.channels or set()))
        if unknown:
            raise InvalidInput([FieldError("slice.channels",
                                           f"unknown channel: {', '.join(unknown)}")])
        stores = {w.code for w in uow.catalog.warehouses(tenant_id) if w.kind == "store"}
        unknown = sorted(sl.stores - stores)
        if unknown:
            raise InvalidInput([FieldError("slice.stores", f"unknown store: "
                                           f"{', '.join(unknown)}; stores: "
                                           f"{', '.join(sorted(stores)) or 'none'}")])
        row = load_set(uow, tenant_id, set_id, lock=True)
        if row.state != SetState.TESTED.value or not (row.sandbox or {}).get("passed"):
            raise Conflict(f"rule set v{row.version} is {row.state}: a set goes to "
                           "canary only with a passing sandbox run on record (simulate it)")
        other = uow.rule_sets.in_canary(tenant_id)
        if other is not None:
            raise Conflict(f"rule set v{other} is already in canary; roll it back or "
                           "activate it first")
        try:
            uow.rule_sets.start_canary(tenant_id, set_id, sl.doc(), now)
            record_change(uow, tenant_id, row, SetState.CANARY, "canary", actor=actor,
                          reason=reason, now=now, detail={"slice": sl.doc()})
            uow.commit()
        except IntegrityError:  # another set went to canary at the same moment
            raise Conflict("another rule set went to canary at the same time; roll it back "
                           "or activate it first") from None
    strategy.refresh()
    return get_set(make_uow, tenant_id, set_id)


def _reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why")])


def activate(make_uow: UowFactory, tenant_id: str, set_id: int, *, actor: str, reason: str,
             now: datetime, strategy: AllocationStrategy) -> dict[str, Any]:
    """The canary's rules become the routing rules for every order; live rules not in the
    set are disabled; the set that was active is retired. One transaction, the set's row
    locked, so a concurrent rollback either comes first or finds it active."""
    _reason(reason)
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # the canary and live rules are what intake reads
        row = load_set(uow, tenant_id, set_id, lock=True)
        if row.state != SetState.CANARY.value:
            raise Conflict(f"rule set v{row.version} is {row.state}; only a canary is "
                           "activated (its outcomes measured first)")
        activate_in(uow, tenant_id, row, actor=actor, reason=reason, now=now)
        uow.commit()
    strategy.refresh()
    return get_set(make_uow, tenant_id, set_id)


def activate_in(uow: UnitOfWork, tenant_id: str, row: StoredRuleSet, *, actor: str,
                reason: str, now: datetime, detail: Mapping[str, Any] | None = None) -> None:
    """The set's rules become live, in the caller's transaction, whatever its state (the
    caller decides: `activate` takes a canary; a compliance pack's explicit shortcut takes
    its draft, and says so in `detail`, which the audit entry keeps)."""
    uow.network.bump(tenant_id)
    previous = [*stored_docs(uow.rules.routing_rules(tenant_id)),
                *validation_rules.check_docs(uow, tenant_id),
                *tiers.live_tier_docs(uow, tenant_id)]
    rules, tier_docs = tiers.split(row.rules)
    why = f"rule set v{row.version} activated: {reason}"
    if rules:
        _replace_live(uow, tenant_id, rules, actor=actor, reason=why, now=now)
    if tier_docs:  # its tiers become the desk's; a set without any leaves them
        tiers.put_live(uow, tenant_id, tier_docs, row.version, actor=actor, reason=why,
                       now=now)
    uow.rule_sets.activate(tenant_id, row.id, previous, now)
    record_change(uow, tenant_id, row, SetState.ACTIVE, "activated", actor=actor,
                  reason=reason, now=now, detail=detail)


def _replace_live(uow: UnitOfWork, tenant_id: str, docs: Sequence[Mapping[str, Any]], *,
                  actor: str, reason: str, now: datetime, all_checks: bool = False) -> None:
    """The set's routing rules become the routing rules (live ones it lacks switched off;
    a set without any leaves them as they are); its checks replace the live checks of the
    same code (with `all_checks`, a full snapshot being restored, live checks it lacks are
    switched off too)."""
    routing = {d["code"] for d in docs if not is_check_doc(d)}
    gone: list[dict[str, Any]] = []
    if routing or all_checks:  # a set of checks only leaves the routing rules alone
        current = uow.rules.routing_rules(tenant_id)
        gone = [{**d, "enabled": False} for d in stored_docs(current)
                if d["code"] not in routing]
    # A snapshot being restored was valid when it was live: not checked again (a site or
    # channel removed since must not block a rollback).
    save_rules(uow, tenant_id, [*docs, *gone], actor=actor, reason=reason, now=now,
               restoring=all_checks)
    checks = {d["code"] for d in docs if is_check_doc(d)}
    if all_checks and checks:  # (snapshots from before checks joined sets have none)
        validation_rules.disable_others(uow, tenant_id, checks, actor=actor, reason=reason,
                                        now=now)


def rollback(make_uow: UowFactory, tenant_id: str, set_id: int, *, actor: str, reason: str,
             now: datetime, strategy: AllocationStrategy,
             canary_only: bool = False) -> dict[str, Any]:
    """A canary stops at once (new orders take the live rules); an active set gives way to
    the rules that were live before it. One transaction, the set's row locked.
    `canary_only`: a canary's rollback only (a chat card asked about the canary; the set
    it became is not what its button decides)."""
    _reason(reason)
    restored: dict[str, Any] | None = None
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # the canary and live rules are what intake reads
        row = load_set(uow, tenant_id, set_id, lock=True)
        if canary_only and row.state != SetState.CANARY.value:
            raise Conflict(f"rule set v{row.version} is {row.state}, no longer in canary")
        if row.state == SetState.ACTIVE.value:
            why = f"rule set v{row.version} rolled back: {reason}"
            before, tier_docs = tiers.split(row.previous or [])
            if any(not is_tier_doc(d) for d in row.rules):
                _replace_live(uow, tenant_id, before, actor=actor, reason=why, now=now,
                              all_checks=True)
            if any(map(is_tier_doc, row.rules)):  # the tiers live before it, or none
                restored = tiers.put_live(uow, tenant_id, tier_docs, None, actor=actor,
                                          reason=why, now=now)
        elif row.state != SetState.CANARY.value:
            raise Conflict(f"rule set v{row.version} is {row.state}; only a canary or "
                           "the active set can be rolled back")
        uow.rule_sets.retire(tenant_id, set_id, now,
                             end_canary=row.state == SetState.CANARY.value)
        # Which tier rules came back (none: the thresholds decide again) is part of the
        # record: the desk's decisions change with them.
        record_change(uow, tenant_id, row, SetState.RETIRED, "rolled_back", actor=actor,
                      reason=reason, now=now,
                      detail=None if restored is None else {"tiers_restored": restored})
        uow.commit()
    strategy.refresh()
    out = get_set(make_uow, tenant_id, set_id)
    return out if restored is None else {**out, "tiers_restored": restored}


def compare(make_uow: UowFactory, tenant_id: str, set_id: int) -> dict[str, Any]:
    """The canary's orders against the others' since the canary started: cost, on time,
    hold rate, and orders a person had to touch (overrides, exceptions)."""
    with make_uow() as uow:
        row = load_set(uow, tenant_id, set_id)
        if row.canary_at is None:
            raise Conflict(f"rule set v{row.version} has not been in canary")
        label = f"canary v{row.version}"
        # The canary's window: from its start to when it was activated or rolled back.
        end = row.canary_until
        last: dict[str, dict[str, Any]] = {}
        for oid, doc in uow.rule_sets.routing_decisions(tenant_id, row.canary_at, end):
            last[oid] = doc
        touched = uow.rule_sets.touched_orders(tenant_id, row.canary_at)
        # Orders held at intake by the checks never reach routing: the audit log has them.
        for oid, detail in uow.audit.details(tenant_id, "rule_decision", row.canary_at, end):
            if detail.get("rules") == "validation" and oid not in last:
                last[oid] = {"rule_set": detail.get("rule_set", "live"), "chosen": None}
    arms: dict[str, dict[str, Any]] = {}
    for oid, doc in last.items():
        arm = doc.get("rule_set", "live")
        if arm not in (label, "live"):
            continue  # another canary's order
        a = arms.setdefault(arm, {"orders": 0, "routed": 0, "held": 0, "cost": 0.0,
                                  "on_time": 0, "touched": 0})
        a["orders"] += 1
        a["touched"] += oid in touched
        chosen = doc.get("chosen")
        if not chosen:
            a["held"] += 1
            continue
        a["routed"] += 1
        a["cost"] += float(chosen["total"])
        due = (doc.get("order") or {}).get("due")
        a["on_time"] += due is None or chosen["promised"] <= due
    out = {}
    for arm, a in arms.items():
        routed = max(a["routed"], 1)
        out[arm] = {"orders": a["orders"], "cost_per_order": round(a["cost"] / routed, 2),
                    "on_time_rate": round(a["on_time"] / routed, 4),
                    "hold_rate": round(a["held"] / max(a["orders"], 1), 4),
                    "manual_interventions": a["touched"]}
    with make_uow() as uow:
        desk = tiers.desk_arms(uow, tenant_id, label, row.canary_at, end)
    return {"rule_set": row.version, "state": row.state, "since": row.canary_at,
            "until": end,
            "slice": row.slice, "arms": out, "desk": desk}
