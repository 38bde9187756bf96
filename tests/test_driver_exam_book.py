"""driver_exam_book (预约考试, seed 002): a paid, unused attempt of the slot's subject; a no-show uses an attempt
and needs a new booking; 80 passes; the third attempt needs the retake fee (theory 25.50); both subjects
passed → licence approval. The slot's booked counter is never oversold, under real parallel threads."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from accounts.models import Role
from core.errors import DomainError, ErrorCode
from drivers.models import ExamBooking, ExamSlot, PaymentOrder, Progress
from drivers.services import (
    driver_exam_book,
    driver_exam_slot_create,
    driver_no_show_record,
    driver_payment_order_create,
    driver_score_record,
)
from tenants.context import province_scope
from tests.support.drivers import pay, qualified_passenger, soon, staff


def _slot(tenant: Any, admin: Any, subject: str, capacity: int = 30) -> ExamSlot:
    with province_scope(tenant):
        return driver_exam_slot_create(
            actor=admin, subject=subject, site_name=f"郑州{subject}考点", address="郑州市", starts_at=soon(),
            ends_at=soon(52), capacity=capacity,
        )


def _code(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return str(caught.value.code)


@pytest.mark.django_db
def test_attempts_no_show_retake_fee_and_passing(yunnan: Any, storage_root: Path) -> None:
    admin, _ = staff(yunnan, "drv_exam_admin", Role.EXAM_ADMIN)
    user, _, application = qualified_passenger(yunnan, "drv_attempts")
    theory, practical = _slot(yunnan, admin, "theory"), _slot(yunnan, admin, "practical")
    held = theory.starts_at + timedelta(hours=1)  # scores and no-shows are recorded once the slot has started

    def book(slot: ExamSlot) -> ExamBooking:
        with province_scope(yunnan):
            return driver_exam_book(actor=user, application_id=application.pk, slot_id=slot.pk)

    with province_scope(yunnan):
        assert _code(lambda: book(theory)) == ErrorCode.INVALID_STATE_TRANSITION  # not paid yet
    pay(yunnan, user, application)
    first = book(theory)
    assert first.attempt == 1
    with province_scope(yunnan):
        assert _code(lambda: book(theory)) == ErrorCode.EXAM_ALREADY_BOOKED
        not_held = _code(lambda: driver_score_record(actor=admin, booking_id=first.pk, score=Decimal("79")))
        assert not_held == ErrorCode.SCORE_INVALID
        failed = driver_score_record(actor=admin, booking_id=first.pk, score=Decimal("79.5"), now=held)
    assert failed.passed is False  # 80 passes
    second = book(theory)
    with province_scope(yunnan):
        assert _code(lambda: driver_score_record(actor=user, booking_id=second.pk, score=Decimal("90"), now=held)) == (
            ErrorCode.PERMISSION_DENIED)
        no_show = driver_no_show_record(actor=admin, booking_id=second.pk, now=held)
        assert no_show.status == ExamBooking.Status.NO_SHOW
        application.refresh_from_db()
        assert (application.theory_attempts_paid, application.theory_attempts_used) == (2, 2)
        with pytest.raises(DomainError) as caught:
            book(theory)
        assert caught.value.code == ErrorCode.EXAM_ATTEMPT_NOT_PAID
        assert caught.value.params == {"subject": "theory", "retakeFee": "25.50"}
        retake = driver_payment_order_create(actor=user, application_id=application.pk)
    assert (retake.kind, retake.amount, retake.theory_attempts, retake.practical_attempts) == (
        PaymentOrder.Kind.RETAKE, Decimal("25.50"), 1, 0)
    pay(yunnan, user, application)
    third = book(theory)
    assert third.attempt == 3
    with province_scope(yunnan):
        assert _code(lambda: driver_payment_order_create(actor=user, application_id=application.pk)) == (
            ErrorCode.FEE_ALREADY_PAID)  # the third attempt is paid and unused
        driver_score_record(actor=admin, booking_id=third.pk, score=Decimal("80"), now=held)
        assert _code(lambda: book(theory)) == ErrorCode.EXAM_SUBJECT_PASSED
    fourth = book(practical)
    with province_scope(yunnan):
        driver_score_record(actor=admin, booking_id=fourth.pk, score=Decimal("85"), now=held)
        application.refresh_from_db()
    assert application.progress == Progress.LICENCE_PENDING
    assert (application.theory_attempts_used, application.practical_attempts_used) == (3, 1)


@pytest.mark.django_db
def test_the_check_constraint_backs_the_counter(yunnan: Any) -> None:
    admin, _ = staff(yunnan, "drv_check_admin", Role.EXAM_ADMIN)
    slot = _slot(yunnan, admin, "theory", capacity=1)
    with province_scope(yunnan), pytest.raises(IntegrityError), transaction.atomic():
        ExamSlot.objects.filter(pk=slot.pk).update(booked=2)


@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_never_overbook(yunnan: Any, storage_root: Path) -> None:
    # given 8 paid applicants and a slot of 3 places
    admin, _ = staff(yunnan, "drv_race_admin", Role.EXAM_ADMIN)
    slot = _slot(yunnan, admin, "theory", capacity=3)
    applicants = []
    for i in range(8):
        user, _, application = qualified_passenger(yunnan, f"drv_race_{i}")
        pay(yunnan, user, application)
        applicants.append((user, application))
    barrier = threading.Barrier(len(applicants))

    def book(pair: tuple[Any, Any]) -> str:
        user, application = pair
        try:
            with province_scope(yunnan):
                barrier.wait()
                driver_exam_book(actor=user, application_id=application.pk, slot_id=slot.pk)
            return "booked"
        except DomainError as error:
            return str(error.code)
        finally:
            connections.close_all()

    # when all of them book at the same moment, each on its own thread and database connection
    with ThreadPoolExecutor(max_workers=len(applicants)) as pool:
        outcomes = Counter(pool.map(book, applicants))

    # then exactly 3 are booked and the rest are told the slot is full
    assert outcomes == Counter({"booked": 3, "EXAM_SLOT_FULL": 5})
    with province_scope(yunnan):
        slot.refresh_from_db()
        assert (slot.booked, slot.version) == (3, 3)
        assert ExamBooking.objects.filter(slot=slot).count() == 3
    connection.close()
