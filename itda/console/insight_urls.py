"""Console pages: population discovery (map of risk tiers, worklists, outreach) and the policy simulation."""

from django.urls import path

from itda.console import insights

urlpatterns = [
    path("", insights.dashboard, name="insights_dashboard"),
    path("districts/<str:code>/", insights.district_page, name="insights_district"),
    path("districts/<str:code>/send/", insights.send_worklist, name="insights_send_worklist"),
    path("simulation/", insights.simulation, name="insights_simulation"),
    path("outreach/", insights.outreach_list, name="insights_outreach"),
    path("outreach/<int:task_id>/", insights.outreach_task, name="insights_outreach_task"),
]
