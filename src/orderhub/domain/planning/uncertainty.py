"""Demand uncertainty over a horizon, from a forecast's daily prediction intervals.

A daily 80% interval [lo, hi] of a normal forecast is mean ± 1.2816 σ, so the day's
σ = (hi80 - lo80) / (2 × 1.2816) (the 95% interval, ±1.96 σ, is used when the 80% one is
degenerate). Days are taken as independent: over several days the variance adds,
σ_H = sqrt(Σ σ_d²).

Safety stock per site (安全库存) for a target service level α (cycle service level: the
chance of no stock-out while a replenishment is on its way):

    SS = z_α × σ_LT,   σ_LT = σ_day × sqrt(L)

with z_α the standard normal quantile of α (0.95 → 1.645), σ_day the mean daily σ over the
horizon and L the site's replenishment lead time in days (the shortest inbound transfer
lane, at least one day). Expected shortage of a normal demand D ~ N(μ, σ) against stock S
(the standard loss function) is E[(D − S)⁺] = σ (φ(z) − z (1 − Φ(z))), z = (S − μ) / σ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

Z80 = NormalDist().inv_cdf(0.9)  # 1.2816: half-width of an 80% interval in σ
Z95 = NormalDist().inv_cdf(0.975)  # 1.96
_N = NormalDist()


def daily_sigma(lo80: float, hi80: float, lo95: float, hi95: float) -> float:
    """σ of one day's demand from its prediction intervals."""
    width80 = max(0.0, hi80 - lo80)
    if width80 > 0:
        return width80 / (2 * Z80)
    return max(0.0, hi95 - lo95) / (2 * Z95)


def horizon_sigma(sigmas: Sequence[float]) -> float:
    """σ of the demand summed over the days (independent days: variances add)."""
    return math.sqrt(sum(s * s for s in sigmas))


def z_score(service_level: float) -> float:
    if not 0.5 <= service_level < 1.0:
        raise ValueError("service level must be in [0.5, 1)")
    return _N.inv_cdf(service_level)


def safety_stock(service_level: float, sigma_day: float, lead_days: float) -> float:
    """z_α × σ_day × sqrt(L): stock kept back so that demand during a replenishment lead
    time is covered with probability α."""
    return z_score(service_level) * sigma_day * math.sqrt(max(1.0, lead_days))


def expected_shortage(mean: float, sigma: float, stock: float) -> float:
    """E[(D − S)⁺] for D ~ N(mean, sigma) (σ = 0: max(0, mean − stock))."""
    if sigma <= 1e-9:
        return max(0.0, mean - stock)
    z = (stock - mean) / sigma
    return sigma * (_N.pdf(z) - z * (1.0 - _N.cdf(z)))


# Points (in σ from the mean) where the LP's piecewise-linear lower envelope of the
# expected shortage touches the curve; the asymptote u >= μ - S is added by the solver.
TANGENT_Z: tuple[float, ...] = (-1.5, -0.75, -0.25, 0.25, 0.75, 1.5, 2.5)


def tangents(mean: float, sigma: float, lo: float | None = None,
             hi: float | None = None) -> list[tuple[float, float, float]]:
    """(S_k, f(S_k), q_k) per tangent point: u >= f_k − q_k (S − S_k) with q_k = 1 − Φ(z_k)
    the slope's magnitude. The envelope lies under the convex curve (never above it).
    When the stock position can only lie in [lo, hi], the points outside are replaced by
    the tangents at lo and hi (on that range a convex curve's tangents at outer points
    are dominated by those at its ends): fewer rows, the same envelope there."""
    if sigma <= 1e-9:
        return []
    points = [mean + z * sigma for z in TANGENT_Z]
    if lo is not None or hi is not None:
        a = -math.inf if lo is None else lo
        b = math.inf if hi is None else hi
        inner = [s for s in points if a < s < b]
        points = ([a] if lo is not None else []) + inner + ([b] if hi is not None and b > a
                                                          else [])
    out = []
    for s in points:
        z = (s - mean) / sigma
        out.append((s, expected_shortage(mean, sigma, s), 1.0 - _N.cdf(z)))
    return out
