"""Charts of the order analysis, the forecast and the staffing, drawn for people rather than programs."""
