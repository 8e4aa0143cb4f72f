"""A seeded generator of realistic order streams, shared by `orderhub simulate` and the
benchmarks, and the loop that pushes them through the same service code as the API."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Address, Customer, OrderType
from orderhub.services.intake.drafts import LineDraft, OrderDraft
from orderhub.services.intake.submit import Outcome, submit_orders
from orderhub.services.orders import fulfilment

# Destinations weighted roughly by online retail volume.
# (province, city, district, weight): destinations weighted roughly by online retail volume.
DESTINATIONS = [
    ("广东省", "广州市", "天河区", 9), ("广东省", "深圳市", "南山区", 9),
    ("浙江省", "杭州市", "西湖区", 8), ("上海市", "上海市", "浦东新区", 8),
    ("北京市", "北京市", "朝阳区", 7), ("江苏省", "南京市", "鼓楼区", 5),
    ("江苏省", "苏州市", "姑苏区", 5), ("四川省", "成都市", "武侯区", 5),
    ("湖北省", "武汉市", "洪山区", 4), ("山东省", "济南市", "历下区", 3),
    ("山东省", "青岛市", "市南区", 3), ("河南省", "郑州市", "金水区", 3),
    ("湖南省", "长沙市", "岳麓区", 3), ("福建省", "厦门市", "思明区", 2),
    ("陕西省", "西安市", "雁塔区", 2), ("重庆市", "重庆市", "渝中区", 3),
    ("辽宁省", "沈阳市", "和平区", 2), ("天津市", "天津市", "南开区", 2),
    ("安徽省", "合肥市", "蜀山区", 2), ("云南省", "昆明市", "五华区", 1),
    ("黑龙江省", "哈尔滨市", "南岗区", 1), ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", 1),
    ("广西壮族自治区", "南宁市", "青秀区", 1), ("贵州省", "贵阳市", "云岩区", 1),
    ("甘肃省", "兰州市", "城关区", 1),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
MOBILE_PREFIXES = ["135", "136", "138", "139", "150", "152", "158", "186", "187", "188", "199"]
CHANNEL_WEIGHTS = [("tmall", 30), ("jd", 22), ("douyin", 20), ("web", 13), ("pos", 8), ("b2b", 7)]


@dataclass
class OrderGenerator:
    """Orders over the demo catalogue: multi-line B2C baskets with a popular head and a
    long tail, B2B bulk lines, pre-sales, and a few lines for SKUs that do not exist."""

    seed: int
    sku_prices: dict[str, Decimal]
    prefix: str = "SIM"
    unknown_sku_rate: float = 0.005
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        # Service levels and requested dates come from their own stream, so adding them
        # left every other drawn field (and the seeded corpus) as it was.
        self._sla_rng = random.Random(self.seed + 3)
        self._skus = sorted(self.sku_prices)
        self._dest = [(p, c, d) for p, c, d, _ in DESTINATIONS]
        self._dest_w = [w for _, _, _, w in DESTINATIONS]
        self._ch = [c for c, _ in CHANNEL_WEIGHTS]
        self._ch_w = [w for _, w in CHANNEL_WEIGHTS]
        self._n = 0

    def _pick_sku(self) -> str:
        # Skewed popularity: the top tenth of the catalogue gets about half of the demand.
        return self._skus[int(len(self._skus) * self.rng.random() ** 3)]

    def draft(self, now: datetime) -> OrderDraft:
        rng = self.rng
        self._n += 1
        channel = rng.choices(self._ch, self._ch_w)[0]
        roll = rng.random()
        if channel == "b2b" or roll < 0.04:
            kind, n_lines = OrderType.B2B, rng.randint(2, 8)
        elif roll < 0.10:
            kind, n_lines = OrderType.PRE_SALE, 1
        else:
            kind, n_lines = OrderType.B2C, rng.choices([1, 2, 3, 4, 5], [45, 28, 15, 8, 4])[0]
        chosen: list[str] = []
        while len(chosen) < n_lines:
            s = self._pick_sku()
            if s not in chosen:
                chosen.append(s)
        lines = []
        for s in chosen:
            qty = (
                rng.randint(10, 60)
                if kind == OrderType.B2B
                else rng.choices([1, 2, 3], [75, 18, 7])[0]
            )
            price = self.sku_prices[s]
            discount = Decimal(0)
            if rng.random() < 0.3:
                discount = (price * qty * Decimal(rng.choice([5, 10, 15])) / 100).quantize(
                    Decimal("0.01")
                )
            if rng.random() < self.unknown_sku_rate:
                s = f"UNKNOWN-{rng.randint(1, 99)}"
            lines.append(LineDraft(sku=s, quantity=qty, unit_price=price, discount=discount))
        province, city, district = rng.choices(self._dest, self._dest_w)[0]
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        presale_release = None
        if kind == OrderType.PRE_SALE:
            presale_release = (now + timedelta(days=rng.randint(3, 20))).date()
        srng = self._sla_rng
        level = ("standard" if kind == OrderType.B2B else srng.choices(
            ["standard", "express", "next_day", "same_day", "economy"],
            [70, 15, 8, 2, 5])[0])
        requested = None
        if kind == OrderType.B2C and srng.random() < 0.04:  # a chosen delivery day
            requested = (now + timedelta(days=srng.randint(2, 6))).date()
        # (the random draws in the same order as before: seeded streams stay as they were)
        ref = f"C{rng.randint(1, 200_000):06d}"
        tier = rng.choices(["", "VIP", "SVIP"], [85, 12, 3])[0]
        number = rng.randint(1, 999)
        # a home of its own per customer (building and flat from the account), as real
        # addresses are: many accounts at one address is what brushing looks like
        home = int(ref[1:])
        return OrderDraft(
            channel=channel,
            external_id=f"{self.prefix}-{self.seed}-{self._n:08d}",
            currency="CNY",
            lines=lines,
            order_type=kind,
            customer=Customer(ref=ref, tier=tier),
            shipping_address=Address(
                country="CN", province=province, city=city, district=district,
                line1=f"{number}号{home % 40 + 1}栋{home % 2800 + 101}室", name=name,
                phone=phone,
            ),
            shipping_fee=Decimal(rng.choice([0, 0, 0, 6, 8, 10])),
            placed_at=now,
            presale_release=presale_release,
            requested_delivery=requested,
            service_level=level,
        )

    def stream(self, count: int, now: datetime) -> Iterator[OrderDraft]:
        for _ in range(count):
            yield self.draft(now)


def load_prices(hub: Hub, tenant_id: str) -> dict[str, Decimal]:
    with hub.read_uow() as uow:
        skus = uow.catalog.list_skus(tenant_id, None, 1_000_000)
    return {s.code: s.list_price or Decimal("10.00") for s in skus if s.active}


@dataclass
class SimulationReport:
    submitted: int = 0
    created: int = 0
    existing: int = 0
    allocated: int = 0
    held: int = 0
    split: int = 0
    hold_reasons: Counter[str] = field(default_factory=Counter)
    fulfilled: int = 0
    cancelled: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def orders_per_second(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0


def simulate(
    hub: Hub,
    tenant_id: str,
    *,
    orders: int,
    seed: int,
    batch_size: int = 200,
    fulfil_share: float = 0.1,
    cancel_share: float = 0.02,
    progress: Callable[[int], None] | None = None,
) -> SimulationReport:
    """Push `orders` generated orders through intake in batches, then drive a share of the
    allocated ones through their lifecycle (to paid) and cancel a few."""
    prices = load_prices(hub, tenant_id)
    if not prices:
        raise ValueError("no sellable SKUs: run `orderhub demo-data` first")
    gen = OrderGenerator(
        seed=seed, sku_prices=prices, prefix=f"SIM{datetime.now(UTC):%Y%m%d%H%M%S}"
    )
    report = SimulationReport()
    allocated: list[str] = []
    presales: set[str] = set()
    started = time.perf_counter()
    remaining = orders
    while remaining > 0:
        n = min(batch_size, remaining)
        now = hub.clock()
        drafts = list(gen.stream(n, now))
        t0 = time.perf_counter()
        results = submit_orders(
            hub.uow,
            tenant_id,
            drafts,
            strategy=hub.strategy,
            now=now,
            actor="simulator",
            presale_lock=hub.presale_lock,
        )
        report.latencies_ms.append((time.perf_counter() - t0) * 1000)
        for d, r in zip(drafts, results, strict=True):
            report.submitted += 1
            if r.outcome == Outcome.CREATED:
                report.created += 1
            elif r.outcome == Outcome.EXISTING:
                report.existing += 1
            if r.status == OrderStatus.ALLOCATED and r.order_id:
                report.allocated += 1
                allocated.append(r.order_id)
                if d.order_type == OrderType.PRE_SALE:
                    presales.add(r.order_id)
            elif r.status == OrderStatus.ON_HOLD:
                report.held += 1
        remaining -= n
        if progress:
            progress(n)
    report.seconds = time.perf_counter() - started
    report.split, report.hold_reasons = _outcome_counts(hub, tenant_id, gen.prefix)

    # Pre-sales cannot be released before their release date, so only ordinary orders run
    # the whole way to paid here.
    rng = random.Random(seed + 1)
    for oid in allocated:
        roll = rng.random()
        if roll < fulfil_share and oid not in presales:
            _fulfil(hub, tenant_id, oid)
            report.fulfilled += 1
        elif roll < fulfil_share + cancel_share:
            fulfilment.cancel_order(
                hub.uow, tenant_id, oid, "customer changed mind", now=hub.clock(), actor="simulator"
            )
            report.cancelled += 1
    return report


def _fulfil(hub: Hub, tenant_id: str, order_id: str) -> None:
    for st in (OrderStatus.RELEASED, OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(
            hub.uow, tenant_id, order_id, st, now=hub.clock(), actor="simulator"
        )
    fulfilment.ship_order(hub.uow, tenant_id, order_id, None, now=hub.clock(), actor="simulator")
    for st in (OrderStatus.DELIVERED, OrderStatus.INVOICED, OrderStatus.PAID):
        fulfilment.advance_order(
            hub.uow, tenant_id, order_id, st, now=hub.clock(), actor="simulator"
        )


def _outcome_counts(hub: Hub, tenant_id: str, prefix: str) -> tuple[int, Counter[str]]:
    """Split orders and hold reasons among this run's orders, in two aggregate queries."""
    from sqlalchemy import func, select

    from orderhub.adapters.db import tables as t

    c = t.orders.c
    mine = select(c.id).where(c.tenant_id == tenant_id, c.external_id.like(f"{prefix}-%"))
    reasons: Counter[str] = Counter()
    with hub.read_uow() as uow:
        split = int(
            uow.conn.execute(
                select(func.count()).select_from(
                    select(t.shipments.c.order_id)
                    .where(t.shipments.c.order_id.in_(mine))
                    .group_by(t.shipments.c.order_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            ).scalar_one()
        )
        for (held,) in uow.conn.execute(
            select(c.hold_reasons).where(
                c.tenant_id == tenant_id,
                c.status == OrderStatus.ON_HOLD.value,
                c.external_id.like(f"{prefix}-%"),
            )
        ):
            for reason in held:
                reasons[reason["code"]] += 1
    return split, reasons
