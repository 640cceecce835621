import pytest

from itda.lib.privacy import contains_resident_registration_number, mask_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("800101-1234567", True),
        ("주민번호 9912312345678 입니다", True),
        ("000229 4123456", True),
        ("010-1234-5678", False),
        ("02-984-6777", False),
        ("801301-1234567", False),  # month 13
        ("800101-9234567", False),  # no such century/sex digit
        ("", False),
    ],
)
def test_resident_registration_numbers_are_recognised(text, expected):
    assert contains_resident_registration_number(text) is expected


def test_phone_numbers_are_masked_to_the_last_four_digits():
    assert mask_phone("010-0000-1234") == "***-****-1234"
    assert mask_phone("12") == "****"
    assert mask_phone("") == ""
