"""Migration 0031 on an existing database (both stores): existing warehouses ship from CN,
existing channels are not cross-border and name no ship-from country, existing orders have
no address suggestion; the new columns then take what the hub writes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.migrate import upgrade
from tests.integration.test_anomaly_price_summary_migration import fresh_engine

__all__ = ["fresh_engine"]  # the fixture: an empty database of its own, per store

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_0031_gives_existing_sites_and_channels_their_defaults(fresh_engine: Engine) -> None:
    upgrade(fresh_engine, "0029")
    with fresh_engine.begin() as conn:
        conn.execute(insert(t.tenants).values(id="old", name="Old", created_at=NOW))
        conn.exec_driver_sql(
            "INSERT INTO warehouses (tenant_id, code, name, lat, lon, region, city, "
            "daily_capacity, cutoff, timezone, active, created_at) VALUES "
            "('old', 'SH', 'Shanghai', 31.2, 121.5, 'east', '上海', 0, '18:00', "
            "'Asia/Shanghai', true, '2026-12-01 00:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO channels (tenant_id, code, name, kind, active) VALUES "
            "('old', 'tmall', 'Tmall', 'marketplace', true)")
    upgrade(fresh_engine)
    with fresh_engine.begin() as conn:
        assert conn.execute(select(t.warehouses.c.country)).scalar_one() == "CN"
        row = conn.execute(select(t.channels.c.cross_border,
                                  t.channels.c.ship_from_country)).one()
        assert (bool(row[0]), row[1]) == (False, "")
        conn.execute(update(t.channels).values(cross_border=True, ship_from_country="HK"))
        row = conn.execute(select(t.channels.c.cross_border,
                                  t.channels.c.ship_from_country)).one()
        assert (bool(row[0]), row[1]) == (True, "HK")
