"""/v1/audit: the tamper-evident log of rule changes, of the decisions rules made and of
administrative changes; its verification and its signed checkpoints (anchors)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from orderhub.api.deps import HubDep, TenantDep
from orderhub.domain.audit import AUDITED_KINDS
from orderhub.services import audit

router = APIRouter(prefix="/v1/audit", tags=["audit"])

_KINDS = "^(" + "|".join(AUDITED_KINDS) + ")$"


@router.get("")
def list_entries(hub: HubDep, tenant: TenantDep,
                 subject: Annotated[str | None, Query(max_length=200)] = None,
                 kind: Annotated[str | None, Query(pattern=_KINDS)] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 before: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> Any:
    """Newest first: `subject` is an order id, `routing-rule/<code>`, `warehouse/<code>`,
    `webhook/<id>`...; `kind` one of the audited kinds; page with `before` (the smallest
    `seq` you have)."""
    return audit.entries(hub.read_uow, tenant, subject=subject, kind=kind, limit=limit,
                         before=before)


@router.get("/verify")
def verify(hub: HubDep, tenant: TenantDep) -> Any:
    """Recompute the keyed chain and check it against the signed checkpoints (in the table
    and in the export file outside the database); `first_broken` is the first entry that
    does not check out."""
    v = audit.verify_chain(hub.read_uow, tenant, key_dir=hub.settings.key_dir)
    return {"ok": v.ok, "checked": v.checked, "first_broken": v.first_broken,
            "problem": v.problem, "anchors": v.anchors, "anchored_seq": v.anchored_seq,
            "legacy": v.legacy}


@router.get("/checkpoints")
def checkpoints(hub: HubDep, tenant: TenantDep) -> Any:
    """The tenant's signed checkpoints, oldest first, each with the Ed25519 public key that
    checks its signature over {"at", "hash", "seq", "tenant"} (sorted-key JSON)."""
    return {"public_key": hub.audit_key.public_key,
            "checkpoints": audit.list_checkpoints(hub.read_uow, tenant)}
