"""/v1/events: the event catalogue and the backbone's status; /metrics for Prometheus."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orderhub.adapters.metrics import OUTBOX_BACKLOG, REGISTRY, WEBHOOK_PENDING
from orderhub.api.deps import HubDep
from orderhub.api.schemas import Line
from orderhub.domain.event_catalog import catalog_document
from orderhub.services.events.consumers import list_parked
from orderhub.services.events.status import backbone_status
from orderhub.services.events.stream_tools import replay

router = APIRouter(tags=["events"])


@router.get("/v1/events/catalog")
def event_catalog() -> dict[str, Any]:
    """Every event type: CloudEvents envelope, JSON Schema of `data`, and an example."""
    return catalog_document()


@router.get("/v1/events/status")
def events_status(hub: HubDep) -> dict[str, Any]:
    """Outbox backlog, publication position, durable consumers' lag, webhook queue."""
    return backbone_status(hub.engine, hub.clock(), relay=hub.relay, consumers=hub.consumers,
                           nats=hub.nats, nats_url=hub.settings.nats_url)


@router.get("/v1/events/parked")
def parked_events(
    hub: HubDep,
    consumer: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Events a consumer gave up on after its retries, with the error."""
    return list_parked(hub.engine, consumer, limit)


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    consumer: Line = Field(min_length=1, max_length=100, description="Durable consumer name")
    since: AwareDatetime = Field(description="Re-deliver events published from this time on")


class ReplayOut(BaseModel):
    consumer: str
    events: int = Field(description="Published events the replay covers")


@router.post("/v1/events/replay", response_model=ReplayOut)
def replay_events(body: ReplayIn, hub: HubDep) -> Any:
    """Re-deliver everything published since `since` to a durable consumer."""
    events = replay(hub.engine, body.consumer, body.since, now=hub.clock(), nats=hub.nats)
    return {"consumer": body.consumer, "events": events}


@router.get("/metrics", include_in_schema=False)
def metrics(hub: HubDep) -> Response:
    with hub.read_uow() as uow:
        OUTBOX_BACKLOG.set(uow.outbox.backlog())
        WEBHOOK_PENDING.set(uow.webhooks.pending_count())
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
