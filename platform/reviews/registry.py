"""Which models are reviewable requests, by their `REQUEST_TYPE` (registration, certificate_change, …).

A concrete type registers itself once (`@register_reviewable` on the model class); the staff queue, batch
decisions and the audit history find it here by name.
"""

from __future__ import annotations

from typing import TypeVar

from core.errors import DomainError, ErrorCode
from reviews.models import Reviewable

M = TypeVar("M", bound=type[Reviewable])

_TYPES: dict[str, type[Reviewable]] = {}


def register_reviewable(model: M) -> M:
    if not model.REQUEST_TYPE:
        raise ValueError(f"{model.__name__} needs a REQUEST_TYPE")
    _TYPES[model.REQUEST_TYPE] = model
    return model


def reviewable_model(request_type: str) -> type[Reviewable]:
    try:
        return _TYPES[request_type]
    except KeyError:
        raise DomainError(ErrorCode.INVALID_INPUT, field="requestType") from None


def request_types() -> list[str]:
    return sorted(_TYPES)
