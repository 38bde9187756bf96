"""Input rules for accounts (seeds 000, 002): usernames, passwords, mobile numbers, real names, masking.

Pure functions, no database: a service calls them before touching models, and each broken rule maps
to its own stable `ErrorCode`. Where several rules of one field (or a field and its confirmation)
are broken at once, all of them are reported together in a `DomainErrors`.

Whitespace policy: surrounding whitespace is stripped from usernames, mobile numbers and real names
(a copy-paste artefact, never meaningful); passwords are never altered. Nothing else is changed
silently: in particular full-width letters and digits are *rejected*, not folded to ASCII, and no
Unicode normalisation is applied (see `is_cjk_ideograph` about compatibility ideographs).
"""

from __future__ import annotations

import re

from core.errors import DomainError, DomainErrors, ErrorCode

__all__ = [
    "PASSWORD_MAX_LENGTH",
    "PASSWORD_MIN_LENGTH",
    "REAL_NAME_MAX_LENGTH",
    "REAL_NAME_MIN_LENGTH",
    "USERNAME_MAX_UNITS",
    "USERNAME_MIN_UNITS",
    "is_cjk_ideograph",
    "mask_email",
    "mask_phone",
    "username_units",
    "validate_mainland_mobile",
    "validate_password",
    "validate_real_name",
    "validate_username",
]

USERNAME_MIN_UNITS = 6
USERNAME_MAX_UNITS = 18
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 18
REAL_NAME_MIN_LENGTH = 2
REAL_NAME_MAX_LENGTH = 30

# Code-point ranges (inclusive) of the ideographs a *username* may contain, each counting 2 units:
#   U+3400–U+4DBF  CJK Unified Ideographs Extension A (fully assigned)
#   U+4E00–U+9FFF  CJK Unified Ideographs (fully assigned since Unicode 14)
#   U+F900–U+FA6D  CJK Compatibility Ideographs (U+FA6E–U+FA6F are unassigned)
#   U+FA70–U+FAD9  CJK Compatibility Ideographs (U+FADA–U+FAFF are unassigned)
# Extensions B and later (supplementary planes) and radicals/strokes/punctuation are deliberately out.
_CJK_USERNAME_RANGES: tuple[tuple[int, int], ...] = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFA6D),
    (0xFA70, 0xFAD9),
)

# A *real name* must be writable as printed on an ID card, and rare name characters often live in
# the supplementary planes, so names also accept these assigned ranges (Unicode 15.1):
#   U+20000–U+2A6DF Ext B, U+2A700–U+2B739 Ext C, U+2B740–U+2B81D Ext D, U+2B820–U+2CEA1 Ext E,
#   U+2CEB0–U+2EBE0 Ext F, U+2EBF0–U+2EE5D Ext I, U+2F800–U+2FA1D Compatibility Supplement,
#   U+30000–U+3134A Ext G, U+31350–U+323AF Ext H.
_CJK_NAME_EXTRA_RANGES: tuple[tuple[int, int], ...] = (
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B739),
    (0x2B740, 0x2B81D),
    (0x2B820, 0x2CEA1),
    (0x2CEB0, 0x2EBE0),
    (0x2EBF0, 0x2EE5D),
    (0x2F800, 0x2FA1D),
    (0x30000, 0x3134A),
    (0x31350, 0x323AF),
)

_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_ASCII_DIGITS = frozenset("0123456789")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

# `[0-9]`, not `\d`: in a str pattern `\d` also matches full-width and other Unicode digits.
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})")
_MOBILE_SEPARATORS = str.maketrans("", "", " -")

# The interpunct of ethnic-minority names, as printed on ID cards, is U+00B7. Users also type the
# katakana middle dot (U+30FB), the hyphenation point (U+2027) or a bullet (U+2022); these are
# folded to U+00B7 so that one person's name has one spelling.
_NAME_DOT = "\u00b7"
_NAME_DOT_VARIANTS = str.maketrans({"\u30fb": _NAME_DOT, "\u2027": _NAME_DOT, "\u2022": _NAME_DOT})
_WHITESPACE_RUN = re.compile(r"\s+")


def _in_ranges(code_point: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code_point <= high for low, high in ranges)


def is_cjk_ideograph(char: str) -> bool:
    """Whether one character is a CJK ideograph for username purposes (it then counts 2 units).

    Covers the URO, Extension A and the assigned compatibility ideographs (ranges documented above).
    Note that a compatibility ideograph looks exactly like its unified twin (U+F900 豈 vs U+8C48 豈):
    a uniqueness check that wants to stop look-alikes should compare NFC forms.
    """
    return len(char) == 1 and _in_ranges(ord(char), _CJK_USERNAME_RANGES)


def _is_name_ideograph(char: str) -> bool:
    return is_cjk_ideograph(char) or _in_ranges(ord(char), _CJK_NAME_EXTRA_RANGES)


