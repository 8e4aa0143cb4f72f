"""The operations dashboard's figures: aggregate queries only, each answered from an index
(never loading orders): intake by channel and status in a recent window
(ix_orders_tenant_created), held orders (ix_orders_tenant_status), the latest held orders'
reasons (bounded), finished orders against their promise (ix_order_twins_finished), open
exceptions by tier (ix_exceptions_tenant_state). Site queues and the outbox backlog come
from their own repositories (network.site_backlog, outbox.backlog)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Connection, case, func, select

from orderhub.adapters.db import tables as t


class DashboardQueries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def intake(self, tenant_id: str, since: datetime) -> list[tuple[str, str, int]]:
        """(channel, status, orders) for the orders created since `since`."""
        c = t.orders.c
        rows = self.conn.execute(
            select(c.channel, c.status, func.count())
            .where(c.tenant_id == tenant_id, c.created_at >= since)
            .group_by(c.channel, c.status)).all()
        return [(ch, st, int(n)) for ch, st, n in rows]

    def count_in_status(self, tenant_id: str, status: str) -> int:
        c = t.orders.c
        return int(self.conn.execute(select(func.count()).where(
            c.tenant_id == tenant_id, c.status == status)).scalar_one())

    def hold_reasons(self, tenant_id: str, sample: int) -> tuple[Counter[str], int]:
        """Reason codes of the latest `sample` held orders (newest ids first), and how
        many orders were read: a bounded read, however many orders are held."""
        c = t.orders.c
        rows = self.conn.execute(
            select(c.hold_reasons).where(c.tenant_id == tenant_id, c.status == "on_hold")
            .order_by(c.id.desc()).limit(sample)).all()
        counts: Counter[str] = Counter()
        for (reasons,) in rows:
            codes: set[str] = {r.get("code", "") for r in (reasons or [])
                               if isinstance(r, dict)}
            counts.update(code for code in codes if code)
        return counts, len(rows)

    def finished_against_promise(self, tenant_id: str, since: datetime) -> tuple[int, int]:
        """(orders finished since `since` with a promise, those that made it)."""
        w = t.order_twins.c
        total, on_time = self.conn.execute(
            select(func.count(), func.coalesce(func.sum(case((w.slack_seconds >= 0, 1),
                                                             else_=0)), 0))
            .where(w.tenant_id == tenant_id, w.finished_at >= since,
                   w.slack_seconds.is_not(None), w.status != "cancelled")).one()
        return int(total), int(on_time)

    def open_exceptions_by_tier(self, tenant_id: str) -> dict[str, int]:
        x = t.exceptions.c
        rows = self.conn.execute(
            select(x.tier, func.count()).where(x.tenant_id == tenant_id, x.state == "open")
            .group_by(x.tier)).all()
        return {(tier or ""): int(n) for tier, n in rows}
