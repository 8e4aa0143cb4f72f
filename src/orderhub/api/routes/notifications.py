"""Customer notifications (issue 19 item 1): templates, settings, opt-outs, an order's
delivery log, and the unsubscribe link put into emails (public: its token is the
credential). Read: notifications:read; change: notifications:write."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import Flag, Line, Strict, Text
from orderhub.domain import notifications as n
from orderhub.services.notifications import admin, views

router = APIRouter(prefix="/v1", tags=["notifications"])

EventName = Annotated[str, Field(min_length=1, max_length=100, description=(
    "Event type name (OrderCreated, OrderAllocated, ShipmentDispatched, OrderAtRisk, "
    "ShipmentCheckpointRecorded.out_for_delivery, ShipmentDelivered, ReturnReceived, "
    "RefundRequested, RefundCompleted, or any other event type's name)"))]
ChannelCode = Annotated[str, Field("default", min_length=1, max_length=32,
                                   description="Sales channel (tmall, shopify, ...) or default")]
Language = Annotated[str, Field("zh", min_length=2, max_length=8, description="zh or en")]
Medium = Annotated[str, Field("*", min_length=1, max_length=16,
                              description="email, sms, wechat, or * for any")]


class TemplateIn(Strict):
    event: EventName
    channel: ChannelCode = "default"
    language: Language = "zh"
    medium: Medium = "*"
    subject: Line = Field("", max_length=4000, description="Email subject (Jinja2)")
    body: Text = Field(min_length=1, max_length=4000, description=(
        "Jinja2 text with placeholders such as {{ external_id }}, {{ waybill }}; an unknown "
        "placeholder is refused (422 naming it)"))
    urgent: Flag = Field(False, description="Sent during quiet hours too")
    enabled: Flag = Field(True, description="false: no message for this event")


class TemplateOut(BaseModel):
    event: str
    channel: str
    language: str
    medium: str
    subject: str
    body: str
    urgent: bool
    enabled: bool
    source: str = Field(description="default (shipped) or tenant")


class PreviewIn(Strict):
    event: EventName
    channel: ChannelCode = "default"
    language: Language = "zh"
    medium: Medium = "sms"
    order_id: Line | None = Field(None, max_length=40,
                                  description="Render for this order (default: a sample)")
    subject: Line | None = Field(None, max_length=4000, description="Try a text unsaved")
    body: Text | None = Field(None, max_length=4000)


class PreviewOut(TemplateOut):
    order_id: str
    rendered_subject: str
    rendered_body: str


class PlaceholderOut(BaseModel):
    name: str
    description: str


class SettingsIn(Strict):
    enabled: Flag | None = None
    media: list[Annotated[str, Field(max_length=16)]] | None = Field(
        None, max_length=3, description="Media used: email, sms, wechat")
    quiet_hours: Line | None = Field(None, max_length=20,
                                     description="Local HH:MM-HH:MM (22:00-08:00), or off")
    timezone: Line | None = Field(None, max_length=64, description="IANA, Asia/Shanghai")
    language: Line | None = Field(None, max_length=8, description="auto, zh or en")


class SettingsOut(BaseModel):
    enabled: bool
    media: list[str]
    quiet_hours: str
    timezone: str
    language: str


class OptOutIn(Strict):
    medium: Medium = "*"


class OptOutOut(BaseModel):
    """One of the customer's opt-outs (the customer is the one in the path)."""

    medium: str
    source: str
    created_at: datetime


class OptOutDone(BaseModel):
    medium: str
    added: bool
    suppressed: int = Field(description="Messages not yet sent that this suppressed")


class LogEntry(BaseModel):
    at: datetime
    state: str
    detail: str


class MessageOut(BaseModel):
    id: str
    order_id: str
    event_id: str
    event_type: str
    medium: str
    recipient_masked: str
    language: str
    subject: str
    body: str
    status: str = Field(description="queued, deferred, failed (retried), sent, "
                        "dead_lettered, suppressed")
    reason: str
    attempts: int
    next_attempt_at: datetime | None
    handed_at: datetime | None
    created_at: datetime
    log: list[LogEntry]


class UnsubscribedOut(BaseModel):
    who: str
    medium: str
    opted_out: bool


@router.get("/notification-templates", response_model=list[TemplateOut])
def list_templates(hub: HubDep, tenant: TenantDep,
                   event: Annotated[str | None, Query(max_length=100)] = None,
                   language: Annotated[str | None, Query(max_length=8)] = None) -> Any:
    """The shipped default templates and the tenant's own (which replace a default of the
    same event, channel, language and medium)."""
    return admin.list_templates(hub.read_uow, tenant, event, language)


