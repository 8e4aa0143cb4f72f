"""Group-buy pooling (docs/pools.md): the policy's versions (`policy.py`), the intake stage
that puts orders into pools (`stage.py`), closing and routing a pool (`closing.py`), read
models (`views.py`)."""
