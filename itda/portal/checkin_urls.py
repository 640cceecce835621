"""The check-in page behind an SMS link. Included under the portal namespace: portal:checkin_answer."""

from django.urls import path

from itda.portal import checkin_views

urlpatterns = [
    path("<str:token>/", checkin_views.checkin_answer, name="checkin_answer"),
]
