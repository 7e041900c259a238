"""Couriers: hiring to offboarding, shifts, performance, assessment and monthly incentives."""
