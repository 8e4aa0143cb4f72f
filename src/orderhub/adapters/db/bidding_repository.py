"""3PL bidding's rows (`uow.bidding`): providers with their signing secrets (encrypted by
the unit of work's cipher, like webhook secrets), the tenant's bidding policy, offers and
every bid received. Closing an offer is one conditional update (`status = 'open'`), so of
two processes closing the same offer exactly one decides it; a bid is taken only by an
update of its open offer's row, which orders it before or after the close."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from orderhub.adapters.crypto.keyring import PiiCipher
from orderhub.adapters.db import tables as t
from orderhub.domain.bidding import OPEN, Award, Bid, Offer, Provider, award_doc
from orderhub.domain.errors import Conflict

_p = t.bid_providers.c
_o = t.bid_offers.c
_b = t.bids.c


def _secret_field(code: str) -> str:
    return f"bid_providers.secret/{code}"


def _provider(m: Any) -> Provider:
    return Provider(m["code"], m["name"], m["kind"], frozenset(m["sites"] or ()),
                    m["endpoint"] or "", bool(m["active"]))


def _offer(m: Any) -> Offer:
    ref = m["reference"] or {}
    cost = ref.get("cost")
    return Offer(m["offer_id"], m["tenant_id"], m["order_id"], m["site"], m["currency"],
                 m["opened_at"], m["closes_at"], tuple(m["providers"] or ()), m["status"],
                 Decimal(cost) if cost else None, ref.get("promise") or "")


def _money(value: Any) -> str | None:
    """A stored price as written (prices have at most 2 decimals; NUMERIC pads to 6)."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _bid(m: Any) -> Bid:
    price = _money(m["price"])
    return Bid(m["offer_id"], m["provider"], m["received_at"], m["status"],
               Decimal(price) if price is not None else None, m["promised_by"],
               m["problem"] or "")


