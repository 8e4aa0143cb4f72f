"""Behaviour kept through the restructure, found by an independent review: each of these
failed on the first restructured version (and passed on the code before it)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict
from orderhub.domain.order import KEEP, OrderEdit
from orderhub.services.intake.submit import submit_orders
from orderhub.services.network import incidents
from orderhub.services.orders import fulfilment, holds
from tests.factories import T, draft, order, seed_network

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _planned_at(hub: Hub, code: str) -> int:
    s = t.shipments.c
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(
            s.warehouse == code, s.status == "planned")).scalar_one())


def test_fewer_queue_days_alone_moves_the_overflow(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 100, ("A", "BJ"): 100})
    kw = {"reason": "ops", "actor": "ops", "now": hub.clock(), "strategy": hub.strategy,
          "presale_lock": hub.presale_lock}
    incidents.update_warehouse(hub.uow, T, "SH", {"daily_capacity": 2, "max_queue_days": 3},
                               **kw)  # type: ignore[arg-type]
    submit_orders(hub.uow, T, [draft(f"Q{i}") for i in range(6)], strategy=hub.strategy,
                  now=hub.clock(), actor="t", presale_lock=hub.presale_lock)
    assert _planned_at(hub, "SH") == 6
    _, report = incidents.update_warehouse(hub.uow, T, "SH", {"max_queue_days": 1},
                                           **kw)  # type: ignore[arg-type]
    assert report is not None and len(report.rerouted) == 4
    assert "capacity cut" in report.cause
    assert (_planned_at(hub, "SH"), _planned_at(hub, "BJ")) == (2, 4)


def test_an_address_fix_on_a_cancelled_order_is_refused_even_unchanged(hub: Hub) -> None:
    seed_network(hub)
    [r] = submit_orders(hub.uow, T, [draft("X1")], strategy=hub.strategy, now=hub.clock(),
                        actor="t", presale_lock=hub.presale_lock, batch=False)
    assert r.order_id
    fulfilment.cancel_order(hub.uow, T, r.order_id, "x", now=hub.clock(), actor="t")
    with pytest.raises(Conflict, match="cancelled"):
        holds.correct_address(hub.uow, T, r.order_id, {}, reason="typo", actor="t",
                              now=hub.clock())


def test_an_edit_can_clear_the_declared_value_or_keep_it() -> None:
    o = order()
    o.declared_value = Decimal("99.00")
    o.edit(OrderEdit(customer=o.customer), "kept", NOW, "t")
    assert o.declared_value == Decimal("99.00")
    o.edit(OrderEdit(declared_value=None), "cleared in the channel", NOW, "t")
    assert o.declared_value is None
    assert OrderEdit().declared_value is KEEP


def test_a_wave_planned_before_a_network_change_is_not_applied(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wave would move an order to BJ; BJ closes between the wave's planning and its
    write: nothing is applied, and no open order is left planned at the closed site."""
    from dataclasses import replace

    from orderhub.services.network import waves
    from tests.factories import SHANGHAI

    wuhan = replace(SHANGHAI, province="湖北省", city="武汉市", district="武昌区",
                    line1="中北路 9 号")
    seed_network(hub, {("A", "SH"): 1, ("A", "BJ"): 1, ("B", "SH"): 1})
    for d in (draft("WV-1", address=wuhan), draft("WV-2", [("A", 1), ("B", 1)])):
        submit_orders(hub.uow, T, [d], strategy=hub.strategy, now=hub.clock(), actor="t",
                      presale_lock=hub.presale_lock, batch=False)
    real = waves.plan_wave

    def plan_then_close(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        incidents.close_warehouse(hub.uow, T, "BJ", reason="storm", actor="ops",
                                  now=hub.clock(), strategy=hub.strategy,
                                  presale_lock=hub.presale_lock)
        return result

    monkeypatch.setattr(waves, "plan_wave", plan_then_close)
    report = waves.optimise_wave(hub.uow, hub.read_uow, T, strategy=hub.strategy,
                                 now=hub.clock(), actor="ops",
                                 presale_lock=hub.presale_lock)
    assert not report.applied
    assert "network changed" in report.fallback_reason
    o, s = t.orders.c, t.shipments.c
    with hub.engine.connect() as conn:
        at_bj = conn.execute(select(func.count()).select_from(t.shipments).join(
            t.orders, o.id == s.order_id).where(
            s.warehouse == "BJ", s.status == "planned",
            o.status.in_(["reserved", "allocated"]))).scalar_one()
    assert at_bj == 0
