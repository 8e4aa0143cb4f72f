"""Taking carrier checkpoints in: a signed bulk push, the orphans matched when a waybill is
booked, and the job that retries matching.

    push(make_uow, tenant, carrier, checkpoints)   one transaction: stored once per event id
                                                    (ON CONFLICT DO NOTHING), shipments found
                                                    by waybill in one query, new checkpoints
                                                    recorded on their orders (events), the
                                                    others kept as orphans
    match_booked(uow, tenant, order)               at release, in its transaction: the orphans
                                                    of the waybills just booked
    match_pending(make_uow)                         the tracking-match job: orphans whose
                                                    waybill exists now (a push that raced a
                                                    release)
    deliver_reported(uow, tenant, order)           at dispatch, in its transaction: shipments
                                                    the carrier reported delivered before
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orderhub.adapters.carriers import tracking_signing
from orderhub.adapters.db.tracking_repository import ShipmentRef
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.order import Order
from orderhub.domain.tracking import Checkpoint, CheckpointKind, carrier_of
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

MAX_PUSH = 1000  # checkpoints in one push
ORPHAN_RETRY_WINDOW = timedelta(days=1)  # orphans the tracking-match job looks at again
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_LIMITS = {"waybill": 64, "event_id": 128, "location": 200, "description": 500}


@dataclass(frozen=True, slots=True)
class PushResult:
    received: int
    new: int
    duplicates: int  # stored before (or twice in this push)
    matched: int  # new ones recorded on a shipment
    orphaned: int  # new ones with no shipment yet (kept, matched when the waybill is booked)
    delivered: int  # shipments a `delivered` checkpoint delivered

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def carrier_code(code: str) -> str:
    """The carrier a path names: "ZTO" or a service of it ("ZTO:standard")."""
    carrier = carrier_of(code)
    if not _CODE.match(carrier):
        raise InvalidInput([FieldError("code", "a carrier code: letters, digits, - or _, "
                                       "up to 32 characters (e.g. ZTO, SF)")])
    return carrier


def checkpoints_from_docs(carrier: str, docs: Sequence[Any]) -> list[Checkpoint]:
    """JSON checkpoints (a file, a tool) to domain checkpoints; every problem is a field
    error naming the item's index (`3.kind`). The API checks the same with its schema."""
    errors: list[FieldError] = []
    out: list[Checkpoint] = []
    for i, doc in enumerate(docs):
        if not isinstance(doc, Mapping):
            errors.append(FieldError(str(i), "must be an object"))
            continue
        extra = sorted(set(doc) - {"event_id", "waybill", "kind", "at", "location",
                                   "description"})
        errors += [FieldError(f"{i}.{k}", "unknown field") for k in extra]
        before = len(errors)
        values: dict[str, str] = {}
        for name, limit in _LIMITS.items():
            value = doc.get(name, "")
            required = name in ("waybill", "event_id")
            if not isinstance(value, str):
                errors.append(FieldError(f"{i}.{name}", "must be a string"))
            elif required and not value:
                errors.append(FieldError(f"{i}.{name}", "is required"))
            elif len(value) > limit:
                errors.append(FieldError(f"{i}.{name}", f"at most {limit} characters"))
            elif _CONTROLS.search(value) and name != "description":
                errors.append(FieldError(f"{i}.{name}", "must not contain control characters"))
            else:
                values[name] = value
        kind = str(doc.get("kind"))
        if kind not in {k.value for k in CheckpointKind}:
            errors.append(FieldError(f"{i}.kind", "one of " + ", ".join(
                k.value for k in CheckpointKind)))
        at = _moment(doc.get("at"))
        if at is None:
            errors.append(FieldError(f"{i}.at", "an ISO 8601 date-time with a UTC offset, "
                                     "e.g. 2026-11-25T11:12:00+08:00"))
        if len(errors) == before and at is not None:
            out.append(Checkpoint(carrier=carrier, waybill=values["waybill"],
                                  event_id=values["event_id"], kind=CheckpointKind(kind),
                                  at=at, location=values["location"],
                                  description=values["description"]))
    if errors:
        raise InvalidInput(errors)
    return out


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    if at.tzinfo is None or not 1970 <= at.year <= 2200:
        return None
    return at.astimezone(UTC)


# ----- signing secrets ------------------------------------------------------------------------
def set_secret(make_uow: UowFactory, tenant_id: str, code: str, secret: str | None, *,
               now: datetime, actor: str) -> dict[str, Any]:
    """Set (or rotate) the secret `code` signs its pushes with; a new random one when
    `secret` is None. The answer is the only place the secret is shown; the audit log
    records the change, never the secret."""
    carrier = carrier_code(code)
    if secret is None:
        secret = tracking_signing.generate_secret()
    elif len(secret) < tracking_signing.MIN_SECRET_LENGTH or len(secret) > 200 \
            or _CONTROLS.search(secret):
        raise InvalidInput([FieldError("secret", f"{tracking_signing.MIN_SECRET_LENGTH} to "
                                       "200 characters, no control characters")])
    with make_uow() as uow:
        rotated = uow.tracking.set_secret(tenant_id, carrier, secret, now)
        audit.note(uow, tenant_id, now, actor, "carrier_change",
                   f"carrier/{carrier}/tracking-secret",
                   {"change": "tracking_secret_rotated" if rotated else "tracking_secret_set"})
        uow.commit()
    return {"carrier": carrier, "secret": secret, "rotated": rotated,
            "header": tracking_signing.HEADER,
            "signature": "sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>"}


