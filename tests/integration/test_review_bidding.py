"""Review of 3PL bidding: a captured signed bid replayed (to its own offer or to another
one) must not count again nor override the provider's later bid; an order cancelled
while its offer is open must not be awarded."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from orderhub.adapters.bidding.simulated import SIMULATED
from orderhub.adapters.db import tables as t
from orderhub.adapters.webhooks import signing
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict
from orderhub.services.bidding import auctions
from orderhub.services.orders import fulfilment
from tests.conftest import Clock
from tests.factories import T, draft, seed_network
from tests.integration.test_bidding import offers, setup_bidding, submit


def _signed(secret: str, msg_id: str, doc: object, clock: Clock) -> tuple[dict[str, str],
                                                                          bytes]:
    body = json.dumps(doc).encode()
    return signing.signature_headers(secret, msg_id, int(clock.now.timestamp()), body), body


def _post(hub: Hub, code: str, offer_id: str, headers: dict[str, str], body: bytes,
          clock: Clock) -> dict[str, object]:
    provider = auctions.verify(hub.read_uow, T, code, headers, body, clock.now)
    return auctions.submit(hub.uow, T, provider, offer_id, body, clock.now,
                           message_id=headers["webhook-id"])


def test_replayed_bid_is_refused_and_cannot_override(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 50})
    secrets = setup_bidding(hub, SIMULATED[:2])
    [oid] = submit(hub, draft("RP-1", channel="tmall"))
    offer_id = offers(hub, oid)[0]["offer_id"]
    sf = secrets["SIM-SF"]
    promise = (clock.now + timedelta(hours=30)).isoformat()
    old = _signed(sf, "m-1", {"price": "50.00", "promised_by": promise}, clock)
    assert _post(hub, "SIM-SF", offer_id, *old, clock)["status"] == "accepted"
    clock.now += timedelta(seconds=1)
    new = _signed(sf, "m-2", {"price": "10.00", "promised_by": promise}, clock)
    assert _post(hub, "SIM-SF", offer_id, *new, clock)["status"] == "accepted"
    with pytest.raises(Conflict):  # the old message again, within the 5 minutes
        _post(hub, "SIM-SF", offer_id, *old, clock)
    clock.now += timedelta(seconds=3)
    auctions.close_due(hub.uow, clock.now)
    [o] = offers(hub, oid)
    assert o["winner"] == "SIM-SF" and o["price"] == "10.00"


def test_bid_replayed_to_another_offer_is_refused(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 50})
    secrets = setup_bidding(hub, SIMULATED[:2])
    a, b = submit(hub, draft("RP-2", channel="tmall"), draft("RP-3", channel="tmall"))
    offer_a, offer_b = offers(hub, a)[0]["offer_id"], offers(hub, b)[0]["offer_id"]
    promise = (clock.now + timedelta(hours=30)).isoformat()
    msg = _signed(secrets["SIM-SF"], "m-9", {"price": "99.00", "promised_by": promise},
                  clock)
    assert _post(hub, "SIM-SF", offer_a, *msg, clock)["status"] == "accepted"
    with pytest.raises(Conflict):
        _post(hub, "SIM-SF", offer_b, *msg, clock)
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.bids).where(
            t.bids.c.offer_id == offer_b)).scalar_one() == 0


def test_cancelled_order_is_not_awarded(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 50})
    secrets = setup_bidding(hub, SIMULATED[:2])
    [oid] = submit(hub, draft("CX-1", channel="tmall"))
    offer_id = offers(hub, oid)[0]["offer_id"]
    promise = (clock.now + timedelta(hours=30)).isoformat()
    bid = _signed(secrets["SIM-SF"], "c-1", {"price": "10.00", "promised_by": promise},
                  clock)
    assert _post(hub, "SIM-SF", offer_id, *bid, clock)["status"] == "accepted"
    fulfilment.cancel_order(hub.uow, T, oid, "customer", now=clock.now, actor="test")
    clock.now += timedelta(seconds=4)
    done = auctions.close_due(hub.uow, clock.now)
    assert done.fell_back == [offer_id] and not done.awarded
    [o] = offers(hub, oid)
    assert o["status"] == "fallback" and o["winner"] is None
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.outbox).where(
            t.outbox.c.type == "BidAwarded")).scalar_one() == 0


def test_wave_leaves_offered_orders_alone(hub: Hub, clock: Clock) -> None:
    """A wave re-allocates allocated orders; one whose offer is open keeps its site until
    the award (the offer and its bids are for that site)."""
    from orderhub.services.network import waves

    seed_network(hub, {("A", "SH"): 50, ("A", "BJ"): 50})
    setup_bidding(hub, SIMULATED[:2])
    tm, web = submit(hub, draft("WV-B1", channel="tmall"), draft("WV-B2"))
    assert offers(hub, tm)[0]["status"] == "open" and offers(hub, web) == []
    report = waves.optimise_wave(hub.uow, hub.read_uow, T, strategy=hub.strategy,
                                 now=hub.clock(), actor="ops",
                                 presale_lock=hub.presale_lock, dry_run=True)
    assert report.considered == 1 and tm not in report.changed


def test_order_moved_to_another_site_is_not_awarded(hub: Hub, clock: Clock) -> None:
    """An edit re-plans the order (it stays allocated) at another site while its offer is
    open: the bids were for the old site, so the close falls back."""
    from sqlalchemy import update

    seed_network(hub, {("A", "SH"): 50, ("A", "BJ"): 50})
    secrets = setup_bidding(hub, SIMULATED[:2])
    [oid] = submit(hub, draft("MV-1", channel="tmall"))
    [offer] = offers(hub, oid)
    other = "BJ" if offer["site"] == "SH" else "SH"
    promise = (clock.now + timedelta(hours=30)).isoformat()
    bid = _signed(secrets["SIM-SF"], "mv-1", {"price": "10.00", "promised_by": promise},
                  clock)
    assert _post(hub, "SIM-SF", offer["offer_id"], *bid, clock)["status"] == "accepted"
    with hub.engine.begin() as conn:  # as if the order had been re-planned at `other`
        conn.execute(update(t.bid_offers).where(
            t.bid_offers.c.offer_id == offer["offer_id"]).values(site=other))
    clock.now += timedelta(seconds=4)
    done = auctions.close_due(hub.uow, clock.now)
    assert done.fell_back == [offer["offer_id"]] and not done.awarded


def test_concurrent_replay_is_a_conflict_not_a_database_error(hub: Hub,
                                                              clock: Clock) -> None:
    """Two copies of one message racing both pass the `seen` read; the unique index
    stops the second, which must come out as a Conflict (409), not an IntegrityError."""
    from orderhub.domain import bidding as bd

    seed_network(hub, {("A", "SH"): 50})
    setup_bidding(hub, SIMULATED[:2])
    [oid] = submit(hub, draft("RC-1", channel="tmall"))
    offer_id = offers(hub, oid)[0]["offer_id"]
    bid = bd.Bid(offer_id, "SIM-SF", clock.now, bd.MALFORMED, problem="x")
    with hub.uow() as uow:
        uow.bidding.take_bid(bid, T, "same")
        uow.commit()
    with hub.uow() as uow, pytest.raises(Conflict):
        uow.bidding.take_bid(bid, T, "same")


def test_dispatch_sends_each_offer_once_across_processes(
        hub: Hub, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes' jobs read the same unrequested offers (a read before the other's
    commit, simulated by a read that ignores `requested_at`): only the one whose update
    marked them sends their requests."""
    from orderhub.adapters.db.bidding_repository import BiddingRepository
    from orderhub.domain.bidding import OPEN

    seed_network(hub, {("A", "SH"): 50})
    setup_bidding(hub, SIMULATED[:2])
    submit(hub, draft("DS-1", channel="tmall"))

    def stale(self: BiddingRepository, limit: int) -> list[object]:
        from orderhub.adapters.db.bidding_repository import _offer
        rows = self.conn.execute(select(t.bid_offers).where(
            t.bid_offers.c.status == OPEN).limit(limit)).mappings()
        return [_offer(m) for m in rows]

    monkeypatch.setattr(BiddingRepository, "unrequested", stale)
    sent: list[object] = []

    class Sender:
        def send(self, requests: list[object]) -> None:
            sent.extend(requests)

    auctions.dispatch(hub.uow, Sender(), clock.now)
    first = len(sent)
    assert first == 2
    auctions.dispatch(hub.uow, Sender(), clock.now)
    assert len(sent) == first
