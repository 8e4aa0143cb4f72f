"""The desk's policies, as data: how remedies are ranked (cost against lateness), which
tier each remedy needs (L1 automatic, L2 four-eyes, L3 a person only), how long a proposal
stays open; and the approval rules themselves (pure functions of a proposal).

Tiers come from tier rules (domain/rules: `then: {tier: L1|L2|L3}`) when the rule set in
force carries them, or a canary's for the orders in its slice: the strictest tier of the
rules that match a remedy is its tier, and a remedy no rule matches is L2 (people decide).
Without tier rules the policy's thresholds decide (the default policy). `l3_loosened`
is the safety check a set of tier rules must pass against the default policy's L3 cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.domain.errors import Conflict, FieldError, Forbidden, InvalidInput
from orderhub.domain.exceptions.model import (
    Approval,
    Basis,
    ExceptionKind,
    Proposal,
    ProposalState,
    Remedy,
    RemedyKind,
    Tier,
)
from orderhub.domain.rules.conditions import Condition
from orderhub.domain.rules.facts import DeskFacts, RouteOrder
from orderhub.domain.rules.model import RoutingRule, parse_rule, rule_doc

SYSTEM_ACTORS = frozenset({"system", "sweeper", "scheduler"})


@dataclass(frozen=True, slots=True)
class RankingPolicy:
    """score = cost_weight x cost delta + late_cost_per_day x days later than due; the
    lowest score ranks first (ties: fewer days late, then the kind's order)."""

    cost_weight: Decimal = Decimal("1")
    late_cost_per_day: Decimal = Decimal("15.00")

    def score(self, remedy: Remedy) -> Decimal:
        return (self.cost_weight * remedy.cost_delta
                + self.late_cost_per_day * max(0, remedy.delay_days))


@dataclass(frozen=True, slots=True)
class TierPolicy:
    """A tenant's versioned tier policy (set through the API or CLI, audited)."""

    version: int = 0
    l1_remedies: frozenset[RemedyKind] = frozenset(
        {RemedyKind.SWITCH_WAREHOUSE, RemedyKind.UPGRADE_CARRIER})
    l1_max_cost_delta: Decimal = Decimal("5.00")  # CNY
    l1_max_delay_days: int = 0  # no later promise
    # never automatic: a lapsed pre-sale lock usually means an unpaid deposit
    l2_exceptions: frozenset[ExceptionKind] = frozenset({ExceptionKind.RESERVATION_EXPIRED})
    l3_exceptions: frozenset[ExceptionKind] = frozenset({ExceptionKind.ANOMALY})
    l3_order_value_above: Decimal | None = Decimal("10000.00")
    l3_remedies: frozenset[RemedyKind] = frozenset()
    l2_approvals: int = 2
    l3_approvals: int = 1
    proposal_ttl_hours: int = 24
    backorder_days: int = 7  # replenishment lead time assumed for a backordered rest
    contact_cost: Decimal = Decimal("2.00")  # a service agent's call
    contact_delay_days: int = 1  # waiting for the customer's answer
    recall_cost: Decimal = Decimal("3.00")  # a warehouse's work undone: pulled back, relabelled
    ranking: RankingPolicy = field(default_factory=RankingPolicy)
    # Tier rules in force (from the active rule set, or a canary's for its slice): when
    # there are any, they decide tiers instead of the thresholds above.
    rules: tuple[RoutingRule, ...] = ()
    rule_set: int | None = None  # the rule set the live tier rules came from
    tiers_from: str = ""  # what decided tiers: "default policy", "rule set v3", "canary v4"

    @property
    def source(self) -> str:
        if self.tiers_from:
            return self.tiers_from
        if self.rules:
            return f"rule set v{self.rule_set}" if self.rule_set else "tier rules"
        return "default policy"

    def with_tiers(self, rules: tuple[RoutingRule, ...], source: str) -> TierPolicy:
        """This policy with other tier rules deciding (a canary's for its slice)."""
        return replace(self, rules=rules, tiers_from=source)

    def defaults(self) -> TierPolicy:
        """The thresholds alone: the default policy, whatever rules are in force."""
        return replace(self, rules=(), rule_set=None, tiers_from="")

    def tier(self, remedy: Remedy, exception_kind: ExceptionKind, order_value: Decimal,
             route: RouteOrder | None = None) -> Tier:
        if remedy.kind != RemedyKind.RECALL_AND_REROUTE and "recall_from" in remedy.plan:
            # a released order's upgrade_carrier is a recall (its warehouse's work undone,
            # its waybill voided): never less strict than recall_and_reroute would be
            as_recall = replace(remedy, kind=RemedyKind.RECALL_AND_REROUTE)
            return max(self._tier(remedy, exception_kind, order_value, route),
                       self._tier(as_recall, exception_kind, order_value, route),
                       key=TIER_RANK.__getitem__)
        return self._tier(remedy, exception_kind, order_value, route)

    def _tier(self, remedy: Remedy, exception_kind: ExceptionKind, order_value: Decimal,
              route: RouteOrder | None) -> Tier:
        if self.rules:
            return tier_by_rules(self.rules, remedy, exception_kind,
                                 route or _bare_route(order_value))[0]
        if (exception_kind in self.l3_exceptions or remedy.kind in self.l3_remedies
                or (self.l3_order_value_above is not None
                    and order_value > self.l3_order_value_above)):
            return Tier.L3
        if (remedy.kind in self.l1_remedies and exception_kind not in self.l2_exceptions
                and remedy.cost_delta <= self.l1_max_cost_delta
                and remedy.delay_days <= self.l1_max_delay_days):
            return Tier.L1
        return Tier.L2

    def tier_of(self, remedy: Remedy, kinds: frozenset[ExceptionKind] | set[ExceptionKind],
                order_value: Decimal, route: RouteOrder | None = None) -> Tier:
        """The strictest tier over the kinds of the order's open exceptions (an order also
        on the desk for fraud is never re-planned automatically because it is held, too)."""
        return max((self.tier(remedy, k, order_value, route) for k in kinds),
                   key=TIER_RANK.__getitem__)

    def approvals_needed(self, tier: Tier) -> int:
        return {Tier.L1: 0, Tier.L2: self.l2_approvals, Tier.L3: self.l3_approvals}[tier]

    @property
    def ttl(self) -> timedelta:
        return timedelta(hours=self.proposal_ttl_hours)

    # ----- the document form (API, CLI, storage) ----------------------------------------
    def as_document(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "l1": {"remedies": sorted(k.value for k in self.l1_remedies),
                   "max_cost_delta": str(self.l1_max_cost_delta),
                   "max_delay_days": self.l1_max_delay_days},
            "l2": {"approvals": self.l2_approvals,
                   "exceptions": sorted(k.value for k in self.l2_exceptions)},
            "l3": {"exceptions": sorted(k.value for k in self.l3_exceptions),
                   "order_value_above": None if self.l3_order_value_above is None
                   else str(self.l3_order_value_above),
                   "remedies": sorted(k.value for k in self.l3_remedies),
                   "approvals": self.l3_approvals},
            "proposal_ttl_hours": self.proposal_ttl_hours,
            "backorder_days": self.backorder_days,
            "contact": {"cost": str(self.contact_cost), "delay_days": self.contact_delay_days},
            "recall": {"cost": str(self.recall_cost)},
            "ranking": {"cost_weight": str(self.ranking.cost_weight),
                        "late_cost_per_day": str(self.ranking.late_cost_per_day)},
            "tiers": {"from": self.source, "rule_set": self.rule_set,
                      "rules": [_tier_doc(r) for r in self.rules]},
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any], version: int = 0) -> TierPolicy:
        """A policy from its document; sections left out keep the defaults. Every problem
        is reported with its field."""
        errors: list[FieldError] = []
        base = cls()

        def section(name: str) -> dict[str, Any]:
            value = doc.get(name, {})
            if not isinstance(value, dict):
                errors.append(FieldError(name, "must be an object"))
                return {}
            return value

        def money(loc: str, value: Any, default: Decimal | None,
                  nullable: bool = False) -> Decimal | None:
            if value is None:
                return None if nullable else default
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                errors.append(FieldError(loc, "must be a decimal amount"))
                return default
            if not amount.is_finite() or amount < 0:
                errors.append(FieldError(loc, "must be a finite amount of 0 or more"))
                return default
            return amount

        def integer(loc: str, value: Any, default: int, low: int, high: int) -> int:
            if value is None:
                return default
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors.append(FieldError(loc, f"must be a whole number from {low} to {high}"))
                return default
            return value

        def kinds(loc: str, value: Any, enum: Any, default: frozenset[Any]) -> frozenset[Any]:
            if value is None:
                return default
            if not isinstance(value, list):
                errors.append(FieldError(loc, "must be a list"))
                return default
            out = set()
            for v in value:
                try:
                    out.add(enum(v))
                except ValueError:
                    errors.append(FieldError(loc, f"unknown kind '{v}'; known: "
                                             + ", ".join(e.value for e in enum)))
            return frozenset(out)

        known = {"version", "l1", "l2", "l3", "proposal_ttl_hours", "backorder_days",
                 "contact", "recall", "ranking", "tiers"}
        rules, rule_set = _tier_section(doc.get("tiers"), errors)
        errors.extend(FieldError(k, "unknown field") for k in doc if k not in known)
        l1, l2, l3 = section("l1"), section("l2"), section("l3")
        contact, ranking = section("contact"), section("ranking")
        recall = section("recall")
        above = base.l3_order_value_above
        if "order_value_above" in l3:
            above = money("l3.order_value_above", l3["order_value_above"], above, True)
        policy = cls(
            version=version,
            l1_remedies=kinds("l1.remedies", l1.get("remedies"), RemedyKind, base.l1_remedies),
            l1_max_cost_delta=money("l1.max_cost_delta", l1.get("max_cost_delta"),
                                    base.l1_max_cost_delta) or Decimal(0),
            l1_max_delay_days=integer("l1.max_delay_days", l1.get("max_delay_days"),
                                      base.l1_max_delay_days, -30, 30),
            l2_approvals=integer("l2.approvals", l2.get("approvals"), base.l2_approvals, 2, 5),
            l2_exceptions=kinds("l2.exceptions", l2.get("exceptions"), ExceptionKind,
                                base.l2_exceptions),
            l3_exceptions=kinds("l3.exceptions", l3.get("exceptions"), ExceptionKind,
                                base.l3_exceptions),
            l3_order_value_above=above,
            l3_remedies=kinds("l3.remedies", l3.get("remedies"), RemedyKind, base.l3_remedies),
            l3_approvals=integer("l3.approvals", l3.get("approvals"), base.l3_approvals, 1, 5),
            proposal_ttl_hours=integer("proposal_ttl_hours", doc.get("proposal_ttl_hours"),
                                       base.proposal_ttl_hours, 1, 24 * 30),
            backorder_days=integer("backorder_days", doc.get("backorder_days"),
                                   base.backorder_days, 0, 365),
            contact_cost=money("contact.cost", contact.get("cost"),
                               base.contact_cost) or Decimal(0),
            contact_delay_days=integer("contact.delay_days", contact.get("delay_days"),
                                       base.contact_delay_days, 0, 30),
            recall_cost=money("recall.cost", recall.get("cost"),
                              base.recall_cost) or Decimal(0),
            ranking=RankingPolicy(
                money("ranking.cost_weight", ranking.get("cost_weight"),
                      base.ranking.cost_weight) or Decimal(0),
                money("ranking.late_cost_per_day", ranking.get("late_cost_per_day"),
                      base.ranking.late_cost_per_day) or Decimal(0)),
            rules=rules, rule_set=rule_set,
        )
        if policy.l1_remedies & policy.l3_remedies:
            errors.append(FieldError("l3.remedies", "a remedy kind cannot be both L1 and L3"))
        if errors:
            raise InvalidInput(errors)
        return policy


