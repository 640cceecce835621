"""Console pages: care. Names live in the console namespace."""

urlpatterns: list = []
