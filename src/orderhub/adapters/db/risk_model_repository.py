"""Risk model versions (domain/risk/model.py): add a version, list them (without their
bytes), read the champion's bytes, and move the champion flag (one per tenant)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from orderhub.adapters.db import tables as t

_m = t.risk_models.c


@dataclass(frozen=True, slots=True)
class RiskModelRecord:
    tenant_id: str
    version: int
    created_at: datetime
    created_by: str
    algorithm: str
    feature_version: int
    metrics: dict[str, Any]
    training: dict[str, Any]
    sha256: str
    champion: bool
    size_bytes: int


_COLUMNS = (_m.tenant_id, _m.version, _m.created_at, _m.created_by, _m.algorithm,
            _m.feature_version, _m.metrics, _m.training, _m.sha256, _m.champion,
            func.length(_m.model))


def _record(row: Any) -> RiskModelRecord:
    return RiskModelRecord(row[0], row[1], row[2], row[3], row[4], row[5], dict(row[6]),
                           dict(row[7]), row[8], bool(row[9]), int(row[10] or 0))


class RiskModelRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def next_version(self, tenant_id: str) -> int:
        last = self.conn.execute(select(func.max(_m.version)).where(
            _m.tenant_id == tenant_id)).scalar_one()
        return int(last or 0) + 1

    def add(self, record: RiskModelRecord, blob: bytes) -> None:
        self.conn.execute(t.risk_models.insert().values(
            tenant_id=record.tenant_id, version=record.version, created_at=record.created_at,
            created_by=record.created_by, algorithm=record.algorithm,
            feature_version=record.feature_version, metrics=record.metrics,
            training=record.training, model=blob, sha256=record.sha256, champion=False))

    def make_champion(self, tenant_id: str, version: int) -> None:
        """The one champion of the tenant: this version, no other."""
        self.conn.execute(update(t.risk_models).where(
            _m.tenant_id == tenant_id, _m.champion.is_(True), _m.version != version)
            .values(champion=False))
        self.conn.execute(update(t.risk_models).where(
            _m.tenant_id == tenant_id, _m.version == version).values(champion=True))

    def list(self, tenant_id: str) -> list[RiskModelRecord]:
        rows = self.conn.execute(select(*_COLUMNS).where(_m.tenant_id == tenant_id)
                                 .order_by(_m.version.desc()))
        return [_record(r) for r in rows]

    def get(self, tenant_id: str, version: int) -> RiskModelRecord | None:
        row = self.conn.execute(select(*_COLUMNS).where(
            _m.tenant_id == tenant_id, _m.version == version)).first()
        return _record(row) if row else None

    def champion(self, tenant_id: str) -> RiskModelRecord | None:
        row = self.conn.execute(select(*_COLUMNS).where(
            _m.tenant_id == tenant_id, _m.champion.is_(True))).first()
        return _record(row) if row else None

    def model_bytes(self, tenant_id: str, version: int) -> bytes | None:
        blob = self.conn.execute(select(_m.model).where(
            _m.tenant_id == tenant_id, _m.version == version)).scalar_one_or_none()
        return bytes(blob) if blob is not None else None
