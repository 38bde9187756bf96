"""The review state machine, pair by pair: every state × every action, on a real reviewable (registration).

Allowed moves succeed, move the seat counter as they should, write one audit row and queue their events;
every other pair is refused with its code and changes nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from exams.models import ExamSession, Registration
from reviews.models import ReviewAction, ReviewState
from reviews.states import review_transition
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate, make_plan

pytestmark = pytest.mark.django_db

S, A = ReviewState, ReviewAction

# What the platform promises (written independently of reviews.states.TRANSITIONS).
ALLOWED: dict[tuple[ReviewState, ReviewAction], tuple[ReviewState, int]] = {
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, 1),
    (S.DRAFT, A.WITHDRAW): (S.WITHDRAWN, 0),
    (S.SUBMITTED, A.WITHDRAW): (S.WITHDRAWN, 1),
    (S.SUBMITTED, A.APPROVE): (S.UNDER_REVIEW, 2),
    (S.SUBMITTED, A.REJECT): (S.REJECTED, 1),
    (S.SUBMITTED, A.EXPIRE): (S.EXPIRED, 1),
    (S.UNDER_REVIEW, A.APPROVE): (S.APPROVED, 2),
    (S.UNDER_REVIEW, A.REJECT): (S.REJECTED, 2),
    (S.UNDER_REVIEW, A.EXPIRE): (S.EXPIRED, 2),
    (S.REJECTED, A.RESUBMIT): (S.SUBMITTED, 1),
}
SPECIFIC: dict[tuple[ReviewState, ReviewAction], ErrorCode] = {
    (S.UNDER_REVIEW, A.WITHDRAW): ErrorCode.REVIEWER_ALREADY_ACTED,
    (S.APPROVED, A.WITHDRAW): ErrorCode.REVIEWER_ALREADY_ACTED,
    (S.REJECTED, A.WITHDRAW): ErrorCode.REVIEWER_ALREADY_ACTED,
}
HOLDS_SEAT = {S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED}
STAGE_OF = {S.DRAFT: 0, S.SUBMITTED: 1, S.UNDER_REVIEW: 2, S.APPROVED: 2, S.REJECTED: 1, S.WITHDRAWN: 1, S.EXPIRED: 1}


def _in_state(setup: Any, applicant: User, state: ReviewState) -> Registration:
    """A registration of `applicant` put into `state` directly, with the seat counter to match."""
    registration = Registration.objects.create(
        applicant=applicant, plan=setup.plan, subject=setup.subjects[0], session=setup.session,
        pledge_accepted_at=timezone.now(), state=state, stage=STAGE_OF[state], stages=2,
        holds_seat=state in HOLDS_SEAT, submitted_at=None if state == S.DRAFT else timezone.now(),
        opinion="材料不全" if state == S.REJECTED else "",
        seat_number=1 if state == S.APPROVED else None,
    )
    if state in HOLDS_SEAT:
        ExamSession.objects.filter(pk=setup.session.pk).update(seats_taken=1)
    return registration


def _snapshot(registration: Registration) -> tuple[Any, ...]:
    fresh = Registration.objects.get(pk=registration.pk)
    session = ExamSession.objects.get(pk=fresh.session_id)
    audits = AuditEntry.objects.filter(target_id=str(fresh.pk), target_type="exams.registration").count()
    return (fresh.state, fresh.stage, fresh.version, fresh.opinion, fresh.holds_seat, fresh.seat_number,
            session.seats_taken, session.seats_version, audits)


@pytest.mark.parametrize("action", list(ReviewAction))
@pytest.mark.parametrize("state", list(ReviewState))
def test_every_state_and_action(
    yunnan: Any, state: ReviewState, action: ReviewAction, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given a registration in `state` and the actor that may attempt `action`
    setup = make_plan(yunnan, capacity=5)
    candidate, _ = make_candidate(yunnan, "matrix_cand", index=1)
    reviewer, _ = make_account(
        yunnan, username="matrix_rev", roles=[Role.SITE_REVIEWER, Role.EXAM_ADMIN], kind=User.Kind.STAFF
    )
    with province_scope(yunnan):
        registration = _in_state(setup, candidate, state)
        actor: User | None = {
            A.SUBMIT: candidate, A.RESUBMIT: candidate, A.WITHDRAW: candidate,
            A.APPROVE: reviewer, A.REJECT: reviewer, A.EXPIRE: None,
        }[action]
        before = _snapshot(registration)

        # when the action is attempted
        with django_capture_on_commit_callbacks() as callbacks:
            try:
                result: Registration | DomainError = review_transition(
                    obj=registration, action=action, actor=actor, opinion="意见" if action == A.REJECT else ""
                )
            except DomainError as error:
                result = error

        # then allowed moves succeed, the rest are refused with their code and change nothing
        if (state, action) in ALLOWED:
            assert isinstance(result, Registration), result
            to_state, to_stage = ALLOWED[(state, action)]
            assert (result.state, result.stage, result.version) == (to_state, to_stage, 1)
            after = _snapshot(registration)
            assert after[-1] == before[-1] + 1
            entry = AuditEntry.objects.filter(target_id=str(registration.pk)).order_by("-id").first()
            assert entry is not None
            assert (entry.action, entry.from_state, entry.to_state) == (f"review_{action}", state, to_state)
            assert entry.actor_id == (actor.pk if actor else None)
            expected_taken = 1 if to_state in HOLDS_SEAT else 0
            assert after[6] == expected_taken
            assert Registration.objects.get(pk=registration.pk).holds_seat == (to_state in HOLDS_SEAT)
            if to_state == S.APPROVED:
                assert result.seat_number is not None and result.ticket_number
            events = [cb.args for cb in callbacks if getattr(cb, "args", None)]
            groups = [group for group, _ in events]
            assert f"yunnan.user.{candidate.pk}.reviews" in groups
            review_event = next(e for g, e in events if g == f"yunnan.user.{candidate.pk}.reviews")
            assert review_event["kind"] == "review_result"
            assert review_event["state"] == to_state.value
            assert (review_event["requestType"], review_event["requestId"]) == ("registration", registration.pk)
            assert ("yunnan.reviews.queue" in groups) == (to_state in (S.SUBMITTED, S.UNDER_REVIEW))
            seat_moved = (state in HOLDS_SEAT) != (to_state in HOLDS_SEAT)
            assert (f"yunnan.exam_session.{setup.session.pk}" in groups) == seat_moved
        else:
            assert isinstance(result, DomainError)
            assert result.code == SPECIFIC.get((state, action), ErrorCode.INVALID_STATE_TRANSITION)
            assert _snapshot(registration) == before
            assert not callbacks


def test_reject_without_opinion_is_refused_and_changes_nothing(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    candidate, _ = make_candidate(yunnan, "op_cand", index=2)
    reviewer, _ = make_account(yunnan, username="op_rev", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        registration = _in_state(setup, candidate, S.SUBMITTED)
        before = _snapshot(registration)
        with pytest.raises(DomainError) as caught:
            review_transition(obj=registration, action=A.REJECT, actor=reviewer, opinion="   ")
        assert caught.value.code == ErrorCode.OPINION_REQUIRED
        assert _snapshot(registration) == before


def test_only_the_stage_reviewer_decides_and_only_the_applicant_withdraws(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    candidate, _ = make_candidate(yunnan, "perm_cand", index=3)
    other, _ = make_candidate(yunnan, "perm_other", index=4)
    exam_admin, _ = make_account(yunnan, username="perm_exam", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        registration = _in_state(setup, candidate, S.SUBMITTED)
        before = _snapshot(registration)
        for actor, action in ((exam_admin, A.APPROVE), (other, A.WITHDRAW), (candidate, A.APPROVE)):
            with pytest.raises(DomainError) as caught:
                review_transition(obj=registration, action=action, actor=actor)
            assert caught.value.code == ErrorCode.PERMISSION_DENIED
        assert _snapshot(registration) == before


def test_a_stale_version_is_refused(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    candidate, _ = make_candidate(yunnan, "ver_cand", index=5)
    reviewer, _ = make_account(yunnan, username="ver_rev", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        registration = _in_state(setup, candidate, S.SUBMITTED)
        with pytest.raises(DomainError) as caught:
            review_transition(obj=registration, action=A.APPROVE, actor=reviewer, expected_version=7)
        assert caught.value.code == ErrorCode.CONCURRENT_UPDATE
        done = review_transition(obj=registration, action=A.APPROVE, actor=reviewer, expected_version=0)
        assert (done.state, done.stage, done.version) == (S.UNDER_REVIEW, 2, 1)