def _raise_all(errors: list[DomainError]) -> None:
    """Raise nothing, the single error, or all of them at once."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)


def username_units(name: str) -> int:
    """Length of a username as the rules count it: a CJK ideograph is 2 units, any other code point 1."""
    return sum(2 if is_cjk_ideograph(char) else 1 for char in name)


def validate_username(name: str) -> str:
    """Check a username against seed 000's rules; return it with surrounding whitespace stripped.

    Allowed: CJK ideographs, ASCII letters, ASCII digits, underscore; 6–18 units; no leading digit.
    Every broken rule is reported (field "username"); an empty name is only USERNAME_REQUIRED.
    """
    candidate = name.strip()
    if not candidate:
        raise DomainError(ErrorCode.USERNAME_REQUIRED, field="username")
    errors: list[DomainError] = []
    if any(char not in _ASCII_WORD and not is_cjk_ideograph(char) for char in candidate):
        errors.append(DomainError(ErrorCode.USERNAME_INVALID_CHARACTERS, field="username"))
    if candidate[0] in _ASCII_DIGITS:
        errors.append(DomainError(ErrorCode.USERNAME_STARTS_WITH_DIGIT, field="username"))
    units = username_units(candidate)
    if units < USERNAME_MIN_UNITS:
        errors.append(DomainError(ErrorCode.USERNAME_TOO_SHORT, field="username", params={"units": units}))
    elif units > USERNAME_MAX_UNITS:
        errors.append(DomainError(ErrorCode.USERNAME_TOO_LONG, field="username", params={"units": units}))
    _raise_all(errors)
    return candidate


def validate_password(password: str, confirmation: str | None = None) -> None:
    """Check a new password (8–18 ASCII letters, digits, underscores) and, if given, its confirmation.

    The password is taken verbatim (no stripping). All broken rules are reported together: length
    and characters on field "password", a mismatch on field "passwordConfirmation".
    """
    errors: list[DomainError] = []
    if len(password) < PASSWORD_MIN_LENGTH:
        errors.append(DomainError(ErrorCode.PASSWORD_TOO_SHORT, field="password"))
    elif len(password) > PASSWORD_MAX_LENGTH:
        errors.append(DomainError(ErrorCode.PASSWORD_TOO_LONG, field="password"))
    if any(char not in _ASCII_WORD for char in password):
        errors.append(DomainError(ErrorCode.PASSWORD_INVALID_CHARACTERS, field="password"))
    if confirmation is not None and confirmation != password:
        errors.append(DomainError(ErrorCode.PASSWORD_MISMATCH, field="passwordConfirmation"))
    _raise_all(errors)


def validate_mainland_mobile(phone: str) -> str:
    """Normalise a mainland mobile number to its 11 digits, or raise PHONE_INVALID (field "phone").

    Accepts an optional "+86"/"86" prefix and ASCII spaces/hyphens anywhere ("+86 138-0013-8000").
    The number must be 1[3-9] followed by 9 ASCII digits; full-width digits are rejected.
    """
    match = _MOBILE.fullmatch(phone.strip().translate(_MOBILE_SEPARATORS))
    if match is None:
        raise DomainError(ErrorCode.PHONE_INVALID, field="phone")
    return match.group(1)


def mask_phone(phone: str) -> str:
    """Hide the middle of a mobile number for display ("151****1180"), as the password-reset page does.

    A valid mainland number is normalised first; anything else keeps its first 3 and last 4
    characters when longer than 7, and is hidden entirely otherwise. Never raises.
    """
    try:
        value = validate_mainland_mobile(phone)
    except DomainError:
        value = phone.strip()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(email: str) -> str:
    """Hide most of an email's local part for display ("abcde@qq.com" → "ab***@qq.com").

    Shows the first min(3, len // 2) characters of the local part and replaces the rest one star per
    character (seed 000: "136*****@qq.com"); the domain stays readable. Never raises.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at:
        local, domain = domain, ""
    shown = min(3, len(local) // 2)
    return local[:shown] + "*" * (len(local) - shown) + at + domain


def validate_real_name(name: str) -> str:
    """Check a person's legal name; return it normalised, or raise REAL_NAME_INVALID (field "realName").

    Either CJK ideographs (including supplementary-plane extensions, for rare name characters) with
    optional single middle dots between parts ("阿沛·阿旺晋美"; dot variants fold to U+00B7), or
    ASCII Latin letters with single spaces between words for foreigners ("John Smith"; runs of
    whitespace collapse to one space). 2–30 characters after normalisation; no mixing of scripts.
    """
    candidate = name.strip()
    if candidate and all(char in _ASCII_LETTERS or char.isspace() for char in candidate):
        value = _WHITESPACE_RUN.sub(" ", candidate)
    else:
        value = candidate.translate(_NAME_DOT_VARIANTS)
        parts = value.split(_NAME_DOT)
        if not all(part and all(_is_name_ideograph(char) for char in part) for part in parts):
            raise DomainError(ErrorCode.REAL_NAME_INVALID, field="realName")
    if not REAL_NAME_MIN_LENGTH <= len(value) <= REAL_NAME_MAX_LENGTH:
        raise DomainError(ErrorCode.REAL_NAME_INVALID, field="realName")
    return value
