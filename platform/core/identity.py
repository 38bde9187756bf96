"""Chinese identity numbers: resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).

Both are login accounts for bulk-provisioned users (seed 003) and both carry a check character, so
a typo is caught before any database lookup. Also the display masks used wherever an ID number or
a name is shown to someone other than its owner, and the initial-password rule of seed 003.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.errors import DomainError, ErrorCode

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "MainlandId",
    "credit_code_check_char",
    "id_number_check_digit",
    "initial_password_for",
    "mask_id_number",
    "mask_name",
    "parse_mainland_id",
    "validate_credit_code",
]

Gender = Literal["male", "female"]

_DIGITS = "0123456789"

# ISO 7064 MOD 11-2 as used by GB 11643-1999: weight of position i (1-based, left to right) is
# 2**(18 - i) mod 11; the check character for the weighted sum s is CHECK[s mod 11].
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_EARLIEST_BIRTH = date(1900, 1, 1)

# First two digits of the administrative division code (GB/T 2260): the 31 mainland provinces,
# Taiwan (71), and the 81/82/83 prefixes of residence permits for Hong Kong, Macao and Taiwan
# residents, which follow the same 18-character format.
_PROVINCE_PREFIXES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    | {"71", "81", "82", "83"}
)

# GB 32100-2015: 31 characters, the Arabic digits and the Latin capitals without I, O, Z, S, V.
# A character's value is its index here; the weight of position i (1-based) is 3**(i-1) mod 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True, slots=True)
class MainlandId:
    """A checked 18-character resident ID number and what it encodes."""

    number: str
    region_code: str
    birth_date: date
    gender: Gender

    @property
    def province_code(self) -> str:
        """The 2-digit province prefix of the region code (e.g. "32" for Jiangsu)."""
        return self.region_code[:2]

    def age_on(self, day: date) -> int:
        """Completed years of age on `day` (eligibility rules are stated in ages)."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


def id_number_check_digit(first17: str) -> str:
    """The 18th character ("0"–"9" or "X") of a resident ID number, computed from its first 17 digits.

    Raises ValueError (a programming error, not user input) unless given exactly 17 ASCII digits.
    """
    if len(first17) != 17 or any(char not in _DIGITS for char in first17):
        raise ValueError("expected exactly 17 ASCII digits")
    total = sum(int(char) * weight for char, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _invalid_id(reason: str) -> DomainError:
    return DomainError(ErrorCode.ID_NUMBER_INVALID, field="idNumber", params={"reason": reason})


def parse_mainland_id(number: str, *, today: date | None = None) -> MainlandId:
    """Validate a GB 11643-1999 resident ID number and decode it, or raise ID_NUMBER_INVALID.

    Surrounding whitespace is ignored and a trailing "x" is upper-cased. Checked: 18 characters,
    17 ASCII digits then a digit or X, a known province prefix, a real birth date from 1900-01-01 up
    to `today` (default: the current local date), and the check character. The 17th digit's parity
    gives the gender (odd: male). `params["reason"]` says which rule failed, for logs only.
    """
    value = number.strip().upper()
    if len(value) != 18:
        raise _invalid_id("length")
    first17, check = value[:17], value[17]
    if any(char not in _DIGITS for char in first17) or check not in _ID_CHECK:
        raise _invalid_id("characters")
    if value[:2] not in _PROVINCE_PREFIXES:
        raise _invalid_id("region")
    try:
        birth_date = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _invalid_id("birth_date") from None
    if not _ID_EARLIEST_BIRTH <= birth_date <= (today or date.today()):
        raise _invalid_id("birth_date")
    if id_number_check_digit(first17) != check:
        raise _invalid_id("check_digit")
    gender: Gender = "male" if int(value[16]) % 2 else "female"
    return MainlandId(number=value, region_code=value[:6], birth_date=birth_date, gender=gender)


def mask_id_number(number: str) -> str:
    """Hide an ID number (or credit code) but its first 4 and last 4 characters, one star per hidden one.

    "320102199001011234" → "3201**********1234". Values of 8 characters or fewer are hidden
    entirely. Does not validate: it is for display of stored, already-checked values.
    """
    value = number.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(name: str) -> str:
    """Hide a person's name for public lists: "张*" (2 characters), "张*明" (3), "欧**锋" (4).

    One character becomes "*"; beyond two, the first and last stay and each middle one is a star.
    """
    value = name.strip()
    if len(value) <= 1:
        return "*" * len(value)
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a GB 32100-2015 unified social credit code, from its first 17.

    Check value = (31 - sum(value_i * weight_i) mod 31) mod 31, written with the code's alphabet.
    Raises ValueError (a programming error) unless given exactly 17 characters of that alphabet.
    """
    if len(first17) != 17 or any(char not in _CREDIT_VALUES for char in first17):
        raise ValueError("expected exactly 17 characters of the credit code alphabet")
    total = sum(_CREDIT_VALUES[char] * weight for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Upper-case and check a unified social credit code, or raise CREDIT_CODE_INVALID (field "creditCode").

    Surrounding whitespace is ignored. Checked: 18 characters of the GB 32100 alphabet (no I, O, Z,
    S, V) and the check character. The embedded organisation code is not checked separately.
    """
    value = code.strip().upper()
    if len(value) != 18 or any(char not in _CREDIT_VALUES for char in value):
        raise DomainError(ErrorCode.CREDIT_CODE_INVALID, field="creditCode", params={"reason": "characters"})
    if credit_code_check_char(value[:17]) != value[17]:
        raise DomainError(ErrorCode.CREDIT_CODE_INVALID, field="creditCode", params={"reason": "check_char"})
    return value


def initial_password_for(account: str) -> str:
    """Seed 003's initial password of a bulk-provisioned account: its last 6 characters, letters upper-cased.

    Deliberately outside `validate_password` (6 characters, may end in "X"): it only lives until the
    forced change at first login. Raises ValueError for an account shorter than 6 characters.
    """
    value = account.strip()
    if len(value) < 6:
        raise ValueError("an account has at least 6 characters")
    return value[-6:].upper()
