"""Remedy candidates for one exception, computed by the router and the lifecycle (pure).

Every priced candidate comes from the routing engine's own cost model
(`domain/routing`: `plan_order`, `Pricer`, `make_candidate`) on the network state and the
ATP the service layer loaded: a cost delta in CNY against the order's reference plan (its
current plan when it has one, else the router's plan with stock where it is needed) and an
effect on the promise in days against the order's due date. What the lifecycle forbids
(an order picked at its warehouse cannot be re-routed; a shipped one cannot be cancelled)
is never offered: an order released to a warehouse and not yet picked is offered a recall
(RELEASED -> ON_HOLD, as when the warehouse refuses it) with a new plan elsewhere, or with
the same sites and a faster carrier service (released again), besides contacting the
customer and cancelling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from orderhub.domain.exceptions.model import (
    Basis,
    ExceptionKind,
    Remedy,
    RemedyKind,
    Tier,
    order_fingerprint,
)
from orderhub.domain.exceptions.policy import TierPolicy, rank
from orderhub.domain.fx import RateTable
from orderhub.domain.geo import haversine_km
from orderhub.domain.inventory import Sku, Warehouse
from orderhub.domain.lifecycle import TRANSITIONS, OrderStatus
from orderhub.domain.order import HoldCode, Order, ReservationState, ShipmentStatus
from orderhub.domain.routing.network import (
    CostWeights,
    Network,
    RouteLine,
    RouteOrder,
    Site,
    from_units,
)
from orderhub.domain.routing.pricing import (
    Candidate,
    Pricer,
    ShipmentPlan,
    local_today,
    make_candidate,
    usable_services,
)
from orderhub.domain.routing.state import NetworkState
from orderhub.domain.routing.strategy import DEFAULT_UNIT_KG, RoutingStrategy, due_date, route_order
from orderhub.domain.routing.streaming import Decision, plan_order, screen

# An order not yet released to a warehouse can still be re-planned.
CHANGEABLE = frozenset({OrderStatus.CREATED, OrderStatus.VALIDATED, OrderStatus.ON_HOLD,
                        OrderStatus.RESERVED, OrderStatus.ALLOCATED})
StockKey = tuple[str, str]
# Hold reasons a new plan (another site, carrier, stock, SKU) can clear.
ROUTABLE_HOLDS = frozenset(c.value for c in (
    HoldCode.BACKORDER, HoldCode.NO_ROUTE, HoldCode.REROUTE, HoldCode.RESERVATION_EXPIRED,
    HoldCode.NO_ACTIVE_WAREHOUSE, HoldCode.CHANNEL_UPDATE))


@dataclass(frozen=True, slots=True)
class Substitution:
    """`substitute` may replace `sku`: `ratio` units of it for each unit ordered."""

    sku: str
    substitute: str
    ratio: Decimal = Decimal(1)


@dataclass(slots=True)
class DeskInput:
    """Everything one exception's remedies are computed from (loaded by the service)."""

    order: Order
    exception_kind: ExceptionKind
    network: NetworkState
    catalog: Mapping[str, Sku]  # the order's SKUs and their substitutes
    warehouses: Sequence[Warehouse]
    atp: Mapping[StockKey, int]  # ATP per (sku, site), the order's own reservations added
    now: datetime
    policy: TierPolicy = field(default_factory=TierPolicy)
    substitutions: Sequence[Substitution] = ()
    weights: CostWeights = field(default_factory=CostWeights)
    also_kinds: frozenset[ExceptionKind] = frozenset()  # the order's other open exceptions
    # the tenant's rates on the order's day: its value (the L3 bar, rules' money
    # thresholds) judged in the base currency, as intake's routing judges it
    fx: RateTable | None = None


def own_reservations(order: Order) -> dict[StockKey, int]:
    """What the order itself holds: available to it again if it is re-planned."""
    out: dict[StockKey, int] = {}
    for r in order.reservations:
        if r.state == ReservationState.ACTIVE:
            out[(r.sku, r.warehouse)] = out.get((r.sku, r.warehouse), 0) + r.quantity
    return out


def cash(c: Candidate) -> Decimal:
    """What a plan costs in money: shipping, handling and the split penalty (not the
    lateness penalty: lateness is the promise effect, weighed by the ranking policy)."""
    return from_units(c.shipping_units + c.handling_units + c.split_units)


