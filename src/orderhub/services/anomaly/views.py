"""Recent detections for people (GET /v1/anomalies, `orderhub anomaly list`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderhub.services.unit_of_work import UowFactory


def list_detections(make_uow: UowFactory, tenant_id: str, *, since: datetime | None = None,
                    action: str | None = None, code: str | None = None,
                    order_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return uow.anomaly.detections(tenant_id, since=since, action=action, code=code,
                                      order_id=order_id, limit=limit)
