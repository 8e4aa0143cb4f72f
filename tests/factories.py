"""Small builders shared by the tests."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from orderhub.bootstrap import Hub
from orderhub.domain.inventory import Channel, Sku, Warehouse
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType
from orderhub.services import catalog
from orderhub.services.intake.drafts import LineDraft, OrderDraft
from orderhub.services.inventory import stock_control

T = "default"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

SHANGHAI = Address(country="CN", province="上海市", city="上海市", district="浦东新区",
                   line1="世纪大道 1 号", name="李雷", phone="13800138000")
BEIJING = Address(country="CN", province="北京市", city="北京市", district="朝阳区",
                  line1="建国路 2 号", name="韩梅梅", phone="13912345678")
GUANGZHOU = Address(country="CN", province="广东省", city="广州市", district="天河区",
                    line1="体育西路 3 号", name="王芳", phone="15012345678")
# The same address as a JSON body fragment, for HTTP tests.
ADDRESS_JSON = {"country": "CN", "province": "上海市", "city": "上海市", "district": "浦东新区",
                "line1": "世纪大道 1 号", "name": "李雷", "phone": "13800138000"}

WAREHOUSES = [
    Warehouse(T, "SH", "Shanghai DC", 31.23, 121.47, region="east", city="上海", cutoff=time(18),
              province="上海"),
    Warehouse(T, "BJ", "Beijing DC", 39.90, 116.40, region="north", city="北京", cutoff=time(18),
              province="北京"),
    Warehouse(T, "GZ", "Guangzhou DC", 23.13, 113.26, region="south", city="广州", cutoff=time(18),
              province="广东"),
]


def seed_network(hub: Hub, stock: dict[tuple[str, str], int] | None = None) -> None:
    """Channels web/tmall, warehouses SH/BJ/GZ, SKUs A, B, C and inactive D, and stock."""
    now = hub.clock()
    catalog.add_channels(hub.uow, [Channel(T, "web", "Web"), Channel(T, "tmall", "Tmall")])
    catalog.add_warehouses(hub.uow, WAREHOUSES, now)
    catalog.add_skus(
        hub.uow,
        [
            Sku(T, "A", "Apple", Decimal("10.00")),
            Sku(T, "B", "Banana", Decimal("5.00")),
            Sku(T, "C", "Cherry", Decimal("20.00")),
            Sku(T, "D", "Durian", Decimal("50.00"), active=False),
        ],
        now,
    )
    if stock is None:
        stock = {("A", "SH"): 10, ("A", "BJ"): 10, ("B", "BJ"): 5, ("C", "GZ"): 3}
    items = [(sku, wh, qty) for (sku, wh), qty in stock.items()]
    if items:
        stock_control.receive_stock_many(hub.uow, T, items, reference="seed", now=now, actor="test")


def draft(
    external_id: str = "E-1",
    lines: list[tuple[str, int]] | None = None,
    *,
    channel: str = "web",
    address: Address = SHANGHAI,
    **kw: Any,
) -> OrderDraft:
    lines = lines if lines is not None else [("A", 1)]
    return OrderDraft(
        channel=channel,
        external_id=external_id,
        currency=kw.pop("currency", "CNY"),
        lines=[LineDraft(sku=s, quantity=q, unit_price=Decimal("10.00")) for s, q in lines],
        shipping_address=address,
        **kw,
    )


def order(
    lines: list[tuple[str, int]] | None = None,
    *,
    address: Address = SHANGHAI,
    order_type: OrderType = OrderType.B2C,
) -> Order:
    lines = lines if lines is not None else [("A", 1)]
    return Order.create(
        tenant_id=T,
        channel="web",
        external_id="X",
        order_type=order_type,
        currency="CNY",
        lines=[OrderLine(i + 1, s, q, Decimal("10.00")) for i, (s, q) in enumerate(lines)],
        customer=Customer(),
        address=address,
        now=NOW,
    )
