import pytest

from itda.places.models import District, Dong


@pytest.mark.django_db
def test_the_test_database_holds_the_25_districts_and_426_dongs():
    assert District.objects.count() == 25
    assert Dong.objects.count() == 426
