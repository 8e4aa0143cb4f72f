"""The carrier gateway port: book a waybill for one shipment.

    CarrierError                  the carrier did not book it
    ├── CarrierTimeout            no answer in time          (counts towards the breaker)
    ├── CarrierUnavailable        5xx, connection refused    (counts towards the breaker)
    └── CarrierRejected           4xx: this request is wrong (does not count)

    gateway.book(WaybillRequest(...))  -> "SF1234567890"
    gateway.void("SF:express", "SF1234567890")  -> None (idempotent: void again is fine)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class CarrierError(Exception):
    """The carrier did not book the waybill."""


class CarrierTimeout(CarrierError):
    pass


class CarrierUnavailable(CarrierError):
    pass


class CarrierRejected(CarrierError):
    pass


@dataclass(frozen=True, slots=True)
class WaybillRequest:
    tenant_id: str
    order_id: str
    shipment_id: str
    service: str  # carrier:service
    origin: str  # the shipping site's code
    origin_province: str
    province: str  # destination
    city: str
    district: str
    line1: str
    name: str
    phone: str
    weight_kg: Decimal
    units: int

    @property
    def carrier(self) -> str:
        return self.service.split(":", 1)[0]


class CarrierGateway(Protocol):
    def book(self, request: WaybillRequest) -> str:
        """Book a waybill and return its tracking number, or raise a CarrierError."""

    def ping(self, service: str) -> None:
        """Raise a CarrierError if the carrier's API does not answer (health probe)."""

    def void(self, service: str, waybill: str) -> None:
        """Cancel a booked waybill (the parcel will not ship under it); idempotent: a
        waybill already void counts as done. Raise a CarrierError if it was not voided."""
