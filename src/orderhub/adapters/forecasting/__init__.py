"""Forecasting models behind one small port (`engine.ForecastEngine`): statsforecast's
statistical models and baselines (`statsforecast_engine.py`)."""
