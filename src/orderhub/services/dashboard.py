"""The operations dashboard's figures (console and any other reader): a handful of
aggregate queries in one read transaction, each answered from an index, so it can be
asked every second while orders arrive (see adapters/db/dashboard_repository.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from orderhub.services.unit_of_work import UowFactory

INTAKE_WINDOW = timedelta(minutes=1)  # "orders per minute": the last minute, by channel
ON_TIME_WINDOW = timedelta(hours=24)  # orders finished in the last day against promise
REASON_SAMPLE = 2000  # hold reasons are counted over the latest held orders, at most this
TOP_REASONS = 5
TIERS = ("L1", "L2", "L3")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(read_uow: UowFactory, tenant_id: str, now: datetime) -> dict[str, Any]:
    with read_uow() as uow:
        q = uow.dashboard
        intake = q.intake(tenant_id, now - INTAKE_WINDOW)
        held_now = q.count_in_status(tenant_id, "on_hold")
        reasons, sampled = q.hold_reasons(tenant_id, REASON_SAMPLE)
        finished, on_time = q.finished_against_promise(tenant_id, now - ON_TIME_WINDOW)
        tiers = q.open_exceptions_by_tier(tenant_id)
        sites = uow.catalog.warehouses(tenant_id)
        queues = uow.network.site_backlog(tenant_id)
        bus_backlog = uow.outbox.backlog()
        oldest = uow.outbox.oldest_unpublished_at() if bus_backlog else None
    by_channel: dict[str, dict[str, int]] = {}
    for channel, status, n in intake:
        row = by_channel.setdefault(channel, {"orders": 0, "held": 0})
        row["orders"] += n
        if status == "on_hold":
            row["held"] += n
    total = sum(r["orders"] for r in by_channel.values())
    held = sum(r["held"] for r in by_channel.values())
    minutes = INTAKE_WINDOW.total_seconds() / 60
    return {
        "at": now.isoformat(),
        "intake": {
            "window_seconds": int(INTAKE_WINDOW.total_seconds()),
            "per_minute": round(total / minutes, 1),
            "by_channel": [{"channel": ch, "per_minute": round(r["orders"] / minutes, 1),
                            "held": r["held"]} for ch, r in sorted(by_channel.items())],
        },
        "holds": {
            "rate": _rate(held, total), "held_in_window": held, "held_now": held_now,
            "top_reasons": [{"code": code, "orders": n}
                            for code, n in reasons.most_common(TOP_REASONS)],
            "reasons_sampled": sampled,
        },
        "on_time": {"window_hours": int(ON_TIME_WINDOW.total_seconds() // 3600),
                    "finished": finished, "on_time": on_time,
                    "rate": _rate(on_time, finished)},
        "backlog": [{"warehouse": w.code, "name": w.name, "active": w.active,
                     "queue": queues.get(w.code, 0), "daily_capacity": w.daily_capacity,
                     "load": _rate(queues.get(w.code, 0), w.daily_capacity)}
                    for w in sites],
        "bus": {"backlog": bus_backlog,
                "lag_seconds": round(max(0.0, (now - oldest).total_seconds()), 1)
                if oldest else 0.0},
        "exceptions": {"by_tier": [{"tier": tier, "open": tiers.get(tier, 0)}
                                   for tier in TIERS],
                       "unranked": tiers.get("", 0),
                       "open": sum(tiers.values())},
    }
