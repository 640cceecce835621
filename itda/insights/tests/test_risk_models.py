"""Risk models are versioned JSON: the default comes from data/insights/risk_model.json; a new version is a new row."""

from __future__ import annotations

import copy
import json

import pytest
from django.conf import settings
from django.urls import reverse

import analytics
from itda.audit.models import AuditEntry
from itda.insights.models import RiskModelVersion
from itda.insights.services import RiskModelInvalid, add_risk_model_version, load_default_risk_model, risk_model_version
from itda.insights.tests.factories import NOW


def _default_definition() -> dict:
    return json.loads((settings.ITDA_DATA_DIR / "insights" / "risk_model.json").read_text(encoding="utf-8"))


def test_the_default_file_is_the_analytics_default_model():
    model = analytics.RiskModel.from_dict(_default_definition())

    assert model == analytics.DEFAULT_RISK_MODEL


@pytest.mark.django_db
def test_the_default_is_stored_once_and_the_newest_version_is_used():
    first = load_default_risk_model(now=NOW)
    again = load_default_risk_model(now=NOW)
    newer = copy.deepcopy(_default_definition())
    newer["version"] = "2026.2-test"
    newer["tiers"]["HIGH"] = 45

    added = add_risk_model_version(actor=None, definition=newer, now=NOW, description="높은 등급 기준 45")

    assert first == again
    assert RiskModelVersion.objects.count() == 2
    assert risk_model_version(version=None, now=NOW) == added
    assert risk_model_version(version="2026.1-default", now=NOW) == first
    assert added.definition["tiers"] == {"HIGH": 45, "MEDIUM": 25, "LOW": 15}


@pytest.mark.django_db
def test_a_malformed_model_or_a_version_that_exists_is_refused():
    load_default_risk_model(now=NOW)
    broken = copy.deepcopy(_default_definition())
    broken["version"] = "2026.3-broken"
    broken["signals"]["POWER_ARREARS"]["points"] = -5

    with pytest.raises(RiskModelInvalid) as malformed:
        add_risk_model_version(actor=None, definition=broken, now=NOW)
    with pytest.raises(RiskModelInvalid) as exists:
        add_risk_model_version(actor=None, definition=_default_definition(), now=NOW)

    assert str(malformed.value).startswith("POWER_ARREARS: 점수는 0–1000 사이의 수여야 합니다")
    assert str(exists.value).startswith("위험 모델 버전 2026.1-default은(는) 이미 있습니다")
    assert RiskModelVersion.objects.count() == 1


@pytest.mark.django_db
def test_the_admin_adds_a_new_version_and_shows_past_versions_read_only(client, cast):
    cast.administrator.is_staff = True
    cast.administrator.is_superuser = True
    cast.administrator.save()
    stored = load_default_risk_model(now=NOW)
    newer = copy.deepcopy(_default_definition())
    newer["version"] = "2026.2-admin"
    client.force_login(cast.administrator)

    added = client.post(
        reverse("admin:insights_riskmodelversion_add"), {"definition_text": json.dumps(newer), "description": "시험"}
    )
    page = client.get(reverse("admin:insights_riskmodelversion_change", args=[stored.pk]))
    changed = client.post(reverse("admin:insights_riskmodelversion_change", args=[stored.pk]), {"description": "바꿈"})

    assert added.status_code == 302
    assert RiskModelVersion.objects.get(version="2026.2-admin").created_by == cast.administrator
    assert AuditEntry.objects.filter(target_type="insights.riskmodelversion", action="CREATE").count() == 2
    assert page.status_code == 200
    assert 'name="description"' not in page.content.decode()
    assert changed.status_code == 403
    stored.refresh_from_db()
    assert stored.description == "기본 모델 (default model)"
