"""The composition root: builds the engine, units of work, bus, relay and strategy once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from orderhub.adapters.bus.in_process import InProcessBus
from orderhub.adapters.db.engine import make_engine
from orderhub.config import Settings, get_settings
from orderhub.domain.allocation import AllocationStrategy, NearestWarehouseStrategy
from orderhub.services.outbox_relay import OutboxRelay
from orderhub.services.unit_of_work import UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    bus: InProcessBus
    relay: OutboxRelay
    strategy: AllocationStrategy
    clock: Callable[[], datetime] = utc_now
    _sweeper: threading.Thread | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, on_commit=self.relay.notify)

    def read_uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, read_only=True)

    @property
    def presale_lock(self) -> timedelta:
        return timedelta(minutes=self.settings.presale_lock_minutes)

    def start_background(self) -> None:
        """Outbox relay and the reservation-expiry sweeper, for long-running processes."""
        self.relay.start()
        if self._sweeper is None:
            from orderhub.services.fulfilment import expire_reservations

            def sweep() -> None:
                while not self._stop.wait(self.settings.expiry_sweep_seconds):
                    try:
                        expire_reservations(self.uow, now=self.clock())
                    except Exception:  # pragma: no cover - logged and retried next tick
                        import logging

                        logging.getLogger(__name__).exception("expiry sweep failed")

            self._sweeper = threading.Thread(target=sweep, name="expiry-sweeper", daemon=True)
            self._sweeper.start()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self.relay.stop()
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    strategy: AllocationStrategy | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Hub:
    settings = settings or get_settings()
    engine = make_engine(database_url or settings.database_url)
    bus = InProcessBus()
    relay = OutboxRelay(engine, bus, clock=clock)
    return Hub(
        settings=settings,
        engine=engine,
        bus=bus,
        relay=relay,
        strategy=strategy or NearestWarehouseStrategy(),
        clock=clock,
    )
