"""Signing up, in and out, and the signed-in person's own page: what is stored, password, consents, leaving."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from itda.accounts import queries, services
from itda.accounts.forms import (
    NOT_CREATED_MESSAGE,
    RRN_MESSAGE,
    TOO_MANY_MESSAGE,
    USERNAME_TAKEN,
    DeleteAccountForm,
    PasswordChangeForm,
    SignUpForm,
    korean_first,
)
from itda.audit.services import record_access
from itda.people.models import Consent
from itda.people.permissions import can_work_with_people
from itda.screenings.models import self_check_retention_days

# Sign-ups allowed per client address per hour. The cache is per process, so the real
# ceiling is this times the number of web processes: enough to stop a script, not a
# determined attacker. Behind a proxy every client shares the proxy's address; raise it there.
SIGN_UPS_PER_HOUR = 10


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


def _safe_next(request: HttpRequest) -> str:
    """The `next` the request carries when it stays on this site; "" otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _throttle_key(request: HttpRequest) -> str:
    return f"accounts:sign-ups:{request.META.get('REMOTE_ADDR', '')}"


def _sign_ups_left(request: HttpRequest) -> bool:
    limit = getattr(settings, "ITDA_SIGN_UPS_PER_HOUR", SIGN_UPS_PER_HOUR)
    return cache.get(_throttle_key(request), 0) < limit


def _count_sign_up(request: HttpRequest) -> None:
    key = _throttle_key(request)
    if not cache.add(key, 1, timeout=60 * 60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=60 * 60)


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """A citizen makes an account, is signed in and goes back to where they came from."""
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:home")
    if request.method != "POST":
        return _render_sign_up(request, SignUpForm(), next_url)
    form = SignUpForm(request.POST)
    if form.is_robot:
        return _render_sign_up(request, SignUpForm(), next_url, refused=korean_first(NOT_CREATED_MESSAGE), status=400)
    if not _sign_ups_left(request):
        return _render_sign_up(request, form, next_url, refused=korean_first(TOO_MANY_MESSAGE), status=429)
    if not form.is_valid():
        return _render_sign_up(request, form, next_url, status=400)
    now = timezone.now()
    try:
        user = services.sign_up_citizen(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data["display_name"],
            home_district=form.cleaned_data["home_district"],
            now=now,
            path=request.path,
        )
    except services.UsernameTaken:
        form.add_error("username", korean_first(USERNAME_TAKEN))
        return _render_sign_up(request, form, next_url, status=400)
    except services.AccountDataInvalid as invalid:
        for field in invalid.errors:
            form.add_error(field if field in form.fields else None, korean_first(RRN_MESSAGE))
        return _render_sign_up(request, form, next_url, status=400)
    except ValidationError:
        # The form ran the same validators; this guards a validator that changed in between.
        form.add_error("password1", korean_first(NOT_CREATED_MESSAGE))
        return _render_sign_up(request, form, next_url, status=400)
    _count_sign_up(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    with transaction.atomic():
        record_access(actor=user, action="LOGIN", target=user, path=request.path, at=now)
    return redirect(next_url or f"{reverse('accounts:home')}?done=created")


def _render_sign_up(request, form, next_url: str, *, refused: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "accounts/sign_up.html",
        {"form": form, "next": next_url, "refused": refused, "notice_version": services.PRIVACY_NOTICE_VERSION},
        status=status,
    )


@never_cache
@login_required
def home(request):
    """The signed-in user's page: who they are, what itda keeps about them, and what they can do about it."""
    user = request.user
    data = queries.my_data(user, now=timezone.now(), path=request.path)
    return render(
        request,
        "accounts/home.html",
        {
            "person": data.person,
            "consents": data.consents,
            "saved_self_checks": data.saved_self_checks,
            "is_citizen": user.role == user.Role.CITIZEN,
            "notice": _notice(request.GET.get("done", "")),
            "can_leave": _can_leave(user),
            "purge_days": self_check_retention_days(),
            "can_use_console": can_work_with_people(user) or user.role == user.Role.CITY_STAFF,
        },
    )


def _notice(done: str) -> str:
    """The line confirming what the user just did, from the ?done= of the redirect that brought them."""
    if done == "created":
        return _("Your account is ready. You are signed in.")
    if done == "password":
        return _("Your password was changed.")
    purpose = done.removeprefix("withdrawn-")
    if done.startswith("withdrawn-") and purpose in Consent.Purpose.values:
        text = _("You withdrew your consent: %(purpose)s.") % {"purpose": Consent.Purpose(purpose).label}
        if purpose == Consent.Purpose.SAVE_RESULTS:
            text += " " + _("Your saved self-check results will be deleted after %(days)s days.") % {
                "days": self_check_retention_days()
            }
        return text
    return ""


def _can_leave(user) -> bool:
    return user.role == user.Role.CITIZEN and not user.is_staff and not user.is_superuser


@never_cache
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the session stays signed in, other sessions are signed out."""
    if request.method != "POST":
        return render(request, "accounts/password_change.html", {"form": PasswordChangeForm(request.user)})
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return render(request, "accounts/password_change.html", {"form": form}, status=400)
    try:
        services.change_password(
            user=request.user, new_password=form.cleaned_data["new_password1"], now=timezone.now(), path=request.path
        )
    except ValidationError:
        form.add_error("new_password1", korean_first(NOT_CREATED_MESSAGE))
        return render(request, "accounts/password_change.html", {"form": form}, status=400)
    update_session_auth_hash(request, request.user)
    return redirect(f"{reverse('accounts:home')}?done=password")


@never_cache
@login_required
@require_POST
def consent_withdraw(request: HttpRequest) -> HttpResponse:
    """Withdraw one of one's own consents (a citizen with a person record)."""
    purpose = request.POST.get("purpose", "")
    try:
        consent = services.withdraw_my_consent(user=request.user, purpose=purpose, now=timezone.now())
    except services.AccountRefused:
        return render(
            request,
            "accounts/message.html",
            {"message": _("There is no such consent on your account.")},
            status=400,
        )
    done = f"withdrawn-{consent.purpose}" if consent is not None else "nothing-withdrawn"
    return redirect(f"{reverse('accounts:home')}?done={done}")


@never_cache
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete one's own citizen account, after confirming with the password."""
    user = request.user
    if not _can_leave(user):
        return render(
            request,
            "accounts/message.html",
            {"message": _("Staff and volunteer accounts are closed by an administrator. Please ask yours.")},
            status=403,
        )
    data = queries.my_data(user, now=timezone.now(), path=request.path)
    context = {"person": data.person, "saved_self_checks": data.saved_self_checks}
    if request.method != "POST":
        return render(request, "accounts/delete.html", {**context, "form": DeleteAccountForm(user)})
    form = DeleteAccountForm(user, request.POST)
    if not form.is_valid():
        return render(request, "accounts/delete.html", {**context, "form": form}, status=400)
    try:
        services.delete_citizen_account(user=user, now=timezone.now(), path=request.path)
    except services.AccountRefused:
        return render(request, "accounts/message.html", {"message": _("This account cannot be deleted here.")}, status=403)
    logout(request)
    return redirect("accounts:deleted")


@never_cache
def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/deleted.html")
