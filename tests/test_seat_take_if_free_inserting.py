"""The booking's last statement (exams.seats.seat_take_if_free_inserting): the seat, the registration and its audit
row in one statement sent with its COMMIT, so the session's row is released when the server has run it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from exams.models import ExamSession, Registration
from exams.seats import seat_take_if_free_inserting
from reviews.models import ReviewState
from reviews.states import review_create_submitted
from tenants.context import province_scope
from tests.support.exams import make_candidate, make_plan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other() -> Iterator[psycopg.Connection[Any]]:
    """A second connection, outside Django: what the rest of the world sees."""
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")}
    with psycopg.connect(**dsn, autocommit=True) as conn:
        yield conn


def _book(setup: Any, candidate: Any) -> Registration:
    registration = Registration(
        applicant=candidate, plan_id=setup.plan.pk, subject_id=setup.subjects[0].pk, session_id=setup.session.pk,
        pledge_accepted_at=timezone.now(), holds_seat=True,
    )
    return review_create_submitted(
        obj=registration, actor=candidate,
        insert=lambda obj, audit: seat_take_if_free_inserting(
            session_id=setup.session.pk, registration=obj, audit=audit),
    )


def _seen(other: psycopg.Connection[Any], schema: str, session_id: int) -> tuple[int, int, int]:
    """(seats taken, registrations, their audit rows) of the session, as another connection sees them."""
    row = other.execute(
        f'SELECT s.seats_taken, (SELECT count(*) FROM "{schema}".exams_registration r WHERE r.session_id = s.id), '
        f'(SELECT count(*) FROM "{schema}".core_auditentry a JOIN "{schema}".exams_registration r '
        "ON a.target_id = r.id::text AND a.target_type = 'exams.registration' WHERE r.session_id = s.id) "
        f'FROM "{schema}".exams_examsession s WHERE s.id = %s', [session_id]).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_the_booking_is_committed_with_its_statement(yunnan: Any, other: psycopg.Connection[Any]) -> None:
    # given a session with a free seat and a candidate
    setup = make_plan(yunnan, capacity=2)
    candidate, _ = make_candidate(yunnan, "commit_first", index=31)
    with province_scope(yunnan):
        with transaction.atomic():
            # when the booking's statement has run, inside the outermost transaction
            registration = _book(setup, candidate)
            # then the rest of the world already sees the seat, the registration and its audit row: the COMMIT
            # went with the statement, so the session's row is no longer locked while this block finishes
            assert _seen(other, yunnan.schema_name, setup.session.pk) == (1, 1, 1)
        # and the objects are what a save would have left
        stored = Registration.objects.get(pk=registration.pk)
        assert (stored.state, stored.stage, stored.holds_seat) == (ReviewState.SUBMITTED, 1, True)
        assert registration._state.adding is False
        audit = AuditEntry.objects.get(target_type="exams.registration", target_id=str(registration.pk))
        assert (audit.action, audit.actor_id, audit.from_state, audit.to_state) == (
            "review_submit", candidate.pk, "draft", "submitted")
        assert audit.data["requestType"] == Registration.REQUEST_TYPE
        # and the connection is usable afterwards, in the province's schema
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 1


def test_a_full_session_writes_nothing(yunnan: Any, other: psycopg.Connection[Any]) -> None:
    # given a session whose only seat is taken
    setup = make_plan(yunnan, capacity=1)
    first, _ = make_candidate(yunnan, "commit_full_a", index=32)
    second, _ = make_candidate(yunnan, "commit_full_b", index=33)
    with province_scope(yunnan):
        with transaction.atomic():
            _book(setup, first)
        # when another booking reaches the statement
        with pytest.raises(DomainError) as caught:
            with transaction.atomic():
                _book(setup, second)
        # then it is refused and nothing of it was written
        assert caught.value.code == ErrorCode.SESSION_FULL
        assert _seen(other, yunnan.schema_name, setup.session.pk) == (1, 1, 1)
        assert not Registration.objects.filter(applicant=second).exists()


def test_a_duplicate_fails_on_its_index_and_takes_no_seat(yunnan: Any, other: psycopg.Connection[Any]) -> None:
    # given a candidate already booked on the session
    setup = make_plan(yunnan, capacity=3)
    candidate, _ = make_candidate(yunnan, "commit_dup", index=34)
    with province_scope(yunnan):
        with transaction.atomic():
            _book(setup, candidate)
        # when the same booking's statement runs again
        with pytest.raises(IntegrityError):
            with transaction.atomic():
                _book(setup, candidate)
        # then the unique index refused it, the seat it took in the same statement was rolled back with it
        assert _seen(other, yunnan.schema_name, setup.session.pk) == (1, 1, 1)
        assert ExamSession.objects.get(pk=setup.session.pk).seats_taken == 1


def test_inside_an_outer_transaction_it_commits_with_the_outer_one(
    yunnan: Any, other: psycopg.Connection[Any]
) -> None:
    # given an outer transaction around the booking
    setup = make_plan(yunnan, capacity=2)
    candidate, _ = make_candidate(yunnan, "commit_outer", index=35)
    with province_scope(yunnan):
        with transaction.atomic():
            with transaction.atomic():
                _book(setup, candidate)
            # then nothing is committed before the outer block is
            assert _seen(other, yunnan.schema_name, setup.session.pk) == (0, 0, 0)
        assert _seen(other, yunnan.schema_name, setup.session.pk) == (1, 1, 1)
