"""Specifications of couriers, their shifts and vehicles, assessment and incentives."""
