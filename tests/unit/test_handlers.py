"""The handler map: an event recorded through `handlers.handle` goes to the unit of work
(hence the outbox) and its follow-ons run at once, in the order listed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from orderhub.domain import events as ev
from orderhub.services import handlers

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


class FakeUow:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.recorded: list[ev.Event] = []

    def record(self, event: ev.Event) -> None:
        self.log.append(f"record {event.type}")
        self.recorded.append(event)


def test_handle_records_the_event_then_runs_its_follow_ons_in_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[str] = []

    def first(uow: Any, e: ev.RegionUnblocked, ctx: Any) -> None:
        log.append(f"first {e.area} {ctx}")

    def second(uow: Any, e: ev.RegionUnblocked, ctx: Any) -> None:
        log.append(f"second {e.area} {ctx}")

    monkeypatch.setitem(handlers.FOLLOW_ON, ev.RegionUnblocked, [first, second])  # type: ignore[index]
    uow = FakeUow(log)
    event = ev.RegionUnblocked(tenant_id="t", occurred_at=NOW, actor="ops", reason="open",
                               block_id=1, area="福建", direction="both")
    assert handlers.handle(uow, event, "ctx") is event  # type: ignore[arg-type]
    assert log == ["record RegionUnblocked", "first 福建 ctx", "second 福建 ctx"]
    assert uow.recorded == [event]


def test_an_event_without_follow_ons_is_only_recorded() -> None:
    log: list[str] = []
    uow = FakeUow(log)
    event = ev.RoutingRuleChanged(tenant_id="t", occurred_at=NOW, code="r", version=1,
                                  enabled=True, change="created")
    handlers.handle(uow, event, None)  # type: ignore[arg-type]
    assert log == ["record RoutingRuleChanged"]


def test_every_network_change_and_sku_mapping_has_its_follow_on() -> None:
    wanted = {ev.WarehouseStatusChanged, ev.CarrierStatusChanged, ev.RegionBlocked,
              ev.RegionUnblocked, ev.SkuMappingConfirmed}
    assert wanted <= set(handlers.FOLLOW_ON)
    assert all(handlers.FOLLOW_ON[t] for t in wanted)
