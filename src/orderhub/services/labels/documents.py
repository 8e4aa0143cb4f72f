"""Labels and packing lists: produced after a release commits, reprinted on demand, printed
for a wave.

Storage decision (personal data): a document's bytes hold the receiver's name, phone and
address, so they are never stored or logged. What is stored with the shipment is a record
(`shipping_documents`: shipment, kind, format, layout version, SHA-256, pages, when, by
whom); a reprint renders the document again from the order (whose personal data the
order repository keeps encrypted) with the layout in force. Rendering is deterministic, so
an unchanged reprint has the recorded hash; a changed one (an address corrected, a new
layout) gets a record of its own.

Production at release does not slow intake or the release: the `labels` durable consumer
(bootstrap.Hub.enable_labels) takes `OrderReleasedToWarehouse` after its commit, renders
outside any transaction, then stores the records with a `ShippingDocumentsProduced` event
per shipment in one transaction. A failure is retried with back-off and then parked (the
event backbone's replay takes it again); the order is never blocked, and a print renders
on demand whether or not production ran.

Prints and reprints are audited (`label_print`: who, which shipments, format, hash)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.db.label_repository import DocumentRecord
from orderhub.adapters.labels import pdf, zpl
from orderhub.domain import events as ev
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.labels import (
    DocumentFormat,
    DocumentKind,
    LabelLayout,
    PackingLine,
    ShipmentDocument,
    shipment_document,
)
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, ReservationState, Shipment, ShipmentStatus
from orderhub.services import audit
from orderhub.services.labels.layouts import resolve
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)
ACTOR = "labels"
WAVE_LIMIT = 5000
_LIVE = (ReservationState.ACTIVE, ReservationState.COMMITTED)
_PAST = (OrderStatus.DELIVERED, OrderStatus.INVOICED, OrderStatus.PAID, OrderStatus.CANCELLED)


@dataclass
class Prepared:
    """One shipment's document, ready to render, with its layout."""

    order: Order
    shipment: Shipment
    doc: ShipmentDocument
    layout: LabelLayout
    layout_version: str


@dataclass
class Printed:
    content: bytes
    media_type: str
    filename: str
    shipments: list[str] = field(default_factory=list)
    sha256: str = ""
    pages: int = 0
    barcodes: list[str] = field(default_factory=list)


def _media(fmt: DocumentFormat) -> str:
    return "application/pdf" if fmt == DocumentFormat.PDF else "application/zpl"


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def prepare(uow: UnitOfWork, orders: Sequence[Order], *,
            shipment_ids: set[str] | None = None, warehouse: str | None = None,
            need_waybill: bool = False) -> list[Prepared]:
    """What the orders' shipments print (one read of warehouses and SKUs for them all)."""
    if not orders:
        return []
    tenant_id = orders[0].tenant_id
    warehouses = {w.code: w for w in uow.catalog.warehouses(tenant_id)}
    skus = uow.catalog.skus_by_code(tenant_id, sorted({ln.sku for o in orders
                                                       for ln in o.lines}))
    layouts: dict[str, tuple[LabelLayout, str]] = {}
    out: list[Prepared] = []
    for order in orders:
        a = order.shipping_address
        receiver = {"name": a.name, "phone": a.phone, "province": a.province,
                    "city": a.city, "district": a.district, "line1": a.line1,
                    "postal_code": a.postal_code, "country": a.country}
        for sh in order.shipments:
            if shipment_ids is not None and sh.id not in shipment_ids:
                continue
            if warehouse is not None and sh.warehouse != warehouse:
                continue
            if sh.status == ShipmentStatus.CANCELLED:
                continue
            if need_waybill and not sh.waybill:
                continue
            qty: dict[str, int] = {}
            for r in order.reservations:
                if r.shipment_id == sh.id and r.state in _LIVE:
                    qty[r.sku] = qty.get(r.sku, 0) + r.quantity
            lines = [PackingLine(code, skus[code].name if code in skus else "", n)
                     for code, n in sorted(qty.items())]
            w = warehouses.get(sh.warehouse)
            doc = shipment_document(
                tenant_id=tenant_id, order_id=order.id, external_id=order.external_id,
                channel=order.channel, shipment_id=sh.id, warehouse_code=sh.warehouse,
                carrier_service=sh.carrier_service, waybill=sh.waybill,
                sender_name=w.name if w else sh.warehouse,
                sender_address=_site_address(w.province, w.city) if w else "",
                receiver=receiver, lines=lines, ordered_at=order.placed_at or order.created_at)
            layout, version = resolve(uow, tenant_id, doc.carrier or "default", layouts)
            out.append(Prepared(order, sh, doc, layout, version))
    return out


