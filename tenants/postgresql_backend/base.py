"""django-tenants' PostgreSQL backend, made safe for shared worker threads and an embedded server.

Before each cursor the connection checks that its schema was chosen by the context now using it (see
tenants.context). If not, the schema is stale, left by another request on the same thread: it enters the
current context's province, or the public schema when the context has none.
"""

from __future__ import annotations

from typing import Any

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from tenants import context


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._chosen_by: context.Scope | None = None
        super().__init__(*args, **kwargs)
        # The constructor put us in the public schema on nobody's behalf: the first cursor follows its context.
        self._chosen_by = None

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        self._chosen_by = context.current_scope()

    def _follow_context(self) -> None:
        scope = context.current_scope()
        if scope is self._chosen_by:
            return
        if scope is not None:
            self.set_tenant(scope.tenant)
        else:
            self.set_tenant(FakeTenant(schema_name=get_public_schema_name()))

    def _cursor(self, name: str | None = None) -> Any:
        self._follow_context()
        return super()._cursor(name)

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
