import pytest
from hypothesis import given
from hypothesis import strategies as st

from stq.core.errors import AppError
from stq.enterprises.taxcode import check_digit, format_tax_code, is_valid_tax_code, normalize_tax_code

NINE = (
    st.integers(0, 999_999_999)
    .map(lambda n: f"{n:09d}")
    .filter(lambda nine: nine[2:] != "0000000" and check_digit(nine) is not None)
)
valid_codes = st.builds(
    lambda nine, branch: nine + check_digit(nine) + (f"{branch:03d}" if branch else ""),
    NINE,
    st.none() | st.integers(1, 999),
).map(str)


@given(valid_codes)
def test_every_generated_valid_code_passes(code):
    assert normalize_tax_code(code) == code
    assert normalize_tax_code(format_tax_code(code)) == code


@given(valid_codes, st.integers(0, 9), st.integers(1, 9))
def test_every_single_digit_change_of_the_check_part_fails(code, position, delta):
    """Changing any one of the first 10 digits breaks the check digit (weights are distinct mod 11)."""
    digits = list(code)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    assert not is_valid_tax_code(changed)


@given(valid_codes)
def test_branch_suffix_000_is_invalid(code):
    assert not is_valid_tax_code(code[:10] + "000")


@pytest.mark.parametrize("raw, expected", [
    ("0100233488", "0100233488"),
    ("0314409058-002", "0314409058002"),
    (" 0100047516 ", "0100047516"),
    ("0314 409 058-002", "0314409058002"),
])
def test_known_codes_and_separators(raw, expected):
    assert normalize_tax_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "123", "0100233489", "01002334881", "abcdefghij", "0100233488-01"])
def test_invalid_codes_raise_with_code_and_field(raw):
    with pytest.raises(AppError) as exc:
        normalize_tax_code(raw)
    assert exc.value.code == "invalid_tax_code" and "tax_code" in exc.value.fields


def test_format():
    assert format_tax_code("0314409058002") == "0314409058-002"
    assert format_tax_code("0100233488") == "0100233488"
