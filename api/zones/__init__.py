"""Zones: service areas, the orders in them and outside them, and proposed partitions."""
