"""A simulated year of daily demand per SKU × warehouse (模拟一年的需求), seeded, in memory:
`orderhub forecast simulate --out FILE.csv`, the benchmark's bar (a) and the tests.

What shapes it:
- three kinds of SKU: fast movers (a few to tens of units a day), slow movers (under two a
  day) and intermittent ones (most days nothing, now and then a few);
- each SKU sells from two to four of the warehouses, with its own share at each;
- a weekly pattern (weekends busier, by a SKU's own amount) and a slow trend;
- promotions on the calendar (domain/forecasting/calendar.py): the 618 run-up and its peak
  day, Double 11 (bigger), the Spring Festival rush and the holiday lull;
- noise: gamma-Poisson (over-dispersed counts), so no model can be exact.

The seed decides everything; tune on seed 1, report on other seeds (benchmarks/README)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from orderhub.domain.forecasting.calendar import peak_day, promotion
from orderhub.domain.forecasting.series import HistoryRow

WAREHOUSES = ("WH-SH", "WH-GZ", "WH-BJ", "WH-CD")
_DOW = (0.92, 0.9, 0.93, 0.97, 1.05, 1.15, 1.08)  # Monday .. Sunday
_UPLIFT = {"618": 1.6, "double11": 1.9, "spring_festival_rush": 1.35,
           "spring_festival_holiday": 0.45}
_PEAK = 3.0  # extra factor on 18 June and 11 November


@dataclass(frozen=True, slots=True)
class DemandYearConfig:
    seed: int = 1
    skus: int = 40
    start: date = date(2025, 1, 1)
    days: int = 365


def demand_year(cfg: DemandYearConfig) -> list[HistoryRow]:
    rng = random.Random(cfg.seed)
    rows: list[HistoryRow] = []
    for n in range(cfg.skus):
        sku = f"SKU-{n + 1:04d}"
        kind = rng.choices(("fast", "slow", "intermittent"), weights=(0.5, 0.25, 0.25))[0]
        if kind == "fast":
            level, p_sale = rng.uniform(4, 40), 1.0
        elif kind == "slow":
            level, p_sale = rng.uniform(0.6, 2.0), 1.0
        else:
            level, p_sale = rng.uniform(1.5, 4.0), rng.uniform(0.08, 0.3)
        weekly = rng.uniform(0.4, 1.6)  # how much of the weekly pattern this SKU has
        trend = rng.uniform(-0.3, 0.4) / cfg.days
        promo_response = rng.uniform(0.6, 1.4)
        dispersion = rng.uniform(3, 12)  # gamma shape: smaller is noisier
        sites = rng.sample(WAREHOUSES, rng.randint(2, 4))
        shares = [rng.uniform(0.5, 1.5) for _ in sites]
        total = sum(shares)
        for site, share in zip(sites, shares, strict=True):
            for i in range(cfg.days):
                day = cfg.start + timedelta(days=i)
                mu = level * share / total * len(sites) / 2
                mu *= 1 + weekly * (_DOW[day.weekday()] - 1)
                mu *= 1 + trend * i
                promo = promotion(day)
                if promo is not None:
                    mu *= 1 + (_UPLIFT[promo] - 1) * promo_response
                    if peak_day(day):
                        mu *= _PEAK
                if kind == "intermittent":
                    sold = rng.random() < p_sale * min(3.0, mu / level)
                    quantity = _poisson(rng, level * 0.8) + 1 if sold else 0
                else:
                    quantity = _poisson(rng, rng.gammavariate(dispersion, mu / dispersion))
                if quantity:
                    rows.append(HistoryRow(sku, "warehouse", site, day, float(quantity)))
    return rows


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1
