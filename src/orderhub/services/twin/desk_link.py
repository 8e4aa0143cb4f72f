"""Alerts onto the exception desk: every unresolved stalled or at-risk alert is an
exception (source `alert:<id>`) with its priced remedies, and the exception closes when the
alert resolves (the order moved on).

The desk opens an exception under the tenant's network lock, which must come before any
order row lock, so this runs in transactions of its own right after the alert's (one per
alert), and the `exception-sync` job catches up whatever a crash in between left out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from orderhub.domain.exceptions.model import ExceptionKind
from orderhub.services.exceptions import desk
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)
ACTOR = "twin"


def source(alert_id: str) -> str:
    return f"alert:{alert_id}"


def put_on_desk(make_uow: UowFactory, alerts: Sequence[dict[str, Any]], now: datetime) -> int:
    opened = 0
    for a in alerts:
        try:
            with make_uow() as uow:
                desk.open_exception(
                    uow, tenant_id=a["tenant_id"], order_id=a["order_id"],
                    kind=ExceptionKind.STALLED if a["kind"] == "stalled"
                    else ExceptionKind.AT_RISK,
                    source=source(a["id"]), reason=a["reason"], now=now, actor=ACTOR,
                    details={"alert_id": a["id"], "stage": a["stage"], "team": a["team"],
                             **{k: v for k, v in a["details"].items() if k != "reasons"}})
                uow.commit()
                opened += 1
        except Exception:  # the sync job tries again; an alert is never lost by this
            log.exception("alert %s could not be put on the exception desk", a["id"])
    return opened


def take_off_desk(make_uow: UowFactory, items: Sequence[tuple[str, str, str, str]],
                  now: datetime) -> int:
    closed = 0
    for tenant, order_id, src, resolution in items:
        with make_uow() as uow:
            closed += desk.resolve_exceptions(uow, tenant_id=tenant, order_id=order_id,
                                              source=src, reason=resolution or
                                              "the alert resolved", now=now, actor=ACTOR)
            uow.commit()
    return closed


def sync(make_uow: UowFactory, now: datetime, *, order_ids: Sequence[str] | None = None,
         limit: int = 500) -> tuple[int, int]:
    """Alerts missing from the desk put on it, exceptions of resolved alerts closed;
    returns (opened, closed)."""
    with make_uow() as uow:
        missing = uow.twins.alerts_off_desk(order_ids=order_ids, limit=limit)
        settled = uow.twins.desk_items_of_resolved_alerts(order_ids=order_ids, limit=limit)
    return put_on_desk(make_uow, missing, now), take_off_desk(make_uow, settled, now)
