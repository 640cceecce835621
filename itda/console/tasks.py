"""Console pages: the task inbox. A worker's own tasks, their team's, one task with its history, and the
three moves on it (take, start, close with an outcome) through ``cases.services``."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from itda.cases import queries, services
from itda.cases.models import CareTask
from itda.cases.permissions import TaskNotVisible, can_act_on_task, can_keep_task_inbox, get_inbox_task_for_worker
from itda.console.access import allowed

STATUS_CHOICES = [
    (queries.OPEN, gettext_lazy("Open or in progress")),
    (CareTask.Status.OPEN, gettext_lazy("Not started")),
    (CareTask.Status.IN_PROGRESS, gettext_lazy("In progress")),
    (CareTask.Status.DONE, gettext_lazy("Done")),
    (CareTask.Status.CANCELLED, gettext_lazy("Cancelled")),
    (queries.ALL, gettext_lazy("All")),
]
OUTCOME_LABELS = {
    services.REACHED: gettext_lazy("Reached: support arranged or under way"),
    services.NO_NEED: gettext_lazy("Reached: no support needed"),
    services.UNREACHABLE: gettext_lazy("Unreachable: a next step is required"),
    services.HANDLED: gettext_lazy("Handled"),
}
NEXT_STEP_CHOICES = [
    (CareTask.Kind.FOLLOW_UP_CALL, gettext_lazy("Call again another way")),
    (CareTask.Kind.VISIT, CareTask.Kind.VISIT.label),
    (CareTask.Kind.DOOR_OPENING, CareTask.Kind.DOOR_OPENING.label),
]
# The next step a worker usually chooses after this kind of task went unanswered.
SUGGESTED_NEXT_STEP = {
    CareTask.Kind.VISIT: CareTask.Kind.DOOR_OPENING,
    CareTask.Kind.DOOR_OPENING: CareTask.Kind.DOOR_OPENING,
}
LADDER_SOURCES = ("checkins.escalation", "checkins.escalationstep")


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUS_CHOICES)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("All kinds")), *CareTask.Kind.choices]
    )
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("All priorities")), *CareTask.Priority.choices],
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput)

    def filters(self) -> queries.TaskFilters:
        data = self.cleaned_data
        return queries.TaskFilters(
            status=data["status"] or queries.OPEN,
            kind=data["kind"],
            priority=data["priority"],
            overdue_only=data["overdue"],
        )


class TaskOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        widget=forms.RadioSelect,
        error_messages={"required": "결과를 고르세요. (Choose an outcome.)"},
    )
    next_step_kind = forms.ChoiceField(
        label=gettext_lazy("Next step if unreachable"), widget=forms.RadioSelect, required=False, choices=NEXT_STEP_CHOICES
    )
    next_step_at = forms.DateTimeField(
        label=gettext_lazy("Next step by (date and time)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "날짜와 시간을 입력하세요. (Enter a date and time.)"},
    )

    def __init__(self, *args, task: CareTask, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(code, OUTCOME_LABELS[code]) for code in services.outcomes_for(task.kind)]
        if services.UNREACHABLE not in services.outcomes_for(task.kind):
            del self.fields["next_step_kind"]
            del self.fields["next_step_at"]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == services.UNREACHABLE:
            if not data.get("next_step_kind"):
                self.add_error("next_step_kind", "연락이 닿지 않으면 다음 조치를 고르세요. (Choose the next step.)")
            if not data.get("next_step_at") and "next_step_at" not in self.errors:
                self.add_error("next_step_at", "다음 조치의 날짜와 시간을 입력하세요. (Enter when the next step is due.)")
        return data


_inbox_view = allowed(can_keep_task_inbox)


def describe_due(due_at: datetime, now: datetime) -> str:
    """The due time relative to now, in the page's language: "3시간 지남", "2일 남음"."""
    seconds = (due_at - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return _("due now")
    if seconds < 0:
        if minutes < 60:
            return ngettext("%(count)d minute overdue", "%(count)d minutes overdue", minutes) % {"count": minutes}
        if minutes < 48 * 60:
            hours = minutes // 60
            return ngettext("%(count)d hour overdue", "%(count)d hours overdue", hours) % {"count": hours}
        days = minutes // (24 * 60)
        return ngettext("%(count)d day overdue", "%(count)d days overdue", days) % {"count": days}
    if minutes < 60:
        return ngettext("due in %(count)d minute", "due in %(count)d minutes", minutes) % {"count": minutes}
    if minutes < 48 * 60:
        hours = minutes // 60
        return ngettext("due in %(count)d hour", "due in %(count)d hours", hours) % {"count": hours}
    days = minutes // (24 * 60)
    return ngettext("due in %(count)d day", "due in %(count)d days", days) % {"count": days}


def _decorate(task: CareTask, user, now: datetime) -> CareTask:
    """Values the templates show: relative due time, overdue flag, and which moves the user may make."""
    task.due_label = describe_due(task.due_at, now) if task.is_open else ""
    task.overdue = task.is_overdue(now)
    task.needs_attention = task.is_open and (task.overdue or task.priority <= CareTask.Priority.URGENT)
    may_act = can_act_on_task(user, task)
    task.can_take = may_act and task.is_open and task.assignee_id != user.pk
    task.can_start = may_act and task.status == CareTask.Status.OPEN
    task.can_close = may_act and task.is_open
    return task


def _source_link(task: CareTask, *, shows_record: bool) -> tuple[str, str] | None:
    """Where the task came from, as (label, URL), when the console has a page for it."""
    source, source_id = task.source_type, task.source_id
    if source == "referrals.referral" and source_id.isdigit():
        return _("The referral"), reverse("console:referral_detail", args=[int(source_id)])
    if source == "contacts.contactlog" and source_id.isdigit():
        return _("The 120 call"), reverse("console:helpline_contact", args=[int(source_id)])
    if source in LADDER_SOURCES:
        escalation_id = source_id.split(":", 1)[0]
        if escalation_id.isdigit():
            return _("The check-in escalation"), reverse("console:checkin_escalation", args=[int(escalation_id)])
    if source.startswith("checkins.") and task.person_id is not None:
        return _("Check-in history"), reverse("console:checkin_person", args=[task.person_id])
    if source.startswith("households.") and task.person_id is not None:
        return _("Care registry page"), reverse("console:care_person", args=[task.person_id])
    if source == "insights.scorerun" and task.kind == CareTask.Kind.OUTREACH:
        return _("Why this household"), reverse("console:insights_outreach_task", args=[task.pk])
    if shows_record and task.person_id is not None:
        return _("The person's page"), reverse("console:person_detail", args=[task.person_id])
    return None


def _history_line(entry) -> str:
    fields = set(entry.fields)
    if entry.action == "CREATE":
        return _("Opened")
    if "outcome" in fields:
        return _("Closed")
    if "status" in fields:
        return _("Started")
    if "assignee" in fields:
        return _("Taken")
    return _("Changed")


def _inbox(request, view: str):
    now = timezone.now()
    form = TaskFilterForm(request.GET or None)
    filters, page, status = queries.TaskFilters(), 1, 200
    if form.is_bound:
        if form.is_valid():
            filters, page = form.filters(), form.cleaned_data["page"] or 1
        else:
            status = 400
    task_page = queries.list_tasks(actor=request.user, view=view, filters=filters, now=now, page=page, path=request.path)
    for task in task_page.tasks:
        _decorate(task, request.user, now)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "view": view,
        "form": form,
        "task_page": task_page,
        "query": query.urlencode(),
        "next": request.get_full_path(),
    }
    return render(request, "console/tasks/inbox.html", context, status=status)