TIER_RANK = {Tier.L1: 1, Tier.L2: 2, Tier.L3: 3}
_PROBE_BASIS = Basis("", "", 0)


def _bare_route(order_value: Decimal) -> RouteOrder:
    return RouteOrder("", "", 0.0, 0.0, (), value=order_value)


def _tier_doc(rule: RoutingRule) -> dict[str, Any]:
    d = rule_doc(rule)
    d.pop("version", None)
    return d


def _tier_section(section: Any, errors: list[FieldError]
                  ) -> tuple[tuple[RoutingRule, ...], int | None]:
    """The stored tier rules (written by a rule set's activation, checked then)."""
    if section is None:
        return (), None
    if not isinstance(section, dict) or not isinstance(section.get("rules", []), list):
        errors.append(FieldError("tiers", "an object with the tier rules (set through a rule "
                                 "set)"))
        return (), None
    rules = []
    for i, d in enumerate(section.get("rules", [])):
        try:
            rule = parse_rule(d, loc=f"tiers.rules.{i}")
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        if not rule.is_tier:
            errors.append(FieldError(f"tiers.rules.{i}.then", "not a tier rule"))
        rules.append(rule)
    rule_set = section.get("rule_set")
    return tuple(rules), rule_set if isinstance(rule_set, int) else None


