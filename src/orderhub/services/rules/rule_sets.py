"""Rule sets through their lifecycle: a draft (checked, contradictions flagged), a sandbox
run that replays past orders through it beside the live rules and through stress
scenarios (tested when it passes: sandbox.py), a canary for a slice of new orders with
both arms measured side by side, activation (its rules become the live rules) and a
rollback that takes effect for new orders at once (rollout.py). Every step is audited and
evented.

This module holds the drafts and what every step shares: a set read by id, a change
recorded (its event and audit entry in the same transaction), rules as a set stores them.

A set holds rules of every kind: routing rules (the set's are the complete list: live
routing rules it lacks are switched off when it is activated; a set with none leaves them
as they are) and validation checks (the set changes the checks it names, the others stay;
a draft copied from the live rules names them all).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from orderhub.adapters.db.rule_set_repository import StoredRuleSet
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.events import RuleSetChanged
from orderhub.domain.rules.model import (
    RoutingRule,
    is_check_doc,
    is_tier_doc,
    parse_rule,
    rule_doc,
)
from orderhub.domain.rules.rule_sets import SetState, contradictions
from orderhub.services import audit
from orderhub.services.rules import tiers, validation_rules
from orderhub.services.rules.routing_rules import parse_docs
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

CONTRADICTIONS_SHOWN = 100  # kept as warnings (the set fails its sandbox with any)


def _view(row: StoredRuleSet) -> dict[str, Any]:
    return {"id": row.id, "version": row.version, "state": row.state,
            "rules": row.rules, "warnings": row.warnings, "sandbox": row.sandbox,
            "slice": row.slice, "reason": row.reason, "created_by": row.created_by,
            "created_at": row.created_at, "changed_at": row.changed_at,
            "canary_at": row.canary_at}


def load_set(uow: UnitOfWork, tenant_id: str, set_id: int, *, lock: bool = False
             ) -> StoredRuleSet:
    """The set by id (its row locked with `lock`), or NotFound."""
    row = uow.rule_sets.get(tenant_id, set_id, lock=lock)
    if row is None:
        raise NotFound(f"rule set {set_id} not found")
    return row


def record_change(uow: UnitOfWork, tenant_id: str, row: StoredRuleSet, state: SetState,
                  change: str, *, actor: str, reason: str, now: datetime,
                  detail: Mapping[str, Any] | None = None) -> None:
    """A step of the set's lifecycle: its event and its audit entry, both written with the
    unit of work's commit."""
    uow.record(RuleSetChanged(tenant_id=tenant_id, occurred_at=now, actor=actor,
                              reason=reason, rule_set=row.id, version=row.version,
                              state=state.value, change=change))
    uow.audit.add(tenant_id, [audit.Record(
        now, actor, "rule_change", f"rule-set/{row.version}",
        {"change": change, "state": state.value, "reason": reason, **(detail or {})})])


def stored_docs(rules: Sequence[RoutingRule]) -> list[dict[str, Any]]:
    """The rules as documents the way a set stores them: without their version."""
    out = []
    for r in rules:
        d = rule_doc(r)
        d.pop("version")
        out.append(d)
    return out


# ----- drafts -------------------------------------------------------------------------------

