"""The exception desk's approval tiers as rules of a rule set (`then: {tier: L1|L2|L3}`):
the safety check a set's tier rules pass when it is drafted, their sandbox replay over
the tenant's recent exceptions, where the live ones are kept (the tier policy's
document, one new audited version per activation or rollback) and the desk's side of a
canary's comparison.

Live tier rules are stored in the tier policy (`uow.exceptions.policy`) rather than with
the routing rules: the desk reads one versioned document, and `GET /v1/exceptions/policy`
shows which set's rules are in force. A set without tier rules leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.exceptions import Tier, TierPolicy
from orderhub.domain.exceptions.policy import TIER_RANK, l3_loosened, tier_by_rules
from orderhub.domain.routing.strategy import route_order
from orderhub.domain.rules.checks import order_day
from orderhub.domain.rules.model import RoutingRule, is_tier_doc, parse_rule, rule_doc
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork

REPLAY_LIMIT = 20_000  # exceptions replayed per sandbox run


def stored_policy(uow: UnitOfWork, tenant_id: str) -> TierPolicy:
    """The tier policy document in force (thresholds and live tier rules)."""
    stored = uow.exceptions.policy(tenant_id)
    return TierPolicy() if stored is None else TierPolicy.from_document(stored[1], stored[0])


def live_tier_docs(uow: UnitOfWork, tenant_id: str) -> list[dict[str, Any]]:
    return list(stored_policy(uow, tenant_id).as_document()["tiers"]["rules"])


def _canonical(doc: Mapping[str, Any], loc: str) -> dict[str, Any]:
    out = rule_doc(parse_rule(doc, loc=loc))
    for key in ("version", "enabled"):
        out.pop(key, None)
    return out


def unchanged_in_import(uow: UnitOfWork, tenant_id: str, docs: Sequence[Any]
                        ) -> list[dict[str, Any]]:
    """The tier rules of an imported file (an export kept in git), as import reports them
    (`changed: False`): accepted when they are exactly the tier rules in force, so an
    export imports back unchanged. Any other tier section is refused with 422 on
    `then.tier`: tier rules go live only through a rule set (sandbox, canary, activation),
    which takes the same file (`orderhub rules draft FILE`, `POST /v1/rules/sets`)."""
    found = [(i, d) for i, d in enumerate(docs) if isinstance(d, Mapping) and is_tier_doc(d)]
    if not found:
        return []
    policy = stored_policy(uow, tenant_id)
    live = [_canonical(d, "") for d in policy.as_document()["tiers"]["rules"]]
    mine = [_canonical(d, f"rules.{i}") for i, d in found]
    if sorted(mine, key=lambda d: d["code"]) != sorted(live, key=lambda d: d["code"]):
        raise InvalidInput([FieldError(
            f"rules.{i}.then.tier", "these tier rules differ from the ones in force; approval "
            "tiers go live through a rule set (POST /v1/rules/sets, `orderhub rules draft "
            "FILE` takes this file as it is: sandbox, canary, activation), not by import")
            for i, _ in found])
    return [{**d, "version": policy.version, "enabled": True, "changed": False,
             "tiers_from": policy.source} for d in mine]


def tier_rules(rules: Sequence[RoutingRule]) -> tuple[RoutingRule, ...]:
    return tuple(r for r in rules if r.is_tier)


def check_safety(uow: UnitOfWork, tenant_id: str, rules: Sequence[RoutingRule]) -> None:
    """Refuse tier rules that would take below L3 a case the default policy keeps at L3
    (anomalies, orders above its value, its L3 remedies) unless the rule deciding it says
    `override_l3: true`."""
    tiers = tier_rules(rules)
    if not tiers:
        return
    found = l3_loosened(stored_policy(uow, tenant_id), tiers)
    if found:
        raise InvalidInput([FieldError("rules", msg) for msg in found])


def put_live(uow: UnitOfWork, tenant_id: str, docs: Sequence[Mapping[str, Any]],
             rule_set: int | None, *, actor: str, reason: str, now: datetime
             ) -> dict[str, Any]:
    """A new version of the tier policy with these tier rules in force (none: the
    thresholds decide again), audited as `exception_policy` like any policy change.
    Returns what is now in force (`from`, `policy_version`, the rules' codes and
    documents), which a rollback records as the tiers it restored."""
    before = stored_policy(uow, tenant_id)
    doc = before.as_document()
    doc.pop("version")
    doc["tiers"] = {"rule_set": rule_set, "rules": [dict(d) for d in docs if is_tier_doc(d)]}
    policy = TierPolicy.from_document(doc, before.version + 1)
    uow.exceptions.add_policy(tenant_id, policy.version, policy.as_document(), reason=reason,
                              actor=actor, at=now)
    in_force = {"from": policy.source, "policy_version": policy.version,
                "codes": [r.code for r in policy.rules],
                "rules": policy.as_document()["tiers"]["rules"]}
    audit.note(uow, tenant_id, now, actor, "exception_policy",
               f"exception-policy/{policy.version}",
               {"version": policy.version, "reason": reason, "tiers_from": policy.source,
                "tier_rules": in_force["codes"],
                "changed": audit.changed(before.as_document(), policy.as_document())})
    return in_force


# ----- the sandbox: recent exceptions under the draft's tiers --------------------------------

@dataclass
class _TierArm:
    remedies: dict[str, int] = field(default_factory=lambda: {t.value: 0 for t in Tier})
    best: dict[str, int] = field(default_factory=lambda: {t.value: 0 for t in Tier})
    auto_applied: int = 0
    auto_cost: Decimal = Decimal(0)

    def view(self) -> dict[str, Any]:
        return {"remedies_by_tier": self.remedies, "best_remedy_by_tier": self.best,
                "auto_applied": self.auto_applied, "auto_applied_cost": str(self.auto_cost)}


def replay(uow: UnitOfWork, tenant_id: str, draft: Sequence[RoutingRule], *,
           since: datetime, limit: int = REPLAY_LIMIT, examples: int = 10) -> dict[str, Any]:
    """The remedies of the tenant's exceptions opened since `since`, tiered by the live
    policy and by the draft's tier rules: how many would be L1/L2/L3, how many exceptions
    would have their best remedy applied automatically (L1 and it changes the order) and
    at what cost, and every remedy the default policy keeps at L3 that the draft would
    not (`l3_loosened`: a failure unless the deciding rule says `override_l3`). Each
    exception is tiered by its own kind; the order's other open exceptions are not
    replayed."""
    live = stored_policy(uow, tenant_id)
    default = live.defaults()
    draft_policy = live.with_tiers(tier_rules(draft), "draft")
    recs = uow.exceptions.opened_since(tenant_id, since, limit)
    orders = {o.id: o for o in uow.orders.get_many(
        tenant_id, sorted({r.order_id for r in recs}))}
    skus = sorted({ln.sku for o in orders.values() for ln in o.lines if ln.sku})
    catalog = uow.catalog.skus_by_code(tenant_id, skus)
    days = [order_day(o) for o in orders.values()]
    # one read of the rates the orders' days need: values judged in the base currency
    fx = (uow.fx.table(tenant_id, {o.currency for o in orders.values()}, min(days), max(days))
          if days else None)
    arms = {"live": _TierArm(), "draft": _TierArm()}
    changed = loosened = loosened_flagged = 0
    shown: list[dict[str, Any]] = []
    for rec in recs:
        order = orders.get(rec.order_id)
        if order is None or not rec.remedies:
            continue
        route = route_order(order, catalog, fx=fx)
        tiers: dict[str, list[Tier]] = {"live": [], "draft": []}
        for remedy in rec.remedies:
            for name, policy in (("live", live), ("draft", draft_policy)):
                tier = policy.tier(remedy, rec.kind, route.value, route)
                tiers[name].append(tier)
                arms[name].remedies[tier.value] += 1
            a, b = tiers["live"][-1], tiers["draft"][-1]
            if TIER_RANK[b] < TIER_RANK[Tier.L3] <= TIER_RANK[
                    default.tier(remedy, rec.kind, route.value, route)]:
                _, by = tier_by_rules(draft_policy.rules, remedy, rec.kind, route)
                if any(r.then.override_l3 for r in by):
                    loosened_flagged += 1
                else:
                    loosened += 1
            if a != b:
                changed += 1
                if len(shown) < examples:
                    shown.append({"exception_id": rec.id, "order_id": rec.order_id,
                                  "exception_kind": rec.kind.value,
                                  "remedy": remedy.kind.value, "n": remedy.n,
                                  "cost_delta": str(remedy.cost_delta),
                                  "delay_days": remedy.delay_days,
                                  "live": a.value, "draft": b.value})
        best = rec.remedies[0]
        for name in ("live", "draft"):
            tier = tiers[name][0]
            arms[name].best[tier.value] += 1
            if tier == Tier.L1 and best.changes_order:
                arms[name].auto_applied += 1
                arms[name].auto_cost += best.cost_delta
    lv, dv = arms["live"].view(), arms["draft"].view()
    return {"exceptions": len(recs), "live_tiers_from": live.source,
            "live": lv, "draft": dv,
            "delta": {"auto_applied": dv["auto_applied"] - lv["auto_applied"],
                      "auto_applied_cost": str(arms["draft"].auto_cost
                                               - arms["live"].auto_cost)},
            "remedies_changed": changed, "l3_loosened": loosened,
            "l3_loosened_by_override": loosened_flagged, "examples": shown}


def replay_failures(report: Mapping[str, Any] | None) -> list[str]:
    if not report or not report.get("l3_loosened"):
        return []
    return [f"tiers: {report['l3_loosened']} replayed remedies the default policy keeps at "
            "L3 would be L1 or L2 under the draft, and no rule deciding them says "
            "override_l3: true"]


# ----- the canary: the desk's side ----------------------------------------------------------

def desk_arms(uow: UnitOfWork, tenant_id: str, label: str, since: datetime,
              until: datetime | None) -> dict[str, Any]:
    """Remedies applied and proposed since the canary started, by the tiers that decided
    them: the canary's (orders in its slice) and the others'."""
    arms: dict[str, dict[str, Any]] = {}
    for _subject, d in uow.audit.details(tenant_id, "exception_remedy", since, until):
        source = d.get("tiers")
        if not source:
            continue
        arm_name = label if source == label else "live"
        arm = arms.setdefault(arm_name, {"applied_automatically": 0, "auto_applied_cost": "0",
                                         "applied_by_people": 0, "proposed": {}})
        if d.get("action") == "applied":
            if d.get("automatic"):
                arm["applied_automatically"] += 1
                arm["auto_applied_cost"] = str(Decimal(arm["auto_applied_cost"])
                                               + Decimal(str(d.get("cost_delta", "0"))))
            else:
                arm["applied_by_people"] += 1
        elif d.get("action") == "proposed":
            tier = str(d.get("tier"))
            arm["proposed"][tier] = arm["proposed"].get(tier, 0) + 1
    return arms


def split(docs: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]],
                                                      list[Mapping[str, Any]]]:
    """A set's rule documents: (routing rules and checks, tier rules)."""
    return ([d for d in docs if not is_tier_doc(d)], [d for d in docs if is_tier_doc(d)])
