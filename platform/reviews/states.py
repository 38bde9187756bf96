"""The one state machine of every reviewable request: one table, one function that makes a move.

`review_transition` locks the request's row (SELECT … FOR UPDATE), checks the move against
`TRANSITIONS` on the *locked* state (so a withdraw and an approval racing each other cannot both win: the
second one sees the first one's result), lets the concrete type apply its side effects, saves with
`update_fields`, writes the audit row in the same transaction and queues the live events for after the
commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from core.services import audit_entry_build, audit_record
from reviews.models import Reviewable, ReviewAction, ReviewState
from subscriptions.publish import publish_after_commit

R = TypeVar("R", bound=Reviewable)

S = ReviewState
A = ReviewAction

# (state, action) → new state. APPROVE's target is UNDER_REVIEW (next stage) unless the request is at its
# last stage, where it becomes APPROVED (see `target_state`).
TRANSITIONS: dict[tuple[ReviewState, ReviewAction], ReviewState] = {
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.DRAFT, A.WITHDRAW): S.WITHDRAWN,  # discarding a draft
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,  # only while no reviewer acted in this round
    (S.SUBMITTED, A.APPROVE): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, A.APPROVE): S.UNDER_REVIEW,
    (S.SUBMITTED, A.REJECT): S.REJECTED,
    (S.UNDER_REVIEW, A.REJECT): S.REJECTED,
    (S.REJECTED, A.RESUBMIT): S.SUBMITTED,  # after correcting what the opinion asked for
    (S.SUBMITTED, A.EXPIRE): S.EXPIRED,  # nobody reviewed it before the deadline
    (S.UNDER_REVIEW, A.EXPIRE): S.EXPIRED,
}

# Refusals with a more specific code than INVALID_STATE_TRANSITION.
REFUSALS: dict[tuple[ReviewState, ReviewAction], ErrorCode] = {
    (S.UNDER_REVIEW, A.WITHDRAW): ErrorCode.REVIEWER_ALREADY_ACTED,
    (S.APPROVED, A.WITHDRAW): ErrorCode.REVIEWER_ALREADY_ACTED,
    (S.REJECTED, A.WITHDRAW): ErrorCode.REVIEWER_ALREADY_ACTED,
}

APPLICANT_ACTIONS = frozenset({A.SUBMIT, A.RESUBMIT, A.WITHDRAW})
REVIEWER_ACTIONS = frozenset({A.APPROVE, A.REJECT})
# The states that put a request into a reviewer's queue (a `review_queued` event).
QUEUED_STATES = frozenset({S.SUBMITTED, S.UNDER_REVIEW})


@dataclass(frozen=True)
class Transition:
    action: ReviewAction
    from_state: ReviewState
    to_state: ReviewState
    from_stage: int
    to_stage: int
    stages: int
    opinion: str


def target_state(state: ReviewState, action: ReviewAction, *, stage: int, stages: int) -> ReviewState:
    """The state `action` leads to from `state`, or a DomainError with the code that refuses it."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise DomainError(REFUSALS.get((state, action), ErrorCode.INVALID_STATE_TRANSITION))
    if action == A.APPROVE and stage >= stages:
        return S.APPROVED
    return target