def tier_by_rules(rules: tuple[RoutingRule, ...] | list[RoutingRule], remedy: Remedy,
                  exception_kind: ExceptionKind, route: RouteOrder
                  ) -> tuple[Tier, list[RoutingRule]]:
    """The strictest tier of the enabled tier rules that match (L2 when none does: people
    decide what no rule covers), and the rules that gave it."""
    desk = DeskFacts(exception_kind.value, remedy.kind.value, remedy.cost_delta,
                     remedy.delay_days)
    best, by = Tier.L2, []
    matched = False
    env: list[dict[str, Any]] = []  # the CEL variables, built once for all the rules
    for rule in rules:
        if not rule.enabled or not rule.is_tier:
            continue
        if not rule.when.matches(route, env=env, desk=desk):
            continue
        tier = Tier(rule.then.tier)
        if not matched or TIER_RANK[tier] > TIER_RANK[best]:
            best, by, matched = tier, [rule], True
        elif tier == best:
            by.append(rule)
    return best, by


def l3_loosened(default: TierPolicy, rules: tuple[RoutingRule, ...] | list[RoutingRule]
                ) -> list[str]:
    """Cases the default policy keeps at L3 (its L3 exception kinds, its L3 remedies,
    orders above its value) that these tier rules would take below L3 and no rule deciding
    them marks with `override_l3: true`. Probed with every remedy kind at no extra cost or
    delay, on an order with no channel, customer tier or destination (a rule scoped to
    some of them covers less than the default does); the sandbox replays real exceptions
    too."""
    d = default.defaults()
    probes: list[tuple[ExceptionKind, RemedyKind, Decimal, str]] = []
    for kind in sorted(d.l3_exceptions):
        probes += [(kind, rk, Decimal("1.00"), f"{kind.value} exceptions") for rk in RemedyKind]
    for rk in sorted(d.l3_remedies):
        probes += [(k, rk, Decimal("1.00"), f"{rk.value} remedies") for k in ExceptionKind]
    if d.l3_order_value_above is not None:
        for value in (d.l3_order_value_above + Decimal("0.01"), d.l3_order_value_above * 10):
            probes += [(k, rk, value, f"orders above {d.l3_order_value_above}")
                       for k in ExceptionKind for rk in RemedyKind]
    out: list[str] = []
    for kind, rk, value, what in probes:
        probe = Remedy(rk, "", "", Decimal(0), 0, None, _PROBE_BASIS)
        if d.tier(probe, kind, value) != Tier.L3:
            continue
        tier, by = tier_by_rules(rules, probe, kind, _bare_route(value))
        if tier == Tier.L3 and any(_covers_all(r) for r in by):
            continue
        if tier != Tier.L3 and any(r.then.override_l3 for r in by):
            continue
        if tier == Tier.L3:  # only the probe's bare facts keep it L3 (a cost, a channel...)
            msg = (f"{what} are L3 in the default policy; these tier rules keep "
                   f"{rk.value} on a {kind.value} exception L3 only under conditions "
                   f"({', '.join(r.code for r in by)}), other such cases would be L1 or L2: "
                   "make an L3 rule for them that is not scoped further (only by "
                   "exception_kind, remedy_kind, order_value_above), or mark the deciding "
                   "rules override_l3: true")
        else:
            who = (", ".join(r.code for r in by) if by else "no tier rule matches, so L2")
            msg = (f"{what} are L3 in the default policy; these tier rules make "
                   f"{rk.value} {tier.value} on a {kind.value} exception of an order of "
                   f"{value} ({who}): "
                   "add an L3 rule for them, or mark the deciding rule override_l3: true")
        if msg not in out:
            out.append(msg)
        if len(out) >= 20:
            break
    return out


