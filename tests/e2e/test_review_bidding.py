"""Review of 3PL bidding over the API: the same signed bid posted twice (a replay within
the 5-minute window) is refused with 409 and not stored twice; an over-long webhook-id
is a 401, not a 5xx."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from orderhub.adapters.db import tables as t
from orderhub.adapters.webhooks import signing
from orderhub.bootstrap import Hub
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network


def test_replayed_bid_over_the_api(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 20})
    with api_client(hub, role="operations") as client:
        r = client.post("/v1/bid-providers", json={"code": "3PL-A", "name": "A"})
        secret = r.json()["secret"]
        client.put("/v1/bid-policy", json={"when": {"channel": ["tmall"]}})
        r = client.post("/v1/orders", json={
            "external_id": "RP-E2E", "channel": "tmall", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        oid = r.json()["id"]
        offer_id = client.get(f"/v1/orders/{oid}/bidding").json()[0]["offer_id"]
        body = json.dumps({"price": "12.00", "promised_by": (
            clock.now + timedelta(hours=30)).isoformat()}).encode()
        base = {"X-Tenant-ID": "default", "X-Provider": "3PL-A",
                "Content-Type": "application/json", "Authorization": ""}
        headers = {**signing.signature_headers(secret, "msg-1",
                                               int(clock.now.timestamp()), body), **base}
        first = client.post(f"/v1/bids/{offer_id}", content=body, headers=headers)
        assert first.status_code == 202, first.text
        again = client.post(f"/v1/bids/{offer_id}", content=body, headers=headers)
        assert again.status_code == 409, again.text
        long_id = {**signing.signature_headers(secret, "x" * 300,
                                               int(clock.now.timestamp()), body), **base}
        r = client.post(f"/v1/bids/{offer_id}", content=body, headers=long_id)
        assert r.status_code == 401, r.text
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.bids)).scalar_one() == 1


def test_deeply_nested_bid_is_malformed_not_5xx(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 20})
    with api_client(hub, role="operations") as client:
        secret = client.post("/v1/bid-providers",
                             json={"code": "3PL-A", "name": "A"}).json()["secret"]
        client.put("/v1/bid-policy", json={"when": {"channel": ["tmall"]}})
        r = client.post("/v1/orders", json={
            "external_id": "NEST-E2E", "channel": "tmall", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        oid = r.json()["id"]
        offer_id = client.get(f"/v1/orders/{oid}/bidding").json()[0]["offer_id"]
        body = b"[" * 2000 + b"]" * 2000
        headers = {**signing.signature_headers(secret, "nest-1",
                                               int(clock.now.timestamp()), body),
                   "X-Tenant-ID": "default", "X-Provider": "3PL-A",
                   "Content-Type": "application/json", "Authorization": ""}
        r = client.post(f"/v1/bids/{offer_id}", content=body, headers=headers)
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "malformed"
