"""Models of the screenings app."""
