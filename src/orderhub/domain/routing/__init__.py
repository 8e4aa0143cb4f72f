"""Dynamic routing (issue 5, first slice): the network model, per-order (streaming)
decisions with cost and promise breakdowns, and optimal batch (wave) allocation.

Not yet wired into intake: `NearestWarehouseStrategy` still allocates orders. See
docs/routing.md for what exists and what follows.
"""
