"""Waybills booked over HTTP with each carrier's API (one JSON endpoint per carrier).

Request `POST {endpoint}/waybills` with the shipment (service, origin, destination,
weight, units, our shipment id as the idempotency key); answer 200/201 with
`{"waybill": "..."}`. `POST {endpoint}/waybills/{waybill}/void` cancels one (2xx; 404, 409
or 410, the carrier's "unknown or already void", count as done too: voids are idempotent).
`GET {endpoint}/health` answers 2xx when the API is up. Real carrier
APIs (SF 丰桥, ZTO 开放平台, JD 京东物流) differ in signing and field names; an adapter per
carrier translates to this shape. Carriers without an endpoint fall back to `fallback`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from urllib.parse import quote

import httpx

from orderhub.adapters.carriers.base import (
    CarrierGateway,
    CarrierRejected,
    CarrierTimeout,
    CarrierUnavailable,
    WaybillRequest,
)

ALREADY_VOID = frozenset({404, 409, 410})  # unknown or already void: nothing left to cancel


class HttpCarrierGateway:
    def __init__(self, endpoints: Mapping[str, str], fallback: CarrierGateway,
                 timeout: float = 3.0) -> None:
        self.endpoints = dict(endpoints)  # carrier (SF) or service (SF:express) -> base URL
        self.fallback = fallback
        self.client = httpx.Client(timeout=timeout)

    def _endpoint(self, service: str) -> str | None:
        return self.endpoints.get(service) or self.endpoints.get(service.split(":", 1)[0])

    def book(self, request: WaybillRequest) -> str:
        base = self._endpoint(request.service)
        if base is None:
            return self.fallback.book(request)
        body = {k: str(v) for k, v in asdict(request).items()}
        try:
            r = self.client.post(f"{base.rstrip('/')}/waybills", json=body,
                                 headers={"idempotency-key": request.shipment_id})
        except httpx.TimeoutException as exc:
            raise CarrierTimeout(f"{request.service}: no answer in time") from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"{request.service}: {type(exc).__name__}") from exc
        if r.status_code >= 500:
            raise CarrierUnavailable(f"{request.service}: HTTP {r.status_code}")
        if r.status_code >= 400:
            raise CarrierRejected(f"{request.service}: HTTP {r.status_code}: {r.text[:200]}")
        try:
            waybill = r.json()["waybill"]
        except (ValueError, KeyError, TypeError):
            raise CarrierUnavailable(f"{request.service}: answer without a waybill") from None
        if not isinstance(waybill, str) or not waybill or len(waybill) > 64:
            raise CarrierUnavailable(f"{request.service}: unusable waybill {waybill!r}")
        return waybill

    def void(self, service: str, waybill: str) -> None:
        base = self._endpoint(service)
        if base is None:
            self.fallback.void(service, waybill)
            return
        try:
            r = self.client.post(f"{base.rstrip('/')}/waybills/{quote(waybill, safe='')}/void",
                                 json={"service": service, "waybill": waybill},
                                 headers={"idempotency-key": f"void-{waybill}"})
        except httpx.TimeoutException as exc:
            raise CarrierTimeout(f"{service}: no answer in time") from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"{service}: {type(exc).__name__}") from exc
        if r.status_code >= 500:
            raise CarrierUnavailable(f"{service}: HTTP {r.status_code}")
        if r.status_code in ALREADY_VOID or r.status_code < 400:
            return
        raise CarrierRejected(f"{service}: void refused, HTTP {r.status_code}: {r.text[:200]}")

    def ping(self, service: str) -> None:
        base = self._endpoint(service)
        if base is None:
            return
        try:
            r = self.client.get(f"{base.rstrip('/')}/health")
        except httpx.TimeoutException as exc:
            raise CarrierTimeout(f"{service}: no answer in time") from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"{service}: {type(exc).__name__}") from exc
        if r.status_code >= 400:
            raise CarrierUnavailable(f"{service}: HTTP {r.status_code}")

    def close(self) -> None:
        self.client.close()
