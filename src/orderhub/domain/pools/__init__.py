"""Group-buy pooling (issue 18 item 5): orders of one community/group-buy channel near one
pickup point are held in a pool until its threshold or window, then routed and shipped as
one delivery (docs/pools.md). Pure: `policy.py` the rule document, `pool.py` membership and
closing, `routing.py` the pool's one-delivery plan as an allocation strategy."""
