"""Bidding providers (each with its signing secret) and the tenant's bidding policy."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from orderhub.adapters.webhooks import signing
from orderhub.domain.bidding import BiddingPolicy, parse_policy, parse_provider, policy_doc
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.rules.model import Vocabulary
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory

# Parsed policies by their stored document: intake reads the document once a batch.
_PARSED: dict[str, BiddingPolicy] = {}


def provider_doc(p: Any) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "kind": p.kind, "sites": sorted(p.sites),
            "endpoint": p.endpoint, "active": p.active}


def save_provider(make_uow: UowFactory, tenant_id: str, doc: Mapping[str, Any], *,
                  secret: str | None, now: datetime, actor: str) -> dict[str, Any]:
    """Add a provider (a new secret is made unless one is given) or update one (its secret
    only when given). The answer is the only place a secret is shown."""
    provider = parse_provider(doc)
    if secret is not None and not signing.is_valid_secret(secret):
        raise InvalidInput([FieldError("secret", "\"whsec_\" + base64 of 24 to 64 bytes")])
    with make_uow() as uow:
        existed = uow.bidding.provider(tenant_id, provider.code) is not None
        if not existed and secret is None:
            secret = signing.generate_secret()
        uow.bidding.save_provider(tenant_id, provider, secret, now)
        audit.note(uow, tenant_id, now, actor, "bid_provider_change",
                   f"bid-provider/{provider.code}",
                   {"change": "updated" if existed else "added", **provider_doc(provider),
                    "secret_changed": secret is not None})
        uow.commit()
    out = provider_doc(provider)
    if secret is not None:
        out["secret"] = secret
    out["created"] = not existed
    return out


def rotate_secret(make_uow: UowFactory, tenant_id: str, code: str, *, now: datetime,
                  actor: str) -> dict[str, Any]:
    """A new signing secret for the provider; the old one stops working at once."""
    secret = signing.generate_secret()
    with make_uow() as uow:
        found = uow.bidding.provider(tenant_id, code)
        if found is None:
            raise NotFound(f"no bidding provider '{code}'")
        uow.bidding.save_provider(tenant_id, found, secret, now)
        audit.note(uow, tenant_id, now, actor, "bid_provider_change", f"bid-provider/{code}",
                   {"change": "secret_rotated"})
        uow.commit()
    return {**provider_doc(found), "secret": secret}


def set_active(make_uow: UowFactory, tenant_id: str, code: str, active: bool, *,
               now: datetime, actor: str) -> dict[str, Any]:
    with make_uow() as uow:
        found = uow.bidding.provider(tenant_id, code)
        if found is None:
            raise NotFound(f"no bidding provider '{code}'")
        changed = replace(found, active=active)
        uow.bidding.save_provider(tenant_id, changed, None, now)
        audit.note(uow, tenant_id, now, actor, "bid_provider_change", f"bid-provider/{code}",
                   {"change": "activated" if active else "deactivated"})
        uow.commit()
    return provider_doc(changed)


def list_providers(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [provider_doc(p) for p in uow.bidding.providers(tenant_id)]


def _vocabulary(uow: Any, tenant_id: str) -> Vocabulary:
    return Vocabulary(channels=frozenset(c.code for c in uow.catalog.channels(tenant_id)))


def set_policy(make_uow: UowFactory, tenant_id: str, doc: Mapping[str, Any], *,
               now: datetime, actor: str) -> dict[str, Any]:
    """Store the bidding policy as its next version (field errors if it does not parse)."""
    with make_uow() as uow:
        policy = parse_policy(doc, _vocabulary(uow, tenant_id))
        stored = policy_doc(policy)
        stored.pop("version")
        version = uow.bidding.save_policy(tenant_id, stored, now, actor)
        audit.note(uow, tenant_id, now, actor, "bid_provider_change", "bid-policy",
                   {"change": "policy", "version": version, **stored})
        uow.commit()
    return {**stored, "version": version}


def get_policy(make_uow: UowFactory, tenant_id: str) -> dict[str, Any] | None:
    with make_uow() as uow:
        found = uow.bidding.policy(tenant_id)
    return {**found[0], "version": found[1]} if found else None


def policy_in_force(uow: Any, tenant_id: str) -> BiddingPolicy | None:
    """The tenant's policy, parsed once per version in this process; None: no bidding."""
    found = uow.bidding.policy(tenant_id)
    if found is None:
        return None
    doc, version = found
    key = json.dumps([doc, version], sort_keys=True, default=str)
    policy = _PARSED.get(key)
    if policy is None:
        policy = parse_policy(doc, version=version)
        if len(_PARSED) > 1000:
            _PARSED.clear()
        _PARSED[key] = policy
    return policy if policy.enabled else None
