import itertools

import pytest

from ledger.domain.regnumber import InvalidRegistrationNumber, format_number, parse_number


def test_numbers_round_trip_in_any_reasonable_spelling():
    number = format_number(421)
    assert number.startswith("RG-0000421-")
    assert parse_number(number) == number
    assert parse_number(number.lower().replace("-", " ")) == number
    assert parse_number(number.replace("-", "")) == number


@pytest.mark.parametrize("serial", [1, 421, 1234567, 9_999_999])
def test_every_single_digit_typo_is_caught(serial):
    number = format_number(serial)
    digits = number.replace("RG-", "").replace("-", "")
    for i, wrong in itertools.product(range(len(digits)), "0123456789"):
        if digits[i] == wrong:
            continue
        typo = digits[:i] + wrong + digits[i + 1 :]
        with pytest.raises(InvalidRegistrationNumber, match="check digits"):
            parse_number("RG" + typo)


@pytest.mark.parametrize("serial", [12, 421, 1234567, 7654321])
def test_every_adjacent_swap_is_caught(serial):
    digits = format_number(serial).replace("RG-", "").replace("-", "")
    for i in range(len(digits) - 1):
        if digits[i] == digits[i + 1]:
            continue
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        with pytest.raises(InvalidRegistrationNumber):
            parse_number("RG" + swapped)


@pytest.mark.parametrize("text", ["", "RG-123-45", "XX-0000421-12", "RG-00004211-2x", "hello"])
def test_malformed_numbers_say_what_is_expected(text):
    with pytest.raises(InvalidRegistrationNumber, match="expected RG"):
        parse_number(text)
