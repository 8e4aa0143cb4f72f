"""A pre-allocation plan: the solver's transfers as suggestions a person reviews, each with
its expected benefit, its cost and why; the per-tenant settings and the auto-accept rule;
the safety-stock flag (a transfer that would leave its source below safety stock is
flagged and never accepted automatically)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.planning.problem import Lane, PlanningProblem, SiteItem, Transfer
from orderhub.domain.planning.uncertainty import expected_shortage

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PlanningSettings:
    """Per tenant. Costs in the tenant's currency; `lost_sale_margin` × a SKU's list price
    is its lost-sale cost (`lost_sale_cost` when it has no price)."""

    service_level: float = 0.95
    lost_sale_margin: Decimal = Decimal("0.30")
    lost_sale_cost: Decimal = Decimal("20.00")
    holding_cost_per_unit_day: Decimal = Decimal("0.05")
    transfer_base_cost: Decimal = Decimal("1.00")
    transfer_cost_per_km: Decimal = Decimal("0.002")
    km_per_day: float = 800.0
    auto_accept: bool = False  # accept suggestions that pass the rule on every plan
    auto_accept_min_benefit: Decimal = Decimal("50.00")  # the rule: net benefit at least
    routing_sellout_penalty: Decimal = Decimal("0")  # routing: 0 = off (see routing)

    def as_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}

    @staticmethod
    def parse(doc: Mapping[str, Any], base: PlanningSettings | None = None) -> (
            PlanningSettings):
        """Settings from a document (stored or a request), field errors for bad values."""
        current = base or PlanningSettings()
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        for name, value in doc.items():
            if name not in PlanningSettings.__dataclass_fields__:
                errors.append(FieldError(name, "unknown setting"))
                continue
            old = getattr(current, name)
            try:
                if isinstance(old, bool):
                    if not isinstance(value, bool):
                        raise ValueError("true or false")
                    values[name] = value
                elif isinstance(old, Decimal):
                    d = Decimal(str(value))
                    if not d.is_finite() or d < 0:
                        raise ValueError("a non-negative amount")
                    values[name] = d
                else:
                    f = float(value)
                    if isinstance(value, bool) or not f > 0:
                        raise ValueError("a positive number")
                    values[name] = f
            except (ValueError, ArithmeticError) as exc:
                msg = str(exc) if str(exc) in ("true or false", "a non-negative amount",
                                               "a positive number") else "not a number"
                errors.append(FieldError(name, msg))
        if "service_level" in values and not 0.5 <= values["service_level"] < 1.0:
            errors.append(FieldError("service_level", "between 0.5 and 1 (e.g. 0.95)"))
        if "km_per_day" in values and not 1.0 <= values["km_per_day"] <= 100_000.0:
            # a lane's lead time is 1 + ⌊km / this⌋ days: a tiny value overflows it
            errors.append(FieldError("km_per_day", "between 1 and 100000 (e.g. 800)"))
        if errors:
            raise InvalidInput(errors)
        return replace(current, **values)


class SuggestionStatus(StrEnum):
    SUGGESTED = "suggested"
    FLAGGED = "flagged"  # would leave the source below safety stock: a person decides
    ACCEPTED = "accepted"  # a transfer order was created
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Suggestion:
    n: int
    sku: str
    origin: str
    destination: str
    quantity: int
    lead_days: int
    unit_cost: Decimal
    cost: Decimal
    expected_benefit: Decimal  # lost-sale and holding cost avoided, less the transfer cost
    why: str
    status: SuggestionStatus = SuggestionStatus.SUGGESTED
    flag: str = ""
    transfer_id: str = ""
    source_safety_stock: int = 0  # what the plan kept at the source

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "sku": self.sku, "from": self.origin, "to": self.destination,
                "quantity": self.quantity, "lead_days": self.lead_days,
                "unit_cost": str(self.unit_cost), "cost": str(self.cost),
                "expected_benefit": str(self.expected_benefit), "why": self.why,
                "status": self.status.value, "flag": self.flag,
                "transfer_id": self.transfer_id or None,
                "source_safety_stock": self.source_safety_stock}


def suggestions(problem: PlanningProblem, transfers: Sequence[Transfer]) -> list[Suggestion]:
    """Each transfer with its cost, expected benefit and reason. The benefit of a SKU's
    transfers is the drop in expected cost (lost sales + holding) at both ends minus the
    transfer cost, shared among the SKU's transfers by the units each moves into and out
    of each site."""
    lanes: dict[tuple[str, str], Lane] = {(ln.origin, ln.destination): ln
                                          for ln in problem.lanes}
    by_sku = {s.sku: s for s in problem.skus}
    grouped: dict[str, list[Transfer]] = {}
    for tr in transfers:
        grouped.setdefault(tr.sku, []).append(tr)
    out: list[Suggestion] = []
    for sku, trs in sorted(grouped.items()):
        sp = by_sku[sku]
        items = {i.site: i for i in sp.items}
        inflow: dict[str, int] = {}
        outflow: dict[str, int] = {}
        for tr in trs:
            inflow[tr.destination] = inflow.get(tr.destination, 0) + tr.quantity
            outflow[tr.origin] = outflow.get(tr.origin, 0) + tr.quantity
        p = float(sp.lost_sale_cost)

        def site_cost(it: SiteItem, position: float, p: float = p) -> float:
            short = expected_shortage(it.demand_mean, it.demand_sigma, position)
            h = float(it.holding_cost)
            return (p + h) * short + h * (position - it.demand_mean)

        gain: dict[str, float] = {}  # cost avoided at a receiving site, per unit in
        loss: dict[str, float] = {}  # cost added at a sending site, per unit out
        for site, q in inflow.items():
            it = items[site]
            before, after = it.position, it.position + q - outflow.get(site, 0)
            gain[site] = (site_cost(it, before) - site_cost(it, after)) / q
        for site, q in outflow.items():
            it = items[site]
            before, after = it.position, it.position - q + inflow.get(site, 0)
            loss[site] = (site_cost(it, after) - site_cost(it, before)) / q
        for tr in sorted(trs, key=lambda x: (x.origin, x.destination)):
            lane = lanes[(tr.origin, tr.destination)]
            src, dst = items[tr.origin], items[tr.destination]
            cost = (lane.unit_cost * tr.quantity).quantize(CENT)
            benefit = Decimal(str(round(
                (gain[tr.destination] - loss[tr.origin]) * tr.quantity, 2))) - cost
            why = (f"{dst.site} forecasts {dst.demand_mean:.1f} units (σ {dst.demand_sigma:.1f}) "
                   f"in {problem.horizon_days * 24} h against {dst.position} available; "
                   f"{src.site} holds {src.on_hand - src.reserved} free for "
                   f"{src.demand_mean:.1f} forecast, safety stock {src.safety_stock}; "
                   f"lost sale {sp.lost_sale_cost}/unit vs transfer {lane.unit_cost}/unit, "
                   f"{lane.lead_days} d on the way")
            flag = ""
            left = src.on_hand - src.reserved - outflow[tr.origin]
            if left < src.safety_stock:
                flag = (f"{src.site} would keep {left} free after shipping, below its "
                        f"safety stock {src.safety_stock}")
            out.append(Suggestion(
                len(out) + 1, sku, tr.origin, tr.destination, tr.quantity, lane.lead_days,
                lane.unit_cost, cost, benefit, why,
                SuggestionStatus.FLAGGED if flag else SuggestionStatus.SUGGESTED, flag,
                source_safety_stock=src.safety_stock))
    return out


def auto_acceptable(s: Suggestion, settings: PlanningSettings) -> bool:
    """The rule: not flagged, still only suggested, net benefit at least the minimum."""
    return (s.status is SuggestionStatus.SUGGESTED
            and s.expected_benefit >= settings.auto_accept_min_benefit)


def flag_for_stock(s: Suggestion, on_hand: int, reserved: int, safety_stock: int) -> str:
    """At acceptance, against the source's stock now: '' when the transfer leaves it at or
    above its safety stock."""
    keep = max(safety_stock, s.source_safety_stock)
    left = on_hand - reserved - s.quantity
    if left < keep:
        return (f"{s.origin} would keep {left} of SKU {s.sku} free after shipping "
                f"{s.quantity}, below its safety stock {keep}")
    return ""


@dataclass(frozen=True, slots=True)
class Plan:
    """A stored plan: when, by whom, over which horizon, from which forecast run; what the
    solve found (`summary`: SKUs, sites, seconds, status, expected benefit)."""

    id: str
    tenant_id: str
    created_at: datetime
    created_by: str
    horizon_hours: int
    forecast_run_id: str
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "created_by": self.created_by,
                "horizon_hours": self.horizon_hours, "forecast_run_id": self.forecast_run_id,
                "summary": self.summary}
