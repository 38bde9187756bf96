"""The one place where domain schema modules are merged into the one schema of every endpoint."""

from __future__ import annotations

from typing import Any

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.file_uploads import Upload
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension

from schema.accounts.mutations import AccountProvinceMutation, AccountSessionMutation
from schema.accounts.queries import AccountQuery
from schema.base import PublicError
from schema.certificates.mutations import CertificateMutation
from schema.certificates.queries import CertificateQuery, CertificateVerifyQuery
from schema.certificates.types import CERTIFICATE_REQUEST_TYPES
from schema.core.queries import CoreQuery
from schema.drivers.live import DriverSubscription
from schema.drivers.mutations import DriverMutation
from schema.drivers.queries import DriverQuery
from schema.enterprises.live import EnterpriseSubscription
from schema.enterprises.mutations import EnterpriseMutation
from schema.enterprises.queries import EnterpriseQuery
from schema.enterprises.types import ENTERPRISE_REQUEST_TYPES
from schema.exams.live import ExamLiveSubscription
from schema.exams.mutations import ExamMutation
from schema.exams.queries import ExamQuery
from schema.execution import SharedEventExecutionContext
from schema.hardening import HardeningErrors, HardeningGuards
from schema.live.reviews import ReviewSubscription
from schema.live.seats import SeatSubscription
from schema.national.drill import province_bound_extension
from schema.national.live import NationalSubscription
from schema.national.queries import NationalQuery
from schema.notices.mutations import NoticeMutation
from schema.notices.queries import NoticeQuery, NoticeSubscription
from schema.profiles.mutations import ProfileMutation
from schema.profiles.queries import ProfileQuery
from schema.relay import NodeQuery
from schema.reviews.mutations import ReviewMutation
from schema.reviews.queries import ReviewQuery
from schema.scope import any_scope, national_only, province_only, require_declared_scopes


def _should_mask(error: GraphQLError) -> bool:
    # A GraphQLError raised in a resolver (coded: unauthenticated, not found, scope) reaches us wrapped, with
    # itself as `original_error`: it keeps its code and message. Only unexpected exceptions are masked.
    original = error.original_error
    return original is not None and not isinstance(original, (PublicError, GraphQLError))


# The limiters' rule classes are built once: ValidationCache keys on the rule classes, and a limiter
# constructed per request makes new classes each time, so every request would be validated afresh.
_LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES).validation_rules,
]


class QueryLimits(AddValidationRules):
    """Depth and alias limits, with validation rules shared by every request (cache-friendly)."""

    def __init__(self) -> None:
        super().__init__(_LIMIT_RULES)


def _extensions() -> list[Any]:
    extensions: list[Any] = [
        HardeningGuards,  # first: refuses (NUL bytes, expensive fields per request) before other hooks enter
        ParserCache,
        ValidationCache,
        QueryLimits,
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        DjangoOptimizerExtension,
        province_bound_extension,  # national drill-down (schema.national.drill); a no-op in provinces
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        extensions.append(DisableIntrospection)
    if settings.GRAPHQL_MASK_ERRORS:
        extensions.append(
            lambda: MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error. 服务器内部错误")
        )
    extensions.append(HardeningErrors)  # after MaskErrors: its result hook runs first (database errors coded)
    return extensions


def _config() -> StrawberryConfig:
    return StrawberryConfig(
        disable_field_suggestions=not settings.GRAPHQL_FIELD_SUGGESTIONS,
        batching_config={"max_operations": settings.GRAPHQL_MAX_BATCH},
    )


# Scopes: every root field declares where it answers (schema.scope); provincial tables are province-only.
QUERIES = (
    any_scope(CoreQuery), NodeQuery, any_scope(NoticeQuery), any_scope(AccountQuery),
    any_scope(CertificateVerifyQuery),
    province_only(ProfileQuery), province_only(ExamQuery), province_only(ReviewQuery),
    province_only(CertificateQuery), province_only(EnterpriseQuery), national_only(NationalQuery),
    province_only(DriverQuery),
)
MUTATIONS = (
    any_scope(AccountSessionMutation),
    province_only(AccountProvinceMutation), province_only(ProfileMutation), province_only(ExamMutation),
    province_only(ReviewMutation), province_only(CertificateMutation), province_only(DriverMutation),
    province_only(EnterpriseMutation), any_scope(NoticeMutation),
)
SUBSCRIPTIONS = (
    national_only(NationalSubscription), any_scope(NoticeSubscription), province_only(ReviewSubscription),
    province_only(SeatSubscription), province_only(DriverSubscription), province_only(EnterpriseSubscription),
    province_only(ExamLiveSubscription),
)
require_declared_scopes(*QUERIES, *MUTATIONS, *SUBSCRIPTIONS)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)
Subscription = merge_types("Subscription", SUBSCRIPTIONS)

# The one schema: every province's endpoint and the national one (HTTP and WebSocket) serve it.
def _uploaded_file(value: Any) -> Any:
    """An Upload must be a file of the multipart request; a string or number in its place is invalid input
    (a validation error for the caller), never an AttributeError in a resolver."""
    if not (hasattr(value, "read") and hasattr(value, "name")):
        raise GraphQLError(
            "Upload expects a file sent as a multipart part (GraphQL multipart request spec)",
            extensions={"code": "INVALID_INPUT"},
        )
    return value


UploadFile = strawberry.scalar(
    name="Upload", description="Represents a file upload.", serialize=lambda v: v, parse_value=_uploaded_file
)

schema = strawberry.Schema(
    execution_context_class=SharedEventExecutionContext,
    scalar_overrides={Upload: UploadFile},
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    # implementations of interfaces that no field names directly
    types=[*CERTIFICATE_REQUEST_TYPES, *ENTERPRISE_REQUEST_TYPES],
    extensions=_extensions(),
    config=_config(),
)
