"""/v1/services: the service catalogue, each service's passport (services/service_catalog)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from orderhub.services.service_catalog import SERVICES

router = APIRouter(prefix="/v1/services", tags=["services"])


@router.get("")
def list_services() -> Any:
    """What the hub sells: operations, schemas (JSON pointers into /openapi.json), SLA
    targets, price per unit (CNY), owner and version of each service."""
    return {"items": [s.as_dict() for s in SERVICES]}

