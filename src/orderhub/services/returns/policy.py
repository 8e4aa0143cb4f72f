"""A tenant's return policy (domain/returns.ReturnPolicy): read it, replace it (a new
version, audited). The defaults apply until a tenant sets one.

The policy is one document per tenant rather than rules of the rule engine
(domain/rules): those rules are conditions on an order at intake (validation checks,
routing), evaluated per order by the pipeline, versioned in rule sets with sandbox and
canary. A return policy is a handful of per-tenant settings (windows by channel and
category, lists of SKUs and categories, reason lists, a percentage) read when a return is
requested or received, like the SLA policies (domain/twin/sla.py), so it is kept as data
in the same way: a validated document, versioned, every change audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orderhub.domain.errors import Conflict
from orderhub.domain.returns import ReturnPolicy
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory


def get_policy(read_uow: UowFactory, tenant_id: str) -> dict[str, Any]:
    with read_uow() as uow:
        policy, version = uow.returns.policy(tenant_id)
    return {"version": version, **policy.as_doc()}


def set_policy(make_uow: UowFactory, tenant_id: str, doc: Mapping[str, Any], *,
               now: datetime, actor: str) -> dict[str, Any]:
    """Replace the policy with `doc` (fields left out keep their defaults); every bad field
    is named at once and nothing is stored. `version` in the document, when given, must
    be the stored one (a stale edit is a conflict)."""
    body = dict(doc)
    expected = body.pop("version", None)
    policy = ReturnPolicy.from_doc(body)
    with make_uow() as uow:
        _, version = uow.returns.policy(tenant_id)
        if expected is not None and expected != version:
            raise Conflict(f"the return policy is at version {version}, not {expected}; "
                           "read it again and retry")
        new_version = uow.returns.save_policy(tenant_id, policy, version, now, actor)
        audit.note(uow, tenant_id, now, actor, "return_policy_change", "return-policy",
                   {"version": new_version, **policy.as_doc()})
        uow.commit()
    return {"version": new_version, **policy.as_doc()}
