"""Stock movements (receipts, adjustments, safety stock), each with its event."""
