from __future__ import annotations

import strawberry

from core.errors import DomainError, ErrorCode
from reviews import services
from reviews.models import ReviewState as _ReviewState
from schema.accounts.auth import require_actor
from schema.base import db_resolver, user_errors
from schema.reviews.types import (
    ReviewAction,
    ReviewBatchItemResult,
    ReviewBatchPayload,
    ReviewDecisionPayload,
    enum_value,
    reviewable_ref,
)


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="Approve at the current stage: the next stage, or final approval at the last.")
    @db_resolver
    def review_approve(
        self, info: strawberry.Info, request_id: strawberry.ID, opinion: str = "",
        expected_version: int | None = None,
    ) -> ReviewDecisionPayload:
        actor = require_actor(info)
        try:
            request_type, pk = reviewable_ref(info, request_id, field="requestId")
            obj = services.review_approve(
                request_type=request_type, request_id=pk, actor=actor, opinion=opinion,
                expected_version=expected_version,
            )
        except DomainError as error:
            return ReviewDecisionPayload(errors=user_errors(error, info))
        return ReviewDecisionPayload(request=obj)  # type: ignore[arg-type]

    @strawberry.mutation(description="Reject with an opinion (required); the applicant may correct and resubmit.")
    @db_resolver
    def review_reject(
        self, info: strawberry.Info, request_id: strawberry.ID, opinion: str,
        expected_version: int | None = None,
    ) -> ReviewDecisionPayload:
        actor = require_actor(info)
        try:
            request_type, pk = reviewable_ref(info, request_id, field="requestId")
            obj = services.review_reject(
                request_type=request_type, request_id=pk, actor=actor, opinion=opinion,
                expected_version=expected_version,
            )
        except DomainError as error:
            return ReviewDecisionPayload(errors=user_errors(error, info))
        return ReviewDecisionPayload(request=obj)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Approve or reject many requests of one type; each has its own result, in the order given."
    )
    @db_resolver
    def review_batch_decide(
        self, info: strawberry.Info, request_ids: list[strawberry.ID],
        action: ReviewAction, opinion: str = "",  # type: ignore[valid-type]
    ) -> ReviewBatchPayload:
        actor = require_actor(info)
        try:
            refs = [reviewable_ref(info, i, field="requestIds") for i in request_ids]
            kinds = {request_type for request_type, _ in refs}
            if len(kinds) != 1:
                raise DomainError(ErrorCode.INVALID_INPUT, field="requestIds")
            results = services.review_batch_decide(
                request_type=kinds.pop(), request_ids=[pk for _, pk in refs], action=enum_value(action) or "",
                actor=actor, opinion=opinion,
            )
        except DomainError as error:
            return ReviewBatchPayload(errors=user_errors(error, info))
        by_pk = {r.request_id: r for r in results}
        items = []
        seen: set[int] = set()
        for given, (_, pk) in zip(request_ids, refs, strict=True):
            if pk in seen:
                continue
            seen.add(pk)
            r = by_pk[pk]
            items.append(ReviewBatchItemResult(
                id=given, ok=r.ok, state=_ReviewState(r.state) if r.state else None,
                errors=user_errors(r.error, info) if r.error else [],
            ))
        ok = sum(1 for r in items if r.ok)
        return ReviewBatchPayload(results=items, succeeded=ok, failed=len(items) - ok)
