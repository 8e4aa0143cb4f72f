"""Review of issue 13's bulk writes: audit entries written in one flush (COPY on
PostgreSQL from 16 rows, executemany on SQLite) still verify as a keyed chain, with
details holding amounts, times, unicode, nulls and nested values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from orderhub.bootstrap import Hub
from orderhub.services import audit
from tests.factories import T, seed_network


def test_review_speed_a_bulk_written_audit_chain_verifies(hub: Hub) -> None:
    seed_network(hub)
    at = datetime(2026, 12, 7, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    for rows in (3, 40):  # a multi-row INSERT, then COPY
        with hub.uow() as uow:
            for n in range(rows):
                audit.note(uow, T, at + timedelta(microseconds=n), "审计员", "stock_change",
                           f"stock/A/SH/{n}",
                           {"qty": n, "price": str(Decimal("1.50") + n), "none": None,
                            "flag": n % 2 == 0, "nested": {"k": ["a", "b", "\u00e9\t\\"]},
                            "when": (at + timedelta(hours=n)).astimezone(UTC).isoformat()})
            uow.commit()
    verdict = audit.verify_chain(hub.uow, T, key_dir=hub.settings.key_dir)
    assert verdict.ok, verdict
