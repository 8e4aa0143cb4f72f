"""The pure part of demand forecasting (domain/forecasting): metrics, segments, model
choice and its fallback, rolling-origin windows, intervals, bottom-up reconciliation,
history shaping and file rows (returns, duplicated days, gaps, one sale), drift."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from orderhub.domain.forecasting import drift, intervals, metrics, segments, selection
from orderhub.domain.forecasting.calendar import peak_day, promotion
from orderhub.domain.forecasting.reconcile import Z80, Point, bottom_up
from orderhub.domain.forecasting.series import HistoryRow, SeriesKey, parse_rows, shape

D0 = date(2025, 3, 3)


def test_wape_mase_bias_coverage() -> None:
    actual, forecast = [10.0, 0.0, 5.0, 5.0], [8.0, 1.0, 5.0, 8.0]
    assert metrics.wape(actual, forecast) == pytest.approx(6 / 20)
    assert metrics.bias(actual, forecast) == pytest.approx(2 / 20)
    assert metrics.wape([0.0, 0.0], [1.0, 1.0]) is None  # nothing sold: no scale
    history = [1.0, 2, 3, 4, 5, 6, 7] * 3
    assert metrics.naive_scale(history) is None  # a perfectly weekly history: no error
    history[-1] = 9.0  # one week differs by 2 over 14 comparisons
    assert metrics.naive_scale(history) == pytest.approx(2 / 14)
    assert metrics.mase(actual, forecast, 2.0) == pytest.approx((6 / 4) / 2)
    assert metrics.naive_scale([3.0, 5.0]) == pytest.approx(2.0)  # short: one-step naive
    assert metrics.coverage([1.0, 5.0, 9.0], [0.0, 0.0, 0.0], [2.0, 5.0, 8.0]) == \
        pytest.approx(2 / 3)


def test_segments_fast_slow_intermittent() -> None:
    assert segments.segment([5.0, 7, 6, 9, 4, 6, 8]) is segments.Segment.FAST
    assert segments.segment([1.0, 1, 2, 1, 1, 0, 1]) is segments.Segment.SLOW
    assert segments.segment([0.0, 0, 3, 0, 0, 0, 2, 0]) is segments.Segment.INTERMITTENT
    assert segments.segment([]) is segments.Segment.INTERMITTENT
    assert segments.adi([0.0, 1.0, 0.0, 1.0]) == 2.0


def test_choice_is_the_best_model_unless_no_model_beats_the_best_baseline() -> None:
    chosen = selection.choose({"auto_ets": 10.0, "auto_theta": 12.0, "seasonal_naive": 15.0,
                               "naive": 20.0, "historic_mean": 14.0})
    assert chosen.model == "auto_ets" and chosen.fallback_reason is None
    fallback = selection.choose({"auto_ets": 14.0, "croston_optimized": 16.0,
                                 "seasonal_naive": 15.0, "naive": 20.0,
                                 "historic_mean": 14.0})
    assert fallback.model == "historic_mean"  # a tie does not beat the baseline
    assert fallback.fallback_reason is not None
    assert "auto_ets" in fallback.fallback_reason and "historic_mean" in fallback.fallback_reason
    assert fallback.best_baseline == "historic_mean"
    with pytest.raises(ValueError):
        selection.choose({"auto_ets": 1.0})
    # a win inside the noise of the comparison is no win: the baseline serves
    noisy = selection.choose({"auto_ets": 9.0, "historic_mean": 10.0},
                             {"auto_ets": [0.0, 6.0, 0.0, 3.0],
                              "historic_mean": [3.0, 3.0, 1.0, 3.0]})
    assert noisy.model == "historic_mean" and "noise" in (noisy.fallback_reason or "")
    clear = selection.choose({"auto_ets": 4.0, "historic_mean": 12.0},
                             {"auto_ets": [1.0, 1.0, 1.0, 1.0],
                              "historic_mean": [3.0, 3.0, 3.0, 3.0]})
    assert clear.model == "auto_ets"
    steady = selection.choose({"naive": 9.0, "historic_mean": 10.0},
                              {"naive": [0.0, 6.0, 0.0, 3.0],
                               "historic_mean": [3.0, 3.0, 1.0, 3.0]})
    assert steady.model == "historic_mean"  # naive's lucky backtest does not displace it
    short = selection.too_short(1)
    assert short.model == "historic_mean" and "too short" in (short.fallback_reason or "")


def test_rolling_origin_windows() -> None:
    assert selection.windows(100, 28, 2, 14) == [44, 72]
    assert selection.windows(50, 28, 2, 14) == [22]  # only one window fits
    assert selection.windows(30, 28, 2, 14) == []


def test_intervals_from_residuals_are_quantiles_floored_at_zero() -> None:
    residuals = [float(x) for x in range(-50, 51)]  # -50..50, 101 of them
    off = intervals.offsets(residuals)
    # the 10% and 90% quantiles, widened by the conformal factor 1 + 1/101
    lo, hi = intervals.conformal_levels(101, 0.80)
    assert hi == pytest.approx(0.9 * 102 / 101) and lo == pytest.approx(0.1 * 102 / 101 - 1 / 101)
    assert off.lo80 == pytest.approx(-50 + 100 * lo) and off.hi80 == pytest.approx(-50 + 100 * hi)
    assert -50 <= off.lo95 < off.lo80 and off.hi80 < off.hi95 <= 50
    assert intervals.conformal_levels(10, 0.95) == (0.0, 1.0)  # too few: the extremes
    lo80, hi80, lo95, hi95 = off.apply(10.0)
    assert (lo80, lo95) == (0.0, 0.0) and hi80 == pytest.approx(10 + off.hi80) and hi95 > hi80
    assert intervals.quantile([], 0.5) == 0.0


def test_bottom_up_sums_means_and_widens_intervals_by_variance() -> None:
    day = D0
    child = [Point(day, 10.0, 10 - Z80, 10 + Z80, 5.0, 15.0)]  # sigma 1 at 80%
    total = bottom_up([child, child, child, child])
    assert len(total) == 1 and total[0].mean == pytest.approx(40.0)
    # four independent sigma-1 children: sigma 2, so the 80% half-width is 2·z80
    assert total[0].hi80 - total[0].mean == pytest.approx(2 * Z80)
    assert total[0].lo80 <= total[0].mean <= total[0].hi80 <= total[0].hi95


def test_shape_leaves_returns_out_adds_duplicates_fills_gaps_and_flags_short() -> None:
    rows = [HistoryRow("A", "warehouse", "SH", D0, 3.0),
            HistoryRow("A", "warehouse", "SH", D0, 2.0),  # a duplicated day
            HistoryRow("A", "warehouse", "SH", D0 + timedelta(days=3), -1.0),  # a return
            HistoryRow("A", "warehouse", "SH", D0 + timedelta(days=4), 4.0),
            HistoryRow("B", "warehouse", "SH", D0 + timedelta(days=4), 1.0)]  # one sale
    series, report = shape(rows)
    a = series[SeriesKey("A", "warehouse", "SH")]
    assert a.values == (5.0, 0.0, 0.0, 0.0, 4.0) and a.start == D0
    assert series[SeriesKey("B", "warehouse", "SH")].values == (1.0,)
    assert report.returns == 1 and report.returned_units == 1.0
    assert report.duplicate_days == 1 and report.gap_days == 3
    assert set(report.short_series) == {"A@warehouse:SH", "B@warehouse:SH"}
    assert shape([]) == ({}, shape([])[1])


def test_file_rows_are_refused_or_noted_with_their_row_and_field() -> None:
    records = [
        {"sku": "A", "warehouse": "SH", "date": "2025-03-03", "quantity": "3"},
        {"sku": "", "warehouse": "SH", "date": "2025-03-03", "quantity": "3"},
        {"sku": "A", "warehouse": "SH", "date": "03/04/2025", "quantity": "3"},
        {"sku": "A", "warehouse": "SH", "date": "2025-03-05", "quantity": "lots"},
        {"sku": "A", "warehouse": "", "date": "2025-03-05", "quantity": "1"},
        {"sku": "A", "warehouse": "SH", "date": "2025-03-06", "quantity": "-2"},
        {"sku": "A", "warehouse": "SH", "date": "2025-03-03", "quantity": "1"},
    ]
    rows, problems = parse_rows(records)
    assert len(rows) == 3
    found = {(p.row, p.field, p.refused) for p in problems}
    assert found == {(3, "sku", True), (4, "date", True), (5, "quantity", True),
                     (6, "warehouse", True), (7, "quantity", False), (8, "date", False)}
    assert "repeats row 2" in next(p.message for p in problems if p.row == 8)
    rows, problems = parse_rows([{"item": "A", "day": "2025-01-01", "qty": "1"}])
    assert rows == [] and problems[0].field == "header"
    assert "warehouse or region" in problems[0].message
    rows, _ = parse_rows([{"SKU": "A", "Region": "上海", "Date": "2025-01-01", "Qty": 2}])
    assert rows[0].kind == "region" and rows[0].location == "上海"


def test_drift_flags_live_error_outside_the_band() -> None:
    limit = drift.band(0.3, 0.4)
    assert limit == pytest.approx(0.5)
    assert not drift.check([10.0] * 7, [11.0] * 7, limit).drifted
    flagged = drift.check([10.0] * 7, [2.0] * 7, limit)
    assert flagged.drifted and flagged.live_wape == pytest.approx(0.8)
    assert not drift.check([10.0] * 3, [2.0] * 3, limit).drifted  # too few days yet


def test_promotion_calendar() -> None:
    assert promotion(date(2025, 6, 10)) == "618" and peak_day(date(2025, 6, 18))
    assert promotion(date(2025, 11, 11)) == "double11" and peak_day(date(2025, 11, 11))
    assert promotion(date(2025, 1, 22)) == "spring_festival_rush"
    assert promotion(date(2025, 1, 30)) == "spring_festival_holiday"
    assert promotion(date(2025, 3, 3)) is None


class _FakeEngine:
    """Each model forecasts a constant (None: in backtest, exactly what happened)."""

    def __init__(self, constants: dict[str, float | None]) -> None:
        self.constants = constants

    def run(self, series, horizon, windows):  # type: ignore[no-untyped-def]
        from orderhub.adapters.forecasting.engine import EngineOutput

        out = EngineOutput()
        for s in series:
            trains = selection.windows(len(s.values), horizon, windows, 14)
            out.forecasts[s.key] = {m: [c or 11.0] * horizon
                                    for m, c in self.constants.items()}
            out.backtests[s.key] = {
                m: [(t, list(s.values[t:t + horizon]) if c is None else [c] * horizon)
                    for t in trains] for m, c in self.constants.items()}
        return out


def test_fit_serves_the_winner_or_falls_back_and_says_so() -> None:
    from orderhub.domain.forecasting.series import DailySeries
    from orderhub.services.forecasting.modelling import fit

    key = SeriesKey("A", "warehouse", "SH")
    s = DailySeries(key, D0, tuple([3.0] * 30 + [10.0, 12.0, 9.0, 14.0, 11.0] * 6))
    short = DailySeries(SeriesKey("B", "warehouse", "SH"), D0, (3.0,))
    # auto_ets knew what would happen: every baseline misses by far more than noise
    won = fit({key: s, short.key: short}, _FakeEngine({"auto_ets": None, "auto_theta": 30.0,
                                                       "croston_optimized": 30.0,
                                                       "adida": 30.0}),
              horizon=7, windows=2)
    by_key = {f.key: f for f in won}
    assert by_key[key].model == "auto_ets" and by_key[key].fallback_reason is None, by_key[key]
    assert by_key[key].backtest_wape["auto_ets"] == 0.0
    assert by_key[key].backtest_wape["historic_mean"] > 0.3
    pts = by_key[key].points
    assert len(pts) == 7 and pts[0].day == s.end + timedelta(days=1)
    assert all(p.lo95 <= p.lo80 <= p.mean <= p.hi80 <= p.hi95 for p in pts)
    assert by_key[short.key].model == "historic_mean"
    assert "too short" in (by_key[short.key].fallback_reason or "")
    lost = fit({key: s}, _FakeEngine({"auto_ets": 8.0, "auto_theta": 14.0,
                                      "croston_optimized": 14.0, "adida": 14.0}),
               horizon=7, windows=2)[0]
    assert lost.model in selection.BASELINES and lost.fallback_reason is not None
    assert lost.model in lost.fallback_reason


def test_fit_on_the_last_days_only_scores_the_same_days() -> None:
    from orderhub.domain.forecasting.series import DailySeries
    from orderhub.services.forecasting.modelling import fit

    key = SeriesKey("A", "warehouse", "SH")
    s = DailySeries(key, D0, tuple([3.0] * 30 + [10.0, 12.0, 9.0, 14.0, 11.0] * 6))
    engine = _FakeEngine({"auto_ets": None, "auto_theta": 30.0, "croston_optimized": 30.0,
                          "adida": 30.0})
    [whole] = fit({key: s}, engine, horizon=7, windows=2)
    [recent] = fit({key: s}, engine, horizon=7, windows=2, train_days=28)
    # the oracle's windows land on the same days of the full series: still exact
    assert recent.model == whole.model == "auto_ets"
    assert recent.backtest_wape == whole.backtest_wape
    assert recent.backtest_wape["auto_ets"] == 0.0
