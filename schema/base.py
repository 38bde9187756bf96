"""What every domain's schema module shares: coded errors, language, DB-safe resolvers, pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from django.conf import settings
from django.db.models import QuerySet
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry_django.resolvers import django_resolver

from core.errors import DomainError, DomainErrors
from core.errors import ErrorCode as _ErrorCode

T = TypeVar("T")

ErrorCode = strawberry.enum(_ErrorCode, name="ErrorCode", description="Stable codes of expected failures.")

# Resolvers that use the ORM run as they are over HTTP (sync view) and in a worker thread over WebSocket;
# the province travels with them either way (tenants.context).
db_resolver: Callable[[Callable[..., Any]], Callable[..., Any]] = django_resolver


class PublicError(Exception):
    """An exception whose message is meant for the client (e.g. unauthenticated); never masked."""


class CodedError(GraphQLError, PublicError):
    """A top-level error with a stable code in `extensions.code` (queries and refusals); never masked."""

    def __init__(self, message: str, *, code: str, params: dict[str, Any] | None = None) -> None:
        extensions: dict[str, Any] = {"code": code}
        if params:
            extensions["params"] = params
        super().__init__(message, extensions=extensions)


def coded_error(info: strawberry.Info, error: _ErrorCode | DomainError) -> CodedError:
    """A coded top-level error in the caller's language, from a code or a service's DomainError."""
    if isinstance(error, DomainError):
        return CodedError(error.message(language(info)), code=_ErrorCode(error.code).value, params=error.params)
    return CodedError(DomainError(error).message(language(info)), code=error.value)


@strawberry.type(description="An expected failure: a stable code, a message in the caller's language.")
class UserError:
    code: ErrorCode  # type: ignore[valid-type]
    message: str
    field: str | None = None
    params: JSON | None = strawberry.field(
        default=None, description="Details of the error, e.g. `until` (ISO 8601) for a lockout or rate limit."
    )


def header(info: strawberry.Info, name: str) -> str | None:
    """A request header, over HTTP (Django request) or WebSocket (handshake headers)."""
    request = info.context["request"]
    headers = getattr(request, "headers", None)
    if headers is not None and hasattr(headers, "get"):
        value = headers.get(name)
        return str(value) if value is not None else None
    wanted = name.lower().encode("latin1")
    for key, value in request.scope.get("headers", []):
        if key.lower() == wanted:
            return str(value.decode("latin1"))
    return None


def language(info: strawberry.Info) -> str:
    """'en' when the caller prefers English to Chinese, else 'zh' (the portals' language)."""
    accept = (header(info, "accept-language") or "").lower()
    for part in accept.split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def user_errors(error: DomainError, info: strawberry.Info) -> list[UserError]:
    lang = language(info)
    errors: Sequence[DomainError] = error.errors if isinstance(error, DomainErrors) else [error]
    return [
        UserError(code=e.code, message=e.message(lang), field=e.field, params=e.params or None)  # type: ignore[arg-type]
        for e in errors
    ]


def client_address(info: strawberry.Info) -> str:
    """The caller's network address (core.client_address: X-Forwarded-For only from trusted proxies)."""
    from core.client_address import client_address_from

    request = info.context["request"]
    meta = getattr(request, "META", None)
    if meta is not None:
        remote = meta.get("REMOTE_ADDR")
    else:
        client = request.scope.get("client") or ("", 0)
        remote = client[0]
    return client_address_from(remote, header(info, "x-forwarded-for"), settings.PLATFORM_TRUSTED_PROXIES)


def province_of(info: strawberry.Info) -> Any:
    """The tenant this operation addresses (HTTP: request.tenant; WebSocket: the handshake's province)."""
    request = info.context["request"]
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        tenant = request.scope.get("province")
    return tenant


@strawberry.type
class Page(Generic[T]):
    items: list[T]
    total_count: int
    offset: int
    limit: int
    has_next_page: bool


MAX_PAGE_SIZE = 100


def paginate(queryset: QuerySet[Any], *, offset: int, limit: int) -> dict[str, Any]:
    """Offset pagination with a hard cap; returns Page fields (items evaluated, safe in any thread)."""
    offset = max(offset, 0)
    limit = min(max(limit, 1), MAX_PAGE_SIZE)
    total = queryset.count()
    items = list(queryset[offset : offset + limit])
    return {
        "items": items,
        "total_count": total,
        "offset": offset,
        "limit": limit,
        "has_next_page": offset + len(items) < total,
    }
