"""orderhub: an order orchestration hub.

One canonical order model for every sales channel, inventory that cannot be oversold,
allocation to warehouses, an explicit lifecycle and a transactional outbox of events.
"""

__version__ = "0.1.0"
