"""The check-in page behind an SMS or messenger link: no login, one signed, expiring, one-time link per check-in."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from itda.checkins import campaign, links, queries, services


class CheckinForm(forms.Form):
    """One radio group per keypad question, and a free-text box for the open question."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        english = get_language() == "en"
        for question in campaign.load_campaign().questions:
            label = question.text_en if english else question.text
            if question.is_open:
                self.fields[question.code] = forms.CharField(
                    label=label, required=False, max_length=campaign.MAX_ANSWER_CHARS, widget=forms.Textarea(attrs={"rows": 3})
                )
            else:
                choices = [(choice.digit, choice.label_en if english else choice.label) for choice in question.choices]
                self.fields[question.code] = forms.ChoiceField(
                    label=label, required=False, choices=choices, widget=forms.RadioSelect
                )

    def answers(self) -> dict:
        result = {}
        for question in campaign.load_campaign().questions:
            value = self.cleaned_data.get(question.code) or ""
            if value:
                result[question.code] = {"speech": value} if question.is_open else {"digits": value}
        return result


@never_cache
@require_http_methods(["GET", "POST"])
def checkin_answer(request, token: str):
    now = timezone.now()
    try:
        checkin = queries.sms_checkin_for(token=token, now=now)
    except links.LinkExpired:
        return render(request, "portal/checkin/expired.html", status=410)
    except links.LinkInvalid:
        raise Http404 from None
    if checkin.is_answered:
        return render(request, "portal/checkin/done.html", {"already": True})
    form = CheckinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.take_sms_answer(attempt_id=checkin.attempt_id, answers=form.answers(), now=now)
        except services.OutcomeRefused as error:
            form.add_error(None, str(error))
        else:
            return render(request, "portal/checkin/done.html", {"already": False})
    status = 400 if request.method == "POST" else 200
    return render(
        request, "portal/checkin/answer.html", {"form": form, "greeting": campaign.load_campaign().greeting}, status=status
    )
