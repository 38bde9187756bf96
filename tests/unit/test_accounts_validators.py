"""Account input rules (seeds 000, 002): each broken rule yields its own stable code."""

from __future__ import annotations

import pytest

from accounts.validators import (
    is_cjk_ideograph,
    mask_email,
    mask_phone,
    username_units,
    validate_mainland_mobile,
    validate_password,
    validate_real_name,
    validate_username,
)
from core.errors import DomainError, DomainErrors, ErrorCode


def codes_of(error: DomainError) -> set[ErrorCode]:
    """All codes carried by a raised error, whether single or grouped."""
    if isinstance(error, DomainErrors):
        return {item.code for item in error.errors}
    return {error.code}


def fields_of(error: DomainError) -> dict[ErrorCode, str | None]:
    items = error.errors if isinstance(error, DomainErrors) else [error]
    return {item.code: item.field for item in items}


# --- username_units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "units"),
    [
        ("", 0),
        ("abc", 3),
        ("张三", 4),
        ("张三abc", 7),
        ("\u3400", 2),  # first Extension A ideograph
        ("\u4dbf", 2),  # last Extension A ideograph
        ("\u4e00", 2),  # first URO ideograph
        ("\u9fff", 2),  # last URO ideograph
        ("\uf900", 2),  # first compatibility ideograph
        ("\ufad9", 2),  # last assigned compatibility ideograph
        ("\ufa6e", 1),  # unassigned hole in the compatibility block
        ("\u3000", 1),  # ideographic space is not an ideograph
        ("\u3002", 1),  # ideographic full stop
        ("\u2e80", 1),  # CJK radical
        ("\U00020bb7", 1),  # Extension B is outside the username set
        ("Ａ", 1),  # full-width Latin letter
    ],
)
def test_username_units_counts_cjk_ideographs_twice(name: str, units: int) -> None:
    # given a name / when counted / then each CJK ideograph weighs 2 units, anything else 1
    assert username_units(name) == units


def test_is_cjk_ideograph_rejects_multi_character_strings() -> None:
    assert is_cjk_ideograph("张") is True
    assert is_cjk_ideograph("张三") is False
    assert is_cjk_ideograph("") is False


# --- validate_username ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "abcdef",  # 6 units: lower bound
        "a" * 18,  # 18 units: upper bound
        "张三丰",  # 3 CJK = 6 units
        "张" * 9,  # 9 CJK = 18 units
        "张三a1_x",  # mixed: 4 + 4 = 8 units
        "_123456",  # underscore may lead
        "User_2024",
        "\uf900\uf901\uf902",  # compatibility ideographs count as CJK
        "\u3400\u3401\u3402",  # Extension A
    ],
)
def test_valid_usernames_are_accepted(name: str) -> None:
    # given a name within all rules / when validated / then it comes back unchanged
    assert validate_username(name) == name


def test_username_surrounding_whitespace_is_stripped() -> None:
    assert validate_username("  abcdef\t") == "abcdef"
    assert validate_username("\u3000张三丰\u3000") == "张三丰"