def _covers_all(rule: RoutingRule) -> bool:
    """An L3 rule scoped by nothing but the facts the probe sweeps (the exception's and
    the remedy's kinds, the order's value): it keeps every such case L3, not only the
    probe's (no cost, no delay, no channel, no destination)."""
    w = rule.when
    return w == Condition(exception_kind=w.exception_kind, remedy_kind=w.remedy_kind,
                          order_value_above=w.order_value_above)


KIND_ORDER = list(RemedyKind)


def rank(remedies: list[Remedy], policy: TierPolicy, exception_kind: ExceptionKind,
         order_value: Decimal, route: RouteOrder | None = None,
         also: frozenset[ExceptionKind] = frozenset()) -> list[Remedy]:
    """Score, tier and number the candidates: best first, n from 1. `also`: the kinds of
    the order's other open exceptions (the strictest tier over all of them applies)."""
    kinds = {exception_kind, *also}
    scored = [replace(r, score=policy.ranking.score(r),
                      tier=policy.tier_of(r, kinds, order_value, route)) for r in remedies]
    scored.sort(key=lambda r: (r.score, r.delay_days, KIND_ORDER.index(r.kind)))
    return [replace(r, n=i) for i, r in enumerate(scored, start=1)]


# ----- approvals (four-eyes) --------------------------------------------------------------

