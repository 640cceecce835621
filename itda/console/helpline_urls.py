"""Console pages: helpline. Names live in the console namespace."""

urlpatterns: list = []
