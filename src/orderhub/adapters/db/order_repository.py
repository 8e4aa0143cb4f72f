"""Orders in and out of the store, in batches: N orders cost a fixed number of statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy import Connection, Text, bindparam, cast, func, select, update

from orderhub.adapters.crypto.keyring import PiiCipher, normalise_email, normalise_phone
from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import bulk_insert, chunks
from orderhub.adapters.db.decision_codec import compact_decision, expand_decision
from orderhub.adapters.phone import search_forms
from orderhub.domain.address import AddressSuggestion
from orderhub.domain.errors import Conflict, NotFound
from orderhub.domain.events import Event
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import (
    Address,
    Charge,
    Customer,
    HoldCode,
    HoldReason,
    Order,
    OrderLine,
    OrderType,
    Reservation,
    ReservationState,
    Shipment,
    ShipmentStatus,
)
from orderhub.domain.privacy import (
    ADDRESS_PERSONAL,
    CUSTOMER_PERSONAL,
    RELEASED_OR_LATER,
    is_personal_attribute,
)

_ADDRESS_FIELDS = tuple(f.name for f in fields(Address))
_CUSTOMER_FIELDS = tuple(f.name for f in fields(Customer))
_address_values = attrgetter(*_ADDRESS_FIELDS)  # the fields' values, as one tuple
_customer_values = attrgetter(*_CUSTOMER_FIELDS)


PII_FIELD = "orders.pii"


def _address_to_doc(a: Address) -> dict[str, Any]:
    return {k: v for k, v in zip(_ADDRESS_FIELDS, _address_values(a), strict=True)
            if v not in ("", None)}


def _pii_field(order_id: str) -> str:
    """The AAD's field: the column and the order, so a ciphertext cannot be moved."""
    return f"{PII_FIELD}/{order_id}"


def _split_personal(o: Order) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any],
                                       dict[str, Any]]:
    """(customer, address, attributes) without personal data, and the personal rest."""
    customer = {k: v for k, v in zip(_CUSTOMER_FIELDS, _customer_values(o.customer),
                                     strict=True) if v}
    address = _address_to_doc(o.shipping_address)
    secret: dict[str, Any] = {}
    c = {k: customer.pop(k) for k in CUSTOMER_PERSONAL if k in customer}
    a = {k: address.pop(k) for k in ADDRESS_PERSONAL if k in address}
    text = {k: v for k, v in o.attributes.items() if is_personal_attribute(k)}
    if c:
        secret["c"] = c
    if a:
        secret["a"] = a
    if text:
        secret["t"] = text
    attributes = ({k: v for k, v in o.attributes.items() if not is_personal_attribute(k)}
                  if text else o.attributes)
    return customer, address, attributes, secret


def _personal_columns(o: Order, pii: PiiCipher,
                      blinded: tuple[str | None, str | None, str | None] | None = None
                      ) -> dict[str, Any]:
    """The clear columns without personal data, the ciphertext and the blind indexes
    (`blinded`: the indexes, when the caller worked them out for a batch: `_blind_all`)."""
    customer, address, attributes, secret = _split_personal(o)
    if blinded is None:
        # the E.164 number when intake worked it out (any country searches by its
        # international form), else the raw one (mainland mobiles normalise alike)
        blinded = (pii.blind_phone(o.tenant_id, o.shipping_address.phone_e164
                                   or o.shipping_address.phone),
                   pii.blind_phone(o.tenant_id, o.customer.phone),
                   pii.blind_email(o.tenant_id, o.customer.email))
    return {
        "customer": customer,
        "shipping_address": address,
        "attributes": attributes,
        "pii": pii.encrypt_doc(o.tenant_id, _pii_field(o.id), secret),
        "bidx_phone": blinded[0],
        "bidx_customer_phone": blinded[1],
        "bidx_email": blinded[2],
    }


