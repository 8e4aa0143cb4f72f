"""Features of a snapshot: numbers and category names, read only from the snapshot (which
holds only what was known at its time), so no feature can see the future.

Each feature belongs to a group; explanations (model.py) replace a whole group with its
typical value and say in words, from the snapshot, what the groups that raise the risk
most are (`describe_group`).
"""

from __future__ import annotations

from collections.abc import Callable

from orderhub.domain.risk.baseline import expected_remaining
from orderhub.domain.risk.snapshot import STAGE_INDEX, OrderSnapshot

FEATURE_VERSION = 1

NUMERIC: tuple[str, ...] = (
    "stage_index", "hours_since_created", "hours_in_stage", "slack_hours",
    "expected_remaining_hours", "slack_ratio", "pending_backlog_hours", "queue_depth",
    "carrier_degraded", "carrier_delay_hours", "weather_alert", "lane_days", "local_hour",
    "local_weekday", "holiday", "peak")
CATEGORICAL: tuple[str, ...] = ("service_level", "channel", "warehouse", "carrier",
                                "dest_region")
FEATURES: tuple[str, ...] = NUMERIC + CATEGORICAL

GROUPS: dict[str, tuple[str, ...]] = {
    "slack": ("slack_hours", "expected_remaining_hours", "slack_ratio"),
    "progress": ("stage_index", "hours_in_stage", "hours_since_created"),
    "backlog": ("pending_backlog_hours", "queue_depth"),
    "carrier": ("carrier_degraded", "carrier_delay_hours", "carrier"),
    "weather": ("weather_alert",),
    "calendar": ("local_hour", "local_weekday", "holiday", "peak"),
    "lane": ("lane_days", "dest_region"),
    "service": ("service_level", "channel"),
    "warehouse": ("warehouse",),
}
assert sorted(f for g in GROUPS.values() for f in g) == sorted(FEATURES)

_PICKED = STAGE_INDEX["picked"]


def numeric_row(s: OrderSnapshot) -> list[float]:
    """The numeric features of one snapshot, in NUMERIC's order."""
    expected, _ = expected_remaining(s)
    slack = s.slack_hours
    waiting_to_pick = s.stage_index < _PICKED
    local = s.local
    return [
        float(s.stage_index), s.hours_since_created, s.hours_in_stage, slack, expected,
        slack / max(expected, 1.0),
        s.backlog_hours if waiting_to_pick else 0.0,
        float(s.queue_depth) if waiting_to_pick else 0.0,
        1.0 if s.carrier_degraded else 0.0, s.carrier_delay_hours, float(s.weather_alert),
        s.lane_days, local.hour + local.minute / 60, float(local.weekday()),
        1.0 if s.holiday else 0.0, s.peak,
    ]


def categorical_row(s: OrderSnapshot) -> list[str]:
    """The categorical features of one snapshot, in CATEGORICAL's order."""
    return [s.service_level, s.channel, s.warehouse, s.carrier, s.dest_region]


def _slack(s: OrderSnapshot) -> str:
    expected, _ = expected_remaining(s)
    if s.slack_hours < 0:
        return f"promise passed {-s.slack_hours:.1f} h ago"
    if expected < 0.5:
        return (f"'{s.stage}' past its expected time, {s.slack_hours:.1f} h to the promise")
    only = "only " if s.slack_hours < expected else ""
    return (f"{only}{s.slack_hours:.1f} h to the promise for about {expected:.1f} h of "
            "work left")


def _progress(s: OrderSnapshot) -> str:
    return f"{s.hours_in_stage:.1f} h in stage '{s.stage}' so far"


def _backlog(s: OrderSnapshot) -> str:
    return (f"picking queue at {s.warehouse} {s.backlog_hours:.1f} h behind "
            f"({s.queue_depth} orders waiting)")


def _carrier(s: OrderSnapshot) -> str:
    if s.carrier_degraded:
        return f"carrier {s.carrier} degraded into {s.dest_region}"
    if s.carrier_delay_hours >= 1:
        return (f"carrier {s.carrier} running {s.carrier_delay_hours:.0f} h late into "
                f"{s.dest_region} over the last 48 h")
    return f"carrier {s.carrier} on this lane"


def _weather(s: OrderSnapshot) -> str:
    kind = "severe weather" if s.weather_alert >= 2 else "weather warning"
    return f"{kind} in {s.dest_region}"


def _calendar(s: OrderSnapshot) -> str:
    if s.peak > 1.2:
        return f"peak day (volume about x{s.peak:.1f})"
    if s.holiday:
        return "public holiday"
    if s.local.weekday() >= 5:
        return "weekend"
    return f"time of day ({s.local:%H:%M} China time)"


def _lane(s: OrderSnapshot) -> str:
    return f"{s.lane_days:.0f}-day lane {s.origin_region} -> {s.dest_region}"


def _service(s: OrderSnapshot) -> str:
    return f"{s.service_level} service ordered on {s.channel}"


def _warehouse(s: OrderSnapshot) -> str:
    return f"ships from {s.warehouse}"


_DESCRIBE: dict[str, Callable[[OrderSnapshot], str]] = {
    "slack": _slack, "progress": _progress, "backlog": _backlog, "carrier": _carrier,
    "weather": _weather, "calendar": _calendar, "lane": _lane, "service": _service,
    "warehouse": _warehouse}


def describe_group(group: str, s: OrderSnapshot) -> str:
    """A group's value for this snapshot, in words ("carrier ZTO degraded into south")."""
    return _DESCRIBE[group](s)
