"""Confirming SKU mappings (channel, channel SKU / barcode / title -> master SKU) and
listing them; reading the crosswalk is `crosswalk.py`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from orderhub.domain import events as ev
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.services import handlers
from orderhub.services.intake.crosswalk import KEY_TYPES
from orderhub.services.intake.revalidation import Revalidated
from orderhub.services.unit_of_work import UowFactory


def confirm_mapping(
    make_uow: UowFactory,
    tenant_id: str,
    channel: str,
    key_type: str,
    channel_key: str,
    master_sku: str,
    *,
    actor: str,
    now: datetime,
    strategy: AllocationStrategy,
    presale_lock: timedelta,
) -> dict[str, Any]:
    """Store the mapping; its follow-on (services/handlers.py) re-validates every order
    held for an unmapped line it covers, in the same transaction."""
    errors = []
    if key_type not in KEY_TYPES:
        errors.append(FieldError("key_type", f"one of {', '.join(KEY_TYPES)}"))
    if not channel_key.strip():
        errors.append(FieldError("channel_key", "must not be empty"))
    with make_uow() as uow:
        uow.network.lock_for_intake(tenant_id)  # first: see NetworkRepository
        if channel not in {c.code for c in uow.catalog.channels(tenant_id)}:
            errors.append(FieldError("channel", f"unknown channel '{channel}'"))
        if not uow.catalog.skus_by_code(tenant_id, [master_sku]):
            errors.append(FieldError("master_sku", f"unknown SKU '{master_sku}'"))
        if errors:
            raise InvalidInput(errors)
        # One upsert: concurrent confirmations of this key queue on its row, and each finds
        # the held orders the ones before it left.
        uow.sku_mappings.confirm(tenant_id, channel, key_type, channel_key, master_sku, actor, now)
        done = Revalidated(strategy, presale_lock)
        handlers.handle(uow, ev.SkuMappingConfirmed(
            tenant_id=tenant_id, occurred_at=now, actor=actor, channel=channel,
            key_type=key_type, channel_key=channel_key, master_sku=master_sku), done)
        uow.commit()
        return {
            "channel": channel,
            "key_type": key_type,
            "channel_key": channel_key,
            "master_sku": master_sku,
            "orders_revalidated": [{"id": o.id, "status": o.status.value}
                                   for o in done.orders],
        }


def list_mappings(
    make_uow: UowFactory, tenant_id: str, channel: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return uow.sku_mappings.list_mappings(tenant_id, channel, limit)
