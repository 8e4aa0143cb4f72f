"""Review of group-buy pooling: a member cancelled or edited while its pool is open leaves
it (not counted toward the threshold, not routed at close), and a pooled order's twin does
not count it as stalled while its pool's window is still open."""

from __future__ import annotations

from datetime import datetime, timedelta

from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.services.orders import editing, fulfilment
from orderhub.services.pools import views
from orderhub.services.twin import alerts
from orderhub.services.twin.views import order_twin
from tests.conftest import Clock
from tests.e2e.test_twin import catch_up
from tests.factories import T
from tests.integration.test_pools import NEAR, events, gb, setup, statuses, submit


def test_a_cancelled_member_does_not_count_toward_the_threshold(
        hub: Hub, clock: Clock) -> None:
    setup(hub, threshold=3)
    ids = submit(hub, gb("RC-1", NEAR[0]), gb("RC-2", NEAR[1]))
    fulfilment.cancel_order(hub.uow, T, ids[1], "changed mind", now=clock.now, actor="ops")
    [third] = submit(hub, gb("RC-3", NEAR[2]))
    # two live members of three: the pool waits for one more
    assert statuses(hub, [ids[0], third]) == [S.VALIDATED, S.VALIDATED]
    [pool] = views.list_pools(hub.read_uow, T)
    assert pool["status"] == "open" and pool["members"] == 2
    [fourth] = submit(hub, gb("RC-4", NEAR[3]))
    assert statuses(hub, [ids[0], third, fourth]) == [S.ALLOCATED] * 3
    assert statuses(hub, [ids[1]]) == [S.CANCELLED]
    [closed] = events(hub, "PoolClosed")
    assert closed["orders"] == [ids[0], third, fourth]
    shown = views.get_pool(hub.read_uow, T, pool["id"])
    assert ids[1] not in [m["order_id"] for m in shown["orders"]]


def test_an_edited_member_leaves_its_pool(hub: Hub, clock: Clock) -> None:
    setup(hub, threshold=3)
    ids = submit(hub, gb("RE-1", NEAR[0]), gb("RE-2", NEAR[1]))
    editing.change_order(hub.uow, T, ids[1], editing.EditRequest(
        reason="new flat", address={"line1": "Other road 9"}), now=clock.now, actor="ops",
        strategy=hub.strategy, presale_lock=hub.presale_lock)
    assert statuses(hub, [ids[1]]) == [S.ALLOCATED]  # routed on its own
    [third] = submit(hub, gb("RE-3", NEAR[2]))
    assert statuses(hub, [ids[0], third]) == [S.VALIDATED] * 2
    [pool] = views.list_pools(hub.read_uow, T)
    assert pool["status"] == "open" and pool["members"] == 2
    shown = views.get_pool(hub.read_uow, T, pool["id"])
    assert [m["order_id"] for m in shown["orders"]] == [ids[0], third]


def test_a_pooled_order_is_not_stalled_while_its_pool_is_open(
        hub: Hub, clock: Clock) -> None:
    setup(hub, threshold=30, window=120)
    [oid] = submit(hub, gb("RT-1", NEAR[0]))
    twin = order_twin(hub.read_uow, T, oid, now=clock.now + timedelta(minutes=30))
    stalled_after = twin["stalled_after"]
    assert isinstance(stalled_after, datetime)
    assert stalled_after >= clock.now + timedelta(minutes=120)



def test_no_stall_alert_while_the_pool_is_open_and_one_after_it_is_overdue(
        hub: Hub, clock: Clock) -> None:
    setup(hub, threshold=30, window=120)
    [oid] = submit(hub, gb("RT-2", NEAR[0]))
    catch_up(hub)
    start = clock.now
    assert alerts.sweep(hub.uow, start + timedelta(minutes=30))["stalled"] == 0
    assert alerts.sweep(hub.uow, start + timedelta(minutes=130))["stalled"] == 0
    # the close job never came: 15 minutes after the window the order is stalled
    assert alerts.sweep(hub.uow, start + timedelta(minutes=140))["stalled"] == 1
    assert statuses(hub, [oid]) == [S.VALIDATED]


def test_a_held_order_never_joins_and_an_unroutable_member_is_held_with_a_reason(
        hub: Hub) -> None:
    setup(hub, threshold=2, sh=1, bj=1)
    [held] = submit(hub, gb("RH-1", NEAR[0], sku="NO-SUCH-SKU"))  # fails validation
    assert statuses(hub, [held]) == [S.ON_HOLD]
    assert views.list_pools(hub.read_uow, T) == []  # no pool opened for it
    ids = submit(hub, gb("RH-2", NEAR[1]), gb("RH-3", NEAR[2], 2))
    assert statuses(hub, ids) == [S.ALLOCATED, S.ON_HOLD]
    with hub.read_uow() as uow:
        unrouted = uow.orders.get(T, ids[1])
    assert unrouted.hold_reasons, "held with a reason"
    [closed] = events(hub, "PoolClosed")
    assert closed["unrouted"] == [ids[1]] and held not in closed["orders"]


def test_positions_stay_unique_after_a_member_leaves(hub: Hub, clock: Clock) -> None:
    setup(hub, threshold=30)
    ids = submit(hub, gb("RP-1", NEAR[0]), gb("RP-2", NEAR[1]))
    fulfilment.cancel_order(hub.uow, T, ids[0], "changed mind", now=clock.now, actor="ops")
    [third] = submit(hub, gb("RP-3", NEAR[2]))
    [pool] = views.list_pools(hub.read_uow, T)
    shown = views.get_pool(hub.read_uow, T, pool["id"])
    assert [(m["order_id"], m["position"]) for m in shown["orders"]] == [
        (ids[1], 2), (third, 3)]
    assert [e["position"] for e in events(hub, "OrderPooled")] == [1, 2, 3]
