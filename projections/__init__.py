"""Read models: SQLAlchemy tables, the projectors that fill them from the log, and the runner."""
