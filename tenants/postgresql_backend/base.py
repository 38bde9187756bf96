"""django-tenants' PostgreSQL backend, made safe for shared worker threads and an embedded server.

Before each cursor the connection checks that its schema was chosen by the context now using it (see
tenants.context). If not, the schema is stale, left by another request on the same thread: it enters the
current context's province, or the public schema when the context has none.
"""

from __future__ import annotations

import weakref
from typing import Any

import psycopg
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from tenants import context

# The search_path each raw PostgreSQL connection is known to have, committed (set outside any transaction). With
# the connection pool, a request's DatabaseWrapper gets a connection another thread used last; django-tenants
# forgets what it set when a connection goes back to the pool, so every request would issue `SET search_path`
# again (a round trip). The connection itself remembers instead: the SET is skipped when it already holds the
# wanted path. Never trusted after a SET inside a transaction (a rollback would revert it) or a rollback.
_KNOWN_PATH: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._chosen_by: context.Scope | None = None
        super().__init__(*args, **kwargs)
        # The constructor put us in the public schema on nobody's behalf: the first cursor follows its context.
        self._chosen_by = None

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        self._chosen_by = context.current_scope()

    def follow_context(self) -> None:
        """Enter the schema of the context now using this connection, if another context chose the current one."""
        scope = context.current_scope()
        if scope is self._chosen_by:
            return
        if scope is not None:
            self.set_tenant(scope.tenant)
        else:
            self.set_tenant(FakeTenant(schema_name=get_public_schema_name()))

    def _cursor(self, name: str | None = None) -> Any:
        self.follow_context()
        return super()._cursor(name)

    def search_path_known(self) -> bool:
        """True, and marked as set, when the raw connection is known to hold the current schema's search_path
        (so no `SET` is needed before a cursor)."""
        raw = self.connection
        if raw is None or not self.schema_name or self._setting_search_path:
            return False
        wanted = self._get_cursor_search_paths()
        if _KNOWN_PATH.get(raw) != wanted:
            return False
        self.search_path_set_schemas = wanted
        return True

    def _handle_search_path(self, cursor: Any = None) -> None:
        already: object = getattr(self, "search_path_set_schemas", None)
        if not already and self.search_path_known():
            return
        raw = self.connection
        before = already
        super()._handle_search_path(cursor)
        if raw is None or self.search_path_set_schemas is before:
            return  # no SET was issued
        if self.search_path_set_schemas and raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            _KNOWN_PATH[raw] = list(self.search_path_set_schemas)
        else:
            _KNOWN_PATH.pop(raw, None)

    def _forget_path(self) -> None:
        if self.connection is not None:
            _KNOWN_PATH.pop(self.connection, None)

    def rollback(self) -> None:
        self._forget_path()
        super().rollback()

    def savepoint_rollback(self, sid: Any) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            self._forget_path()

    def get_connection_params(self) -> dict[str, Any]:
        pgdata = self.settings_dict.get("EMBEDDED_PGDATA")
        if pgdata:
            from config.embedded_db import ensure_embedded_server

            name = self.settings_dict["NAME"]
            # Only the configured database is created on demand; test databases are Django's to create.
            create = name == self.settings_dict.get("EMBEDDED_CREATE_DATABASE")
            self.settings_dict["HOST"] = ensure_embedded_server(pgdata, database=name if create else None)
        params: dict[str, Any] = super().get_connection_params()
        return params
