"""Role checks for services: a service that needs a right calls one of these before doing anything."""

from __future__ import annotations

from typing import Any

from core.errors import DomainError, ErrorCode


def require_role(actor: Any, *roles: str) -> None:
    """Refuse unless `actor` holds one of `roles` (in this province: accounts live in its schema)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if getattr(actor, "must_change_password", False):
        raise DomainError(ErrorCode.PASSWORD_CHANGE_REQUIRED)
    if not actor.has_role(*roles):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
