"""Orders: placing them, moving them from shelf to door, and following them."""
