"""The order twin's late-delivery risk: training and storing model versions
(`training.py`), scoring snapshots with the champion or the SLA baseline (`scoring.py`),
and the list of versions (`views.py`)."""

from orderhub.services.risk.scoring import RiskScorer, clear_cache

__all__ = ["RiskScorer", "clear_cache"]
