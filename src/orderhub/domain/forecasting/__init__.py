"""Demand forecasting (需求预测), the pure part: daily series shaped from history rows
(`series`), movers' segments (`segments`), accuracy metrics (`metrics`), rolling-origin
windows and model choice with its fallback (`selection`), prediction intervals from
backtest residuals (`intervals`), bottom-up reconciliation (`reconcile`), the promotion
calendar (`calendar`) and the live-error drift check (`drift`). No I/O: the models run in
adapters/forecasting, the use cases in services/forecasting (docs/forecasting.md)."""
