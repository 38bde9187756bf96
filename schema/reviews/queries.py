from __future__ import annotations

from datetime import date

import strawberry

from accounts.models import STAFF_ROLES
from core.errors import DomainError
from reviews import selectors
from reviews.registry import request_types
from schema.accounts.auth import require_roles
from schema.base import Page, db_resolver, paginate
from schema.reviews.types import AuditEntryType, ReviewItemType, ReviewState, enum_value, query_error


@strawberry.type
class ReviewQuery:
    @strawberry.field(description="Request types the review machinery knows (registration, …).")
    def review_request_types(self) -> list[str]:
        return request_types()

    @strawberry.field(
        description="A reviewer's queue. Without `state`: pending requests at the stages the caller may decide. "
        "Filters: stage, submission date range (inclusive days), free-text search."
    )
    @db_resolver
    def review_queue(
        self,
        info: strawberry.Info,
        request_type: str,
        state: ReviewState | None = None,  # type: ignore[valid-type]
        stage: int | None = None,
        submitted_from: date | None = None,
        submitted_to: date | None = None,
        search: str | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> Page[ReviewItemType]:
        actor = require_roles(info, *STAFF_ROLES)
        try:
            found = selectors.review_queue(
                actor=actor, request_type=request_type, state=enum_value(state), stage=stage,
                submitted_from=submitted_from, submitted_to=submitted_to, search=search,
            )
        except DomainError as error:
            raise query_error(error, info) from error
        page = paginate(found, offset=offset, limit=limit)
        page["items"] = [ReviewItemType.from_model(obj) for obj in page["items"]]
        return Page[ReviewItemType](**page)

    @strawberry.field(description="Every transition of one request (who, when, from, to, opinion): staff only.")
    @db_resolver
    def review_history(
        self, info: strawberry.Info, request_type: str, request_id: strawberry.ID
    ) -> list[AuditEntryType]:
        actor = require_roles(info, *STAFF_ROLES)
        try:
            entries = selectors.review_history(actor=actor, request_type=request_type, request_id=int(request_id))
        except DomainError as error:
            raise query_error(error, info) from error
        return [AuditEntryType.from_model(entry) for entry in entries]