@router.put("/notification-templates", response_model=TemplateOut)
def set_template(body: TemplateIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Save the tenant's template for an event, channel, language and medium; refused
    (422, naming it) when it uses an unknown placeholder. Audited."""
    return admin.set_template(hub.uow, tenant, event=body.event, channel=body.channel,
                              language=body.language, medium=body.medium,
                              subject=body.subject, body=body.body, urgent=body.urgent,
                              enabled=body.enabled, now=hub.clock(), actor=actor)


@router.delete("/notification-templates", status_code=204)
def reset_template(hub: HubDep, tenant: TenantDep, actor: ActorDep,
                   event: Annotated[str, Query(min_length=1, max_length=100)],
                   channel: Annotated[str, Query(max_length=32)] = "default",
                   language: Annotated[str, Query(max_length=8)] = "zh",
                   medium: Annotated[str, Query(max_length=16)] = "*") -> None:
    """Remove the tenant's template: the shipped default applies again."""
    admin.reset_template(hub.uow, tenant, event=event, channel=channel, language=language,
                         medium=medium, now=hub.clock(), actor=actor)


@router.post("/notification-templates/preview", response_model=PreviewOut)
def preview_template(body: PreviewIn, hub: HubDep, tenant: TenantDep) -> Any:
    """What a template says for an order (or a sample order), without sending."""
    return admin.preview(hub.read_uow, tenant, event=body.event, channel=body.channel,
                         language=body.language, medium=body.medium,
                         links=hub.notification_links, order_id=body.order_id,
                         subject=body.subject, body=body.body, now=hub.clock())


@router.get("/notification-templates/placeholders", response_model=list[PlaceholderOut])
def placeholders() -> Any:
    """The placeholders a template may use."""
    return [{"name": k, "description": v} for k, v in n.PLACEHOLDERS.items()]


@router.get("/notification-settings", response_model=SettingsOut)
def get_settings(hub: HubDep, tenant: TenantDep) -> Any:
    return admin.get_settings(hub.read_uow, tenant).as_dict()


@router.put("/notification-settings", response_model=SettingsOut)
def put_settings(body: SettingsIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Change what is given: media, quiet hours in the tenant's time zone (messages are
    deferred to their end, urgent ones excepted), language, on/off. Audited."""
    return admin.change_settings(hub.uow, tenant, now=hub.clock(), actor=actor,
                                 enabled=body.enabled, media=body.media,
                                 quiet_hours=body.quiet_hours, timezone=body.timezone,
                                 language=body.language).as_dict()


CustomerRef = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/customers/{ref}/notification-optouts", response_model=list[OptOutOut])
def list_optouts(ref: CustomerRef, hub: HubDep, tenant: TenantDep) -> Any:
    return admin.list_optouts(hub.read_uow, tenant, ref)


@router.post("/customers/{ref}/notification-optouts", response_model=OptOutDone,
             status_code=201)
def add_optout(ref: CustomerRef, body: OptOutIn, hub: HubDep, tenant: TenantDep,
               actor: ActorDep) -> Any:
    """The customer (the channel's customer ref) gets no more messages on `medium` (`*`:
    none at all). Audited."""
    return admin.add_optout(hub.uow, tenant, customer=ref, medium=body.medium,
                            now=hub.clock(), actor=actor, source="api")


@router.delete("/customers/{ref}/notification-optouts/{medium}", status_code=204)
def remove_optout(ref: CustomerRef, medium: Annotated[str, Path(max_length=16)],
                  hub: HubDep, tenant: TenantDep, actor: ActorDep) -> None:
    admin.remove_optout(hub.uow, tenant, customer=ref, medium=medium, now=hub.clock(),
                        actor=actor)


@router.get("/orders/{order_id}/notifications", response_model=list[MessageOut])
def order_notifications(order_id: Annotated[str, Path(max_length=40)], hub: HubDep,
                        tenant: TenantDep) -> Any:
    """The order's messages and their delivery log (recipients masked)."""
    return views.order_log(hub.read_uow, tenant, order_id)


@router.get("/notifications/unsubscribe/{token}", response_model=UnsubscribedOut)
def unsubscribe(token: Annotated[str, Path(max_length=64)], hub: HubDep) -> Any:
    """The link in every email: its recipient gets no more email (no login; the token is
    the message's own, unguessable). 404 for an unknown token."""
    return admin.unsubscribe(hub.uow, token, hub.clock())
