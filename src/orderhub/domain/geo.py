"""Great-circle distance and a small gazetteer of Chinese provinces and large cities.

Channel addresses rarely carry coordinates; the allocation strategy needs only a rough
location to rank warehouses, so a city or province centroid is enough.
"""

from __future__ import annotations

import math

from orderhub.domain.order import Address

# Capital / centroid coordinates (lat, lon). Keys are simplified Chinese names without the
# administrative suffix and lower-case pinyin, so 上海市, 上海 and shanghai all resolve.
_PLACES: dict[tuple[str, str], tuple[float, float]] = {
    ("北京", "beijing"): (39.9042, 116.4074),
    ("天津", "tianjin"): (39.3434, 117.3616),
    ("上海", "shanghai"): (31.2304, 121.4737),
    ("重庆", "chongqing"): (29.5630, 106.5516),
    ("河北", "hebei"): (38.0428, 114.5149),
    ("石家庄", "shijiazhuang"): (38.0428, 114.5149),
    ("山西", "shanxi"): (37.8706, 112.5489),
    ("太原", "taiyuan"): (37.8706, 112.5489),
    ("内蒙古", "neimenggu"): (40.8426, 111.7490),
    ("呼和浩特", "hohhot"): (40.8426, 111.7490),
    ("辽宁", "liaoning"): (41.8057, 123.4315),
    ("沈阳", "shenyang"): (41.8057, 123.4315),
    ("大连", "dalian"): (38.9140, 121.6147),
    ("吉林", "jilin"): (43.8171, 125.3235),
    ("长春", "changchun"): (43.8171, 125.3235),
    ("黑龙江", "heilongjiang"): (45.8038, 126.5349),
    ("哈尔滨", "harbin"): (45.8038, 126.5349),
    ("江苏", "jiangsu"): (32.0603, 118.7969),
    ("南京", "nanjing"): (32.0603, 118.7969),
    ("苏州", "suzhou"): (31.2990, 120.5853),
    ("浙江", "zhejiang"): (30.2741, 120.1551),
    ("杭州", "hangzhou"): (30.2741, 120.1551),
    ("宁波", "ningbo"): (29.8683, 121.5440),
    ("安徽", "anhui"): (31.8206, 117.2272),
    ("合肥", "hefei"): (31.8206, 117.2272),
    ("福建", "fujian"): (26.0745, 119.2965),
    ("福州", "fuzhou"): (26.0745, 119.2965),
    ("厦门", "xiamen"): (24.4798, 118.0894),
    ("江西", "jiangxi"): (28.6820, 115.8579),
    ("南昌", "nanchang"): (28.6820, 115.8579),
    ("山东", "shandong"): (36.6512, 117.1201),
    ("济南", "jinan"): (36.6512, 117.1201),
    ("青岛", "qingdao"): (36.0671, 120.3826),
    ("河南", "henan"): (34.7466, 113.6254),
    ("郑州", "zhengzhou"): (34.7466, 113.6254),
    ("湖北", "hubei"): (30.5928, 114.3055),
    ("武汉", "wuhan"): (30.5928, 114.3055),
    ("湖南", "hunan"): (28.2282, 112.9388),
    ("长沙", "changsha"): (28.2282, 112.9388),
    ("广东", "guangdong"): (23.1291, 113.2644),
    ("广州", "guangzhou"): (23.1291, 113.2644),
    ("深圳", "shenzhen"): (22.5431, 114.0579),
    ("东莞", "dongguan"): (23.0207, 113.7518),
    ("广西", "guangxi"): (22.8170, 108.3665),
    ("南宁", "nanning"): (22.8170, 108.3665),
    ("海南", "hainan"): (20.0440, 110.1999),
    ("海口", "haikou"): (20.0440, 110.1999),
    ("四川", "sichuan"): (30.5728, 104.0668),
    ("成都", "chengdu"): (30.5728, 104.0668),
    ("贵州", "guizhou"): (26.6470, 106.6302),
    ("贵阳", "guiyang"): (26.6470, 106.6302),
    ("云南", "yunnan"): (25.0389, 102.7183),
    ("昆明", "kunming"): (25.0389, 102.7183),
    ("西藏", "xizang"): (29.6520, 91.1721),
    ("拉萨", "lhasa"): (29.6520, 91.1721),
    ("陕西", "shaanxi"): (34.3416, 108.9398),
    ("西安", "xian"): (34.3416, 108.9398),
    ("甘肃", "gansu"): (36.0611, 103.8343),
    ("兰州", "lanzhou"): (36.0611, 103.8343),
    ("青海", "qinghai"): (36.6171, 101.7782),
    ("西宁", "xining"): (36.6171, 101.7782),
    ("宁夏", "ningxia"): (38.4872, 106.2309),
    ("银川", "yinchuan"): (38.4872, 106.2309),
    ("新疆", "xinjiang"): (43.8256, 87.6168),
    ("乌鲁木齐", "urumqi"): (43.8256, 87.6168),
    ("香港", "hongkong"): (22.3193, 114.1694),
    ("澳门", "macau"): (22.1987, 113.5439),
}

_LOOKUP: dict[str, tuple[float, float]] = {}
for (_zh, _py), _coords in _PLACES.items():
    _LOOKUP[_zh] = _coords
    _LOOKUP[_py] = _coords

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def _normalise(name: str) -> str:
    name = name.strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name.lower().replace(" ", "").replace("'", "").replace("-", "")


def locate(address: Address) -> tuple[float, float] | None:
    """Coordinates of an address: its own, else its city's, else its province's centroid."""
    if address.lat is not None and address.lon is not None:
        return (address.lat, address.lon)
    for part in (address.city, address.province):
        if part:
            coords = _LOOKUP.get(_normalise(part))
            if coords:
                return coords
    return None


def place(name: str) -> tuple[float, float] | None:
    """(lat, lon) of a province or city by name (上海市, 上海, shanghai), if known."""
    return _LOOKUP.get(_normalise(name)) if name else None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))
