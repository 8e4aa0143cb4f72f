"""Events to messages: the batch handler of the `notifications` durable consumer.

For each event with a template (domain/notifications.py catalogue, the tenant's own
first), for each medium the tenant uses: the buyer's language, the recipient (opened from
the order only here, stored encrypted with its mask and blind index), then the rules:
opted out -> suppressed; quiet hours -> deferred until they end (urgent templates go now);
otherwise queued. The idempotency key (event id, recipient, medium) makes a redelivered
event create nothing new. Nothing here is on the intake path: it runs after publication.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.crypto.keyring import normalise_email, normalise_phone
from orderhub.adapters.notify import templating
from orderhub.domain import notifications as n
from orderhub.domain.ids import new_ids
from orderhub.domain.order import Order
from orderhub.domain.privacy import mask_email, mask_name, mask_phone
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


@dataclass(frozen=True, slots=True)
class Links:
    """Where the links in messages point (settings `notify_public_url`,
    `notify_tracking_url` with {public_url}, {order_id}, {carrier}, {waybill})."""

    public_url: str = "http://127.0.0.1:8000"
    tracking_url: str = "{public_url}/track/{order_id}"

    def tracking(self, order_id: str, carrier: str, waybill: str) -> str:
        return self.tracking_url.format(public_url=self.public_url.rstrip("/"),
                                        order_id=order_id, carrier=carrier, waybill=waybill)

    def unsubscribe(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/v1/notifications/unsubscribe/{token}"


def recipient(o: Order, medium: str) -> str:
    """The order's address for `medium` ("" when it has none)."""
    if medium == n.EMAIL:
        return o.customer.email.strip()
    if medium == n.SMS:
        a = o.shipping_address
        if o.customer.phone:
            return o.customer.phone.strip()
        if a.phone_status == "masked":
            return ""  # a channel's masked number (138****8000) cannot receive anything
        return (a.phone_e164 or a.phone).strip()
    if medium == n.WECHAT:  # an openid: the channel's, or the buyer's id in a WeChat shop
        wechat_shop = o.channel.startswith(("wechat", "weixin", "wx"))
        return (o.attributes.get("wechat_openid", "")
                or (o.customer.ref if wechat_shop else "")).strip()
    return ""


def mask(medium: str, value: str) -> str:
    if not value:
        return ""
    if medium == n.EMAIL:
        return mask_email(value)
    if medium == n.SMS:
        return mask_phone(value)
    return value[:4] + "***"


def _normalised(medium: str, value: str) -> str:
    if medium == n.EMAIL:
        return normalise_email(value) or ""
    if medium == n.SMS:
        return normalise_phone(value) or ""
    return value


def context(o: Order, env: Envelope, links: Links, unsubscribe: str) -> dict[str, Any]:
    """Every placeholder's value for one order and event (domain PLACEHOLDERS)."""
    d = env.data
    shipment = next((s for s in o.shipments if s.id == d.get("shipment_id")), None)
    if shipment is None:
        shipment = next((s for s in o.shipments if s.waybill), None)
    carrier = str(d.get("carrier") or (shipment.carrier_service.split(":")[0]
                                       if shipment and shipment.carrier_service else ""))
    waybill = str(d.get("waybill") or (shipment.waybill if shipment else ""))
    promised = d.get("promised_delivery") or d.get("promise_at") or (
        o.promised_delivery.isoformat() if o.promised_delivery else "")
    return {
        "order_id": o.id, "external_id": o.external_id, "channel": o.channel,
        "status": str(d.get("status") or o.status.value), "carrier": carrier,
        "waybill": waybill, "tracking_link": links.tracking(o.id, carrier, waybill),
        "promised_date": str(promised)[:10],
        "buyer_name": mask_name(o.customer.name or o.shipping_address.name),
        "checkpoint": str(d.get("checkpoint", "")), "location": str(d.get("location", "")),
        "amount": str(d.get("amount") or d.get("refund_amount") or ""),
        "currency": str(d.get("currency") or o.currency),
        "unsubscribe_link": unsubscribe,
    }


def render(template: n.Template, ctx: dict[str, Any], medium: str) -> tuple[str, str]:
    subject = templating.render(template.subject, ctx) if medium == n.EMAIL else ""
    body = templating.render(template.body, ctx)
    if medium == n.EMAIL and ctx["unsubscribe_link"] not in body:
        body += f"\n\n--\n退订 / Unsubscribe: {ctx['unsubscribe_link']}"
    return subject, body


@dataclass(slots=True)
class _Draft:
    env: Envelope
    order: Order
    medium: str
    template: n.Template
    to: str
    language: str
    key: str = ""
    index: str = ""


def _drafts(uow: UnitOfWork, tenant: str, envs: Sequence[Envelope]) -> list[_Draft]:
    settings = uow.notifications.settings(tenant)
    if not settings.enabled or not settings.media:
        return []
    own = uow.notifications.templates(tenant)
    orders = {o.id: o for o in uow.orders.get_many(tenant, [e.order_id for e in envs])}
    out: list[_Draft] = []
    for env in envs:
        o = orders.get(env.order_id)
        if o is None:
            continue
        event = n.topic(env.type, env.data)
        lang = n.language_for(settings, o.attributes, o.shipping_address.country)
        for medium in settings.media:
            t = n.choose(n.candidates(event, o.channel, lang, medium), own)
            if t is not None and t.enabled:
                out.append(_Draft(env, o, medium, t, recipient(o, medium), lang))
    return out


