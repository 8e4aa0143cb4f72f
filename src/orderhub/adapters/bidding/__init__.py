"""Bid requests to providers: over HTTP (`http.py`, through the webhook sender: signed,
target-checked) and the simulated provider set of the demo and the tests (`simulated.py`)."""
