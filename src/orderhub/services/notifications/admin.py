"""What a tenant changes about its customer notifications: templates (checked when
saved: an unknown placeholder is refused, naming it), settings (media, quiet hours and
time zone, language), opt-outs (by customer ref, email or phone; and the link in emails).
Each change is audited (`notification_change`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from orderhub.adapters.crypto.keyring import normalise_email, normalise_phone
from orderhub.adapters.notify import templating
from orderhub.domain import notifications as n
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.privacy import mask_email, mask_phone
from orderhub.services import audit
from orderhub.services.notifications.enqueue import Links, context, render
from orderhub.services.unit_of_work import UowFactory


# ----- templates --------------------------------------------------------------------------
def template_doc(t: n.Template) -> dict[str, Any]:
    k = t.key
    return {"event": k.event, "channel": k.channel, "language": k.language,
            "medium": k.medium, "subject": t.subject, "body": t.body, "urgent": t.urgent,
            "enabled": t.enabled, "source": "default" if t.builtin else "tenant"}


def list_templates(make_uow: UowFactory, tenant: str, event: str | None = None,
                   language: str | None = None) -> list[dict[str, Any]]:
    """The shipped defaults and the tenant's own, the tenant's replacing a default of the
    same key."""
    with make_uow() as uow:
        own = uow.notifications.templates(tenant)
    merged = {**n.DEFAULTS, **own}
    rows = [template_doc(t) for t in merged.values()
            if (event is None or t.key.event == event)
            and (language is None or t.key.language == language)]
    return sorted(rows, key=lambda r: (r["event"], r["channel"], r["language"], r["medium"]))


def set_template(make_uow: UowFactory, tenant: str, *, event: str, channel: str,
                 language: str, medium: str, subject: str, body: str, urgent: bool,
                 enabled: bool, now: datetime, actor: str) -> dict[str, Any]:
    key = n.check_key(event, channel, language, medium)
    templating.validate(subject, body)  # 422 naming any unknown placeholder
    t = n.Template(key, body, subject, urgent, enabled)
    with make_uow() as uow:
        uow.notifications.save_template(tenant, t, now, actor)
        audit.note(uow, tenant, now, actor, "notification_change",
                   f"template/{event}/{channel}/{language}/{medium}",
                   {"subject": subject, "body": body, "urgent": urgent, "enabled": enabled})
        uow.commit()
    return template_doc(t)


def reset_template(make_uow: UowFactory, tenant: str, *, event: str, channel: str,
                   language: str, medium: str, now: datetime, actor: str) -> None:
    key = n.check_key(event, channel, language, medium)
    with make_uow() as uow:
        if not uow.notifications.delete_template(tenant, key):
            raise NotFound(f"no template of the tenant for {event} {channel} {language} "
                           f"{medium}")
        audit.note(uow, tenant, now, actor, "notification_change",
                   f"template/{event}/{channel}/{language}/{medium}", {"removed": True})
        uow.commit()


SAMPLE_ORDER = "sample"


def preview(make_uow: UowFactory, tenant: str, *, event: str, channel: str, language: str,
            medium: str, links: Links, order_id: str | None = None,
            subject: str | None = None, body: str | None = None,
            now: datetime) -> dict[str, Any]:
    """The message a template makes for an order (or a sample order): the stored
    template, or the `subject`/`body` given (checked as a save would check them)."""
    from orderhub.adapters.bus.envelope import Envelope

    key = n.check_key(event, channel, language, medium)
    with make_uow() as uow:
        own = uow.notifications.templates(tenant)
        order = uow.orders.get(tenant, order_id) if order_id else None
    if body is not None:
        templating.validate(subject or "", body)
        t = n.Template(key, body, subject or "")
    else:
        found = n.choose(n.candidates(key.event, key.channel, key.language, key.medium), own)
        if found is None:
            raise NotFound(f"no template for {event} ({channel}, {language}, {medium})")
        t = found
    if order is None:
        order = _sample_order(tenant, channel, now)
    data = {"checkpoint": event.split(".")[1]} if "." in event else {}
    env = Envelope("evt_preview", event.split(".")[0], tenant, order.id, 0, now, data)
    ctx = context(order, env, links, links.unsubscribe("preview") if medium == n.EMAIL
                  else "")
    subject_out, body_out = render(t, ctx, medium)
    return {**template_doc(t), "order_id": order.id, "rendered_subject": subject_out,
            "rendered_body": body_out}


def _sample_order(tenant: str, channel: str, now: datetime) -> Any:
    from decimal import Decimal

    from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType, Shipment

    o = Order.create(tenant_id=tenant, channel=channel, external_id="SAMPLE-1001",
                     order_type=OrderType.B2C, currency="CNY",
                     lines=[OrderLine(1, "SKU-1", 1, Decimal("99.00"))],
                     customer=Customer(name="张伟", email="zhang@example.com"),
                     address=Address(name="张伟", phone="13800138000"), now=now)
    o.id = SAMPLE_ORDER
    o.shipments = [Shipment("shp_sample", "SH", carrier_service="SF:standard",
                            waybill="SF1234567890")]
    o.events.clear()  # the sample is never recorded
    return o


# ----- settings ---------------------------------------------------------------------------
def get_settings(make_uow: UowFactory, tenant: str) -> n.NotificationSettings:
    with make_uow() as uow:
        return uow.notifications.settings(tenant)


def change_settings(make_uow: UowFactory, tenant: str, *, now: datetime, actor: str,
                    enabled: bool | None = None, media: list[str] | None = None,
                    quiet_hours: str | None = None, timezone: str | None = None,
                    language: str | None = None) -> n.NotificationSettings:
    """Change what is given, keep the rest; all or nothing."""
    with make_uow() as uow:
        s = uow.notifications.settings(tenant)
        if enabled is not None:
            s = replace(s, enabled=enabled)
        if media is not None:
            s = replace(s, media=tuple(dict.fromkeys(media)))
        if quiet_hours is not None:
            start, end = n.parse_quiet_hours(quiet_hours)
            s = replace(s, quiet_start=start, quiet_end=end)
        if timezone is not None:
            s = replace(s, timezone=timezone)
        if language is not None:
            s = replace(s, language=language)
        n.check_settings(s)
        uow.notifications.save_settings(s, now)
        audit.note(uow, tenant, now, actor, "notification_change", "settings", s.as_dict())
        uow.commit()
    return s


# ----- opt-outs ---------------------------------------------------------------------------
def _subject(make_uow: UowFactory, tenant: str, customer: str | None, email: str | None,
             phone: str | None) -> tuple[str, str, str]:
    """(kind, stored subject, label) of who opts out: a customer ref as it is; an email or
    phone only as its blind index (the label masked)."""
    given = [v for v in (customer, email, phone) if v]
    if len(given) != 1:
        raise InvalidInput([FieldError("customer", "give one of customer, email, phone")])
    if customer:
        if len(customer) > 200:
            raise InvalidInput([FieldError("customer", "at most 200 characters")])
        return "customer", customer, customer
    with make_uow() as uow:
        if email:
            if normalise_email(email) is None:
                raise InvalidInput([FieldError("email", "not an email address")])
            digest = uow.pii.blind_email(tenant, email)
            label = mask_email(email)
        else:
            if normalise_phone(phone or "") is None:
                raise InvalidInput([FieldError("phone", "not a phone number")])
            digest = uow.pii.blind_phone(tenant, phone or "")
            label = mask_phone(phone or "")
        uow.commit()
    return "recipient", digest or "", label


def _medium(medium: str) -> str:
    if medium not in (*n.MEDIA, n.ANY_MEDIUM):
        raise InvalidInput([FieldError("medium", f"one of {', '.join((*n.MEDIA, '*'))}")])
    return medium


def add_optout(make_uow: UowFactory, tenant: str, *, medium: str, now: datetime, actor: str,
               source: str, customer: str | None = None, email: str | None = None,
               phone: str | None = None) -> dict[str, Any]:
    medium = _medium(medium)
    kind, subject, label = _subject(make_uow, tenant, customer, email, phone)
    with make_uow() as uow:
        added = uow.notifications.add_optout(tenant, kind, subject, medium, label, source,
                                             now)
        suppressed = 0
        if kind == "recipient":
            suppressed = uow.notifications.suppress_pending(tenant, medium, subject, now)
        audit.note(uow, tenant, now, actor, "notification_change", f"optout/{kind}",
                   {"who": label, "medium": medium, "added": added})
        uow.commit()
    return {"kind": kind, "who": label, "medium": medium, "added": added,
            "suppressed": suppressed}


def remove_optout(make_uow: UowFactory, tenant: str, *, medium: str, now: datetime,
                  actor: str, customer: str | None = None, email: str | None = None,
                  phone: str | None = None) -> None:
    medium = _medium(medium)
    kind, subject, label = _subject(make_uow, tenant, customer, email, phone)
    with make_uow() as uow:
        if not uow.notifications.remove_optout(tenant, kind, subject, medium):
            raise NotFound(f"no opt-out of {label} for {medium}")
        audit.note(uow, tenant, now, actor, "notification_change", f"optout/{kind}",
                   {"who": label, "medium": medium, "removed": True})
        uow.commit()


def list_optouts(make_uow: UowFactory, tenant: str, customer: str | None = None
                 ) -> list[dict[str, Any]]:
    with make_uow() as uow:
        rows = uow.notifications.optouts(tenant, "customer" if customer else None, customer)
    return [{"kind": r["kind"], "who": r["label"], "medium": r["medium"],
             "source": r["source"], "created_at": r["created_at"]} for r in rows]


def unsubscribe(make_uow: UowFactory, token: str, now: datetime) -> dict[str, Any]:
    """The link in an email: its recipient opts out of that medium (no login; the token
    is the message's unguessable one)."""
    with make_uow() as uow:
        found = uow.notifications.by_token(token) if 16 <= len(token) <= 64 else None
        if found is None or not found["recipient_index"]:
            raise NotFound("unknown or expired unsubscribe link")
        tenant, medium = found["tenant_id"], found["medium"]
        uow.notifications.add_optout(tenant, "recipient", found["recipient_index"], medium,
                                     found["recipient_masked"], "link", now)
        uow.notifications.suppress_pending(tenant, medium, found["recipient_index"], now)
        audit.note(uow, tenant, now, "link:unsubscribe", "notification_change",
                   "optout/recipient", {"who": found["recipient_masked"], "medium": medium})
        uow.commit()
    return {"who": found["recipient_masked"], "medium": medium, "opted_out": True}
