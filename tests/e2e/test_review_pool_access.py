"""Review of the pool endpoints' access: a key bound to warehouses may not close a pool it
cannot see (every open pool: nothing ships from anywhere yet), even with orders:manage;
another tenant's key cannot close it either; bad policy input is a field-level 422."""

from __future__ import annotations

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from orderhub.services import catalog
from tests.api import api_client, auth_headers, create_app
from tests.e2e.test_pools import POLICY, post, setup
from tests.integration.test_pools import NEAR


def test_a_warehouse_bound_key_cannot_close_a_pool_it_cannot_see(hub: Hub) -> None:
    setup(hub)
    with api_client(hub) as admin:
        assert admin.put("/v1/pools/policy", json={"document": POLICY,
                                                   "reason": "launch"}).status_code == 200
        ids = [post(admin, f"RA-{i}", NEAR[i].lat or 0, NEAR[i].lon or 0) for i in range(2)]
        [pool] = admin.get("/v1/pools", params={"status": "open"}).json()
        bad = admin.put("/v1/pools/policy", json={"reason": "x", "document": {
            "channels": {"tuan": {"window_minutes": 1.5, "enabled": "yes"}}, "extra": 1}})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} >= {
            "channels.tuan.window_minutes", "channels.tuan.enabled", "extra"}
        assert admin.put("/v1/pools/policy", json={"reason": "x", "document": []}
                         ).status_code == 422
    with TestClient(create_app(hub), headers=auth_headers(
            hub, role=None, scopes=["orders:read", "orders:manage"],
            warehouses=["BJ"])) as bound:
        assert bound.get(f"/v1/pools/{pool['id']}").status_code == 404
        r = bound.post(f"/v1/pools/{pool['id']}/close", json={"reason": "not mine"})
        assert r.status_code == 404, r.text
    catalog.ensure_tenant(hub.uow, "other", "Other", hub.clock())
    with api_client(hub, tenant="other") as other:
        assert other.post(f"/v1/pools/{pool['id']}/close",
                          json={"reason": "x"}).status_code == 404
    with api_client(hub) as admin:
        assert [admin.get(f"/v1/orders/{o}").json()["status"] for o in ids] == \
            ["validated"] * 2
        assert admin.get(f"/v1/pools/{pool['id']}").json()["status"] == "open"


def test_a_policy_version_out_of_range_is_a_field_error_not_a_5xx(hub: Hub) -> None:
    setup(hub)
    with api_client(hub, raise_server_exceptions=False) as admin:
        r = admin.get("/v1/pools/policy", params={"version": 10 ** 20})
        assert r.status_code in (404, 422), r.text
        assert admin.get("/v1/pools/policy", params={"version": 2 ** 40}).status_code in (
            404, 422)
