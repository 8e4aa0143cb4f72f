"""The naive baseline: SLA arithmetic alone, no learning.

Expected remaining time = what is left of the current stage's expected duration plus the
expected durations of the stages still ahead (release within 30 min of allocation, pick
within 2 h, carrier pick-up by the cut-off, the lane's quoted transit days). The
probability of lateness squashes the ratio of slack (time left to the promise) to that
expected remaining time through a fixed logistic curve: 0.5 when they are equal, near 0
with twice the time needed, near 1 once the promise has passed. Its reasons are its own
components, so they are as honest as the arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orderhub.domain.risk.snapshot import STAGE_INDEX, STAGES, OrderSnapshot

# Expected hours from entering a stage to entering the next one (the SLA table's defaults;
# a twin with its own SLA policy passes `expected_remaining_hours` in the snapshot).
DEFAULT_STAGE_HOURS: dict[str, float] = {
    "created": 0.05, "validated": 0.05, "reserved": 0.05,
    "allocated": 0.5,  # release within 30 min of allocation
    "released": 2.0,  # pick within 2 h
    "picked": 0.5,  # pack
    "packed": 4.0,  # carrier pick-up by the cut-off
    "shipped": 2.0,  # first scan at the carrier's hub
    # in_transit -> delivered: the lane's quoted transit days, less the first scan
}
STEEPNESS = 3.0  # how sharply the squash turns from "fine" to "late"; fixed, not fitted
MIN_EXPECTED_HOURS = 1.0

_LABELS = {"created": "validation", "validated": "reservation", "reserved": "allocation",
           "allocated": "release", "released": "picking", "picked": "packing",
           "packed": "carrier pick-up", "shipped": "first scan", "in_transit": "transit"}
_LABELS_ZH = {"created": "校验", "validated": "预占库存", "reserved": "分配",
              "allocated": "下发仓库", "released": "拣货", "picked": "打包",
              "packed": "承运商揽收", "shipped": "首次扫描", "in_transit": "运输",
              "policy": "SLA 策略"}


def _stage_hours(snapshot: OrderSnapshot, stage: str) -> float:
    if stage == "in_transit":
        return max(0.0, snapshot.lane_days * 24 - DEFAULT_STAGE_HOURS["shipped"])
    return DEFAULT_STAGE_HOURS.get(stage, 0.0)


def expected_remaining(snapshot: OrderSnapshot) -> tuple[float, dict[str, float]]:
    """Expected hours until delivery and their parts (stage -> hours), by the SLA table."""
    if snapshot.expected_remaining_hours is not None:
        return snapshot.expected_remaining_hours, {"policy": snapshot.expected_remaining_hours}
    current = snapshot.stage_index
    if current >= STAGE_INDEX["delivered"]:
        return 0.0, {}
    parts: dict[str, float] = {}
    for stage in STAGES[current:STAGE_INDEX["delivered"]]:
        hours = _stage_hours(snapshot, stage)
        if stage == snapshot.stage:
            hours = max(0.0, hours - snapshot.hours_in_stage)
        parts[stage] = hours
    return sum(parts.values()), parts


@dataclass(frozen=True, slots=True)
class BaselineEstimate:
    probability: float
    expected_hours: float
    slack_hours: float
    parts: dict[str, float]

    def reasons_zh(self) -> list[str]:
        if self.slack_hours < 0:
            return [f"已超过承诺时间 {-self.slack_hours:.1f} 小时"]
        out = [f"按 SLA 表预计还需约 {self.expected_hours:.1f} 小时，距承诺送达 "
               f"{self.slack_hours:.1f} 小时"]
        if self.parts:
            stage, hours = max(self.parts.items(), key=lambda kv: kv[1])
            if hours > 0:
                out.append(f"剩余最长环节：{_LABELS_ZH.get(stage, stage)} {hours:.1f} 小时")
        return out

    def reasons(self) -> list[str]:
        if self.slack_hours < 0:
            return [f"promise passed {-self.slack_hours:.1f} h ago"]
        out = [f"about {self.expected_hours:.1f} h of work left by the SLA table against "
               f"{self.slack_hours:.1f} h to the promise"]
        if self.parts:
            stage, hours = max(self.parts.items(), key=lambda kv: kv[1])
            if hours > 0:
                out.append(f"largest remaining step: {_LABELS.get(stage, stage)} "
                           f"{hours:.1f} h")
        return out


def squash(slack_hours: float, expected_hours: float) -> float:
    """P(late) from slack and expected remaining time: 1 / (1 + e^(k (slack/expected - 1)))."""
    ratio = slack_hours / max(expected_hours, MIN_EXPECTED_HOURS)
    z = STEEPNESS * (ratio - 1.0)
    z = max(-50.0, min(50.0, z))
    return 1.0 / (1.0 + math.exp(z))


def baseline_estimate(snapshot: OrderSnapshot) -> BaselineEstimate:
    """The SLA-arithmetic probability of missing the promise, with its components."""
    if "delivered" in snapshot.stages:  # the outcome is known
        late = snapshot.stages["delivered"] > snapshot.promised_by
        return BaselineEstimate(1.0 if late else 0.0, 0.0, snapshot.slack_hours, {})
    expected, parts = expected_remaining(snapshot)
    return BaselineEstimate(squash(snapshot.slack_hours, expected), expected,
                            snapshot.slack_hours, parts)
