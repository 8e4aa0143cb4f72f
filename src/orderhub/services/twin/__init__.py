"""The order twin: SLA policies, each order's stages and health, stalled-step alerts."""
