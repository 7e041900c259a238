"""Demand forecasting, the special-day calendar, reorder advice, staffing and the order-history generator."""
