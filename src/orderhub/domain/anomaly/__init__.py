"""Anomaly detection at intake (issue 14, item 5): brushing and fraud patterns, price
conflicts between channels, unusual quantities. Pure: an order becomes `Facts`
(`facts.py`), facts plus what was seen recently become `Features` and reason codes
(`features.py`, `reasons.py`), a score and the tenant's settings become a `Verdict`
(`decision.py`): hold for a person, flag, or pass. Nothing here does I/O; the identity keys
it compares are opaque strings (the repository turns phones, addresses and accounts into
keyed blind indexes before they reach the detector or the database).
"""
