"""A tenant's validation rule set: stored, versioned, listed and edited through the API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
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


def _is_list_of_str(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_amount(v: Any, high: str | None = None) -> bool:
    try:
        d = Decimal(str(v))
    except (InvalidOperation, ValueError):
        return False
    return d.is_finite() and d >= 0 and (high is None or d <= Decimal(high))


def _is_count(v: Any, low: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and low <= v <= 1_000_000


def _is_stage_map(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(r, list) and len(r) == 2 and all(_is_count(x) for x in r) and r[0] < r[1]
        for r in v.values())


_PARAMS: dict[str, dict[str, tuple[Any, str]]] = {
    "required_fields": {"fields": (_is_list_of_str, "a list of field paths")},
    "address_complete": {"countries": (_is_list_of_str, "a list of country codes"),
                         "require": (_is_list_of_str, "a list of address fields")},
    "phone_valid": {"allow_masked": (lambda v: isinstance(v, bool), "true or false")},
    "amounts_consistent": {"tolerance": (_is_amount, "a non-negative amount")},
    "sku_mapped": {}, "sku_known": {}, "sellable_in_channel": {}, "atp_available": {},
    "formula_stage": {"attribute": (lambda v: isinstance(v, str) and v, "an attribute name"),
                      "require_declaration": (lambda v: isinstance(v, bool), "true or false"),
                      "stage_months": (_is_stage_map, "stage -> [from, to) months")},
    "age_restricted": {"attribute": (lambda v: isinstance(v, str) and v, "an attribute name"),
                       "alcohol_min_age": (_is_count, "a whole number of years"),
                       "require_declaration": (lambda v: isinstance(v, bool), "true or false")},
    "quantity_limit": {"window_days": (lambda v: _is_count(v, 1), "a whole number of days"),
                       "order_types": (_is_list_of_str, "a list of order types"),
                       "default_max_per_customer": (lambda v: v is None or _is_count(v, 1),
                                                    "a whole number, at least 1")},
    "cross_border": {"declared_value_limit": (_is_amount, "a non-negative amount")},
    "price_floor": {"min_ratio_of_list": (lambda v: _is_amount(v, "1"), "a ratio 0..1")},
}


def _check_params(check: str, params: dict[str, Any]) -> None:
    """Parameters are typed per check, so a bad value is refused here and not discovered
    by every order that follows."""
    if check not in CHECKS:
        raise InvalidInput([FieldError("check", f"unknown check '{check}'")])
    allowed = _PARAMS.get(check, {})
    errors = []
    for key, value in params.items():
        if key not in allowed:
            errors.append(FieldError(f"params.{key}", f"not a parameter of {check}; known: "
                                     + (", ".join(sorted(allowed)) or "none")))
        elif not allowed[key][0](value):
            errors.append(FieldError(f"params.{key}", f"must be {allowed[key][1]}"))
    if errors:
        raise InvalidInput(errors)