def check_open(proposal: Proposal, now: datetime) -> None:
    """Refuse a decision on a proposal that is no longer pending (marks an expired one)."""
    if proposal.state == ProposalState.PENDING and now >= proposal.expires_at:
        proposal.state = ProposalState.EXPIRED
        proposal.decided_at = now
        proposal.outcome = "expired before enough approvals"
    if proposal.state == ProposalState.EXPIRED:
        raise Conflict(f"proposal {proposal.id} expired at {proposal.expires_at.isoformat()}; "
                       "propose the remedy again")
    if proposal.state != ProposalState.PENDING:
        raise Conflict(f"proposal {proposal.id} is already {proposal.state.value}"
                       + (f" ({proposal.outcome})" if proposal.outcome else ""))


def approve(proposal: Proposal, approver: str, reason: str, now: datetime,
            needed: int) -> bool:
    """Record one approval; True when the proposal has the approvals its tier needs.
    The proposer cannot approve (403), nobody approves twice (409), an automatic actor
    never approves, an L3 proposal is approved only by a person signed in (not a key),
    and nothing is approved once the proposal expired (409)."""
    check_open(proposal, now)
    if approver == proposal.proposed_by:
        raise Forbidden("exceptions:approve", f"{approver} proposed this remedy and cannot "
                        "approve it: another person must (four-eyes)")
    if approver in SYSTEM_ACTORS:
        raise Forbidden("exceptions:approve", f"{proposal.tier.value} remedies are decided "
                        "by people only")
    if proposal.tier == Tier.L3 and approver.startswith("key:"):
        # an API key acts for a program; an L3 decision needs a signed-in person
        raise Forbidden("exceptions:approve", "L3 remedies are decided by a signed-in person "
                        "(a console user's session), not by an API key")
    if any(a.approver == approver for a in proposal.approvals):
        raise Conflict(f"{approver} already approved proposal {proposal.id}; it needs "
                       f"{needed} different approvers")
    proposal.approvals.append(Approval(approver, "approve", reason, now))
    return len([a for a in proposal.approvals if a.decision == "approve"]) >= needed


def reject(proposal: Proposal, approver: str, reason: str, now: datetime) -> None:
    """A rejection ends the proposal (a reason is required); the proposer may withdraw."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "a rejection needs a reason (audited)")])
    check_open(proposal, now)
    proposal.approvals.append(Approval(approver, "reject", reason, now))
    proposal.state = ProposalState.REJECTED
    proposal.decided_at = now
    proposal.decided_by = approver
    proposal.outcome = reason
