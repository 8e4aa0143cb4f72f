"""One order's twin: where it is on its eleven stages, when each step is due under the SLA
policy, the slack left to the promised delivery, and its health (0-100) with the reasons
that drive it. Pure: the stage entry times, the facts and `now` come in as arguments.

The probability of missing the promise here is the SLA-arithmetic baseline (a logistic
squash of the projected slack against the time still to go); a learned risk model, where
one is trained, replaces it in the service layer."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from orderhub.domain.twin.calendar import WorkingCalendar
from orderhub.domain.twin.sla import SlaPolicy, StageTarget, format_duration
from orderhub.domain.twin.stages import ORDER, Stage

FINISHED_STATUSES = frozenset({"paid", "cancelled"})


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the SLA policy matches on and the twin reports, read from the order."""

    order_id: str
    status: str
    channel: str = ""
    service_level: str = "standard"
    warehouse: str = ""  # the (first) shipping site, once allocated
    customer_tier: str = ""
    promised_delivery: date | None = None
    held_since: datetime | None = None
    hold_codes: tuple[str, ...] = ()

    def match(self) -> dict[str, str]:
        return {"channel": self.channel, "service_level": self.service_level,
                "warehouse": self.warehouse, "customer_tier": self.customer_tier}


@dataclass(frozen=True, slots=True)
class Signal:
    """Something outside the order that lowers its health (a degraded carrier, a failed
    delivery attempt, a closed site), found by the service layer."""

    penalty: int
    reason: str
    reason_zh: str


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    penalty: int
    message: str
    message_zh: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "penalty": self.penalty, "message": self.message,
                "message_zh": self.message_zh}


@dataclass(slots=True)  # not frozen: built eleven times per twin, on every event
class StageView:
    stage: Stage
    state: str  # done | current | next | pending | skipped
    entered_at: datetime | None
    left_at: datetime | None
    target: StageTarget | None
    due_at: datetime | None  # when the order should have entered (or enter) the stage
    projected_at: datetime | None  # for stages not reached yet

    @property
    def late_by(self) -> timedelta | None:
        if self.due_at is None:
            return None
        reached = self.entered_at or self.projected_at
        if reached is None or reached <= self.due_at:
            return None
        return reached - self.due_at

    def as_dict(self, previous_entered: datetime | None) -> dict[str, Any]:
        actual = (self.entered_at - previous_entered
                  if self.entered_at and previous_entered else None)
        return {
            "stage": self.stage.value,
            "label_zh": self.stage.label_zh,
            "state": self.state,
            "entered_at": self.entered_at,
            "left_at": self.left_at,
            "expected": self.target.describe() if self.target else None,
            "expected_zh": self.target.describe_zh() if self.target else None,
            "expected_rule": self.target.rule if self.target else None,
            "due_at": self.due_at,
            "projected_at": self.projected_at,
            "took": format_duration(actual) if actual is not None else None,
            "late_by": format_duration(self.late_by) if self.late_by else None,
        }


@dataclass(frozen=True, slots=True)
class Twin:
    order_id: str
    status: str
    stages: list[StageView]
    current: Stage | None
    next_stage: Stage | None
    next_due_at: datetime | None
    watch_at: datetime | None  # when the step in progress counts as stalled
    team: str
    promise_at: datetime | None
    projected_delivery: datetime | None
    slack: timedelta | None
    health: int
    risk: float
    reasons: list[Reason] = field(default_factory=list)
    risk_source: str = "sla"  # "sla" (the arithmetic baseline) or the model's version

    def with_risk(self, risk: float, source: str, reasons: list[Reason]) -> Twin:
        """The same twin with a learned model's probability and its reasons added."""
        return replace(self, risk=risk, risk_source=source, reasons=self.reasons + reasons)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def as_dict(self) -> dict[str, Any]:
        rows = []
        prev: datetime | None = None
        for s in self.stages:
            rows.append(s.as_dict(prev))
            if s.entered_at is not None:
                prev = s.entered_at
        return {
            "order_id": self.order_id,
            "status": self.status,
            "current_stage": self.current.value if self.current else None,
            "next_stage": self.next_stage.value if self.next_stage else None,
            "next_due_at": self.next_due_at,
            "stalled_after": self.watch_at,
            "team": self.team,
            "promised_delivery_by": self.promise_at,
            "projected_delivery": self.projected_delivery,
            "slack": _signed(self.slack),
            "slack_hours": round(self.slack.total_seconds() / 3600, 2)
            if self.slack is not None else None,
            "health": self.health,
            "risk": round(self.risk, 4),
            "risk_source": self.risk_source,
            "reasons": [r.as_dict() for r in self.reasons],
            "stages": rows,
        }


