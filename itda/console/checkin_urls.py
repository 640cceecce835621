"""Console pages: checkin. Names live in the console namespace."""

urlpatterns: list = []
