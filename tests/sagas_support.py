"""A carrier gateway for saga tests: books like the local label stock, records every void,
and fails (or "crashes") when told to."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from orderhub.adapters.carriers.base import CarrierRejected, WaybillRequest
from orderhub.adapters.carriers.simulated import LocalWaybills
from orderhub.bootstrap import Hub
from orderhub.services.network.waybills import WaybillDesk


class Crash(BaseException):
    """The process dies here: nothing after it runs (not an Exception a runner catches)."""


class FakeCarriers:
    def __init__(self) -> None:
        self.local = LocalWaybills()
        self.voids: list[tuple[str, str]] = []
        self.void_calls = 0
        self.void_failures: list[BaseException] = []  # raised by the next void calls, in turn
        self.void_always: BaseException | None = None
        self.void_delay = 0.0
        self.book_only_first = False  # every shipment after the first is refused
        self.on_book: Callable[[WaybillRequest], None] | None = None  # runs before booking
        self._first: str | None = None
        self._lock = threading.Lock()

    def book(self, request: WaybillRequest) -> str:
        if self.on_book is not None:
            self.on_book(request)
        if self.book_only_first:
            if self._first is None:
                self._first = request.shipment_id
            elif request.shipment_id != self._first:
                raise CarrierRejected(f"{request.service}: HTTP 400: no service to "
                                      f"{request.province}")
        return self.local.book(request)

    def ping(self, service: str) -> None:
        return None

    def void(self, service: str, waybill: str) -> None:
        with self._lock:
            self.void_calls += 1
            failure = self.void_failures.pop(0) if self.void_failures else self.void_always
        if failure is not None:
            raise failure
        if self.void_delay:
            time.sleep(self.void_delay)
        with self._lock:
            self.voids.append((service, waybill))


def install(hub: Hub) -> FakeCarriers:
    """The hub's waybill desk (and so its sagas) books and voids with a fake."""
    fake = FakeCarriers()
    hub._waybills = WaybillDesk(fake, hub.uow, hub.strategy, hub.clock, hub.presale_lock)
    return fake


def wait_for(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
