"""Customers: who they are, where they live, how to reach them."""
