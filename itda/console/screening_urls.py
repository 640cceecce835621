"""Console pages: a person's screening results. Names live in the console namespace."""

from django.urls import path

from itda.console import screenings

urlpatterns = [
    path("people/<int:person_id>/", screenings.person_results, name="screening_person"),
    path("people/<int:person_id>/results/<int:result_id>/", screenings.result_detail, name="screening_result"),
]
