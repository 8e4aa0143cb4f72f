"""The desk's data that people maintain: the tier policy (versioned per tenant, every
version audited) and the SKU substitution table (audited)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.exceptions import Substitution, TierPolicy
from orderhub.services import audit
from orderhub.services.exceptions.desk import load_policy
from orderhub.services.unit_of_work import UowFactory


def get_policy(make_uow: UowFactory, tenant_id: str) -> dict[str, Any]:
    with make_uow() as uow:
        return load_policy(uow, tenant_id).as_document()


def set_policy(make_uow: UowFactory, tenant_id: str, document: dict[str, Any], *,
               reason: str, actor: str, now: datetime) -> dict[str, Any]:
    """A new version of the tenant's default tier policy (sections left out keep their
    defaults). Tier rules are not set here: they go live through a rule set (sandbox,
    canary, activation), and a new version keeps the ones in force."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "a policy change needs a reason (audited)")])
    given = document.get("tiers")
    doc = {k: v for k, v in document.items() if k not in ("version", "tiers")}
    with make_uow() as uow:
        before = load_policy(uow, tenant_id)
        current = before.as_document()["tiers"]
        if given is not None and given != current:
            raise InvalidInput([FieldError("tiers", "tier rules change through a rule set "
                                           "(POST /v1/rules/sets: sandbox, canary, "
                                           "activation); leave tiers out here")])
        policy = TierPolicy.from_document({**doc, "tiers": current}, before.version + 1)
        uow.exceptions.add_policy(tenant_id, policy.version, policy.as_document(),
                                  reason=reason, actor=actor, at=now)
        audit.note(uow, tenant_id, now, actor, "exception_policy",
                   f"exception-policy/{policy.version}",
                   {"version": policy.version, "reason": reason,
                    "changed": audit.changed(before.as_document(), policy.as_document())})
        uow.commit()
        return policy.as_document()


def list_substitutions(make_uow: UowFactory, tenant_id: str,
                       sku: str | None = None) -> list[dict[str, Any]]:
    with make_uow() as uow:
        subs = uow.exceptions.substitutions(tenant_id, [sku] if sku else None)
    return [{"sku": s.sku, "substitute": s.substitute, "ratio": str(s.ratio)} for s in subs]


def put_substitution(make_uow: UowFactory, tenant_id: str, sku: str, substitute: str,
                     ratio: Decimal, *, actor: str, now: datetime) -> dict[str, Any]:
    errors = []
    if sku == substitute:
        errors.append(FieldError("substitute", "an SKU cannot substitute itself"))
    if not ratio.is_finite() or ratio <= 0 or ratio > 1000:
        errors.append(FieldError("ratio", "must be more than 0 and at most 1000"))
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        known = uow.catalog.skus_by_code(tenant_id, [sku, substitute])
        missing = [FieldError(f, f"unknown SKU '{code}'")
                   for f, code in (("sku", sku), ("substitute", substitute))
                   if code not in known]
        if missing:
            raise InvalidInput(missing)
        before = uow.exceptions.put_substitution(
            tenant_id, Substitution(sku, substitute, ratio), actor, now)
        audit.note(uow, tenant_id, now, actor, "substitution_change",
                   f"substitution/{sku}/{substitute}",
                   {"ratio": {"before": str(before.ratio) if before else None,
                              "after": str(ratio)}})
        uow.commit()
    return {"sku": sku, "substitute": substitute, "ratio": str(ratio)}


def delete_substitution(make_uow: UowFactory, tenant_id: str, sku: str, substitute: str, *,
                        actor: str, now: datetime) -> None:
    with make_uow() as uow:
        if not uow.exceptions.delete_substitution(tenant_id, sku, substitute):
            raise NotFound(f"no substitution of {sku} by {substitute}")
        audit.note(uow, tenant_id, now, actor, "substitution_change",
                   f"substitution/{sku}/{substitute}", {"deleted": True})
        uow.commit()
