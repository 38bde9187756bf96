"""The `Reviewable` interface every reviewable request type implements, and the audit trail.

Concrete types (Registration in schema/exams, the certificate requests in schema/certificates, later
enterprises and driver permits) are model types that inherit `ReviewableType`:

    @strawberry_django.type(Registration, name="Registration")
    class RegistrationType(ReviewableType):
        plan: ExamPlanType
        ...
        @strawberry_django.field(only=[...], select_related=["subject", "session"])
        def summary(self, root: Registration) -> str: ...   # override with the relations it reads

They get the global ID, the review fields, `applicant` (an Account: real name, profile and photo links for
staff) and node access (the applicant and the type's reviewers) from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet

from accounts.models import STAFF_ROLES, Role
from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from reviews.models import Reviewable
from reviews.models import ReviewAction as _ReviewAction
from reviews.models import ReviewState as _ReviewState
from schema.accounts.auth import resolve_actor
from schema.accounts.types import AccountType
from schema.base import UserError, coded_error
from schema.relay import ProvinceNode, node_ref

ReviewState = strawberry.enum(_ReviewState, name="ReviewState", description="States of every reviewable request.")
ReviewAction = strawberry.enum(_ReviewAction, name="ReviewAction")


def enum_value(value: object) -> str | None:
    """The string value of a GraphQL enum argument (None stays None)."""
    return None if value is None else str(getattr(value, "value", value))


def query_error(error: DomainError, info: strawberry.Info) -> Exception:
    """A coded failure of a query (e.g. PERMISSION_DENIED) as a top-level error with its code."""
    return coded_error(info, error)


@strawberry_django.interface(
    Reviewable, name="Reviewable",
    description="A request that goes through review (registration, certificate requests, …): the object under "
    "review, with its applicant. Select the concrete type's own fields with `... on Registration { … }`.",
)
class ReviewableType(ProvinceNode):
    state: ReviewState  # type: ignore[valid-type]
    stage: int = strawberry_django.field(description="The stage awaiting (or, once decided, that decided) it.")
    stages: int
    submitted_at: datetime | None
    decided_at: datetime | None
    opinion: str = strawberry_django.field(description="The reviewer's opinion of the last decision.")
    version: int = strawberry_django.field(description="Pass it back as `expectedVersion` to detect a stale screen.")
    applicant: AccountType

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        """Through `node`: the applicant, and the staff who review this type (and the province admin)."""
        viewer = resolve_actor(info)
        if viewer is None:
            return queryset.none()
        model: type[Reviewable] = queryset.model
        if viewer.has_role(*model.reviewer_roles(), Role.PROVINCE_ADMIN):
            return queryset
        return queryset.filter(applicant_id=viewer.pk)

    @strawberry_django.field(description="registration, certificate_change, … (see reviewRequestTypes).")
    def request_type(self, root: Reviewable) -> str:
        return type(root).REQUEST_TYPE

    @strawberry_django.field(only=["state"])
    def state_label(self, root: Reviewable) -> str:
        return str(_ReviewState(root.state).label)

    @strawberry_django.field(description="One line for a reviewer's queue.")
    def summary(self, root: Reviewable) -> str:
        return root.review_summary()


def reviewable_ref(info: strawberry.Info, value: str, *, field: str | None = None) -> tuple[str, int]:
    """(request type, primary key) of a reviewable request's global ID; `DomainError` BAD_ID / NOT_FOUND."""
    from strawberry_django.utils.typing import get_django_definition

    node_type, pk = node_ref(info, value, field=field)
    if not issubclass(node_type, ReviewableType):
        raise DomainError(ErrorCode.BAD_ID, field=field)
    model = get_django_definition(node_type, strict=True).model
    return str(model.REQUEST_TYPE), pk


@strawberry_django.type(
    AuditEntry, name="AuditEntry", description="One recorded action: who, when, from which state to which."
)
class AuditEntryType(ProvinceNode):
    rows_in = "both"

    at: datetime
    action: str
    from_state: str
    to_state: str
    opinion: str
    data: strawberry.scalars.JSON

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        viewer = resolve_actor(info)
        return queryset if viewer is not None and viewer.has_role(*STAFF_ROLES) else queryset.none()

    @strawberry_django.field(only=["actor_label"], description="Who acted (username), or the system.")
    def actor(self, root: AuditEntry) -> str:
        return root.actor_label


@strawberry.type
class ReviewDecisionPayload:
    request: ReviewableType | None = None
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
