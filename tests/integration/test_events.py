"""Event catalogue conformance, the relay and durable consumers on the embedded log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import jsonschema
from sqlalchemy import select

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.adapters.db import tables as t
from orderhub.adapters.forecasting.engine import EngineOutput
from orderhub.bootstrap import Hub
from orderhub.domain.event_catalog import BY_TYPE, CATALOG, envelope_example
from orderhub.domain.forecasting.selection import ENGINE_MODELS
from orderhub.domain.forecasting.series import DailySeries
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.domain.order import OrderType
from orderhub.domain.routing.network import BlockDirection, CarrierState
from orderhub.domain.tracking import Checkpoint, CheckpointKind, carrier_of
from orderhub.services import compliance_packs
from orderhub.services.events.consumers import list_parked
from orderhub.services.exceptions import desk, views
from orderhub.services.forecasting import drift as forecast_drift
from orderhub.services.forecasting import fitting as forecast_fitting
from orderhub.services.forecasting import history as forecast_history
from orderhub.services.intake import sku_mapping
from orderhub.services.intake.submit import ingest_channel_orders, submit_orders
from orderhub.services.inventory import stock_control
from orderhub.services.network import incidents
from orderhub.services.orders import fulfilment, holds
from orderhub.services.orders import money as order_money
from orderhub.services.risk import training as risk_training
from orderhub.services.rules import routing_rules, rule_sets
from orderhub.services.tracking import checkpoints as tracking
from orderhub.services.twin import alerts
from orderhub.tools.month_simulation import MonthConfig, month_history
from tests.conftest import Clock
from tests.factories import SHANGHAI, T, draft, seed_network


def submit(hub: Hub, *drafts: object) -> list[str]:
    results = submit_orders(hub.uow, T, list(drafts), strategy=hub.strategy,  # type: ignore[arg-type]
                            now=hub.clock(), actor="test", presale_lock=hub.presale_lock)
    return [r.order_id for r in results if r.order_id]


class _LevelEngine:
    """A forecast engine that says `level` for every model, window and day."""

    def __init__(self, level: float) -> None:
        self.level = level

    def run(self, series: Sequence[DailySeries], horizon: int, windows: int) -> EngineOutput:
        out = EngineOutput()
        for s in series:
            trains = [len(s.values) - i * horizon for i in range(windows, 0, -1)]
            out.forecasts[s.key] = {m: [self.level] * horizon for m in ENGINE_MODELS}
            out.backtests[s.key] = {m: [(t, [self.level] * horizon) for t in trains]
                                    for m in ENGINE_MODELS}
        return out


def run_every_kind_of_event(hub: Hub, clock: Clock) -> None:
    """One scenario that emits each catalogued event type at least once."""
    seed_network(hub)
    paid, cancelled, held = submit(hub, draft("EV-1", [("A", 1), ("C", 1)]),
                                   draft("EV-2", [("A", 1)]), draft("EV-3", [("A", 99)]))
    hub.waybills.release(T, paid, actor="wms")  # books the waybills carriers track
    for st in (S.PICKED, S.PACKED):
        fulfilment.advance_order(hub.uow, T, paid, st, now=clock.now, actor="wms")
    fulfilment.ship_order(hub.uow, T, paid, None, now=clock.now, actor="wms")
    with hub.read_uow() as uow:
        parcel = uow.orders.get(T, paid).shipments[0]
    carrier = carrier_of(parcel.carrier_service)
    tracking.push(hub.uow, T, carrier, [Checkpoint(carrier, parcel.waybill, "EV-CP-1",
                                                   CheckpointKind.PICKED_UP, clock.now,
                                                   "上海", "已揽收")], now=clock.now)
    for st in (S.DELIVERED, S.INVOICED, S.PAID):
        fulfilment.advance_order(hub.uow, T, paid, st, now=clock.now, actor="erp")
    # returns: one approved at once, its waybill booked, received, refunded; one rejected,
    # one cancelled (reason "other": a person decides)
    from orderhub.services.returns.desk import Receipt

    rma = hub.returns.request(T, paid, [(1, 1)], "damaged", actor="buyer")
    hub.returns.receive(T, rma.id, parcel.warehouse, [Receipt(1, 1, "resell")], actor="wms")
    hub.returns.complete_refund(T, rma.id, "REF-EV-1", actor="finance")
    refused = hub.returns.request(T, paid, [(2, 1)], "other", actor="buyer")
    hub.returns.reject(T, refused.id, actor="ops", reason="outside policy")
    withdrawn = hub.returns.request(T, paid, [(2, 1)], "other", actor="buyer")
    hub.returns.cancel(T, withdrawn.id, actor="buyer", reason="kept it")
    refunded_first = hub.returns.request(T, paid, [(2, 1)], "damaged", actor="buyer")
    hub.returns.note_channel_refund(T, refunded_first.id, "shopify:RF-EV-1",
                                    actor="channel:shopify")  # paid before the goods are back
    fulfilment.cancel_order(hub.uow, T, cancelled, "customer request", now=clock.now,
                            actor="api")
    # partial fulfilment money: paid at checkout, then a unit cancelled before release
    [partly] = submit(hub, draft("EV-13", [("A", 2)]))
    with hub.uow() as uow:
        order_money.record_payment(uow, uow.orders.get(T, partly, lock=True),
                                   source="checkout", now=clock.now, actor="web")
        uow.commit()
    order_money.cancel_units(hub.uow, T, partly, {1: 1}, "one fewer", now=clock.now,
                             actor="api")
    stock_control.adjust_stock(hub.uow, T, "A", "SH", 100, reason="count", reference="CC-1",
                           now=clock.now, actor="wms")
    fulfilment.resume_order(hub.uow, T, held, now=clock.now, actor="ops",
                            strategy=hub.strategy, presale_lock=hub.presale_lock)
    [short] = submit(hub, draft("EV-4", [("A", 500)]))
    holds.correct_address(hub.uow, T, short, {"line1": "新地址 8 号"}, reason="typo",
                                actor="ops", now=clock.now)
    holds.override_and_release(hub.uow, T, short, ["backorder"], reason="test override",
                                     actor="lead", now=clock.now, strategy=hub.strategy,
                                     presale_lock=hub.presale_lock)
    ingest_channel_orders(
        hub.uow, T, "web", [ChannelOrder("CH-1", "open", clock.now, "CNY",
                                         [ChannelLine("CH-SKU", "Apple", 1, Decimal("10.00"))],
                                         shipping_address=SHANGHAI,
                                         # a buyer's note with a fact: BuyerNoteRead
                                         attributes={"buyer_message": "宝宝刚满3个月"})],
        strategy=hub.strategy, now=clock.now, actor="test", presale_lock=hub.presale_lock)
    incidents.set_carrier_state(hub.uow, T, "ZTO:standard", CarrierState.DOWN,
                                     reason="timeouts", actor="ops", now=clock.now,
                                     strategy=hub.strategy, presale_lock=hub.presale_lock)
    [late] = submit(hub, draft("EV-5"))
    fulfilment.advance_order(hub.uow, T, late, S.RELEASED, now=clock.now, actor="wms")
    incidents.close_warehouse(hub.uow, T, "SH", reason="storm", actor="ops",
                                   now=clock.now, strategy=hub.strategy,
                                   presale_lock=hub.presale_lock)
    block, _ = incidents.block_region(hub.uow, T, "广东", BlockDirection.INBOUND,
                                           reason="typhoon", actor="ops", now=clock.now,
                                           strategy=hub.strategy, presale_lock=hub.presale_lock)
    incidents.lift_block(hub.uow, T, block["id"], reason="clear", actor="ops",
                              now=clock.now, strategy=hub.strategy,
                              presale_lock=hub.presale_lock)
    routing_rules.put_rule(hub.uow, T, {"code": "no-gz", "when": {"channel": ["web"]},
                                        "then": {"exclude_sites": ["GZ"]}},
                           actor="ops", reason="test", now=clock.now)
    rule_sets.create_draft(hub.uow, T, None, actor="ops", reason="copy", now=clock.now)
    compliance_packs.set_enabled(hub.uow, T, "HK", True, actor="ops", reason="HK shop",
                                 now=clock.now)  # CompliancePackChanged
    routing_rules.put_rule(hub.uow, T, {"code": "tell-ops", "when": {"channel": ["web"]},
                                        "then": {"notify": "web order", "notify_to": ["ops"]}},
                           actor="ops", reason="test", now=clock.now)
    submit(hub, draft("EV-6"))
    sku_mapping.confirm_mapping(hub.uow, T, "web", "sku", "CH-SKU", "A", actor="ops",
                                now=clock.now, strategy=hub.strategy,
                                presale_lock=hub.presale_lock)
    # the twin: a released order stalls, its alert escalates, it moves on late (at risk)
    [slow] = submit(hub, draft("EV-7"))
    fulfilment.advance_order(hub.uow, T, slow, S.RELEASED, now=clock.now, actor="wms")
    twin = hub.enable_twin()
    hub.relay.drain()
    while twin.process_once(wait=0):
        pass
    clock.now += timedelta(hours=30)
    assert alerts.sweep(hub.uow, clock.now)["stalled"] >= 1
    clock.now += timedelta(hours=1)
    assert alerts.sweep(hub.uow, clock.now)["escalated"] >= 1
    fulfilment.advance_order(hub.uow, T, slow, S.PICKED, now=clock.now, actor="wms")
    hub.relay.drain()
    while twin.process_once(wait=0):
        pass
    # compensation: a warehouse refuses a released order (started, compensated); a carrier
    # that never voids leaves a saga to a human
    from orderhub.adapters.carriers.base import CarrierUnavailable
    from orderhub.services.sagas import compensation
    from tests.sagas_support import install

    carriers = install(hub)
    refused, stuck = submit(hub, draft("EV-8"), draft("EV-9"))
    for oid in (refused, stuck):
        hub.waybills.release(T, oid, actor="wms")
    compensation.reject_release(hub.compensator, T, refused, "rack damaged", actor="wms")
    carriers.void_always = CarrierUnavailable("carrier down")
    compensator = replace(hub.compensator, max_attempts=1)
    compensation.reject_release(compensator, T, stuck, "no pickers", actor="wms")
    # a late-delivery risk model trained on a (small) simulated history
    risk_training.train_and_store(
        hub.uow, T, month_history(MonthConfig(days=6, orders_per_day=40, seed=3)),
        train_days=4, seed=3, source={"source": "test"}, actor="ops", now=clock.now,
        promote=False)
    # demand forecasts: a run fitted (an engine that forecasts the old level), then demand
    # jumps: the drift check flags the series
    history = [{"sku": "A", "warehouse": "SH", "date": str(date(2025, 3, 1) + timedelta(days=d)),
                "quantity": 5 if d < 33 else 40} for d in range(40)]
    forecast_history.import_records(hub.uow, T, history, dataset="ev", actor="ops",
                                    now=clock.now)
    forecast_fitting.fit_and_store(
        hub.uow, T, _LevelEngine(5.0), source="ev", kind="warehouse", since=None,
        until=date(2025, 4, 2), horizon=7, windows=2, actor="ops", now=clock.now)
    _, found = forecast_drift.check(hub.uow, T, run_id=None, actor="system", now=clock.now)
    assert [r.drifted for r in found] == [True]
    # the exception desk: a held order, a remedy rejected, another approved by two people
    [on_desk] = submit(hub, draft("EV-10", [("B", 50)]))
    desk.sync_holds(hub.uow, T, now=clock.now)
    [item] = views.list_exceptions(hub.read_uow, T, order_id=on_desk)["items"]
    ranked = {r["kind"]: r["n"] for r in views.get_exception(hub.read_uow, T,
                                                             item["id"])["remedies"]}
    # a proposal nobody decides lapses (the proposal-expiry job), then is proposed again
    desk.apply_remedy(hub.uow, T, item["id"], ranked["contact_customer"], actor="ops",
                      reason="test", now=clock.now)
    assert desk.expire_proposals(hub.uow, now=clock.now + timedelta(hours=25)) == 1
    for kind, decisions in (("contact_customer", [("lead", False)]),
                            ("cancel_and_refund", [("lead", True), ("boss", True)])):
        desk.apply_remedy(hub.uow, T, item["id"], ranked[kind], actor="ops", reason="test",
                          now=clock.now)
        for who, yes in decisions:
            desk.decide(hub.uow, T, item["id"], ranked[kind], approve_it=yes, actor=who,
                        reason="test", now=clock.now)
    # a channel's cut-over: into shadow mode, then promoted live (a bar of zero)
    from orderhub.services import cutover

    cutover.put_in_shadow(hub.uow, T, "tmall", now=clock.now, actor="admin")
    cutover.promote(hub.uow, T, "tmall", min_rate=Decimal(0), min_orders=0, now=clock.now,
                    actor="admin")
    # shipping documents: a carrier's layout saved, a released order's documents produced
    from orderhub.adapters.labels.builtin import builtin_layouts
    from orderhub.services.labels import layouts as label_layouts

    layout = builtin_layouts()["SF"].as_dict()
    del layout["carrier"]
    label_layouts.save_layout(hub.uow, T, "SF", layout, now=clock.now, actor="admin")
    [labelled] = submit(hub, draft("EV-11", [("A", 1)]))
    hub.waybills.release(T, labelled, actor="wms")
    hub.relay.drain()
    labels = hub.enable_labels()
    while labels.process_once(wait=0):
        pass
    # reconciliation: a settlement file imported, the period run, then closed
    from orderhub.services.reconciliation import settlement

    bill = ("运单号,日期,运费\nSF-EV-1,2026-11-20,10.00\n").encode()
    settlement.import_file(hub.uow, T, bill, "bill.csv", source="carrier:sf",
                           now=clock.now, actor="fin")
    settlement.run(hub.uow, T, "2026-11", now=clock.now, actor="fin")
    settlement.close(hub.uow, T, "2026-11", now=clock.now, actor="fin")
    # pre-allocation (BJ → GZ): a plan, two transfer orders from it, one shipped and received, the
    # other cancelled
    from orderhub.adapters.planning.highs_solver import HighsPreallocationSolver
    from orderhub.services.planning import preallocation, transfers
    from orderhub.services.planning import settings as planning_settings
    from tests.integration.test_preallocation import store_forecasts

    stock_control.receive_stock(hub.uow, T, "C", "BJ", 100, reference="ev-c", now=clock.now,
                                actor="ops")
    planning_settings.change(hub.uow, T, {"lost_sale_margin": "1"}, actor="ops",
                             now=clock.now)
    store_forecasts(hub, {("C", "GZ"): 10, ("C", "BJ"): 1})  # SH is closed by now
    solver = HighsPreallocationSolver()
    first = preallocation.preallocate(hub.uow, hub.read_uow, solver, T, actor="ops",
                                      now=clock.now, horizon_hours=96)  # BJ→GZ: 3 days
    [moved] = transfers.accept(hub.uow, T, first.plan.id, [1], quantities={1: 5},
                               actor="ops", now=clock.now).transfer_ids
    second = preallocation.preallocate(hub.uow, hub.read_uow, solver, T, actor="ops",
                                       now=clock.now, horizon_hours=96)
    [dropped] = transfers.accept(hub.uow, T, second.plan.id, None, actor="ops",
                                 now=clock.now).transfer_ids
    transfers.ship(hub.uow, T, moved, actor="wms", now=clock.now)
    transfers.receive(hub.uow, T, moved, actor="wms", now=clock.now)
    transfers.cancel(hub.uow, T, dropped, actor="ops", now=clock.now)
    # chat apps: a channel added and disabled, a chat user mapped and unmapped
    from orderhub.services.access import users as hub_users
    from orderhub.services.chat import admin as chat_admin

    hub_users.create_user(hub.uow, T, login="ev-chat", role="operations",
                          password="pw-ev-chat-user", granter=None, actor="admin",
                          now=clock.now)
    chat_channel = chat_admin.add_channel(
        hub.uow, T, app="slack", name="ev", subjects=["approvals"],
        webhook_url="https://hooks.slack.com/services/T/B/x", callback_secret="s",
        actor="admin", now=clock.now)
    chat_admin.set_enabled(hub.uow, T, chat_channel["id"], False, actor="admin",
                           now=clock.now)
    chat_admin.map_user(hub.uow, T, app="slack", chat_user_id="U1", login="ev-chat",
                        actor="admin", now=clock.now)
    chat_admin.unmap_user(hub.uow, T, app="slack", chat_user_id="U1", actor="admin",
                          now=clock.now)
    # group-buy pooling: two orders join a pool (OrderPooled), which closes at its
    # threshold and is routed as one delivery (PoolClosed)
    from tests.integration.test_pools import pool_two_orders

    pool_two_orders(hub)
    # 3PL bidding: two orders offered (BidRequested); one gets a bid and is awarded, the
    # other has none and falls back to routing
    from orderhub.adapters.bidding.simulated import SIMULATED
    from orderhub.services.bidding import auctions
    from orderhub.services.bidding.views import order_bidding
    from tests.integration.test_bidding import post_bid, setup_bidding
    from tests.integration.test_bidding import submit as bid_submit

    bid_secrets = setup_bidding(hub, SIMULATED[:1])
    won, lost = bid_submit(hub, draft("EV-BID-1", [("C", 1)], channel="tmall"),
                           draft("EV-BID-2", [("C", 1)], channel="tmall"))
    offer_id = order_bidding(hub.read_uow, T, won)[0]["offer_id"]
    assert order_bidding(hub.read_uow, T, lost)
    post_bid(hub, bid_secrets["SIM-SF"], "SIM-SF", offer_id,
             {"price": "9.50", "promised_by": (clock.now + timedelta(days=1)).isoformat()})
    clock.now += timedelta(seconds=5)
    auctions.close_due(hub.uow, clock.now)


def test_catalogue_examples_validate_against_their_schemas() -> None:
    for spec in CATALOG:
        jsonschema.Draft202012Validator.check_schema(spec.data_schema())
        jsonschema.validate(spec.example, spec.data_schema())
        assert envelope_example(spec)["type"] == f"io.orderhub.{spec.type}"


def test_every_emitted_event_matches_the_catalogue(hub: Hub, clock: Clock) -> None:
    got: list[Envelope] = []
    hub.bus.subscribe("*", got.append)
    run_every_kind_of_event(hub, clock)
    hub.relay.drain()
    assert {e.type for e in got} == set(BY_TYPE)
    for e in got:
        jsonschema.validate(e.data, BY_TYPE[e.type].data_schema())
        doc = e.to_dict()
        assert doc["specversion"] == "1.0" and doc["id"] == e.id and doc["tenant"] == T
        assert e.recorded is not None  # when its transaction wrote it (wall clock)
        assert Envelope.from_json(e.to_json()) == Envelope(
            e.id, e.type, e.tenant, e.subject, e.sequence, e.time, e.data, recorded=e.recorded)


def test_relay_assigns_gap_free_positions(hub: Hub) -> None:
    seed_network(hub)
    submit(hub, *[draft(f"P-{i}") for i in range(20)])
    published = hub.relay.drain()
    with hub.engine.connect() as conn:
        positions = [r[0] for r in conn.execute(select(t.outbox.c.position)
                                                .order_by(t.outbox.c.position))]
    assert published == len(positions)
    assert positions == list(range(1, len(positions) + 1))


def test_durable_consumer_sees_each_orders_events_in_sequence(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 100})
    got: list[Envelope] = []
    consumer = hub.consumer("audit", got.extend, start="earliest")
    submit(hub, *[draft(f"O-{i}") for i in range(30)])
    hub.relay.drain()
    while consumer.process_once(wait=0):
        pass
    by_order: dict[str, list[int]] = {}
    for e in got:
        if e.order_id:
            by_order.setdefault(e.order_id, []).append(e.sequence)
    assert len(by_order) == 30
    assert all(seqs == [1, 2, 3, 4] for seqs in by_order.values())
    assert consumer.source.pending() == 0
    assert consumer.process_once(wait=0) == 0  # nothing new, nothing redelivered


def test_new_consumer_starts_at_the_latest_event_by_default(hub: Hub) -> None:
    seed_network(hub)
    submit(hub, draft("OLD-1"))
    hub.relay.drain()
    got: list[Envelope] = []
    consumer = hub.consumer("late", got.extend)
    assert consumer.process_once(wait=0) == 0
    submit(hub, draft("NEW-1"))
    hub.relay.drain()
    consumer.process_once(wait=0)
    assert {e.data.get("external_id") for e in got if e.type == "OrderCreated"} == {"NEW-1"}


def test_failing_handler_is_retried_then_parked_and_the_consumer_moves_on(hub: Hub) -> None:
    seed_network(hub)
    attempts: dict[str, int] = {}
    handled: list[str] = []

    def handler(batch: Sequence[Envelope]) -> None:
        for e in batch:
            if e.data.get("external_id") == "POISON":
                attempts[e.id] = attempts.get(e.id, 0) + 1
                raise ValueError("cannot handle this one")
        handled.extend(e.id for e in batch)

    consumer = hub.consumer("fragile", handler, types=["OrderCreated"], start="earliest")
    consumer.sleep = lambda _s: None
    submit(hub, draft("GOOD-1"), draft("POISON"), draft("GOOD-2"))
    hub.relay.drain()
    consumer.process_once(wait=0)
    assert list(attempts.values()) == [1 + hub.settings.consumer_max_attempts]
    assert len(handled) == 2  # both good events, despite the poison between them
    [parked] = list_parked(hub.engine, "fragile")
    assert parked["error"] == "ValueError: cannot handle this one"
    assert parked["attempts"] == hub.settings.consumer_max_attempts
    assert consumer.process_once(wait=0) == 0


def test_redelivered_events_are_skipped_and_replay_delivers_again(hub: Hub,
                                                                  clock: Clock) -> None:
    seed_network(hub)
    got: list[str] = []
    consumer = hub.consumer("replayer", lambda b: got.extend(e.id for e in b),
                            types=["OrderCreated"], start="earliest")
    submit(hub, draft("R-1"), draft("R-2"))
    hub.relay.drain()
    consumer.process_once(wait=0)
    assert len(got) == 2
    # Simulate a redelivery (offset lost): the inbox keeps the handler from seeing them twice.
    with hub.engine.begin() as conn:
        conn.execute(t.consumer_offsets.update().values(position=0))
    consumer.process_once(wait=0)
    assert len(got) == 2
    consumer.replay(clock.now - timedelta(minutes=1))
    consumer.process_once(wait=0)
    assert len(got) == 4 and sorted(got[:2]) == sorted(got[2:])


def test_presale_expiry_emits_release_and_hold(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    [oid] = submit(hub, draft("PS-E", [("A", 2)], order_type=OrderType.PRE_SALE,
                              presale_release=(clock.now + timedelta(days=3)).date()))
    clock.now += timedelta(hours=1)
    assert fulfilment.expire_reservations(hub.uow, now=clock.now) == 1
    got: list[Envelope] = []
    hub.bus.subscribe("*", got.append)
    hub.relay.drain()
    mine = [(e.type, e.data["status"]) for e in got if e.order_id == oid]
    assert mine[-2:] == [("InventoryReleased", "allocated"), ("OrderHeld", "on_hold")]


def test_inbox_is_pruned_past_its_horizon(hub: Hub, clock: Clock) -> None:
    from orderhub.services.events.consumers import prune_inbox

    seed_network(hub)
    consumer = hub.consumer("pruned", lambda b: None, start="earliest")
    submit(hub, draft("PR-1"))
    hub.relay.drain()
    consumer.process_once(wait=0)
    assert prune_inbox(hub.engine, clock.now - timedelta(days=7)) == 0
    assert prune_inbox(hub.engine, datetime.now(UTC) + timedelta(seconds=1)) == 8


def test_periodic_jobs_run_once_without_threads(hub: Hub, clock: Clock) -> None:
    """What `serve` and `worker` run on a timer, each run here once by name."""
    seed_network(hub)
    jobs = {job.name: job for job in hub.periodic_jobs()}
    assert list(jobs) == ["reservation-expiry", "carrier-probe", "inbox-pruning",
                          "audit-checkpoints", "usage-flush", "twin-alerts",
                          "tracking-match", "exception-sync", "alert-desk",
                          "twin-rescore", "anomaly-pruning", "saga-resume",
                          "proposal-expiry", "pool-close", "bid-auctions"]
    assert jobs["twin-alerts"].run_once(clock.now) == {"stalled": 0, "escalated": 0}
    assert jobs["bid-auctions"].run_once(clock.now) == 0  # no offer open
    assert jobs["reservation-expiry"].every_seconds == hub.settings.expiry_sweep_seconds

    [oid] = submit(hub, draft("PS-J", [("A", 2)], order_type=OrderType.PRE_SALE,
                              presale_release=(clock.now + timedelta(days=3)).date()))
    assert jobs["reservation-expiry"].run_once(clock.now) == 0  # the lock holds for now
    clock.now += timedelta(hours=1)
    assert jobs["reservation-expiry"].run_once(clock.now) == 1
    with hub.read_uow() as uow:
        assert uow.orders.get(T, oid).status == S.ON_HOLD
    assert jobs["exception-sync"].run_once(clock.now) == 1  # the held order is on the desk
    assert jobs["exception-sync"].run_once(clock.now) == 0

    assert jobs["carrier-probe"].run_once(clock.now) == []  # no carrier API called yet

    consumer = hub.consumer("pruned-by-job", lambda b: None, start="earliest")
    hub.relay.drain()
    assert consumer.process_once(wait=0) > 0
    assert jobs["inbox-pruning"].run_once(datetime.now(UTC)) == 0  # handled just now: kept
    later = datetime.now(UTC) + timedelta(days=hub.settings.inbox_retention_days, seconds=1)
    assert jobs["inbox-pruning"].run_once(later) > 0
    # Intake fingerprints (anomaly detection) are kept for their windows, then deleted.
    assert jobs["anomaly-pruning"].run_once(clock.now) == 0
    assert jobs["anomaly-pruning"].run_once(clock.now + timedelta(days=31)) > 0
