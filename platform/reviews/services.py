"""Reviewer decisions on any reviewable request type, one by one or in batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import DomainError, ErrorCode
from reviews.models import Reviewable, ReviewAction
from reviews.registry import reviewable_model
from reviews.states import review_transition


def _load(request_type: str, request_id: int) -> Reviewable:
    model = reviewable_model(request_type)
    obj: Reviewable | None = model._default_manager.filter(pk=request_id).first()
    if obj is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return obj


def review_approve(
    *, request_type: str, request_id: int, actor: Any, opinion: str = "", expected_version: int | None = None
) -> Reviewable:
    """Approve at the request's current stage: to the next stage, or final approval at the last one."""
    return review_transition(
        obj=_load(request_type, request_id), action=ReviewAction.APPROVE, actor=actor, opinion=opinion,
        expected_version=expected_version,
    )


def review_reject(
    *, request_type: str, request_id: int, actor: Any, opinion: str, expected_version: int | None = None
) -> Reviewable:
    """Reject with the reviewer's opinion (required); the applicant may correct and resubmit."""
    return review_transition(
        obj=_load(request_type, request_id), action=ReviewAction.REJECT, actor=actor, opinion=opinion,
        expected_version=expected_version,
    )


@dataclass(frozen=True)
class BatchItemResult:
    request_id: int
    ok: bool
    state: str | None = None
    error: DomainError | None = None


MAX_BATCH = 200


def review_batch_decide(
    *, request_type: str, request_ids: Sequence[int], action: str, actor: Any, opinion: str = ""
) -> list[BatchItemResult]:
    """Approve or reject many requests: each in its own transaction, each with its own result."""
    if action not in (ReviewAction.APPROVE, ReviewAction.REJECT):
        raise DomainError(ErrorCode.INVALID_INPUT, field="action")
    if not request_ids or len(request_ids) > MAX_BATCH:
        raise DomainError(ErrorCode.INVALID_INPUT, field="ids")
    reviewable_model(request_type)
    results: list[BatchItemResult] = []
    for request_id in dict.fromkeys(request_ids):  # each id once, in the given order
        try:
            obj = review_transition(obj=_load(request_type, request_id), action=action, actor=actor, opinion=opinion)
        except DomainError as error:
            results.append(BatchItemResult(request_id=request_id, ok=False, error=error))
        else:
            results.append(BatchItemResult(request_id=request_id, ok=True, state=obj.state))
    return results
