"""The OpenAPI schema and the docs page, which must load nothing from a CDN."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/programs": "get",
    "/api/v1/programs/{slug}": "get",
    "/api/v1/sites": "get",
    "/api/v1/districts": "get",
    "/api/v1/eligibility": "post",
    "/api/v1/hsds/organizations": "get",
    "/api/v1/hsds/services": "get",
    "/api/v1/hsds/services/{service_id}": "get",
    "/api/v1/hsds/locations": "get",
    "/api/v1/hsds/export": "get",
    # The telephony provider's signed webhooks (tested in itda/checkins/tests/test_telephony.py).
    "/api/v1/telephony/voice": "post",
    "/api/v1/telephony/status": "post",
    # FHIR R4 exports (tested in itda/api/tests/test_fhir.py): Questionnaires public, the rest signed in.
    "/api/v1/fhir/Questionnaire": "get",
    "/api/v1/fhir/Questionnaire/{questionnaire_id}": "get",
    "/api/v1/fhir/QuestionnaireResponse/{response_id}": "get",
    "/api/v1/fhir/ServiceRequest/{request_id}": "get",
    "/api/v1/fhir/Task/{task_id}": "get",
    "/api/v1/fhir/Bundle/{bundle_id}": "get",
}
FHIR_PERSONAL = [path for path in PATHS if path.startswith("/api/v1/fhir/") and path.split("/")[4] != "Questionnaire"]


def test_the_openapi_schema_lists_every_path_of_version_1(client):
    response = client.get("/api/v1/openapi.json")

    schema = response.json()
    assert response.status_code == 200
    assert (schema["openapi"], schema["info"]["title"], schema["info"]["version"]) == ("3.1.0", "itda API", "1")
    assert {path: list(operations) for path, operations in schema["paths"].items()} == {
        path: [method] for path, method in PATHS.items()
    }


def test_the_schema_documents_the_error_body_and_the_eligibility_facts(client):
    schema = client.get("/api/v1/openapi.json").json()

    components = schema["components"]["schemas"]
    assert set(components["ErrorOut"]["properties"]) == {"message", "errors"}
    assert set(components["Facts"]["properties"]) == {
        "age",
        "district",
        "household_size",
        "monthly_income_krw",
        "housing_type",
        "tenure",
        "has_disability",
    }
    assert set(schema["paths"]["/api/v1/eligibility"]["post"]["responses"]) == {"200", "400", "422"}
    assert schema["paths"]["/api/v1/eligibility"]["post"]["operationId"] == "check_eligibility"


def test_the_fhir_paths_answer_fhir_json_and_only_the_personal_ones_need_a_session(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    for path in PATHS:
        if not path.startswith("/api/v1/fhir/"):
            continue
        operation = paths[path]["get"]
        assert list(operation["responses"]["200"]["content"]) == ["application/fhir+json"]
        if path in FHIR_PERSONAL:
            assert set(operation["responses"]) == {"200", "401", "404"}
            assert operation["security"] == [{"SessionAuth": []}]
        else:
            assert "security" not in operation
    assert len(FHIR_PERSONAL) == 4


def test_the_docs_page_loads_swagger_from_this_site_only(client):
    response = client.get("/api/v1/docs")

    html = response.content.decode()
    sources = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url != "data:,"]
    assert response.status_code == 200
    assert sources == [
        "/static/ninja/swagger-ui.css",
        "/static/ninja/favicon.svg",
        "/static/ninja/favicon.png",
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
    ]
    assert '"url": "/api/v1/openapi.json"' in html
    assert '"validatorUrl": null' in html


@pytest.mark.parametrize("name", ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"])
def test_the_docs_assets_are_served_from_ninjas_own_static_files(name):
    assert finders.find(f"ninja/{name}") is not None
