"""An order in flight as the hub sees it at one moment, and a risk answer about it.

A snapshot carries only what is known at `at`: the stages entered so far (each no later
than `at`), the promise made when the order was placed, and the state of the world at
`at` as the hub observes it (the warehouse's picking backlog, the carrier's declared
status and its measured delays over the last two days, weather alerts, the calendar).
Building one with a stage entered after `at` is refused: the model can never be handed
the future by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

# The order twin's 11 stages (issue 14), in order; "invoiced" stands for invoiced/paid.
STAGES: tuple[str, ...] = (
    "created", "validated", "reserved", "allocated", "released", "picked", "packed",
    "shipped", "in_transit", "delivered", "invoiced")
STAGE_INDEX: dict[str, int] = {s: i for i, s in enumerate(STAGES)}

CHINA_TZ = timezone(timedelta(hours=8))  # warehouses, carriers and promises run on it

SERVICE_LEVELS: tuple[str, ...] = ("same_day", "next_day", "express", "standard", "economy")


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """One order at one moment. Times are tz-aware UTC."""

    order_id: str
    at: datetime
    stages: Mapping[str, datetime]  # stage -> when it was entered (a prefix of STAGES)
    promised_by: datetime  # the promised delivery deadline
    service_level: str
    channel: str
    warehouse: str  # the site it ships from ("" before allocation)
    carrier: str  # the carrier service ("" before one is chosen)
    origin_region: str
    dest_region: str
    lane_days: float  # the carrier's quoted transit days on this lane
    # The world at `at`, as observed then:
    backlog_hours: float = 0.0  # picking work queued ahead at the warehouse, hours
    queue_depth: int = 0  # orders released to the warehouse and not yet picked
    carrier_degraded: bool = False  # the carrier declared degraded into dest_region
    carrier_delay_hours: float = 0.0  # its mean delay on deliveries there, last 48 h
    weather_alert: int = 0  # 0 none, 1 warning, 2 severe, in dest_region
    holiday: bool = False  # a public holiday (China) on the local date of `at`
    peak: float = 1.0  # the calendar's known volume factor for the day (Double 11: 4)
    # From the twin's SLA policy, when it has one; else the default table is used:
    expected_remaining_hours: float | None = None
    stage_order: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.promised_by.tzinfo is None:
            raise ValueError("snapshot times must be timezone-aware")
        if "created" not in self.stages:
            raise ValueError("a snapshot needs the time the order was created")
        unknown = [s for s in self.stages if s not in STAGE_INDEX]
        if unknown:
            raise ValueError(f"unknown stage(s) {unknown}; known: {', '.join(STAGES)}")
        future = [s for s, when in self.stages.items() if when > self.at]
        if future:
            raise ValueError(f"stage(s) {future} entered after the snapshot time: "
                             "a snapshot holds only what is known at its time")
        reached = max(STAGE_INDEX[s] for s in self.stages)
        missing = [s for s in STAGES[:reached] if s not in self.stages]
        if missing:
            raise ValueError(f"stage(s) {missing} missing before '{STAGES[reached]}'")
        object.__setattr__(self, "stage_order", STAGES[: reached + 1])

    @property
    def stage(self) -> str:
        """The stage the order is in at `at` (the last one entered)."""
        return self.stage_order[-1]

    @property
    def stage_index(self) -> int:
        return len(self.stage_order) - 1

    @property
    def slack_hours(self) -> float:
        """Hours from `at` to the promised deadline (negative: already past it)."""
        return (self.promised_by - self.at).total_seconds() / 3600

    @property
    def hours_in_stage(self) -> float:
        return (self.at - self.stages[self.stage]).total_seconds() / 3600

    @property
    def hours_since_created(self) -> float:
        return (self.at - self.stages["created"]).total_seconds() / 3600

    @property
    def local(self) -> datetime:
        return self.at.astimezone(CHINA_TZ)


@dataclass(frozen=True, slots=True)
class RiskResult:
    """The probability that the order misses its promise, and why, in words."""

    order_id: str
    probability: float
    reasons: list[str]
    source: str  # "model:v<version>", "baseline", or "outcome" (delivered: known)
    reasons_zh: list[str] = field(default_factory=list)  # the same reasons in Chinese


@dataclass(frozen=True, slots=True)
class LabelledSnapshot:
    """A snapshot from history with its outcome: what a model learns from."""

    snapshot: OrderSnapshot
    late: bool  # delivered after the promise
    day: int  # the day of the history the order was placed on (1-based): splits by day
