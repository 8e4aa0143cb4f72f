"""Adapters: the edge of the hexagon (database, bus, channels, carriers)."""
