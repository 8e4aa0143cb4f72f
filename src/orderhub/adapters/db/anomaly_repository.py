"""Anomaly detection's state (`uow.anomaly`): intake fingerprints (identities, read once per
batch for every key of the batch, written in bulk, pruned past their windows), the hourly
price summary (read in the same statement, upserted once per batch), detections, a
tenant's settings, and the trained model in force.

Identity keys never reach the database in clear: `key_facts` replaces each order's phone,
address, account and basket with the tenant's keyed blind-index digest (`uow.pii.blind`;
for phones the very digest orders are indexed by).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import NullType

from orderhub.adapters.anomaly_model import ModelStore, SklearnScorer
from orderhub.adapters.crypto.keyring import PiiCipher, normalise_phone
from orderhub.adapters.db import tables as t
from orderhub.domain.anomaly.decision import Assessment
from orderhub.domain.anomaly.facts import (
    ACCOUNT,
    ADDRESS,
    BASKET,
    PHONE,
    PRICE,
    Facts,
    PriceBucket,
    Sighting,
    price_sums,
)
from orderhub.domain.anomaly.features import price_start
from orderhub.domain.anomaly.settings import AnomalySettings

_f = t.intake_fingerprints.c


def _utc(at: Any) -> datetime:
    """Moments are read raw (SQLite: naive UTC text; PostgreSQL: aware): as aware UTC."""
    when: datetime = datetime.fromisoformat(at) if isinstance(at, str) else at
    return when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _raw(expr: Any) -> Any:
    """A moment without the column type's per-row processing (`recent` converts each
    distinct value once)."""
    return type_coerce(expr, NullType())
_d = t.anomaly_detections.c
_COLUMNS = ("tenant_id", "kind", "key", "seen_at", "account", "channel", "value", "quantity")
_INSERTS: dict[str, tuple[str, tuple[str, ...] | None]] = {}  # by dialect name
_UNNEST = (
    f"INSERT INTO {t.intake_fingerprints.name} ({', '.join(_COLUMNS)}) "
    "SELECT %(tenant_id)s, kind, key, seen_at, account, channel, value, quantity "
    "FROM unnest(%(kind)s::varchar[], %(key)s::varchar[], %(seen_at)s::timestamptz[], "
    "%(account)s::varchar[], %(channel)s::varchar[], %(value)s::float8[], "
    "%(quantity)s::integer[]) AS r(kind, key, seen_at, account, channel, value, quantity)")
_UNNEST_ONE_MOMENT = (
    f"INSERT INTO {t.intake_fingerprints.name} ({', '.join(_COLUMNS)}) "
    "SELECT %(tenant_id)s, kind, key, %(seen_at)s::timestamptz, account, channel, value, "
    "quantity FROM unnest(%(kind)s::varchar[], %(key)s::varchar[], %(account)s::varchar[], "
    "%(channel)s::varchar[], %(value)s::float8[], %(quantity)s::integer[]) "
    "AS r(kind, key, account, channel, value, quantity)")
_s = t.anomaly_settings.c
_p = t.anomaly_price_summary.c
_PRICE_KEY = "tenant_id, sku, channel, price, bucket"
_PRICE_UPSERT_SQLITE = (
    f"INSERT INTO {t.anomaly_price_summary.name} ({_PRICE_KEY}, lines) "
    "VALUES (?, ?, ?, ?, ?, ?) "
    f"ON CONFLICT ({_PRICE_KEY}) DO UPDATE SET lines = lines + excluded.lines")
_PRICE_UPSERT_UNNEST = (
    f"INSERT INTO {t.anomaly_price_summary.name} AS s ({_PRICE_KEY}, lines) "
    "SELECT %(tenant_id)s, sku, channel, price, bucket, lines "
    "FROM unnest(%(sku)s::varchar[], %(channel)s::varchar[], %(price)s::float8[], "
    "%(bucket)s::timestamptz[], %(lines)s::integer[]) AS r(sku, channel, price, bucket, lines) "
    f"ON CONFLICT ({_PRICE_KEY}) DO UPDATE SET lines = s.lines + excluded.lines")


class AnomalyRepository:
    def __init__(self, conn: Connection, pii: PiiCipher, models: ModelStore | None) -> None:
        self.conn = conn
        self.pii = pii
        self.models = models
        # Price lines waiting for `flush` (the unit of work's, at commit): tenant -> key ->
        # lines. See `record`.
        self._prices: dict[str, dict[tuple[str, str, float, datetime], int]] = {}

    # ----- the model --------------------------------------------------------------------
    def scorer(self) -> SklearnScorer | None:
        return self.models.scorer() if self.models is not None else None

    # ----- settings ---------------------------------------------------------------------
    def settings(self, tenant_id: str) -> AnomalySettings:
        row = self.conn.execute(select(_s.doc, _s.version)
                                .where(_s.tenant_id == tenant_id)).first()
        if row is None:
            return AnomalySettings()
        return AnomalySettings.from_doc(dict(row.doc), row.version)

    def all_settings(self) -> list[AnomalySettings]:
        """Every tenant's stored settings (the prune job keeps the longest windows)."""
        return [AnomalySettings.from_doc(dict(r.doc), r.version)
                for r in self.conn.execute(select(_s.doc, _s.version))]

    def settings_meta(self, tenant_id: str) -> tuple[datetime, str] | None:
        row = self.conn.execute(select(_s.updated_at, _s.updated_by)
                                .where(_s.tenant_id == tenant_id)).first()
        return None if row is None else (row.updated_at, row.updated_by)

    def save_settings(self, tenant_id: str, doc: dict[str, Any], version: int,
                      actor: str, at: datetime) -> None:
        """Store the fields that differ from the defaults (the row is locked by the
        update; a first save races only with another first save: the key is unique)."""
        values = {"doc": doc, "version": version, "updated_at": at, "updated_by": actor}
        done = self.conn.execute(t.anomaly_settings.update()
                                 .where(_s.tenant_id == tenant_id).values(**values))
        if done.rowcount == 0:
            self.conn.execute(insert(t.anomaly_settings).values(tenant_id=tenant_id, **values))

    # ----- fingerprints -----------------------------------------------------------------
    def key_facts(self, tenant_id: str, facts: Sequence[Facts]) -> list[Facts]:
        """The facts with identity keys replaced by the tenant's blind-index digests (one
        keyed hash set up per kind and batch, each distinct value hashed once)."""
        wanted: dict[str, dict[str, None]] = {PHONE: {}, ADDRESS: {}, ACCOUNT: {}, BASKET: {}}
        for f in facts:
            for kind, value in f.identities():
                wanted[kind][value] = None
        keys: dict[tuple[str, str], str] = {}
        for kind, values in wanted.items():
            if not values:
                continue
            plain = list(values)
            if kind == PHONE:  # the very digest orders are indexed by (`blind_phone`)
                digests = self.pii.blind_many(tenant_id, "phone",
                                              [normalise_phone(v) or "" for v in plain])
            else:
                digests = self.pii.blind_many(tenant_id, f"anomaly_{kind}", plain)
            for value, digest in zip(plain, digests, strict=True):
                keys[(kind, value)] = digest or ""
        return [f.keyed(keys) for f in facts]

    def recent(self, tenant_id: str, facts: Sequence[Facts], now: datetime,
               windows: dict[str, timedelta]) -> list[Sighting]:
        """Every sighting of the batch's keys within its kind's window: one query."""
        wanted: dict[str, set[str]] = {PHONE: set(), ADDRESS: set(), ACCOUNT: set(),
                                       BASKET: set(), PRICE: set()}
        for f in facts:
            for kind, key in f.identities():
                wanted[kind].add(key)
            wanted[PRICE].update(sku for sku, _ in f.prices)
        # One statement: a UNION ALL of one indexed range per kind (an OR of them would
        # scan the tenant's rows). Accounts and prices are folded in the query (a busy
        # account is one row, a SKU one per channel and price, see Sighting); phones,
        # addresses and baskets come
        # one row per order (their accounts are counted), within their short windows.
        parts: list[Any] = []
        skus = wanted.pop(PRICE)
        if skus:
            # Prices from the summary: a row per SKU, channel and price, summed over the
            # window's hours (`price_start`: the window is whole hours, as the features
            # count it), so the read does not grow with the orders of the window.
            parts.append(select(
                literal(PRICE).label("kind"), _p.sku, _raw(func.max(_p.bucket)).label("at"),
                literal("").label("account"), _p.channel, _p.price,
                func.sum(_p.lines).label("quantity"), func.count().label("n"))
                .where(_p.tenant_id == tenant_id, self._in(_p.sku, sorted(skus)),
                       _p.bucket >= price_start(now, windows[PRICE]))
                .group_by(_p.sku, _p.channel, _p.price))
        for kind, keys in wanted.items():
            if not keys:
                continue
            where = and_(_f.tenant_id == tenant_id, _f.kind == kind,
                         self._in(_f.key, sorted(keys)), _f.seen_at >= now - windows[kind])
            if kind == ACCOUNT:
                parts.append(select(
                    _f.kind, _f.key, _raw(func.min(_f.seen_at)).label("at"),
                    func.min(_f.account).label("account"), literal("").label("channel"),
                    (func.sum(_f.value) / func.count()).label("value"),
                    func.max(_f.quantity).label("quantity"), func.count().label("n"))
                    .where(where).group_by(_f.kind, _f.key))
            else:
                parts.append(select(
                    _f.kind, _f.key, _raw(_f.seen_at).label("at"), _f.account, _f.channel,
                    _f.value, _f.quantity, literal(1).label("n")).where(where))
        if not parts:
            return []
        statement: Any = parts[0] if len(parts) == 1 else union_all(*parts)
        rows = self.conn.execute(statement).all()
        # Many rows share a moment (a batch's sightings are stored at its `now`): each
        # distinct one is read once.
        moments: dict[Any, datetime] = {}
        out: list[Sighting] = []
        for kind, key, at, account, channel, value, quantity, n in rows:
            when = moments.get(at)
            if when is None:
                when = moments[at] = _utc(at)
            out.append(Sighting(kind, key, when, account, channel, float(value),
                                int(quantity), int(n)))
        return out

    def _in(self, column: Any, keys: list[str]) -> Any:
        """`column IN (...)` for a few thousand keys as one parameter (a JSON array on SQLite,
        an array on PostgreSQL): an expanding IN renders one placeholder per key, on
        every batch, at a cost above the lookups'."""
        name = self.conn.dialect.name
        if name == "sqlite":
            listed: Any = select(literal_column("value")).select_from(
                func.json_each(bindparam(None, json.dumps(keys), type_=String)))
            return column.in_(listed)
        if name == "postgresql":
            return column == any_(bindparam(None, keys, type_=ARRAY(String)))
        return column.in_(keys)

    def record(self, tenant_id: str, rows: Sequence[Sighting]) -> int:
        """The batch's sightings: identities as fingerprints (one bulk insert, handed to
        the driver as plain tuples: thousands of rows a batch, and SQLAlchemy's per-row
        parameter handling cost more than the insert; each distinct moment converted once
        by the column's own type), prices added to the hourly price summary (one upsert,
        at `flush`). Returns the rows written (or, for prices, to be written).

        The summary's rows are shared by every batch selling the same SKUs in the same
        hour, and an upsert holds their row locks to the commit: written here, at the
        screening stage, they serialised concurrent batches for the whole of planning,
        reservation and the writes (issue 13 item 6, benchmarks/concurrent_batches.py).
        Written at the unit of work's flush, they are held only from there to the commit.
        Nothing in the transaction reads them after screening, and the batch's own prices
        were never part of its own screening read."""
        buckets = price_sums(rows)
        if buckets:
            pending = self._prices.setdefault(tenant_id, {})
            for k, lines in buckets.items():
                pending[k] = pending.get(k, 0) + lines
        folded = [s for s in rows if s.kind != PRICE]
        if not folded:
            return len(buckets)
        dialect = self.conn.dialect
        if dialect.name == "postgresql":
            self._insert_unnest(tenant_id, folded)
            return len(folded) + len(buckets)
        sql, order = self._insert_fingerprints()
        stamp = t.intake_fingerprints.c.seen_at.type.dialect_impl(dialect).bind_processor(dialect)
        moments: dict[datetime, Any] = {}
        params: list[Any] = []
        for s in folded:
            at = moments.get(s.at)
            if at is None:
                at = moments[s.at] = stamp(s.at) if stamp is not None else s.at
            row = (tenant_id, s.kind, s.key[:80], at, s.account, s.channel, float(s.value),
                   int(s.quantity))  # in _COLUMNS order
            if order == _COLUMNS:
                params.append(row)
            else:  # named parameters (psycopg), or positions in another order
                named = dict(zip(_COLUMNS, row, strict=True))
                params.append(named if order is None else tuple(named[c] for c in order))
        self.conn.exec_driver_sql(sql, params)
        return len(folded) + len(buckets)

    def flush(self) -> int:
        """Write the price lines `record` buffered (tenants and keys in a fixed order, so
        two flushes lock shared summary rows in the same order); returns the rows
        upserted. The unit of work calls it when it flushes or commits; a rollback drops
        the buffer with the repository."""
        pending, self._prices = self._prices, {}
        count = 0
        for tenant_id in sorted(pending):
            buckets = [PriceBucket(sku, channel, price, hour, lines)
                       for (sku, channel, price, hour), lines in sorted(pending[tenant_id].items())]
            self._add_prices(tenant_id, buckets)
            count += len(buckets)
        return count

    def _add_prices(self, tenant_id: str, buckets: Sequence[PriceBucket]) -> None:
        """Add a batch's price lines to the summary, in the caller's transaction: one
        `INSERT ... ON CONFLICT DO UPDATE` (SQLite: executemany of plain tuples;
        PostgreSQL: one statement over column arrays). The buckets come in key order, so
        two batches upserting the same SKUs lock their rows in the same order."""
        dialect = self.conn.dialect
        if dialect.name == "postgresql":
            self.conn.exec_driver_sql(_PRICE_UPSERT_UNNEST, {
                "tenant_id": tenant_id, "sku": [b.sku[:80] for b in buckets],
                "channel": [b.channel for b in buckets],
                "price": [b.price for b in buckets],
                "bucket": [b.hour for b in buckets],
                "lines": [b.lines for b in buckets]})
            return
        if dialect.name != "sqlite":
            raise NotImplementedError(f"price summary upsert on {dialect.name}")
        stamp = _p.bucket.type.dialect_impl(dialect).bind_processor(dialect)
        hours: dict[datetime, Any] = {}
        params: list[tuple[Any, ...]] = []
        for b in buckets:
            hour = hours.get(b.hour)
            if hour is None:
                hour = hours[b.hour] = stamp(b.hour) if stamp is not None else b.hour
            params.append((tenant_id, b.sku[:80], b.channel, b.price, hour, b.lines))
        self.conn.exec_driver_sql(_PRICE_UPSERT_SQLITE, params)

    def _insert_unnest(self, tenant_id: str, rows: Sequence[Sighting]) -> None:
        """PostgreSQL: the batch as one statement over column arrays (`unnest`), one round
        trip and no per-row parameter binding; the tenant, and the moment when the rows
        share one (a batch's do), sent once."""
        moments = {s.at for s in rows}
        one = len(moments) == 1
        self.conn.exec_driver_sql(_UNNEST_ONE_MOMENT if one else _UNNEST, {
            "tenant_id": tenant_id, "kind": [s.kind for s in rows],
            "key": [s.key[:80] for s in rows],
            "seen_at": next(iter(moments)) if one else [s.at for s in rows],
            "account": [s.account for s in rows], "channel": [s.channel for s in rows],
            "value": [float(s.value) for s in rows],
            "quantity": [int(s.quantity) for s in rows]})

    def _insert_fingerprints(self) -> tuple[str, tuple[str, ...] | None]:
        """The dialect's INSERT for a fingerprint row and, for positional drivers, the
        order of its parameters (compiled once per dialect)."""
        dialect = self.conn.dialect
        hit = _INSERTS.get(dialect.name)
        if hit is None:
            compiled = insert(t.intake_fingerprints).compile(dialect=dialect,
                                                              column_keys=list(_COLUMNS))
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            hit = _INSERTS[dialect.name] = (compiled.string, order)
        return hit

    def prune(self, now: datetime, windows: dict[str, timedelta]) -> int:
        """Delete sightings older than their kind's window (every tenant), and price
        summary hours wholly before the price window."""
        done = self.conn.execute(delete(t.anomaly_price_summary).where(
            _p.bucket < price_start(now, windows[PRICE])))
        removed = done.rowcount or 0
        for kind, window in windows.items():
            done = self.conn.execute(delete(t.intake_fingerprints).where(
                _f.kind == kind, _f.seen_at < now - window))
            removed += done.rowcount or 0
        return removed

    def fingerprint_count(self, tenant_id: str) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.intake_fingerprints)
                                     .where(_f.tenant_id == tenant_id)).scalar_one())

    # ----- detections -------------------------------------------------------------------
    def record_detections(self, tenant_id: str, found: Sequence[Assessment],
                          now: datetime) -> None:
        if not found:
            return
        self.conn.execute(insert(t.anomaly_detections), [
            {"tenant_id": tenant_id, "order_id": a.facts.order_id, "detected_at": now,
             "action": a.action.value, "score": a.score, "codes": a.codes,
             "reasons": [r.as_dict() for r in a.reasons], "model_version": a.model_version}
            for a in found])

    def detections(self, tenant_id: str, *, since: datetime | None = None,
                   action: str | None = None, code: str | None = None,
                   order_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        q = select(_d.id, _d.order_id, _d.detected_at, _d.action, _d.score, _d.codes,
                   _d.reasons, _d.model_version).where(_d.tenant_id == tenant_id)
        if since is not None:
            q = q.where(_d.detected_at >= since)
        if action:
            q = q.where(_d.action == action)
        if order_id:
            q = q.where(_d.order_id == order_id)
        # A code filter is applied after reading (JSON arrays differ by backend): read more.
        q = q.order_by(_d.detected_at.desc(), _d.id.desc()).limit(
            limit * 5 if code else limit)
        out = [{"id": r.id, "order_id": r.order_id, "detected_at": r.detected_at,
                "action": r.action, "score": r.score, "codes": list(r.codes),
                "reasons": list(r.reasons), "model_version": r.model_version}
               for r in self.conn.execute(q)]
        if code:
            out = [d for d in out if code in d["codes"]][:limit]
        return out
