"""Planning ahead (issue 18 item 3): pre-allocation plans from the forecasts
(`preallocation.py`), their acceptance and transfer orders (`transfers.py`), per-tenant
settings (`settings.py`), read models (`views.py`). docs/preallocation.md."""
