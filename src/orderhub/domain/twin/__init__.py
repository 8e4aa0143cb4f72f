"""The order digital twin: an order's stages, the SLA they are held to, and its health."""
