"""FINESS number validation (9 characters, Luhn key on all-digit numbers, 2A/2B for Corsica)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from establishments.validators import (
    finess_error,
    finess_number,
    luhn_is_valid,
    luhn_key,
    validate_finess,
)

# Real FINESS numbers (establishments and legal entities) from the public extract.
REAL_NUMBERS = [
    "010000024",  # CH de Fleyriat (ET)
    "010780054",  # its legal entity (EJ)
    "010000032",
    "750100125",  # GHU AP-HP Pitié-Salpêtrière (ET)
    "750712184",  # AP-HP (EJ)
    "300006475",
    "590799730",
    "970100012",
    "970100103",
    "970100186",
    "970100400",  # CH Louis Constant Fleming, Saint-Martin
    "970102018",
    "970102059",
    "970112611",
    "970113015",
    "970210118",
    "970210126",
    "970216057",
    "970300026",  # CH de Cayenne
    "970302022",
    "970302287",
    "970400024",  # CHU de La Réunion, Félix Guyon
    "970400149",
    "970405767",
    "970408589",
    "970409645",
    "970463600",
    "980501498",
    "980501506",
    "980502181",
    "980502199",
    "980600019",
    "980600027",  # Hôpital de Sia, Wallis-et-Futuna
]


@pytest.mark.parametrize("number", REAL_NUMBERS)
def test_real_finess_numbers_pass_the_luhn_check(number):
    assert luhn_is_valid(number)
    assert finess_error(number) is None
    validate_finess(number)


@pytest.mark.parametrize("number", REAL_NUMBERS[:8])
def test_changing_the_key_digit_breaks_the_check(number):
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not luhn_is_valid(wrong)
    assert "clé de contrôle" in finess_error(wrong)


def test_swapping_two_digits_is_caught():
    assert finess_error("100000024") is not None


@pytest.mark.parametrize("number", ["01000002", "0100000245", "", "01 000 024"])
def test_a_finess_number_has_nine_characters(number):
    assert "9 caractères" in finess_error(number)


@pytest.mark.parametrize("number", ["2A0000100", "2B0000199", "2A0780000"])
def test_corsican_numbers_start_with_2a_or_2b_and_carry_no_luhn_key(number):
    assert finess_error(number) is None


@pytest.mark.parametrize("number", ["2C0000100", "AB0000024", "01000002X", "2a0000100"])
def test_other_letters_are_refused(number):
    assert "caractères invalides" in finess_error(number)


def test_django_validator_raises_a_validation_error_with_a_french_message():
    with pytest.raises(ValidationError) as excinfo:
        validate_finess("010000025")
    assert excinfo.value.code == "invalid_finess"
    assert "010000025" in excinfo.value.messages[0]


@given(st.text("0123456789", min_size=8, max_size=8))
def test_the_luhn_key_is_the_one_digit_that_completes_a_valid_number(body):
    key = luhn_key(body)
    assert finess_error(body + key) is None
    assert [k for k in "0123456789" if luhn_is_valid(body + k)] == [key]


@pytest.mark.parametrize("number", REAL_NUMBERS)
def test_the_luhn_key_of_a_real_number_is_its_last_digit(number):
    assert luhn_key(number[:8]) == number[8]


@given(st.text("0123456789", min_size=2, max_size=2), st.integers(0, 999_999))
def test_generated_finess_numbers_are_valid_and_keep_their_department_prefix(prefix, serial):
    number = finess_number(prefix, serial)
    assert finess_error(number) is None
    assert number.startswith(prefix)
    assert number[2:8] == f"{serial:06d}"


@given(
    st.text(
        st.characters(categories=["Nd", "No"], exclude_characters="0123456789"),
        min_size=1,
        max_size=7,
    )
)
def test_digits_of_other_scripts_are_invalid_characters(digits):
    for value in ((digits * 9)[:9], ("2A" + digits * 7)[:9]):
        assert finess_error(value) == (
            f"Le numéro FINESS « {value} » contient des caractères invalides."
        )
