"""Tenants, channels, warehouses and SKUs: the reference data orders are checked against."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.domain.inventory import Channel, Sku, Warehouse
from orderhub.services.unit_of_work import UowFactory


def ensure_tenant(make_uow: UowFactory, tenant_id: str, name: str, now: datetime) -> bool:
    with make_uow() as uow:
        if uow.catalog.tenant_exists(tenant_id):
            return False
        uow.catalog.add_tenant(tenant_id, name, now)
        uow.commit()
        return True


def add_channels(make_uow: UowFactory, channels: Sequence[Channel]) -> None:
    with make_uow() as uow:
        tenant_id = channels[0].tenant_id
        known = {c.code for c in uow.catalog.channels(tenant_id)}
        dupes = [c.code for c in channels if c.code in known]
        if dupes:
            raise Conflict(f"channel(s) already exist: {', '.join(dupes)}")
        uow.catalog.add_channels(channels)
        uow.commit()


def add_warehouses(make_uow: UowFactory, items: Sequence[Warehouse], now: datetime) -> None:
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
        uow.commit()




def add_skus(make_uow: UowFactory, items: Sequence[Sku], now: datetime) -> None:
    with make_uow() as uow:
        tenant_id = items[0].tenant_id
        codes = [s.code for s in items]
        if len(set(codes)) != len(codes):
            raise InvalidInput([FieldError("code", "the same SKU code appears twice")])
        dupes = sorted(uow.catalog.skus_by_code(tenant_id, codes))
        if dupes:
            raise Conflict(f"SKU(s) already exist: {', '.join(dupes[:20])}")
        uow.catalog.add_skus(items, now)
        uow.commit()
