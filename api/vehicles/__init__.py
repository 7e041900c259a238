"""Vehicles: the types the planner reasons with and the vehicles couriers take out."""
