"""Live locations: couriers reporting positions, the latest of each, and the alerts they raise."""