def render(items: Sequence[Prepared], kind: DocumentKind,
           fmt: DocumentFormat) -> tuple[bytes, int, list[str]]:
    """The bytes, page count and barcode values of `items` as one document."""
    if kind == DocumentKind.LABEL:
        if fmt == DocumentFormat.PDF:
            r = pdf.labels([(p.layout, p.doc) for p in items])
            return r.content, r.pages, r.barcodes
        text = zpl.labels([(p.layout, p.doc) for p in items])
        return text.encode("utf-8"), len(items), [p.doc.waybill for p in items if p.doc.waybill]
    if fmt == DocumentFormat.PDF:
        r = pdf.packing_lists([p.doc for p in items])
        return r.content, r.pages, r.barcodes
    text = "".join(zpl.packing_list(p.doc, p.layout.zpl_font) for p in items)
    return text.encode("utf-8"), len(items), [p.doc.waybill for p in items if p.doc.waybill]


def _record(p: Prepared, kind: DocumentKind, fmt: DocumentFormat, content: bytes, pages: int,
            now: datetime, actor: str) -> DocumentRecord:
    return DocumentRecord(p.order.tenant_id, p.order.id, p.shipment.id, p.shipment.warehouse,
                          kind.value, fmt.value, p.doc.carrier, p.doc.waybill,
                          p.layout_version if kind == DocumentKind.LABEL else "packing-1",
                          _sha(content), pages, now, actor)


def _site_address(province: str, city: str) -> str:
    return province if (city and province.startswith(city)) or city == province \
        else province + city


ALL_DOCUMENTS = ((DocumentKind.LABEL, DocumentFormat.PDF),
                 (DocumentKind.LABEL, DocumentFormat.ZPL),
                 (DocumentKind.PACKING_LIST, DocumentFormat.PDF))


# ----- at release ---------------------------------------------------------------------------

def produce(make_uow: UowFactory, batch: Sequence[Envelope], now: datetime) -> int:
    """The `labels` consumer: each released order's shipments get their label (PDF, ZPL)
    and packing list (PDF) rendered and recorded: one read per tenant in the batch, the
    rendering outside any transaction, one write. Returns the shipments done."""
    wanted: dict[str, dict[str, set[str]]] = {}  # tenant -> order -> shipment ids
    for envelope in batch:
        if envelope.type != "OrderReleasedToWarehouse":
            continue
        ids = wanted.setdefault(envelope.tenant, {}).setdefault(envelope.subject, set())
        ids.update(str(s.get("shipment_id")) for s in envelope.data.get("shipments", []))
    items: list[Prepared] = []
    for tenant_id, by_order in wanted.items():
        with make_uow() as uow:
            orders = [o for o in uow.orders.get_many(tenant_id, sorted(by_order))
                      if o.status not in _PAST]  # delivered, paid or cancelled since
            for order in orders:
                items.extend(prepare(uow, [order], shipment_ids=by_order[order.id] or None))
    per_shipment: list[tuple[Prepared, list[DocumentRecord]]] = []
    for p in items:  # rendered outside any transaction
        records = []
        for kind, fmt in ALL_DOCUMENTS:
            if kind == DocumentKind.LABEL and not p.doc.waybill:
                continue  # a pickup at a store: no carrier label
            content, pages, _ = render([p], kind, fmt)
            records.append(_record(p, kind, fmt, content, pages, now, ACTOR))
        per_shipment.append((p, records))
    if not per_shipment:
        return 0
    with make_uow() as uow:
        for p, records in per_shipment:
            if uow.labels.add_documents(records):
                uow.record(ev.ShippingDocumentsProduced(
                    tenant_id=p.order.tenant_id, occurred_at=now, actor=ACTOR,
                    status=p.order.status.value, shipment_id=p.shipment.id,
                    order=p.order.id, warehouse=p.shipment.warehouse,
                    carrier=p.doc.carrier, waybill=p.doc.waybill,
                    documents=[{"kind": r.kind, "format": r.format,
                                "layout_version": r.layout_version, "sha256": r.sha256,
                                "pages": r.pages} for r in records]))
        uow.commit()
    return len(per_shipment)


def consumer_handler(make_uow: UowFactory,
                     clock: Callable[[], datetime]) -> Callable[[Sequence[Envelope]], None]:
    def handle(batch: Sequence[Envelope]) -> None:
        produce(make_uow, batch, clock())

    return handle


# ----- prints -------------------------------------------------------------------------------

def _orders_for(uow: UnitOfWork, tenant_id: str, ref: str) -> tuple[list[Order], set[str] | None]:
    order_id = uow.labels.order_of_shipment(tenant_id, ref)
    if order_id is not None:
        return [uow.orders.get(tenant_id, order_id)], {ref}
    return [uow.orders.get(tenant_id, ref)], None  # NotFound names the reference


