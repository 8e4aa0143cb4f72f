"""Catalogue and stock: SKUs, warehouses, stock levels and available-to-promise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

from orderhub.domain.fast_init import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Sku:
    tenant_id: str
    code: str
    name: str
    list_price: Decimal | None = None
    barcode: str = ""
    weight_kg: Decimal | None = None
    active: bool = True
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Warehouse:
    tenant_id: str
    code: str
    name: str
    lat: float
    lon: float
    region: str = ""
    city: str = ""
    daily_capacity: int = 0
    cutoff: time = time(16, 0)
    timezone: str = "Asia/Shanghai"
    active: bool = True
    # routing profile: where it is, what it costs to pick, what it can handle
    province: str = ""
    kind: str = "warehouse"  # warehouse, store, front (front warehouse / dark store)
    handling_per_order: Decimal = Decimal("3.00")
    handling_per_unit: Decimal = Decimal("0.50")
    capabilities: frozenset[str] = frozenset()  # cold_chain, hazardous, b2b_pallet, pickup
    max_queue_days: int = 2  # takes no more orders once this many days of picking wait
    country: str = "CN"  # ISO code of where it ships from (cross-border orders: rules)


@dataclass(frozen=True, slots=True)
class Channel:
    tenant_id: str
    code: str
    name: str
    kind: str = "web"
    active: bool = True
    adapter: str = ""  # the channel adapter that reads its payloads (shopify, taobao, ...)
    secret: str = ""  # the secret its webhooks are signed with
    mode: str = "live"  # live, or shadow: validated and routed, never reserved (cutover.py)
    cross_border: bool = False  # every order it sends is cross-border (Tmall Global, ...)
    ship_from_country: str = ""  # where its orders ship from by default ("" = the network)


@fast_init
@dataclass(frozen=True, slots=True)
class StockLevel:
    """One SKU in one warehouse."""

    sku: str
    warehouse: str
    on_hand: int
    reserved: int
    safety_stock: int

    @property
    def atp(self) -> int:
        """Available to promise: on hand - reserved - safety stock, never below zero."""
        return max(0, self.on_hand - self.reserved - self.safety_stock)

    @property
    def shortfall(self) -> int:
        """How much of the safety stock the free stock (on hand - reserved) does not cover;
        `atp - shortfall` is always `on_hand - reserved - safety_stock`."""
        return max(0, self.safety_stock - (self.on_hand - self.reserved))


def atp(on_hand: int, reserved: int, safety_stock: int) -> int:
    return max(0, on_hand - reserved - safety_stock)