def _normal(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A rule document in its canonical shape (as `rule_doc` writes it); one that no
    longer parses (stored before a check tightened) is compared as it is."""
    try:
        out = rule_doc(parse_rule(doc))
    except InvalidInput:
        out = dict(doc)
    out.pop("version", None)
    return out


def changes_from_live(uow: UnitOfWork, tenant_id: str, docs: Sequence[Mapping[str, Any]]
                      ) -> dict[str, Any]:
    """What activating the set would change: rules added, switched off (routing rules it
    lacks), and changed with each field before and after (a disabled rule the set
    switches on shows `enabled: false -> true`)."""
    live = {d["code"]: d for d in map(_normal, [
        *stored_docs(uow.rules.routing_rules(tenant_id, enabled_only=False)),
        *validation_rules.check_docs(uow, tenant_id), *tiers.live_tier_docs(uow, tenant_id)])}
    mine = {d["code"]: d for d in map(_normal, docs)}
    has_routing = any(not is_check_doc(d) and not is_tier_doc(d) for d in docs)
    has_tiers = any(map(is_tier_doc, docs))
    added = sorted(c for c in mine if c not in live)
    removed = sorted(c for c, d in live.items() if c not in mine and d.get("enabled", True)
                     and ((has_tiers and is_tier_doc(d))
                          or (has_routing and not is_check_doc(d) and not is_tier_doc(d))))
    changed = {}
    for code in sorted(set(mine) & set(live)):
        a, b = live[code], mine[code]
        fields = {k: {"before": a.get(k), "after": b.get(k)}
                  for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
        if fields:
            changed[code] = fields
    return {"added": added, "switched_off": removed, "changed": changed}


def create_draft(make_uow: UowFactory, tenant_id: str, docs: Sequence[Any] | None, *,
                 actor: str, reason: str, now: datetime) -> dict[str, Any]:
    """A new draft set: the given rules (all valid, or 422), or a copy of the live ones."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why the rules change")])
    with make_uow() as uow:
        out = draft_in(uow, tenant_id, docs, actor=actor, reason=reason, now=now)
        uow.commit()
        return out


def draft_in(uow: UnitOfWork, tenant_id: str, docs: Sequence[Any] | None, *, actor: str,
             reason: str, now: datetime) -> dict[str, Any]:
    """`create_draft` in the caller's transaction (a compliance pack drafts its rules with
    the pack's own state change)."""
    left_out: list[str] = []
    if docs is not None:
        rules = parse_docs(uow, tenant_id, docs)
        tiers.check_safety(uow, tenant_id, rules)
    else:
        rules = list(uow.rules.routing_rules(tenant_id))
        rules.extend(parse_rule(d) for d in tiers.live_tier_docs(uow, tenant_id))
        for d in validation_rules.check_docs(uow, tenant_id):
            try:
                rules.append(parse_rule(d))
            except InvalidInput as exc:  # stored before a check tightened
                left_out.append(f"live check {d['code']} left out: it no longer passes "
                                f"its checks ({exc.errors[0].loc}: {exc.errors[0].message})")
    twice = sorted(code for code, n in Counter(r.code for r in rules).items() if n > 1)
    if twice:  # (only data from before codes were kept unique across kinds)
        raise Conflict(f"a routing rule and a validation check share the code "
                       f"{', '.join(twice)}; rename one first")
    if not rules:
        raise InvalidInput([FieldError("rules", "a rule set needs at least one rule")])
    found = contradictions(rules, limit=CONTRADICTIONS_SHOWN + 1)
    warnings = [c.message for c in found[:CONTRADICTIONS_SHOWN]]
    if len(found) > CONTRADICTIONS_SHOWN:
        warnings.append(f"more contradictions beyond these {CONTRADICTIONS_SHOWN}")
    row = uow.rule_sets.add_draft(tenant_id, stored_docs(rules), warnings,
                                  reason=reason, actor=actor, at=now)
    diff = changes_from_live(uow, tenant_id, row.rules)
    record_change(uow, tenant_id, row, SetState.DRAFT, "created", actor=actor,
                  reason=reason, now=now,
                  detail={"rules": [r.code for r in rules], "warnings": warnings,
                          "diff": diff})
    return {**_view(row), "changes_from_live": diff, "left_out": left_out}


def list_sets(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [_view(r) for r in uow.rule_sets.newest_first(tenant_id)]


def get_set(make_uow: UowFactory, tenant_id: str, set_id: int) -> dict[str, Any]:
    """The set, and what it would change in the live rules now."""
    with make_uow() as uow:
        row = load_set(uow, tenant_id, set_id)
        return {**_view(row), "changes_from_live": changes_from_live(uow, tenant_id,
                                                                     row.rules)}
