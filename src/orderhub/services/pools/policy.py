"""The pooling policy: the version in force per tenant, new versions (audited), history.
Rule data like the SLA policy: every change is a new version; a stale writer conflicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from orderhub.adapters.db.pool_repository import PoolPolicyVersion
from orderhub.domain.errors import Conflict, NotFound
from orderhub.domain.pools.policy import PoolPolicy, parse_policy
from orderhub.services.audit import note
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def policy_in_force(uow: UnitOfWork, tenant_id: str) -> PoolPolicy:
    """The tenant's policy (an empty one, pooling nothing, where it set none): one small
    query per batch (the document is a few channels: parsed each time, not cached, so a
    scratch copy or a test database reusing a version number never reads a stale one)."""
    stored = uow.pools.policy(tenant_id)
    if stored is None:
        return PoolPolicy()
    return parse_policy(stored.document, version=stored.version)


def _view(p: PoolPolicyVersion | None) -> dict[str, Any]:
    if p is None:
        return {"version": 0, "document": {"channels": {}}, "created_by": None,
                "created_at": None, "reason": ""}
    return {"version": p.version, "document": parse_policy(p.document, version=p.version)
            .document(), "created_by": p.created_by, "created_at": p.created_at,
            "reason": p.reason}


def get_policy(make_uow: UowFactory, tenant_id: str, version: int | None = None
               ) -> dict[str, Any]:
    with make_uow() as uow:
        if version is None:
            return _view(uow.pools.policy(tenant_id))
        found = uow.pools.policy_version(tenant_id, version)
        if found is None:
            raise NotFound(f"pooling policy version {version} not found")
        return _view(found)


def list_versions(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [{k: v for k, v in _view(p).items() if k != "document"}
                for p in uow.pools.policy_versions(tenant_id)]


def set_policy(make_uow: UowFactory, tenant_id: str, document: dict[str, Any], *,
               reason: str, now: datetime, actor: str,
               expected_version: int | None = None) -> dict[str, Any]:
    """A new version of the whole document. `expected_version` (the version the writer
    read) makes a concurrent edit a conflict instead of a silent overwrite."""
    parsed = parse_policy(document, version=1)  # every problem, with its path, first
    with make_uow() as uow:
        version = uow.pools.policy_head(tenant_id)
        if expected_version is not None and expected_version != version:
            raise Conflict(f"the pooling policy is at version {version}, not "
                           f"{expected_version}: someone changed it meanwhile; read it again")
        stored = PoolPolicyVersion(tenant_id, version + 1, parsed.document(), reason, actor,
                                   now)
        try:
            with uow.savepoint():
                uow.pools.add_policy(stored)
        except IntegrityError:
            raise Conflict(f"the pooling policy changed meanwhile (version {version + 1} "
                           "exists); read it again") from None
        note(uow, tenant_id, now, actor, "pool_change", f"pool-policy/{version + 1}",
             {"version": version + 1, "reason": reason,
              "channels": sorted(parsed.channels)})
        uow.commit()
        return _view(stored)


def set_channel(make_uow: UowFactory, tenant_id: str, channel: str, rule: dict[str, Any] | None,
                *, reason: str, now: datetime, actor: str) -> dict[str, Any]:
    """One channel's rule changed (None: the channel is no longer pooled), as a new version
    of the document in force."""
    current = get_policy(make_uow, tenant_id)
    doc = current["document"]
    channels = dict(doc["channels"])
    if rule is None:
        if channel not in channels:
            raise NotFound(f"channel {channel!r} has no pooling rule")
        del channels[channel]
    else:
        channels[channel] = rule
    return set_policy(make_uow, tenant_id, {"channels": channels}, reason=reason, now=now,
                      actor=actor, expected_version=current["version"])
