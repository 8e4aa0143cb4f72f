"""/v1/channels/{channel}/imports and /import-mapping: order files (CSV, XLSX) sent as the
raw body, previewed or imported with the channel's saved column mapping and the call's own
`map=HEADER=FIELD` pairs; the saved mapping read and replaced."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from orderhub.api import metering
from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.services.intake import file_import, import_mappings

router = APIRouter(tags=["channels"])
_TAKEN = {"created", "updated", "cancelled"}

FormatQuery = Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$",
                                   description="csv or xlsx")]
MapQuery = Annotated[list[str] | None, Query(
    alias="map", max_length=200, description="HEADER=FIELD, repeatable: read the file's "
    "column HEADER as the canonical FIELD (the channel's saved mapping applies too)")]


_FILE_BODY = {"requestBody": {"required": True, "description": "The order file itself", "content": {
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        {"schema": {"type": "string", "format": "binary"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
}}}


class ImportMappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mapping: dict[str, str] = Field(
        description="{file header: canonical field}; {} deletes the saved mapping",
        max_length=200)


@router.get("/v1/channels/{channel}/import-mapping")
def get_import_mapping(channel: str, hub: HubDep, tenant: TenantDep) -> Any:
    """The channel's saved column mapping for CSV/XLSX imports."""
    return import_mappings.show_mapping(hub.read_uow, tenant, channel)


@router.put("/v1/channels/{channel}/import-mapping")
def put_import_mapping(channel: str, body: ImportMappingIn, hub: HubDep, tenant: TenantDep,
                       actor: ActorDep) -> Any:
    """Replace the channel's saved column mapping (audited); a malformed one is refused
    whole, naming the header and the field (422)."""
    return import_mappings.save_mapping(hub.uow, tenant, channel, body.mapping, actor=actor,
                                        now=hub.clock())


@router.post("/v1/channels/{channel}/imports/preview", openapi_extra=_FILE_BODY)
async def preview_import(channel: str, request: Request, hub: HubDep, tenant: TenantDep,
                         fmt: FormatQuery, mapping: MapQuery = None,
                         limit: Annotated[int, Query(ge=1, le=1000)] = 10) -> Any:
    """The first rows of the file (the raw body) as the import would read them: values by
    canonical field, the columns used, the headers ignored, the problems; nothing stored."""
    body = await request.body()
    given = import_mappings.parse_pairs(mapping or [])
    return await run_in_threadpool(
        lambda: file_import.preview_file(hub.read_uow, tenant, channel, body, f"upload.{fmt}",
                                         fmt, mapping=given, limit=limit))


@router.post("/v1/channels/{channel}/imports", openapi_extra=_FILE_BODY)
async def import_orders(channel: str, request: Request, hub: HubDep, tenant: TenantDep,
                        fmt: FormatQuery, mapping: MapQuery = None) -> Any:
    """Import the file (the raw body): good rows become orders, each bad row is reported
    with its row number and field, unknown headers are reported as ignored."""
    body = await request.body()
    given = import_mappings.parse_pairs(mapping or [])
    report = await run_in_threadpool(lambda: file_import.import_file(
        hub.uow, hub.read_uow, tenant, channel, body, f"upload.{fmt}", fmt,
        strategy=hub.strategy, clock=hub.clock, presale_lock=hub.presale_lock, mapping=given))
    metering.count(request, orders=sum(n for k, n in report.outcomes.items() if k in _TAKEN))
    return {
        "channel": channel, "outcomes": dict(report.outcomes), "held": report.held,
        "held_orders": [{"row": row, "order_id": oid} for row, oid in report.held_orders],
        "columns": report.columns, "ignored": report.ignored,
        "errors": [{"row": e.row, "field": e.field, "message": e.message}
                   for e in report.errors],
    }
