"""Order analysis, demand and stock forecasting, staffing: the specifications."""
