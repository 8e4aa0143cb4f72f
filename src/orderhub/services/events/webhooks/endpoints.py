"""Webhook endpoints: registration, changes, secret rotation and removal, with the checks
on what a tenant may register (URL, event types, description, secret)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from orderhub.adapters.bus.envelope import TYPE_PREFIX
from orderhub.adapters.db.webhook_repository import WebhookRepository
from orderhub.adapters.webhooks import targets
from orderhub.adapters.webhooks.signing import generate_secret, is_valid_secret
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.events import EVENT_TYPES
from orderhub.domain.ids import new_id
from orderhub.domain.webhooks import WebhookEndpoint
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500


# ----- validation ------------------------------------------------------------------------------
def validate_url(url: str, loc: str = "url") -> list[FieldError]:
    """An absolute http(s) URL with a host; anything else could never be delivered to."""
    if len(url) > MAX_URL_LENGTH:
        return [FieldError(loc, f"must be at most {MAX_URL_LENGTH} characters")]
    hint = "must be an absolute http or https URL, for example https://example.com/hooks"
    if not url or any(ch.isspace() for ch in url):
        return [FieldError(loc, f"{hint}; got {url!r}")]
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number in 0..65535
    except ValueError as exc:
        return [FieldError(loc, f"{hint}; {exc}")]
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"'{parts.scheme}'" if parts.scheme else "no scheme"
        return [FieldError(loc, f"{hint}; got {scheme}")]
    if not parts.hostname:
        return [FieldError(loc, f"{hint}; the URL names no host")]
    return []


def private_target(url: str) -> str:
    """Why a URL must not be registered (SSRF), or "" when it may: its host is, or resolves
    to, an address that is not public unicast (loopback, private, shared 100.64.0.0/10,
    link-local, IPv6 forms of those, ... see adapters/webhooks/targets.py), or the name does
    not resolve. DNS may change later: the sender checks again at send time."""
    if validate_url(url):
        return ""  # not a URL to check: validate_url says why
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port
    try:
        targets.checked_addresses(host, port)
    except targets.TargetRefused as exc:
        return f"{exc}; webhooks may only be sent to public addresses"
    except targets.TargetUnresolved as exc:
        return f"{exc}; register a name that resolves to a public address"
    return ""


def normalise_event_types(types: Sequence[str], loc: str = "event_types") -> list[str]:
    """Known short type names, de-duplicated in order; "io.orderhub.X" is accepted as X.

    Raises InvalidInput naming each unknown type (by position) and the valid ones.
    """
    errors: list[FieldError] = []
    result: list[str] = []
    valid = ", ".join(sorted(EVENT_TYPES))
    for i, raw in enumerate(types):
        name = raw[len(TYPE_PREFIX) :] if raw.startswith(TYPE_PREFIX) else raw
        if name not in EVENT_TYPES:
            errors.append(
                FieldError(f"{loc}.{i}", f"unknown event type '{raw}'; valid types: {valid}")
            )
        elif name not in result:
            result.append(name)
    if errors:
        raise InvalidInput(errors)
    return result


def _validate_description(description: str) -> list[FieldError]:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        return [FieldError("description", f"must be at most {MAX_DESCRIPTION_LENGTH} characters")]
    return []


def _validate_secret(secret: str) -> list[FieldError]:
    if not is_valid_secret(secret):
        return [
            FieldError(
                "secret",
                "must be 'whsec_' followed by base64 of 24 to 64 random bytes; "
                "omit it to have one generated",
            )
        ]
    return []


def load_endpoint(repo: WebhookRepository, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
    """The tenant's endpoint, or NotFound (another tenant's endpoint is not found either)."""
    found = repo.endpoint(tenant_id, endpoint_id)
    if found is None:
        raise NotFound(f"webhook endpoint '{endpoint_id}' not found")
    return found


# ----- audit -----------------------------------------------------------------------------------
def audited_url(url: str) -> str:
    """The URL as the audit log keeps it: no user:password, query or fragment (tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    hidden = "?…" if parts.query or parts.fragment else ""
    return f"{parts.scheme}://{host}{parts.path}{hidden}"


def _audit_view(e: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint's fields for the audit log: never its secret."""
    return {"url": audited_url(e.url), "event_types": list(e.event_types),
            "description": e.description, "active": e.active}


def _note(uow: UnitOfWork, e: WebhookEndpoint, now: datetime, actor: str,
          detail: dict[str, Any]) -> None:
    audit.note(uow, e.tenant_id, now, actor, "webhook_change", f"webhook/{e.id}", detail)


# ----- use cases -------------------------------------------------------------------------------
def create_endpoint(
    make_uow: UowFactory,
    tenant_id: str,
    url: str,
    now: datetime,
    *,
    event_types: Sequence[str] = (),
    description: str = "",
    active: bool = True,
    secret: str | None = None,
    actor: str = "system",
) -> WebhookEndpoint:
    """Register an endpoint; the returned record carries the secret, shown to the caller once."""
    errors = validate_url(url) + _validate_description(description)
    if secret is not None:
        errors += _validate_secret(secret)
    try:
        types = normalise_event_types(event_types)
    except InvalidInput as exc:
        errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    endpoint = WebhookEndpoint(
        id=new_id("whe"),
        tenant_id=tenant_id,
        url=url,
        secret=secret or generate_secret(),
        event_types=types,
        description=description,
        active=active,
        created_at=now,
        updated_at=now,
    )
    with make_uow() as uow:
        uow.webhooks.add_endpoint(endpoint)
        _note(uow, endpoint, now, actor, {"change": "created", **_audit_view(endpoint),
                                          "secret_given": secret is not None})
        uow.commit()
    return endpoint


def list_endpoints(make_uow: UowFactory, tenant_id: str) -> list[WebhookEndpoint]:
    with make_uow() as uow:
        return uow.webhooks.endpoints(tenant_id)


def get_endpoint(make_uow: UowFactory, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
    with make_uow() as uow:
        return load_endpoint(uow.webhooks, tenant_id, endpoint_id)


def update_endpoint(
    make_uow: UowFactory,
    tenant_id: str,
    endpoint_id: str,
    now: datetime,
    *,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
    actor: str = "system",
) -> WebhookEndpoint:
    """Change what is given (None leaves a field as it is). A deactivated endpoint gets no
    new deliveries and its pending ones wait, unsent, until it is activated again."""
    errors: list[FieldError] = []
    changes: dict[str, Any] = {}
    if url is not None:
        errors += validate_url(url)
        changes["url"] = url
    if description is not None:
        errors += _validate_description(description)
        changes["description"] = description
    if event_types is not None:
        try:
            changes["event_types"] = normalise_event_types(event_types)
        except InvalidInput as exc:
            errors += exc.errors
    if active is not None:
        changes["active"] = active
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        before = load_endpoint(uow.webhooks, tenant_id, endpoint_id)
        if changes:
            uow.webhooks.update_endpoint(tenant_id, endpoint_id, changes, now)
        endpoint = load_endpoint(uow.webhooks, tenant_id, endpoint_id)
        fields = audit.changed(_audit_view(before), _audit_view(endpoint))
        if fields:
            _note(uow, endpoint, now, actor, {"change": "updated", "fields": fields})
        uow.commit()
    return endpoint


def rotate_secret(
    make_uow: UowFactory,
    tenant_id: str,
    endpoint_id: str,
    now: datetime,
    *,
    secret: str | None = None,
    actor: str = "system",
) -> WebhookEndpoint:
    """Replace the signing secret (a new one unless given); every later attempt, retries of
    older deliveries included, is signed with the new one."""
    if secret is not None and (errors := _validate_secret(secret)):
        raise InvalidInput(errors)
    new_secret = secret or generate_secret()
    with make_uow() as uow:
        load_endpoint(uow.webhooks, tenant_id, endpoint_id)
        uow.webhooks.update_endpoint(tenant_id, endpoint_id, {"secret": new_secret}, now)
        endpoint = load_endpoint(uow.webhooks, tenant_id, endpoint_id)
        _note(uow, endpoint, now, actor, {"change": "secret_rotated",
                                          "secret_given": secret is not None})
        uow.commit()
    return endpoint


def delete_endpoint(make_uow: UowFactory, tenant_id: str, endpoint_id: str, now: datetime,
                    *, actor: str = "system") -> bool:
    """Remove an endpoint that never had a delivery (True); one with deliveries is only
    deactivated (False), so its delivery log stays readable."""
    with make_uow() as uow:
        endpoint = load_endpoint(uow.webhooks, tenant_id, endpoint_id)
        has_deliveries = uow.webhooks.has_deliveries(endpoint_id)
        if has_deliveries:
            uow.webhooks.update_endpoint(tenant_id, endpoint_id, {"active": False}, now)
        else:
            uow.webhooks.remove_endpoint(endpoint_id)
        _note(uow, endpoint, now, actor, {
            "change": "deactivated" if has_deliveries else "deleted", **_audit_view(endpoint)})
        uow.commit()
    return not has_deliveries