def _blind_all(orders: Sequence[Order], pii: PiiCipher
               ) -> list[tuple[str | None, str | None, str | None]]:
    """Each order's blind indexes (shipping phone, customer phone, email), as
    `_personal_columns` works them out one by one, with the keyed hash set up once per
    tenant and kind and each distinct value hashed once (`PiiCipher.blind_many`)."""
    plain = [(o.tenant_id, normalise_phone(o.shipping_address.phone_e164
                                           or o.shipping_address.phone) or "",
              normalise_phone(o.customer.phone) or "",
              normalise_email(o.customer.email) or "") for o in orders]
    digests: dict[tuple[str, str, str], str | None] = {}
    for tenant_id in dict.fromkeys(p[0] for p in plain):
        phones = list(dict.fromkeys(v for p in plain if p[0] == tenant_id for v in p[1:3]))
        emails = list(dict.fromkeys(p[3] for p in plain if p[0] == tenant_id))
        for kind, values in (("phone", phones), ("email", emails)):
            for v, digest in zip(values, pii.blind_many(tenant_id, kind, values),
                                 strict=True):
                digests[(tenant_id, kind, v)] = digest
    return [(digests[(tid, "phone", ship)], digests[(tid, "phone", cust)],
             digests[(tid, "email", email)]) for tid, ship, cust, email in plain]


def _order_row(o: Order, pii: PiiCipher,
               blinded: tuple[str | None, str | None, str | None] | None = None
               ) -> dict[str, Any]:
    subtotal, discount_total, tax_total, grand_total = o.totals()
    return {
        "id": o.id,
        "tenant_id": o.tenant_id,
        "channel": o.channel,
        "external_id": o.external_id,
        "order_type": o.order_type.value,
        "status": o.status.value,
        "currency": o.currency,
        "subtotal": subtotal,
        "discount_total": discount_total,
        "tax_total": tax_total,
        "shipping_fee": o.shipping_fee,
        "grand_total": grand_total,
        **_personal_columns(o, pii, blinded),
        "hold_reasons": [r.as_dict() for r in o.hold_reasons],
        "placed_at": o.placed_at,
        "requested_delivery": o.requested_delivery,
        "promised_delivery": o.promised_delivery,
        "presale_release": o.presale_release,
        "presale_lock_until": o.presale_lock_until,
        "service_level": o.service_level,
        "pickup_store": o.pickup_store,
        "payload_hash": o.payload_hash,
        "cross_border": o.cross_border,
        "declared_value": o.declared_value,
        "stated_total": o.stated_total,
        "channel_updated_at": o.channel_updated_at,
        "overrides": o.overrides,
        "address_suggestion": (o.address_suggestion.as_dict()
                               if o.address_suggestion is not None else None),
        "amounts": _amounts_doc(o),
        "customer_ref": o.customer.ref,
        "version": o.version,
        "event_seq": o.event_seq,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
    }


def _amounts_doc(o: Order) -> dict[str, Any]:
    """Charges, the channel's stated components and the conversion used (migration 0030);
    empty parts left out, so an order without them stores {}."""
    doc: dict[str, Any] = {}
    if o.charges:
        doc["charges"] = [c.as_dict() for c in o.charges]
    if o.stated_components:
        doc["stated"] = {k: str(v) for k, v in o.stated_components.items()}
    if o.fx:
        doc["fx"] = o.fx
    return doc


def _reservation_row(o: Order, r: Reservation) -> dict[str, Any]:
    return {
        "id": r.id,
        "order_id": o.id,
        "tenant_id": o.tenant_id,
        "line_no": r.line_no,
        "sku": r.sku,
        "warehouse": r.warehouse,
        "quantity": r.quantity,
        "shipment_id": r.shipment_id,
        "state": r.state.value,
        "expires_at": r.expires_at,
    }


def _shipment_row(o: Order, s: Shipment) -> dict[str, Any]:
    return {
        "id": s.id,
        "order_id": o.id,
        "tenant_id": o.tenant_id,
        "warehouse": s.warehouse,
        "status": s.status.value,
        "dispatched_at": s.dispatched_at,
        "delivered_at": s.delivered_at,
        "carrier_service": s.carrier_service,
        "waybill": s.waybill,
    }


def _reservation_state(r: Reservation) -> tuple[Any, ...]:
    return (r.state, r.expires_at)


def _shipment_state(s: Shipment) -> tuple[Any, ...]:
    return (s.status, s.dispatched_at, s.delivered_at, s.carrier_service, s.waybill)


def _head_state(o: Order) -> tuple[Any, ...]:
    return (
        o.status,
        tuple(o.hold_reasons),
        o.promised_delivery,
        o.event_seq,
        o.shipping_address,
        orjson.dumps(o.overrides),
        orjson.dumps(o.attributes),
        o.payload_hash,
        o.channel_updated_at,
        o.stated_total,
        o.grand_total,
        o.customer,
        o.cross_border,
        o.declared_value,
        o.address_suggestion,
        orjson.dumps(_amounts_doc(o)),
    )