@pytest.mark.parametrize("name", ["", "   ", "\u3000"])
def test_empty_username_is_required(name: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_username(name)
    assert codes_of(caught.value) == {ErrorCode.USERNAME_REQUIRED}
    assert caught.value.field == "username"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("abcde", ErrorCode.USERNAME_TOO_SHORT),  # 5 units
        ("张三a", ErrorCode.USERNAME_TOO_SHORT),  # 2 CJK + 1 letter = 5 units
        ("张", ErrorCode.USERNAME_TOO_SHORT),  # 2 units
        ("a" * 19, ErrorCode.USERNAME_TOO_LONG),  # 19 units
        ("张" * 9 + "a", ErrorCode.USERNAME_TOO_LONG),  # 9 CJK + 1 letter = 19 units
        ("张" * 10, ErrorCode.USERNAME_TOO_LONG),  # 20 units
        ("1abcdef", ErrorCode.USERNAME_STARTS_WITH_DIGIT),
        ("9张三丰", ErrorCode.USERNAME_STARTS_WITH_DIGIT),
        ("abc def", ErrorCode.USERNAME_INVALID_CHARACTERS),  # inner space
        ("abcdeＡ", ErrorCode.USERNAME_INVALID_CHARACTERS),  # full-width letter
        ("ａbcdef", ErrorCode.USERNAME_INVALID_CHARACTERS),  # full-width letter first
        ("abcde１", ErrorCode.USERNAME_INVALID_CHARACTERS),  # full-width digit
        ("abcdef\U0001f600", ErrorCode.USERNAME_INVALID_CHARACTERS),  # emoji
        ("abc-def", ErrorCode.USERNAME_INVALID_CHARACTERS),
        ("abc.def", ErrorCode.USERNAME_INVALID_CHARACTERS),
        ("abc@def", ErrorCode.USERNAME_INVALID_CHARACTERS),
        ("张三。丰", ErrorCode.USERNAME_INVALID_CHARACTERS),  # CJK punctuation
        ("\U00020bb7\U00020bb7abcdef", ErrorCode.USERNAME_INVALID_CHARACTERS),  # Extension B
        ("abçdef", ErrorCode.USERNAME_INVALID_CHARACTERS),  # non-ASCII Latin
    ],
)
def test_each_broken_username_rule_has_its_own_code(name: str, code: ErrorCode) -> None:
    # given a name breaking exactly one rule / when validated / then that rule's code alone is raised
    with pytest.raises(DomainError) as caught:
        validate_username(name)
    assert codes_of(caught.value) == {code}
    assert caught.value.field == "username"


def test_full_width_digit_first_is_invalid_characters_not_starts_with_digit() -> None:
    # given a full-width digit in front: the "no leading digit" rule is about ASCII digits
    with pytest.raises(DomainError) as caught:
        validate_username("１abcdef")
    assert codes_of(caught.value) == {ErrorCode.USERNAME_INVALID_CHARACTERS}


def test_username_breaking_several_rules_reports_all_of_them() -> None:
    # given a name that starts with a digit, holds a space and is too short
    with pytest.raises(DomainErrors) as caught:
        validate_username("1a b")
    # then every broken rule is reported at once
    assert codes_of(caught.value) == {
        ErrorCode.USERNAME_STARTS_WITH_DIGIT,
        ErrorCode.USERNAME_INVALID_CHARACTERS,
        ErrorCode.USERNAME_TOO_SHORT,
    }


# --- validate_password ----------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["a" * 8, "A" * 18, "Abc_1234", "__________", "12345678"])
def test_valid_passwords_are_accepted(password: str) -> None:
    validate_password(password)
    validate_password(password, password)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("", ErrorCode.PASSWORD_TOO_SHORT),
        ("a" * 7, ErrorCode.PASSWORD_TOO_SHORT),
        ("a" * 19, ErrorCode.PASSWORD_TOO_LONG),
        ("abcd123!", ErrorCode.PASSWORD_INVALID_CHARACTERS),  # symbol
        ("abcd 1234", ErrorCode.PASSWORD_INVALID_CHARACTERS),  # space
        ("abcd1234\u3000", ErrorCode.PASSWORD_INVALID_CHARACTERS),  # never stripped
        ("abcd１２３４", ErrorCode.PASSWORD_INVALID_CHARACTERS),  # full-width digits
        ("密码密码密码密码", ErrorCode.PASSWORD_INVALID_CHARACTERS),
    ],
)
def test_each_broken_password_rule_has_its_own_code(password: str, code: ErrorCode) -> None:
    with pytest.raises(DomainError) as caught:
        validate_password(password, password)
    assert codes_of(caught.value) == {code}
    assert caught.value.field == "password"


def test_password_confirmation_must_match() -> None:
    # given a valid password and a different confirmation
    with pytest.raises(DomainError) as caught:
        validate_password("Abc_12345", "Abc_12346")
    # then only the mismatch is reported, on the confirmation field
    assert codes_of(caught.value) == {ErrorCode.PASSWORD_MISMATCH}
    assert caught.value.field == "passwordConfirmation"


def test_password_confirmation_is_case_sensitive() -> None:
    with pytest.raises(DomainError) as caught:
        validate_password("Abc_12345", "abc_12345")
    assert codes_of(caught.value) == {ErrorCode.PASSWORD_MISMATCH}


def test_password_without_confirmation_skips_the_match_rule() -> None:
    validate_password("Abc_12345", None)


