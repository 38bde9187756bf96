"""Drill-down for regulators: `node(id:)` of any province's object on the national endpoint, read-only.

On the national endpoint the connection sits in the public schema, where provincial tables do not exist. A
regulator who asks for `Certificate:yunnan:7` gets it when Yunnan is in their reach: the object is loaded
inside Yunnan's schema and *bound* to Yunnan, and every field resolved below it (relations, lazy columns,
prefetches) runs inside Yunnan too, because `ProvinceBound` enters the province of a field's parent before
resolving it and binds what it returns. Anything not bound stays in the public schema and fails closed.
Each drill-down is audited like every personal read. Mutations never accept another province's IDs
(`pk_of` refuses them), so the drill-down cannot write.

`ProvinceBound` only exists on national operations (`province_bound_extension` gives provincial ones a
no-op), so provincial requests pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

import strawberry
from django.db import models
from strawberry.extensions import SchemaExtension
from strawberry_django import optimizer
from strawberry_django.resolvers import django_resolver
from strawberry_django.utils.typing import get_django_definition

from accounts.models import Role
from core.errors import DomainError
from national.selectors import regulator_reach, regulator_read_record
from schema.accounts.auth import resolve_actor
from tenants.context import current_scope, national_scope, province_scope

_BOUND = "_platform_province"


def bind(value: Any, province: Any) -> Any:
    """Mark model instances in `value` (an instance, a list or an evaluated QuerySet) as `province`'s."""
    if isinstance(value, models.Model):
        setattr(value, _BOUND, province)
    elif isinstance(value, models.QuerySet):
        value = list(value)  # evaluated here, inside the province, not later in the public schema
        for item in value:
            setattr(item, _BOUND, province)
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, models.Model):
                setattr(item, _BOUND, province)
    return value


def bound_province(root: Any) -> Any | None:
    return getattr(root, _BOUND, None)


class ProvinceBound(SchemaExtension):
    """Resolve fields of province-bound objects inside their province (see the module)."""

    def resolve(self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        province = bound_province(root)
        if province is None:
            return _next(root, info, *args, **kwargs)
        with province_scope(province):
            result = _next(root, info, *args, **kwargs)
            if not isawaitable(result):
                return bind(result, province)

        async def later(pending: Awaitable[Any]) -> Any:
            with province_scope(province):
                return bind(await pending, province)

        return later(result)


def province_bound_extension() -> SchemaExtension:
    """The schema's extension factory: `ProvinceBound` on the national endpoint, a no-op elsewhere."""
    scope = current_scope()
    return ProvinceBound() if scope is not None and scope.is_national else SchemaExtension()


def _regulator_province(info: strawberry.Info, slug: str, node_id: str) -> Any | None:
    """The province `slug` when the caller is a regulator reaching it (the read is audited), else None."""
    actor = resolve_actor(info)
    if actor is None or not actor.has_role(Role.NATIONAL_REGULATOR):
        return None
    with national_scope():
        try:
            reach = regulator_reach(actor=actor, provinces=[slug])
        except DomainError:
            return None
        regulator_read_record(actor=actor, what="node", provinces=reach, filters={"id": node_id})
    return reach[0]


def regulator_node(cls: type, info: strawberry.Info, slug: str, pk: str, *, node_id: str) -> Any:
    """`cls`'s object `pk` of province `slug`, loaded there and bound to it; None when not allowed/found."""

    def load() -> Any:
        province = _regulator_province(info, slug, node_id)
        if province is None:
            return None
        with province_scope(province):
            # The regulator's reach is the access decision here (the type's `visible` speaks of the
            # province's own accounts); the optimizer shapes the query for the selection as usual.
            rows = get_django_definition(cls, strict=True).model._default_manager.filter(pk=int(pk))
            ext = optimizer.optimizer.get()
            if ext is not None:
                rows = ext.optimize(rows, info=info)
            found = next(iter(rows), None)
            return bind(found, province) if found is not None else None

    return django_resolver(load)()