def _check_actor(obj: Reviewable, action: ReviewAction, actor: Any | None, state: ReviewState) -> None:
    if action == A.EXPIRE:
        if actor is not None and not actor.has_role(Role.PROVINCE_ADMIN):
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if action in APPLICANT_ACTIONS:
        if actor.pk != obj.applicant_id:
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        return
    # A reviewer acts at the stage the request waits at; nobody reviews their own request.
    roles = obj.stage_roles(obj.stage) if state in QUEUED_STATES else tuple(obj.reviewer_roles())
    if actor.pk == obj.applicant_id or not actor.has_role(*roles):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if state in QUEUED_STATES and not obj.may_decide(actor=actor, stage=obj.stage):
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def review_transition(
    *,
    obj: R,
    action: ReviewAction | str,
    actor: Any | None,
    opinion: str = "",
    expected_version: int | None = None,
) -> R:
    """Make `action` on the reviewable `obj`; returns the fresh, saved row. Refusals change nothing."""
    action = ReviewAction(action)
    opinion = (opinion or "").strip()
    model = type(obj)
    with transaction.atomic():  # nested in a caller's transaction: a savepoint, so a refusal keeps it usable
        locked = model.objects.select_for_update().get(pk=obj.pk)  # type: ignore[attr-defined]
        from_state = ReviewState(locked.state)
        _check_actor(locked, action, actor, from_state)
        if expected_version is not None and expected_version != locked.version:
            raise DomainError(ErrorCode.CONCURRENT_UPDATE)
        to_state = target_state(from_state, action, stage=locked.stage, stages=locked.stages)
        if action == A.REJECT and not opinion:
            raise DomainError(ErrorCode.OPINION_REQUIRED, field="opinion")
        if len(opinion) > 2000:
            raise DomainError(ErrorCode.INVALID_INPUT, field="opinion")

        now = timezone.now()
        from_stage = locked.stage
        fields = {"state", "stage", "version", "updated_at"}
        if action in (A.SUBMIT, A.RESUBMIT):
            locked.stage = 1
            locked.stages = model.default_stages()
            locked.submitted_at = now
            locked.decided_at = None
            locked.decided_by = None
            locked.opinion = ""
            fields |= {"stages", "submitted_at", "decided_at", "decided_by", "opinion"}
        elif action == A.APPROVE:
            if to_state == S.UNDER_REVIEW:
                locked.stage = from_stage + 1
            locked.opinion = opinion
            fields.add("opinion")
            if to_state == S.APPROVED:
                locked.decided_at = now
                locked.decided_by = actor
                fields |= {"decided_at", "decided_by"}
        elif action in (A.REJECT, A.EXPIRE):
            locked.opinion = opinion
            locked.decided_at = now
            locked.decided_by = actor
            fields |= {"opinion", "decided_at", "decided_by"}
        transition = Transition(
            action=action,
            from_state=from_state,
            to_state=to_state,
            from_stage=from_stage,
            to_stage=locked.stage,
            stages=locked.stages,
            opinion=opinion,
        )
        fields |= set(locked.on_review_transition(transition=transition, actor=actor))
        locked.state = to_state
        locked.version += 1
        locked.save(update_fields=sorted(fields))
        audit_record(
            actor=actor,
            action=f"review_{action.value}",
            target=locked,
            from_state=from_state.value,
            to_state=to_state.value,
            opinion=opinion,
            data={
                "requestType": model.REQUEST_TYPE,
                "fromStage": from_stage,
                "stage": locked.stage,
                "stages": locked.stages,
            },
        )
        _publish(locked, to_state=to_state, at=now.isoformat())
    return locked


def review_create_submitted(
    *, obj: R, actor: Any, insert: Callable[[R, AuditEntry], object] | None = None
) -> R:
    """Create `obj` (unsaved) already submitted: the move DRAFT → SUBMITTED of `review_transition` for a request
    that never existed as a draft, in one INSERT (no row to lock yet). Same fields, same audit row
    (`review_submit`, draft → submitted), same events after commit. The caller runs it inside its transaction
    and applies the type's own side effects of the submission itself.

    `insert`, when given, writes the row and its audit row itself (the booking: both in the one statement that
    takes the seat, exams.seats.seat_take_if_free_inserting) and raises if it cannot; by default they are two
    INSERTs here.
    """
    model = type(obj)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("review_create_submitted runs inside the caller's transaction")
    _check_actor(obj, A.SUBMIT, actor, S.DRAFT)
    to_state = target_state(S.DRAFT, A.SUBMIT, stage=0, stages=obj.stages)
    now = timezone.now()
    obj.stage = 1
    obj.stages = model.default_stages()
    obj.submitted_at = now
    obj.decided_at = None
    obj.decided_by = None
    obj.opinion = ""
    obj.state = to_state
    obj.version += 1
    audit = audit_entry_build(
        actor=actor,
        action=f"review_{A.SUBMIT.value}",
        target=obj,
        from_state=S.DRAFT.value,
        to_state=to_state.value,
        data={"requestType": model.REQUEST_TYPE, "fromStage": 0, "stage": obj.stage, "stages": obj.stages},
    )
    if insert is None:
        obj.save(force_insert=True)
        audit.target_id = str(obj.pk)
        audit.save(force_insert=True)
    else:
        insert(obj, audit)
    _publish(obj, to_state=to_state, at=now.isoformat())
    return obj


def _publish(obj: Reviewable, *, to_state: ReviewState, at: str) -> None:
    request_type = type(obj).REQUEST_TYPE
    publish_after_commit(
        topic=f"user.{obj.applicant_id}.reviews",
        event={
            "kind": "review_result",
            "requestType": request_type,
            "requestId": obj.pk,
            "state": to_state.value,
            "stage": obj.stage,
            "stages": obj.stages,
            "opinion": obj.opinion,
            "at": at,
        },
    )
    if to_state in QUEUED_STATES:
        publish_after_commit(
            topic="reviews.queue",
            event={
                "kind": "review_queued",
                "requestType": request_type,
                "requestId": obj.pk,
                "stage": obj.stage,
                "stages": obj.stages,
                "at": at,
            },
        )
