"""Console pages: referral. Names live in the console namespace."""

urlpatterns: list = []
