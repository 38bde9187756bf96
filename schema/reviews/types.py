from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from reviews.models import Reviewable
from reviews.models import ReviewAction as _ReviewAction
from reviews.models import ReviewState as _ReviewState
from schema.base import UserError

ReviewState = strawberry.enum(_ReviewState, name="ReviewState", description="States of every reviewable request.")
ReviewAction = strawberry.enum(_ReviewAction, name="ReviewAction")


def enum_value(value: object) -> str | None:
    """The string value of a GraphQL enum argument (None stays None)."""
    return None if value is None else str(getattr(value, "value", value))


def query_error(error: DomainError, info: strawberry.Info) -> Exception:
    """A coded failure of a query (e.g. PERMISSION_DENIED) as a top-level error with its code."""
    from graphql import GraphQLError

    from schema.base import language

    return GraphQLError(error.message(language(info)), extensions={"code": ErrorCode(error.code).value})


@strawberry.type(name="ReviewItem", description="A reviewable request in a reviewer's queue.")
class ReviewItemType:
    request_type: str
    id: strawberry.ID
    state: ReviewState  # type: ignore[valid-type]
    state_label: str
    stage: int
    stages: int
    applicant_username: str
    applicant_name: str
    summary: str
    submitted_at: datetime | None
    decided_at: datetime | None
    opinion: str
    version: int

    @classmethod
    def from_model(cls, obj: Reviewable) -> ReviewItemType:
        applicant: Any = obj.applicant
        return cls(
            request_type=type(obj).REQUEST_TYPE,
            id=strawberry.ID(str(obj.pk)),
            state=_ReviewState(obj.state),
            state_label=_ReviewState(obj.state).label,
            stage=obj.stage,
            stages=obj.stages,
            applicant_username=applicant.username,
            applicant_name=applicant.real_name or applicant.username,
            summary=obj.review_summary(),
            submitted_at=obj.submitted_at,
            decided_at=obj.decided_at,
            opinion=obj.opinion,
            version=obj.version,
        )


@strawberry.type(name="AuditEntry", description="One recorded action: who, when, from which state to which.")
class AuditEntryType:
    at: datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    opinion: str
    data: strawberry.scalars.JSON

    @classmethod
    def from_model(cls, entry: AuditEntry) -> AuditEntryType:
        return cls(
            at=entry.at, actor=entry.actor_label, action=entry.action, from_state=entry.from_state,
            to_state=entry.to_state, opinion=entry.opinion, data=entry.data,
        )


@strawberry.type
class ReviewDecisionPayload:
    item: ReviewItemType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReviewBatchItemResult:
    id: strawberry.ID
    ok: bool
    state: ReviewState | None = None  # type: ignore[valid-type]
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReviewBatchPayload:
    results: list[ReviewBatchItemResult] = strawberry.field(default_factory=list)
    succeeded: int = 0
    failed: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)
