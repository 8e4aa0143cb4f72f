"""3PL bidding (issue 18 item 4), pure: providers that may bid, the tenant's bidding policy
(which orders are offered, the window, how cost weighs against the promise), an offer with
its window, the bids read from what a provider sent (accepted, late or malformed: never an
exception), the award by the policy's rule, or the fallback to routing, and the
explanation `order why` prints.

An order the policy selects keeps the reservation routing gave it while its offer is open
("reserved, awaiting award"); the providers that serve the reserved site are invited. When
the window ends (or every invited provider has bid) the offer is decided:

    score = cost_weight * price / cheapest + (1 - cost_weight) * hours / quickest

over the accepted bids (hours: from the offer's opening to the promised delivery, at
least one); the lowest score wins, ties by price, then promise, then provider code. No
accepted bid: the offer falls back to routing (the reservation stands as routed).

    {"when": {"channel": ["tmall"], "order_value_above": "200"},
     "window_seconds": 3, "cost_weight": "0.6", "enabled": true}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.rules.facts import RouteOrder
from orderhub.domain.rules.model import RoutingRule, Vocabulary, condition_doc, parse_rule

DEFAULT_WINDOW_SECONDS = 3.0
MAX_WINDOW_SECONDS = 600.0
DEFAULT_COST_WEIGHT = Decimal("0.5")
MAX_PRICE = Decimal("10000000")
PROVIDER_KINDS = ("warehouse", "3pl")

OPEN, AWARDED, FELL_BACK = "open", "awarded", "fallback"
ACCEPTED, LATE, MALFORMED = "accepted", "late", "malformed"

_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
_BID_FIELDS = ("price", "currency", "promised_by", "note")


# ----- providers ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Provider:
    """A warehouse or third-party logistics provider that may bid. `sites`: the reserved
    sites it can fulfil from (empty: any); `endpoint`: where bid requests are sent (empty:
    it polls, or it is simulated)."""

    code: str
    name: str
    kind: str = "3pl"
    sites: frozenset[str] = frozenset()
    endpoint: str = ""
    active: bool = True

    def serves(self, site: str) -> bool:
        return self.active and (not self.sites or site in self.sites)


def parse_provider(doc: Mapping[str, Any]) -> Provider:
    """A provider from its JSON shape; field errors for what is wrong."""
    errors: list[FieldError] = []
    for key in doc:
        if key not in ("code", "name", "kind", "sites", "endpoint", "active"):
            errors.append(FieldError(key, "unknown field; known: code, name, kind, sites, "
                                     "endpoint, active"))
    code = doc.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        errors.append(FieldError("code", "1 to 32 letters, digits and _ . -"))
        code = ""
    name = doc.get("name", code or "-")
    if not isinstance(name, str) or not 0 < len(name) <= 200 or "\x00" in name:
        errors.append(FieldError("name", "text of 1 to 200 characters"))
        name = ""
    kind = doc.get("kind", "3pl")
    if kind not in PROVIDER_KINDS:
        errors.append(FieldError("kind", f"one of {', '.join(PROVIDER_KINDS)}"))
    sites = doc.get("sites", [])
    if not isinstance(sites, list) or not all(isinstance(s, str) and _CODE.fullmatch(s)
                                              for s in sites):
        errors.append(FieldError("sites", "a list of warehouse codes (empty: any site)"))
        sites = []
    endpoint = doc.get("endpoint", "")
    if not isinstance(endpoint, str) or len(endpoint) > 500 or (
            endpoint and not endpoint.startswith("https://")):
        errors.append(FieldError("endpoint", "an https:// URL of at most 500 characters, or "
                                 "empty"))
        endpoint = ""
    active = doc.get("active", True)
    if not isinstance(active, bool):
        errors.append(FieldError("active", "true or false"))
    if errors:
        raise InvalidInput(errors)
    return Provider(str(code), str(name), str(kind), frozenset(sites), str(endpoint),
                    bool(active))


# ----- the policy ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BiddingPolicy:
    """Which orders are offered (a rule's conditions), the window and the award rule."""

    rule: RoutingRule
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    cost_weight: Decimal = DEFAULT_COST_WEIGHT
    enabled: bool = True
    version: int = 1

    def selects(self, order: RouteOrder) -> bool:
        """The order is to be offered for bids (the rule's conditions match it)."""
        return self.enabled and self.rule.when.matches(order)


def parse_policy(doc: Mapping[str, Any], vocab: Vocabulary | None = None, *,
                 version: int = 1) -> BiddingPolicy:
    """The policy from its JSON shape; `when` is a routing rule's conditions (the same
    names, checked against the tenant's vocabulary)."""
    errors: list[FieldError] = []
    for key in doc:
        if key not in ("when", "window_seconds", "cost_weight", "enabled", "version"):
            errors.append(FieldError(key, "unknown field; known: when, window_seconds, "
                                     "cost_weight, enabled"))
    when = doc.get("when", {})
    rule: RoutingRule | None = None
    if not isinstance(when, Mapping):
        errors.append(FieldError("when", "an object of conditions (as a routing rule's)"))
    else:
        try:
            rule = parse_rule({"code": "bidding", "when": dict(when),
                               "then": {"notify": "offered for bids"}}, vocab)
        except InvalidInput as exc:
            errors.extend(e for e in exc.errors if e.loc.startswith("when"))
    window = doc.get("window_seconds", DEFAULT_WINDOW_SECONDS)
    if (isinstance(window, bool) or not isinstance(window, int | float)
            or not 0.1 <= float(window) <= MAX_WINDOW_SECONDS):
        errors.append(FieldError("window_seconds", f"seconds, 0.1 to {MAX_WINDOW_SECONDS:g}"))
        window = DEFAULT_WINDOW_SECONDS
    weight = _decimal(doc.get("cost_weight", str(DEFAULT_COST_WEIGHT)))
    if weight is None or not Decimal(0) <= weight <= Decimal(1):
        errors.append(FieldError("cost_weight", "a decimal from 0 (only the promise counts) "
                                 "to 1 (only the price counts)"))
        weight = DEFAULT_COST_WEIGHT
    enabled = doc.get("enabled", True)
    if not isinstance(enabled, bool):
        errors.append(FieldError("enabled", "true or false"))
    if errors or rule is None:
        raise InvalidInput(errors or [FieldError("when", "an object of conditions")])
    return BiddingPolicy(rule, float(window), weight, bool(enabled), version)


def policy_doc(policy: BiddingPolicy) -> dict[str, Any]:
    """The JSON shape of a policy (what `parse_policy` reads back)."""
    return {"when": condition_doc(policy.rule.when), "window_seconds": policy.window_seconds,
            "cost_weight": str(policy.cost_weight), "enabled": policy.enabled,
            "version": policy.version}


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() else None


# ----- offers and bids ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Offer:
    """One order offered to `providers` from `opened_at` until `closes_at`. The reference
    is what routing planned (its cost and promise), shown beside the bids."""

    id: str
    tenant_id: str
    order_id: str
    site: str
    currency: str
    opened_at: datetime
    closes_at: datetime
    providers: tuple[str, ...]
    status: str = OPEN
    reference_cost: Decimal | None = None
    reference_promise: str = ""

    def is_open_at(self, at: datetime) -> bool:
        return self.status == OPEN and at <= self.closes_at


def open_offer(offer_id: str, tenant_id: str, order_id: str, site: str, currency: str,
               providers: Sequence[Provider], policy: BiddingPolicy, now: datetime, *,
               reference_cost: Decimal | None = None, reference_promise: str = "") -> Offer:
    """An offer of the order to the providers that serve its site, open for the window."""
    invited = tuple(sorted(p.code for p in providers if p.serves(site)))
    return Offer(offer_id, tenant_id, order_id, site, currency, now,
                 now + timedelta(seconds=policy.window_seconds), invited, OPEN,
                 reference_cost, reference_promise)


@dataclass(frozen=True, slots=True)
class Bid:
    """What one provider sent for an offer, as read: `accepted`, `late` (after the window
    or once decided) or `malformed` (`problem` says why). Only accepted bids compete."""

    offer_id: str
    provider: str
    received_at: datetime
    status: str
    price: Decimal | None = None
    promised_by: datetime | None = None
    problem: str = ""


def read_bid(doc: Any, offer: Offer, provider: str, received_at: datetime) -> Bid:
    """A provider's bid from its JSON body; never raises. The first thing wrong makes it
    malformed; a good bid after the window (or from a provider not invited) is late or
    malformed, and is ignored by the award."""

    def bad(problem: str) -> Bid:
        return Bid(offer.id, provider, received_at, MALFORMED, problem=problem)

    if provider not in offer.providers:
        return bad("provider: not invited to this offer")
    if not isinstance(doc, Mapping):
        return bad("body: a JSON object {price, currency, promised_by}")
    unknown = sorted(str(k) for k in doc if k not in _BID_FIELDS)
    if unknown:
        return bad(f"{unknown[0]}: unknown field; known: {', '.join(_BID_FIELDS)}")
    price = _decimal(doc.get("price"))
    if price is None or price <= 0 or price > MAX_PRICE or price != price.quantize(
            Decimal("0.01")):
        return bad("price: an amount above 0 with at most 2 decimals, e.g. \"12.50\"")
    if doc.get("currency", offer.currency) != offer.currency:
        return bad(f"currency: the offer is in {offer.currency}")
    raw = doc.get("promised_by")
    try:
        promised = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        promised = None
    if promised is None or promised.tzinfo is None:
        return bad("promised_by: an ISO 8601 time with a UTC offset")
    if promised <= offer.opened_at:
        return bad("promised_by: after the offer opened")
    if promised > offer.opened_at + timedelta(days=60):
        return bad("promised_by: within 60 days")
    note = doc.get("note", "")
    if not isinstance(note, str) or len(note) > 200:
        return bad("note: text of at most 200 characters")
    status = ACCEPTED if offer.is_open_at(received_at) else LATE
    return Bid(offer.id, provider, received_at, status, price, promised)


# ----- the award ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scored:
    provider: str
    price: Decimal
    promised_by: datetime
    score: Decimal


@dataclass(frozen=True, slots=True)
class Award:
    """The decision on an offer: the winner (None: fall back to routing, `reason` says
    why), every competing bid ranked, and what was ignored."""

    offer_id: str
    winner: Scored | None
    ranked: tuple[Scored, ...]
    reason: str
    late: tuple[str, ...]
    malformed: tuple[str, ...]
    missing: tuple[str, ...]
    cost_weight: Decimal

    @property
    def status(self) -> str:
        return AWARDED if self.winner is not None else FELL_BACK


def decide(offer: Offer, bids: Sequence[Bid], cost_weight: Decimal) -> Award:
    """The winner among the accepted bids (a provider's last accepted bid counts), by the
    weighted score; none: fall back to routing."""
    last: dict[str, Bid] = {}
    for b in sorted(bids, key=lambda b: b.received_at):
        if b.status == ACCEPTED and b.price is not None and b.promised_by is not None:
            last[b.provider] = b
    late = tuple(sorted({b.provider for b in bids if b.status == LATE} - set(last)))
    malformed = tuple(sorted({b.provider for b in bids if b.status == MALFORMED}
                             - set(last)))
    heard = {b.provider for b in bids}
    missing = tuple(p for p in offer.providers if p not in heard)
    if not last:
        reason = ("no provider serves the reserved site" if not offer.providers
                  else "no valid bid within the window")
        return Award(offer.id, None, (), reason, late, malformed, missing, cost_weight)
    cheapest = min(b.price for b in last.values() if b.price is not None)
    hours = {p: max(Decimal(1), Decimal(str(round(
        (b.promised_by - offer.opened_at).total_seconds() / 3600, 4))))
        for p, b in last.items() if b.promised_by is not None}
    quickest = min(hours.values())
    w = cost_weight
    ranked = sorted(
        (Scored(p, b.price, b.promised_by,
                (w * b.price / cheapest + (1 - w) * hours[p] / quickest).quantize(
                    Decimal("0.0001")))
         for p, b in last.items() if b.price is not None and b.promised_by is not None),
        key=lambda s: (s.score, s.price, s.promised_by, s.provider))
    return Award(offer.id, ranked[0], tuple(ranked), "", late, malformed, missing,
                 cost_weight)


def closed(offer: Offer, award: Award) -> Offer:
    return replace(offer, status=award.status)


def award_doc(award: Award) -> dict[str, Any]:
    """The decision as stored and audited."""
    w = award.winner
    return {"winner": w.provider if w else None, "score": str(w.score) if w else None,
            "reason": award.reason, "cost_weight": str(award.cost_weight),
            "ranked": [{"provider": s.provider, "price": str(s.price),
                        "promised_by": s.promised_by.isoformat(), "score": str(s.score)}
                       for s in award.ranked],
            "late": list(award.late), "malformed": list(award.malformed),
            "missing": list(award.missing)}


# ----- in plain words ---------------------------------------------------------------------------

def explain(offer: Mapping[str, Any], bids: Sequence[Mapping[str, Any]],
            zh: bool = False) -> list[str]:
    """An offer and its bids as stored (the read model's shape) in plain words, for
    `order why` and the API's decision view."""
    window = (offer["closes_at"] - offer["opened_at"]).total_seconds()
    invited = ", ".join(offer["providers"]) or ("无" if zh else "none")
    out = [(f"竞价：{offer['opened_at']:%H:%M:%S} 向 {invited} 发出报价邀请（窗口 {window:g} 秒，"
            f"预留仓 {offer['site']}）。") if zh else
           (f"Offered for bids at {offer['opened_at']:%H:%M:%S} to {invited} (window "
            f"{window:g} s, reserved at {offer['site']}).")]
    ref = offer.get("reference") or {}
    if ref.get("cost"):
        out.append(f"路由参考：成本 {ref['cost']} {offer['currency']}，承诺 "
                   f"{ref.get('promise') or '-'}。" if zh else
                   f"Routing's own plan: cost {ref['cost']} {offer['currency']}, promised "
                   f"{ref.get('promise') or '-'}.")
    for b in bids:
        after = (b["received_at"] - offer["opened_at"]).total_seconds()
        if b["status"] == ACCEPTED:
            out.append(f"{b['provider']} 报价 {b['price']} {offer['currency']}，承诺 "
                       f"{b['promised_by']:%Y-%m-%d %H:%M}（{after:.2f} 秒后收到）。" if zh else
                       f"{b['provider']} bid {b['price']} {offer['currency']}, promised "
                       f"{b['promised_by']:%Y-%m-%d %H:%M} (received after {after:.2f} s).")
        elif b["status"] == LATE:
            out.append(f"{b['provider']} 的报价迟到（{after:.2f} 秒后），已忽略。" if zh else
                       f"{b['provider']}'s bid came late ({after:.2f} s), ignored.")
        else:
            out.append(f"{b['provider']} 的报价格式错误（{b['problem']}），已忽略。" if zh else
                       f"{b['provider']}'s bid was malformed ({b['problem']}), ignored.")
    decision = offer.get("decision") or {}
    if offer["status"] == OPEN:
        out.append(f"等待定标，截止 {offer['closes_at']:%H:%M:%S}。" if zh else
                   f"Awaiting the award; the window closes at {offer['closes_at']:%H:%M:%S}.")
    elif offer["status"] == AWARDED:
        w = decision.get("cost_weight", "")
        out.append(f"中标：{offer['winner']}，价格 {offer['price']}，得分 "
                   f"{decision.get('score')}（成本权重 {w}，得分越低越好）。" if zh else
                   f"Awarded to {offer['winner']} at {offer['price']} {offer['currency']}, "
                   f"score {decision.get('score')} (cost weight {w}; lowest score wins).")
    else:
        out.append(f"回退到路由：{_reason_zh(decision.get('reason', ''))}；保留原路由方案。"
                   if zh else
                   f"Fell back to routing: {decision.get('reason', '')}; the routed plan "
                   f"stands.")
    if decision.get("missing"):
        out.append(f"未报价：{', '.join(decision['missing'])}。" if zh else
                   f"No bid from: {', '.join(decision['missing'])}.")
    return out


_REASONS_ZH = {"no valid bid within the window": "窗口内没有有效报价",
               "no provider serves the reserved site": "没有服务该预留仓的承运商",
               "the order was re-planned at another site": "订单已改由其他仓发货"}
_STATUS_ZH = {"cancelled": "已取消", "on_hold": "已挂起", "released": "已下发",
              "created": "已创建", "validated": "已校验", "reserved": "已预留"}


def _reason_zh(reason: str) -> str:
    """A fallback reason (stored in English) in Chinese."""
    if reason in _REASONS_ZH:
        return _REASONS_ZH[reason]
    if reason.startswith("the order is "):
        status = reason.removeprefix("the order is ").split(",")[0]
        return f"订单{_STATUS_ZH.get(status, '状态为 ' + status)}，不再处于已分配状态"
    return reason