def test_password_breaking_several_rules_reports_all_of_them() -> None:
    # given a password too short, with a symbol, and a confirmation that differs
    with pytest.raises(DomainErrors) as caught:
        validate_password("ab!", "ab?")
    # then all three are reported, each on its field
    assert fields_of(caught.value) == {
        ErrorCode.PASSWORD_TOO_SHORT: "password",
        ErrorCode.PASSWORD_INVALID_CHARACTERS: "password",
        ErrorCode.PASSWORD_MISMATCH: "passwordConfirmation",
    }


def test_too_long_password_with_symbol_reports_both() -> None:
    with pytest.raises(DomainErrors) as caught:
        validate_password("a" * 18 + "!")
    assert codes_of(caught.value) == {ErrorCode.PASSWORD_TOO_LONG, ErrorCode.PASSWORD_INVALID_CHARACTERS}


# --- validate_mainland_mobile ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "normalised"),
    [
        ("15112341180", "15112341180"),
        ("13012345678", "13012345678"),
        ("19912345678", "19912345678"),
        ("+8615112341180", "15112341180"),
        ("8615112341180", "15112341180"),
        ("+86 151 1234 1180", "15112341180"),
        ("151-1234-1180", "15112341180"),
        (" +86-151-1234-1180 ", "15112341180"),
        ("15112341180\n", "15112341180"),  # surrounding whitespace is stripped
    ],
)
def test_valid_mobiles_are_normalised_to_11_digits(phone: str, normalised: str) -> None:
    assert validate_mainland_mobile(phone) == normalised


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "1511234118",  # 10 digits
        "151123411800",  # 12 digits
        "12012345678",  # second digit 2
        "10012345678",
        "25112341180",  # not starting with 1
        "+8515112341180",  # another country
        "008615112341180",  # 00 prefix not accepted
        "１５１１２３４１１８０",  # full-width digits
        "151.1234.1180",
        "151\n12341180",  # only spaces and hyphens separate
        "+86+8615112341180",
        "abc15112341180",
    ],
)
def test_invalid_mobiles_are_rejected(phone: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_mainland_mobile(phone)
    assert codes_of(caught.value) == {ErrorCode.PHONE_INVALID}
    assert caught.value.field == "phone"


# --- masks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("15112341180", "151****1180"),
        ("+86 151-1234-1180", "151****1180"),
        ("0251234567", "025***4567"),  # not a mobile: still first 3 / last 4
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("abcde@qq.com", "ab***@qq.com"),
        ("13612345@qq.com", "136*****@qq.com"),
        ("a@b.cn", "*@b.cn"),
        ("ab@b.cn", "a*@b.cn"),
        ("averylongname@example.org", "ave**********@example.org"),
        ("not-an-email", "not*********"),
    ],
)
def test_mask_email(email: str, masked: str) -> None:
    assert mask_email(email) == masked


# --- validate_real_name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("张三", "张三"),
        ("欧阳明锋", "欧阳明锋"),
        ("阿沛·阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛・阿旺晋美", "阿沛·阿旺晋美"),  # katakana middle dot folds to U+00B7
        ("买买提·艾力·吐尔逊", "买买提·艾力·吐尔逊"),
        ("  王五  ", "王五"),
        ("\U00020bb7明", "\U00020bb7明"),  # Extension B name character
        ("John Smith", "John Smith"),
        ("John   Smith", "John Smith"),
        ("Li", "Li"),
        ("张" * 30, "张" * 30),
    ],
)
def test_valid_real_names(name: str, normalised: str) -> None:
    assert validate_real_name(name) == normalised


@pytest.mark.parametrize(
    "name",
    [
        "",
        "张",  # 1 character
        "A",
        "张" * 31,
        "a" * 31,
        "张三1",
        "张 三",
        "·张三",
        "张三·",
        "张··三",
        "张三John",
        "Jean-Paul",
        "O'Neil",
        "José",
        "Ｊｏｈｎ",
        "张三\U0001f600",
    ],
)
def test_invalid_real_names(name: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_real_name(name)
    assert codes_of(caught.value) == {ErrorCode.REAL_NAME_INVALID}
    assert caught.value.field == "realName"