def _line_shape(o: Order) -> list[tuple[Any, ...]]:
    """Everything about the lines but their master SKU (which a mapping may fill in)."""
    return [
        (
            ln.line_no,
            ln.quantity,
            ln.unit_price,
            ln.discount,
            ln.tax,
            ln.channel_sku,
            ln.title,
            ln.barcode,
        )
        for ln in o.lines
    ]


_LINE_EXTRAS = ("channel_sku", "title", "barcode", "hs_code", "origin_country")


def _line_row(o: Order, ln: OrderLine) -> dict[str, Any]:
    return {
        "order_id": o.id,
        "tenant_id": o.tenant_id,
        "line_no": ln.line_no,
        "sku": ln.sku,
        "quantity": ln.quantity,
        "unit_price": ln.unit_price,
        "discount": ln.discount,
        "tax": ln.tax,
        "channel_sku": ln.channel_sku,
        "title": ln.title,
        "barcode": ln.barcode,
        "hs_code": ln.hs_code,
        "origin_country": ln.origin_country,
    }


class _Snapshot:
    __slots__ = ("head", "line_shape", "line_skus", "reservations", "shipments", "version")

    def __init__(self, order: Order) -> None:
        self.version = order.version
        self.head = _head_state(order)
        self.line_skus = {ln.line_no: ln.sku for ln in order.lines}
        self.line_shape = _line_shape(order)
        self.reservations = {r.id: _reservation_state(r) for r in order.reservations}
        self.shipments = {s.id: _shipment_state(s) for s in order.shipments}


