"""Lanes: transit days from an origin region to a destination region, per carrier service.

Chinese express networks quote transit by region pair rather than by distance: a parcel
from Shanghai reaches Jiangsu next day but Urumqi in five or six, because it rides the
trunk line to a regional hub first. Provinces are grouped into the eight regions used by
carriers' own lane tables (华东, 华北, 华中, 华南, 西南, 西北, 东北, and the far west:
新疆, 西藏, 青海, which carriers price and time separately).
"""

from __future__ import annotations

from collections.abc import Mapping

REGIONS: tuple[str, ...] = (
    "east", "north", "central", "south", "southwest", "northwest", "northeast", "far_west")

REGION_NAMES_ZH: dict[str, str] = {
    "east": "华东", "north": "华北", "central": "华中", "south": "华南", "southwest": "西南",
    "northwest": "西北", "northeast": "东北", "far_west": "新藏青",
}

PROVINCE_REGION: dict[str, str] = {
    # 华东
    "上海": "east", "江苏": "east", "浙江": "east", "安徽": "east", "福建": "east",
    "江西": "east", "山东": "east", "台湾": "east",
    # 华北
    "北京": "north", "天津": "north", "河北": "north", "山西": "north", "内蒙古": "north",
    # 华中
    "河南": "central", "湖北": "central", "湖南": "central",
    # 华南
    "广东": "south", "广西": "south", "海南": "south", "香港": "south", "澳门": "south",
    # 西南
    "重庆": "southwest", "四川": "southwest", "贵州": "southwest", "云南": "southwest",
    # 西北
    "陕西": "northwest", "甘肃": "northwest", "宁夏": "northwest",
    # 东北
    "辽宁": "northeast", "吉林": "northeast", "黑龙江": "northeast",
    # remote west
    "新疆": "far_west", "西藏": "far_west", "青海": "far_west",
}

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def province_key(name: str) -> str:
    """上海市 -> 上海, 新疆维吾尔自治区 -> 新疆: the short name lanes and rules use."""
    name = name.strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def region_of(province: str) -> str:
    """The lane region of a province (any spelling with or without suffix); "" if unknown."""
    return PROVINCE_REGION.get(province_key(province), "")


# Economy parcel (ZTO/YTO-like) transit days, origin region (rows) -> destination region,
# as the carriers' public lane tables show them for trunk-line routes in 2025-2026.
_ECONOMY: dict[str, tuple[int, ...]] = {
    #            east north central south sw nw ne far_west
    "east":      (2, 3, 2, 3, 4, 4, 3, 6),
    "north":     (3, 2, 3, 4, 4, 3, 2, 5),
    "central":   (2, 3, 2, 2, 3, 3, 4, 5),
    "south":     (3, 4, 2, 2, 3, 4, 5, 6),
    "southwest": (4, 4, 3, 3, 2, 3, 5, 5),
    "northwest": (4, 3, 3, 4, 3, 2, 4, 4),
    "northeast": (3, 2, 4, 5, 5, 4, 2, 6),
    "far_west":  (6, 5, 5, 6, 5, 4, 6, 3),
}


def economy_lanes() -> dict[tuple[str, str], int]:
    return {(o, d): days for o, row in _ECONOMY.items()
            for d, days in zip(REGIONS, row, strict=True)}


def express_lanes() -> dict[tuple[str, str], int]:
    """Air-and-road express (SF-like): a day faster than economy, at most three days
    except into and out of the far west."""
    out = {}
    for (o, d), days in economy_lanes().items():
        fast = max(1, days - 1)
        out[(o, d)] = fast if "far_west" in (o, d) else min(fast, 3)
    return out


def freight_lanes() -> dict[tuple[str, str], int]:
    """Less-than-truckload freight for pallets: a day slower than economy parcels."""
    return {k: v + 1 for k, v in economy_lanes().items()}


def check_lanes(lanes: Mapping[tuple[str, str], int]) -> list[str]:
    """Problems with a lane table, as messages (unknown regions, days out of range)."""
    problems = []
    for (o, d), days in lanes.items():
        for r in (o, d):
            if r not in REGIONS:
                problems.append(f"unknown region '{r}'; known: {', '.join(REGIONS)}")
        if not 0 <= days <= 30:
            problems.append(f"{o} -> {d}: transit days must be 0..30, got {days}")
    return problems
