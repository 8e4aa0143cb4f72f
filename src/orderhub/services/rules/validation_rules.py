"""A tenant's validation checks, stored, versioned and audited. They are rules of the one
rule model (domain/routing/rules.py: a rule whose action is a `check`), so they travel in
rule sets (sandbox, canary, activation) beside routing rules; PATCH /v1/validation/rules
stays as the quick edit of one check's parameters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from orderhub.adapters.db import tables as t
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.routing.state import Canary
from orderhub.domain.rules.model import (
    RoutingRule,
    condition_doc,
    parse_rule,
    to_check,
)
from orderhub.domain.rules.rule_sets import Slice
from orderhub.domain.rules.validation import DEFAULT_RULES, Level, Rule, param_errors
from orderhub.services import audit
from orderhub.services.network.directory import load_canary
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)
_r = t.validation_rules.c


def _when(rule: Rule) -> dict[str, Any]:
    return condition_doc(rule.scope) if rule.scope is not None else {}


def _as_doc(rule: Rule) -> dict[str, Any]:
    """A stored check in the one rule model's JSON shape."""
    return {"code": rule.code, "description": rule.description, "when": _when(rule),
            "then": {"check": rule.check, "level": rule.level.value,
                     "params": dict(rule.params)},
            "enabled": rule.enabled}


def _rule(row: Any) -> Rule:
    rule = Rule(row["code"], Level(row["level"]), row["check"], dict(row["params"] or {}),
                bool(row["enabled"]), row["description"], row["version"])
    if not row["scope"]:  # the common case, read for every batch: no parsing needed
        return rule
    try:
        return to_check(parse_rule({**_as_doc(rule), "when": row["scope"]},
                                   version=row["version"]))
    except InvalidInput as exc:  # validated when written; never let one stop intake
        log.error("validation rule %s v%s read without its scope: %s", row["code"],
                  row["version"], "; ".join(f"{e.loc}: {e.message}" for e in exc.errors))
        return rule


def rule_view(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "level": rule.level.value,
        "check": rule.check,
        "params": dict(rule.params),
        "when": _when(rule),
        "enabled": rule.enabled,
        "description": rule.description,
        "version": rule.version,
    }


def load_rules(conn: Connection, tenant_id: str) -> list[Rule]:
    """The tenant's checks, or the defaults while it has not stored any."""
    rows = (
        conn.execute(select(t.validation_rules).where(_r.tenant_id == tenant_id).order_by(_r.code))
        .mappings()
        .all()
    )
    return [_rule(r) for r in rows] if rows else list(DEFAULT_RULES)


def check_codes(conn: Connection, tenant_id: str) -> set[str]:
    codes = {c for (c,) in conn.execute(select(_r.code).where(_r.tenant_id == tenant_id))}
    return codes or {r.code for r in DEFAULT_RULES}


