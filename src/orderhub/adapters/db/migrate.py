"""Schema migrations (Alembic, shipped inside the package so the installed CLI can run them)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select

from orderhub.adapters.db import tables as t

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head", default_tenant: str = "default") -> None:
    """Bring the schema to `revision` and make sure the default tenant exists."""
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
    with engine.begin() as conn:
        exists = conn.execute(
            select(t.tenants.c.id).where(t.tenants.c.id == default_tenant)
        ).first()
        if not exists:
            conn.execute(
                t.tenants.insert().values(
                    id=default_tenant, name="Default tenant", created_at=datetime.now(UTC)
                )
            )


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
