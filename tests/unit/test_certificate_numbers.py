"""Certificate numbers: readable, check-charactered, no look-alike letters, tolerant lookups."""

from __future__ import annotations

import pytest

from certificates.numbers import certificate_number_format, certificate_number_normalise


def test_format_is_readable_and_round_trips() -> None:
    number = certificate_number_format(province_code="530000", category_code="GJB", year=2026, sequence=123)
    assert number.startswith("53-GJB-2026-000123-")
    assert not set(number) & set("ILO")
    assert certificate_number_normalise(number) == number


def test_lookup_folds_case_separators_and_look_alikes() -> None:
    number = certificate_number_format(province_code="120000", category_code="CZA", year=2026, sequence=10)
    typed = number.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert certificate_number_normalise(typed) == number


def test_a_mistyped_character_is_caught_by_the_check_character() -> None:
    number = certificate_number_format(province_code="530000", category_code="GJB", year=2026, sequence=123)
    wrong = number.replace("000123", "000124")
    assert certificate_number_normalise(wrong) is None
    assert certificate_number_normalise("not a number") is None


def test_distinct_sequences_give_distinct_numbers() -> None:
    numbers = {
        certificate_number_format(province_code="530000", category_code="GJB", year=2026, sequence=s)
        for s in range(1, 2001)
    }
    assert len(numbers) == 2000


@pytest.mark.parametrize("category", ["GI", "LO", "g", "ABCDE"])
def test_category_codes_never_use_look_alike_letters(category: str) -> None:
    with pytest.raises(ValueError):
        certificate_number_format(province_code="530000", category_code=category, year=2026, sequence=1)
