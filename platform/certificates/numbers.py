"""Certificate numbers: unique nationally and readable, e.g. `53-GJB-2026-000123-K`.

province (GB/T 2260 two digits) - category code - year - sequence - check character.
Letters never include I, L or O (read as 1 and 0), so a number read aloud or retyped survives; lookups
fold those letters back to digits and ignore separators and case. The check character (mod 31 over the
same alphabet) catches a mistyped character before any database lookup.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no I, L, O
_CHECK_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters: no 0, 1, I, L, O
_SHAPE = re.compile(r"^(\d{2})([A-HJKMNP-Z]{2,4})(\d{4})(\d{6})([2-9A-HJKMNP-Z])$")


def _check_char(body: str) -> str:
    total = 0
    for index, char in enumerate(body):
        total += (index + 1) * (ALPHABET.index(char) + 1)
    return _CHECK_ALPHABET[total % len(_CHECK_ALPHABET)]


def certificate_number_format(*, province_code: str, category_code: str, year: int, sequence: int) -> str:
    if not re.fullmatch(r"\d{6}", province_code):
        raise ValueError(province_code)
    if not re.fullmatch(r"[A-HJKMNP-Z]{2,4}", category_code):
        raise ValueError(category_code)
    if not 0 < sequence < 1_000_000:
        raise ValueError(sequence)
    prefix = province_code[:2]
    body = f"{prefix}{category_code}{year:04d}{sequence:06d}"
    return f"{prefix}-{category_code}-{year:04d}-{sequence:06d}-{_check_char(body)}"


def certificate_number_normalise(raw: str) -> str | None:
    """The canonical form of a typed or scanned number, or None when it cannot be one of ours."""
    compact = re.sub(r"[\s\-_./]", "", raw.upper()).replace("O", "0").replace("I", "1").replace("L", "1")
    match = _SHAPE.match(compact)
    if match is None:
        return None
    prefix, category, year, sequence, check = match.groups()
    if _check_char(f"{prefix}{category}{year}{sequence}") != check:
        return None
    return f"{prefix}-{category}-{year}-{sequence}-{check}"
