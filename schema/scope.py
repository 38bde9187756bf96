"""Which endpoint a root field answers on: a province's, the national one, or both.

One schema serves every endpoint (schema.root). A field that reads provincial tables makes no sense on the
national endpoint (its schema has no such tables): it carries `ProvinceOnly()` and answers a coded
`PROVINCE_SCOPE_ONLY` there, before its resolver runs (no SQL). `NationalOnly()` is the converse
(`NATIONAL_SCOPE_ONLY`), and `AnyScope()` marks a field that works in both (public verification, notices,
`me`, provinces). Every root field must declare one of the three: `schema.root` refuses to build otherwise.

Declare them per field (`@strawberry.field(extensions=[ProvinceOnly()])`) or for a whole root class with
the class decorators `province_only`, `national_only`, `any_scope` (fields that already declared a scope
keep theirs). Nested fields need no guard: a type reachable only from province-only roots is only ever
resolved in a province.
"""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

import strawberry
from django_tenants.utils import get_public_schema_name
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension, SyncExtensionResolver
from strawberry.types.field import StrawberryField

from core.errors import ErrorCode
from schema.base import coded_error, province_of

NATIONAL_LABEL = "national"

T = TypeVar("T")


def is_national(info: strawberry.Info) -> bool:
    """True on the national endpoint (the public schema), False on a province's."""
    tenant = province_of(info)
    return tenant is None or str(tenant.schema_name) == get_public_schema_name()


def scope_label(info: strawberry.Info) -> str:
    """`national`, or the province's slug (`yunnan`): the scope part of every global ID."""
    if is_national(info):
        return NATIONAL_LABEL
    tenant = province_of(info)
    return str(getattr(tenant, "slug", None) or tenant.schema_name)


class Scope(FieldExtension):
    """Base of the three scope declarations (see the module)."""

    label = "any"


class AnyScope(Scope):
    """The field works on every endpoint. A marker only: it takes no part in resolution."""


class _Guard(Scope):
    national: bool

    def _check(self, info: strawberry.Info) -> None:
        if is_national(info) != self.national:
            raise coded_error(info, ErrorCode.NATIONAL_SCOPE_ONLY if self.national else ErrorCode.PROVINCE_SCOPE_ONLY)

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        self._check(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        self._check(info)
        result = next_(source, info, **kwargs)
        if inspect.isasyncgen(result):  # a subscription
            return result
        return await result


class ProvinceOnly(_Guard):
    """Only on a province's endpoint; `PROVINCE_SCOPE_ONLY` on the national one."""

    label = "province"
    national = False


class NationalOnly(_Guard):
    """Only on the national endpoint; `NATIONAL_SCOPE_ONLY` on a province's."""

    label = "national"
    national = True


def field_scope(field: StrawberryField) -> Scope | None:
    found = [e for e in field.extensions if isinstance(e, Scope)]
    if len(found) > 1:
        raise TypeError(f"root field {field.python_name} declares {len(found)} scopes")
    return found[0] if found else None


def _declare(cls: type[T], make: type[Scope]) -> type[T]:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    for field in definition.fields:
        if field_scope(field) is None:
            field.extensions.append(make())
    return cls


def province_only(cls: type[T]) -> type[T]:
    """Every field of this root class (that declared no scope itself) is `ProvinceOnly`."""
    return _declare(cls, ProvinceOnly)


def national_only(cls: type[T]) -> type[T]:
    """Every field of this root class (that declared no scope itself) is `NationalOnly`."""
    return _declare(cls, NationalOnly)


def any_scope(cls: type[T]) -> type[T]:
    """Every field of this root class (that declared no scope itself) works on every endpoint."""
    return _declare(cls, AnyScope)


def require_declared_scopes(*root_types: type) -> None:
    """Fail at import when a root field has no scope: an unguarded field would run provincial SQL nationally."""
    missing = [
        f"{root.__name__}.{field.python_name}"
        for root in root_types
        for field in root.__strawberry_definition__.fields  # type: ignore[attr-defined]
        if field_scope(field) is None
    ]
    if missing:
        raise TypeError("root fields without a scope (ProvinceOnly / NationalOnly / AnyScope): " + ", ".join(missing))
