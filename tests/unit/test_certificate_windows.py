"""Renewal window (3 months before expiry to 2 months after) and lapse day, at each boundary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from certificates.windows import add_months, lapses_on, renewal_window

EXPIRY = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (date(2026, 3, 29), False),  # the day before the window opens
        (date(2026, 3, 30), True),  # the first day
        (date(2026, 8, 30), True),  # the last day
        (date(2026, 8, 31), False),  # the day after
    ],
)
def test_renewal_window_boundaries(day: date, inside: bool) -> None:
    window = renewal_window(EXPIRY)
    assert (window.opens, window.closes) == (date(2026, 3, 30), date(2026, 8, 30))
    assert window.contains(day) is inside


def test_lapse_starts_the_day_after_the_window_closes() -> None:
    assert lapses_on(EXPIRY) == date(2026, 8, 31)
    assert lapses_on(EXPIRY) - renewal_window(EXPIRY).closes == timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 8, 31), -3, date(2026, 5, 31)),
        (date(2026, 11, 30), -3, date(2026, 8, 30)),
        (date(2026, 3, 31), 2, date(2026, 5, 31)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_calendar_months_clamp_to_the_last_day(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected
