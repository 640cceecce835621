from django.urls import include, path

from itda.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("programs/", views.program_list, name="program_list"),
    path("programs/<slug:slug>/", views.program_detail, name="program_detail"),
    path("what-can-i-get/", views.wizard, name="wizard"),
    path("sites/", views.site_list, name="site_list"),
    path("self-check/", include("itda.portal.selfcheck_urls")),
    path("check-in/", include("itda.portal.checkin_urls")),
]
