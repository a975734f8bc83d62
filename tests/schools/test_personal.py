"""ID numbers (GB 11643 check digit) and masking."""

from datetime import date

import pytest

from eduplatform.schools.personal import check_digit, mask_id_number, mask_phone, parse_id_number
from tests.schools.conftest import make_id


def test_the_published_example_id_number_is_valid():
    # The worked example of GB 11643-1999: 11010519491231002X.
    identity = parse_id_number("11010519491231002x")
    assert identity.value == "11010519491231002X"
    assert identity.birth_date == date(1949, 12, 31)
    assert identity.is_male is False
    assert check_digit("11010519491231002") == "X"


@pytest.mark.parametrize("bad, reason", [
    ("11010519491231002", "18 位"),
    ("1101051949123100X2", "17 位数字"),
    ("110105194912310021", "校验位"),
    ("110105194902300023", "出生日期"),
    ("990105194912310021", "地区码"),
    ("110105209912310021", "出生日期"),
])
def test_bad_id_numbers_are_refused_with_the_reason(bad, reason):
    with pytest.raises(ValueError, match=reason):
        parse_id_number(bad)


def test_generated_ids_carry_gender():
    assert parse_id_number(make_id(male=True)).is_male
    assert not parse_id_number(make_id(male=False)).is_male


def test_masking():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number(None) is None