def _signed(value: timedelta | None) -> str | None:
    if value is None:
        return None
    return ("-" if value < timedelta(0) else "") + format_duration(abs(value))


def due_by(calendar: WorkingCalendar, start: datetime, target: StageTarget,
           transit: timedelta | None = None) -> datetime:
    """When a step that started at `start` must be done under `target` (`transit`: what
    the promise allows for a delivery target that follows it)."""
    if target.promise and transit is not None:
        return start + transit
    if target.by is not None:
        return calendar.next_at(start, target.by)
    within = target.within or timedelta(0)
    return calendar.add_working(start, within) if target.business_hours else start + within


def build_twin(facts: OrderFacts, entries: dict[Stage, datetime], policy: SlaPolicy,
               now: datetime, *, finished_at: datetime | None = None,
               signals: list[Signal] | None = None) -> Twin:
    targets = policy.targets_for(facts.match())
    calendar = policy.calendar(facts.warehouse)
    memo = policy.due_memo
    if len(memo) > 100_000:
        memo.clear()

    def due(start: datetime, target: StageTarget, transit: timedelta | None = None) -> (
            datetime):
        key = (facts.warehouse, start, id(target), transit)  # targets: the policy's own
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = due_by(calendar, start, target, transit)
        return hit

    current = max(entries, key=lambda s: s.rank) if entries else None
    promise_at = None
    if facts.promised_delivery is not None:
        day_key = (facts.warehouse, facts.promised_delivery)
        promise_at = memo.get(day_key)
        if promise_at is None:
            promise_at = memo[day_key] = calendar.end_of_day(facts.promised_delivery)
    transit = _planned_transit(entries, targets, due, promise_at)
    finished = facts.status in FINISHED_STATUSES
    views: list[StageView] = []
    last_time: datetime | None = None  # entry (or projection) of the latest stage so far
    next_stage: Stage | None = None
    next_due: datetime | None = None
    for stage in ORDER:
        target = targets.get(stage)
        entered = entries.get(stage)
        due_at = due(last_time, target, transit) if (target and last_time) else None
        if entered is not None:
            later = [entries[s] for s in ORDER[stage.rank + 1:] if s in entries]
            left = min(later) if later else (finished_at if stage == current else None)
            state = "current" if stage == current and not finished else "done"
            views.append(StageView(stage, state, entered, left, target, due_at, None))
            last_time = entered
            continue
        if current is not None and stage.rank < current.rank:
            views.append(StageView(stage, "skipped", None, None, target, None, None))
            continue
        if finished or last_time is None:
            views.append(StageView(stage, "pending", None, None, target, None, None))
            continue
        projected: datetime | None
        if next_stage is None:
            next_stage, next_due = stage, due_at
            projected = max(due_at, now) if due_at else now
            views.append(StageView(stage, "next", None, None, target, due_at, projected))
        else:
            projected = due_at
            views.append(StageView(stage, "pending", None, None, target, due_at, projected))
        last_time = projected

    delivered = next(v for v in views if v.stage == Stage.DELIVERED)
    arrival = delivered.entered_at or delivered.projected_at
    slack = promise_at - arrival if (promise_at and arrival) else None

    watch_at: datetime | None = None  # payment terms vary: an invoice is not watched
    if not finished and facts.status != "invoiced" and next_stage is not None \
            and current is not None:
        window = policy.window(targets[next_stage]) if next_stage in targets else None
        watch_at = entries[current] + window if window is not None else next_due
    reasons = _reasons(facts, views, next_stage, next_due, slack, now, signals or [])
    health = max(0, 100 - sum(r.penalty for r in reasons))
    risk = baseline_risk(slack, views, now, delivered_at=delivered.entered_at,
                         cancelled=facts.status == "cancelled")
    return Twin(facts.order_id, facts.status, views, current, next_stage, next_due, watch_at,
                policy.team(next_stage) if next_stage else "", promise_at,
                arrival if promise_at or arrival else None, slack, health, risk, reasons)


