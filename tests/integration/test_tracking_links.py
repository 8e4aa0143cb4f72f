"""Tracking-link keys on a real database (SQLite and PostgreSQL): several connections
issuing the tenant's first links at once make one key and every link opens; the key is
ciphertext at rest and its links survive a data-key rotation; the lookup by phone goes
through the blind index (nothing decrypted to search)."""

from __future__ import annotations

from sqlalchemy import select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.privacy import PiiView
from orderhub.services.keys import rotate_data
from orderhub.services.tracking import links, story
from tests.api import api_client
from tests.e2e.test_tracking import new_order
from tests.factories import T, seed_network
from tests.integration.test_inventory_races import race
from tests.redis_support import redis_url

__all__ = ["redis_url"]


def test_concurrent_first_links_share_one_key(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oids = [new_order(client, f"LK-{i}")["id"] for i in range(4)]
    urls = race(4, lambda i: links.issue_link(hub.uow, T, oids[i], base_url="http://x",
                                              now=hub.clock())["url"])
    with hub.engine.connect() as conn:
        keys = conn.execute(select(t.tracking_link_keys.c.version)).scalars().all()
    assert keys == [1]
    for oid, url in zip(oids, urls, strict=True):
        assert links.open_link(hub.read_uow, T, url.rsplit("/", 1)[1], now=hub.clock()) == oid


def test_link_key_is_ciphertext_and_survives_a_data_key_rotation(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oid = new_order(client, "LK-R")["id"]
    url = links.issue_link(hub.uow, T, oid, base_url="http://x", now=hub.clock())["url"]
    with hub.engine.connect() as conn:
        [stored] = conn.execute(select(t.tracking_link_keys.c.secret)).scalars().all()
    assert stored.startswith("p1.")
    [report] = rotate_data(hub.uow, [T])
    assert report.secrets >= 1
    with hub.engine.connect() as conn:
        [after] = conn.execute(select(t.tracking_link_keys.c.secret)).scalars().all()
    assert after != stored
    assert links.open_link(hub.read_uow, T, url.rsplit("/", 1)[1], now=hub.clock()) == oid


def test_phone_lookup_uses_the_blind_index(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oid = new_order(client, "LK-P")["id"]
    with hub.engine.connect() as conn:
        row = conn.execute(select(t.orders).where(t.orders.c.id == oid)).mappings().one()
    assert "13800138000" not in str(dict(row))  # the phone is ciphertext at rest
    found = story.find_orders(hub.read_uow, T, phone="13800138000", pii=PiiView.MASKED)
    assert [r["order_id"] for r in found] == [oid]
    assert story.find_orders(hub.read_uow, T, phone="13900000000", pii=PiiView.MASKED) == []


def test_two_rotations_at_once_both_succeed(hub: Hub) -> None:
    seed_network(hub)
    links.rotate_keys(hub.uow, T, now=hub.clock(), actor="test")
    done = race(2, lambda _i: links.rotate_keys(hub.uow, T, now=hub.clock(), actor="test"))
    assert sorted(d["version"] for d in done) == [2, 3]
    with hub.read_uow() as uow:
        current = uow.tracking_links.current_key(T)
    assert current is not None and current[0] == 3


def test_the_migration_builds_the_tables_as_tables_declares(hub: Hub) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import MetaData

    mine = ("tracking_link_keys", "tracking_link_revocations", "service_scripts")
    only = MetaData(naming_convention=t.metadata.naming_convention)
    for name in mine:
        t.metadata.tables[name].to_metadata(only)
    with hub.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, only)
                if any(n in repr(d) for n in mine) and not (
                    isinstance(d, tuple) and d[0] == "remove_table")]
    assert diff == []


def test_two_api_processes_share_the_public_pages_limits_on_redis(redis_url: str) -> None:
    """Two guards on one Redis (two API processes): wrong digits sent to either lock the
    order number for both; failures from one address are counted across both."""
    from orderhub.adapters.ratelimit.redis_limiter import RedisLimiter
    from orderhub.services.tracking.public_guard import GuardLimits, PublicGuard
    from tests.redis_support import unique_prefix

    prefix = unique_prefix()
    limits = GuardLimits(requests_per_minute=100, failures_per_hour=3, phone_tries=2,
                         lock_minutes=10)
    a = PublicGuard(RedisLimiter(redis_url, prefix=prefix), limits)
    b = PublicGuard(RedisLimiter(redis_url, prefix=prefix), limits)
    try:
        assert a.admit("10.0.0.1", T, "N-1") is None  # each check takes one of N-1's tries
        a.failed("10.0.0.1", T, "N-1")
        assert b.admit("10.0.0.2", T, "N-1") is None
        b.failed("10.0.0.2", T, "N-1")
        locked = b.admit("10.0.0.3", T, "N-1")
        assert locked is not None and locked.retry_after_seconds > 0
        assert a.admit("10.0.0.3", T, "N-2") is None
        b.failed("10.0.0.1", T)
        a.failed("10.0.0.1", T)
        assert b.admit("10.0.0.1", T) is not None  # three failures of 10.0.0.1
    finally:
        a.limiter.close()
        b.limiter.close()
