"""The HSDS 3.0 export: every object valid against the Open Referral schemas, and the mapping exact."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from functools import cache

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from itda.programs import hsds
from itda.programs.models import EligibilityRule, Program, Provider, Site

SCHEMA_DIR = settings.BASE_DIR / "data" / "hsds-3.0"
GENERATED_AT = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)

# The export's lists and the schema file each item must satisfy.
EXPORT_LISTS = {
    "organizations": "organization.json",
    "services": "service.json",
    "locations": "location.json",
    "service_at_locations": "service_at_location.json",
    "schedules": "schedule.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}


@cache
def _registry() -> Registry:
    """Every per-object schema, registered under its file name, which is how the schemas $ref each other."""
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def schema_errors(instance: dict, schema_file: str) -> list[str]:
    """Every way ``instance`` breaks the HSDS 3.0 schema in ``schema_file`` (empty when valid).

    The schema files declare no "$schema"; the HSDS 3.0 OpenAPI file declares the JSON
    Schema dialect 2020-12, so that is what validates them, with formats (uuid, email) checked.
    """
    validator = Draft202012Validator(
        {"$ref": schema_file}, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(instance)]


def _by_name(objects: list[dict], name: str) -> dict:
    return next(item for item in objects if item["name"] == name)


def test_the_schema_folder_holds_every_per_object_schema_the_export_refers_to():
    names = {path.name for path in SCHEMA_DIR.glob("*.json")}

    missing = {"service.json", "organization.json", "location.json", "schedule.json", "address.json", "metadata.json"} - names

    assert missing == set()


@pytest.mark.django_db
def test_every_exported_object_is_valid_hsds_3_0():
    document = hsds.export_document(generated_at=GENERATED_AT)

    problems = {
        f"{list_name}[{index}]": schema_errors(item, schema_file)
        for list_name, schema_file in EXPORT_LISTS.items()
        for index, item in enumerate(document[list_name])
    }

    assert {where: errors for where, errors in problems.items() if errors} == {}
    assert all(document[list_name] for list_name in ("organizations", "services", "locations", "schedules"))


@pytest.mark.django_db
def test_a_fully_nested_service_is_valid_hsds_3_0():
    service = hsds.service_detail(service_id=hsds.hsds_id("service", "maeum-convenience-store"))

    errors = schema_errors(service, "service.json")

    assert errors == []
    assert "서울마음편의점 강북점" in [link["location"]["name"] for link in service["service_at_locations"]]
    assert service["organization"]["id"] == service["organization_id"]


def test_the_validator_follows_refs_into_nested_objects_and_reports_each_violation():
    an_id = "6cd71e9f-1013-49d9-8370-26b8f59d3e5a"
    broken = {
        "id": "not-a-uuid",
        "name": "x",
        "status": "open",
        "schedules": [{"id": an_id, "timezone": "Asia/Seoul", "freq": "DAILY"}],
        "organization": {"id": an_id, "name": "x"},
    }

    errors = schema_errors(broken, "service.json")

    # HSDS 3.0 types schedule.timezone as a UTC offset, which is why the export gives 9, not "Asia/Seoul".
    assert sorted(errors) == [
        "id: 'not-a-uuid' is not a 'uuid'",
        "organization: 'description' is a required property",
        "schedules/0/freq: 'DAILY' is not one of ['WEEKLY', 'MONTHLY']",
        "schedules/0/timezone: 'Asia/Seoul' is not of type 'number'",
        "status: 'open' is not one of ['active', 'inactive', 'defunct', 'temporarily closed']",
    ]


@pytest.mark.django_db
def test_ids_are_uuid5_over_the_fixed_namespace_and_the_slug_and_the_same_on_every_export():
    first = hsds.export_document(generated_at=GENERATED_AT)

    second = hsds.export_document(generated_at=GENERATED_AT)

    service = _by_name(first["services"], "병원안심동행")
    assert service["id"] == str(uuid.uuid5(hsds.NAMESPACE, "service:hospital-accompaniment"))
    assert first == second


@pytest.mark.django_db
def test_every_id_in_the_export_is_unique_and_every_link_points_at_an_exported_object():
    document = hsds.export_document(generated_at=GENERATED_AT)

    organization_ids = [item["id"] for item in document["organizations"]]
    service_ids = [item["id"] for item in document["services"]]
    location_ids = [item["id"] for item in document["locations"]]
    top_level = organization_ids + service_ids + location_ids + [item["id"] for item in document["service_at_locations"]]
    assert len(top_level) == len(set(top_level))
    assert {item["organization_id"] for item in document["services"]} <= set(organization_ids)
    assert {item["organization_id"] for item in document["locations"] if "organization_id" in item} <= set(organization_ids)
    assert {item["service_id"] for item in document["service_at_locations"]} <= set(service_ids)
    assert {item["location_id"] for item in document["service_at_locations"]} <= set(location_ids)
    assert {item.get("service_id") or item["location_id"] for item in document["schedules"]} <= set(service_ids + location_ids)


@pytest.mark.django_db
def test_hospital_accompaniment_exports_its_hourly_fee_and_the_free_reduced_rate_as_cost_options_in_won():
    service = _by_name(hsds.services(), "병원안심동행")

    options = service["cost_options"]

    (free,) = [option for option in options if option["amount"] == 0]
    assert {option["amount"] for option in options} == {5000, 0}
    assert {option["currency"] for option in options} == {"KRW"}
    assert "100%" in free["option"]
    assert service["status"] == "active"
    assert service["alternate_name"] == "Hospital accompaniment"
    assert "5,000원" in service["fees_description"]
    assert "health" in [term["taxonomy_term"]["code"] for term in service["attributes"]]


@pytest.mark.django_db
def test_weekday_hours_become_one_weekly_rrule_in_seoul_time():
    service = _by_name(hsds.services(), "병원안심동행")

    schedule = service["schedules"][0]

    assert {key: schedule[key] for key in ("freq", "wkst", "byday", "opens_at", "closes_at", "timezone")} == {
        "freq": "WEEKLY",
        "wkst": "MO",
        "byday": "MO,TU,WE,TH,FR",
        "opens_at": "07:00+09:00",
        "closes_at": "20:00+09:00",
        "timezone": 9,
    }
    assert schedule["service_id"] == service["id"]
    assert "Asia/Seoul" in schedule["notes"]


@pytest.mark.django_db
def test_a_line_open_all_hours_is_scheduled_every_day_and_keeps_its_phone():
    service = _by_name(hsds.services(), "외로움안녕120")

    (schedule,) = service["schedules"]

    assert (schedule["byday"], schedule["opens_at"], schedule["closes_at"]) == (
        "MO,TU,WE,TH,FR,SA,SU",
        "00:00+09:00",
        "23:59+09:00",
    )
    assert [phone["number"] for phone in service["phones"]] == ["120"]


@pytest.mark.django_db
def test_a_site_becomes_a_physical_location_with_a_korean_address_and_no_point_when_only_the_district_is_known():
    location = _by_name(hsds.locations(), "서울마음편의점 강북점")

    (address,) = location["addresses"]

    assert location["location_type"] == "physical"
    assert "latitude" not in location and "longitude" not in location
    assert {key: value for key, value in address.items() if key not in ("id", "location_id")} == {
        "address_1": "오현로208 302동",
        "city": "서울특별시",
        "region": "강북구",
        "state_province": "서울특별시",
        "postal_code": "",
        "country": "KR",
        "address_type": "physical",
    }
    assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in location["schedules"]] == [
        ("MO,TU,WE,TH,FR", "09:00+09:00", "21:00+09:00"),
        ("SA", "09:00+09:00", "18:00+09:00"),
    ]


@pytest.mark.django_db
def test_an_exact_site_exports_its_point():
    Site.objects.filter(slug="maeum-gangbuk").update(
        location_precision=Site.LocationPrecision.EXACT, latitude=37.62, longitude=127.03
    )

    location = _by_name(hsds.locations(), "서울마음편의점 강북점")

    assert (location["latitude"], location["longitude"]) == (37.62, 127.03)


@pytest.mark.django_db
def test_a_programme_that_is_not_running_is_an_inactive_service():
    Program.objects.filter(slug="home-maintenance").update(status=Program.Status.ENDED)

    service = _by_name(hsds.services(), "주택관리서비스")

    assert service["status"] == "inactive"


@pytest.mark.django_db
def test_an_age_rule_sets_the_minimum_and_maximum_age():
    program = Program.objects.get(slug="home-maintenance")
    EligibilityRule.objects.create(program=program, position=99, field="age", operator="between", value=[40, 67])

    service = _by_name(hsds.services(), "주택관리서비스")

    assert (service["minimum_age"], service["maximum_age"]) == (40, 67)


@pytest.mark.django_db
def test_a_service_without_an_age_rule_states_no_age_limits():
    service = _by_name(hsds.services(), "병원안심동행")

    assert "minimum_age" not in service and "maximum_age" not in service


@pytest.mark.django_db
def test_each_record_names_its_source_document_in_its_metadata():
    service = _by_name(hsds.services(), "병원안심동행")

    (entry,) = service["metadata"]

    assert entry["resource_id"] == service["id"]
    assert entry["resource_type"] == "service"
    assert entry["last_action_date"] == "2023-04-20"
    assert entry["updated_by"].startswith("서울특별시, 2023년 서울시 1인가구 안심 시행계획")


@pytest.mark.django_db
def test_a_programme_without_a_provider_belongs_to_the_city_organization():
    Program.objects.filter(slug="hospital-accompaniment").update(provider=None)

    document = hsds.export_document(generated_at=GENERATED_AT)

    city = _by_name(document["organizations"], "서울특별시")
    assert _by_name(document["services"], "병원안심동행")["organization_id"] == city["id"]
    assert city["id"] == hsds.hsds_id("organization", hsds.CITY_ORGANIZATION_SLUG)
    assert schema_errors(city, "organization.json") == []


@pytest.mark.django_db
def test_the_city_organization_is_made_up_only_when_the_directory_has_no_provider_for_it():
    Program.objects.filter(slug="hospital-accompaniment").update(provider=None)
    Provider.objects.filter(slug=hsds.CITY_ORGANIZATION_SLUG).update(slug="renamed-city")

    organizations = hsds.organizations()

    city = organizations[0]
    assert (city["id"], city["name"], city["alternate_name"]) == (
        hsds.hsds_id("organization", hsds.CITY_ORGANIZATION_SLUG),
        "서울특별시",
        "Seoul Metropolitan Government",
    )
    assert [item["id"] for item in organizations].count(city["id"]) == 1


@pytest.mark.django_db
def test_the_export_links_each_site_to_its_programmes_and_lists_schedules_flat():
    document = hsds.export_document(generated_at=GENERATED_AT)

    link = next(
        item for item in document["service_at_locations"] if item["location_id"] == hsds.hsds_id("location", "maeum-gangbuk")
    )

    assert link["service_id"] == hsds.hsds_id("service", "maeum-convenience-store")
    assert document["hsds_version"] == "3.0"
    assert document["generated_at"] == "2026-03-04T01:00:00+00:00"
    nested = [s for owner in document["services"] + document["locations"] for s in owner.get("schedules", [])]
    assert document["schedules"] == nested


@pytest.mark.django_db
def test_exporting_writes_nothing():
    with CaptureQueriesContext(connection) as context:
        hsds.export_document(generated_at=GENERATED_AT)

    writes = [query["sql"] for query in context.captured_queries if not query["sql"].lstrip().upper().startswith("SELECT")]

    assert writes == []


@pytest.mark.django_db
def test_asking_for_an_unknown_service_id_raises_service_not_found():
    with pytest.raises(hsds.ServiceNotFound):
        hsds.service_detail(service_id=str(uuid.uuid4()))
