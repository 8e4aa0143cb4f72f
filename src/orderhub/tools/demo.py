"""A deterministic demo data set: warehouses in real Chinese cities, 2,000 SKUs, channels
and stock. The same seed always gives the same data."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

from orderhub.bootstrap import Hub
from orderhub.domain.fx import FxRate
from orderhub.domain.inventory import Channel, Sku, Warehouse
from orderhub.services import catalog, fx
from orderhub.services.inventory import stock_control
from orderhub.services.rules.routing_rules import seed_rules

# code, name, city, province, region, lat, lon, daily capacity, cut-off, kind,
# handling per order and per unit (CNY), capabilities
WAREHOUSES: list[tuple[str, str, str, str, str, float, float, int, time, str, str, str,
                       frozenset[str]]] = [
    ("SH-JD", "上海嘉定中心仓 Shanghai Jiading DC", "上海", "上海", "east", 31.3838, 121.2650,
     40000, time(18), "warehouse", "1.80", "0.25",
     frozenset({"cold_chain", "hazardous", "b2b_pallet"})),
    ("BJ-DX", "北京大兴中心仓 Beijing Daxing DC", "北京", "北京", "north", 39.7268, 116.3414,
     35000, time(18), "warehouse", "1.80", "0.25", frozenset({"cold_chain", "b2b_pallet"})),
    ("GZ-HP", "广州黄埔中心仓 Guangzhou Huangpu DC", "广州", "广东", "south", 23.1064, 113.4595,
     35000, time(18), "warehouse", "1.80", "0.25",
     frozenset({"cold_chain", "hazardous", "b2b_pallet"})),
    ("CD-SL", "成都双流仓 Chengdu Shuangliu", "成都", "四川", "southwest", 30.5826, 103.9231,
     20000, time(17), "warehouse", "2.40", "0.35", frozenset({"cold_chain"})),
    ("WH-DX", "武汉东西湖仓 Wuhan Dongxihu", "武汉", "湖北", "central", 30.6198, 114.1367,
     20000, time(17), "warehouse", "2.40", "0.35", frozenset({"hazardous", "b2b_pallet"})),
    ("XA-GX", "西安高新仓 Xi'an Gaoxin", "西安", "陕西", "northwest", 34.2302, 108.8836,
     12000, time(17), "warehouse", "2.40", "0.35", frozenset()),
    ("SY-HN", "沈阳浑南仓 Shenyang Hunnan", "沈阳", "辽宁", "northeast", 41.7386, 123.4497,
     10000, time(16), "warehouse", "2.40", "0.35", frozenset({"cold_chain"})),
    ("HZ-QT", "杭州前置仓 Hangzhou front store", "杭州", "浙江", "east", 30.2741, 120.1551,
     5000, time(20), "front", "4.50", "0.60", frozenset({"cold_chain", "pickup"})),
]

# Unit weight (kg) by category, for parcel pricing.
UNIT_KG = {"FORMULA": "1.0", "SNACK": "0.3", "BEAUTY": "0.2", "ELEC": "0.8", "HOME": "1.5",
           "APPAREL": "0.4", "DRINK": "1.2", "BOOK": "0.5"}


def demo_warehouses(tenant_id: str = "default") -> list[Warehouse]:
    return [Warehouse(tenant_id, code, name, lat, lon, region=region, city=city,
                      daily_capacity=cap, cutoff=cut, province=province, kind=kind,
                      handling_per_order=Decimal(per_order),
                      handling_per_unit=Decimal(per_unit), capabilities=caps, country="CN")
            for (code, name, city, province, region, lat, lon, cap, cut, kind, per_order,
                 per_unit, caps) in WAREHOUSES]


# code, name, kind, adapter (how its webhooks read), demo webhook secret. JD and Pinduoduo
# send receivers encrypted: run the demo with ORDERHUB_CHANNEL_DECRYPTORS=DEMO_DECRYPTORS
# (as JSON) to open them with the local simulator, else such orders are held.
CHANNELS = [
    ("web", "官网 Web shop", "web", "shopify", "demo-web-secret"),
    ("tmall", "天猫 Tmall", "marketplace", "taobao", "demo-tmall-secret"),
    ("jd", "京东 JD", "marketplace", "jd", "demo-jd-app:demo-jd-secret"),
    ("douyin", "抖店 Douyin shop", "marketplace", "douyin", "demo-app-key:demo-douyin-secret"),
    ("pdd", "拼多多 Pinduoduo", "marketplace", "pdd", "demo-pdd-client:demo-pdd-secret"),
    ("pos", "门店 Store POS", "pos", "", ""),
    ("b2b", "B2B 门户 B2B portal", "b2b", "", ""),
]
DEMO_DECRYPTORS = {"jd": "simulator", "pdd": "simulator"}

CATEGORIES = [
    ("FORMULA", "婴儿奶粉 Infant formula", (180, 420)),
    ("SNACK", "零食 Snacks", (9, 60)),
    ("BEAUTY", "美妆 Beauty", (59, 680)),
    ("ELEC", "数码 Electronics", (99, 4999)),
    ("HOME", "家居 Home", (19, 899)),
    ("APPAREL", "服饰 Apparel", (49, 1299)),
    ("DRINK", "饮料 Drinks", (5, 120)),
    ("BOOK", "图书 Books", (19, 168)),
]


@dataclass(frozen=True)
class DemoSummary:
    warehouses: int
    skus: int
    channels: int
    stock_rows: int
    fx_rates: int = 0


# The demo's exchange rates into CNY (units of CNY per unit), effective on the day the demo
# is loaded, source "demo": round figures near the PBOC central parity of late 2026, for the
# demo's USD, EUR, GBP and HKD orders (channel fixtures, imports) to be judged in CNY. They
# are illustrative, not published rates: a real tenant loads its own (`orderhub fx load`).
DEMO_RATES: tuple[tuple[str, str], ...] = (
    ("USD", "7.12"), ("EUR", "7.70"), ("GBP", "9.00"), ("HKD", "0.91"))
DEMO_RATE_SOURCE = "demo (illustrative, near PBOC central parity)"


def sku_attributes(i: int, category: str, price: Decimal,
                   rng: random.Random) -> dict[str, object]:
    """Compliance and sellability facts, in the shapes the validation rules read."""
    attrs: dict[str, object] = {"category": category}
    if category == "FORMULA":
        attrs.update(formula_stage=1 + (i // 8) % 3, max_per_customer=6,
                     hs_code="1901101000", origin_country=rng.choice(["NZ", "NL", "IE", "AU"]))
    elif category == "DRINK" and i % 3 == 0:
        attrs.update(alcohol=True, hs_code="2204210000", origin_country="FR")
    elif category == "DRINK" and i % 3 == 1:
        attrs.update(cold_chain=True)  # chilled: ships only from sites with cold chain
    elif category == "ELEC":
        attrs.update(floor_price=str((price * Decimal("0.7")).quantize(Decimal("0.01"))))
        if i % 9 == 0:
            attrs.update(hazardous=True)  # lithium batteries
    elif category == "BEAUTY":
        attrs.update(hs_code="3304990099", origin_country=rng.choice(["FR", "KR", "JP"]))
        if i % 5 == 0:
            attrs.update(channels=["web", "tmall", "jd"])  # brand-authorised channels only
        if i % 6 == 0:
            attrs.update(hazardous=True)  # aerosols and perfume: flammable
    return attrs


def demo_skus(tenant_id: str, count: int, rng: random.Random,
              facts: random.Random) -> list[Sku]:
    """The demo catalogue; `rng` is the demo's main stream (stock is drawn from it next)."""
    items = []
    for i in range(1, count + 1):
        cat, label, (lo, hi) = CATEGORIES[i % len(CATEGORIES)]
        price = Decimal(rng.randint(lo * 100, hi * 100)) / 100
        items.append(Sku(tenant_id, sku_code(i), f"{label} {cat}-{i:05d}",
                         list_price=price.quantize(Decimal("0.01")),
                         barcode=f"69{rng.randint(10**10, 10**11 - 1)}",
                         weight_kg=Decimal(UNIT_KG[cat]),
                         attributes=sku_attributes(i, cat, price, facts)))
    return items


