"""Returns from the channels' own refund notifications (issue 17): a Taobao/Tmall refund
(requested -> the return; SUCCESS -> the refund completed; CLOSED -> withdrawn) and a
Shopify refunds/create webhook, signed like the channels' orders."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from orderhub.domain.inventory import Sku
from orderhub.services import catalog
from orderhub.services.inventory import stock_control
from tests.api import api_client
from tests.factories import T, seed_network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
SECRET = "shop-secret"


def signed(body: bytes, header: str) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return {header: base64.b64encode(digest).decode(), "content-type": "application/json"}


def ship(client: TestClient, oid: str) -> None:
    for step in ("release", "pick", "pack", "ship"):
        r = client.post(f"/v1/orders/{oid}/{step}", json={} if step == "ship" else None)
        assert r.status_code == 200, (step, r.text)


def test_taobao_refund_notifications(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("B", "SH"): 10})
    with api_client(hub) as client:
        client.post("/v1/channels", json={"code": "tmall-store", "name": "天猫旗舰店",
                                          "kind": "marketplace", "adapter": "taobao",
                                          "secret": SECRET})
        for channel_sku, master in (("TEA-DHP-250", "A"), ("CUP-GLASS-300", "B")):
            client.post("/v1/sku-mappings", json={"channel": "tmall-store",
                                                  "channel_key": channel_sku,
                                                  "master_sku": master})
        body = (FIXTURES / "taobao_trade_fullinfo.json").read_bytes()
        [made] = client.post("/v1/channels/tmall-store/webhook", content=body,
                             headers=signed(body, "X-Top-Sign")).json()
        oid = made["order_id"]
        ship(client, oid)

        def notify(name: str, *, sign: bool = True) -> Any:
            raw = (FIXTURES / name).read_bytes()
            headers = signed(raw, "X-Top-Sign") if sign else {
                "X-Top-Sign": "bm9wZQ==", "content-type": "application/json"}
            with TestClient(client.app) as anon:  # no bearer key: the signature decides
                return anon.post("/v1/channels/tmall-store/returns?tenant=default",
                                 content=raw, headers=headers)

        bad = notify("taobao_refund.json", sign=False)
        assert bad.status_code == 401
        r = notify("taobao_refund.json")
        assert r.status_code == 200, r.text
        result = r.json()
        assert result["outcome"] == "created" and result["status"] == "approved"
        rid = result["return_id"]
        rma = client.get(f"/v1/returns/{rid}").json()
        assert rma["source"] == "channel" and rma["reason"] == "damaged"
        assert rma["lines"] == [{"line_no": 1, "sku": "A", "quantity": 1}]
        again = notify("taobao_refund.json").json()
        assert again["return_id"] == rid and again["outcome"] == "unchanged"

        r = client.post(f"/v1/returns/{rid}/receive", json={
            "warehouse": "SH", "lines": [{"line_no": 1, "quantity": 1, "grade": "resell"}]})
        assert r.status_code == 200 and r.json()["status"] == "received", r.text
        done = notify("taobao_refund_success.json").json()
        assert done["outcome"] == "refund_completed" and done["status"] == "refunded"
        assert client.get(f"/v1/returns/{rid}").json()["refund_reference"] == \
            "tmall-store:2318770471234567"

        closed = notify("taobao_refund_closed.json").json()
        assert closed["outcome"] == "unchanged" and closed["return_id"] is None
        types = [e["type"] for e in client.get(f"/v1/orders/{oid}/timeline").json()]
        assert types.count("ReturnRequested") == 1 and "RefundCompleted" in types


def test_shopify_refund_webhook(hub: Hub) -> None:
    seed_network(hub)
    catalog.add_skus(hub.uow, [Sku(T, code, code, None) for code in
                               ("TEA-LJ-250", "CUP-CL-01", "TRAY-BB-01")], hub.clock())
    stock_control.receive_stock_many(hub.uow, T, [("TEA-LJ-250", "SH", 10),
                                                  ("CUP-CL-01", "SH", 10),
                                                  ("TRAY-BB-01", "SH", 10)],
                                     reference="seed-shop", now=hub.clock(), actor="test")
    with api_client(hub) as client:
        client.post("/v1/channels", json={"code": "shop", "name": "Shopify shop",
                                          "kind": "web", "adapter": "shopify",
                                          "secret": SECRET})
        doc = json.loads((FIXTURES / "shopify_order_usd.json").read_bytes())
        doc["currency"] = "CNY"  # no exchange rate needed here
        body = json.dumps(doc).encode()
        [made] = client.post("/v1/channels/shop/webhook", content=body,
                             headers=signed(body, "X-Shopify-Hmac-Sha256")).json()
        oid = made["order_id"]
        assert made["status"] == "allocated", made
        ship(client, oid)
        raw = (FIXTURES / "shopify_refund_create.json").read_bytes()
        r = client.post("/v1/channels/shop/returns", content=raw,
                        headers=signed(raw, "X-Shopify-Hmac-Sha256"))
        assert r.status_code == 200, r.text
        rma = client.get(f"/v1/returns/{r.json()['return_id']}").json()
        # only the returned cup; the cancelled tray brings no goods back
        assert rma["lines"] == [{"line_no": 2, "sku": "CUP-CL-01", "quantity": 1}]
        assert rma["reason"] == "damaged" and "refunded in the channel: 47.50" in rma["note"]
        unreadable = client.post("/v1/channels/shop/returns", content=b'{"id": 5}',
                                 headers=signed(b'{"id": 5}', "X-Shopify-Hmac-Sha256"))
        assert unreadable.status_code == 400
        assert unreadable.json()["errors"][0]["field"] == "order_id"
