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
    ReviewItemType,
    enum_value,
)


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(description="Approve at the current stage: the next stage, or final approval at the last.")
    @db_resolver
    def review_approve(
        self, info: strawberry.Info, request_type: str, request_id: strawberry.ID, opinion: str = "",
        expected_version: int | None = None,
    ) -> ReviewDecisionPayload:
        actor = require_actor(info)
        try:
            obj = services.review_approve(
                request_type=request_type, request_id=int(request_id), actor=actor, opinion=opinion,
                expected_version=expected_version,
            )
        except DomainError as error:
            return ReviewDecisionPayload(errors=user_errors(error, info))
        return ReviewDecisionPayload(item=ReviewItemType.from_model(obj))

    @strawberry.mutation(description="Reject with an opinion (required); the applicant may correct and resubmit.")
    @db_resolver
    def review_reject(
        self, info: strawberry.Info, request_type: str, request_id: strawberry.ID, opinion: str,
        expected_version: int | None = None,
    ) -> ReviewDecisionPayload:
        actor = require_actor(info)
        try:
            obj = services.review_reject(
                request_type=request_type, request_id=int(request_id), actor=actor, opinion=opinion,
                expected_version=expected_version,
            )
        except DomainError as error:
            return ReviewDecisionPayload(errors=user_errors(error, info))
        return ReviewDecisionPayload(item=ReviewItemType.from_model(obj))

    @strawberry.mutation(description="Approve or reject many requests; each has its own result.")
    @db_resolver
    def review_batch_decide(
        self, info: strawberry.Info, request_type: str, request_ids: list[strawberry.ID],
        action: ReviewAction, opinion: str = "",  # type: ignore[valid-type]
    ) -> ReviewBatchPayload:
        actor = require_actor(info)
        try:
            ids = [int(i) for i in request_ids]
        except ValueError:
            return ReviewBatchPayload(errors=user_errors(DomainError(ErrorCode.INVALID_INPUT, field="ids"), info))
        try:
            results = services.review_batch_decide(
                request_type=request_type, request_ids=ids, action=enum_value(action) or "", actor=actor,
                opinion=opinion,
            )
        except DomainError as error:
            return ReviewBatchPayload(errors=user_errors(error, info))
        items = [
            ReviewBatchItemResult(
                id=strawberry.ID(str(r.request_id)), ok=r.ok, state=_ReviewState(r.state) if r.state else None,
                errors=user_errors(r.error, info) if r.error else [],
            )
            for r in results
        ]
        ok = sum(1 for r in results if r.ok)
        return ReviewBatchPayload(results=items, succeeded=ok, failed=len(results) - ok)
