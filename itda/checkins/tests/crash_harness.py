"""Set up and check a throwaway database for the worker-crash test. Run as a subprocess, never imported by tests.

    python -m itda.checkins.tests.crash_harness setup <people> <moment>
    python -m itda.checkins.tests.crash_harness verify <moment> <seed> <no-answer> <concern> <self-harm>

``verify`` replays the simulator (its answers are a pure function of the
contact and the attempt number) to work out how many calls each person should
have had and where each ladder should stand, compares that with the database
and prints the comparison as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, time, timedelta


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itda.settings")
    import django

    django.setup()


def setup(people: int, moment: datetime) -> None:
    from itda.accounts.models import Team
    from itda.checkins.models import ContactPlan
    from itda.people.models import Person
    from itda.places.models import District, Dong

    district, _ = District.objects.get_or_create(code="11620", defaults={"name": "관악구", "name_en": "Gwanak-gu"})
    dong, _ = Dong.objects.get_or_create(code="1162052500", defaults={"district": district, "name": "보라매동"})
    dong_centre = Team.objects.create(name="가상 보라매동 주민센터", kind=Team.Kind.DONG_CENTRE, district=district, dong=dong)
    Team.objects.create(name="가상 관악구 복지센터", kind=Team.Kind.DISTRICT_CENTRE, district=district)
    Team.objects.create(name="가상 관악구 정신건강복지센터", kind=Team.Kind.MENTAL_HEALTH_CENTRE, district=district)
    Team.objects.create(name="가상 고립예방센터 관제실", kind=Team.Kind.CONTROL_ROOM)
    persons = Person.objects.bulk_create(
        [
            Person(name=f"가상 주민 {number}", district=district, dong=dong, phone=f"010-0000-{number:04d}", is_synthetic=True)
            for number in range(people)
        ]
    )
    ContactPlan.objects.bulk_create(
        [
            ContactPlan(
                person=person,
                kind="AI_CALL",
                team=dong_centre,
                interval_days=7,
                preferred_weekday=moment.weekday(),
                preferred_time=time(moment.hour, moment.minute),
                channel="VOICE",
                start_at=moment - timedelta(days=1),
                next_due_at=moment,
            )
            for person in persons
        ]
    )
    print(json.dumps({"people": len(persons)}))


def _expected(population, due_contact_id: int, person_id: int) -> tuple[list[int], str | None, list[str]]:
    """(attempt numbers, final step key or None, step keys fired) the ladder must show after the first call and two retries."""
    from itda.checkins import campaign, ladder
    from itda.checkins.adapters import CallRequest

    def event(number: int):
        result = population.answer(CallRequest(0, due_contact_id, person_id, number, "VOICE", ""))
        answers = campaign.clean_answers(result.answers) if result.answered else {}
        return ladder.event_for(answered=result.answered, signals=campaign.signals_in(answers))

    first = event(1)
    if first == ladder.Event.REACHED:
        return [1], None, []
    if first == ladder.Event.RISK:
        return [1], "URGENT_CONTACT:1", ["URGENT_CONTACT:1"]
    if first == ladder.Event.SELF_HARM:
        return [1], "CRISIS:1", ["CRISIS:1"]
    fired = []
    for retry in (1, 2):
        fired.append(f"RETRY:{retry}")
        outcome = event(retry + 1)
        if outcome == ladder.Event.REACHED:
            return list(range(1, retry + 2)), "RESOLVED:0", fired
        if outcome == ladder.Event.RISK:
            return list(range(1, retry + 2)), "URGENT_CONTACT:1", [*fired, "URGENT_CONTACT:1"]
        if outcome == ladder.Event.SELF_HARM:
            return list(range(1, retry + 2)), "CRISIS:1", [*fired, "CRISIS:1"]
    return [1, 2, 3], "STAFF_CALL:1", [*fired, "STAFF_CALL:1"]


def verify(seed: int, no_answer: float, concern: float, self_harm: float) -> None:
    from django.db.models import Count

    from itda.cases.models import CareTask
    from itda.checkins.models import CheckinAttempt, DueContact, Escalation, EscalationStep
    from itda.checkins.simulator import SyntheticPopulation
    from itda.contacts.models import ContactLog

    population = SyntheticPopulation(
        seed=seed, no_answer_rate=no_answer, concern_rate=concern, self_harm_rate=self_harm, lapsed_rate=0
    )
    attempts: dict[int, list[int]] = {}
    for due_contact_id, number in CheckinAttempt.objects.order_by("number").values_list("due_contact_id", "number"):
        attempts.setdefault(due_contact_id, []).append(number)
    escalations = {e.person_id: e for e in Escalation.objects.all()}
    steps: dict[int, list[str]] = {}
    for escalation_id, key in EscalationStep.objects.order_by("pk").values_list("escalation_id", "key"):
        steps.setdefault(escalation_id, []).append(key)
    mismatches = []
    expected_calls = 0
    expected_tasks = 0
    outcomes = {"answered": 0, "risk": 0, "self_harm": 0, "retried": 0, "staff_call": 0}
    for due in DueContact.objects.order_by("pk"):
        numbers, final, fired = _expected(population, due.pk, due.person_id)
        expected_calls += len(numbers)
        expected_tasks += sum(1 for key in fired if not key.startswith("RETRY"))
        escalation = escalations.get(due.person_id)
        actual_final = None if escalation is None else escalation.step_key if escalation.is_open else "RESOLVED:0"
        actual = (due.status, attempts.get(due.pk, []), actual_final, steps.get(escalation.pk, []) if escalation else [])
        if actual != ("DONE", numbers, final, fired):
            mismatches.append({"due_contact": due.pk, "expected": ["DONE", numbers, final, fired], "actual": list(actual)})
        if final is None:
            outcomes["answered"] += 1
        elif final.startswith("URGENT"):
            outcomes["risk"] += 1
        elif final.startswith("CRISIS"):
            outcomes["self_harm"] += 1
        elif final.startswith("STAFF_CALL"):
            outcomes["staff_call"] += 1
        if len(numbers) > 1:
            outcomes["retried"] += 1
    # A human step still unworked an hour after it fired (a counsellor or crisis step at 10:00, still open at the last
    # sweep) is raised by the stalled-step sweep: exactly once, one alert task each, and no other step is.
    from itda.checkins import ladder, services

    last_sweep = CheckinAttempt.objects.order_by("-started_at").values_list("started_at", flat=True).first()
    expected_stalls = set()
    for escalation in Escalation.objects.filter(resolved_at__isnull=True).select_related("current_task"):
        task = escalation.current_task
        grace = ladder.stalled_after(escalation.state, services.policy_for(escalation.district_id))
        if task is not None and task.is_open and grace is not None and task.due_at + grace <= last_sweep:
            expected_stalls.add(f"checkins:escalation:{escalation.pk}:{escalation.step_key}:stalled")
    raised = {
        f"checkins:escalation:{escalation_id}:{key}:stalled"
        for escalation_id, key in EscalationStep.objects.filter(stall_alerted_at__isnull=False).values_list(
            "escalation_id", "key"
        )
    }
    alerts = set(CareTask.objects.filter(dedupe_key__endswith=":stalled").values_list("dedupe_key", flat=True))
    if not expected_stalls == raised == alerts:
        mismatches.append({"stalled_steps": {"expected": len(expected_stalls), "raised": len(raised), "alerts": len(alerts)}})
    expected_tasks += len(expected_stalls)
    outcomes["stall_alerts"] = len(alerts)
    doubled_tasks = list(
        CareTask.objects.exclude(dedupe_key="")
        .values("dedupe_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("dedupe_key", flat=True)
    )
    print(
        json.dumps(
            {
                "due_contacts": DueContact.objects.count(),
                "calls": CheckinAttempt.objects.count(),
                "expected_calls": expected_calls,
                "timeline_entries": ContactLog.objects.filter(source_type="checkins.attempt").count(),
                "tasks": CareTask.objects.count(),
                "expected_tasks": expected_tasks,
                "doubled_tasks": doubled_tasks,
                "mismatches": mismatches[:10],
                "mismatch_count": len(mismatches),
                "outcomes": outcomes,
            }
        )
    )


def count_calls() -> None:
    from itda.checkins.models import CheckinAttempt

    print(CheckinAttempt.objects.count())


if __name__ == "__main__":
    _setup_django()
    command = sys.argv[1]
    if command == "setup":
        setup(int(sys.argv[2]), datetime.fromisoformat(sys.argv[3]))
    elif command == "verify":
        verify(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif command == "count":
        count_calls()
    else:
        raise SystemExit(f"unknown command {command}")
