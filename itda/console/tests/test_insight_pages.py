"""The discovery pages as a worker uses them: the map and counts, audited worklists, sending outreach, recording
outcomes (unreachable needs a next step), and the policy simulation with a moved threshold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from itda.audit.models import AuditEntry
from itda.cases.models import CareTask
from itda.insights import queries
from itda.insights.models import WorklistEntry
from itda.insights.services import send_worklist
from itda.insights.tests.factories import BORAMAE, NOW, scored_world
from itda.people.models import Person
from itda.places.models import District, Dong


@pytest.fixture
def client():
    """Pages in English, so the assertions do not depend on the state of the Korean catalogue."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def run(cast, tmp_path, settings):
    settings.ITDA_POPULATION_DIR = tmp_path / "population"
    return scored_world(settings.ITDA_POPULATION_DIR)


def _gwanak():
    return District.objects.get(code="11620")


@pytest.mark.django_db
def test_the_console_home_links_to_discovery_for_a_district_social_worker(client, cast):
    client.force_login(cast.social_worker)

    page = client.get(reverse("console:home")).content.decode()

    assert reverse("console:insights_dashboard") in page
    assert reverse("console:insights_simulation") in page
    assert reverse("console:insights_outreach") in page


@pytest.mark.django_db
def test_the_dashboard_colours_the_map_and_gives_counts_per_district(client, cast, run):
    client.force_login(cast.city_staff)

    page = client.get(reverse("console:insights_dashboard") + "?measure=count").content.decode()

    assert page.count('<path class="heat-') == 25
    assert 'aria-label="Gwanak-gu: 2"><path class="heat-4"' in page
    assert 'aria-label="Mapo-gu: 0"><path class="heat-0"' in page
    # Single-person households only: household 4 lives with two others and is not scored.
    assert '<a href="/console/insights/districts/11620/">Gwanak-gu</a></th><td class="number">3</td>' in page
    assert "4 single-person households scored (of 5 households)" in page
    assert "<td>TELECOM_ARREARS</td>" in page


@pytest.mark.django_db
def test_reading_a_worklist_is_audited_with_every_household_id_shown(client, cast, run):
    known = Person.objects.create(name="가상 주민 새봄", district=_gwanak(), household_ref="2")
    client.force_login(cast.social_worker)
    url = reverse("console:insights_district", args=["11620"])

    page = client.get(url).content.decode()

    entry = AuditEntry.objects.get(path=url)
    assert (entry.actor, entry.action, entry.target_type, entry.target_id) == (
        cast.social_worker,
        "LIST",
        "insights.worklistentry",
        f"run{run.pk}:11620",
    )
    assert entry.reason == "households 3,1,2"
    assert entry.listed_person_ids == [known.pk]
    assert page.index("household 3") < page.index("household 1") < page.index("household 2")
    assert "No phone activity" in page


@pytest.mark.django_db
def test_a_long_page_of_household_ids_is_split_over_audit_entries_that_name_every_id(cast, run):
    for rank in range(1, 51):
        WorklistEntry.objects.create(
            run=run,
            household_id=9_000_000 + rank,
            district=_gwanak(),
            dong=Dong.objects.get(code=BORAMAE),
            rank_in_district=100 + rank,
            rank_in_dong=100 + rank,
            score="20.00",
            tier="LOW",
            signal_count=1,
        )

    shown = queries.worklist_page(actor=cast.social_worker, run=run, district=_gwanak(), path="/audit-split", now=NOW)

    reasons = list(AuditEntry.objects.filter(path="/audit-split").order_by("pk").values_list("reason", flat=True))
    named = [value for reason in reasons for value in reason.removeprefix("households ").split(",")]
    assert named == [str(row.household_id) for row in shown.rows]
    assert len(shown.rows) == 50
    assert len(reasons) == 3
    assert max(len(reason) for reason in reasons) <= 200


@pytest.mark.django_db
def test_a_dong_filter_shows_that_dongs_list_ranked_within_the_dong(client, cast, run):
    client.force_login(cast.social_worker)

    page = client.get(reverse("console:insights_district", args=["11620"]) + f"?dong={BORAMAE}").content.decode()

    assert "No. 1 · household 1" in page
    assert "No. 2 · household 2" in page
    assert "household 3" not in page


