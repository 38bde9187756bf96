"""The state machine of an application after its review (seed 002 steps 05–08): one table, one function.

    review ──qualified (passenger)──▶ fee_due ──fee_paid──▶ exams ──exams_passed──▶ licence_pending
    review ──qualified (freight)───────────────────────────────────────────────────▶ licence_pending
    licence_pending ──licence_approve──▶ licence_approved ──issue──▶ issued
    licence_pending ──licence_refuse (opinion)──▶ licence_refused

`progress_move` runs inside the caller's transaction on the locked application row: it checks the move,
saves with update_fields, writes the audit row and publishes the timeline event after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, ErrorCode
from core.services import audit_record
from drivers.models import DriverApplication, Progress
from subscriptions.publish import publish_after_commit

P = Progress

PROGRESS_TRANSITIONS: dict[tuple[Progress, str], Progress] = {
    (P.REVIEW, "qualified_passenger"): P.FEE_DUE,
    (P.REVIEW, "qualified_freight"): P.LICENCE_PENDING,
    (P.FEE_DUE, "fee_paid"): P.EXAMS,
    (P.EXAMS, "exams_passed"): P.LICENCE_PENDING,
    (P.LICENCE_PENDING, "licence_approve"): P.LICENCE_APPROVED,
    (P.LICENCE_PENDING, "licence_refuse"): P.LICENCE_REFUSED,
    (P.LICENCE_APPROVED, "issue"): P.ISSUED,
}


def progress_target(progress: Progress | str, event: str) -> Progress:
    target = PROGRESS_TRANSITIONS.get((Progress(progress), event))
    if target is None:
        raise DomainError(ErrorCode.INVALID_STATE_TRANSITION)
    return target


def timeline_publish(application: DriverApplication) -> None:
    """Tell the applicant's timeline watchers (after commit) that their timeline changed."""
    publish_after_commit(
        topic=f"driver_application.{application.pk}",
        event={"kind": "driver_timeline", "applicationId": application.pk, "at": timezone.now().isoformat()},
    )


def progress_move(
    *, application: DriverApplication, event: str, actor: Any | None, opinion: str = "",
    fields: tuple[str, ...] = (),
) -> DriverApplication:
    """Move a locked application (`select_for_update` by the caller, in its transaction) by `event`.

    `fields` are other fields the caller changed on the row, saved with it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("progress_move runs inside the caller's transaction, on a locked row")
    from_progress = Progress(application.progress)
    to_progress = progress_target(from_progress, event)
    application.progress = to_progress
    application.progress_version += 1
    application.save(update_fields=sorted({"progress", "progress_version", "updated_at", *fields}))
    audit_record(
        actor=actor, action=f"driver_{event}", target=application, from_state=from_progress.value,
        to_state=to_progress.value, opinion=opinion,
    )
    timeline_publish(application)
    return application
