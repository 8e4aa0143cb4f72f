"""/v1/reconciliation/...: settlement files and carrier bills imported, periods reconciled,
the report (JSON, CSV, XLSX) and the period close (domain/reconciliation.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Strict
from orderhub.domain.errors import Forbidden
from orderhub.services.reconciliation import settlement, views


async def _not_warehouse_bound(principal: PrincipalDep) -> None:
    """Settlements and their findings span every order of the tenant (and rows of none):
    not for a credential bound to warehouses, which sees only the orders released to them."""
    if principal.warehouses:
        raise Forbidden("finance:read", "reconciliation covers every order of the tenant; "
                        "a credential bound to warehouses may not use it")


router = APIRouter(prefix="/v1/reconciliation", tags=["reconciliation"],
                   dependencies=[Depends(_not_warehouse_bound)])
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FILE_TYPES = {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}},
}
_PERIOD = Query(pattern=r"^\d{4}-\d{2}$", description="The month, YYYY-MM (China time)")
PeriodQ = Annotated[str, _PERIOD]
ScopeQ = Annotated[str | None, Query(max_length=64, description=(
    "A channel code or carrier:<name>; all scopes of the period when left out"))]


class ImportOut(BaseModel):
    id: str
    scope: str
    source: str
    period: str
    filename: str
    sha256: str
    rows: int = Field(description="settlement rows stored (a Douyin or Shopify line may "
                      "give several: payment, fee, commission, refund)")
    skipped: int = Field(description="lines with no order by their nature (withdrawals, "
                         "payouts)")
    lines: int | None = None
    imported_at: str
    imported_by: str


class RunIn(Strict):
    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    scope: str | None = Field(None, max_length=64)
    tolerance: Decimal = Field(Decimal("0.01"), ge=0, le=1000,
                               description="amount differences up to this are matches")
    fee_rates: dict[str, Decimal] = Field(default_factory=dict, description=(
        "expected rate of a fee or commission type of the grand total, by the file's "
        "label (e.g. {\"佣金\": 0.05})"))


class RunOut(BaseModel):
    id: str
    scope: str
    period: str
    created_at: str
    created_by: str
    parameters: dict[str, Any]
    summary: dict[str, Any]


class CloseIn(Strict):
    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    scope: str | None = Field(None, max_length=64)


@router.post("/imports", response_model=ImportOut, status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": _FILE_TYPES}},
             responses={409: {"description": "The period is closed, or the same file was "
                              "imported for it"},
                        422: {"description": "A bad file: every unknown or missing column, "
                              "bad row and field; nothing stored"}})
async def import_settlement(
    request: Request, hub: HubDep, tenant: TenantDep, actor: ActorDep,
    source: Annotated[str, Query(max_length=64, description=(
        "tmall | jd | douyin | shopify | carrier:<name>"))],
    period: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description=(
        "YYYY-MM; taken from the rows' dates when they are all in one month"))] = None,
    channel: Annotated[str | None, Query(max_length=64, description=(
        "The tenant's channel code the file settles (default: the source's name)"))] = None,
    filename: Annotated[str, Query(max_length=300, description=(
        "The file's name; .xlsx is read as a workbook, anything else as CSV"))]
    = "settlement.csv",
) -> Any:
    """Import a channel's settlement file or a carrier's bill (CSV or XLSX as the body)."""
    data = await request.body()
    return settlement.import_file(hub.uow, tenant, data, filename, source=source,
                                  period=period, channel=channel, now=hub.clock(),
                                  actor=actor)


@router.get("/imports", response_model=list[ImportOut])
def list_imports(hub: HubDep, tenant: TenantDep, period: PeriodQ, scope: ScopeQ = None
                 ) -> Any:
    """The files imported for the period."""
    return views.imports(hub.read_uow, tenant, period, scope)


@router.post("/runs", response_model=list[RunOut], status_code=201,
             responses={409: {"description": "The period is closed"}})
def run(body: RunIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Reconcile the period (one scope, or every scope with imports): a new run each."""
    runs = settlement.run(hub.uow, tenant, body.period, scope=body.scope,
                          tolerance=body.tolerance, fee_rates=body.fee_rates,
                          now=hub.clock(), actor=actor)
    return [r.as_dict() for r in runs]


@router.get("/report")
def report(hub: HubDep, tenant: TenantDep, period: PeriodQ, scope: ScopeQ = None,
           code: Annotated[list[str] | None, Query(description="Only these reason codes")]
           = None,
           limit: Annotated[int, Query(ge=1, le=100_000)] = 200) -> Any:
    """Per scope: open or closed, the latest run's summary and its findings with reason
    codes and Chinese labels."""
    return views.report(hub.read_uow, tenant, period, scope=scope, codes=code or [],
                        limit=limit)


@router.get("/report/export", response_class=Response,
            responses={200: {"content": {"text/csv": {}, _XLSX: {}},
                             "description": "Every finding, one row each"}})
def export(hub: HubDep, tenant: TenantDep, period: PeriodQ, scope: ScopeQ = None,
           format_: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
           code: Annotated[list[str] | None, Query()] = None) -> Response:
    """The report as a CSV or XLSX file for finance."""
    data, media_type, name = views.export(hub.read_uow, tenant, period, format_,
                                          scope=scope, codes=code or [])
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", name)  # a header is latin-1: no quotes, no CJK
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{plain}\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}"})


@router.get("/codes")
def reason_codes() -> Any:
    """The reason codes and their Chinese labels."""
    return views.codes()


@router.post("/periods/close", status_code=200,
             responses={409: {"description": "Not reconciled, a file came after the latest "
                              "run, or already closed"}})
def close(body: CloseIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Close the period on its latest run: frozen, later imports and runs refused."""
    return settlement.close(hub.uow, tenant, body.period, scope=body.scope, now=hub.clock(),
                            actor=actor)
