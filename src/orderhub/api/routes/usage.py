"""/v1/usage: what the caller's tenant used (calls, orders, rows) and its monthly statement."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from orderhub.api.deps import HubDep, TenantDep
from orderhub.services import metering

router = APIRouter(prefix="/v1/usage", tags=["usage"])


@router.get("")
def get_usage(
    hub: HubDep,
    tenant: TenantDep,
    from_: Annotated[date | None, Query(alias="from", description="First day (UTC), "
                                        "default the first of this month")] = None,
    to: Annotated[date | None, Query(description="Last day (UTC, included), default "
                                     "today")] = None,
    group_by: Annotated[Literal["operation", "credential", "day"],
                        Query(description="operation | credential | day")] = "operation",
) -> Any:
    """Calls (and those answered 4xx/5xx), orders and rows, grouped; counts are written
    every few seconds by each API process (this one's are written first)."""
    today = hub.clock().date()
    hub.flush_usage()
    return metering.usage(hub.read_uow, tenant, from_ or today.replace(day=1), to or today,
                          group_by)


@router.get("/statement")
def get_statement(
    hub: HubDep,
    tenant: TenantDep,
    month: Annotated[str, Query(description="YYYY-MM", min_length=7, max_length=7)],
) -> Any:
    """The month's bill per service of the catalogue (GET /v1/services): billable units
    (calls answered 2xx), unit price, amount, total; CNY, amounts as decimal strings."""
    hub.flush_usage()
    return metering.statement(hub.read_uow, tenant, month)
