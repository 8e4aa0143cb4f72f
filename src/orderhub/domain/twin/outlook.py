"""An order's SLA outlook before it is planned, for rules: if every step from now on keeps
the target the SLA policy sets for it (validate, reserve, allocate, release, pick, pack,
ship by the cut-off, carrier pick-up, then the service level's delivery time), when it
ships (the SLA ship-by time) and arrives, and how much slack that leaves to the end of
its due date. Negative slack: the promise cannot be kept under the SLA any more.

Pure; intake works it out once per batch from the cached policy version (one answer per
kind of order and due date, memoised in `memo`) and hands it to rules as facts of the
order's routing view (`domain/rules/facts.RouteOrder.promise_slack_hours` ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from orderhub.domain.rules.facts import SlaFacts
from orderhub.domain.twin.sla import SlaPolicy
from orderhub.domain.twin.stages import ORDER, Stage
from orderhub.domain.twin.twin import due_by

_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Outlook:
    ship_by: datetime  # when the SLA has it handed to the carrier
    arrival: datetime  # when the SLA targets deliver it
    promise_at: datetime | None  # the end of its due date (None: no due date)
    delivery_target: timedelta  # the service level's delivery time

    @property
    def slack(self) -> timedelta | None:
        return None if self.promise_at is None else self.promise_at - self.arrival


def outlook(policy: SlaPolicy, match: dict[str, str], now: datetime, due: date | None,
            memo: dict[Any, Any] | None = None) -> Outlook:
    """The outlook of an order of this kind (`match`: channel, service level, warehouse,
    customer tier, as the policy matches them) starting its steps now."""
    key = (tuple(sorted(match.items())), now, due)
    if memo is not None and key in memo:
        hit: Outlook = memo[key]
        return hit
    targets = policy.targets_for(match)
    calendar = policy.calendar(match.get("warehouse", ""))
    at = now
    ship_by = now
    for stage in ORDER[Stage.VALIDATED.rank:Stage.IN_TRANSIT.rank + 1]:
        target = targets.get(stage)
        if target is not None:
            at = due_by(calendar, at, target)
        if stage == Stage.SHIPPED:
            ship_by = at
    delivered = targets.get(Stage.DELIVERED)
    within = (delivered.within if delivered is not None and delivered.within is not None
              else timedelta(days=2))
    arrival = (calendar.add_working(at, within) if delivered is not None
               and delivered.business_hours else at + within)
    out = Outlook(ship_by, arrival, calendar.end_of_day(due) if due else None, within)
    if memo is not None:
        if len(memo) > 10_000:
            memo.clear()
        memo[key] = out
    return out


def sla_facts(o: Outlook, now: datetime) -> SlaFacts:
    """The outlook as facts of the order's routing view, in hours (two decimals)."""
    slack = o.slack
    return SlaFacts(None if slack is None else round(slack / _HOUR, 2),
                    round((o.ship_by - now) / _HOUR, 2), round(o.delivery_target / _HOUR, 2))


def facts_for(policy: SlaPolicy, match: dict[str, str], now: datetime, due: date | None,
              memo: dict[Any, Any]) -> SlaFacts:
    """`sla_facts(outlook(...))`, memoised per kind of order and due date."""
    key = ("facts", tuple(sorted(match.items())), now, due)
    hit: SlaFacts | None = memo.get(key)
    if hit is None:
        if len(memo) > 10_000:
            memo.clear()
        hit = memo[key] = sla_facts(outlook(policy, match, now, due), now)
    return hit