@_inbox_view
@require_GET
def my_tasks(request):
    return _inbox(request, queries.MINE)


@_inbox_view
@require_GET
def team_tasks(request):
    return _inbox(request, queries.TEAM)


def _detail_response(request, task_id: int, *, form=None, status: int = 200):
    now = timezone.now()
    try:
        task_view = queries.view_task(actor=request.user, task_id=task_id, now=now, path=request.path)
    except TaskNotVisible:
        raise Http404 from None
    task = _decorate(task_view.task, request.user, now)
    if form is None and task.can_close:
        initial = {"outcome": services.outcomes_for(task.kind)[0]}
        if "next_step_kind" in TaskOutcomeForm(task=task).fields:
            initial["next_step_kind"] = SUGGESTED_NEXT_STEP.get(task.kind, CareTask.Kind.VISIT)
        form = TaskOutcomeForm(task=task, initial=initial)
    for entry in task_view.history:
        entry.line = _history_line(entry)
    source_link = _source_link(task, shows_record=task_view.shows_person_record)
    person_url = ""
    if task_view.shows_person_record:
        person_url = reverse("console:person_detail", args=[task.person_id])
        if source_link is not None and source_link[1] == person_url:
            person_url = ""
    context = {
        "task": task,
        "task_view": task_view,
        "form": form,
        "source_link": source_link,
        "person_url": person_url,
        "is_ladder_step": task.source_type in LADDER_SOURCES,
        "now": now,
    }
    return render(request, "console/tasks/detail.html", context, status=status)


