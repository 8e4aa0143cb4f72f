"""SLA policies: the version in force per tenant, new versions (a whole document, or one
warehouse's working calendar), their history. Every change is a new version, audited."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from orderhub.adapters.db.twin_repository import PolicyVersion
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.twin.calendar import WorkingCalendar
from orderhub.domain.twin.sla import DEFAULT_DOC, SlaPolicy, parse_policy
from orderhub.services.audit import note
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

_CACHE: dict[tuple[str, int], SlaPolicy] = {}  # versions never change: cache them forever


def policy_in_force(uow: UnitOfWork, tenant_id: str) -> SlaPolicy:
    return policies_in_force(uow, [tenant_id])[tenant_id]


def policies_in_force(uow: UnitOfWork, tenant_ids: list[str]) -> dict[str, SlaPolicy]:
    """Each tenant's policy (the built-in one where it set none), one query for all."""
    heads = uow.twins.policy_heads(tenant_ids)
    out: dict[str, SlaPolicy] = {}
    for tenant in tenant_ids:
        version = heads.get(tenant, 0)
        if version == 0:
            out[tenant] = _default()
            continue
        hit = _CACHE.get((tenant, version))
        if hit is None:
            stored = uow.twins.policy_version(tenant, version)
            assert stored is not None
            hit = parse_policy(stored.document, version=version)
            _CACHE[(tenant, version)] = hit
        out[tenant] = hit
    return out


def _default() -> SlaPolicy:
    hit = _CACHE.get(("", 0))
    if hit is None:
        hit = _CACHE[("", 0)] = SlaPolicy.default()
    return hit


def policy_view(p: PolicyVersion | None) -> dict[str, Any]:
    if p is None:
        return {"version": 0, "built_in": True, "document": copy.deepcopy(DEFAULT_DOC),
                "created_by": None, "created_at": None, "reason": ""}
    return {"version": p.version, "built_in": False, "document": p.document,
            "created_by": p.created_by, "created_at": p.created_at, "reason": p.reason}


def get_policy(make_uow: UowFactory, tenant_id: str, version: int | None = None) -> (
        dict[str, Any]):
    with make_uow() as uow:
        if version is None:
            return policy_view(uow.twins.policy(tenant_id))
        if version == 0:
            return policy_view(None)
        found = uow.twins.policy_version(tenant_id, version)
        if found is None:
            raise NotFound(f"SLA policy version {version} not found")
        return policy_view(found)


def list_versions(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [{k: v for k, v in policy_view(p).items() if k != "document"}
                for p in uow.twins.policy_versions(tenant_id)]


def set_policy(make_uow: UowFactory, tenant_id: str, document: dict[str, Any], *,
               reason: str, now: datetime, actor: str,
               expected_version: int | None = None) -> dict[str, Any]:
    """A new version of the tenant's policy. `expected_version` (the version the writer
    read) makes a concurrent edit a conflict instead of a silent overwrite."""
    parse_policy(document, version=1)  # every problem, with its path, before anything
    with make_uow() as uow:
        current = uow.twins.policy(tenant_id)
        return _store(uow, tenant_id, current, document, reason, now, actor, expected_version,
                      {"replaced": "policy"})


def set_calendar(make_uow: UowFactory, tenant_id: str, warehouse: str,
                 calendar: dict[str, Any], *, reason: str, now: datetime, actor: str,
                 expected_version: int | None = None) -> dict[str, Any]:
    """One warehouse's (or `*`, the default) working calendar, as a new policy version."""
    WorkingCalendar.from_doc(calendar, f"calendars.{warehouse}")
    with make_uow() as uow:
        if warehouse != "*" and uow.catalog.warehouse(tenant_id, warehouse) is None:
            raise InvalidInput([FieldError("warehouse", f"unknown warehouse {warehouse!r}")])
        current = uow.twins.policy(tenant_id)
        doc = copy.deepcopy(current.document if current else DEFAULT_DOC)
        doc.setdefault("calendars", {})[warehouse] = calendar
        parse_policy(doc, version=1)
        return _store(uow, tenant_id, current, doc, reason, now, actor, expected_version,
                      {"calendar": warehouse})


def _store(uow: UnitOfWork, tenant_id: str, current: PolicyVersion | None,
           document: dict[str, Any], reason: str, now: datetime, actor: str,
           expected_version: int | None, what: dict[str, Any]) -> dict[str, Any]:
    version = current.version if current else 0
    if expected_version is not None and expected_version != version:
        raise Conflict(f"the SLA policy is at version {version}, not {expected_version}: "
                       "someone changed it meanwhile; read it again")
    stored = PolicyVersion(tenant_id, version + 1, document, reason, actor, now)
    try:
        uow.twins.add_policy(stored)
    except IntegrityError:  # a concurrent writer stored this version first
        raise Conflict(f"the SLA policy changed meanwhile (version {version + 1} exists); "
                       "read it again") from None
    note(uow, tenant_id, now, actor, "sla_change", f"sla-policy/{version + 1}",
         {**what, "from_version": version, "reason": reason})
    uow.commit()
    return policy_view(stored)
