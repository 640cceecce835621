"""The reference-data loader: real files load whole; one bad row anywhere loads nothing and says where."""

from __future__ import annotations

import io
import shutil

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from itda.places.models import District, DistrictIndicator, Dong
from itda.places.services import ReferenceDataError, load_reference_data
from itda.programs.models import MedianIncome


@pytest.fixture
def data_copy(tmp_path):
    for folder in ("boundaries", "reference", "district_indicators"):
        shutil.copytree(settings.ITDA_DATA_DIR / folder, tmp_path / folder)
    return tmp_path


def _replace_line(path, line_number, new_text):
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line_number - 1] = new_text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.django_db
def test_the_real_files_load_25_districts_426_dongs_and_report_the_three_boundary_mismatches(data_copy):
    report = load_reference_data(data_dir=data_copy)

    assert (report.districts, report.dongs, report.dongs_with_boundary) == (25, 426, 424)
    assert (report.indicators, report.median_incomes) == (1897, 42)
    assert [line.split(" ")[0] for line in report.mismatches] == ["1174052500", "1174052600", "1174052000"]
    assert Dong.objects.get(code="1174052500").boundary_geojson is None
    assert not Dong.objects.filter(code="1174052000").exists()


@pytest.mark.django_db
def test_loading_twice_leaves_the_same_rows(data_copy):
    load_reference_data(data_dir=data_copy)
    counts = (District.objects.count(), Dong.objects.count(), DistrictIndicator.objects.count(), MedianIncome.objects.count())

    load_reference_data(data_dir=data_copy)

    assert (
        District.objects.count(),
        Dong.objects.count(),
        DistrictIndicator.objects.count(),
        MedianIncome.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_districts_carry_english_names_and_a_point_inside_their_boundary():
    gwanak = District.objects.get(code="11620")

    assert (gwanak.name, gwanak.name_en) == ("관악구", "Gwanak-gu")
    assert 37.4 < gwanak.centroid_lat < 37.5 and 126.9 < gwanak.centroid_lon < 127.0


@pytest.mark.django_db
def test_the_2026_median_for_one_person_and_gwanaks_one_person_share_are_loaded():
    assert MedianIncome.objects.get(year=2026, household_size=1).monthly_krw == 2_564_238
    share = DistrictIndicator.objects.get(district__code="11620", year=2022, indicator="one_person_household_ratio")
    assert str(share.value) == "55.90"


@pytest.mark.django_db
def test_one_bad_row_loads_nothing_from_any_file_and_names_file_line_and_reason(data_copy):
    income = data_copy / "reference" / "standard_median_income_krw.csv"
    _replace_line(income, 2, "2021,1,1900000,보건복지부 고시,changed but valid")
    _replace_line(income, 40, "2026,5,abc,보건복지부 고시 제2025-135호,broken")

    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(data_dir=data_copy)

    assert [str(p) for p in caught.value.problems] == [
        "reference/standard_median_income_krw.csv, line 40: monthly_krw 값이 올바르지 않습니다: 'abc' (1–100000000 사이의 정수)"
    ]
    assert MedianIncome.objects.get(year=2021, household_size=1).monthly_krw == 1_827_831


@pytest.mark.django_db
def test_an_unknown_district_in_the_indicators_is_reported_with_its_line(data_copy):
    indicators = data_copy / "district_indicators" / "seoul_district_indicators.csv"
    _replace_line(
        indicators, 30, "2007,서울특별시,가상구,5-4-3,aged_65plus_ratio,고령인구 비율,6.6,%,행정안전부 주민등록인구현황"
    )

    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(data_dir=data_copy)

    assert (
        str(caught.value.problems[0]) == "district_indicators/seoul_district_indicators.csv, line 30: 알 수 없는 자치구: '가상구'"
    )


@pytest.mark.django_db
def test_a_median_income_that_falls_as_households_grow_is_refused(data_copy):
    income = data_copy / "reference" / "standard_median_income_krw.csv"
    _replace_line(income, 3, "2021,2,1000000,보건복지부 고시,wrong")

    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(data_dir=data_copy)

    assert "line 3" in str(caught.value.problems[0]) and "2021년 2인 가구" in str(caught.value.problems[0])


@pytest.mark.django_db
def test_a_broken_geojson_and_a_missing_file_are_both_reported(data_copy):
    (data_copy / "boundaries" / "seoul_gu_2022.geojson").write_text(
        '{"type": "FeatureCollection", "features": [', encoding="utf-8"
    )
    (data_copy / "boundaries" / "seoul_hangjeongdong_codes_2022.csv").unlink()

    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(data_dir=data_copy)

    files = [(p.file, p.reason.split(" ")[0]) for p in caught.value.problems]
    assert ("boundaries/seoul_gu_2022.geojson", "GeoJSON을") in files
    assert ("boundaries/seoul_hangjeongdong_codes_2022.csv", "파일이") in files


@pytest.mark.django_db
def test_the_command_prints_each_problem_and_fails(data_copy):
    income = data_copy / "reference" / "standard_median_income_krw.csv"
    _replace_line(income, 5, "2021,4,-1,보건복지부 고시,negative")
    errors = io.StringIO()

    with pytest.raises(CommandError, match="기준정보를 적재하지 않았습니다: 문제 1건"):
        call_command("load_reference", data_dir=data_copy, stderr=errors)

    assert "reference/standard_median_income_krw.csv, line 5: household_size" not in errors.getvalue()
    assert "reference/standard_median_income_krw.csv, line 5: monthly_krw" in errors.getvalue()
