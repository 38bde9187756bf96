"""Which province the running code serves, carried in a context variable.

A Django connection belongs to a thread, and worker threads (asgiref's, Channels', a thread pool's) are
shared between requests of different provinces: a connection keeps whatever schema its last user chose.
The province therefore travels with the *code path*, in a ContextVar that asyncio tasks and
`sync_to_async` copy along, and our database backend (tenants.postgresql_backend) re-enters that
province's schema before every cursor. Code that runs with no province at all is put in the public
schema, where provincial tables do not exist, so it fails closed instead of reading another province.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.db import connection
from django_tenants.utils import get_public_schema_name

if TYPE_CHECKING:
    from tenants.models import Province

P = ParamSpec("P")
R = TypeVar("R")


class NoProvinceError(RuntimeError):
    """Raised where provincial data is needed but the code path does not know its province."""


@dataclass(frozen=True, eq=False)
class Scope:
    """One entry into a province (or the national scope). Identity matters: each entry is a new object."""

    tenant: Any  # Province, or django-tenants' FakeTenant for the public schema

    @property
    def schema_name(self) -> str:
        return str(self.tenant.schema_name)

    @property
    def is_national(self) -> bool:
        return self.schema_name == get_public_schema_name()


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("platform_scope", default=None)


def current_scope() -> Scope | None:
    return _current.get()


def current_province() -> Province:
    """The province this code path serves; fails closed when there is none (or it is the national scope)."""
    scope = _current.get()
    if scope is None or scope.is_national:
        raise NoProvinceError("this code path has no province")
    province: Province = scope.tenant
    return province


def activate(tenant: Any) -> contextvars.Token[Scope | None]:
    """Enter `tenant` for the rest of this context (middleware); undo with `deactivate(token)`."""
    scope = Scope(tenant)
    token = _current.set(scope)
    connection.set_tenant(tenant)  # type: ignore[attr-defined]  # django-tenants' backend
    return token


def deactivate(token: contextvars.Token[Scope | None]) -> None:
    _current.reset(token)


def enter(tenant: Any) -> contextvars.Token[Scope | None]:
    """Enter `tenant` for this context only (async code); the backend switches schemas on the next cursor."""
    return _current.set(Scope(tenant))


@contextmanager
def province_scope(tenant: Any) -> Iterator[Scope]:
    """Run a block inside one province's schema (or the national one), whatever thread it lands on."""
    previous = getattr(connection, "tenant", None)
    token = activate(tenant)
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)
        if previous is not None:
            connection.set_tenant(previous)  # type: ignore[attr-defined]


def public_tenant() -> Any:
    from django_tenants.utils import get_tenant_model


    model: type[Province] = get_tenant_model()
    return model.objects.get(schema_name=get_public_schema_name())


@contextmanager
def national_scope() -> Iterator[Scope]:
    """The public schema: province registry, national accounts and data."""
    from django_tenants.postgresql_backend.base import FakeTenant

    with province_scope(FakeTenant(schema_name=get_public_schema_name())) as scope:
        yield scope


def in_current_scope(fn: Callable[P, R]) -> Callable[P, R]:
    """Bind `fn` to the caller's context, for thread pools that do not copy context variables."""
    ctx = contextvars.copy_context()

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return ctx.copy().run(fn, *args, **kwargs)

    return run


def submit_in_scope(executor: Executor, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
    """`executor.submit` that carries the caller's province into the worker thread."""
    return executor.submit(in_current_scope(fn), *args, **kwargs)
