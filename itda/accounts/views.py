"""Signing in and out, and the signed-in person's own page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone

from itda.audit.services import record_access
from itda.people.permissions import can_work_with_people


class LoginView(auth_views.LoginView):
    """Django's login, with a LOGIN audit entry for every successful sign-in."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        with transaction.atomic():
            record_access(actor=self.request.user, action="LOGIN", target=self.request.user, path=self.request.path)
        return response


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    """The signed-in user's page: who they are, their role and team, and where their work is."""
    user = request.user
    person = getattr(user, "person", None)
    if person is not None:
        with transaction.atomic():
            record_access(
                actor=user,
                action="READ",
                target=person,
                person_id=person.pk,
                fields=["name", "district"],
                path=request.path,
                at=timezone.now(),
            )
    return render(
        request,
        "accounts/home.html",
        {"person": person, "can_use_console": can_work_with_people(user) or user.role == user.Role.CITY_STAFF},
    )