def _planned_transit(entries: dict[Stage, datetime], targets: dict[Stage, StageTarget],
                     due: Callable[[datetime, StageTarget], datetime],
                     promise_at: datetime | None) -> timedelta | None:
    """What the promise allows from the carrier's first scan to delivery, when every step
    before it keeps its target (the router promised with that plan): lateness upstream
    then shows as lost slack, not as a moving deadline."""
    start = entries.get(Stage.CREATED)
    if promise_at is None or start is None:
        return None
    at = start
    for stage in ORDER[1:Stage.IN_TRANSIT.rank + 1]:
        target = targets.get(stage)
        if target is not None:
            at = due(at, target)
    return max(timedelta(0), promise_at - at)


def baseline_risk(slack: timedelta | None, views: list[StageView], now: datetime, *,
                  delivered_at: datetime | None, cancelled: bool) -> float:
    """P(miss the promise) from SLA arithmetic alone: certain once known, otherwise a
    logistic squash of the projected slack, with a scale that grows with the time still
    to go (far from delivery, a day of slack is less sure than an hour before it). The
    projection lets every step ahead take its whole allowance, so zero slack is a plan
    that holds in the worst case the policy allows: 0.25, not a coin toss."""
    if cancelled or slack is None:
        return 0.0
    if delivered_at is not None:
        return 1.0 if slack < timedelta(0) else 0.0
    ahead = max((v.projected_at for v in views if v.projected_at), default=now) - now
    scale_h = max(2.0, 0.15 * ahead.total_seconds() / 3600)
    x = -slack.total_seconds() / 3600 / scale_h - math.log(3)
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, x))))


def _hours(value: timedelta) -> str:
    h = value.total_seconds() / 3600
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} d"


def _reasons(facts: OrderFacts, views: list[StageView], next_stage: Stage | None,
             next_due: datetime | None, slack: timedelta | None, now: datetime,
             signals: list[Signal]) -> list[Reason]:
    out: list[Reason] = []
    if facts.status == "on_hold" and facts.held_since is not None:
        held = now - facts.held_since
        codes = ", ".join(facts.hold_codes) or "held"
        out.append(Reason("held", 30, f"held {_hours(held)}: {codes}",
                          f"挂起 {_hours(held)}：{codes}"))
    if next_stage is not None and next_due is not None and now > next_due:
        over = now - next_due
        view = next(v for v in views if v.stage == next_stage)
        target = view.target
        site = f" at {facts.warehouse}" if facts.warehouse and next_stage in (
            Stage.RELEASED, Stage.PICKED, Stage.PACKED, Stage.SHIPPED) else ""
        expected = max(timedelta(minutes=15), target.within if target and target.within
                       else timedelta(hours=1))
        penalty = int(min(35, 10 + 25 * over / expected))
        out.append(Reason(
            "step_overdue", penalty,
            f"{next_stage.step}{site} {_hours(over)} behind"
            + (f" (expected {target.describe()})" if target else ""),
            f"{facts.warehouse + ' ' if site else ''}{next_stage.step_zh}落后 {_hours(over)}"
            + (f"（要求 {target.describe_zh()}）" if target else "")))
    if slack is not None and facts.status != "cancelled" and slack < timedelta(0):
        penalty = int(min(50, 25 + 2 * abs(slack.total_seconds()) / 3600))
        out.append(Reason("promise_missed" if any(
            v.stage == Stage.DELIVERED and v.entered_at for v in views) else "late",
            penalty, f"projected {_hours(-slack)} after the promised delivery",
            f"预计晚于承诺送达 {_hours(-slack)}"))
    out.extend(Reason("signal", s.penalty, s.reason, s.reason_zh) for s in signals)
    return out
