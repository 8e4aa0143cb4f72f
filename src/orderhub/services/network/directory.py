"""Reading the live routing network outside intake (views, sandbox, waves, waybills).

Intake reads it through `uow.network.state(tenant_id)` (adapters/db/network_repository.py:
one value per batch, cached per process by network revision, under the lock that
serialises it with network changes). These functions read the same state on a caller's
connection, for callers that are not yet on the unit of work's repository.
"""

from __future__ import annotations

from sqlalchemy import Connection

from orderhub.adapters.db.network_repository import NetworkRepository
from orderhub.domain.routing.network import RegionBlock
from orderhub.domain.routing.state import Canary, NetworkState
from orderhub.domain.rules.model import RoutingRule


def load_rules(conn: Connection, tenant_id: str, *, enabled_only: bool = True
               ) -> list[RoutingRule]:
    return NetworkRepository(conn).routing_rules(tenant_id, enabled_only=enabled_only)


def load_blocks(conn: Connection, tenant_id: str) -> list[RegionBlock]:
    return NetworkRepository(conn).blocks(tenant_id)


def site_backlog(conn: Connection, tenant_id: str) -> dict[str, int]:
    """Open orders per site: planned shipments (allocated, released, picked, packed)."""
    return NetworkRepository(conn).site_backlog(tenant_id)


def load_canary(conn: Connection, tenant_id: str,
                live: list[RoutingRule] | None = None) -> Canary | None:
    return NetworkRepository(conn).canary(tenant_id, live)


def load_network(conn: Connection, tenant_id: str) -> NetworkState:
    return NetworkRepository(conn).load(tenant_id)
