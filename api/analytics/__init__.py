"""Order analysis, demand and stock forecasts, staffing: what the shop learns from its own history."""