def demo_catalog(tenant_id: str = "default", count: int = 2000, seed: int = 7) -> list[Sku]:
    """The SKUs `build_demo` loads with the same seed, without a database."""
    return demo_skus(tenant_id, count, random.Random(seed), random.Random(seed + 100))


def sku_code(i: int) -> str:
    return f"SKU-{i:05d}"


def build_demo(
    hub: Hub,
    tenant_id: str = "default",
    *,
    skus: int = 2000,
    seed: int = 7,
    now: datetime | None = None,
) -> DemoSummary:
    """Load the demo set into an empty tenant; a tenant that has warehouses is left alone."""
    now = now or hub.clock()
    rng = random.Random(seed)
    catalog.ensure_tenant(hub.uow, tenant_id, "Demo tenant", now)
    with hub.read_uow() as uow:
        if uow.catalog.warehouses(tenant_id):
            raise ValueError(f"tenant '{tenant_id}' already has data; demo data not loaded")
    catalog.add_channels(hub.uow, [Channel(tenant_id, c, n, k, True, a, sec)
                                   for c, n, k, a, sec in CHANNELS])
    catalog.add_warehouses(hub.uow, demo_warehouses(tenant_id), now)
    items = demo_skus(tenant_id, skus, rng, random.Random(seed + 100))
    catalog.add_skus(hub.uow, items, now)
    with hub.uow() as uow:
        uow.network.seed_services(tenant_id, now)
        seed_rules(uow, tenant_id, now)
        uow.commit()
    rates = [FxRate(code, now.date(), Decimal(rate), DEMO_RATE_SOURCE)
             for code, rate in DEMO_RATES]
    fx.save_rates(hub.uow, tenant_id, rates, now, actor="demo-data")
    receipts = demo_stock(skus, rng, handling_needs(items))
    for start in range(0, len(receipts), 5000):
        stock_control.receive_stock_many(
            hub.uow,
            tenant_id,
            receipts[start : start + 5000],
            reference="DEMO-OPENING",
            now=now,
            actor="demo-data",
        )
    return DemoSummary(len(WAREHOUSES), skus, len(CHANNELS), len(receipts), len(rates))


