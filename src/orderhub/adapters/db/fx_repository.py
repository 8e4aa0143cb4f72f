"""A tenant's exchange rates and its base currency (domain/fx.py), as `uow.fx`.

`table` is the one read a batch of orders makes: the rates of the batch's currencies (and
those its rules name) effective in the window its order days need, newest-first limited by
the staleness limit, in one statement. Writes are upserts keyed by (tenant, currency,
effective date): loading the same day's rate again replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.domain.fx import FxRate, FxSettings, RateTable


def _rate(value: Decimal) -> Decimal:
    """A stored rate as it was written (PostgreSQL's NUMERIC(20, 6) pads it: 7.120000)."""
    out = value.normalize()
    return out.quantize(Decimal(1)) if out == out.to_integral_value() else out


class FxRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _insert(self, table: Any) -> Any:
        return (pg_insert(table) if self.conn.dialect.name == "postgresql"
                else sqlite_insert(table))

    # ----- settings ---------------------------------------------------------------------
    def settings(self, tenant_id: str) -> FxSettings:
        row = self.conn.execute(select(t.fx_settings.c.base_currency,
                                       t.fx_settings.c.max_age_days)
                                .where(t.fx_settings.c.tenant_id == tenant_id)).first()
        return FxSettings() if row is None else FxSettings(row[0], int(row[1]))

    def save_settings(self, tenant_id: str, settings: FxSettings, now: datetime,
                      actor: str) -> None:
        values = {"tenant_id": tenant_id, "base_currency": settings.base_currency,
                  "max_age_days": settings.max_age_days, "updated_at": now,
                  "updated_by": actor}
        stmt = self._insert(t.fx_settings).values(**values)
        self.conn.execute(stmt.on_conflict_do_update(
            index_elements=["tenant_id"],
            set_={k: v for k, v in values.items() if k != "tenant_id"}))

    # ----- rates ------------------------------------------------------------------------
    def existing(self, tenant_id: str, keys: Sequence[tuple[str, date]]
                 ) -> dict[tuple[str, date], FxRate]:
        """The stored rates under these (currency, day) keys (what a load replaces)."""
        if not keys:
            return {}
        c = t.fx_rates.c
        currencies = sorted({k[0] for k in keys})
        days = [k[1] for k in keys]
        rows = self.conn.execute(select(c.currency, c.effective_date, c.rate, c.source).where(
            c.tenant_id == tenant_id, c.currency.in_(currencies),
            c.effective_date >= min(days), c.effective_date <= max(days)))
        wanted = set(keys)
        return {(r[0], r[1]): FxRate(r[0], r[1], _rate(r[2]), r[3]) for r in rows
                if (r[0], r[1]) in wanted}

    def upsert(self, tenant_id: str, rates: Iterable[FxRate], now: datetime,
               actor: str) -> None:
        rows = [{"tenant_id": tenant_id, "currency": r.currency,
                 "effective_date": r.effective_date, "rate": r.rate, "source": r.source,
                 "updated_at": now, "updated_by": actor} for r in rates]
        if not rows:
            return
        stmt = self._insert(t.fx_rates)
        self.conn.execute(stmt.on_conflict_do_update(
            index_elements=["tenant_id", "currency", "effective_date"],
            set_={"rate": stmt.excluded.rate, "source": stmt.excluded.source,
                  "updated_at": stmt.excluded.updated_at,
                  "updated_by": stmt.excluded.updated_by}), rows)

    def remove(self, tenant_id: str, currency: str, day: date) -> bool:
        c = t.fx_rates.c
        done = self.conn.execute(delete(t.fx_rates).where(
            c.tenant_id == tenant_id, c.currency == currency, c.effective_date == day))
        return bool(done.rowcount)

    def rates(self, tenant_id: str, currency: str | None = None, since: date | None = None,
              limit: int = 1000) -> list[dict[str, Any]]:
        """Stored rates, newest first, with who loaded them and when."""
        c = t.fx_rates.c
        q = select(c.currency, c.effective_date, c.rate, c.source, c.updated_at,
                   c.updated_by).where(c.tenant_id == tenant_id)
        if currency:
            q = q.where(c.currency == currency)
        if since is not None:
            q = q.where(c.effective_date >= since)
        q = q.order_by(c.effective_date.desc(), c.currency).limit(limit)
        return [{"currency": r[0], "effective_date": r[1], "rate": _rate(r[2]), "source": r[3],
                 "updated_at": r[4], "updated_by": r[5]} for r in self.conn.execute(q)]

    def table(self, tenant_id: str, currencies: Iterable[str], first: date, last: date
              ) -> RateTable:
        """What a batch needs in one read: the settings and, for `currencies`, every rate
        that can be in force on a day from `first` to `last` (those of the window and the
        latest before it, whether or not that one is stale: the hold says how old it is)."""
        settings = self.settings(tenant_id)
        wanted = sorted({cur for cur in currencies if cur and cur != settings.base_currency})
        if not wanted:
            return RateTable.of(settings, [])
        c = t.fx_rates.c
        # Rates within the window (plus the staleness limit on either side: an order placed
        # before a currency's first rate is judged at it when it is that close), and the
        # latest one before that (so a stale rate is reported as stale, not as missing).
        floor = first - timedelta(days=settings.max_age_days)
        ceiling = last + timedelta(days=settings.max_age_days)
        recent = select(c.currency, c.effective_date, c.rate, c.source).where(
            c.tenant_id == tenant_id, c.currency.in_(wanted),
            and_(c.effective_date >= floor, c.effective_date <= ceiling))
        rows = list(self.conn.execute(recent))
        have = {r[0] for r in rows if r[1] <= first}
        older = [cur for cur in wanted if cur not in have]
        if older:
            for cur in older:  # only currencies without a rate in the window: rare
                r = self.conn.execute(
                    select(c.currency, c.effective_date, c.rate, c.source)
                    .where(c.tenant_id == tenant_id, c.currency == cur,
                           c.effective_date < floor)
                    .order_by(c.effective_date.desc()).limit(1)).first()
                if r is not None:
                    rows.append(r)
        return RateTable.of(settings, [FxRate(r[0], r[1], _rate(r[2]), r[3]) for r in rows])
