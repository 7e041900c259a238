"""Customer care: the tracking page, what customers were told, complaints and ratings, returns, special situations."""
