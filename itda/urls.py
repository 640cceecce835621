"""Top-level URL map: one interface app per audience, plus the JSON API and the back office."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("itda.portal.urls")),
    path("accounts/", include("itda.accounts.urls")),
    path("console/", include("itda.console.urls")),
    path("api/", include("itda.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
