"""/healthz: the process is up and the store answers; publication as the database
records it (not this process's counters, which restart at 0)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from orderhub.api.deps import HubDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(hub: HubDep) -> Any:
    from orderhub.services.events.status import outbox_counts

    try:
        # The store answers if these do: reads in a deferred transaction on SQLite (a long
        # write does not hold them up), two index probes (the highest publication position,
        # the partial index of unpublished rows) and the few consumer offsets.
        counts = outbox_counts(hub.engine)
    except Exception as exc:  # the store is down: say so, without internals
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "error": type(exc).__name__},
            status_code=503,
        )
    return {
        "status": "ok",
        "database": hub.engine.dialect.name,
        "outbox_published": counts["published"],
        "outbox_pending": counts["pending"],
        "consumer_lag": counts["consumer_lag"],
    }
