"""Bad input gets a 4xx JSON body, Korean first and English after, never a 500."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db

KOREAN_FIRST = re.compile(r"^[가-힣].*\([A-Z][^)]*\)$")


def _post(client, data: str):
    return client.post("/api/v1/eligibility", data=data, content_type="application/json")


def _assert_korean_first(body: dict) -> None:
    assert KOREAN_FIRST.match(body["message"]), body["message"]
    for error in body["errors"]:
        assert KOREAN_FIRST.match(error["message"]), error["message"]


def test_an_age_of_300_in_the_query_is_refused_with_the_allowed_range(client):
    response = client.get("/api/v1/programs", {"age": 300})

    assert response.status_code == 422
    assert response.json() == {
        "message": "나이는 0–120 사이로 입력하세요 (Age must be 0–120)",
        "errors": [{"field": "age", "message": "나이는 0–120 사이로 입력하세요 (Age must be 0–120)"}],
    }


def test_an_age_of_300_in_the_facts_is_refused_with_the_allowed_range(client):
    response = _post(client, json.dumps({"facts": {"age": 300}}))

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "facts.age", "message": "나이는 0–120 사이로 입력하세요 (Age must be 0–120)"}]


def test_a_negative_income_is_refused(client):
    response = _post(client, json.dumps({"facts": {"monthly_income_krw": -1}}))

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "facts.monthly_income_krw",
            "message": "월 소득은 0원 이상 10,000,000,000원 이하로 입력하세요 (Monthly income must be 0–10,000,000,000 KRW)",
        }
    ]


@pytest.mark.parametrize(
    ("method", "url", "payload", "field"),
    [
        ("get", "/api/v1/programs", {"district": "99999"}, "district"),
        ("get", "/api/v1/sites", {"district": "99999"}, "district"),
        ("post", "/api/v1/eligibility", {"facts": {"district": "99999"}}, "facts.district"),
    ],
)
def test_an_unknown_district_is_refused_with_an_example_code(client, method, url, payload, field):
    if method == "get":
        response = client.get(url, payload)
    else:
        response = _post(client, json.dumps(payload))

    message = "알 수 없는 자치구 코드입니다: 99999 — 예: 11620 관악구 (Unknown district code: 99999; e.g. 11620)"
    assert response.status_code == 422
    assert response.json() == {"message": message, "errors": [{"field": field, "message": message}]}


def test_an_unknown_need_is_refused(client):
    response = client.get("/api/v1/programs", {"need": "nonsense"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "need", "message": "알 수 없는 필요 분야입니다: nonsense (Unknown need: nonsense)"}
    ]


@pytest.mark.parametrize(
    ("facts", "field", "message"),
    [
        ({"age": "seventy"}, "facts.age", "나이: 정수로 입력하세요 (Age must be a whole number)"),
        ({"age": "70"}, "facts.age", "나이: 정수로 입력하세요 (Age must be a whole number)"),
        ({"household_size": 1.5}, "facts.household_size", "가구원 수: 정수로 입력하세요 (Household size must be a whole number)"),
        (
            {"has_disability": "maybe"},
            "facts.has_disability",
            "장애 여부: true 또는 false로 입력하세요 (Disability must be true or false)",
        ),
        ({"district": 11620}, "facts.district", "자치구: 글자로 입력하세요 (District must be text)"),
        (
            {"tenure": "CASTLE"},
            "facts.tenure",
            "점유 형태: 다음 중 하나로 입력하세요: OWNER, JEONSE, MONTHLY_RENT, PUBLIC_RENTAL, FAMILY_OR_FREE, OTHER "
            "(Tenure must be one of: OWNER, JEONSE, MONTHLY_RENT, PUBLIC_RENTAL, FAMILY_OR_FREE, OTHER)",
        ),
        ({"income": 100}, "facts.income", "알 수 없는 항목입니다: income (Unknown field: income)"),
    ],
)
def test_a_fact_of_the_wrong_type_is_refused_with_what_was_expected(client, facts, field, message):
    response = _post(client, json.dumps({"facts": facts}))

    assert response.status_code == 422
    assert response.json() == {"message": message, "errors": [{"field": field, "message": message}]}


def test_several_problems_are_listed_under_one_general_message(client):
    response = _post(client, json.dumps({"facts": {"age": 300, "monthly_income_krw": -5}, "year": "soon"}))

    body = response.json()
    assert response.status_code == 422
    assert body["message"] == "입력값을 확인하세요 (Please check the input)"
    assert [error["field"] for error in body["errors"]] == ["facts.age", "facts.monthly_income_krw", "year"]
    _assert_korean_first(body)


@pytest.mark.parametrize("body", ["{not json", '{"facts": {"age": 70,}}', b"\xff\xfe"])
def test_malformed_json_is_a_400_in_korean_first(client, body):
    response = _post(client, body)

    message = "요청 본문이 올바른 JSON이 아닙니다 (The request body is not valid JSON)"
    assert response.status_code == 400
    assert response.json() == {"message": message, "errors": [{"field": "body", "message": message}]}


@pytest.mark.parametrize("body", ["[1, 2]", '"facts"', '{"facts": "old"}'])
def test_json_that_is_not_an_object_where_one_is_expected_is_refused(client, body):
    response = _post(client, body)

    assert response.status_code == 422
    _assert_korean_first(response.json())


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/programs", {"age": "old"}),
        ("/api/v1/sites", {"open_now": "perhaps"}),
        ("/api/v1/sites", {"at": "yesterday"}),
        ("/api/v1/hsds/services", {"page": 0}),
        ("/api/v1/hsds/locations", {"per_page": 10_000}),
    ],
)
def test_a_query_parameter_of_the_wrong_type_is_a_422_in_korean_first(client, url, params):
    response = client.get(url, params)

    assert response.status_code == 422
    assert len(response.json()["errors"]) == 1
    _assert_korean_first(response.json())
