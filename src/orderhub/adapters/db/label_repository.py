"""Label layouts and shipping-document records (`uow.labels`; domain/labels.py).

Layouts: every saved version of a tenant's layout per carrier is kept; the newest is in
force. Documents: one row per shipment, kind, format and distinct content (its SHA-256),
written with insert-if-absent, so the release consumer delivering an event twice, or a
reprint of an unchanged label, adds nothing. The bytes are never stored (see tables.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from orderhub.adapters.db import tables as t

_l = t.label_layouts.c
_d = t.shipping_documents.c
_s = t.shipments.c
_o = t.orders.c


@dataclass(frozen=True, slots=True)
class StoredLayout:
    carrier: str
    version: int
    document: dict[str, Any]
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    tenant_id: str
    order_id: str
    shipment_id: str
    warehouse: str
    kind: str
    format: str
    carrier: str
    waybill: str
    layout_version: str
    sha256: str
    pages: int
    created_at: datetime
    created_by: str

    def as_dict(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "shipment_id": self.shipment_id,
                "warehouse": self.warehouse, "kind": self.kind, "format": self.format,
                "carrier": self.carrier, "waybill": self.waybill,
                "layout_version": self.layout_version, "sha256": self.sha256,
                "pages": self.pages, "created_at": self.created_at,
                "created_by": self.created_by}


class LabelRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ----- layouts ----------------------------------------------------------------------
    def layout(self, tenant_id: str, carrier: str) -> StoredLayout | None:
        row = self.conn.execute(
            select(t.label_layouts).where(_l.tenant_id == tenant_id, _l.carrier == carrier)
            .order_by(_l.version.desc()).limit(1)).mappings().first()
        return _layout(row) if row else None

    def layouts(self, tenant_id: str) -> list[StoredLayout]:
        """The newest version of each of the tenant's carrier layouts."""
        newest = (select(_l.carrier, func.max(_l.version).label("version"))
                  .where(_l.tenant_id == tenant_id).group_by(_l.carrier).subquery())
        rows = self.conn.execute(
            select(t.label_layouts).join(newest, and_(_l.carrier == newest.c.carrier,
                                                      _l.version == newest.c.version))
            .where(_l.tenant_id == tenant_id).order_by(_l.carrier)).mappings().all()
        return [_layout(r) for r in rows]

    def versions(self, tenant_id: str, carrier: str) -> list[StoredLayout]:
        rows = self.conn.execute(
            select(t.label_layouts).where(_l.tenant_id == tenant_id, _l.carrier == carrier)
            .order_by(_l.version)).mappings().all()
        return [_layout(r) for r in rows]

    def lock_layouts(self, tenant_id: str) -> None:
        """Serialise saves of one tenant's layouts (the version number is max + 1)."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(select(func.pg_advisory_xact_lock(
                func.hashtext("label_layouts:" + tenant_id))))

    def add_layout(self, tenant_id: str, carrier: str, version: int, document: dict[str, Any],
                   now: datetime, actor: str) -> None:
        self.conn.execute(t.label_layouts.insert().values(
            tenant_id=tenant_id, carrier=carrier, version=version, document=document,
            created_at=now, created_by=actor))

    # ----- documents --------------------------------------------------------------------
    def _insert_if_absent(self) -> Insert:
        keys = ["tenant_id", "shipment_id", "kind", "format", "sha256"]
        if self.conn.dialect.name == "postgresql":
            return postgresql.insert(t.shipping_documents).on_conflict_do_nothing(
                index_elements=keys)
        if self.conn.dialect.name == "sqlite":
            return sqlite.insert(t.shipping_documents).on_conflict_do_nothing(
                index_elements=keys)
        raise NotImplementedError(f"no insert-if-absent for dialect {self.conn.dialect.name}")

    def add_documents(self, records: Sequence[DocumentRecord]) -> int:
        """Store the records not stored yet; returns how many were new."""
        new = 0
        for r in records:
            result = self.conn.execute(self._insert_if_absent().values(
                tenant_id=r.tenant_id, order_id=r.order_id, shipment_id=r.shipment_id,
                warehouse=r.warehouse, kind=r.kind, format=r.format, carrier=r.carrier,
                waybill=r.waybill, layout_version=r.layout_version, sha256=r.sha256,
                pages=r.pages, created_at=r.created_at, created_by=r.created_by)
                .returning(_d.id))
            new += len(result.fetchall())
        return new

    def documents(self, tenant_id: str, order_id: str) -> list[DocumentRecord]:
        rows = self.conn.execute(
            select(t.shipping_documents).where(_d.tenant_id == tenant_id,
                                               _d.order_id == order_id)
            .order_by(_d.id)).mappings().all()
        return [_record(r) for r in rows]

    # ----- shipments --------------------------------------------------------------------
    def order_of_shipment(self, tenant_id: str, shipment_id: str) -> str | None:
        return self.conn.execute(
            select(_s.order_id).where(_s.tenant_id == tenant_id, _s.id == shipment_id)
        ).scalar_one_or_none()

    def released_orders(self, tenant_id: str, warehouse: str, since: datetime | None,
                        limit: int) -> list[str]:
        """Orders released to `warehouse` and not picked yet (a wave's labels), oldest
        release first; `since`: released at or after it (the release is such an order's
        last change)."""
        q = (select(_o.id).join(t.shipments, _s.order_id == _o.id)
             .where(_o.tenant_id == tenant_id, _o.status == "released",
                    _s.tenant_id == tenant_id, _s.warehouse == warehouse)
             .group_by(_o.id, _o.updated_at).order_by(_o.updated_at, _o.id).limit(limit))
        if since is not None:
            q = q.where(_o.updated_at >= since)
        return list(self.conn.execute(q).scalars().all())


def _layout(m: Any) -> StoredLayout:
    return StoredLayout(m["carrier"], m["version"], dict(m["document"]), m["created_at"],
                        m["created_by"])


def _record(m: Any) -> DocumentRecord:
    return DocumentRecord(m["tenant_id"], m["order_id"], m["shipment_id"], m["warehouse"],
                          m["kind"], m["format"], m["carrier"], m["waybill"],
                          m["layout_version"], m["sha256"], m["pages"], m["created_at"],
                          m["created_by"])
