"""Carrier tracking (物流轨迹): checkpoints pushed by carriers (signed, idempotent, bulk),
matched to shipments by waybill or kept as orphans until the waybill is booked, recorded on
the orders (`ShipmentCheckpointRecorded`; `delivered` delivers the shipment), and the read
model the API, CLI and twin show (`views.py`)."""
