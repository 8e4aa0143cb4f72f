"""Per-tenant planning settings (service level, costs, the auto-accept rule, routing's
sell-out penalty): read with defaults, changed with an audit entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderhub.domain.planning.plan import PlanningSettings
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def load(uow: UnitOfWork, tenant_id: str) -> PlanningSettings:
    doc = uow.planning.settings(tenant_id)
    return PlanningSettings.parse(doc) if doc else PlanningSettings()


def show(make_uow: UowFactory, tenant_id: str) -> dict[str, Any]:
    with make_uow() as u:
        return load(u, tenant_id).as_dict()


def change(make_uow: UowFactory, tenant_id: str, changes: dict[str, Any], *, actor: str,
           now: datetime) -> dict[str, Any]:
    """Apply the changes (all or nothing: a bad value is a field error)."""
    with make_uow() as u:
        before = load(u, tenant_id)
        after = PlanningSettings.parse(changes, before)
        u.planning.save_settings(tenant_id, after.as_dict(), now, actor)
        if after.routing_sellout_penalty != before.routing_sellout_penalty:
            u.network.bump(tenant_id)  # routing reads the term with the network state
        audit.note(u, tenant_id, now, actor, "planning_change", "planning-settings",
                   {"changed": {k: after.as_dict()[k] for k in changes}})
        u.commit()
    return after.as_dict()
