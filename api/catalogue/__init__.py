"""Products and warehouses: what the shop sells and where it keeps it."""
