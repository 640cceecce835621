"""Console pages: insight. Names live in the console namespace."""

urlpatterns: list = []
