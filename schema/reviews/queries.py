from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry_django.relay import DjangoListConnection

from accounts.models import STAFF_ROLES
from core.errors import DomainError
from core.models import AuditEntry
from reviews import selectors
from reviews.registry import request_types
from schema.accounts.auth import require_roles
from schema.base import coded_error
from schema.reviews.types import AuditEntryType, ReviewableType, ReviewState, enum_value, reviewable_ref


@strawberry.type
class ReviewQuery:
    @strawberry.field(description="Request types the review machinery knows (registration, …).")
    def review_request_types(self) -> list[str]:
        return request_types()

    @strawberry_django.connection(
        DjangoListConnection[ReviewableType],
        description="A reviewer's queue, oldest submission first. Without `state`: pending requests at the stages "
        "the caller may decide. Filters: stage, submission date range (inclusive days), free-text search. Each "
        "node is the request itself (`... on Registration { plan { name } }`) with its `applicant`.",
    )
    def review_queue(
        self,
        info: strawberry.Info,
        request_type: str,
        state: ReviewState | None = None,  # type: ignore[valid-type]
        stage: int | None = None,
        submitted_from: date | None = None,
        submitted_to: date | None = None,
        search: str | None = None,
    ) -> QuerySet[Any]:
        actor = require_roles(info, *STAFF_ROLES)
        try:
            return selectors.review_queue(
                actor=actor, request_type=request_type, state=enum_value(state), stage=stage,
                submitted_from=submitted_from, submitted_to=submitted_to, search=search,
            )
        except DomainError as error:
            raise coded_error(info, error) from error

    @strawberry_django.connection(
        DjangoListConnection[AuditEntryType],
        description="Every transition of one request (who, when, from, to, opinion), oldest first: staff only.",
    )
    def review_history(self, info: strawberry.Info, request_id: strawberry.ID) -> QuerySet[AuditEntry]:
        actor = require_roles(info, *STAFF_ROLES)
        try:
            request_type, pk = reviewable_ref(info, request_id, field="requestId")
            return selectors.review_history(actor=actor, request_type=request_type, request_id=pk)
        except DomainError as error:
            raise coded_error(info, error) from error
