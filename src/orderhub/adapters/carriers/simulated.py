"""Waybill numbers issued locally, in each carrier's format, for the demo and for carriers
with no API configured (the warehouse prints them from its own label stock)."""

from __future__ import annotations

import hashlib

from orderhub.adapters.carriers.base import WaybillRequest

_PREFIX = {"SF": "SF", "ZTO": "7", "JD": "JDV", "YTO": "YT", "STO": "77", "EMS": "E"}


class LocalWaybills:
    def book(self, request: WaybillRequest) -> str:
        digest = hashlib.sha256(f"{request.service}|{request.shipment_id}".encode()).hexdigest()
        digits = str(int(digest[:15], 16))[:12].rjust(12, "0")
        return f"{_PREFIX.get(request.carrier, request.carrier)}{digits}"

    def ping(self, service: str) -> None:
        return None

    def void(self, service: str, waybill: str) -> None:
        """Local label stock: an unused number is simply never printed."""
        return None
