"""Shipping documents (issue 19 part 4): a shipment's label and an order's packing list as
PDF or ZPL, a wave's labels in one file, the document records, and carriers' label layouts.
Every print is audited; a credential bound to warehouses prints only its own shipments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Body, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.domain.labels import DocumentFormat, DocumentKind
from orderhub.services.labels import documents, layouts

router = APIRouter(tags=["labels"])

FormatQuery = Annotated[Literal["pdf", "zpl"], Query(
    description="pdf (one page per label, 100 x 150 mm by default) or zpl (ZPL II for "
    "thermal printers, 203 dpi)")]
_FILES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}, "application/zpl": {}},
          "description": "The document"}}


def _answer(printed: documents.Printed) -> Response:
    return Response(printed.content, media_type=printed.media_type, headers={
        "Content-Disposition": f'inline; filename="{printed.filename}"',
        "X-Document-SHA256": printed.sha256, "X-Document-Pages": str(printed.pages),
        "Cache-Control": "no-store"})  # it holds the receiver's address


@router.get("/v1/shipments/{shipment_id}/label", response_class=Response, responses=_FILES)
async def shipment_label(shipment_id: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
                         principal: PrincipalDep, format: FormatQuery = "pdf") -> Response:
    """The carrier label of a released shipment (waybill as Code128, sender, receiver),
    rendered now from the order with the carrier's layout in force: a print or a reprint,
    audited (`label_print`)."""
    def run() -> documents.Printed:
        return documents.print_documents(
            hub.uow, tenant, shipment_id, kind=DocumentKind.LABEL, fmt=DocumentFormat(format),
            now=hub.clock(), actor=actor, warehouses=principal.warehouses)

    return _answer(await anyio.to_thread.run_sync(run))


@router.get("/v1/orders/{order_id}/packing-list", response_class=Response, responses=_FILES,
            tags=["orders"])
async def packing_list(order_id: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
                       principal: PrincipalDep, format: FormatQuery = "pdf") -> Response:
    """The packing list of each of the order's shipments (SKU, title, quantity; the
    waybill's barcode), one page or more per shipment; audited."""
    def run() -> documents.Printed:
        return documents.print_documents(
            hub.uow, tenant, order_id, kind=DocumentKind.PACKING_LIST,
            fmt=DocumentFormat(format), now=hub.clock(), actor=actor,
            warehouses=principal.warehouses)

    return _answer(await anyio.to_thread.run_sync(run))


@router.get("/v1/shipments/{shipment_id}/documents")
def shipment_documents(shipment_id: str, hub: HubDep, tenant: TenantDep,
                       principal: PrincipalDep) -> Any:
    """The documents produced for a shipment (or for every shipment of an order, given its
    id): kind, format, layout version, SHA-256, when and by whom. Never their content."""
    return documents.documents(hub.read_uow, tenant, shipment_id,
                               warehouses=principal.warehouses)


class WaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warehouse: str = Field(min_length=1, max_length=64, description="The warehouse's code")
    since: AwareDatetime | None = Field(None, description="Only orders released at or after "
                                        "this time (ISO 8601 with an offset)")
    format: Literal["pdf", "zpl"] = "pdf"
    kind: Literal["label", "packing_list"] = "label"
    limit: int = Field(documents.WAVE_LIMIT, ge=1, le=documents.WAVE_LIMIT,
                       description="At most this many orders, oldest release first")


@router.post("/v1/labels/wave", response_class=Response, responses=_FILES)
async def wave_labels(body: WaveIn, hub: HubDep, tenant: TenantDep, actor: ActorDep,
                      principal: PrincipalDep) -> Response:
    """Every label (or packing list) of the shipments released to a warehouse and not picked
    yet, as one PDF or one ZPL stream, in release order; audited once."""
    def run() -> documents.Printed:
        return documents.print_wave(
            hub.uow, tenant, body.warehouse, since=body.since,
            fmt=DocumentFormat(body.format), kind=DocumentKind(body.kind), now=hub.clock(),
            actor=actor, limit=body.limit, warehouses=principal.warehouses)

    return _answer(await anyio.to_thread.run_sync(run))


@router.get("/v1/labels/layouts")
def list_layouts(hub: HubDep, tenant: TenantDep) -> Any:
    """Carriers with a label layout: built-in, or the tenant's own (newest version)."""
    return layouts.list_layouts(hub.read_uow, tenant)


@router.get("/v1/labels/layouts/{carrier}")
def get_layout(carrier: str, hub: HubDep, tenant: TenantDep) -> Any:
    """The layout `carrier`'s labels print with now (`default`: carriers without one)."""
    return layouts.get_layout(hub.read_uow, tenant, carrier)


@router.put("/v1/labels/layouts/{carrier}")
def put_layout(carrier: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
               document: Annotated[dict[str, Any], Body(
                   description="The layout: size, barcode, fields (names from the "
                   "field list in docs/labels.md), logo")]) -> Any:
    """Save a new version of the tenant's layout for `carrier`, checked whole: an unknown
    field name, a position off the label or a missing barcode is a 422 naming the entry
    (`fields.3.name`), and nothing is stored. Audited and evented (`LabelLayoutSaved`)."""
    return layouts.save_layout(hub.uow, tenant, carrier, document, now=hub.clock(),
                               actor=actor)


@router.get("/v1/labels/layouts/{carrier}/versions")
def layout_versions(carrier: str, hub: HubDep, tenant: TenantDep) -> Any:
    """Every saved version of the tenant's layout for `carrier`."""
    return layouts.layout_versions(hub.read_uow, tenant, carrier)
