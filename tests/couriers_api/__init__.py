"""Specifications of couriers, vehicles, zones and live locations through the GraphQL API."""
