"""Profiles for tests: valid mainland ID numbers and complete profiles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.identity import id_number_check_digit


def mainland_id(*, region: str = "530102", birth: date = date(1990, 1, 1), sequence: str = "123") -> str:
    """A valid GB 11643 number; the sequence's last digit gives the gender (odd: male)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + id_number_check_digit(first17)


def stored_files(root: Path) -> list[Path]:
    """Every file under the storage root (temporaries included)."""
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
