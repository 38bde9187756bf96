"""Exam fees of the passenger driver qualification (seed 002), in exact decimal yuan.

133 yuan covers theory and practical with two attempts each (theory 51 + practical 82). From the third
attempt of a subject on (the third included), each retake costs half of that subject's fee: theory 25.5,
practical 41.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from drivers.models import ExamSubject

CENT = Decimal("0.01")
SUBJECT_FEES: dict[str, Decimal] = {ExamSubject.THEORY: Decimal("51.00"), ExamSubject.PRACTICAL: Decimal("82.00")}
INCLUDED_ATTEMPTS = 2  # per subject, in the initial fee


def initial_fee() -> Decimal:
    return sum(SUBJECT_FEES.values(), Decimal("0")).quantize(CENT)


def retake_fee(subject: str) -> Decimal:
    """Half the subject's fee, exactly (25.50 / 41.00)."""
    return (SUBJECT_FEES[subject] / 2).quantize(CENT, rounding=ROUND_HALF_UP)


def attempt_fee(subject: str, attempt: int) -> Decimal:
    """What attempt number `attempt` (1-based) of `subject` costs on its own: 0 when included in the initial fee."""
    return Decimal("0.00") if attempt <= INCLUDED_ATTEMPTS else retake_fee(subject)