def _index(uow: UnitOfWork, tenant: str, drafts: list[_Draft]) -> None:
    """Blind indexes (one keyed hash set-up per medium) and idempotency keys."""
    for medium in n.MEDIA:
        group = [d for d in drafts if d.medium == medium]
        if not group:
            continue
        kind = {n.EMAIL: "email", n.SMS: "phone"}.get(medium, medium)
        values = [_normalised(medium, d.to) for d in group]
        for d, digest in zip(group, uow.pii.blind_many(tenant, kind, values), strict=True):
            d.index = digest or ""
            d.key = n.idempotency_key(d.env.id, medium, d.index)


def build_messages(uow: UnitOfWork, tenant: str, envs: Sequence[Envelope], now: datetime,
                   links: Links) -> list[n.Message]:
    """The new messages of one tenant's events (those already stored are left out)."""
    drafts = _drafts(uow, tenant, envs)
    if not drafts:
        return []
    _index(uow, tenant, drafts)
    seen = uow.notifications.existing_keys(tenant, [d.key for d in drafts])
    fresh: dict[str, _Draft] = {}
    for d in drafts:
        if d.key not in seen and d.key not in fresh:
            fresh[d.key] = d
    if not fresh:
        return []
    settings = uow.notifications.settings(tenant)
    subjects = [("recipient", d.index) for d in fresh.values() if d.index]
    subjects += [("customer", d.order.customer.ref) for d in fresh.values()
                 if d.order.customer.ref]
    optouts = uow.notifications.opted_out(tenant, subjects)
    quiet = n.quiet_until(now, settings)
    messages = []
    for d, mid in zip(fresh.values(), new_ids("ntf", len(fresh)), strict=True):
        token = secrets.token_urlsafe(24)
        status, reason = n.QUEUED, ""
        due: datetime | None = now
        try:
            ctx = context(d.order, d.env, links,
                          links.unsubscribe(token) if d.medium == n.EMAIL else "")
            subject, body = render(d.template, ctx, d.medium)
        except Exception as exc:  # a template that renders badly: logged, never retried
            subject, body = "", ""
            status, reason, due = n.DEAD_LETTERED, f"template error: {exc}", None
        opted = any((kind, subj, m) in optouts for kind, subj in
                    (("recipient", d.index), ("customer", d.order.customer.ref))
                    for m in (d.medium, n.ANY_MEDIUM) if subj)
        if status != n.QUEUED:
            pass  # a template that could not be rendered
        elif not d.to:
            status, reason, due = n.SUPPRESSED, n.NO_RECIPIENT, None
        elif opted:
            status, reason, due = n.SUPPRESSED, n.OPTED_OUT, None
        elif quiet is not None and not d.template.urgent:
            status, reason, due = n.DEFERRED, f"quiet hours until {quiet.isoformat()}", quiet
        messages.append(n.Message(
            id=mid, tenant_id=tenant, order_id=d.order.id, event_id=d.env.id,
            event_type=n.topic(d.env.type, d.env.data), medium=d.medium,
            recipient=d.to if status in n.DUE_STATES else "",
            recipient_masked=mask(d.medium, d.to), recipient_index=d.index,
            idempotency_key=d.key, language=d.language, subject=subject, body=body,
            status=status, reason=reason, next_attempt_at=due, created_at=now,
            event_recorded_at=d.env.recorded, unsubscribe_token=token))
    return messages


def enqueue(make_uow: UowFactory, envelopes: Sequence[Envelope], now: datetime,
            links: Links) -> int:
    """Messages for a batch of events, in one transaction; returns how many are due to be
    sent (queued or deferred). Safe to run again on a redelivered batch."""
    wanted = [e for e in envelopes if e.type in n.CONSUMED_TYPES and e.order_id]
    if not wanted:
        return 0
    by_tenant: dict[str, list[Envelope]] = {}
    for e in wanted:
        by_tenant.setdefault(e.tenant, []).append(e)
    due = 0
    with make_uow() as uow:
        for tenant, envs in by_tenant.items():
            messages = build_messages(uow, tenant, envs, now, links)
            uow.notifications.add_messages(messages, now)
            due += sum(1 for m in messages if m.status in n.DUE_STATES)
        uow.commit()
    return due


def enqueue_handler(make_uow: UowFactory, clock: Callable[[], datetime], links: Links, *,
                    on_enqueued: Callable[[], None] | None = None
                    ) -> Callable[[Sequence[Envelope]], None]:
    """The durable consumer's batch handler; wakes the dispatcher when something is due."""

    def handle(envelopes: Sequence[Envelope]) -> None:
        if enqueue(make_uow, envelopes, clock(), links) and on_enqueued is not None:
            on_enqueued()

    return handle
