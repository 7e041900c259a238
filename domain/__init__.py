"""Peisong's write side: aggregates, their events, the policies between them and the application."""
