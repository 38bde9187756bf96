"""Calendar rules of certificates (seed 003): renewal from 3 months before expiry to 2 months after it;
a certificate 2 months past expiry without renewal lapses. Months are calendar months, clamped to the
month's last day (31 Aug + 3 months before = 31 May; 30 Nov − 3 months = 30 Aug; 31 Mar + 2 = 31 May)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

RENEWAL_OPENS_MONTHS_BEFORE = 3
RENEWAL_CLOSES_MONTHS_AFTER = 2
RENEWAL_EXTENSION_YEARS = 3


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


@dataclass(frozen=True)
class RenewalWindow:
    opens: date  # first day a renewal may be requested
    closes: date  # last day a renewal may be requested

    def contains(self, today: date) -> bool:
        return self.opens <= today <= self.closes


def renewal_window(valid_until: date) -> RenewalWindow:
    return RenewalWindow(
        opens=add_months(valid_until, -RENEWAL_OPENS_MONTHS_BEFORE),
        closes=add_months(valid_until, RENEWAL_CLOSES_MONTHS_AFTER),
    )


def lapses_on(valid_until: date) -> date:
    """The first day on which an unrenewed certificate is lapsed: the day after the renewal window closes."""
    return date.fromordinal(renewal_window(valid_until).closes.toordinal() + 1)
