"""Tenants, channels, warehouses and SKUs: the reference data orders are checked against.
Creating a tenant, channel, warehouse or SKU, or making a SKU sellable or not, is audited in the
same transaction (services/audit.py; `actor` is who did it, "system" for seed data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.inventory import Channel, Sku, Warehouse
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory

SYSTEM = "system"


def ensure_tenant(make_uow: UowFactory, tenant_id: str, name: str, now: datetime, *,
                  actor: str = SYSTEM) -> bool:
    with make_uow() as uow:
        if uow.catalog.tenant_exists(tenant_id):
            return False
        uow.catalog.add_tenant(tenant_id, name, now)
        audit.note(uow, tenant_id, now, actor, "tenant_change", f"tenant/{tenant_id}",
                   {"change": "created", "name": name})
        uow.commit()
        return True


def channel_detail(c: Channel) -> dict[str, object]:
    """What the audit log keeps of a channel: never its secret, only whether it has one."""
    return {"name": c.name, "kind": c.kind, "active": c.active, "adapter": c.adapter,
            "has_secret": bool(c.secret), "cross_border": c.cross_border,
            "ship_from_country": c.ship_from_country}


def add_channels(make_uow: UowFactory, channels: Sequence[Channel], *,
                 actor: str = SYSTEM, now: datetime | None = None) -> None:
    with make_uow() as uow:
        tenant_id = channels[0].tenant_id
        known = {c.code for c in uow.catalog.channels(tenant_id)}
        dupes = [c.code for c in channels if c.code in known]
        if dupes:
            raise Conflict(f"channel(s) already exist: {', '.join(dupes)}")
        uow.catalog.add_channels(channels)
        at = now or datetime.now(UTC)
        for c in channels:
            audit.note(uow, tenant_id, at, actor, "channel_change", f"channel/{c.code}",
                       {"change": "created", **channel_detail(c)})
        uow.commit()


def add_warehouses(make_uow: UowFactory, items: Sequence[Warehouse], now: datetime, *,
                   actor: str = SYSTEM) -> None:
    errors = []
    for i, w in enumerate(items):
        if not -90 <= w.lat <= 90:
            errors.append(FieldError(f"{i}.lat", "latitude must be within -90..90"))
        if not -180 <= w.lon <= 180:
            errors.append(FieldError(f"{i}.lon", "longitude must be within -180..180"))
        if w.daily_capacity < 0:
            errors.append(FieldError(f"{i}.daily_capacity", "must not be negative"))
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        tenant_id = items[0].tenant_id
        known = {w.code for w in uow.catalog.warehouses(tenant_id)}
        dupes = [w.code for w in items if w.code in known]
        if dupes:
            raise Conflict(f"warehouse(s) already exist: {', '.join(dupes)}")
        uow.catalog.add_warehouses(items, now)
        for w in items:
            audit.note(uow, tenant_id, now, actor, "warehouse_change", f"warehouse/{w.code}",
                       {"change": "created", **warehouse_detail(w)})
        uow.commit()


def warehouse_detail(w: Warehouse) -> dict[str, object]:
    """A warehouse's fields as the audit log records them (before/after of a change)."""
    d = audit.plain(w)
    d.pop("tenant_id", None)
    return dict(d)




def add_skus(make_uow: UowFactory, items: Sequence[Sku], now: datetime, *,
             actor: str = SYSTEM) -> None:
    with make_uow() as uow:
        tenant_id = items[0].tenant_id
        codes = [s.code for s in items]
        if len(set(codes)) != len(codes):
            raise InvalidInput([FieldError("code", "the same SKU code appears twice")])
        dupes = sorted(uow.catalog.skus_by_code(tenant_id, codes))
        if dupes:
            raise Conflict(f"SKU(s) already exist: {', '.join(dupes[:20])}")
        uow.catalog.add_skus(items, now)
        for sku in items:  # one insert for all of them at the commit
            audit.note(uow, tenant_id, now, actor, "sku_change", f"sku/{sku.code}",
                       {"change": "created", "name": sku.name, "list_price": sku.list_price,
                        "active": sku.active})
        uow.commit()


def set_sku_active(make_uow: UowFactory, tenant_id: str, code: str, active: bool, *,
                   actor: str, now: datetime) -> None:
    """Make a SKU sellable or not (orders for an inactive SKU are held); audited."""
    with make_uow() as uow:
        found = uow.catalog.skus_by_code(tenant_id, [code])
        if code not in found or not uow.catalog.set_sku_active(tenant_id, code, active):
            raise NotFound(f"SKU '{code}' not found")
        if found[code].active != active:
            audit.note(uow, tenant_id, now, actor, "sku_change", f"sku/{code}",
                       {"active": {"before": found[code].active, "after": active}})
        uow.commit()


def filter_choices(read_uow: UowFactory, tenant_id: str) -> dict[str, list[tuple[str, str]]]:
    """(code, name) of the tenant's channels and warehouses, for pickers (console filters)."""
    with read_uow() as uow:
        return {"channels": [(c.code, c.name) for c in uow.catalog.channels(tenant_id)],
                "warehouses": [(w.code, w.name) for w in uow.catalog.warehouses(tenant_id)]}
