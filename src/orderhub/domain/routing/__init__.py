"""Dynamic routing: the network model (sites, carriers, lanes, blocks), rules as data, the
exact pricing of a plan, streaming decisions per order, optimal waves (HiGHS) and the
naive baseline they are measured against. `strategy.py` puts it behind intake's
`AllocationStrategy`; docs/routing.md describes the whole of it.
"""
