"""Demand forecasting use cases (docs/forecasting.md): history in (`history.py`: the hub's
orders, imported files), fitting and serving (`fitting.py` over `modelling.py`), the
rolling-origin evaluation behind `forecast backtest` and the benchmark (`evaluation.py`),
drift (`drift.py`) and read models (`views.py`)."""
