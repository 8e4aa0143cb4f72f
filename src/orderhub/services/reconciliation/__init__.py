"""Reconciliation of channel settlements and carrier bills (对账; domain/reconciliation.py):
`settlement.py` imports files, runs the matching and closes periods; `refunds.py` is the
port that says which refunds the hub knows of; `views.py` the report and its export."""
