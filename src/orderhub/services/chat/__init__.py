"""Approvals and alerts in chat apps (issue 19 item 3): channels and identity mappings
(`admin.py`), cards from the desk's events (`cards.py`, the `chat` durable consumer), card
callbacks deciding through the desk (`callbacks.py`)."""
