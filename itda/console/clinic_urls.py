"""Console pages: a primary clinic's screening and referral flow, and the chain's typed steps. Console namespace."""

from django.urls import path

from itda.console import clinic

urlpatterns = [
    path("", clinic.home, name="clinic_home"),
    path("patients/new/", clinic.register, name="clinic_register"),
    path("patients/<int:person_id>/screen/", clinic.screen, name="clinic_screen"),
    path("patients/<int:person_id>/results/<int:result_id>/refer/", clinic.refer, name="clinic_refer"),
    path("referrals/<int:referral_id>/milestone/", clinic.milestone, name="clinic_milestone"),
]
