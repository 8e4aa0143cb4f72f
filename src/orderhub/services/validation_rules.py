"""A tenant's validation rule set: stored, versioned, listed and edited through the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from orderhub.adapters.db import tables as t
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.validation import CHECKS, DEFAULT_RULES, Level, Rule
from orderhub.services.unit_of_work import UowFactory

_r = t.validation_rules.c


def _rule(row: Any) -> Rule:
    return Rule(
        code=row["code"],
        level=Level(row["level"]),
        check=row["check"],
        params=dict(row["params"] or {}),
        enabled=bool(row["enabled"]),
        description=row["description"],
        version=row["version"],
    )


def rule_view(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "level": rule.level.value,
        "check": rule.check,
        "params": dict(rule.params),
        "enabled": rule.enabled,
        "description": rule.description,
        "version": rule.version,
    }


def load_rules(conn: Connection, tenant_id: str) -> list[Rule]:
    """The tenant's rules, or the defaults while it has not stored any."""
    rows = (
        conn.execute(select(t.validation_rules).where(_r.tenant_id == tenant_id).order_by(_r.code))
        .mappings()
        .all()
    )
    return [_rule(r) for r in rows] if rows else list(DEFAULT_RULES)


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
        )
        uow.conn.execute(
            t.validation_rule_history.insert().values(
                tenant_id=tenant_id,
                code=code,
                version=version,
                snapshot=rule_view(changed),
                changed_by=actor,
                reason=reason,
                changed_at=now,
            )
        )
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
    if check not in CHECKS:
        raise InvalidInput([FieldError("check", f"unknown check '{check}'")])
    numeric = {
        "tolerance",
        "declared_value_limit",
        "min_ratio_of_list",
        "window_days",
        "alcohol_min_age",
        "default_max_per_customer",
    }
    errors = []
    for key, value in params.items():
        if key in numeric and value is not None:
            try:
                if float(str(value)) < 0:
                    raise ValueError
            except ValueError:
                errors.append(FieldError(f"params.{key}", "must be a non-negative number"))
    if errors:
        raise InvalidInput(errors)