def print_documents(make_uow: UowFactory, tenant_id: str, ref: str, *,
                    kind: DocumentKind, fmt: DocumentFormat, now: datetime, actor: str,
                    warehouses: frozenset[str] = frozenset()) -> Printed:
    """Print (or reprint) the label or packing list of shipment `ref`, or of every shipment
    of order `ref`. A credential bound to warehouses sees only its own shipments (others:
    404). Audited; the record is stored if this content is new."""
    with make_uow() as uow:
        try:
            orders, ids = _orders_for(uow, tenant_id, ref)
        except NotFound:
            raise NotFound(f"no shipment or order {ref}") from None
        items = prepare(uow, orders, shipment_ids=ids)
        if warehouses:
            items = [p for p in items if p.shipment.warehouse in warehouses]
            if not items:
                raise NotFound(f"no shipment or order {ref}")
        if kind == DocumentKind.LABEL:
            booked = [p for p in items if p.doc.waybill]
            if not booked:
                raise Conflict(f"{ref}: no waybill booked yet (labels print once the order "
                               "is released to its warehouse)")
            items = booked
        if not items:
            raise Conflict(f"{ref}: nothing to print (no shipments)")
        content, pages, barcodes = render(items, kind, fmt)
        if len(items) == 1:
            uow.labels.add_documents([_record(items[0], kind, fmt, content, pages, now,
                                              actor)])
        digest = _sha(content)
        audit.note(uow, tenant_id, now, actor, "label_print", f"order/{items[0].order.id}",
                   {"kind": kind.value, "format": fmt.value,
                    "shipments": [p.shipment.id for p in items], "sha256": digest,
                    "pages": pages})
        uow.commit()
    suffix = "pdf" if fmt == DocumentFormat.PDF else "zpl"
    return Printed(content, _media(fmt), f"{kind.value}-{ref}.{suffix}",
                   [p.shipment.id for p in items], digest, pages, barcodes)


def print_wave(make_uow: UowFactory, tenant_id: str, warehouse: str, *,
               since: datetime | None, fmt: DocumentFormat, now: datetime, actor: str,
               kind: DocumentKind = DocumentKind.LABEL, limit: int = WAVE_LIMIT,
               warehouses: frozenset[str] = frozenset()) -> Printed:
    """Every label (or packing list) of the shipments released to `warehouse` and not
    picked yet (released since `since`), as one PDF or one ZPL stream. Audited once."""
    if warehouses and warehouse not in warehouses:
        raise NotFound(f"warehouse {warehouse} not found")
    if not 1 <= limit <= WAVE_LIMIT:
        raise InvalidInput([FieldError("limit", f"must be 1..{WAVE_LIMIT}")])
    with make_uow() as uow:
        if uow.catalog.warehouse(tenant_id, warehouse) is None:
            raise NotFound(f"warehouse {warehouse} not found")
        order_ids = uow.labels.released_orders(tenant_id, warehouse, since, limit)
        orders = uow.orders.get_many(tenant_id, order_ids)
        rank = {oid: i for i, oid in enumerate(order_ids)}
        orders.sort(key=lambda o: rank[o.id])
        items = prepare(uow, orders, warehouse=warehouse,
                        need_waybill=kind == DocumentKind.LABEL)
        if not items:
            raise Conflict(f"no released shipments at {warehouse} to print"
                           + (f" since {since.isoformat()}" if since else ""))
        content, pages, barcodes = render(items, kind, fmt)
        digest = _sha(content)
        audit.note(uow, tenant_id, now, actor, "label_print", f"warehouse/{warehouse}",
                   {"kind": kind.value, "format": fmt.value, "wave": True,
                    "shipments": len(items), "first": items[0].shipment.id,
                    "last": items[-1].shipment.id, "sha256": digest, "pages": pages,
                    "since": since.isoformat() if since else None})
        uow.commit()
    suffix = "pdf" if fmt == DocumentFormat.PDF else "zpl"
    return Printed(content, _media(fmt), f"wave-{warehouse}.{suffix}",
                   [p.shipment.id for p in items], digest, pages, barcodes)


def documents(make_uow: UowFactory, tenant_id: str, ref: str,
              warehouses: frozenset[str] = frozenset()) -> list[dict[str, object]]:
    """The document records of shipment `ref` or of order `ref`."""
    with make_uow() as uow:
        order_id = uow.labels.order_of_shipment(tenant_id, ref)
        shipment = ref if order_id is not None else None
        order = uow.orders.get(tenant_id, order_id or ref)
        if warehouses and not {s.warehouse for s in order.shipments} & warehouses:
            raise NotFound(f"no shipment or order {ref}")
        records = uow.labels.documents(tenant_id, order.id)
    return [r.as_dict() for r in records
            if (shipment is None or r.shipment_id == shipment)
            and (not warehouses or r.warehouse in warehouses)]
