"""Live review results for the person concerned, and the review queue for staff.

Events come from the review machinery (any reviewable request: registrations, certificates, enterprises):
topic `user.<id>.reviews` for the applicant, `reviews.queue` for the province's reviewers.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from asgiref.sync import sync_to_async

from accounts.models import STAFF_ROLES
from schema.accounts.auth import require_actor, require_roles
from subscriptions.listen import listen


@strawberry.type(description="A decision (or state change) on one of the caller's own requests.")
class ReviewResultEvent:
    request_type: str
    request_id: strawberry.ID
    state: str
    stage: int
    stages: int
    opinion: str | None
    at: datetime

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> ReviewResultEvent:
        return cls(
            request_type=str(event["requestType"]),
            request_id=strawberry.ID(str(event["requestId"])),
            state=str(event["state"]),
            stage=int(event.get("stage") or 0),
            stages=int(event.get("stages") or 0),
            opinion=event.get("opinion") or None,
            at=datetime.fromisoformat(str(event["at"])),
        )


@strawberry.type(description="A request entering a review queue (submitted, resubmitted, or moved to a stage).")
class ReviewQueuedEvent:
    request_type: str
    request_id: strawberry.ID
    stage: int
    stages: int
    at: datetime

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> ReviewQueuedEvent:
        return cls(
            request_type=str(event["requestType"]),
            request_id=strawberry.ID(str(event["requestId"])),
            stage=int(event.get("stage") or 0),
            stages=int(event.get("stages") or 0),
            at=datetime.fromisoformat(str(event["at"])),
        )


@strawberry.type
class ReviewSubscription:
    @strawberry.subscription(description="Outcomes of the caller's own requests, as reviewers decide.")
    async def my_review_results(
        self, info: strawberry.Info, request_type: str | None = None
    ) -> AsyncGenerator[ReviewResultEvent, None]:
        user = await sync_to_async(require_actor)(info)
        async for event in listen(info, f"user.{user.pk}.reviews"):
            if event.get("kind") != "review_result":
                continue
            if request_type and event.get("requestType") != request_type:
                continue
            yield ReviewResultEvent.from_event(event)

    @strawberry.subscription(description="New work in this province's review queues (staff only).")
    async def review_queue(
        self, info: strawberry.Info, request_type: str | None = None, stage: int | None = None
    ) -> AsyncGenerator[ReviewQueuedEvent, None]:
        await sync_to_async(require_roles)(info, *STAFF_ROLES)
        async for event in listen(info, "reviews.queue"):
            if event.get("kind") != "review_queued":
                continue
            if request_type and event.get("requestType") != request_type:
                continue
            if stage is not None and int(event.get("stage") or 0) != stage:
                continue
            yield ReviewQueuedEvent.from_event(event)