def verify_push(make_uow: UowFactory, tenant_id: str, code: str, body: bytes,
                signature: str | None) -> str:
    """The carrier, if `body` is signed with its secret for this tenant; otherwise
    TrackingSignatureError (no secret set reads the same as a wrong signature)."""
    carrier = carrier_code(code)
    with make_uow() as uow:
        secret = uow.tracking.secret(tenant_id, carrier) or ""
    tracking_signing.verify(secret, signature, body)
    return carrier


# ----- taking checkpoints in -------------------------------------------------------------------
def push(make_uow: UowFactory, tenant_id: str, code: str, checkpoints: Sequence[Checkpoint],
         *, now: datetime, actor: str | None = None) -> PushResult:
    """Store a carrier's checkpoints and record the new ones on their orders, in one
    transaction. A checkpoint already stored (the same carrier event id) is counted as a
    duplicate and changes nothing; one for a waybill no shipment of this tenant has is kept
    as an orphan."""
    carrier = carrier_code(code)
    actor = actor or f"carrier:{carrier}"
    unique: dict[str, Checkpoint] = {}
    for c in checkpoints:
        if c.carrier != carrier:
            raise InvalidInput([FieldError("carrier", f"checkpoint {c.event_id} is "
                                           f"{c.carrier}'s, not {carrier}'s")])
        unique.setdefault(c.event_id, c)
    with make_uow() as uow:
        refs = uow.tracking.shipments_by_waybill(tenant_id, carrier,
                                                 [c.waybill for c in unique.values()])
        # Sorted by event id: two concurrent pushes insert in one order (no deadlock).
        items = [(c, refs.get(c.waybill)) for _, c in sorted(unique.items())]
        stored = uow.tracking.add(tenant_id, items, now)
        new = [(c, ref) for c, ref in items if c.event_id in stored]
        matched = [(c, ref) for c, ref in new if ref is not None]
        delivered = _record(uow, tenant_id, matched, now, actor)
        uow.commit()
    return PushResult(received=len(checkpoints), new=len(new),
                      duplicates=len(checkpoints) - len(new), matched=len(matched),
                      orphaned=len(new) - len(matched), delivered=delivered)


def _record(uow: UnitOfWork, tenant_id: str,
            matched: Sequence[tuple[Checkpoint, ShipmentRef | None]], now: datetime,
            actor: str, orders: Mapping[str, Order] | None = None) -> int:
    """Record checkpoints on their orders (locked, loaded in one go), each order's in the
    carrier's time order; returns the shipments delivered."""
    by_order: dict[str, list[tuple[Checkpoint, ShipmentRef]]] = defaultdict(list)
    for c, ref in matched:
        if ref is not None:
            by_order[ref.order_id].append((c, ref))
    if not by_order:
        return 0
    loaded = dict(orders or {})
    missing = [oid for oid in by_order if oid not in loaded]
    loaded.update({o.id: o for o in uow.orders.get_many(tenant_id, missing, lock=True)})
    delivered = 0
    for order_id, found in sorted(by_order.items()):
        order = loaded[order_id]
        for c, ref in sorted(found, key=lambda p: (p[0].at, p[0].kind.rank, p[0].event_id)):
            delivered += int(order.record_checkpoint(ref.shipment_id, c, now, actor))
    return delivered


def match_booked(uow: UnitOfWork, tenant_id: str, order: Order, now: datetime,
                 actor: str) -> int:
    """Orphan checkpoints of the waybills `order` has now, recorded on it in the caller's
    transaction (the release that booked them); returns how many were matched."""
    refs = [ShipmentRef(order.id, s.id, carrier_of(s.carrier_service), s.waybill)
            for s in order.shipments if s.waybill]
    found = uow.tracking.orphans_for(tenant_id, refs)
    if found:
        _record(uow, tenant_id, list(found), now, actor, {order.id: order})
        uow.tracking.mark_matched(tenant_id, found, now)
    return len(found)


def deliver_reported(uow: UnitOfWork, tenant_id: str, order: Order, now: datetime,
                     actor: str) -> int:
    """After dispatch, in its transaction: shipments the carrier already reported delivered
    (the dispatch was confirmed late) are delivered now; returns how many."""
    stored = [s for s in uow.tracking.for_order(tenant_id, order.id)
              if s.checkpoint.kind is CheckpointKind.DELIVERED and s.shipment_id]
    done = 0
    for s in stored:
        assert s.shipment_id is not None
        done += int(order.deliver_reported(s.shipment_id, s.checkpoint, now, actor))
    return done


def match_pending(make_uow: UowFactory, *, now: datetime, limit: int = 500,
                  window: timedelta = ORPHAN_RETRY_WINDOW) -> int:
    """The tracking-match job: orphans received within `window` whose waybill a shipment
    of the same tenant has now, matched and recorded (one transaction); returns how many.
    Release matches a waybill's orphans when it books it, so the job only closes the race
    of a push and a release in flight together: older orphans are not scanned again."""
    total = 0
    with make_uow() as uow:
        by_tenant: dict[str, list[ShipmentRef]] = defaultdict(list)
        for tenant_id, ref in uow.tracking.matchable_orphans(now - window, limit):
            by_tenant[tenant_id].append(ref)
        for tenant_id, refs in sorted(by_tenant.items()):
            orders = {o.id: o for o in uow.orders.get_many(
                tenant_id, [r.order_id for r in refs], lock=True)}
            found = uow.tracking.orphans_for(tenant_id, refs)
            _record(uow, tenant_id, list(found), now, "tracking-match", orders)
            uow.tracking.mark_matched(tenant_id, found, now)
            total += len(found)
        uow.commit()
    return total
