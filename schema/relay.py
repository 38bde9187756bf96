"""Relay: the `Node` interface with global IDs that name their province, `node`/`nodes`, and `pk_of`.

A global ID is base64 of `<GraphQL type name>:<scope>:<primary key>`, e.g. `Notice:yunnan:7`, where
scope is the province's slug or `national`. It is opaque to clients. An ID is only resolved on the endpoint
of its scope: a Tianjin ID on Yunnan's endpoint is not found (`node` answers null, `pk_of` refuses with
`NOT_FOUND`), without reading anything. IDs name the GraphQL type: renaming a type changes its IDs.

- Model types inherit `ProvinceNode` (see docs/conventions.md, "GraphQL: the graph").
- `rows_in` tells where a type's rows live: `"province"` (provincial tables only: the default),
  `"both"` (each scope has its own table: notices, accounts, audit), `"public"` (one shared table in the
  public schema, readable from every endpoint: the province registry; its IDs say `national`).
- Arguments that take an object's ID are `strawberry.ID` and decoded with `pk_of(info, value, Type)`,
  which raises `DomainError` (BAD_ID / NOT_FOUND) so a mutation reports it in its payload.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import strawberry
from django.db.models import QuerySet
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError
from strawberry.types.cast import cast as strawberry_cast
from strawberry_django import optimizer
from strawberry_django.resolvers import django_resolver
from strawberry_django.utils.typing import get_django_definition

from core.errors import DomainError, ErrorCode
from schema.base import coded_error
from schema.scope import NATIONAL_LABEL, AnyScope, is_national, scope_label

RowsIn = Literal["province", "both", "public"]


def _split(node_id: str) -> tuple[str, str] | None:
    scope, sep, pk = node_id.partition(":")
    if not sep or not scope or not pk.isdigit() or len(pk) > 18:
        return None
    return scope, pk


class ProvinceNode(relay.Node):
    """A model type with a global ID `<Type>:<province or national>:<pk>` (see the module)."""

    rows_in: ClassVar[RowsIn] = "province"

    @classmethod
    def id_scope(cls, info: strawberry.Info) -> str:
        return NATIONAL_LABEL if cls.rows_in == "public" else scope_label(info)

    @classmethod
    def local_pk(cls, info: strawberry.Info, node_id: str) -> str | None:
        """The primary key named by `node_id` (`yunnan:7`) if it can be read on this endpoint, else None."""
        parts = _split(node_id)
        if parts is None:
            return None
        scope, pk = parts
        if scope != cls.id_scope(info):
            return None
        if cls.rows_in == "province" and is_national(info):
            return None
        return pk

    @classmethod
    def resolve_id(cls, root: Any, *, info: strawberry.Info) -> str:
        bound = getattr(root, "_platform_province", None)  # read by a regulator inside its province
        if bound is not None and cls.rows_in == "province":
            return f"{bound.slug}:{root.pk}"
        return f"{cls.id_scope(info)}:{root.pk}"

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        """The rows of `queryset` the caller may reach through `node`/`nodes`. Deny by default: a type
        reachable by ID overrides this (e.g. its owner and the staff who review it)."""
        return queryset.none()

    @classmethod
    def _fetch(cls, info: strawberry.Info, pks: list[str]) -> dict[str, Any]:
        model = get_django_definition(cls, strict=True).model
        rows = cls.visible(model._default_manager.filter(pk__in=[int(pk) for pk in pks]), info)
        ext = optimizer.optimizer.get()
        if ext is not None:
            rows = ext.optimize(rows, info=info)
        return {str(row.pk): row for row in rows}

    @classmethod
    def resolve_node(
        cls, node_id: str, *, info: strawberry.Info, required: bool = False
    ) -> Any:
        parts = _split(node_id)
        if parts and parts[0] != NATIONAL_LABEL and cls.rows_in == "province" and is_national(info):
            # A regulator's read-only drill-down into a province (schema.national.drill); null for anyone else.
            from schema.national.drill import regulator_node

            return regulator_node(cls, info, parts[0], parts[1], node_id=node_id)

        def fetch() -> Any:
            pk = cls.local_pk(info, node_id)
            found = cls._fetch(info, [pk]).get(pk) if pk is not None else None
            if found is None and required:
                raise coded_error(info, ErrorCode.NOT_FOUND)
            return found

        return django_resolver(fetch)()

    @classmethod
    def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> Any:
        wanted = [cls.local_pk(info, str(node_id)) for node_id in node_ids]

        def fetch() -> list[Any]:
            found = cls._fetch(info, [pk for pk in wanted if pk is not None])
            rows = [found.get(pk) if pk is not None else None for pk in wanted]
            if required and None in rows:
                raise coded_error(info, ErrorCode.NOT_FOUND)
            return rows

        return django_resolver(fetch)()


def decode(value: str | relay.GlobalID) -> relay.GlobalID | None:
    if isinstance(value, relay.GlobalID):
        return value
    try:
        return relay.GlobalID.from_id(value)
    except GlobalIDValueError:
        return None


def _type_name(type_: type) -> str:
    return str(type_.__strawberry_definition__.name)  # type: ignore[attr-defined]


def pk_of(
    info: strawberry.Info, value: str | relay.GlobalID, type_: type[ProvinceNode], *, field: str | None = None
) -> int:
    """The primary key of an object of `type_` named by a global ID, for this endpoint.

    Raises `DomainError`: `BAD_ID` when malformed or of another type, `NOT_FOUND` when it names another
    province (or a province object on the national endpoint). Whether the row exists is the caller's check.
    """
    gid = decode(value)
    if gid is None or gid.type_name != _type_name(type_) or _split(gid.node_id) is None:
        raise DomainError(ErrorCode.BAD_ID, field=field)
    pk = type_.local_pk(info, gid.node_id)
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return int(pk)


def global_id(info: strawberry.Info, type_: type[ProvinceNode], pk: int) -> strawberry.ID:
    """The global ID of `type_`'s object `pk` on this endpoint (for payloads of events, tests)."""
    return strawberry.ID(relay.to_base64(_type_name(type_), f"{type_.id_scope(info)}:{pk}"))


