"""Who is calling: a bearer token (HTTP header, or the WebSocket `connection_init` payload) or a session.

A token or session of another province is never accepted: accounts, sessions and tokens live in each
province's schema, and a token names its province in its prefix.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from accounts.models import User
from accounts.tokens import user_for_token
from core.errors import DomainError, ErrorCode, message_for
from schema.base import header, language

_CACHE_KEY = "_platform_actor"


class AuthenticationError(GraphQLError):
    """Unauthenticated calls are top-level errors (with a code), never masked."""

    def __init__(self, code: ErrorCode, lang: str = "zh") -> None:
        super().__init__(message_for(code, language=lang), extensions={"code": code.value})


def bearer_token(info: strawberry.Info) -> str | None:
    """The token of this operation: `Authorization: Bearer …`, or WebSocket `connection_init` payload."""
    auth = header(info, "authorization") or ""
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    params = _context_get(info, "connection_params") or {}
    if isinstance(params, dict):
        raw = params.get("authToken") or params.get("Authorization") or params.get("authorization")
        if isinstance(raw, str):
            return raw[7:].strip() if raw[:7].lower() == "bearer " else raw.strip()
    return None


def _context_get(info: strawberry.Info, key: str) -> Any:
    context = info.context
    if isinstance(context, dict):
        return context.get(key)
    return getattr(context, key, None)


def _context_set(info: strawberry.Info, key: str, value: Any) -> None:
    context = info.context
    if isinstance(context, dict):
        context[key] = value
    else:
        setattr(context, key, value)


def resolve_actor(info: strawberry.Info) -> User | None:
    """The authenticated account, or None. Must run where the ORM may (sync resolvers, `db_resolver`)."""
    cached = _context_get(info, _CACHE_KEY)
    if cached is not None:
        return cached or None
    user: User | None = None
    ws_user = _context_get(info, "user")
    if isinstance(ws_user, User):
        user = ws_user
    else:
        token = bearer_token(info)
        if token:
            lookup = user_for_token(raw_token=token)
            if lookup.wrong_province:
                raise AuthenticationError(ErrorCode.PROVINCE_MISMATCH, language(info))
            if lookup.user is None:
                raise AuthenticationError(ErrorCode.UNAUTHENTICATED, language(info))
            user = lookup.user
        else:
            request_user = getattr(info.context["request"], "user", None)
            if isinstance(request_user, User) and request_user.is_authenticated:
                user = request_user
    _context_set(info, _CACHE_KEY, user or False)
    return user


class _ContextOnly:
    """What `resolve_actor` reads of an Info (its context): lets the views resolve the caller up front."""

    def __init__(self, context: Any) -> None:
        self.context = context


def actor_from_context(context: Any) -> User | None:
    """`resolve_actor` for an operation's context (HTTP view, WebSocket consumer), before any resolver runs."""
    return resolve_actor(_ContextOnly(context))  # type: ignore[arg-type]


def require_actor(info: strawberry.Info, *, allow_pending_password_change: bool = False) -> User:
    """The caller's account; unauthenticated calls are refused with a top-level error.

    An account that must change its password (bulk-provisioned, first login) can do nothing else.
    """
    user = resolve_actor(info)
    if user is None:
        raise AuthenticationError(ErrorCode.UNAUTHENTICATED, language(info))
    if user.must_change_password and not allow_pending_password_change:
        raise AuthenticationError(ErrorCode.PASSWORD_CHANGE_REQUIRED, language(info))
    return user


def require_roles(info: strawberry.Info, *roles: str) -> User:
    """For queries: the caller must hold one of `roles`; otherwise a top-level PERMISSION_DENIED."""
    user = require_actor(info)
    if not user.has_role(*roles):
        raise GraphQLError(
            message_for(ErrorCode.PERMISSION_DENIED, language=language(info)),
            extensions={"code": ErrorCode.PERMISSION_DENIED.value},
        )
    return user


def domain_error_from(error: AuthenticationError) -> DomainError:
    code = ErrorCode((error.extensions or {}).get("code", ErrorCode.UNAUTHENTICATED.value))
    return DomainError(code)
