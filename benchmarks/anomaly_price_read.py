"""The price-conflict read, old layout vs the price summary (issue 13), on the same data in
one process: batches of 1,000 price lines (skewed SKUs, six net prices each, five channels)
within one hour are written both as 0028's price fingerprints (one row per SKU, channel,
price and batch) and into `anomaly_price_summary` (one row per SKU, channel, price and
hour); after 1, 10, 40, 100 and 200 batches the SQL of each read of a new batch's SKUs is
timed (rows fetched, not decoded; best of 3) and the two answers are checked equal.

    .venv/bin/python benchmarks/anomaly_price_read.py [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, insert, literal, select, text

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.anomaly_repository import AnomalyRepository, _raw
from orderhub.adapters.db.engine import make_engine, normalise_url
from orderhub.adapters.db.migrate import upgrade
from orderhub.domain.anomaly.facts import PRICE, Facts, Sighting, price_buckets
from orderhub.domain.anomaly.features import price_start

PG_URL = os.environ.get("ORDERHUB_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
WINDOW = timedelta(days=7)
START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
SKUS = [f"SKU{i:04d}" for i in range(2000)]
CHANNELS = ["tmall", "jd", "pdd", "douyin", "app"]
f = t.intake_fingerprints.c
p = t.anomaly_price_summary.c


def old_read(repo: AnomalyRepository, keys: list[str], now: datetime) -> list[Any]:
    """0028's price part of the detector's read: every price fingerprint in the window."""
    q = (
        select(
            f.kind,
            f.key,
            _raw(func.max(f.seen_at)),
            literal(""),
            f.channel,
            f.value,
            func.sum(f.quantity),
            func.count(),
        )
        .where(
            f.tenant_id == "default",
            f.kind == PRICE,
            repo._in(f.key, keys),
            f.seen_at >= now - WINDOW,
        )
        .group_by(f.kind, f.key, f.channel, f.value)
    )
    return list(repo.conn.execute(q).all())


def new_read(repo: AnomalyRepository, keys: list[str], now: datetime) -> list[Any]:
    """The same part now (`AnomalyRepository.recent`'s price select)."""
    q = (
        select(
            literal(PRICE),
            p.sku,
            _raw(func.max(p.bucket)),
            literal(""),
            p.channel,
            p.price,
            func.sum(p.lines),
            func.count(),
        )
        .where(
            p.tenant_id == "default", repo._in(p.sku, keys), p.bucket >= price_start(now, WINDOW)
        )
        .group_by(p.sku, p.channel, p.price)
    )
    return list(repo.conn.execute(q).all())


def _write_batch(
    conn: Connection,
    repo: AnomalyRepository,
    rng: random.Random,
    prices: dict[str, list[float]],
    i: int,
) -> None:
    at = START + timedelta(seconds=i * 5)
    rows = []
    for _ in range(1000):
        sku = SKUS[int(len(SKUS) * rng.random() ** 3)]
        rows.append(Sighting(PRICE, sku, at, "", rng.choice(CHANNELS), rng.choice(prices[sku]), 1))
    folded: dict[tuple[str, str, float], int] = {}
    for r in rows:
        folded[(r.key, r.channel, r.value)] = folded.get((r.key, r.channel, r.value), 0) + 1
    conn.execute(
        insert(t.intake_fingerprints),
        [
            {
                "tenant_id": "default",
                "kind": PRICE,
                "key": k,
                "seen_at": at,
                "account": "",
                "channel": ch,
                "value": v,
                "quantity": q,
            }
            for (k, ch, v), q in folded.items()
        ],
    )
    repo._add_prices("default", price_buckets(rows))


def run(backend: str, url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(1)
    prices = {s: [round(rng.uniform(5, 500), 2) for _ in range(6)] for s in SKUS}
    print(f"\n{backend}: ms wall of the read's SQL, best of 3")
    print(
        f"{'batches':>8} {'old: price rows':>16} {'old read':>9} {'summary rows':>13} "
        f"{'new read':>9} {'rows out':>9}"
    )
    with engine.connect() as conn:
        repo = AnomalyRepository(conn, None, None)  # type: ignore[arg-type]
        written = 0
        for target in (1, 10, 40, 100, 200):
            while written < target:
                _write_batch(conn, repo, rng, prices, written)
                written += 1
            conn.commit()
            if backend == "postgres":
                conn.exec_driver_sql("ANALYZE")
            now = START + timedelta(seconds=written * 5)
            keys = sorted({SKUS[int(len(SKUS) * rng.random() ** 3)] for _ in range(1000)})
            best_old = best_new = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                old = old_read(repo, keys, now)
                best_old = min(best_old, time.perf_counter() - t0)
                t0 = time.perf_counter()
                new_read(repo, keys, now)
                best_new = min(best_new, time.perf_counter() - t0)
            probe = Facts(
                "o",
                "web",
                now,
                "",
                "",
                "",
                "",
                1.0,
                1,
                1,
                False,
                len(keys),
                tuple((k, 1.0) for k in keys),
                "",
            )
            got = repo.recent("default", [probe], now, {PRICE: WINDOW})
            assert sorted((r[1], r[4], r[5], r[6]) for r in old) == sorted(
                (s.key, s.channel, s.value, s.quantity) for s in got
            )
            fps = conn.execute(select(func.count()).where(f.kind == PRICE)).scalar_one()
            summary = conn.execute(
                select(func.count()).select_from(t.anomaly_price_summary)
            ).scalar_one()
            print(
                f"{written:>8} {fps:>16,} {best_old * 1e3:>9.1f} {summary:>13,} "
                f"{best_new * 1e3:>9.1f} {len(got):>9,}"
            )
    engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args(argv)
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as d:
                run(backend, f"sqlite:///{Path(d) / 'read.db'}")
            continue
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(normalise_url(PG_URL))
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            sep = "&" if "?" in PG_URL else "?"
            run(backend, f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
        finally:
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
