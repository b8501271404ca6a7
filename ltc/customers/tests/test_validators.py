import pytest
from django.core.exceptions import ValidationError

from ltc.customers.validators import credit_code_check_char, validate_credit_code, validate_mobile

VALID = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"]


@pytest.mark.parametrize("code", VALID)
def test_valid_credit_codes_pass(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100I43", "alphabet"),  # I, O, S, V, Z are not used
        ("91350100M000100Y44", "checksum"),
    ],
)
def test_invalid_credit_codes_name_the_problem(code, error):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == error


@pytest.mark.parametrize("mobile", ["13800138000", "+86 138 0013 8000", "19912345678"])
def test_mainland_mobiles_pass(mobile):
    validate_mobile(mobile)


@pytest.mark.parametrize("mobile", ["12800138000", "1380013800", "023-6666666", "abc"])
def test_other_numbers_are_not_mobiles(mobile):
    with pytest.raises(ValidationError):
        validate_mobile(mobile)
