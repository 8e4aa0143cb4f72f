"""Offers, bids and awards.

  offer_planned   intake, in its transaction: the new orders the policy selects, reserved
                  at one site, get an offer (BidRequested); the others cost one read a batch
  dispatch        the `bid-auctions` job: signed bid requests to the invited providers
                  (Standard Webhooks signatures under each provider's secret)
  verify / submit the bid API: a provider's bid, signed with its secret; accepted while the
                  offer is open, else late; malformed bids are kept as such, logged, ignored
  close_due       the `bid-auctions` job: offers whose window ended (or every invited
                  provider bid) decided, each in its own transaction: the offer's row is
                  taken first, so of two processes one decides (BidAwarded / BidFellBack)

Late or missing bids leave the order as routing planned it; nothing waits on a provider.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from orderhub.adapters.webhooks import signing
from orderhub.domain import bidding as bd
from orderhub.domain.allocation import AllocationOutcome
from orderhub.domain.errors import Conflict, NotFound
from orderhub.domain.events import BidAwarded, BidFellBack, BidRequested
from orderhub.domain.ids import new_id
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order
from orderhub.domain.rules.facts import RouteOrder
from orderhub.services import audit
from orderhub.services.bidding.providers import policy_in_force
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)

CURRENCY = "CNY"  # routing's costs and the providers' prices
CLOSE_BATCH = 200
MAX_BID_BYTES = 4096
MOVED = "the order was re-planned at another site"


class BidSignatureError(Exception):
    """The bid is not signed with the provider's secret (or the provider is unknown or
    inactive): refused with 401, stored nowhere."""


@dataclass(frozen=True, slots=True)
class BidRequest:
    """One signed request to one provider: POST `body` with `headers` to `endpoint`."""

    tenant_id: str
    provider: str
    endpoint: str
    offer_id: str
    body: bytes
    headers: dict[str, str]


class BidRequestSender(Protocol):
    def send(self, requests: Sequence[BidRequest]) -> None: ...


@dataclass(slots=True)
class CloseResult:
    awarded: list[str] = field(default_factory=list)
    fell_back: list[str] = field(default_factory=list)
    skipped: int = 0  # decided by another process first


# ----- intake ------------------------------------------------------------------------------

def offer_planned(uow: UnitOfWork, tenant_id: str, now: datetime, actor: str,
                  planned: Sequence[tuple[Order, AllocationOutcome]],
                  view: Callable[[Order], RouteOrder], explanations: Mapping[str, Any],
                  new: frozenset[str]) -> int:
    """Offer the orders reserved in this batch for the first time that the tenant's policy
    selects and that ship from one site; returns how many were offered."""
    if not planned:
        return 0
    policy = policy_in_force(uow, tenant_id)
    if policy is None:
        return 0
    chosen = [(o, out) for o, out in planned if o.id in new and policy.selects(view(o))]
    if not chosen:
        return 0
    providers = uow.bidding.providers(tenant_id)
    offers = []
    for o, out in chosen:
        sites = {p.warehouse for p in out.picks}
        if len(sites) != 1:
            continue  # a split order stays with routing: one offer, one site
        plan = (explanations.get(o.id) or {}).get("chosen") or {}
        cost = _amount(plan.get("total"))
        offer = bd.open_offer(new_id("bof"), tenant_id, o.id, sites.pop(), CURRENCY,
                              providers, policy, now, reference_cost=cost,
                              reference_promise=str(plan.get("promised") or
                                                    (out.promised or "")))
        offers.append(offer)
        uow.record(BidRequested(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                offer_id=offer.id, order=o.id, site=offer.site,
                                providers=list(offer.providers),
                                closes_at=offer.closes_at.isoformat()))
        uow.audit.add(tenant_id, [audit.Record(now, actor, "bid_decision", o.id, {
            "offer": offer.id, "opened": True, "site": offer.site,
            "providers": list(offer.providers), "window_seconds": policy.window_seconds})])
    uow.bidding.add_offers(offers)
    return len(offers)


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None


def ensure_decided(uow: UnitOfWork, tenant_id: str, order_id: str) -> None:
    """Conflict while the order's offer is open: it waits for the award or the fallback
    before it is released to a warehouse."""
    closes = uow.bidding.open_until(tenant_id, order_id)
    if closes is not None:
        raise Conflict(f"order {order_id} is awaiting its bid award (the offer closes at "
                       f"{closes:%H:%M:%S} UTC)")


# ----- bid requests -------------------------------------------------------------------------

def request_body(offer: bd.Offer) -> bytes:
    return json.dumps({"offer_id": offer.id, "order_id": offer.order_id, "site": offer.site,
                       "currency": offer.currency, "opened_at": offer.opened_at.isoformat(),
                       "closes_at": offer.closes_at.isoformat(),
                       "reference_promise": offer.reference_promise,
                       "bid_url": f"/v1/bids/{offer.id}"}, separators=(",", ":")).encode()


def dispatch(make_uow: UowFactory, sender: BidRequestSender | None, now: datetime,
             limit: int = CLOSE_BATCH) -> int:
    """Send the signed bid requests of new offers; returns how many offers were sent."""
    with make_uow() as uow:
        offers = uow.bidding.unrequested(limit)
        if not offers:
            return 0
        mine = uow.bidding.mark_requested([o.id for o in offers], now)  # once across jobs
        requests: list[BidRequest] = []
        secrets: dict[tuple[str, str], tuple[str, str] | None] = {}
        for offer in (o for o in offers if o.id in mine):
            body = request_body(offer)
            for code in offer.providers:
                key = (offer.tenant_id, code)
                if key not in secrets:
                    p = uow.bidding.provider(offer.tenant_id, code)
                    s = uow.bidding.secret(offer.tenant_id, code)
                    secrets[key] = (p.endpoint, s) if p is not None and s else None
                found = secrets[key]
                if found is None:
                    continue
                headers = signing.signature_headers(found[1], offer.id, int(now.timestamp()),
                                                    body)
                requests.append(BidRequest(offer.tenant_id, code, found[0], offer.id, body,
                                           headers))
        uow.commit()
    if sender is not None and requests:
        sender.send(requests)
    return len(mine)


# ----- bids ------------------------------------------------------------------------------------

def verify(make_uow: UowFactory, tenant_id: str, provider: str, headers: Mapping[str, str],
           body: bytes, now: datetime) -> str:
    """The provider, if `body` is signed with its secret (Standard Webhooks headers,
    timestamp within 5 minutes); otherwise BidSignatureError."""
    if len(body) > MAX_BID_BYTES:
        raise BidSignatureError("body too large")
    if len({k.lower(): v for k, v in headers.items()}.get(signing.HEADER_ID, "")) > 100:
        raise BidSignatureError("webhook-id longer than 100 characters")
    with make_uow() as uow:
        secret = uow.bidding.secret(tenant_id, provider) if tenant_id and provider else None
    if not secret:
        raise BidSignatureError("unknown or inactive provider")
    try:
        signing.verify(secret, headers, body, now=now)
    except signing.WebhookVerificationError as exc:
        raise BidSignatureError(str(exc)) from None
    return provider


def submit(make_uow: UowFactory, tenant_id: str, provider: str, offer_id: str, body: bytes,
           now: datetime, *, message_id: str | None = None) -> dict[str, Any]:
    """Take a verified provider's bid. Malformed or late bids are stored as such, logged
    and audited, and ignored by the award; the answer says which (never an error once
    the signature verified, but an unknown offer is NotFound and a signed message already
    taken, `message_id` being its webhook-id, is a Conflict: a replay, to this offer or
    another, neither counts again nor overrides the provider's later bid)."""
    try:
        doc: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nesting: malformed, no 5xx
        doc = None
    with make_uow() as uow:
        offer = uow.bidding.offer(offer_id, tenant_id)
        if offer is None:
            raise NotFound(f"no offer '{offer_id}'")
        if message_id and uow.bidding.seen(tenant_id, provider, message_id):
            raise Conflict(f"message '{message_id}' was already received: a bid is sent "
                           "once, with a new webhook-id each time")
        bid = (bd.read_bid(doc, offer, provider, now) if doc is not None else
               bd.Bid(offer.id, provider, now, bd.MALFORMED, problem="body: not JSON"))
        kept = uow.bidding.take_bid(bid, tenant_id, message_id)
        status = bid.status if bid.status != bd.ACCEPTED or kept else bd.LATE
        uow.audit.add(tenant_id, [audit.Record(now, f"provider:{provider}", "bid_decision",
                                               offer.order_id, {
            "offer": offer.id, "provider": provider, "bid": status,
            "price": str(bid.price) if bid.price is not None else None,
            "promised_by": bid.promised_by.isoformat() if bid.promised_by else None,
            "problem": bid.problem})])
        uow.commit()
    if status != bd.ACCEPTED:
        log.warning("bid of provider %s for offer %s ignored: %s", provider, offer_id,
                    bid.problem or "after the window")
    return {"offer_id": offer_id, "provider": provider, "status": status,
            "problem": bid.problem, "closes_at": offer.closes_at.isoformat()}


# ----- closing ----------------------------------------------------------------------------------

def close_due(make_uow: UowFactory, now: datetime, limit: int = CLOSE_BATCH) -> CloseResult:
    """Decide every offer that is due, each in its own transaction."""
    result = CloseResult()
    with make_uow() as uow:
        due = uow.bidding.due(now, limit)
    for offer in due:
        outcome = close_one(make_uow, offer.id, now)
        if outcome == bd.AWARDED:
            result.awarded.append(offer.id)
        elif outcome == bd.FELL_BACK:
            result.fell_back.append(offer.id)
        else:
            result.skipped += 1
    return result


def close_one(make_uow: UowFactory, offer_id: str, now: datetime) -> str | None:
    """Decide one offer; None if it was already decided (by another process)."""
    with make_uow() as uow:
        if not uow.bidding.lock_open(offer_id):
            return None
        offer = uow.bidding.offer(offer_id)
        assert offer is not None
        policy = policy_in_force(uow, offer.tenant_id)
        weight = policy.cost_weight if policy is not None else bd.DEFAULT_COST_WEIGHT
        bids = uow.bidding.bids(offer_id)
        award = bd.decide(offer, bids, weight)
        order = uow.orders.get(offer.tenant_id, offer.order_id, lock=True)  # vs cancel/edit
        if order.status != OrderStatus.ALLOCATED:  # cancelled, held or edited meanwhile
            award = replace(award, winner=None, ranked=(),
                            reason=f"the order is {order.status.value}, no longer allocated")
        elif {r.warehouse for r in order.active_reservations()} != {offer.site}:
            award = replace(award, winner=None, ranked=(),
                            reason=MOVED)  # re-planned elsewhere: the bids were for the site
        if not uow.bidding.claim(offer_id, award, now):
            return None
        actor = "bidding"
        w = award.winner
        if w is not None:
            uow.record(BidAwarded(tenant_id=offer.tenant_id, occurred_at=now, actor=actor,
                                  offer_id=offer.id, order=offer.order_id,
                                  provider=w.provider, price=str(w.price),
                                  currency=offer.currency,
                                  promised_by=w.promised_by.isoformat(), score=str(w.score),
                                  bids=len(award.ranked)))
        else:
            uow.record(BidFellBack(tenant_id=offer.tenant_id, occurred_at=now, actor=actor,
                                   offer_id=offer.id, order=offer.order_id,
                                   reason=award.reason, late=list(award.late),
                                   malformed=list(award.malformed),
                                   missing=list(award.missing)))
        uow.audit.add(offer.tenant_id, [audit.Record(now, actor, "bid_decision",
                                                     offer.order_id, {
            "offer": offer.id, "decision": award.status, **bd.award_doc(award)})])
        uow.commit()
    return award.status