class BiddingRepository:
    def __init__(self, conn: Connection, pii: PiiCipher) -> None:
        self.conn = conn
        self.pii = pii

    # ----- providers ---------------------------------------------------------------------
    def providers(self, tenant_id: str) -> list[Provider]:
        rows = self.conn.execute(select(t.bid_providers).where(
            _p.tenant_id == tenant_id).order_by(_p.code)).mappings()
        return [_provider(m) for m in rows]

    def provider(self, tenant_id: str, code: str) -> Provider | None:
        m = self.conn.execute(select(t.bid_providers).where(
            _p.tenant_id == tenant_id, _p.code == code)).mappings().first()
        return _provider(m) if m is not None else None

    def secret(self, tenant_id: str, code: str) -> str | None:
        stored = self.conn.execute(select(_p.secret).where(
            _p.tenant_id == tenant_id, _p.code == code,
            _p.active.is_(True))).scalar_one_or_none()
        if stored is None:
            return None
        return self.pii.decrypt_text(tenant_id, _secret_field(code), stored)

    def save_provider(self, tenant_id: str, p: Provider, secret: str | None,
                      now: datetime) -> bool:
        """Add or update a provider (its secret too, when given); whether it existed."""
        values: dict[str, Any] = {"name": p.name, "kind": p.kind, "sites": sorted(p.sites),
                                  "endpoint": p.endpoint, "active": p.active,
                                  "updated_at": now}
        if secret is not None:
            values["secret"] = self.pii.encrypt_text(tenant_id, _secret_field(p.code), secret)
        done = self.conn.execute(update(t.bid_providers).where(
            _p.tenant_id == tenant_id, _p.code == p.code).values(**values))
        if done.rowcount:
            return True
        assert secret is not None, "a new provider needs its secret"
        self.conn.execute(t.bid_providers.insert().values(
            tenant_id=tenant_id, code=p.code, created_at=now, **values))
        return False

    def reencrypt_secrets(self, tenant_id: str) -> int:
        """Secrets not under the tenant's newest data key, rewritten under it."""
        version = self.pii.current_version(tenant_id)
        rows = self.conn.execute(select(_p.code, _p.secret).where(
            _p.tenant_id == tenant_id,
            ~_p.secret.startswith(f"p1.{version}.", autoescape=True))).all()
        for code, stored in rows:
            field = _secret_field(code)
            clear = self.pii.decrypt_text(tenant_id, field, stored)
            self.conn.execute(update(t.bid_providers).where(
                _p.tenant_id == tenant_id, _p.code == code).values(
                secret=self.pii.encrypt_text(tenant_id, field, clear)))
        return len(rows)

    # ----- the policy ------------------------------------------------------------------------
    def policy(self, tenant_id: str) -> tuple[dict[str, Any], int] | None:
        row = self.conn.execute(select(t.bid_policies.c.doc, t.bid_policies.c.version).where(
            t.bid_policies.c.tenant_id == tenant_id)).first()
        return (dict(row[0]), int(row[1])) if row is not None else None

    def save_policy(self, tenant_id: str, doc: dict[str, Any], now: datetime,
                    actor: str) -> int:
        """Store the policy as its next version; returns the version."""
        current = self.policy(tenant_id)
        version = (current[1] + 1) if current else 1
        values = {"doc": doc, "version": version, "updated_at": now, "updated_by": actor}
        if current:
            self.conn.execute(update(t.bid_policies).where(
                t.bid_policies.c.tenant_id == tenant_id).values(**values))
        else:
            self.conn.execute(t.bid_policies.insert().values(tenant_id=tenant_id, **values))
        return version

    # ----- offers ----------------------------------------------------------------------------
    def add_offers(self, offers: Sequence[Offer]) -> None:
        if not offers:
            return
        self.conn.execute(t.bid_offers.insert(), [
            {"offer_id": o.id, "tenant_id": o.tenant_id, "order_id": o.order_id,
             "site": o.site, "currency": o.currency, "status": o.status,
             "opened_at": o.opened_at, "closes_at": o.closes_at,
             "providers": list(o.providers),
             "reference": {"cost": str(o.reference_cost) if o.reference_cost is not None
                           else None, "promise": o.reference_promise},
             "received": 0, "invited": len(o.providers)} for o in offers])

    def offer(self, offer_id: str, tenant_id: str | None = None) -> Offer | None:
        q = select(t.bid_offers).where(_o.offer_id == offer_id)
        if tenant_id is not None:
            q = q.where(_o.tenant_id == tenant_id)
        m = self.conn.execute(q).mappings().first()
        return _offer(m) if m is not None else None

    def unrequested(self, limit: int) -> list[Offer]:
        """Open offers whose bid requests were not sent yet, oldest first."""
        rows = self.conn.execute(select(t.bid_offers).where(
            _o.status == OPEN, _o.requested_at.is_(None)).order_by(
            _o.opened_at).limit(limit)).mappings()
        return [_offer(m) for m in rows]

    def mark_requested(self, offer_ids: Sequence[str], now: datetime) -> set[str]:
        """Mark the offers' requests sent; returns those this call marked (another
        process's job may have marked some first: it sends those)."""
        if not offer_ids:
            return set()
        return set(self.conn.execute(update(t.bid_offers).where(
            _o.offer_id.in_(list(offer_ids)), _o.requested_at.is_(None)).values(
            requested_at=now).returning(_o.offer_id)).scalars())

    def due(self, now: datetime, limit: int) -> list[Offer]:
        """Open offers whose window ended, or that every invited provider has bid on."""
        rows = self.conn.execute(select(t.bid_offers).where(
            _o.status == OPEN, or_(_o.closes_at <= now, and_(
                _o.received > 0, _o.received >= _o.invited))).order_by(
            _o.closes_at).limit(limit)).mappings()
        return [_offer(m) for m in rows]

    def seen(self, tenant_id: str, provider: str, message_id: str) -> bool:
        """Whether the provider's signed message `message_id` was already taken."""
        return self.conn.execute(select(_b.id).where(
            _b.tenant_id == tenant_id, _b.provider == provider,
            _b.message_id == message_id).limit(1)).first() is not None

    def take_bid(self, bid: Bid, tenant_id: str, message_id: str | None = None) -> bool:
        """Store a bid; an accepted one only while its offer is still open (its row updated
        first: a close that ran before makes it late). Returns whether it stayed accepted."""
        taken = True
        if bid.status == "accepted":
            again = self.conn.execute(select(_b.id).where(
                _b.offer_id == bid.offer_id, _b.provider == bid.provider,
                _b.status == "accepted").limit(1)).first() is not None
            done = self.conn.execute(update(t.bid_offers).where(
                _o.offer_id == bid.offer_id, _o.status == OPEN,
                _o.closes_at >= bid.received_at).values(
                received=_o.received + (0 if again else 1)))
            taken = bool(done.rowcount)
        status = bid.status if taken else "late"
        try:  # a savepoint: a concurrent copy of the message is a Conflict, not a 5xx
            with self.conn.begin_nested():
                self.conn.execute(t.bids.insert().values(
                    tenant_id=tenant_id, offer_id=bid.offer_id, provider=bid.provider,
                    received_at=bid.received_at, status=status, price=bid.price,
                    promised_by=bid.promised_by, problem=bid.problem,
                    message_id=message_id))
        except IntegrityError:
            raise Conflict(f"message '{message_id}' was already received") from None
        return taken and bid.status == "accepted"

    def bids(self, offer_id: str) -> list[Bid]:
        rows = self.conn.execute(select(t.bids).where(_b.offer_id == offer_id).order_by(
            _b.id)).mappings()
        return [_bid(m) for m in rows]

    def claim(self, offer_id: str, award: Award, now: datetime) -> bool:
        """Decide the offer if it is still open (one conditional update); False if another
        process decided it first."""
        w = award.winner
        done = self.conn.execute(update(t.bid_offers).where(
            _o.offer_id == offer_id, _o.status == OPEN).values(
            status=award.status, decided_at=now, winner=w.provider if w else None,
            price=w.price if w else None, promised_by=w.promised_by if w else None,
            decision=award_doc(award)))
        return bool(done.rowcount)

    def lock_open(self, offer_id: str) -> bool:
        """Take the offer's row (a no-op update) while it is open: bids arriving from now
        wait for this transaction; False if it is no longer open."""
        done = self.conn.execute(update(t.bid_offers).where(
            _o.offer_id == offer_id, _o.status == OPEN).values(received=_o.received))
        return bool(done.rowcount)

    def open_until(self, tenant_id: str, order_id: str) -> datetime | None:
        """When the order's open offer closes (None: no offer open)."""
        return self.conn.execute(select(_o.closes_at).where(
            _o.tenant_id == tenant_id, _o.order_id == order_id,
            _o.status == OPEN)).scalar_one_or_none()

    def open_orders(self, tenant_id: str, order_ids: Sequence[str]) -> set[str]:
        """Which of these orders have an open offer (one query)."""
        if not order_ids:
            return set()
        return set(self.conn.execute(select(_o.order_id).where(
            _o.tenant_id == tenant_id, _o.status == OPEN,
            _o.order_id.in_(list(order_ids)))).scalars())

    # ----- reads --------------------------------------------------------------------------
    def offers_of_order(self, tenant_id: str, order_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(t.bid_offers).where(
            _o.tenant_id == tenant_id, _o.order_id == order_id).order_by(
            _o.opened_at)).mappings()
        return [self._offer_view(m) for m in rows]

    def list_offers(self, tenant_id: str, status: str | None,
                    limit: int) -> list[dict[str, Any]]:
        q = select(t.bid_offers).where(_o.tenant_id == tenant_id)
        if status:
            q = q.where(_o.status == status)
        rows = self.conn.execute(q.order_by(_o.opened_at.desc()).limit(limit)).mappings()
        return [self._offer_view(m) for m in rows]

    def _offer_view(self, m: Any) -> dict[str, Any]:
        bids = self.conn.execute(select(t.bids).where(_b.offer_id == m["offer_id"]).order_by(
            _b.id)).mappings()
        return {"offer_id": m["offer_id"], "order_id": m["order_id"], "site": m["site"],
                "currency": m["currency"], "status": m["status"],
                "opened_at": m["opened_at"], "closes_at": m["closes_at"],
                "providers": list(m["providers"] or ()), "reference": m["reference"] or {},
                "decided_at": m["decided_at"], "winner": m["winner"],
                "price": _money(m["price"]),
                "promised_by": m["promised_by"], "decision": m["decision"] or {},
                "bids": [{"provider": b["provider"], "received_at": b["received_at"],
                          "status": b["status"],
                          "price": _money(b["price"]),
                          "promised_by": b["promised_by"], "problem": b["problem"] or ""}
                         for b in bids]}

