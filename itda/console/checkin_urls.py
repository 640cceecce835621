"""Console pages: check-ins. Names live in the console namespace."""

from django.urls import path

from itda.console import checkins

urlpatterns = [
    path("", checkins.board, name="checkin_board"),
    path("worklist/", checkins.worklist, name="checkin_worklist"),
    path("due/<int:due_contact_id>/outcome/", checkins.log_outcome, name="checkin_log_outcome"),
    path("people/<int:person_id>/", checkins.person_history, name="checkin_person"),
    path("people/<int:person_id>/ai-call/", checkins.set_ai_call, name="checkin_ai_call"),
    path("escalations/<int:escalation_id>/", checkins.escalation_detail, name="checkin_escalation"),
    path("escalations/<int:escalation_id>/outcome/", checkins.escalation_outcome, name="checkin_escalation_outcome"),
]
