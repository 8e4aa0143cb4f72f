"""/v1/channels/{code}/...: channel cut-over in shadow mode (docs/channels.md): put a channel
into shadow, import the legacy system's export, read the comparison, promote it live."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from orderhub.adapters.legacy_export import parse_mapping
from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.problems import problem
from orderhub.api.schemas import Line, Moment, Strict
from orderhub.services import cutover

router = APIRouter(prefix="/v1/channels", tags=["channels"])

_FILE_TYPES = {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}},
}


class ModeIn(Strict):
    reason: Line = Field("", max_length=500)


class ModeOut(BaseModel):
    channel: str
    mode: str
    previous_mode: str


class DifferenceOut(BaseModel):
    external_id: str
    kind: str = Field(description="missing_in_hub | missing_in_legacy | amount | currency | "
                      "warehouse | hold | cancelled")
    hub: str
    legacy: str
    line: int = Field(description="the order's row in the legacy file (0: not in it)")


class ReportOut(BaseModel):
    channel: str
    from_: str | None = Field(alias="from")
    to: str | None
    compared: int = Field(description="orders on either side in the window")
    matched: int = Field(description="orders on both sides")
    consistent: int = Field(description="orders on both sides with no difference")
    rate: str = Field(description="consistent / compared (decimal, 4 places)")
    counts: dict[str, int]
    differences: list[DifferenceOut]


class ImportOut(BaseModel):
    channel: str
    rows: int
    replaced: int


class PromoteIn(Strict):
    min_rate: Decimal = Field(ge=0, le=1, description="the consistency rate it must reach "
                              "(e.g. 0.98)")
    min_orders: int = Field(1, ge=0, le=10_000_000, description="orders compared, at least")
    from_: Moment | None = Field(None, alias="from")
    to: Moment | None = None


class PromoteOut(BaseModel):
    channel: str
    mode: str
    report: ReportOut


@router.post("/{code}/shadow", response_model=ModeOut,
             responses={409: {"description": "Already in shadow mode"}})
def put_in_shadow(code: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
                  body: ModeIn | None = None) -> Any:
    """Put the channel into shadow mode: its new orders are validated and routed but never
    reserved or released; compare them with the legacy system, then promote it."""
    return cutover.put_in_shadow(hub.uow, tenant, code, now=hub.clock(), actor=actor,
                                 reason=body.reason if body else "")


@router.post("/{code}/cutover/legacy", response_model=ImportOut,
             openapi_extra={"requestBody": {"required": True, "content": _FILE_TYPES}},
             responses={422: {"description": "A malformed file: every bad row and field; "
                              "nothing stored"}})
async def import_legacy(
    code: str, request: Request, hub: HubDep, tenant: TenantDep, actor: ActorDep,
    filename: Annotated[str, Query(max_length=300, description="The file's name; .xlsx is "
                                   "read as a workbook, anything else as CSV")] = "legacy.csv",
    map_: Annotated[list[str] | None, Query(alias="map", description=(
        "field=Header, for a column whose header is not recognised (fields: external_id, "
        "status, warehouse, total, currency, held, hold_reason, placed_at)"))] = None,
    currency: Annotated[str, Query(max_length=3, description="Currency of rows that name "
                                   "none")] = "",
) -> Any:
    """The legacy system's export of the channel's orders (CSV or XLSX as the body)."""
    data = await request.body()
    mapping = parse_mapping(list(map_ or []))
    summary = cutover.import_legacy(hub.uow, tenant, code, data, filename, now=hub.clock(),
                                    actor=actor, mapping=mapping,
                                    default_currency=currency.upper())
    return summary.as_dict()


@router.get("/{code}/cutover/report", response_model=ReportOut, response_model_by_alias=True)
def cutover_report(code: str, hub: HubDep, tenant: TenantDep,
                   from_: Annotated[Moment | None, Query(alias="from")] = None,
                   to: Moment | None = None) -> Any:
    """The hub's shadow orders against the legacy export over [from, to): the consistency
    rate and every difference."""
    return cutover.report(hub.read_uow, tenant, code, start=from_, end=to).as_dict()


@router.post("/{code}/promote", response_model=PromoteOut,
             responses={409: {"description": "The report is below the bar (figures in the "
                              "problem's `report`), or the channel is not in shadow"}})
def promote(code: str, body: PromoteIn, hub: HubDep, tenant: TenantDep,
            actor: ActorDep, request: Request) -> Any:
    """Switch the channel live if its cut-over report meets the bar; its shadow orders stay
    shadow records, its new orders are live."""
    try:
        found = cutover.promote(hub.uow, tenant, code, min_rate=body.min_rate,
                                min_orders=body.min_orders, start=body.from_, end=body.to,
                                now=hub.clock(), actor=actor)
    except cutover.BelowBar as exc:
        return problem(409, "Below the bar", str(exc), kind="below-bar",
                       instance=request.url.path, report=exc.report.as_dict(),
                       min_rate=str(exc.bar.min_rate), min_orders=exc.bar.min_orders)
    return {"channel": code, "mode": "live", "report": found.as_dict()}