@pytest.mark.django_db
def test_city_staff_see_counts_per_dong_but_never_household_rows(client, cast, run):
    client.force_login(cast.city_staff)

    page = client.get(reverse("console:insights_district", args=["11620"])).content.decode()

    assert "보라매동" in page
    assert "household 1" not in page
    assert "City staff see counts only." in page
    assert AuditEntry.objects.filter(target_type="insights.worklistentry").count() == 0


@pytest.mark.django_db
def test_sending_the_worklist_from_the_page_opens_each_task_once(client, cast, run):
    client.force_login(cast.social_worker)
    url = reverse("console:insights_send_worklist", args=["11620"])

    first = client.post(url, {"run": str(run.pk)}, follow=True)
    client.post(url, {"run": str(run.pk)})

    assert sorted(CareTask.objects.values_list("household_ref", flat=True)) == ["1", "2", "3"]
    assert "3 outreach tasks opened; 0 households already had an open task." in first.content.decode()


@pytest.mark.django_db
def test_sending_a_list_that_was_rescored_meanwhile_is_refused_with_a_message(client, cast, run):
    client.force_login(cast.social_worker)

    response = client.post(reverse("console:insights_send_worklist", args=["11620"]), {"run": str(run.pk + 1)}, follow=True)

    assert CareTask.objects.count() == 0
    assert "The scores were recalculated since this page was shown." in response.content.decode()


@pytest.fixture
def task(cast, run):
    send_worklist(actor=cast.social_worker, run=run, district=_gwanak(), now=NOW)
    return CareTask.objects.get(household_ref="1")


@pytest.mark.django_db
def test_the_outreach_page_states_the_unreachable_rule_and_why_the_household_was_found(client, cast, task):
    client.force_login(cast.social_worker)

    page = client.get(reverse("console:insights_outreach_task", args=[task.pk])).content.decode()

    assert "Unreachable never closes the trail." in page
    assert "No phone activity" in page
    assert '합성 데이터</span> / <span lang="en">synthetic' in page
    assert AuditEntry.objects.get(target_id=f"task{task.pk}").reason == "households 1"


@pytest.mark.django_db
def test_closing_an_outreach_as_unreachable_without_a_next_step_is_refused_and_the_task_stays_open(client, cast, task):
    client.force_login(cast.social_worker)

    response = client.post(reverse("console:insights_outreach_task", args=[task.pk]), {"outcome": "UNREACHABLE"})

    task.refresh_from_db()
    assert response.status_code == 400
    assert "연락이 닿지 않으면 다음 조치(다른 연락 수단, 방문)를 정해야 합니다" in response.content.decode()
    assert (task.status, CareTask.objects.count()) == ("OPEN", 3)


@pytest.mark.django_db
def test_closing_an_outreach_as_unreachable_with_a_next_step_opens_it_for_the_team(client, cast, task):
    client.force_login(cast.social_worker)
    due = timezone.localdate() + dt.timedelta(days=2)

    response = client.post(
        reverse("console:insights_outreach_task", args=[task.pk]),
        {"outcome": "UNREACHABLE", "next_step_kind": "VISIT", "next_step_date": due.isoformat()},
        follow=True,
    )

    task.refresh_from_db()
    follow_up = CareTask.objects.get(dedupe_key=f"caretask:{task.pk}:next")
    assert (task.status, task.outcome) == ("DONE", "UNREACHABLE")
    assert (follow_up.kind, follow_up.household_ref, follow_up.team, timezone.localtime(follow_up.due_at).date()) == (
        "VISIT",
        "1",
        cast.home_team,
        due,
    )
    assert "Recorded as unreachable. The next step is open" in response.content.decode()


@pytest.mark.django_db
def test_a_next_step_in_the_past_is_refused(client, cast, task):
    client.force_login(cast.social_worker)

    response = client.post(
        reverse("console:insights_outreach_task", args=[task.pk]),
        {"outcome": "UNREACHABLE", "next_step_kind": "VISIT", "next_step_date": "2020-01-01"},
    )

    assert response.status_code == 400
    assert "다음 조치 날짜는 오늘이나 그 뒤여야 합니다" in response.content.decode()
    assert CareTask.objects.get(pk=task.pk).status == "OPEN"


