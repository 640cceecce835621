"""Self-check pages. Included inside the portal namespace: the names become portal:selfcheck_*."""

from django.urls import path

from itda.portal import selfcheck_views

urlpatterns = [
    path("", selfcheck_views.start, name="selfcheck_start"),
    path("my-results/", selfcheck_views.history, name="selfcheck_history"),
    path("save/", selfcheck_views.save, name="selfcheck_save"),
    path("contact/", selfcheck_views.contact, name="selfcheck_contact"),
    path("consent/withdraw/", selfcheck_views.withdraw, name="selfcheck_withdraw"),
    path("<slug:slug>/", selfcheck_views.take, name="selfcheck_take"),
]
