"""Resident ID numbers (GB 11643-1999), credit codes (GB 32100-2015), masks and initial passwords."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

import pytest

from core.errors import DomainError, ErrorCode
from core.identity import (
    CREDIT_CODE_ALPHABET,
    MainlandId,
    credit_code_check_char,
    id_number_check_digit,
    initial_password_for,
    mask_id_number,
    mask_name,
    parse_mainland_id,
    validate_credit_code,
)

TODAY = date(2024, 6, 15)
WELL_KNOWN_SAMPLE = "11010519491231002X"


@pytest.fixture
def make_id() -> Callable[[str], str]:
    """Complete 17 digits into a valid ID number with the real check digit."""

    def make(first17: str) -> str:
        return first17 + id_number_check_digit(first17)

    return make


def _wrong_check(number: str) -> str:
    right = number[17]
    wrong = "0" if right != "0" else "1"
    return number[:17] + wrong


# --- check digit ----------------------------------------------------------------------------------


def test_check_digit_of_the_well_known_sample_is_x() -> None:
    assert id_number_check_digit(WELL_KNOWN_SAMPLE[:17]) == "X"


@pytest.mark.parametrize("first17", ["", "1" * 16, "1" * 18, "1101051949123100X", "１" * 17])
def test_check_digit_rejects_anything_but_17_ascii_digits(first17: str) -> None:
    with pytest.raises(ValueError, match="17"):
        id_number_check_digit(first17)


# --- parse_mainland_id ----------------------------------------------------------------------------


def test_well_known_sample_parses() -> None:
    # given the textbook sample / when parsed / then its fields are decoded
    parsed = parse_mainland_id(WELL_KNOWN_SAMPLE, today=TODAY)
    assert parsed == MainlandId(
        number=WELL_KNOWN_SAMPLE, region_code="110105", birth_date=date(1949, 12, 31), gender="female"
    )
    assert parsed.province_code == "11"


def test_lower_case_x_is_normalised_to_upper_case() -> None:
    parsed = parse_mainland_id(WELL_KNOWN_SAMPLE.lower(), today=TODAY)
    assert parsed.number == WELL_KNOWN_SAMPLE


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_mainland_id(f"  {WELL_KNOWN_SAMPLE}\n", today=TODAY).number == WELL_KNOWN_SAMPLE


@pytest.mark.parametrize(
    ("first17", "gender"),
    [
        ("32010219900101123", "male"),  # 17th digit 3: odd
        ("32010219900101124", "female"),  # 17th digit 4: even
        ("32010219900101120", "female"),  # 0 is even
        ("32010219900101129", "male"),
    ],
)
def test_gender_comes_from_the_parity_of_the_17th_digit(
    make_id: Callable[[str], str], first17: str, gender: str
) -> None:
    assert parse_mainland_id(make_id(first17), today=TODAY).gender == gender


@pytest.mark.parametrize(
    "first17",
    [
        "44030420000229001",  # Feb 29 of a leap year
        "65010219000101001",  # earliest accepted birth date
        "81000019800101001",  # Hong Kong residents' residence permit prefix
        "51010219960630001",  # pre-1997 Chongqing area code under Sichuan
    ],
)
def test_computed_valid_numbers_parse(make_id: Callable[[str], str], first17: str) -> None:
    number = make_id(first17)
    parsed = parse_mainland_id(number, today=TODAY)
    assert parsed.number == number
    assert parsed.region_code == first17[:6]


def test_birth_date_today_is_accepted(make_id: Callable[[str], str]) -> None:
    number = make_id("320102" + TODAY.strftime("%Y%m%d") + "001")
    assert parse_mainland_id(number, today=TODAY).birth_date == TODAY


def test_age_on_counts_completed_years(make_id: Callable[[str], str]) -> None:
    parsed = parse_mainland_id(make_id("32010220000615001"), today=TODAY)
    assert parsed.age_on(date(2024, 6, 14)) == 23
    assert parsed.age_on(date(2024, 6, 15)) == 24


def test_parsed_id_is_frozen() -> None:
    parsed = parse_mainland_id(WELL_KNOWN_SAMPLE, today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.gender = "male"  # type: ignore[misc]


@pytest.mark.parametrize(
    "first17",
    [
        "32010219900230001",  # Feb 30
        "32010219010229001",  # Feb 29 of a non-leap year
        "32010219901301001",  # month 13
        "32010219900100001",  # day 0
        "32010218991231001",  # before 1900
        "32010220240616001",  # tomorrow relative to TODAY
        "32010230000101001",  # far future
        "00010219900101001",  # no such province
        "99010219900101001",
    ],
)
def test_numbers_with_a_correct_check_digit_but_bad_content_are_invalid(
    make_id: Callable[[str], str], first17: str
) -> None:
    # given a number whose check digit is right but whose content is impossible
    with pytest.raises(DomainError) as caught:
        parse_mainland_id(make_id(first17), today=TODAY)
    # then it is an invalid ID number, on the idNumber field
    assert caught.value.code is ErrorCode.ID_NUMBER_INVALID
    assert caught.value.field == "idNumber"


@pytest.mark.parametrize(
    "number",
    [
        "",
        WELL_KNOWN_SAMPLE[:17],  # 17 characters
        WELL_KNOWN_SAMPLE + "0",  # 19 characters
        "110105491231002",  # legacy 15-digit number
        "11010519491231002Y",
        "X10105194912310020",
        "1101051949123100X2",  # X not in last place
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width
        "11010519491231 02X",
    ],
)
def test_malformed_numbers_are_invalid(number: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_mainland_id(number, today=TODAY)
    assert caught.value.code is ErrorCode.ID_NUMBER_INVALID
    assert caught.value.field == "idNumber"


def test_wrong_check_digit_is_invalid(make_id: Callable[[str], str]) -> None:
    for number in (WELL_KNOWN_SAMPLE, make_id("32010219900101123"), make_id("44030420000229001")):
        with pytest.raises(DomainError) as caught:
            parse_mainland_id(_wrong_check(number), today=TODAY)
        assert caught.value.code is ErrorCode.ID_NUMBER_INVALID


def test_single_digit_typo_is_caught() -> None:
    # given the sample with one digit changed / then the check digit no longer matches
    typo = WELL_KNOWN_SAMPLE[:14] + "1" + WELL_KNOWN_SAMPLE[15:]
    with pytest.raises(DomainError) as caught:
        parse_mainland_id(typo, today=TODAY)
    assert caught.value.code is ErrorCode.ID_NUMBER_INVALID


def test_future_is_judged_against_the_real_date_by_default(make_id: Callable[[str], str]) -> None:
    with pytest.raises(DomainError) as caught:
        parse_mainland_id(make_id("32010229991231001"))
    assert caught.value.code is ErrorCode.ID_NUMBER_INVALID


# --- credit codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_known_valid_credit_codes_pass(code: str) -> None:
    assert validate_credit_code(code) == code
    assert credit_code_check_char(code[:17]) == code[17]


def test_credit_code_is_upper_cased_and_trimmed() -> None:
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert validate_credit_code("91110000600037341l") == "91110000600037341L"


def test_credit_code_alphabet_excludes_i_o_z_s_v() -> None:
    assert len(CREDIT_CODE_ALPHABET) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_ALPHABET)


def test_check_char_can_be_zero() -> None:
    # given 17 characters whose weighted sum is a multiple of 31 / then the check char is "0", not 31
    assert credit_code_check_char("0" * 17) == "0"


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check char
        "91350100M000100Y4A",
        "91110000600037341M",
        "91110000600037341",  # 17 characters
        "91110000600037341LL",  # 19 characters
        "",
        "91350100I000100Y43",  # I forbidden
        "91350100O000100Y43",  # O forbidden
        "91350100Z000100Y43",  # Z forbidden
        "91350100S000100Y43",  # S forbidden
        "91350100V000100Y43",  # V forbidden
        "9135010-M000100Y43",
        "９1350100M000100Y43",  # full-width digit
    ],
)
def test_invalid_credit_codes_are_rejected(code: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_credit_code(code)
    assert caught.value.code is ErrorCode.CREDIT_CODE_INVALID
    assert caught.value.field == "creditCode"


def test_every_other_check_char_is_rejected() -> None:
    # given a valid code / when its check char is replaced by any other alphabet character / then invalid
    code = "91350100M000100Y43"
    for char in CREDIT_CODE_ALPHABET.replace(code[17], ""):
        with pytest.raises(DomainError):
            validate_credit_code(code[:17] + char)


@pytest.mark.parametrize("first17", ["", "9135010", "91350100I000100Y4", "9" * 18])
def test_credit_check_char_rejects_bad_input(first17: str) -> None:
    with pytest.raises(ValueError, match="17"):
        credit_code_check_char(first17)


# --- masks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("320102199001011234", "3201**********1234"),
        (WELL_KNOWN_SAMPLE, "1101**********002X"),
        ("91350100M000100Y43", "9135**********0Y43"),
        ("123456789", "1234*6789"),
        ("12345678", "********"),
        ("", ""),
    ],
)
def test_mask_id_number_keeps_first_and_last_four(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张", "*"),
        ("张三", "张*"),
        ("张小明", "张*明"),
        ("欧阳明锋", "欧**锋"),
        ("阿沛·阿旺晋美", "阿*****美"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# --- initial password -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "password"),
    [
        (WELL_KNOWN_SAMPLE, "31002X"),
        (WELL_KNOWN_SAMPLE.lower(), "31002X"),
        ("91350100M000100Y43", "100Y43"),
        ("91110000600037341l", "37341L"),
        ("abcdef", "ABCDEF"),
    ],
)
def test_initial_password_is_last_six_upper_cased(account: str, password: str) -> None:
    assert initial_password_for(account) == password


def test_initial_password_needs_six_characters() -> None:
    with pytest.raises(ValueError, match="6"):
        initial_password_for("abcde")
