"""3PL bidding (issue 18 item 4, docs/bidding.md): providers and the tenant's policy
(`providers.py`), offers opened by intake for the orders the policy selects, bids taken
over the signed bid API, the requests sent and the offers closed by the `bid-auctions`
job (`auctions.py`), and the read model `order why` and the API show (`views.py`)."""
