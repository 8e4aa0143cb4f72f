"""The compliance packs a tenant has switched on (domain/compliance_packs.py), as
`uow.compliance_packs`: one row per tenant and country, read (locked for a change) and
upserted whole."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.domain.compliance_packs import Override

_c = t.compliance_packs.c


@dataclass(frozen=True)
class PackState:
    """A tenant's state of one country's pack."""

    country: str
    enabled: bool
    version: str  # the pack version its rules were last drafted from
    rules: Sequence[Mapping[str, Any]]  # those rules, overrides applied (an upgrade's diff)
    overrides: Sequence[Override] = field(default_factory=tuple)
    rule_set: int | None = None  # the rule set last drafted for it
    changed_by: str = ""
    changed_at: datetime | None = None


def _state(row: Any) -> PackState:  # a RowMapping of compliance_packs
    return PackState(row["country"], bool(row["enabled"]), row["version"], row["rules"],
                     tuple(Override.from_doc(o) for o in row["overrides"]), row["rule_set"],
                     row["changed_by"], row["changed_at"])


class CompliancePackRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, tenant_id: str, country: str, *, lock: bool = False) -> PackState | None:
        """With `lock` (a change follows), changes of one tenant's pack are serialised: on
        PostgreSQL a transaction-scoped advisory lock first, since FOR UPDATE locks no row
        while the tenant has none (two first overrides would each save only their own)."""
        if lock and self.conn.dialect.name == "postgresql":
            self.conn.execute(select(func.pg_advisory_xact_lock(
                func.hashtext("compliance_packs:" + tenant_id + ":" + country),
                func.hashtext(func.current_schema()))))
        q = select(t.compliance_packs).where(_c.tenant_id == tenant_id, _c.country == country)
        row = self.conn.execute(q.with_for_update() if lock else q).mappings().first()
        return None if row is None else _state(row)

    def all(self, tenant_id: str) -> dict[str, PackState]:
        q = select(t.compliance_packs).where(_c.tenant_id == tenant_id)
        return {r["country"]: _state(r) for r in self.conn.execute(q).mappings()}

    def save(self, tenant_id: str, state: PackState) -> None:
        values = {"tenant_id": tenant_id, "country": state.country, "enabled": state.enabled,
                  "version": state.version, "rules": [dict(r) for r in state.rules],
                  "overrides": [o.doc() for o in state.overrides],
                  "rule_set": state.rule_set, "changed_by": state.changed_by,
                  "changed_at": state.changed_at}
        insert = (pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert)
        stmt = insert(t.compliance_packs).values(**values)
        self.conn.execute(stmt.on_conflict_do_update(
            index_elements=["tenant_id", "country"],
            set_={k: v for k, v in values.items() if k not in ("tenant_id", "country")}))