def handling_needs(items: list[Sku]) -> dict[str, frozenset[str]]:
    """SKU -> the capabilities a site needs to hold it (cold chain, hazardous goods)."""
    return {s.code: frozenset(k for k in ("cold_chain", "hazardous") if s.attributes.get(k))
            for s in items}


def demo_stock(skus: int, rng: random.Random,
               needs: dict[str, frozenset[str]] | None = None) -> list[tuple[str, str, int]]:
    """Opening stock (SKU, site, units), drawn from the demo's main stream after the SKUs.
    A site without the capability a SKU needs holds none of it (the draw is still made,
    so every other SKU's stock stays as it was)."""
    codes = [w[0] for w in WAREHOUSES]
    caps = {w[0]: w[12] for w in WAREHOUSES}
    receipts: list[tuple[str, str, int]] = []
    for i in range(1, skus + 1):
        # The low SKU numbers are the best sellers (the simulator's demand follows the same
        # ranking), so they are stocked deeper and wider, the front store included.
        rank = i / skus
        depth = 7.0 if rank <= 0.02 else 6.0 if rank <= 0.1 else 5.0 if rank <= 0.3 else 3.8
        where = rng.sample(codes[:7], rng.randint(4, 7) if rank <= 0.3 else rng.randint(2, 5))
        if rank <= 0.2:
            where.append("HZ-QT")
        for wh in where:
            qty = int(rng.lognormvariate(depth, 0.6))
            if qty > 0 and (needs or {}).get(sku_code(i), frozenset()) <= caps[wh]:
                receipts.append((sku_code(i), wh, qty))
    return receipts


def ensure_demo_key(hub: Hub, key_dir: str) -> tuple[Path, bool]:
    """The demo tenant administrator's API key in `<key_dir>/demo-api-key` (mode 0600), so
    the README's curl examples work: kept while it still authenticates, made anew
    otherwise. Returns the file and whether a key was made."""
    import os

    from orderhub.domain.errors import DomainError
    from orderhub.services.access import credentials

    path = Path(key_dir) / "demo-api-key"
    if path.exists():
        try:
            hub.authenticator.authenticate(path.read_text().strip())
            return path, False
        except DomainError:
            pass
    issued = credentials.create_key(hub.uow, hub.settings.default_tenant, name="demo",
                                    role="tenant_admin", granter=None, actor="demo",
                                    now=hub.clock())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(issued.token + "\n")
    return path, True


DEMO_CONSOLE_LOGIN = "operator"


def ensure_demo_console_user(hub: Hub, key_dir: str) -> tuple[Path, str, bool]:
    """The demo's console user `operator` (role operations) and its password in
    `<key_dir>/demo-console-password` (mode 0600, next to the demo API key): kept while it
    still signs in, generated anew otherwise (never a fixed password). Returns the file,
    the password and whether it was made now."""
    import os

    from orderhub.services.access import users

    tenant = hub.settings.default_tenant
    path = Path(key_dir) / "demo-console-password"
    if path.exists():
        password = path.read_text().strip()
        with hub.read_uow() as uow:
            user = uow.access.user(tenant, login=DEMO_CONSOLE_LOGIN)
        if user is not None and user.disabled_at is None and \
                users.password_matches(user.password_hash, password):
            return path, password, False
    password = users.generate_password()
    existing = [u for u in users.list_users(hub.uow, tenant)
                if u["login"] == DEMO_CONSOLE_LOGIN]
    if existing:
        users.update_user(hub.uow, tenant, existing[0]["id"], password=password,
                          disabled=False, granter=None, actor="demo", now=hub.clock())
    else:
        users.create_user(hub.uow, tenant, login=DEMO_CONSOLE_LOGIN,
                          display_name="Demo operator", role="operations", password=password,
                          granter=None, actor="demo", now=hub.clock())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    return path, password, True
