"""Dynamic routing (issue 5, first slice): the network model, per-order (streaming)
decisions with cost and promise breakdowns, and optimal batch (wave) allocation.

Intake uses it with ORDERHUB_ALLOCATION_STRATEGY=routing (see `strategy.py`); the default
is still the nearest-warehouse rule. docs/routing.md says what exists and what follows.
"""
