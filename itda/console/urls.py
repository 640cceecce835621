from django.urls import include, path

from itda.console import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_id>/consent/", views.person_consent, name="person_consent"),
    # Areas added by later issues; each module's names join the console namespace.
    path("helpline/", include("itda.console.helpline_urls")),
    path("referrals/", include("itda.console.referral_urls")),
    path("care/", include("itda.console.care_urls")),
    path("check-ins/", include("itda.console.checkin_urls")),
    path("insights/", include("itda.console.insight_urls")),
    path("screenings/", include("itda.console.screening_urls")),
    path("tasks/", include("itda.console.task_urls")),
    path("clinic/", include("itda.console.clinic_urls")),
]
