"""Review of issue 19: revoking an order's tracking links from several connections at once
(two operators, a retry) revokes once and answers each of them; no unique-key error."""

from __future__ import annotations

from orderhub.bootstrap import Hub
from orderhub.services.tracking import links
from tests.api import api_client
from tests.e2e.test_tracking import new_order
from tests.factories import T, seed_network
from tests.integration.test_inventory_races import race


def test_concurrent_revocations_of_one_order_all_succeed(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oid = new_order(client, "RV-RACE")["id"]
    now = hub.clock()
    results = race(5, lambda i: links.revoke_links(hub.uow, T, oid, now=now,
                                                   actor=f"user:{i}"))
    assert [r["order_id"] for r in results] == [oid] * 5
    with hub.read_uow() as uow:
        assert uow.tracking_links.revoked_at(T, oid) == now
