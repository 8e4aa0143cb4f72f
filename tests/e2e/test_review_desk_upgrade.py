"""Review of the released order's upgrade_carrier (a recall pinned to the same site, a141694),
on SQLite and PostgreSQL: a recall undoes a warehouse's work and is never automatic (as
recall_and_reroute is L2 by default), and it is offered only when the new service brings
the parcel earlier (not for a cheaper service arriving the same day)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from orderhub.domain.exceptions import ExceptionKind
from orderhub.domain.routing.lanes import economy_lanes, express_lanes
from orderhub.services.exceptions import desk
from orderhub.services.network import carriers
from tests.api import api_client
from tests.e2e.test_exception_desk import BEIJING_JSON, by_kind, post_order
from tests.factories import T, seed_network
from tests.sagas_support import install


def _at_risk(hub: Hub, admin: TestClient, order_id: str, ext: str) -> dict[str, Any]:
    with hub.uow() as uow:
        exc_id = desk.open_exception(uow, tenant_id=T, order_id=order_id,
                                     kind=ExceptionKind.AT_RISK, source=f"alert:{ext}",
                                     reason="transit slow", now=hub.clock(), actor="system")
        uow.commit()
    return dict(admin.get(f"/v1/exceptions/{exc_id}").json())


def _lanes(lanes: dict[tuple[str, str], int]) -> dict[str, int]:
    return {f"{o}>{d}": days for (o, d), days in lanes.items()}


def test_a_released_orders_carrier_upgrade_is_never_applied_automatically(hub: Hub) -> None:
    """A tenant lets carrier upgrades up to 20 CNY apply by themselves (upgrade_carrier is
    L1 by default): that is about changing the service of an order not yet with its
    warehouse. For a released order the same kind is a recall (waybill voided, the
    warehouse's work undone), which must wait for people like recall_and_reroute."""
    install(hub)
    seed_network(hub, {("A", "SH"): 5})
    with api_client(hub) as admin:
        r = admin.put("/v1/exceptions/policy", json={
            "policy": {"l1": {"max_cost_delta": "20.00"}}, "reason": "generous L1"})
        assert r.status_code == 200, r.text
        order = post_order(admin, "RA-1", [("A", 3)], address=BEIJING_JSON)
        r = admin.post(f"/v1/orders/{order['id']}/release")
        assert r.status_code == 200 and r.json()["status"] == "released", r.text
        exc = _at_risk(hub, admin, order["id"], "RA-1")
        got = admin.get(f"/v1/orders/{order['id']}").json()
        assert (exc["state"], got["status"]) == ("open", "released"), (exc, got["status"])
        up = by_kind(exc)["upgrade_carrier"]
        assert up["plan"]["recall_from"] == ["SH"]
        assert up["tier"] != "L1", up
        # and a person applying it does not skip the four eyes either
        r = admin.post(f"/v1/exceptions/{exc['id']}/remedies/{up['n']}/apply",
                       json={"reason": "promise at risk"})
        assert r.status_code == 202, r.text
        assert admin.get(f"/v1/orders/{order['id']}").json()["status"] == "released"


def test_no_recall_for_a_service_that_arrives_the_same_day(hub: Hub) -> None:
    """Released with SF:express (ZTO was slow when it was routed); ZTO is now as fast and
    cheaper. Taking the release back to arrive on the same day is no remedy for an order
    at risk: no upgrade_carrier is offered."""
    install(hub)
    seed_network(hub, {("A", "SH"): 5})
    slow = {k: 9 for k in economy_lanes()}
    carriers.set_lanes(hub.uow, T, "ZTO:standard", _lanes(slow), now=hub.clock())
    with api_client(hub) as admin:
        order = post_order(admin, "RS-1", [("A", 1)], address=BEIJING_JSON)
        assert order["shipments"][0]["carrier_service"] == "SF:express", order
        r = admin.post(f"/v1/orders/{order['id']}/release")
        assert r.status_code == 200 and r.json()["status"] == "released", r.text
        carriers.set_lanes(hub.uow, T, "ZTO:standard", _lanes(express_lanes()),
                           now=hub.clock())
        exc = _at_risk(hub, admin, order["id"], "RS-1")
        got = admin.get(f"/v1/orders/{order['id']}").json()
        assert got["status"] == "released", (exc, got)  # not recalled automatically
        kinds = by_kind(exc)
        assert "upgrade_carrier" not in kinds, kinds.get("upgrade_carrier")