@_inbox_view
@require_GET
def task_detail(request, task_id: int):
    return _detail_response(request, task_id)


def _task_to_act_on(request, task_id: int) -> CareTask:
    try:
        task = get_inbox_task_for_worker(request.user, task_id)
    except TaskNotVisible:
        raise Http404 from None
    if not can_act_on_task(request.user, task):
        raise PermissionDenied
    return task


def _back(request, task: CareTask):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("console:task_detail", task_id=task.pk)


def _card_or_back(request, task: CareTask, *, notice: str, failed: bool):
    """An htmx request gets the task's card back in place, with the notice; a plain form post is redirected."""
    if request.headers.get("HX-Request") == "true":
        task.refresh_from_db()
        _decorate(task, request.user, timezone.now())
        context = {"task": task, "notice": notice, "failed": failed, "next": request.POST.get("next", "")}
        return render(request, "console/tasks/_card.html", context, status=400 if failed else 200)
    if failed:
        messages.error(request, notice)
    else:
        messages.success(request, notice)
    return _back(request, task)


@_inbox_view
@require_POST
def task_take(request, task_id: int):
    task = _task_to_act_on(request, task_id)
    try:
        services.take_task(actor=request.user, task=task, now=timezone.now())
    except services.TaskError as error:
        return _card_or_back(request, task, notice=str(error), failed=True)
    return _card_or_back(request, task, notice=_("The task is yours now."), failed=False)


@_inbox_view
@require_POST
def task_start(request, task_id: int):
    task = _task_to_act_on(request, task_id)
    try:
        services.start_task(actor=request.user, task=task, now=timezone.now())
    except services.TaskError as error:
        return _card_or_back(request, task, notice=str(error), failed=True)
    return _card_or_back(request, task, notice=_("Started. The task is yours."), failed=False)


@_inbox_view
@require_POST
def task_complete(request, task_id: int):
    task = _task_to_act_on(request, task_id)
    form = TaskOutcomeForm(request.POST, task=task)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _closed, follow_up = services.record_task_outcome(
                actor=request.user,
                task=task,
                outcome=data["outcome"],
                now=timezone.now(),
                next_step_kind=data.get("next_step_kind") or "",
                next_step_due_at=data.get("next_step_at"),
            )
        except services.UnreachableNeedsNextStep as error:
            form.add_error("next_step_kind", str(error))
        except services.TaskOutcomeInvalid as error:
            form.add_error(None, str(error))
        except services.TaskError as error:
            messages.info(request, str(error))
            return redirect("console:task_detail", task_id=task.pk)
        else:
            if follow_up is not None:
                messages.success(
                    request, _("Recorded as unreachable. The next step is open: %(title)s") % {"title": follow_up.title}
                )
            else:
                messages.success(request, _("Outcome recorded."))
            return redirect("console:task_detail", task_id=task.pk)
    return _detail_response(request, task.pk, form=form, status=400)
