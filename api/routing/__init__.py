"""Route planning and dispatch: plans asked for and decided on, their progress followed, the planning worker and the waves."""
