"""Console pages: care (monitored people, the care group, allocation). Names live in the console namespace."""

from django.urls import path

from itda.console import care

urlpatterns = [
    path("people/", care.monitored_list, name="care_people"),
    path("people/<int:person_id>/", care.person_registry, name="care_person"),
    path("people/<int:person_id>/risk/", care.risk_assessment, name="care_risk"),
    path("people/<int:person_id>/end/", care.end_monitoring, name="care_end_monitoring"),
    path("people/<int:person_id>/visiting-care/", care.visiting_care, name="care_visiting"),
    path("people/<int:person_id>/channels/", care.channel_add, name="care_channel_add"),
    path("people/<int:person_id>/channels/<int:channel_id>/remove/", care.channel_remove, name="care_channel_remove"),
    path("people/<int:person_id>/guardians/", care.guardian_add, name="care_guardian_add"),
    path("people/<int:person_id>/guardians/<int:guardian_id>/remove/", care.guardian_remove, name="care_guardian_remove"),
    path("people/<int:person_id>/volunteer/", care.override_add, name="care_override"),
    path("people/<int:person_id>/volunteer/<int:override_id>/lift/", care.override_lift, name="care_override_lift"),
    path("volunteers/", care.volunteer_list, name="care_volunteers"),
    path("volunteers/new/", care.volunteer_register, name="care_volunteer_new"),
    path("volunteers/<int:volunteer_id>/", care.volunteer_page, name="care_volunteer"),
    path("volunteers/<int:volunteer_id>/edit/", care.volunteer_edit, name="care_volunteer_edit"),
    path("volunteers/<int:volunteer_id>/training/", care.volunteer_training, name="care_volunteer_training"),
    path("volunteers/<int:volunteer_id>/end/", care.volunteer_end, name="care_volunteer_end"),
    path("allocation/", care.allocation_run, name="care_allocation"),
    path("unallocated/", care.unallocated, name="care_unallocated"),
    path("mine/", care.my_households, name="care_my_households"),
]
