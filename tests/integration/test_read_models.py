"""Order and stock listings (services/orders/views.py) through their repository queries, on
SQLite and PostgreSQL: filters the other tests do not reach (hold code, creation window) and
the stock cursor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from orderhub.bootstrap import Hub
from orderhub.domain.privacy import PiiView
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import views
from tests.factories import T, draft, seed_network


def _submit(hub: Hub, *drafts: object) -> None:
    submit_orders(hub.uow, T, list(drafts), strategy=hub.strategy,  # type: ignore[arg-type]
                  now=hub.clock(), actor="test", presale_lock=hub.presale_lock)


def test_list_orders_by_hold_code_and_creation_window(hub: Hub) -> None:
    seed_network(hub)
    _submit(hub, draft("RM-OK", [("A", 1)]), draft("RM-UNKNOWN", [("NOPE", 1)]),
            draft("RM-INACTIVE", [("D", 1)]))

    def listed(**filters: Any) -> list[str]:
        return sorted(o["external_id"]
                      for o in views.list_orders(hub.read_uow, T, **filters,
                                                 pii=PiiView.FULL)["items"])

    assert listed(hold_code="unknown_sku") == ["RM-UNKNOWN"]
    assert listed(hold_code="inactive_sku") == ["RM-INACTIVE"]
    assert listed(hold_code="phone_invalid") == []
    now = hub.clock()
    assert listed(created_from=now - timedelta(minutes=1)) == [
        "RM-INACTIVE", "RM-OK", "RM-UNKNOWN"]
    assert listed(created_to=now - timedelta(minutes=1)) == []


def test_list_stock_pages_by_sku_then_warehouse(hub: Hub) -> None:
    seed_network(hub)  # A@BJ, A@SH, B@BJ, C@GZ
    seen: list[tuple[str, str]] = []
    cursor = None
    while True:
        page = views.list_stock(hub.read_uow, T, after=cursor, limit=3)
        seen += [(i["sku"], i["warehouse"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [("A", "BJ"), ("A", "SH"), ("B", "BJ"), ("C", "GZ")]
    first = views.list_stock(hub.read_uow, T, limit=1)
    assert first["next_cursor"] == "A|BJ"
    assert [(i["sku"], i["warehouse"]) for i in views.list_stock(
        hub.read_uow, T, after=first["next_cursor"], limit=1)["items"]] == [("A", "SH")]
    assert [i["sku"] for i in views.list_stock(hub.read_uow, T, warehouse="BJ")["items"]] == [
        "A", "B"]
    [a_sh] = views.list_stock(hub.read_uow, T, sku="A", warehouse="SH")["items"]
    assert (a_sh["on_hand"], a_sh["reserved"], a_sh["atp"]) == (10, 0, 10)
