"""Migration 0029 on an existing database: the price fingerprints of a database at 0028
are summed into `anomaly_price_summary` per hour and removed from `intake_fingerprints`
(identities stay), and the detector's price read afterwards returns, per SKU, channel and
price, the lines the old read of those fingerprints returned. Both databases."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, insert, select, text

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.engine import make_engine, normalise_url
from orderhub.adapters.db.migrate import upgrade
from orderhub.domain.anomaly.facts import PHONE, PRICE
from orderhub.domain.anomaly.features import price_start
from tests.conftest import IN_CI, PG_URL, _pg_available

NOW = datetime(2026, 3, 9, 10, 17, 5, tzinfo=UTC)
WINDOW = timedelta(days=7)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own (the shared fixtures are at head already)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is required under CI=true: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(PG_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    engine = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_0029_moves_price_fingerprints_into_the_summary(fresh_engine: Engine) -> None:
    upgrade(fresh_engine, "0028")
    rng = random.Random(3)
    rows: list[dict[str, Any]] = []
    for i in range(400):  # as 0028's intake wrote them: one row per SKU, channel, price
        at = NOW - timedelta(
            minutes=rng.randint(0, 9 * 24 * 60),
            seconds=rng.randint(0, 59),
            microseconds=rng.choice([0, 250]),
        )
        rows.append(
            {
                "tenant_id": rng.choice(["default", "other"]),
                "kind": PRICE,
                "key": rng.choice(["A", "B"]),
                "seen_at": at,
                "account": "",
                "channel": rng.choice(["tmall", "jd"]),
                "value": rng.choice([9.5, 10.0, 4.99]),
                "quantity": rng.randint(1, 4),
            }
        )
        rows.append(
            {
                "tenant_id": "default",
                "kind": PHONE,
                "key": f"b1.p{i}",
                "seen_at": at,
                "account": "a",
                "channel": "app",
                "value": 1.0,
                "quantity": 1,
            }
        )
    with fresh_engine.begin() as conn:
        conn.execute(insert(t.intake_fingerprints), rows)
    upgrade(fresh_engine, "head")

    p, f = t.anomaly_price_summary.c, t.intake_fingerprints.c
    with fresh_engine.connect() as conn:
        assert conn.execute(select(func.count()).where(f.kind == PRICE)).scalar_one() == 0
        assert conn.execute(select(func.count()).where(f.kind == PHONE)).scalar_one() == 400
        stored = conn.execute(
            select(p.tenant_id, p.sku, p.channel, p.price, p.bucket, p.lines)
        ).all()
    # Every line is kept, in the hour it was seen.
    want_hours: dict[tuple[str, str, str, float, datetime], int] = {}
    for r in rows:
        if r["kind"] == PRICE:
            k = (
                r["tenant_id"],
                r["key"],
                r["channel"],
                r["value"],
                r["seen_at"].replace(minute=0, second=0, microsecond=0),
            )
            want_hours[k] = want_hours.get(k, 0) + r["quantity"]
    assert {(a, b, c, d, e): n for a, b, c, d, e, n in stored} == want_hours

    # The detector's read after the migration returns what the old read gave (every price
    # row since the window's start, summed per SKU, channel and price).
    from orderhub.adapters.crypto.keyring import PiiCipher
    from orderhub.adapters.db.anomaly_repository import AnomalyRepository
    from orderhub.domain.anomaly.facts import Facts

    cut = price_start(NOW, WINDOW)
    want: dict[tuple[str, str, float], int] = {}
    for r in rows:
        if r["kind"] == PRICE and r["tenant_id"] == "default" and r["seen_at"] >= cut:
            k = (r["key"], r["channel"], r["value"])
            want[k] = want.get(k, 0) + r["quantity"]
    probe = Facts(
        "o", "app", NOW, "", "", "", "", 1.0, 1, 1, False, 2, (("A", 1.0), ("B", 1.0)), ""
    )
    with fresh_engine.connect() as conn:
        repo = AnomalyRepository(conn, PiiCipher.__new__(PiiCipher), None)
        got = {
            (s.key, s.channel, s.value): s.quantity
            for s in repo.recent("default", [probe], NOW, {PRICE: WINDOW})
        }
    assert got == want and want
