"""The log itself: any aggregate's history, how far the read models trail it, and the live feed."""