def node_ref(
    info: strawberry.Info, value: str | relay.GlobalID, *, field: str | None = None
) -> tuple[type[ProvinceNode], int]:
    """The node type and primary key a global ID names, for this endpoint (any node type).

    Raises `DomainError`: `BAD_ID` when malformed or not a node type of this schema, `NOT_FOUND` when it
    names another province.
    """
    gid = decode(value)
    if gid is None or _split(gid.node_id) is None:
        raise DomainError(ErrorCode.BAD_ID, field=field)
    try:
        node_type = gid.resolve_type(info)
    except (GlobalIDValueError, KeyError, ValueError, AttributeError) as error:
        raise DomainError(ErrorCode.BAD_ID, field=field) from error
    if not (isinstance(node_type, type) and issubclass(node_type, ProvinceNode)) or getattr(
        getattr(node_type, "__strawberry_definition__", None), "is_interface", True
    ):
        raise DomainError(ErrorCode.BAD_ID, field=field)
    pk = node_type.local_pk(info, gid.node_id)
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return node_type, int(pk)


def _node_type(info: strawberry.Info, value: str) -> tuple[type[ProvinceNode], str] | None:
    """For `node`/`nodes`: the type and local node ID, None when of another province; BAD_ID raised."""
    try:
        node_type, pk = node_ref(info, value)
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            gid = decode(value)
            named = gid.resolve_type(info) if gid is not None else None
            if gid is not None and is_national(info) and getattr(named, "rows_in", "") == "province":
                return named, gid.node_id  # type: ignore[return-value]  # a province's object: drill-down
            return None
        raise coded_error(info, error) from error
    return node_type, f"{node_type.id_scope(info)}:{pk}"


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global ID; null when it does not exist or belongs to another "
        "province (an ID is only valid on its own province's endpoint). A malformed ID is BAD_ID.",
        extensions=[AnyScope()],
    )
    def node(self, info: strawberry.Info, id: strawberry.ID) -> relay.Node | None:
        ref = _node_type(info, id)
        if ref is None:
            return None
        node_type, node_id = ref
        found = node_type.resolve_node(node_id, info=info, required=False)
        if inspect.isawaitable(found):

            async def later() -> Any:
                result = await found
                return None if result is None else strawberry_cast(node_type, result)

            return later()  # type: ignore[return-value]
        return None if found is None else strawberry_cast(node_type, found)

    @strawberry.field(
        description="Several objects by global ID, in the order asked; null for each one not found here.",
        extensions=[AnyScope()],
    )
    def nodes(self, info: strawberry.Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        from schema.base import MAX_PAGE_SIZE

        if len(ids) > MAX_PAGE_SIZE:
            raise coded_error(info, ErrorCode.INVALID_INPUT)
        refs = [_node_type(info, i) for i in ids]
        wanted = [ref for ref in refs if ref is not None]
        by_type: dict[type[ProvinceNode], list[str]] = {}
        for node_type, node_id in wanted:
            by_type.setdefault(node_type, []).append(node_id)
        batches = {t: t.resolve_nodes(info=info, node_ids=node_ids) for t, node_ids in by_type.items()}

        def place(results: dict[type[ProvinceNode], list[Any]]) -> list[Any]:
            positions = {t: iter(found) for t, found in results.items()}
            out: list[Any] = []
            for ref in refs:
                found = next(positions[ref[0]]) if ref is not None else None
                out.append(None if found is None or ref is None else strawberry_cast(ref[0], found))
            return out

        if any(inspect.isawaitable(b) for b in batches.values()):

            async def later() -> list[Any]:
                return place({t: list(await b) if inspect.isawaitable(b) else list(b) for t, b in batches.items()})

            return later()  # type: ignore[return-value]
        return place({t: list(b) for t, b in batches.items()})