def check_docs(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    """The live checks as rule documents (what a rule set holds)."""
    return [_as_doc(r) for r in load_rules(conn, tenant_id)]


def overlay(live: Sequence[Rule], rules: Sequence[RoutingRule]) -> list[Rule]:
    """The live checks with a rule set's checks in place of those of the same code (a set
    changes the checks it names; the others stay as they are)."""
    mine = {r.code: to_check(r) for r in rules if r.is_check}
    out = [mine.pop(r.code, r) for r in live]
    return sorted([*out, *mine.values()], key=lambda r: r.code)


@dataclass(frozen=True)
class CanaryChecks:
    label: str
    slice: Slice
    rules: list[Rule]


def canary_checks(conn: Connection, tenant_id: str, live: Sequence[Rule],
                  canary: Canary | bool | None = False) -> CanaryChecks | None:
    """The checks orders in a canary's slice are validated with (the live ones where the
    canary changes none, so its orders are still counted in its arm). `canary`: the one
    routing already loaded (None: there is none), else it is read here."""
    if canary is False:
        canary = load_canary(conn, tenant_id)
    if not isinstance(canary, Canary):
        return None
    return CanaryChecks(canary.label, canary.slice, overlay(live, canary.checks))


def _seed(conn: Connection, tenant_id: str, actor: str, now: datetime) -> None:
    if conn.execute(select(_r.code).where(_r.tenant_id == tenant_id).limit(1)).first():
        return
    conn.execute(
        t.validation_rules.insert(),
        [
            {
                "tenant_id": tenant_id,
                "code": r.code,
                "level": r.level.value,
                "check": r.check,
                "params": dict(r.params),
                "enabled": r.enabled,
                "description": r.description,
                "version": 1,
                "updated_by": actor,
                "updated_at": now,
                "scope": None,
            }
            for r in DEFAULT_RULES
        ],
    )
    conn.execute(
        t.validation_rule_history.insert(),
        [
            {
                "tenant_id": tenant_id,
                "code": r.code,
                "version": 1,
                "snapshot": rule_view(r),
                "changed_by": actor,
                "reason": "default rule set",
                "changed_at": now,
            }
            for r in DEFAULT_RULES
        ],
    )


def save_check(uow: UnitOfWork, tenant_id: str, rule: RoutingRule, *, actor: str,
               reason: str, now: datetime) -> dict[str, Any]:
    """Create or change a check from its rule; unchanged content changes nothing. A new
    version, its history row and an audit entry with the diff, in the caller's
    transaction."""
    _seed(uow.conn, tenant_id, actor, now)
    new = to_check(rule)
    row = uow.conn.execute(select(t.validation_rules).where(
        _r.tenant_id == tenant_id, _r.code == rule.code)).mappings().first()
    after = rule_view(new)
    after.pop("version")
    before: dict[str, Any] = {}
    if row is not None:
        before = rule_view(_rule(row))
        before.pop("version")
        if before == after:
            return {**after, "version": row["version"], "changed": False}
    version = 1 if row is None else row["version"] + 1
    values = {"level": new.level.value, "check": new.check, "params": dict(new.params),
              "enabled": new.enabled, "description": new.description, "version": version,
              "updated_by": actor, "updated_at": now, "scope": after["when"] or None}
    if row is None:
        uow.conn.execute(t.validation_rules.insert().values(tenant_id=tenant_id,
                                                            code=rule.code, **values))
    else:
        uow.conn.execute(update(t.validation_rules).where(
            _r.tenant_id == tenant_id, _r.code == rule.code).values(**values))
    _history(uow, tenant_id, {**after, "version": version}, before, actor=actor,
             reason=reason, now=now, change="created" if row is None else "updated")
    return {**after, "version": version, "changed": True}


def _history(uow: UnitOfWork, tenant_id: str, after: Mapping[str, Any],
             before: Mapping[str, Any], *, actor: str, reason: str, now: datetime,
             change: str) -> None:
    uow.conn.execute(t.validation_rule_history.insert().values(
        tenant_id=tenant_id, code=after["code"], version=after["version"], snapshot=dict(after),
        changed_by=actor, reason=reason, changed_at=now))
    diff = {k: {"before": before.get(k), "after": after.get(k)}
            for k in sorted(set(before) | set(after))
            if k != "version" and before.get(k) != after.get(k)}
    audit.append(uow.conn, tenant_id, [audit.Record(
        now, actor, "rule_change", f"validation-rule/{after['code']}",
        {"change": change, "version": after["version"], "reason": reason, "diff": diff})])


def disable_others(uow: UnitOfWork, tenant_id: str, keep: set[str], *, actor: str,
                   reason: str, now: datetime) -> None:
    """Switch off the live checks not in `keep` (restoring a full snapshot); works on the
    stored rows, so a check stored before its parameters were checked cannot block it."""
    _seed(uow.conn, tenant_id, actor, now)
    rows = uow.conn.execute(select(t.validation_rules).where(
        _r.tenant_id == tenant_id, _r.enabled.is_(True))).mappings().all()
    for row in rows:
        if row["code"] in keep:
            continue
        before = rule_view(_rule(row))
        version = row["version"] + 1
        uow.conn.execute(update(t.validation_rules).where(
            _r.tenant_id == tenant_id, _r.code == row["code"]).values(
            enabled=False, version=version, updated_by=actor, updated_at=now))
        _history(uow, tenant_id, {**before, "enabled": False, "version": version}, before,
                 actor=actor, reason=reason, now=now, change="disabled")


def list_rules(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [rule_view(r) for r in load_rules(uow.conn, tenant_id)]


def update_rule(
    make_uow: UowFactory,
    tenant_id: str,
    code: str,
    *,
    params: dict[str, Any] | None,
    enabled: bool | None,
    reason: str,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Change a rule's parameters or switch it on/off; the version goes up and the previous
    state stays in the history with who, when and why."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why the rule changes (audited)")])
    with make_uow() as uow:
        _seed(uow.conn, tenant_id, actor, now)
        row = (
            uow.conn.execute(
                select(t.validation_rules).where(_r.tenant_id == tenant_id, _r.code == code)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"validation rule '{code}' not found")
        current = _rule(row)
        new_params = dict(current.params) if params is None else params
        if params is not None:
            _check_params(current.check, new_params)
        version = current.version + 1
        uow.conn.execute(
            update(t.validation_rules)
            .where(_r.tenant_id == tenant_id, _r.code == code)
            .values(
                params=new_params,
                enabled=current.enabled if enabled is None else enabled,
                version=version,
                updated_by=actor,
                updated_at=now,
            )
        )
        changed = Rule(
            current.code,
            current.level,
            current.check,
            new_params,
            current.enabled if enabled is None else enabled,
            current.description,
            version,
            current.scope,
        )
        _history(uow, tenant_id, rule_view(changed), rule_view(current), actor=actor,
                 reason=reason, now=now, change="updated")
        uow.commit()
        return rule_view(changed)


def rule_history(make_uow: UowFactory, tenant_id: str, code: str) -> list[dict[str, Any]]:
    h = t.validation_rule_history.c
    with make_uow() as uow:
        rows = (
            uow.conn.execute(
                select(t.validation_rule_history)
                .where(h.tenant_id == tenant_id, h.code == code)
                .order_by(h.version)
            )
            .mappings()
            .all()
        )
    return [
        {
            "version": r["version"],
            "snapshot": r["snapshot"],
            "changed_by": r["changed_by"],
            "reason": r["reason"],
            "changed_at": r["changed_at"],
        }
        for r in rows
    ]


def _check_params(check: str, params: dict[str, Any]) -> None:
    errors = param_errors(check, params)
    if errors:
        raise InvalidInput(errors)
