"""A programme's page: who can use it, fees, hours and "open now", sites, how to apply, and the 404 page."""

from __future__ import annotations

from itda.portal.tests.moments import CHUSEOK_MORNING, SUNDAY_MORNING


def test_hospital_accompaniment_shows_its_fee_and_who_pays_less(english_client, freeze_now):
    response = english_client.get("/programs/hospital-accompaniment/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hospital accompaniment</h1>" in html
    assert ":</strong> 5,000 KRW per hour" in html
    assert "You pay 0 KRW per hour if:" in html
    assert "<li>Income at or under 100% of the standard median income</li>" in html


def test_a_programme_without_rules_says_anyone_can_use_it(english_client, freeze_now):
    response = english_client.get("/programs/hospital-accompaniment/")

    assert "Anyone can use it" in response.content.decode()


def test_home_maintenance_lists_its_requirements_as_sentences(english_client, freeze_now):
    response = english_client.get("/programs/home-maintenance/")

    html = response.content.decode()
    assert "<li>Lives alone (one-person household)</li>" in html
    assert "<li>Income at or under 120% of the standard median income</li>" in html


def test_programme_hours_are_grouped_by_day_in_korean(korean_client, freeze_now):
    response = korean_client.get("/programs/hospital-accompaniment/")

    assert "<li>월요일–금요일 07:00–20:00</li>" in response.content.decode()


def test_a_programme_open_at_this_moment_says_open_now_and_until_when(english_client, freeze_now):
    response = english_client.get("/programs/hospital-accompaniment/")

    html = response.content.decode()
    assert '<span class="badge badge--open">Open now</span>' in html
    assert "until 20:00" in html


def test_a_closed_programme_says_when_it_opens_next(english_client, freeze_now):
    freeze_now(SUNDAY_MORNING)

    response = english_client.get("/programs/hospital-accompaniment/")

    html = response.content.decode()
    assert '<span class="badge badge--closed">Closed now</span>' in html
    assert "Opens next on 11/30 (Mon) 07:00." in html


def test_a_public_holiday_closure_names_the_holiday(english_client, freeze_now):
    freeze_now(CHUSEOK_MORNING)

    response = english_client.get("/programs/hospital-accompaniment/")

    assert "Closed today for the public holiday: 추석." in response.content.decode()


def test_the_120_line_is_open_all_hours_with_a_phone_link(english_client, freeze_now):
    freeze_now(CHUSEOK_MORNING)

    response = english_client.get("/programs/loneliness-goodbye-120/")

    html = response.content.decode()
    assert '<span class="badge badge--open">Open now</span>' in html
    assert "24 hours, every day" in html
    assert '<a class="button button--call" href="tel:120">Call 120</a>' in html


def test_the_maeum_store_page_lists_the_gangbuk_branch_with_its_hours_and_phone(korean_client, freeze_now):
    response = korean_client.get("/programs/maeum-convenience-store/")

    html = response.content.decode()
    assert '<h3 class="card__title">서울마음편의점 강북점</h3>' in html
    assert 'href="tel:029846777"' in html
    assert "<li>월요일–금요일 09:00–21:00</li>" in html
    assert "<li>토요일 09:00–18:00</li>" in html


def test_a_site_known_only_by_district_is_marked_approximate(english_client, freeze_now):
    response = english_client.get("/programs/maeum-convenience-store/")

    assert "(approximate location: district only)" in response.content.decode()


def test_the_page_names_its_source_and_what_the_city_counts(english_client, freeze_now):
    response = english_client.get("/programs/hospital-accompaniment/")

    html = response.content.decode()
    assert "2023 single-person household safety plan" in html
    assert "The city measures this programme in: users." in html


def test_an_unknown_programme_gets_a_friendly_not_found_page(english_client):
    response = english_client.get("/programs/no-such-programme/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>We could not find that page</h1>" in html
    assert 'href="/programs/"' in html


def test_the_not_found_page_is_korean_by_default(korean_client):
    response = korean_client.get("/programs/no-such-programme/")

    assert response.status_code == 404
    assert '<html lang="ko">' in response.content.decode()
