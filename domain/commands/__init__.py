"""Per-area command modules that `domain.app` assembles into one application."""
