"""Regressions from review: channel updates applied whole, batches that must not abort,
duplicate shipment ids, out-of-range input, typed rule parameters, time zones, SSRF."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from orderhub.adapters.channels.base import ChannelLine
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.domain.order import OrderType
from orderhub.domain.privacy import PiiView
from orderhub.services.orders import fulfilment, views
from orderhub.services.rules import validation_rules
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, T, draft, seed_network
from tests.integration.test_validation import WHEN, channel_order, ingest


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub)
    with api_client(hub) as c:
        yield c


def test_channel_update_applies_tax_fee_and_totals(hub: Hub) -> None:
    seed_network(hub)
    [r] = ingest(hub, channel_order("UPD-1"))
    taxed = [ChannelLine("A", "Apple 苹果", 2, Decimal("10.00"), tax=Decimal("5.00"))]
    later = channel_order("UPD-1", lines=taxed, shipping_fee=Decimal("12.00"),
                          updated_at=WHEN + timedelta(minutes=1))
    [u] = ingest(hub, later)
    assert (u.outcome, u.status) == ("updated", "allocated")
    o = views.get_order(hub.read_uow, T, str(r.order_id), pii=PiiView.FULL)
    assert (o["totals"]["tax"], o["totals"]["shipping_fee"], o["totals"]["grand_total"]) == (
        "5.00", "12.00", "37.00")
    listed = views.list_orders(hub.read_uow, T, external_id="UPD-1", pii=PiiView.FULL)["items"][0]
    assert listed["totals"]["grand_total"] == "37.00"
    wrong = replace(later, total=Decimal("99.00"), updated_at=WHEN + timedelta(minutes=2))
    [w] = ingest(hub, wrong)
    assert w.status == "on_hold"  # the update was validated again


def test_one_bad_update_does_not_abort_the_batch(hub: Hub) -> None:
    seed_network(hub)
    [r] = ingest(hub, channel_order("SHIP-1"))
    for st in (S.RELEASED, S.PICKED, S.PACKED):
        fulfilment.advance_order(hub.uow, T, str(r.order_id), st, now=hub.clock(), actor="wh")
    fulfilment.ship_order(hub.uow, T, str(r.order_id), None, now=hub.clock(), actor="wh")
    cancel = channel_order("SHIP-1", status="cancelled", updated_at=WHEN + timedelta(hours=1))
    twice = [channel_order("DUP-9"), channel_order(
        "DUP-9", lines=[ChannelLine("A", "Apple", 3, Decimal("10.00"))], total=Decimal("30"),
        updated_at=WHEN + timedelta(minutes=5))]
    results = ingest(hub, cancel, channel_order("NEW-1"), *twice)
    assert [x.outcome for x in results] == ["rejected", "created", "unchanged", "created"]
    assert "return" in results[0].message
    dup = views.list_orders(hub.read_uow, T, external_id="DUP-9", pii=PiiView.FULL)["items"]
    assert len(dup) == 1 and dup[0]["lines"][0]["quantity"] == 3


def test_duplicate_shipment_ids_dispatch_once(client: TestClient) -> None:
    oid = client.post("/v1/orders", json={
        "external_id": "S-1", "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}).json()["id"]
    for step in ("release", "pick", "pack"):
        client.post(f"/v1/orders/{oid}/{step}")
    sid = client.get(f"/v1/orders/{oid}").json()["shipments"][0]["id"]
    r = client.post(f"/v1/orders/{oid}/ship", json={"shipment_ids": [sid, sid]})
    assert r.status_code == 200
    types = [e["type"] for e in client.get(f"/v1/orders/{oid}/timeline").json()]
    assert types.count("ShipmentDispatched") == 1


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/orders", {"lines": [{"sku": "A", "quantity": 1, "unit_price": "1e30"}]}),
    ("/v1/orders", {"lines": [{"sku": "A", "quantity": 1, "unit_price": "1", "line_no": 10**20}]}),
    ("/v1/orders", {"shipping_fee": "1e26"}),
    ("/v1/orders", {"placed_at": "0001-01-01T00:00:00+08:00"}),
    ("/v1/orders", {"external_id": "bad\u0000id"}),
    ("/v1/warehouses", {"code": "W9", "name": "x", "lat": 1, "lon": 1, "daily_capacity": 10**20}),
    ("/v1/warehouses", {"code": "W9", "name": "x", "lat": 1, "lon": 1,
                        "timezone": "Mars/Olympus"}),
    ("/v1/skus", {"code": "Z1", "name": "z", "attributes": {"max_per_customer": "abc"}}),
    ("/v1/skus", {"code": "Z1", "name": "z", "attributes": {"floor_price": "NaN"}}),
])
def test_out_of_range_input_is_422(client: TestClient, path: str, body: dict) -> None:  # type: ignore[type-arg]
    base = {"external_id": "R-1", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}
    r = client.post(path, json={**base, **body} if path == "/v1/orders" else body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_list_filter_needs_a_time_zone(client: TestClient) -> None:
    r = client.get("/v1/orders", params={"created_from": "2026-01-01T00:00:00"})
    assert r.status_code == 422
    assert client.get("/v1/orders", params={"created_from": "2026-01-01T00:00:00Z"}
                      ).status_code == 200


@pytest.mark.parametrize(("code", "params"), [
    ("C3-quantity", {"default_max_per_customer": "1.5"}),
    ("C5-price-floor", {"min_ratio_of_list": "NaN"}),
    ("F1-required", {"fields": "external_id"}),
    ("C3-quantity", {"window_days": 0}),
    ("C4-cross-border", {"limit": "5000"}),
])
def test_rule_parameters_are_typed(client: TestClient, code: str, params: dict) -> None:  # type: ignore[type-arg]
    r = client.patch(f"/v1/validation/rules/{code}", json={"params": params, "reason": "x"})
    assert r.status_code == 422, r.text


def test_quantity_window_is_the_rules_own(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    from orderhub.domain.inventory import Sku
    from orderhub.services import catalog
    from orderhub.services.inventory import stock_control

    catalog.add_skus(hub.uow, [Sku(T, "L2", "limited", Decimal("10"),
                                   attributes={"max_per_customer": 2})], clock.now)
    stock_control.receive_stock(hub.uow, T, "L2", "SH", 50, reference="", now=clock.now, actor="t")
    validation_rules.update_rule(hub.uow, T, "C3-quantity", params={"window_days": 1},
                                 enabled=None, reason="one day", actor="t", now=clock.now)
    line = [ChannelLine("L2", "limited", 2, Decimal("10"))]
    assert ingest(hub, channel_order("W-1", line, total=Decimal("20")))[0].status == "allocated"
    clock.now += timedelta(days=5)
    assert ingest(hub, channel_order("W-2", line, total=Decimal("20")))[0].status == "allocated"


def test_presale_release_day_is_the_warehouses(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    from orderhub.services.intake.submit import submit_orders

    release = datetime(2026, 12, 1).date()
    [r] = submit_orders(hub.uow, T, [draft("PS-TZ", order_type=OrderType.PRE_SALE,
                                           presale_release=release)],
                        strategy=hub.strategy, now=clock.now, actor="t",
                        presale_lock=timedelta(days=30))
    clock.now = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 07:00 on Dec 1 in Shanghai
    o = fulfilment.advance_order(hub.uow, T, str(r.order_id), S.RELEASED, now=clock.now,
                                 actor="wh")
    assert o.status == S.RELEASED


def test_resumed_presale_gets_a_fresh_lock(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    from orderhub.services.intake.submit import submit_orders

    [r] = submit_orders(hub.uow, T, [draft("PS-L", order_type=OrderType.PRE_SALE,
                                           presale_release=(clock.now + timedelta(days=9)).date(),
                                           presale_lock_until=clock.now + timedelta(hours=1))],
                        strategy=hub.strategy, now=clock.now, actor="t",
                        presale_lock=hub.presale_lock)
    clock.now += timedelta(hours=2)
    fulfilment.expire_reservations(hub.uow, now=clock.now)
    o = fulfilment.resume_order(hub.uow, T, str(r.order_id), now=clock.now, actor="ops",
                                strategy=hub.strategy, presale_lock=hub.presale_lock)
    assert o.status == S.ALLOCATED
    assert all(x.expires_at is None or x.expires_at > clock.now for x in o.active_reservations())


def test_webhooks_into_private_networks_are_refused_by_default(database_url: str) -> None:
    with bootstrap(Settings(database_url=database_url)) as hub, \
            api_client(hub) as client:
        for url in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/x",
                    "http://10.0.0.5/hook"):
            r = client.post("/v1/webhooks", json={"url": url})
            assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url", url
