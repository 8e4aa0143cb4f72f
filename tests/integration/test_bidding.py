"""3PL bidding on a real database (SQLite and PostgreSQL): intake opens offers for the
orders the policy selects (and only those), the simulated providers bid over the signed
path, the close decides by the policy's rule; late, malformed and missing bids fall back;
two processes closing the same offer award it exactly once; every bid and decision is
audited; the secrets are ciphertext at rest."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from orderhub.adapters.bidding.simulated import SIMULATED, SimulatedProviders
from orderhub.adapters.db import tables as t
from orderhub.adapters.webhooks import signing
from orderhub.bootstrap import Hub
from orderhub.domain.errors import InvalidInput
from orderhub.services.bidding import auctions, providers, views
from orderhub.services.intake.submit import submit_orders
from tests.conftest import Clock
from tests.factories import T, draft, seed_network
from tests.integration.test_inventory_races import race


def submit(hub: Hub, *drafts: Any) -> list[str]:
    results = submit_orders(hub.uow, T, list(drafts), strategy=hub.strategy,
                            now=hub.clock(), actor="test", presale_lock=hub.presale_lock)
    return [r.order_id for r in results if r.order_id]


def setup_bidding(hub: Hub, profiles: Any = SIMULATED, *, window: float = 3.0,
                  cost_weight: str = "0.5") -> dict[str, str]:
    secrets = {}
    for p in profiles:
        out = providers.save_provider(hub.uow, T, {"code": p.code, "name": p.name,
                                                   "kind": p.kind},
                                      secret=None, now=hub.clock(), actor="test")
        secrets[p.code] = out["secret"]
    providers.set_policy(hub.uow, T, {"when": {"channel": ["tmall"]},
                                      "window_seconds": window,
                                      "cost_weight": cost_weight},
                         now=hub.clock(), actor="test")
    return secrets


def offers(hub: Hub, oid: str) -> list[dict[str, Any]]:
    return views.order_bidding(hub.read_uow, T, oid)


def post_bid(hub: Hub, secret: str, code: str, offer_id: str, doc: Any) -> dict[str, Any]:
    body = json.dumps(doc).encode()
    now = hub.clock()
    headers = signing.signature_headers(secret, f"b-{code}-{offer_id}-{now.timestamp()}",
                                         int(now.timestamp()), body)
    provider = auctions.verify(hub.read_uow, T, code, headers, body, now)
    return auctions.submit(hub.uow, T, provider, offer_id, body, now)


class Sim:
    """The simulated providers, run on the test's clock: answers are collected and
    delivered when the test moves time past their latency."""

    def __init__(self, hub: Hub, clock: Clock) -> None:
        self.hub, self.clock = hub, clock
        self.pending: list[tuple[float, str, str, str, bytes]] = []
        self.sim = SimulatedProviders(self._secret, self._deliver, clock=clock)

    def _secret(self, tenant: str, code: str) -> str | None:
        with self.hub.read_uow() as uow:
            return uow.bidding.secret(tenant, code)

    def _deliver(self, *args: Any) -> None:
        raise AssertionError("the test delivers")

    def send(self, requests: Any) -> None:
        opened = self.clock()
        for r in requests:
            body = self.sim.bid(r.tenant_id, r.provider, r.body)
            signing.verify(self._secret(r.tenant_id, r.provider) or "", r.headers, r.body,
                           now=opened)
            if body is not None:
                lat = self.sim.profiles[r.provider].latency_seconds
                self.pending.append((lat, r.tenant_id, r.provider, r.offer_id, body))

    def run_until(self, seconds: float, start: Any) -> list[dict[str, Any]]:
        """Deliver every answer due within `seconds` of `start`, in latency order."""
        out = []
        for lat, tenant, code, offer_id, body in sorted(self.pending):
            if lat > seconds:
                continue
            self.clock.now = start + timedelta(seconds=lat)
            headers = self.sim.signed(tenant, code, offer_id, body, self.clock.now)
            provider = auctions.verify(self.hub.read_uow, tenant, code, headers, body,
                                       self.clock.now)
            out.append(auctions.submit(self.hub.uow, tenant, provider, offer_id, body,
                                       self.clock.now))
        return out


def test_offer_bids_award_and_why(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 50})
    setup_bidding(hub)
    start = clock.now
    tm, web = submit(hub, draft("BID-1", channel="tmall"), draft("WEB-1"))
    assert offers(hub, web) == []  # not selected: nothing added
    [offer] = offers(hub, tm)
    assert offer["status"] == "open" and offer["site"] == "SH"
    assert offer["providers"] == sorted(p.code for p in SIMULATED)
    sim = Sim(hub, clock)
    assert auctions.dispatch(hub.uow, sim, clock.now) == 1
    assert auctions.dispatch(hub.uow, sim, clock.now) == 0  # sent once
    answers = sim.run_until(10, start)
    assert {a["provider"]: a["status"] for a in answers} == {
        "SIM-SF": "accepted", "SIM-JD": "accepted", "SIM-ZTO": "accepted",
        "SIM-BAD": "malformed", "SIM-SLOW": "late"}
    clock.now = start + timedelta(seconds=3.1)
    done = auctions.close_due(hub.uow, clock.now)
    assert done.awarded == [offer["offer_id"]] and not done.fell_back
    [decided] = offers(hub, tm)
    ranked = decided["decision"]["ranked"]
    # at cost weight 0.5: SF ~ .5 x 12/8.8 + .5 x 30/30 = 1.18, JD ~ 1.33, ZTO ~ 1.63
    assert ranked[0]["provider"] == decided["winner"] == "SIM-SF"
    assert sorted(r["provider"] for r in ranked) == ["SIM-JD", "SIM-SF", "SIM-ZTO"]
    assert decided["decision"]["missing"] == ["SIM-MUTE"]
    assert decided["decision"]["late"] == ["SIM-SLOW"]
    assert decided["decision"]["malformed"] == ["SIM-BAD"]
    scores = [Decimal(r["score"]) for r in ranked]
    assert scores == sorted(scores)
    text = "\n".join(decided["explanation"])
    assert f"Awarded to {decided['winner']}" in text and "malformed" in text
    assert "came late" in text and "No bid from: SIM-MUTE" in text
    zh = views.order_bidding(hub.read_uow, T, tm, zh=True)[0]["explanation"]
    assert any("中标" in line for line in zh)
    with hub.engine.connect() as conn:
        types = [r[0] for r in conn.execute(select(t.outbox.c.type).where(
            t.outbox.c.type.like("Bid%")).order_by(t.outbox.c.id))]
        kinds = conn.execute(select(func.count()).select_from(t.audit_log).where(
            t.audit_log.c.kind == "bid_decision")).scalar_one()
    assert types == ["BidRequested", "BidAwarded"]
    assert kinds == 1 + 5 + 1  # opened, five bids (accepted, late, malformed), decided


def test_weights_decide_cheapest_or_quickest(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 50})
    secrets = setup_bidding(hub, SIMULATED[:3], cost_weight="1")
    [oid] = submit(hub, draft("W-1", channel="tmall"))
    offer_id = offers(hub, oid)[0]["offer_id"]
    promise = (clock.now + timedelta(hours=30)).isoformat()
    later = (clock.now + timedelta(hours=70)).isoformat()
    assert post_bid(hub, secrets["SIM-SF"], "SIM-SF", offer_id,
                    {"price": "12.00", "promised_by": promise})["status"] == "accepted"
    assert post_bid(hub, secrets["SIM-ZTO"], "SIM-ZTO", offer_id,
                    {"price": "8.00", "currency": "CNY", "promised_by": later}
                    )["status"] == "accepted"
    clock.now += timedelta(seconds=4)
    auctions.close_due(hub.uow, clock.now)
    assert offers(hub, oid)[0]["winner"] == "SIM-ZTO"  # price only
    providers.set_policy(hub.uow, T, {"when": {"channel": ["tmall"]}, "cost_weight": "0"},
                         now=clock.now, actor="test")
    [oid2] = submit(hub, draft("W-2", channel="tmall"))
    offer2 = offers(hub, oid2)[0]["offer_id"]
    post_bid(hub, secrets["SIM-SF"], "SIM-SF", offer2,
             {"price": "12.00", "promised_by": (clock.now + timedelta(hours=30)).isoformat()})
    post_bid(hub, secrets["SIM-ZTO"], "SIM-ZTO", offer2,
             {"price": "8.00", "promised_by": (clock.now + timedelta(hours=70)).isoformat()})
    clock.now += timedelta(seconds=4)
    auctions.close_due(hub.uow, clock.now)
    assert offers(hub, oid2)[0]["winner"] == "SIM-SF"  # promise only


def test_no_valid_bid_falls_back_to_routing(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 50})
    secrets = setup_bidding(hub, SIMULATED[:2])
    [oid] = submit(hub, draft("FB-1", channel="tmall"))
    offer_id = offers(hub, oid)[0]["offer_id"]
    bad = post_bid(hub, secrets["SIM-SF"], "SIM-SF", offer_id, {"price": "-1"})
    assert bad["status"] == "malformed" and bad["problem"].startswith("price")
    clock.now += timedelta(seconds=5)
    late = post_bid(hub, secrets["SIM-JD"], "SIM-JD", offer_id,
                    {"price": "9.00", "promised_by": (clock.now + timedelta(hours=9)
                                                      ).isoformat()})
    assert late["status"] == "late"
    done = auctions.close_due(hub.uow, clock.now)
    assert done.fell_back == [offer_id]
    [o] = offers(hub, oid)
    assert o["status"] == "fallback" and o["winner"] is None
    assert "Fell back to routing" in "\n".join(o["explanation"])
    with hub.read_uow() as uow:
        order = uow.orders.get(T, oid)
    assert order.status.value == "allocated"  # routing's reservation stands
    with hub.engine.connect() as conn:
        fb = conn.execute(select(t.outbox.c.data).where(
            t.outbox.c.type == "BidFellBack")).scalar_one()
    assert fb["late"] == ["SIM-JD"] and fb["malformed"] == ["SIM-SF"]


def test_bad_signatures_and_unknown_providers_are_refused(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 50})
    secrets = setup_bidding(hub, SIMULATED[:1])
    body = b'{"price": "1.00"}'
    now = hub.clock()
    wrong = signing.signature_headers(signing.generate_secret(), "x", int(now.timestamp()),
                                      body)
    with pytest.raises(auctions.BidSignatureError):
        auctions.verify(hub.read_uow, T, "SIM-SF", wrong, body, now)
    good = signing.signature_headers(secrets["SIM-SF"], "x", int(now.timestamp()), body)
    with pytest.raises(auctions.BidSignatureError):
        auctions.verify(hub.read_uow, T, "NOBODY", good, body, now)
    with pytest.raises(auctions.BidSignatureError):  # another tenant's provider
        auctions.verify(hub.read_uow, "other", "SIM-SF", good, body, now)
    stale = signing.signature_headers(secrets["SIM-SF"], "x",
                                      int(now.timestamp()) - 600, body)
    with pytest.raises(auctions.BidSignatureError):
        auctions.verify(hub.read_uow, T, "SIM-SF", stale, body, now)
    with pytest.raises(InvalidInput):
        providers.set_policy(hub.uow, T, {"when": {"channel": ["nosuch"]}}, now=now,
                             actor="test")
    with pytest.raises(InvalidInput):
        providers.set_policy(hub.uow, T, {"window_seconds": 0}, now=now, actor="test")


def test_two_processes_closing_the_same_offers_award_each_once(hub: Hub,
                                                               clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 50})
    secrets = setup_bidding(hub, SIMULATED[:2])
    oids = submit(hub, *[draft(f"R-{i}", channel="tmall") for i in range(4)])
    for oid in oids:
        offer_id = offers(hub, oid)[0]["offer_id"]
        post_bid(hub, secrets["SIM-SF"], "SIM-SF", offer_id,
                 {"price": "10.00", "promised_by": (clock.now + timedelta(hours=20)
                                                    ).isoformat()})
    clock.now += timedelta(seconds=4)
    results = race(2, lambda _i: auctions.close_due(hub.uow, clock.now))
    awarded = sorted(a for r in results for a in r.awarded)
    assert len(awarded) == 4 and len(set(awarded)) == 4
    with hub.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(t.outbox).where(
            t.outbox.c.type == "BidAwarded")).scalar_one()
    assert n == 4


def test_provider_secrets_are_ciphertext_at_rest(hub: Hub) -> None:
    seed_network(hub)
    secrets = setup_bidding(hub, SIMULATED[:1])
    with hub.engine.connect() as conn:
        stored = conn.execute(select(t.bid_providers.c.secret)).scalar_one()
    assert secrets["SIM-SF"] not in stored
    listed = providers.list_providers(hub.read_uow, T)
    assert listed[0]["code"] == "SIM-SF" and "secret" not in listed[0]


def test_migration_matches_the_tables(hub: Hub) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import MetaData

    only = MetaData(naming_convention=t.metadata.naming_convention)
    names = ("bid_providers", "bid_policies", "bid_offers", "'bids'")
    for table in (t.bid_providers, t.bid_policies, t.bid_offers, t.bids):
        table.to_metadata(only)
    with hub.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, only)
                if any(n in repr(d) for n in names) and not (
                    isinstance(d, tuple) and d[0] == "remove_table")]
    assert diff == []


def _closer(url: str, at: str, go: Any, out: Any) -> None:
    from datetime import datetime

    from orderhub.bootstrap import bootstrap
    from orderhub.config import Settings

    now = datetime.fromisoformat(at)
    hub = bootstrap(Settings(database_url=url), clock=lambda: now)
    go.wait(60)
    done = auctions.close_due(hub.uow, now)
    out.put((done.awarded, done.fell_back, done.skipped))
    hub.close()


def test_two_processes_closing_the_same_offers_decide_each_once(
        hub: Hub, clock: Clock, database_url: str) -> None:
    """Two OS processes, each its own engine and connections, run the close at once."""
    import multiprocessing as mp

    seed_network(hub, {("A", "SH"): 50})
    secrets = setup_bidding(hub, SIMULATED[:2])
    oids = submit(hub, *[draft(f"P-{i}", channel="tmall") for i in range(6)])
    for oid in oids[:4]:  # four get a bid, two fall back
        post_bid(hub, secrets["SIM-SF"], "SIM-SF", offers(hub, oid)[0]["offer_id"],
                 {"price": "10.00", "promised_by": (clock.now + timedelta(hours=20)
                                                    ).isoformat()})
    at = (clock.now + timedelta(seconds=4)).isoformat()
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_closer, args=(database_url, at, go, out)) for _ in range(2)]
    for p in procs:
        p.start()
    go.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    awarded = [a for r in results for a in r[0]]
    fell_back = [f for r in results for f in r[1]]
    assert len(awarded) == len(set(awarded)) == 4
    assert len(fell_back) == len(set(fell_back)) == 2
    with hub.engine.connect() as conn:
        decided = conn.execute(select(t.outbox.c.type, func.count()).where(
            t.outbox.c.type.in_(["BidAwarded", "BidFellBack"])).group_by(
            t.outbox.c.type)).all()
    assert dict(decided) == {"BidAwarded": 4, "BidFellBack": 2}
