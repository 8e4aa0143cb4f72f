"""Tracking links (issue 19): the unguessable, expiring link to an order's public tracking
page, and the keys behind it.

A link is `<base>/track/<tenant>/<token>`: the token seals (AES-GCM, the tenant's link key)
the order id, the key version and the issue and expiry times (domain/tracking_page.py,
adapters/crypto/link_tokens.py). It opens only while it has not expired, its key version is
not retired (`rotate_keys`) and the order's links were not revoked after it was issued
(`revoke_links`); anything else, altered or forged, reads as "not found".

`tracking_link(uow, order, ...)` is the one call other features make (notifications put
the link in their messages): it works inside the caller's unit of work, and makes the
tenant's first key there when there is none yet (so that unit of work must be writable).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from orderhub.adapters.crypto import link_tokens
from orderhub.domain.errors import NotFound
from orderhub.domain.order import Order
from orderhub.domain.tracking_page import DEFAULT_TTL, LinkClaims
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory, retry_unique_race

PATH = "/track"


def public_base(public_base_url: str, host: str, port: int) -> str:
    """Where buyers reach the hub: the `public_base_url` setting, else the server's own
    address (callers pass `settings.public_base_url, settings.host, settings.port`)."""
    return public_base_url or f"http://{host}:{port}"


def page_path(tenant_id: str, token: str = "") -> str:
    """The path of a tenant's tracking pages (the number + phone form without a token)."""
    return f"{PATH}/{quote(tenant_id, safe='')}" + (f"/{token}" if token else "")


def tracking_link(uow: UnitOfWork, order: Order, *, base_url: str, now: datetime,
                  ttl: timedelta = DEFAULT_TTL) -> str:
    """The order's tracking link, valid for `ttl` from `now`."""
    return base_url.rstrip("/") + page_path(order.tenant_id,
                                            _token(uow, order.tenant_id, order.id, now, ttl))


def _token(uow: UnitOfWork, tenant_id: str, order_id: str, now: datetime,
           ttl: timedelta) -> str:
    version, key = uow.tracking_links.ensure_key(tenant_id, now)
    issued = now
    revoked = uow.tracking_links.revoked_at(tenant_id, order_id)
    if revoked is not None and int(now.timestamp()) <= revoked.timestamp():
        # a token's issue time is in whole seconds, and a link issued up to its revocation
        # is dead: one issued after it, in the same second, says the next second
        issued = datetime.fromtimestamp(int(revoked.timestamp()) + 1, UTC)
    claims = LinkClaims(order_id, version, issued, now + ttl)
    return link_tokens.seal(key, tenant_id, version, claims.pack())


def issue_link(make_uow: UowFactory, tenant_id: str, order_id: str, *, base_url: str,
               now: datetime, ttl: timedelta = DEFAULT_TTL,
               warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A link to the order's page (API and CLI): the URL and when it expires."""
    with make_uow() as uow:
        if warehouses and not uow.orders.visible(tenant_id, order_id, warehouses):
            raise NotFound(f"order {order_id} not found")
        order = uow.orders.get(tenant_id, order_id)
        url = tracking_link(uow, order, base_url=base_url, now=now, ttl=ttl)
        uow.commit()
    expires = datetime.fromtimestamp(int((now + ttl).timestamp()), now.tzinfo)
    return {"order_id": order.id, "external_id": order.external_id, "url": url,
            "expires_at": expires}


def form_token(make_uow: UowFactory, tenant_id: str, order_id: str, *, now: datetime,
               ttl: timedelta) -> str:
    """A short-lived token for a buyer who passed the number + phone check."""
    with make_uow() as uow:
        token = _token(uow, tenant_id, order_id, now, ttl)
        uow.commit()
    return token


def open_link(make_uow: UowFactory, tenant_id: str, token: str, *, now: datetime) -> str:
    """The order id a live link names; NotFound for a link that is malformed, altered,
    forged, of another tenant, expired, under a retired key or revoked (one answer)."""
    gone = NotFound("no such tracking page")
    version = link_tokens.version_of(token)
    if version is None:
        raise gone
    with make_uow() as uow:
        key = uow.tracking_links.key(tenant_id, version)
        raw = None if key is None else link_tokens.open_token(key, tenant_id, token)
        claims = None if raw is None else LinkClaims.unpack(raw)
        if claims is None or claims.version != version or not claims.live(now):
            raise gone
        revoked = uow.tracking_links.revoked_at(tenant_id, claims.order_id)
        if revoked is not None and claims.issued_at <= revoked:
            raise gone
        if not uow.orders.visible(tenant_id, claims.order_id, frozenset()):
            raise gone
    return claims.order_id


def revoke_links(make_uow: UowFactory, tenant_id: str, order_id: str, *, now: datetime,
                 actor: str) -> dict[str, Any]:
    """Every link of the order issued until now stops opening (new ones work). Two
    revocations at once: the second to insert the order's row runs again (an update)."""

    def attempt() -> dict[str, Any]:
        with make_uow() as uow:
            uow.orders.get(tenant_id, order_id)  # NotFound for an unknown order
            uow.tracking_links.revoke(tenant_id, order_id, now)
            audit.note(uow, tenant_id, now, actor, "tenant_change",
                       f"order/{order_id}/tracking-links",
                       {"change": "tracking_links_revoked"})
            uow.commit()
        return {"order_id": order_id, "revoked_at": now}

    return retry_unique_race(attempt)


def rotate_keys(make_uow: UowFactory, tenant_id: str, *, now: datetime,
                actor: str) -> dict[str, Any]:
    """A new link key for the tenant; every link sealed under an older one stops opening.
    Two rotations at once: the second to commit runs again and makes the next version."""

    def attempt() -> dict[str, Any]:
        with make_uow() as uow:
            version, retired = uow.tracking_links.rotate(tenant_id, now)
            audit.note(uow, tenant_id, now, actor, "tenant_change", "tracking-links/key",
                       {"change": "tracking_link_key_rotated", "version": version,
                        "retired": retired})
            uow.commit()
        return {"version": version, "retired": retired, "rotated_at": now}

    return retry_unique_race(attempt)
