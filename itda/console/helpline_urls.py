"""Console pages: the 120 loneliness line. Names live in the console namespace."""

from django.urls import path

from itda.console import helpline

urlpatterns = [
    path("", helpline.home, name="helpline_home"),
    path("contacts/<int:contact_id>/", helpline.contact_detail, name="helpline_contact"),
    path("contacts/<int:contact_id>/screening/", helpline.run_screening, name="helpline_screening"),
    path("contacts/<int:contact_id>/links/", helpline.link_program, name="helpline_link"),
    path("contacts/<int:contact_id>/follow-up/", helpline.schedule_follow_up, name="helpline_follow_up"),
]