def line_picks(lines: Sequence[tuple[int, str, int]],
               shipments: Sequence[ShipmentPlan]) -> list[dict[str, object]]:
    """The plan's parcels as (line, sku, site, quantity) picks for these order lines."""
    picks: list[dict[str, object]] = []
    taken: dict[int, int] = {}
    for s in shipments:
        left = dict(s.picks)
        for line_no, sku, qty in lines:
            take = min(left.get(sku, 0), qty - taken.get(line_no, 0))
            if take > 0:
                picks.append({"line_no": line_no, "sku": sku, "warehouse": s.site,
                              "quantity": take})
                taken[line_no] = taken.get(line_no, 0) + take
                left[sku] -= take
    return picks


class _Planner:
    def __init__(self, inp: DeskInput) -> None:
        self.inp = inp
        o = inp.order
        self.order = o
        self.route = route_order(o, inp.catalog, fx=inp.fx)
        ctx = RoutingStrategy(inp.weights).prepare(inp.network, inp.catalog)
        self.sites = ctx.sites_for(inp.warehouses)
        self.by_code = {s.code: s for s in self.sites}
        self.active = [s for s in self.sites if s.active]
        self.rules, _ = inp.network.rules_for(self.route)
        self.services = usable_services(inp.network.services)  # moving stock between sites
        self.stock = {k: q for k, q in inp.atp.items() if q > 0}
        # the carrier services the order itself may use (health and the rules' bans)
        scr = screen(self.route, Network(self.sites, inp.network.services, dict(self.stock),
                                         inp.network.blocks, self.rules), inp.now,
                     self.order.pickup_store)
        self.eligible = [s.code for s in scr.eligible]
        self.order_services = scr.services or self.services
        self.due: date | None = due_date(o)
        self.lines = [(ln.line_no, ln.sku, ln.quantity) for ln in o.lines]
        self.planned = [s for s in o.shipments if s.status == ShipmentStatus.PLANNED]
        self.current_sites = {s.warehouse for s in self.planned}

    # ----- helpers ----------------------------------------------------------------------
    def decide(self, stock: Mapping[StockKey, int], route: RouteOrder | None = None,
               exclude: frozenset[str] = frozenset()) -> Decision:
        sites = [s for s in self.sites if s.code not in exclude]
        net = Network(sites, self.inp.network.services, dict(stock), self.inp.network.blocks,
                      self.rules)
        return plan_order(route or self.route, net, self.inp.now, self.inp.weights,
                          pickup_site=self.order.pickup_store)

    def delay(self, promised: date | None) -> int:
        if promised is None or self.due is None:
            return 0
        return (promised - self.due).days

    def basis(self, needs: Mapping[StockKey, int]) -> Basis:
        return Basis(order_fingerprint(self.order), self.order.status.value,
                     self.inp.network.revision,
                     {f"{sku}@{site}": (self.inp.atp.get((sku, site), 0), q)
                      for (sku, site), q in needs.items() if q > 0})

    @staticmethod
    def needs_of(shipments: Sequence[ShipmentPlan]) -> dict[StockKey, int]:
        out: dict[StockKey, int] = {}
        for s in shipments:
            for sku, q in s.picks.items():
                out[(sku, s.site)] = out.get((sku, s.site), 0) + q
        return out

    def routed(self, kind: RemedyKind, c: Candidate, base: Decimal, en: str, zh: str,
               lines: Sequence[tuple[int, str, int]] | None = None,
               extra: dict[str, object] | None = None,
               needs: Mapping[StockKey, int] | None = None,
               extra_cost: Decimal = Decimal(0)) -> Remedy:
        plan: dict[str, object] = {
            "picks": line_picks(lines or self.lines, c.shipments),
            "services": {s.site: s.service for s in c.shipments},
            "promised": c.promised.isoformat(),
            "sites": list(c.sites),
        }
        plan.update(extra or {})
        return Remedy(kind, en, zh, cash(c) + extra_cost - base, self.delay(c.promised),
                      c.promised, self.basis(needs if needs is not None
                                             else self.needs_of(c.shipments)), plan)

    def current_candidate(self) -> Candidate | None:
        """The order's current plan, priced as the router prices it."""
        shipments = []
        for sh in self.planned:
            picks: dict[str, int] = {}
            for r in self.order.active_reservations():
                if r.shipment_id == sh.id:
                    picks[r.sku] = picks.get(r.sku, 0) + r.quantity
            site = self.by_code.get(sh.warehouse)
            if site is None or not picks:
                return None
            own = [s for s in self.inp.network.services if s.code == sh.carrier_service]
            plan = Pricer(self.route, own or self.order_services, self.inp.now, self.inp.weights,
                          count_late=False).shipment(site, picks)
            if plan is None:
                return None
            shipments.append(plan)
        return make_candidate(self.route, shipments, self.inp.weights) if shipments else None

    def reference(self) -> Candidate | None:
        """Its current plan, else the router's plan had the stock been where it is needed."""
        if self.planned:
            return self.current_candidate()
        unlimited = {(sku, s.code): q for sku, q in self.route.demand.items()
                     for s in self.active}
        return self.decide(unlimited).chosen

    # ----- the candidates ---------------------------------------------------------------
    def plan(self) -> list[Remedy]:
        o, policy = self.order, self.inp.policy
        out: list[Remedy] = []
        if o.status in CHANGEABLE:
            ref = self.reference()
            base = cash(ref) if ref is not None else Decimal(0)
            real = self.decide(self.stock)
            for r in (self.switch(base), self.split(real, base), self.upgrade(real, ref, base),
                      self.backorder(ref, base), self.substitute(base),
                      self.transfer(ref, base)):
                if r is not None:
                    out.append(r)
        elif o.status == OrderStatus.RELEASED:
            for r in (self.recall(), self.recall_and_upgrade()):
                if r is not None:
                    out.append(r)
        if o.status not in (OrderStatus.CANCELLED, OrderStatus.PAID):
            out.append(Remedy(
                RemedyKind.CONTACT_CUSTOMER,
                "Contact the customer to agree a new date or a change to the order",
                "联系客户，协商新的送达日期或订单变更", policy.contact_cost,
                policy.contact_delay_days, None, self.basis({}), {}, changes_order=False))
        if OrderStatus.CANCELLED in TRANSITIONS[o.status]:
            total = o.grand_total
            out.append(Remedy(
                RemedyKind.CANCEL_AND_REFUND, f"Cancel the order and refund {total} {o.currency}",
                f"取消订单并退款 {total} {o.currency}", total, 0, None, self.basis({}), {}))
        ranked = rank(out, policy, self.inp.exception_kind, self.route.value, self.route,
                      self.inp.also_kinds)
        other = sorted({r.code.value for r in o.hold_reasons} - ROUTABLE_HOLDS) \
            if o.status == OrderStatus.ON_HOLD else []
        if not other:
            return ranked
        # held for something a new plan cannot fix (an address, a rule check): the plan
        # is still priced, but never applied on its own, and says what else holds it
        held_for = ", ".join(other)
        note, note_zh = f" (still held for: {held_for})", f"（仍因 {held_for} 挂起）"
        return [replace(r, tier=Tier.L2 if r.tier == Tier.L1 else r.tier,
                        description=r.description + note,
                        description_zh=r.description_zh + note_zh)
                if r.changes_order and r.kind != RemedyKind.CANCEL_AND_REFUND else r
                for r in ranked]

    def switch(self, base: Decimal) -> Remedy | None:
        d = self.decide(self.stock, exclude=frozenset(self.current_sites))
        singles = [c for c in d.candidates if len(c.shipments) == 1]
        if not singles:
            return None
        c = min(singles, key=lambda c: (c.score_units, c.total_units))
        s = c.shipments[0]
        was = f" instead of {', '.join(sorted(self.current_sites))}" if self.current_sites else ""
        return self.routed(RemedyKind.SWITCH_WAREHOUSE, c, base,
                           f"Ship from {s.site}{was} with {s.service}, arriving "
                           f"{c.promised.isoformat()}",
                           f"改从 {s.site} 发货（{s.service}），预计 {c.promised.isoformat()} 送达")

    def recall(self) -> Remedy | None:
        """Released, not yet picked: take it back from its warehouse (its waybills voided,
        its stock released) and ship it from other sites, the router's plan without them.
        The cost is the new plan's against the current one plus the policy's recall cost."""
        ref = self.current_candidate()
        if ref is None or not self.current_sites:
            return None
        c = self.decide(self.stock, exclude=frozenset(self.current_sites)).chosen
        if c is None:
            return None
        was = ", ".join(sorted(self.current_sites))
        sites = ", ".join(c.sites)
        return self.routed(RemedyKind.RECALL_AND_REROUTE, c, cash(ref),
                           f"Recall from {was} (waybill voided) and ship from {sites}, "
                           f"arriving {c.promised.isoformat()}",
                           f"从 {was} 召回（作废运单）并改从 {sites} 发货，预计 "
                           f"{c.promised.isoformat()} 送达",
                           extra={"recall_from": sorted(self.current_sites)},
                           extra_cost=self.inp.policy.recall_cost)

    def split(self, real: Decision, base: Decimal) -> Remedy | None:
        # a split other than the one the order already has
        multi = [c for c in real.candidates
                 if len(c.shipments) > 1 and set(c.sites) != self.current_sites]
        if not multi:
            return None
        c = min(multi, key=lambda c: (c.score_units, c.total_units))
        sites = ", ".join(c.sites)
        return self.routed(RemedyKind.SPLIT_SHIPMENT, c, base,
                           f"Split into {len(c.shipments)} parcels from {sites}, the last "
                           f"arriving {c.promised.isoformat()}",
                           f"拆分为 {len(c.shipments)} 个包裹，从 {sites} 发货，最晚 "
                           f"{c.promised.isoformat()} 送达")

    def upgrade(self, real: Decision, ref: Candidate | None, base: Decimal) -> Remedy | None:
        start = ref if self.planned else real.chosen
        c = self.faster(start)
        if start is None or c is None:
            return None
        services = ", ".join(sorted({s.service for s in c.shipments}))
        return self.routed(RemedyKind.UPGRADE_CARRIER, c, base,
                           f"Upgrade to {services} from {', '.join(c.sites)}, arriving "
                           f"{c.promised.isoformat()} instead of {start.promised.isoformat()}",
                           f"升级为 {services}（{', '.join(c.sites)} 发货），预计 "
                           f"{c.promised.isoformat()} 送达（原 {start.promised.isoformat()}）")

    def recall_and_upgrade(self) -> Remedy | None:
        """Released, not yet picked: keep its warehouse, but take the release back (its
        waybills voided, as a recall) and release it again with a faster carrier service.
        The cost is the faster plan's against the current one plus the policy's recall
        cost; applying it is a recall pinned to the same sites (UPGRADE_CARRIER on a
        released order, services/exceptions/desk.py)."""
        ref = self.current_candidate()
        c = self.faster(ref)
        if ref is None or c is None or not self.current_sites:
            return None
        usable = {svc.code for svc in self.order_services}
        if c.promised >= ref.promised and all(s.service in usable for s in ref.shipments):
            return None  # undoing the warehouse's work for no earlier delivery: no remedy
        services = ", ".join(sorted({s.service for s in c.shipments}))
        was = ", ".join(sorted(self.current_sites))
        return self.routed(RemedyKind.UPGRADE_CARRIER, c, cash(ref),
                           f"Take the release back from {was} (waybill voided) and release it "
                           f"again with {services}, arriving {c.promised.isoformat()} instead "
                           f"of {ref.promised.isoformat()}",
                           f"撤回 {was} 的下发（作废运单），改用 {services} 重新下发，预计 "
                           f"{c.promised.isoformat()} 送达（原 {ref.promised.isoformat()}）",
                           extra={"recall_from": sorted(self.current_sites)},
                           extra_cost=self.inp.policy.recall_cost)

    def faster(self, start: Candidate | None) -> Candidate | None:
        """`start`'s parcels from the same sites with the fastest usable carrier service
        each (a service that is down or banned replaced even by a slower one); None when
        nothing changes."""
        if start is None:
            return None
        faster: list[ShipmentPlan] = []
        improved = False
        for sh in start.shipments:
            site = self.by_code.get(sh.site)
            if site is None:
                return None
            usable = {svc.code for svc in self.order_services}
            # a service that is down (or banned) must be replaced, even by a slower one
            best: ShipmentPlan | None = sh if sh.service in usable else None
            for svc in self.order_services:
                if svc.code == sh.service:
                    continue
                p = Pricer(self.route, [svc], self.inp.now, self.inp.weights,
                           count_late=False).shipment(site, sh.picks)
                if p is not None and (best is None or (p.arrives, p.shipping_units)
                                      < (best.arrives, best.shipping_units)):
                    best = p
            if best is None:
                return None
            improved = improved or best is not sh
            faster.append(best)
        if not improved:
            return None
        return make_candidate(self.route, faster, self.inp.weights)

    def backorder(self, ref: Candidate | None, base: Decimal) -> Remedy | None:
        """Ship what the active sites hold now, the rest when stock arrives (an order of
        its own, held as a backorder); with nothing in stock, keep it all on backorder."""
        demand = self.route.demand
        # what the sites that may ship it hold, from the few that hold most (a plan has at
        # most `max_shipments` parcels)
        def supply(code: str) -> int:
            return sum(min(q, self.stock.get((sku, code), 0)) for sku, q in demand.items())

        top = sorted((c for c in self.eligible if supply(c)), key=lambda c: (-supply(c), c))
        top = top[:self.inp.weights.max_shipments]
        part = {sku: min(q, sum(self.stock.get((sku, c), 0) for c in top))
                for sku, q in demand.items()}
        now_units, total = sum(part.values()), sum(demand.values())
        if now_units == total or ref is None:
            return None
        days = self.inp.policy.backorder_days
        rest_site = self.by_code[ref.shipments[0].site]
        keep: list[tuple[int, str, int]] = []
        rest: list[dict[str, object]] = []
        left = dict(part)
        for line_no, sku, qty in self.lines:
            k = min(qty, left.get(sku, 0))
            left[sku] = left.get(sku, 0) - k
            if k:
                keep.append((line_no, sku, k))
            if qty - k:
                rest.append({"line_no": line_no, "sku": sku, "quantity": qty - k})
        rest_picks = {str(r["sku"]): 0 for r in rest}
        for b in rest:
            rest_picks[str(b["sku"])] += int(str(b["quantity"]))
        later = Pricer(self.route, self.order_services, self.inp.now, self.inp.weights,
                       count_late=False).shipment(rest_site, rest_picks, extra_queue_days=days)
        if later is None:
            return None
        if now_units == 0:
            if self.order.status != OrderStatus.ON_HOLD:
                return None
            return Remedy(RemedyKind.SHIP_AVAILABLE_BACKORDER_REST,
                          f"Keep all {total} unit(s) on backorder and ship from {rest_site.code} "
                          f"when stock arrives (about {days} days)",
                          f"全部 {total} 件缺货待补，到货后从 {rest_site.code} 发货"
                          f"（约 {days} 天）",
                          cash(make_candidate(self.route, [later], self.inp.weights)) - base,
                          self.delay(later.arrives), later.arrives, self.basis({}),
                          {"keep": [], "backorder": rest}, changes_order=False)
        partial = replace(self.route, lines=tuple(
            RouteLine(sku, q, self._weight(sku)) for sku, q in part.items() if q))
        c = self.decide(self.stock, route=partial,
                        exclude=frozenset(self.by_code) - set(top)).chosen
        if c is None:
            return None
        extra = from_units(later.shipping_units + later.handling_units) + \
            self.inp.weights.split_penalty
        remedy = self.routed(
            RemedyKind.SHIP_AVAILABLE_BACKORDER_REST, c, base,
            f"Ship {now_units} unit(s) now from {', '.join(c.sites)}; backorder "
            f"{total - now_units} unit(s), shipped from {rest_site.code} in about {days} days",
            f"先从 {', '.join(c.sites)} 发出 {now_units} 件；其余 {total - now_units} 件缺货待补，"
            f"约 {days} 天后从 {rest_site.code} 发货",
            lines=keep, extra={"keep": [{"line_no": ln, "sku": s, "quantity": q}
                                        for ln, s, q in keep], "backorder": rest},
            extra_cost=extra)
        return replace(remedy, delay_days=self.delay(later.arrives), promised=later.arrives)

    def _weight(self, sku: str) -> Decimal:
        s = self.inp.catalog.get(sku)
        return s.weight_kg if s is not None and s.weight_kg else DEFAULT_UNIT_KG

    def substitute(self, base: Decimal) -> Remedy | None:
        demand = self.route.demand
        total = {sku: sum(self.stock.get((sku, s.code), 0) for s in self.active)
                 for sku in demand}
        short = [sku for sku, q in demand.items() if total[sku] < q]
        if not short:
            return None
        chosen: dict[str, tuple[str, Decimal]] = {}
        for sku in short:
            for sub in self.inp.substitutions:
                if sub.sku != sku or sub.substitute in demand:
                    continue
                cat = self.inp.catalog.get(sub.substitute)
                if cat is None or not cat.active:
                    continue
                need = math.ceil(demand[sku] * sub.ratio)
                if sum(self.stock.get((sub.substitute, s.code), 0) for s in self.active) >= need:
                    chosen[sku] = (sub.substitute, sub.ratio)
                    break
        if set(chosen) != set(short):
            return None
        lines: list[tuple[int, str, int]] = []
        for line_no, sku, qty in self.lines:
            if sku in chosen:
                sub_sku, ratio = chosen[sku]
                lines.append((line_no, sub_sku, math.ceil(qty * ratio)))
            else:
                lines.append((line_no, sku, qty))
        route = replace(self.route, lines=tuple(RouteLine(s, q, self._weight(s))
                                                for _, s, q in lines))
        c = self.decide(self.stock, route=route).chosen
        if c is None:
            return None
        price = Decimal(0)
        for sku, (sub_sku, ratio) in chosen.items():
            was = self.inp.catalog.get(sku)
            now = self.inp.catalog[sub_sku]
            price += (now.list_price or Decimal(0)) * math.ceil(demand[sku] * ratio) - \
                ((was.list_price if was else None) or Decimal(0)) * demand[sku]
        names = ", ".join(f"{sub} x{ratio} for {sku}" for sku, (sub, ratio) in chosen.items())
        names_zh = "，".join(f"以 {sub}（x{ratio}）替代 {sku}" for sku, (sub, ratio)
                            in chosen.items())
        return self.routed(RemedyKind.SUBSTITUTE_SKU, c, base,
                           f"Substitute {names} and ship from {', '.join(c.sites)}, arriving "
                           f"{c.promised.isoformat()}",
                           f"{names_zh}，从 {', '.join(c.sites)} 发货，预计 "
                           f"{c.promised.isoformat()} 送达",
                           lines=lines, extra={"lines": [{"line_no": ln, "sku": s, "quantity": q}
                                                         for ln, s, q in lines],
                                               "substitutions": {k: v[0] for k, v in
                                                                 chosen.items()}},
                           extra_cost=price)

    def transfer(self, ref: Candidate | None, base: Decimal) -> Remedy | None:
        """Move the missing units to the site that should ship the order, then ship it
        from there once they arrive (the transfer's transit is the router's lane time)."""
        if ref is None or len(ref.shipments) != 1 or self.planned:
            return None
        dest = self.by_code[ref.shipments[0].site]
        demand = self.route.demand
        shortfall = {sku: q - self.stock.get((sku, dest.code), 0) for sku, q in demand.items()
                     if self.stock.get((sku, dest.code), 0) < q}
        if not shortfall:
            return None
        moves: list[tuple[str, Site, int]] = []
        for sku, q in sorted(shortfall.items()):
            sources = sorted((haversine_km((s.lat, s.lon), (dest.lat, dest.lon)), s.code)
                             for s in self.active
                             if s.code != dest.code and self.stock.get((sku, s.code), 0) >= q)
            if not sources:
                return None
            moves.append((sku, self.by_code[sources[0][1]], q))
        to_dest = replace(self.route, province=dest.province, lat=dest.lat, lon=dest.lon,
                          region=dest.region, requested_by=None)
        today = local_today(self.inp.now)
        lead, move_cost = 0, Decimal(0)
        needs: dict[StockKey, int] = {(sku, dest.code): demand[sku] - shortfall.get(sku, 0)
                                      for sku in demand}
        for sku, src, q in moves:
            p = Pricer(to_dest, self.services, self.inp.now, self.inp.weights,
                       count_late=False).shipment(src, {sku: q})
            if p is None:
                return None
            lead = max(lead, (p.arrives - today).days)
            move_cost += from_units(p.shipping_units + p.handling_units)
            needs[(sku, src.code)] = q
        out = Pricer(self.route, self.order_services, self.inp.now, self.inp.weights,
                     count_late=False).shipment(dest, demand, extra_queue_days=lead)
        if out is None:
            return None
        c = make_candidate(self.route, [out], self.inp.weights)
        what = ", ".join(f"{q} x {sku} from {src.code}" for sku, src, q in moves)
        what_zh = "，".join(f"从 {src.code} 调拨 {q} 件 {sku}" for sku, src, q in moves)
        return self.routed(RemedyKind.TRANSFER_STOCK, c, base,
                           f"Move {what} to {dest.code} ({lead} day(s) in transit), then ship "
                           f"from {dest.code}, arriving {c.promised.isoformat()}",
                           f"{what_zh} 至 {dest.code}（在途 {lead} 天），再从 {dest.code} 发货，"
                           f"预计 {c.promised.isoformat()} 送达",
                           extra={"transfers": [{"sku": sku, "from": src.code, "to": dest.code,
                                                 "quantity": q} for sku, src, q in moves],
                                  "lead_days": lead},
                           needs=needs, extra_cost=move_cost)


def plan_remedies(inp: DeskInput) -> list[Remedy]:
    """The ranked candidates for one exception (numbered from 1, best first)."""
    return _Planner(inp).plan()