class OrderRepository:
    """Tracks orders added or loaded in one unit of work and writes them back on flush.

    Loaded orders are saved with an optimistic version check, so two writers can never
    silently overwrite each other's lifecycle step.
    """

    def __init__(self, conn: Connection, pii: PiiCipher) -> None:
        self.conn = conn
        self.pii = pii
        self._new: list[Order] = []
        self._loaded: dict[str, tuple[Order, _Snapshot]] = {}

    # ----- reads --------------------------------------------------------------------------
    def find_by_channel_keys(
        self, tenant_id: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """(channel, external id) -> (order id, payload hash) for the keys already stored."""
        # One IN list per channel: it probes the unique index directly, where a row-value
        # IN (...) list can make PostgreSQL scan the tenant's orders.
        by_channel: dict[str, list[str]] = {}
        for ch, ext in keys:
            by_channel.setdefault(ch, []).append(ext)
        found: dict[tuple[str, str], tuple[str, str]] = {}
        c = t.orders.c
        for ch, externals in by_channel.items():
            for chunk in chunks(sorted(set(externals))):
                rows = self.conn.execute(
                    select(c.external_id, c.id, c.payload_hash).where(
                        c.tenant_id == tenant_id, c.channel == ch, c.external_id.in_(chunk)
                    )
                )
                for ext, oid, h in rows:
                    found[(ch, ext)] = (oid, h)
        return found

    def heads(self, tenant_id: str, order_ids: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """order id -> (channel, external id, status), without loading the aggregates."""
        out: dict[str, tuple[str, str, str]] = {}
        for chunk in chunks(list(order_ids)):
            for oid, ch, ext, st in self.conn.execute(
                select(
                    t.orders.c.id, t.orders.c.channel, t.orders.c.external_id, t.orders.c.status
                ).where(t.orders.c.tenant_id == tenant_id, t.orders.c.id.in_(chunk))
            ):
                out[oid] = (ch, ext, st)
        return out

    def statuses(self, tenant_id: str, order_ids: Sequence[str]) -> dict[str, str]:
        return {oid: head[2] for oid, head in self.heads(tenant_id, order_ids).items()}

    def ids_with_prefix(self, tenant_id: str, prefix: str, limit: int) -> list[str]:
        """Up to `limit` order ids beginning with `prefix`, in order. When the prefix ends
        in a letter or digit, also a range on the primary key (prefix up to the prefix with
        its last character stepped: "ord_0a" -> "ord_0b", "ord_09" -> "ord_0a"), so the
        index answers under any collation; LIKE alone decides what matches."""
        c = t.orders.c
        q = select(c.id).where(c.tenant_id == tenant_id,
                               c.id.startswith(prefix, autoescape=True))
        last = prefix[-1:]
        step = "a" if last == "9" else (chr(ord(last) + 1) if last.isascii() and
                                        last.isalnum() and last not in "zZ" else None)
        if step is not None:
            q = q.where(c.id >= prefix, c.id < prefix[:-1] + step)
        return [oid for (oid,) in self.conn.execute(q.order_by(c.id).limit(limit))]

    def oldest_ids(self, tenant_id: str, status: OrderStatus, limit: int) -> list[str]:
        """Up to `limit` orders in `status`, oldest first (a wave's orders)."""
        c = t.orders.c
        return [oid for (oid,) in self.conn.execute(
            select(c.id).where(c.tenant_id == tenant_id, c.status == status.value)
            .order_by(c.created_at, c.id).limit(limit))]

    def search_ids(
        self,
        tenant_id: str,
        *,
        status: OrderStatus | None = None,
        channel: str | None = None,
        external_id: str | None = None,
        sku: str | None = None,
        hold_code: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        phone: str | None = None,
        email: str | None = None,
        warehouse: str | None = None,
        before: str | None = None,
        warehouses: frozenset[str] = frozenset(),
        limit: int,
    ) -> list[str]:
        """Ids of the orders that match every filter given, newest (highest id) first,
        from below `before` (a page's last id). Phone (recipient's or customer's) and email
        match exactly through their blind indexes: nothing is decrypted to search."""
        c = t.orders.c
        q = select(c.id).where(c.tenant_id == tenant_id)
        if phone is not None:
            # as written, in E.164 and nationally: the recipient's index is of the E.164
            # form since issue 16, the customer's and older orders' of the number as written
            digests = sorted({d for d in (self.pii.blind_phone(tenant_id, f, create=False)
                                          for f in search_forms(phone)) if d})
            if not digests:
                return []
            q = q.where(c.bidx_phone.in_(digests) | c.bidx_customer_phone.in_(digests))
        if email is not None:
            digest = self.pii.blind_email(tenant_id, email, create=False)
            if digest is None:
                return []
            q = q.where(c.bidx_email == digest)
        if status:
            q = q.where(c.status == status.value)
        if channel:
            q = q.where(c.channel == channel)
        if external_id:
            q = q.where(c.external_id == external_id)
        if created_from:
            q = q.where(c.created_at >= created_from)
        if created_to:
            q = q.where(c.created_at < created_to)
        if sku:
            ln = t.order_lines.c
            q = q.where(c.id.in_(select(ln.order_id).where(ln.tenant_id == tenant_id,
                                                           ln.sku == sku)))
        if hold_code:
            # JSON text spelled compactly (SQLite) or with a space (PostgreSQL jsonb).
            text_reasons = cast(c.hold_reasons, Text)
            q = q.where(text_reasons.like(f'%"code":"{hold_code}"%')
                        | text_reasons.like(f'%"code": "{hold_code}"%'))
        if warehouse:  # ix_shipments_warehouse
            sh = t.shipments.c
            q = q.where(c.id.in_(select(sh.order_id).where(sh.tenant_id == tenant_id,
                                                           sh.warehouse == warehouse)))
        if warehouses:
            q = q.where(self.released_to(warehouses))
        if before:
            q = q.where(c.id < before)
        return [oid for (oid,) in self.conn.execute(q.order_by(c.id.desc()).limit(limit))]

    @staticmethod
    def released_to(warehouses: frozenset[str]) -> Any:
        """Orders released (or further) with a shipment from one of `warehouses`: the
        orders a warehouse-bound caller may see (a WHERE clause on `orders`)."""
        c, sh = t.orders.c, t.shipments.c
        return c.status.in_(sorted(s.value for s in RELEASED_OR_LATER)) & c.id.in_(
            select(sh.order_id).where(sh.tenant_id == c.tenant_id,
                                      sh.warehouse.in_(sorted(warehouses))))

    def visible(self, tenant_id: str, order_id: str, warehouses: frozenset[str]) -> bool:
        """Whether a caller restricted to `warehouses` (none: unrestricted) may see it."""
        c = t.orders.c
        q = select(c.id).where(c.tenant_id == tenant_id, c.id == order_id)
        if warehouses:
            q = q.where(self.released_to(warehouses))
        return self.conn.execute(q).first() is not None

    def lapsed_reservations(self, now: datetime, limit: int, *,
                            tenant_id: str | None = None) -> list[tuple[str, str]]:
        """(order id, tenant) of up to `limit` orders (of one tenant, or any), holding an
        active reservation whose pre-sale lock expired by `now`."""
        r = t.reservations.c
        q = (select(r.order_id, r.tenant_id).distinct()
             .where(r.state == ReservationState.ACTIVE.value, r.expires_at.is_not(None),
                    r.expires_at <= now))
        if tenant_id is not None:
            q = q.where(r.tenant_id == tenant_id)
        rows = self.conn.execute(q.limit(limit))
        return [(oid, tid) for oid, tid in rows]

    def recent_quantities(
        self,
        tenant_id: str,
        pairs: Sequence[tuple[str, str]],
        since: datetime,
        exclude: Sequence[str] = (),
    ) -> dict[tuple[str, str], int]:
        """(customer ref, SKU) -> quantity ordered since `since` (cancelled orders left out),
        for just the given pairs: the history behind per-customer quantity limits."""
        o, ln = t.orders.c, t.order_lines.c
        wanted = set(pairs)
        refs = sorted({ref for ref, _ in pairs})
        skus = sorted({sku for _, sku in pairs})
        out: dict[tuple[str, str], int] = {}
        if not refs:
            return out
        q = (
            select(o.customer_ref, ln.sku, func.sum(ln.quantity))
            .join(t.order_lines, ln.order_id == o.id)
            .where(
                o.tenant_id == tenant_id,
                o.customer_ref.in_(refs),
                o.created_at >= since,
                o.status != OrderStatus.CANCELLED.value,
                ln.sku.in_(skus),
            )
            .group_by(o.customer_ref, ln.sku)
        )
        if exclude:
            q = q.where(o.id.not_in(list(exclude)))
        for ref, sku, qty in self.conn.execute(q):
            if (ref, sku) in wanted:
                out[(ref, sku)] = int(qty)
        return out

    def record_routing(self, tenant_id: str, strategy: str,
                       decisions: dict[str, dict[str, Any]], at: datetime) -> None:
        """Store routing explanations (one row per order decided), in one statement."""
        bulk_insert(self.conn, t.routing_decisions, [
            {"tenant_id": tenant_id, "order_id": oid, "strategy": strategy,
             "decision": compact_decision(d), "decided_at": at}
            for oid, d in decisions.items()])

    def routing(self, tenant_id: str, order_id: str) -> list[dict[str, Any]]:
        r = t.routing_decisions.c
        rows = self.conn.execute(select(t.routing_decisions).where(
            r.tenant_id == tenant_id, r.order_id == order_id).order_by(r.id)).mappings()
        return [{"decided_at": x["decided_at"], "strategy": x["strategy"],
                 **expand_decision(x["decision"])} for x in rows]

    def planned_at(self, tenant_id: str, *, warehouses: Sequence[str] = (),
                   service: str = "", statuses: Sequence[str] = ()) -> list[tuple[str, str]]:
        """(order id, status) of orders in `statuses` with a planned shipment at one of
        `warehouses` or on carrier `service`, by id."""
        s, o = t.shipments.c, t.orders.c
        q = (select(o.id, o.status).distinct().join(t.shipments, s.order_id == o.id)
             .where(o.tenant_id == tenant_id, s.status == "planned",
                    o.status.in_(list(statuses))))
        q = q.where(s.warehouse.in_(list(warehouses))) if warehouses else q.where(
            s.carrier_service == service)
        return [(oid, st) for oid, st in self.conn.execute(q.order_by(o.id))]

    def destinations(self, tenant_id: str, *, statuses: Sequence[str]
                     ) -> list[tuple[str, str]]:
        """(order id, destination province) of the orders in `statuses`."""
        o = t.orders.c
        rows = self.conn.execute(select(o.id, o.shipping_address).where(
            o.tenant_id == tenant_id, o.status.in_(list(statuses)))).all()
        return [(oid, (addr or {}).get("province", "")) for oid, addr in rows]

    def held_for(self, tenant_id: str, codes: set[str]) -> list[str]:
        """Orders on hold for one of the hold `codes`."""
        o = t.orders.c
        held = self.conn.execute(select(o.id, o.hold_reasons).where(
            o.tenant_id == tenant_id, o.status == OrderStatus.ON_HOLD.value)).all()
        return [oid for oid, reasons in held
                if any(r.get("code") in codes for r in reasons or [])]

    def get(self, tenant_id: str, order_id: str, *, lock: bool = False) -> Order:
        orders = self.get_many(tenant_id, [order_id], lock=lock)
        if not orders:
            raise NotFound(f"order {order_id} not found")
        return orders[0]

    def get_many(
        self, tenant_id: str | None, order_ids: Sequence[str], *, lock: bool = False
    ) -> list[Order]:
        """Load whole aggregates in four statements per chunk, whatever their number."""
        result: list[Order] = []
        for chunk in chunks(sorted(set(order_ids))):
            q = select(t.orders).where(t.orders.c.id.in_(chunk)).order_by(t.orders.c.id)
            if tenant_id is not None:
                q = q.where(t.orders.c.tenant_id == tenant_id)
            if lock:
                q = q.with_for_update()
            heads = self.conn.execute(q).mappings().all()
            if not heads:
                continue
            ids = [h["id"] for h in heads]
            lines: dict[str, list[OrderLine]] = {i: [] for i in ids}
            for r in self.conn.execute(
                select(t.order_lines)
                .where(t.order_lines.c.order_id.in_(ids))
                .order_by(t.order_lines.c.order_id, t.order_lines.c.line_no)
            ).mappings():
                lines[r["order_id"]].append(
                    OrderLine(
                        line_no=r["line_no"],
                        sku=r["sku"],
                        quantity=r["quantity"],
                        unit_price=r["unit_price"],
                        discount=r["discount"],
                        tax=r["tax"],
                        **{k: r[k] for k in _LINE_EXTRAS},
                    )
                )
            reservations: dict[str, list[Reservation]] = {i: [] for i in ids}
            for r in self.conn.execute(
                select(t.reservations)
                .where(t.reservations.c.order_id.in_(ids))
                .order_by(t.reservations.c.id)
            ).mappings():
                reservations[r["order_id"]].append(
                    Reservation(
                        id=r["id"],
                        line_no=r["line_no"],
                        sku=r["sku"],
                        warehouse=r["warehouse"],
                        quantity=r["quantity"],
                        shipment_id=r["shipment_id"],
                        expires_at=r["expires_at"],
                        state=ReservationState(r["state"]),
                    )
                )
            shipments: dict[str, list[Shipment]] = {i: [] for i in ids}
            for r in self.conn.execute(
                select(t.shipments)
                .where(t.shipments.c.order_id.in_(ids))
                .order_by(t.shipments.c.id)
            ).mappings():
                shipments[r["order_id"]].append(
                    Shipment(
                        id=r["id"],
                        warehouse=r["warehouse"],
                        status=ShipmentStatus(r["status"]),
                        dispatched_at=r["dispatched_at"],
                        delivered_at=r["delivered_at"],
                        carrier_service=r["carrier_service"],
                        waybill=r["waybill"],
                    )
                )
            for h in heads:
                order = _order_from_row(
                    h, self._personal(h), lines[h["id"]], reservations[h["id"]],
                    shipments[h["id"]]
                )
                self._loaded[order.id] = (order, _Snapshot(order))
                result.append(order)
        return result

    def _personal(self, h: Any) -> dict[str, Any]:
        token = h["pii"]
        return self.pii.decrypt_doc(h["tenant_id"], _pii_field(h["id"]), token) if token else {}

    def reencrypt(self, tenant_id: str, limit: int) -> int:
        """Rewrite up to `limit` of the tenant's orders not yet under its newest data key
        (or stored before encryption): decrypt, encrypt, update. Returns how many."""
        version = self.pii.current_version(tenant_id)
        c = t.orders.c
        rows = self.conn.execute(
            select(t.orders).where(c.tenant_id == tenant_id,
                                   ~c.pii.startswith(f"p1.{version}.", autoescape=True))
            .order_by(c.id).limit(limit)).mappings().all()
        updates = []
        for h in rows:
            order = _order_from_row(h, self._personal(h), [], [], [])
            updates.append({"b_id": h["id"], **_personal_columns(order, self.pii)})
        if updates:
            self.conn.execute(
                update(t.orders).where(c.id == bindparam("b_id"))
                .values({k: bindparam(k) for k in updates[0] if k != "b_id"}), updates)
        return len(updates)

    # ----- writes -------------------------------------------------------------------------
    def add(self, order: Order) -> None:
        self._new.append(order)

    def seen(self) -> list[Order]:
        return [*self._new, *(o for o, _ in self._loaded.values())]

    def flush(self, *, final: bool = False) -> list[tuple[Event, int]]:
        """Write every new and changed order; return its events for the outbox, each with
        its number in the order's own sequence. `final`: the unit of work commits next,
        so no snapshot of what was written is kept for a later flush."""
        pending: list[tuple[Event, int]] = []
        for o in self.seen():
            for e in o.events:
                o.event_seq += 1
                pending.append((e, o.event_seq))
        self._insert_new(final)
        self._update_loaded()
        for o in self.seen():
            o.events.clear()
        self._new = []
        return pending

    def _insert_new(self, final: bool) -> None:
        if not self._new:
            return
        heads: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        res: list[dict[str, Any]] = []
        ships: list[dict[str, Any]] = []
        for o, blinded in zip(self._new, _blind_all(self._new, self.pii), strict=True):
            o.version = 1
            heads.append(_order_row(o, self.pii, blinded))
            lines.extend(_line_row(o, ln) for ln in o.lines)
            res.extend(_reservation_row(o, r) for r in o.reservations)
            ships.extend(_shipment_row(o, s) for s in o.shipments)
        bulk_insert(self.conn, t.orders, heads)
        bulk_insert(self.conn, t.order_lines, lines)
        bulk_insert(self.conn, t.shipments, ships)
        bulk_insert(self.conn, t.reservations, res)
        if not final:  # later changes in this unit of work are saved against these
            for o in self._new:
                self._loaded[o.id] = (o, _Snapshot(o))

    def _update_loaded(self) -> None:
        new_ids = {o.id for o in self._new}
        heads: list[Order] = []
        new_res: list[dict[str, Any]] = []
        upd_res: list[dict[str, Any]] = []
        new_ship: list[dict[str, Any]] = []
        upd_ship: list[dict[str, Any]] = []
        upd_lines: list[dict[str, Any]] = []
        replaced_lines: list[Order] = []
        for order_id, (o, snap) in self._loaded.items():
            if order_id in new_ids:
                continue
            changed = False
            for r in o.reservations:
                before = snap.reservations.get(r.id)
                if before is None:
                    new_res.append(_reservation_row(o, r))
                    changed = True
                elif before != _reservation_state(r):
                    upd_res.append(
                        {"b_id": r.id, "state": r.state.value, "expires_at": r.expires_at}
                    )
                    changed = True
            for s in o.shipments:
                before_s = snap.shipments.get(s.id)
                if before_s is None:
                    new_ship.append(_shipment_row(o, s))
                    changed = True
                elif before_s != _shipment_state(s):
                    upd_ship.append(
                        {
                            "b_id": s.id,
                            "status": s.status.value,
                            "dispatched_at": s.dispatched_at,
                            "delivered_at": s.delivered_at,
                            "carrier_service": s.carrier_service,
                            "waybill": s.waybill,
                        }
                    )
                    changed = True
            if snap.line_shape != _line_shape(o):
                replaced_lines.append(o)  # revised by the channel: rewrite them all
                changed = True
            else:
                for ln in o.lines:
                    if snap.line_skus.get(ln.line_no) != ln.sku:
                        upd_lines.append({"b_order": o.id, "b_line": ln.line_no, "sku": ln.sku})
                        changed = True
            if changed or snap.head != _head_state(o):
                heads.append(o)
        if heads:
            # One statement for every changed order; the version guard makes each row's
            # update conditional, so a concurrent writer shows up as a short row count.
            rows = []
            for o in heads:
                snap = self._loaded[o.id][1]
                row = _order_row(o, self.pii)
                row.pop("id")
                for fixed in ("tenant_id", "channel", "external_id", "order_type", "currency",
                              "placed_at", "requested_delivery", "presale_release",
                              "presale_lock_until", "created_at"):
                    row.pop(fixed)
                row.update(version=snap.version + 1, b_id=o.id, b_version=snap.version)
                rows.append(row)
            values: dict[str, Any] = {k: bindparam(k) for k in rows[0] if not k.startswith("b_")}
            result = self.conn.execute(
                update(t.orders)
                .where(t.orders.c.id == bindparam("b_id"),
                       t.orders.c.version == bindparam("b_version"))
                .values(values),
                rows,
            )
            if result.rowcount != len(rows):
                ids = ", ".join(o.id for o in heads[:5])
                raise Conflict(f"order(s) {ids} changed by someone else meanwhile; retry")
            for o in heads:
                o.version = self._loaded[o.id][1].version + 1
        if replaced_lines:
            self.conn.execute(
                t.order_lines.delete().where(
                    t.order_lines.c.order_id.in_([o.id for o in replaced_lines])
                )
            )
            bulk_insert(self.conn, t.order_lines,
                        [_line_row(o, ln) for o in replaced_lines for ln in o.lines])
        if upd_lines:
            self.conn.execute(
                update(t.order_lines)
                .where(
                    t.order_lines.c.order_id == bindparam("b_order"),
                    t.order_lines.c.line_no == bindparam("b_line"),
                )
                .values(sku=bindparam("sku")),
                upd_lines,
            )
        bulk_insert(self.conn, t.shipments, new_ship)
        bulk_insert(self.conn, t.reservations, new_res)
        if upd_res:
            self.conn.execute(
                update(t.reservations)
                .where(t.reservations.c.id == bindparam("b_id"))
                .values(state=bindparam("state"), expires_at=bindparam("expires_at")),
                upd_res,
            )
        if upd_ship:
            self.conn.execute(
                update(t.shipments)
                .where(t.shipments.c.id == bindparam("b_id"))
                .values(
                    status=bindparam("status"),
                    dispatched_at=bindparam("dispatched_at"),
                    delivered_at=bindparam("delivered_at"),
                    carrier_service=bindparam("carrier_service"),
                    waybill=bindparam("waybill"),
                ),
                upd_ship,
            )
        for o in heads:
            self._loaded[o.id] = (o, _Snapshot(o))


def _order_from_row(
    h: Any, personal: dict[str, Any], lines: list[OrderLine], reservations: list[Reservation],
    shipments: list[Shipment]
) -> Order:
    addr = {**(h["shipping_address"] or {}), **personal.get("a", {})}
    customer = {**(h["customer"] or {}), **personal.get("c", {})}
    attributes = {**(h["attributes"] or {}), **personal.get("t", {})}
    amounts = h["amounts"] or {}
    return Order(
        id=h["id"],
        tenant_id=h["tenant_id"],
        channel=h["channel"],
        external_id=h["external_id"],
        order_type=OrderType(h["order_type"]),
        currency=h["currency"],
        lines=lines,
        customer=Customer(**customer),
        shipping_address=Address(**addr),
        created_at=h["created_at"],
        updated_at=h["updated_at"],
        status=OrderStatus(h["status"]),
        shipping_fee=Decimal(h["shipping_fee"]),
        placed_at=h["placed_at"],
        requested_delivery=h["requested_delivery"],
        promised_delivery=h["promised_delivery"],
        presale_release=h["presale_release"],
        presale_lock_until=h["presale_lock_until"],
        service_level=h["service_level"],
        pickup_store=h["pickup_store"],
        hold_reasons=[
            HoldReason(
                HoldCode(r["code"]), r["message"], r.get("line_no"), r.get("sku"), r.get("details")
            )
            for r in (h["hold_reasons"] or [])
        ],
        payload_hash=h["payload_hash"],
        attributes=attributes,
        cross_border=bool(h["cross_border"]),
        declared_value=h["declared_value"],
        stated_total=h["stated_total"],
        channel_updated_at=h["channel_updated_at"],
        overrides=list(h["overrides"] or []),
        address_suggestion=(AddressSuggestion.from_dict(doc)
                            if (doc := h.get("address_suggestion")) else None),
        charges=[Charge.from_dict(c) for c in amounts.get("charges", [])],
        stated_components={k: Decimal(v) for k, v in amounts.get("stated", {}).items()},
        fx=amounts.get("fx"),
        version=h["version"],
        event_seq=h["event_seq"],
        reservations=reservations,
        shipments=shipments,
    )


class IdempotencyRepository:
    """Client-supplied Idempotency-Key headers and the orders they produced."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lookup(self, tenant_id: str, key: str) -> tuple[str, list[str]] | None:
        row = self.conn.execute(
            select(t.idempotency_keys.c.request_hash, t.idempotency_keys.c.order_ids).where(
                t.idempotency_keys.c.tenant_id == tenant_id, t.idempotency_keys.c.key == key
            )
        ).first()
        return (row[0], list(row[1])) if row else None

    def store(
        self, tenant_id: str, key: str, request_hash: str, order_ids: list[str], at: Any
    ) -> None:
        self.conn.execute(
            t.idempotency_keys.insert().values(
                tenant_id=tenant_id,
                key=key,
                request_hash=request_hash,
                order_ids=order_ids,
                created_at=at,
            )
        )
