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
from orderhub.domain.routing.lanes import REGION_NAMES_ZH

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


STAGES_ZH = {"created": "创建", "validated": "校验", "reserved": "预占库存",
             "allocated": "分配", "released": "下发仓库", "picked": "拣货", "packed": "打包",
             "shipped": "发运", "in_transit": "运输中", "delivered": "签收",
             "invoiced": "开票/收款"}
LEVELS_ZH = {"same_day": "当日达", "next_day": "次日达", "express": "特快",
             "standard": "标准", "economy": "经济"}


def _zh_region(region: str) -> str:
    return REGION_NAMES_ZH.get(region, region)


def _slack_zh(s: OrderSnapshot) -> str:
    expected, _ = expected_remaining(s)
    if s.slack_hours < 0:
        return f"已超过承诺时间 {-s.slack_hours:.1f} 小时"
    if expected < 0.5:
        return (f"「{STAGES_ZH.get(s.stage, s.stage)}」已超出预计时长，距承诺送达 "
                f"{s.slack_hours:.1f} 小时")
    only = "仅剩" if s.slack_hours < expected else "还有"
    return f"距承诺送达{only} {s.slack_hours:.1f} 小时，预计还需约 {expected:.1f} 小时"


def _carrier_zh(s: OrderSnapshot) -> str:
    if s.carrier_degraded:
        return f"承运商 {s.carrier} 发往{_zh_region(s.dest_region)}的线路异常"
    if s.carrier_delay_hours >= 1:
        return (f"承运商 {s.carrier} 近 48 小时发往{_zh_region(s.dest_region)}平均延误 "
                f"{s.carrier_delay_hours:.0f} 小时")
    return f"承运商 {s.carrier}"


def _calendar_zh(s: OrderSnapshot) -> str:
    if s.peak > 1.2:
        return f"大促高峰日（单量约 {s.peak:.1f} 倍）"
    if s.holiday:
        return "法定节假日"
    if s.local.weekday() >= 5:
        return "周末"
    return f"时段（北京时间 {s.local:%H:%M}）"


_DESCRIBE: dict[str, Callable[[OrderSnapshot], str]] = {
    "slack": _slack, "progress": _progress, "backlog": _backlog, "carrier": _carrier,
    "weather": _weather, "calendar": _calendar, "lane": _lane, "service": _service,
    "warehouse": _warehouse}
_DESCRIBE_ZH: dict[str, Callable[[OrderSnapshot], str]] = {
    "slack": _slack_zh,
    "progress": lambda s: (f"已在「{STAGES_ZH.get(s.stage, s.stage)}」阶段 "
                           f"{s.hours_in_stage:.1f} 小时"),
    "backlog": lambda s: (f"{s.warehouse} 拣货队列积压 {s.backlog_hours:.1f} 小时"
                          f"（{s.queue_depth} 单待拣）"),
    "carrier": _carrier_zh,
    "weather": lambda s: (f"{_zh_region(s.dest_region)}"
                          f"{'恶劣天气' if s.weather_alert >= 2 else '天气预警'}"),
    "calendar": _calendar_zh,
    "lane": lambda s: (f"{_zh_region(s.origin_region)}→{_zh_region(s.dest_region)} "
                       f"{s.lane_days:.0f} 天线路"),
    "service": lambda s: f"{s.channel} 渠道的{LEVELS_ZH.get(s.service_level, s.service_level)}服务",
    "warehouse": lambda s: f"由 {s.warehouse} 发货",
}


def describe_group(group: str, s: OrderSnapshot, lang: str = "en") -> str:
    """A group's value for this snapshot, in words ("carrier ZTO degraded into south";
    lang "zh": 承运商 ZTO 发往华南的线路异常)."""
    return (_DESCRIBE_ZH if lang == "zh" else _DESCRIBE)[group](s)