@pytest.mark.django_db
def test_the_simulation_page_shows_a_table_a_chart_and_every_assumption(client, cast, run):
    client.force_login(cast.city_staff)

    page = client.get(reverse("console:insights_simulation") + "?programme=home-maintenance&percent=60").content.decode()

    assert '<svg class="chart"' in page
    assert (
        '<th scope="row" class="area">Gwanak-gu</th><td class="number">3</td><td class="number">2</td><td class="number">−1</td>'
        in page
    )
    assert "Take-up (assumption)" in page
    assert "10,772" in page
    assert '합성 데이터</span> / <span lang="en">synthetic' in page


@pytest.mark.django_db
def test_the_simulation_chart_is_labelled_in_hangul_on_the_korean_page(cast, run):
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko")
    korean.force_login(cast.city_staff)

    page = korean.get(reverse("console:insights_simulation") + "?programme=home-maintenance&percent=60").content.decode()

    assert 'text-anchor="end">관악구</text>' in page
    assert 'text-anchor="end">마포구</text>' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("programme=home-maintenance&percent=5000", "1–1000 사이로 입력하세요 (Enter 1–1000)."),
        ("programme=visiting-health-care&percent=150", "이 프로그램에는 옮길 소득 기준이 없습니다"),
        ("programme=home-maintenance&percent=abc", "숫자로 입력하세요 (Enter a whole number)."),
    ],
)
def test_a_bad_threshold_gets_a_korean_first_message_not_an_error_page(client, cast, run, query, message):
    client.force_login(cast.administrator)

    response = client.get(reverse("console:insights_simulation") + "?" + query)

    assert response.status_code == 400
    assert message in response.content.decode()


SYNTHETIC_LABEL = '<p class="synthetic-label" role="note"><strong><span lang="ko">합성 데이터</span> / <span lang="en">synthetic'


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["city_staff", "social_worker"])
def test_the_dashboard_says_the_data_is_synthetic(client, cast, run, who):
    client.force_login(getattr(cast, who))

    page = client.get(reverse("console:insights_dashboard")).content.decode()

    assert SYNTHETIC_LABEL in page
    assert "none is a real person" in page


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["city_staff", "social_worker"])
def test_the_district_page_says_the_data_is_synthetic(client, cast, run, who):
    client.force_login(getattr(cast, who))

    page = client.get(reverse("console:insights_district", args=["11620"])).content.decode()

    assert SYNTHETIC_LABEL in page


@pytest.mark.django_db
def test_the_dashboard_without_scores_still_says_the_population_is_synthetic(client, cast, tmp_path, settings):
    from itda.insights.tests.factories import write_population

    settings.ITDA_POPULATION_DIR = tmp_path / "population"
    write_population(settings.ITDA_POPULATION_DIR)
    client.force_login(cast.city_staff)

    page = client.get(reverse("console:insights_dashboard")).content.decode()

    assert SYNTHETIC_LABEL in page


@pytest.mark.django_db
def test_programmes_without_rules_are_not_called_open_to_everyone(client, cast, run):
    client.force_login(cast.city_staff)

    page = client.get(reverse("console:insights_simulation")).content.decode()
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko")
    korean.force_login(cast.city_staff)
    korean_page = korean.get(reverse("console:insights_simulation")).content.decode()

    count = len(queries.simulate(user=cast.city_staff, now=NOW).without_rules)
    assert f"{count} programmes with no eligibility rules declared yet, not simulated" in page
    assert "open to everyone" not in page
    assert "자격 규칙이 아직 입력되지 않은 프로그램" in korean_page


@pytest.mark.django_db
def test_the_simulation_page_moves_the_hospital_fee_waiver_from_100_to_120_percent(client, cast, run):
    client.force_login(cast.city_staff)

    response = client.get(reverse("console:insights_simulation"), {"programme": "hospital-accompaniment", "percent": "120"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "fee waiver threshold 100% → 120% of median, per district" in page
    assert '<th scope="row" class="area">Gwanak-gu</th><td class="number">3</td><td class="number">4</td>' in page
