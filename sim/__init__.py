"""The demo shop and city generators and the day simulator: clients of the application."""
