"""Tenants, channels, warehouses and SKUs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from orderhub.adapters.crypto.keyring import PiiCipher
from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import chunks
from orderhub.domain.inventory import Channel, Sku, Warehouse


def _warehouse(r: Any) -> Warehouse:
    hh, mm = r["cutoff"].split(":")
    return Warehouse(
        tenant_id=r["tenant_id"],
        code=r["code"],
        name=r["name"],
        lat=r["lat"],
        lon=r["lon"],
        region=r["region"],
        city=r["city"],
        daily_capacity=r["daily_capacity"],
        cutoff=time(int(hh), int(mm)),
        timezone=r["timezone"],
        active=r["active"],
        province=r["province"],
        kind=r["kind"],
        handling_per_order=_cents(r["handling_per_order"]),
        handling_per_unit=_cents(r["handling_per_unit"]),
        capabilities=frozenset(r["capabilities"] or ()),
        max_queue_days=r["max_queue_days"],
        country=r["country"],
    )


def _cents(d: Decimal) -> Decimal:
    """3.000000 (PostgreSQL NUMERIC) and "3.00" (SQLite text) read back alike: to the cent,
    unless the stored amount is finer than that."""
    cents = d.quantize(Decimal("0.01"))
    return cents if cents == d else d.normalize()


def _routing_profile(w: Warehouse) -> dict[str, Any]:
    return {"province": w.province, "kind": w.kind,
            "handling_per_order": w.handling_per_order,
            "handling_per_unit": w.handling_per_unit,
            "capabilities": sorted(w.capabilities), "max_queue_days": w.max_queue_days,
            "country": w.country}


def _sku(r: Any) -> Sku:
    return Sku(
        tenant_id=r["tenant_id"],
        code=r["code"],
        name=r["name"],
        list_price=r["list_price"],
        barcode=r["barcode"],
        weight_kg=r["weight_kg"],
        active=r["active"],
        attributes=dict(r["attributes"] or {}),
    )


def _secret_field(code: str) -> str:
    return f"channels.secret/{code}"


class CatalogRepository:
    def __init__(self, conn: Connection, pii: PiiCipher) -> None:
        self.conn = conn
        self.pii = pii  # channel secrets are stored as ciphertext

    def _open_secret(self, tenant_id: str, code: str, stored: str) -> str:
        return self.pii.decrypt_text(tenant_id, _secret_field(code), stored) if stored else ""

    def _seal_secret(self, tenant_id: str, code: str, secret: str) -> str:
        return self.pii.encrypt_text(tenant_id, _secret_field(code), secret) if secret else ""

    def reencrypt_secrets(self, tenant_id: str) -> int:
        """Channel secrets not under the tenant's newest data key, rewritten under it."""
        version = self.pii.current_version(tenant_id)
        c = t.channels.c
        rows = self.conn.execute(select(c.code, c.secret).where(
            c.tenant_id == tenant_id, c.secret != "",
            ~c.secret.startswith(f"p1.{version}.", autoescape=True))).all()
        for code, stored in rows:
            clear = self._open_secret(tenant_id, code, stored)
            self.conn.execute(update(t.channels).where(c.tenant_id == tenant_id, c.code == code)
                              .values(secret=self._seal_secret(tenant_id, code, clear)))
        return len(rows)

    # tenants ------------------------------------------------------------------------------
    def tenant_exists(self, tenant_id: str) -> bool:
        return (
            self.conn.execute(select(t.tenants.c.id).where(t.tenants.c.id == tenant_id)).first()
            is not None
        )

    def tenants(self) -> list[dict[str, Any]]:
        q = select(t.tenants.c.id, t.tenants.c.name, t.tenants.c.created_at).order_by(
            t.tenants.c.id)
        return [dict(r) for r in self.conn.execute(q).mappings()]
    def tenant_ids(self) -> list[str]:
        return [tid for (tid,) in self.conn.execute(
            select(t.tenants.c.id).order_by(t.tenants.c.id))]

    def add_tenant(self, tenant_id: str, name: str, at: datetime) -> None:
        self.conn.execute(t.tenants.insert().values(id=tenant_id, name=name, created_at=at))

    # channels -----------------------------------------------------------------------------
    def channels(self, tenant_id: str) -> list[Channel]:
        rows = self.conn.execute(
            select(t.channels)
            .where(t.channels.c.tenant_id == tenant_id)
            .order_by(t.channels.c.code)
        ).mappings()
        return [
            Channel(
                r["tenant_id"],
                r["code"],
                r["name"],
                r["kind"],
                r["active"],
                r["adapter"],
                self._open_secret(r["tenant_id"], r["code"], r["secret"]),
                r["mode"],
                cross_border=r["cross_border"],
                ship_from_country=r["ship_from_country"],
            )
            for r in rows
        ]

    def shadow_channels(self, tenant_id: str) -> set[str]:
        """Codes of the tenant's channels in shadow mode (intake asks on every command)."""
        c = t.channels.c
        return set(self.conn.execute(select(c.code).where(
            c.tenant_id == tenant_id, c.mode == "shadow")).scalars())

    def set_channel_mode(self, tenant_id: str, code: str, mode: str) -> None:
        c = t.channels.c
        self.conn.execute(update(t.channels).where(c.tenant_id == tenant_id, c.code == code)
                          .values(mode=mode))
    def channel_shipping(self, tenant_id: str) -> dict[str, tuple[bool, str]]:
        """Channel -> (cross-border channel, default ship-from country), for the channels
        that have either (no secrets decrypted: intake reads this per batch)."""
        c = t.channels.c
        rows = self.conn.execute(select(c.code, c.cross_border, c.ship_from_country).where(
            c.tenant_id == tenant_id, (c.cross_border.is_(True)) | (c.ship_from_country != "")))
        return {code: (bool(flag), ship_from) for code, flag, ship_from in rows}

    def add_channels(self, channels: Sequence[Channel]) -> None:
        self.conn.execute(
            t.channels.insert(),
            [
                {
                    "tenant_id": c.tenant_id,
                    "code": c.code,
                    "name": c.name,
                    "kind": c.kind,
                    "active": c.active,
                    "adapter": c.adapter,
                    "secret": self._seal_secret(c.tenant_id, c.code, c.secret),
                    "mode": c.mode,
                    "cross_border": c.cross_border,
                    "ship_from_country": c.ship_from_country,
                }
                for c in channels
            ],
        )

    # import mappings ----------------------------------------------------------------------
    def import_mapping(self, tenant_id: str, channel: str) -> dict[str, str] | None:
        """The channel's saved column mapping {file header: canonical field}, or None."""
        m = t.import_mappings.c
        found = self.conn.execute(
            select(m.mapping).where(m.tenant_id == tenant_id, m.channel == channel)
        ).scalar_one_or_none()
        return None if found is None else {str(k): str(v) for k, v in dict(found).items()}

    def save_import_mapping(self, tenant_id: str, channel: str, mapping: dict[str, str],
                            actor: str, now: datetime) -> None:
        """Replace the channel's saved mapping (an empty one deletes it)."""
        m = t.import_mappings.c
        self.conn.execute(t.import_mappings.delete().where(
            m.tenant_id == tenant_id, m.channel == channel))
        if mapping:
            self.conn.execute(t.import_mappings.insert().values(
                tenant_id=tenant_id, channel=channel, mapping=mapping, updated_by=actor,
                updated_at=now))

    # warehouses ---------------------------------------------------------------------------
    def warehouses(self, tenant_id: str) -> list[Warehouse]:
        rows = self.conn.execute(
            select(t.warehouses)
            .where(t.warehouses.c.tenant_id == tenant_id)
            .order_by(t.warehouses.c.code)
        ).mappings()
        return [_warehouse(r) for r in rows]

    def warehouse(self, tenant_id: str, code: str) -> Warehouse | None:
        r = (
            self.conn.execute(
                select(t.warehouses).where(
                    t.warehouses.c.tenant_id == tenant_id, t.warehouses.c.code == code
                )
            )
            .mappings()
            .first()
        )
        return _warehouse(r) if r else None

    def add_warehouses(self, items: Sequence[Warehouse], at: datetime) -> None:
        self.conn.execute(
            t.warehouses.insert(),
            [
                {
                    "tenant_id": w.tenant_id,
                    "code": w.code,
                    "name": w.name,
                    "lat": w.lat,
                    "lon": w.lon,
                    "region": w.region,
                    "city": w.city,
                    "daily_capacity": w.daily_capacity,
                    "cutoff": w.cutoff.strftime("%H:%M"),
                    "timezone": w.timezone,
                    "active": w.active,
                    "created_at": at,
                    **_routing_profile(w),
                }
                for w in items
            ],
        )

    def update_warehouse(self, w: Warehouse) -> None:
        self.conn.execute(
            update(t.warehouses)
            .where(t.warehouses.c.tenant_id == w.tenant_id, t.warehouses.c.code == w.code)
            .values(
                name=w.name,
                lat=w.lat,
                lon=w.lon,
                region=w.region,
                city=w.city,
                daily_capacity=w.daily_capacity,
                cutoff=w.cutoff.strftime("%H:%M"),
                timezone=w.timezone,
                active=w.active,
                **_routing_profile(w),
            )
        )

    # skus ---------------------------------------------------------------------------------
    def skus_by_code(self, tenant_id: str, codes: Sequence[str]) -> dict[str, Sku]:
        out: dict[str, Sku] = {}
        for chunk in chunks(sorted(set(codes))):
            for r in self.conn.execute(
                select(t.skus).where(t.skus.c.tenant_id == tenant_id, t.skus.c.code.in_(chunk))
            ).mappings():
                out[r["code"]] = _sku(r)
        return out

    def list_skus(
        self, tenant_id: str, after: str | None, limit: int, search: str | None = None
    ) -> list[Sku]:
        q = select(t.skus).where(t.skus.c.tenant_id == tenant_id)
        if after:
            q = q.where(t.skus.c.code > after)
        if search:
            like = f"%{search}%"
            q = q.where(t.skus.c.code.like(like) | t.skus.c.name.like(like))
        rows = self.conn.execute(q.order_by(t.skus.c.code).limit(limit)).mappings()
        return [_sku(r) for r in rows]

    def add_skus(self, items: Sequence[Sku], at: datetime) -> None:
        self.conn.execute(
            t.skus.insert(),
            [
                {
                    "tenant_id": s.tenant_id,
                    "code": s.code,
                    "name": s.name,
                    "list_price": s.list_price,
                    "barcode": s.barcode,
                    "weight_kg": s.weight_kg,
                    "active": s.active,
                    "attributes": s.attributes,
                    "created_at": at,
                }
                for s in items
            ],
        )

    def set_sku_active(self, tenant_id: str, code: str, active: bool) -> bool:
        result = self.conn.execute(
            update(t.skus)
            .where(t.skus.c.tenant_id == tenant_id, t.skus.c.code == code)
            .values(active=active)
        )
        return bool(result.rowcount == 1)
