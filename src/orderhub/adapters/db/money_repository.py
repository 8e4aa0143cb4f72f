"""The order money ledger (domain/order_ledger.py): one row per entry, its lines as JSON,
in `seq` order per order. Entries are only ever added; the services write them in the
transaction of the order change that causes them, under the order's row lock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from orderhub.adapters.db import tables as t
from orderhub.domain.order_ledger import EntryKind, EntryLine, Ledger, LedgerEntry

_m = t.order_money_entries.c


def _row(entry: LedgerEntry, seq: int, content: str) -> dict[str, Any]:
    return {"content": content, "id": entry.id, "tenant_id": entry.tenant_id,
            "order_id": entry.order_id,
            "seq": seq, "kind": entry.kind.value, "currency": entry.currency,
            "amount": entry.amount, "lines": [ln.as_dict() for ln in entry.lines],
            "reason": entry.reason[:1000], "source": entry.source[:200],
            "occurred_at": entry.occurred_at, "actor": entry.actor[:200]}


def _entry(r: Any) -> LedgerEntry:
    return LedgerEntry(
        id=r["id"], tenant_id=r["tenant_id"], order_id=r["order_id"],
        kind=EntryKind(r["kind"]), currency=r["currency"], amount=r["amount"],
        lines=tuple(EntryLine.from_dict(d) for d in r["lines"]), reason=r["reason"],
        source=r["source"], occurred_at=r["occurred_at"], actor=r["actor"],
        content=r["content"])


class OrderMoneyRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def ledger(self, tenant_id: str, order_id: str, currency: str) -> Ledger | None:
        """The order's ledger, None when no money has been booked for it yet."""
        rows = self.conn.execute(
            select(t.order_money_entries)
            .where(_m.tenant_id == tenant_id, _m.order_id == order_id)
            .order_by(_m.seq)
        ).mappings().all()
        if not rows:
            return None
        return Ledger(tenant_id, order_id, currency, [_entry(r) for r in rows])

    def add(self, ledger: Ledger, entries: Sequence[LedgerEntry], *, content: str) -> None:
        """Store `entries`, which the ledger holds already (appended by its booking
        methods), with their position in it and the order's content fingerprint after
        them (`order_ledger.content_fingerprint`)."""
        if not entries:
            return
        position = {e.id: i for i, e in enumerate(ledger.entries)}
        self.conn.execute(t.order_money_entries.insert(),
                          [_row(e, position[e.id], content) for e in entries])
