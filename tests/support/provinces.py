from __future__ import annotations

from django.db import connection
from psycopg import sql

from tenants.divisions import find_division
from tenants.models import Province
from tenants.routing import clear_cache
from tenants.services import national_ensure, province_provision

TEST_PROVINCES = ("yunnan", "tianjin")

# Public tables that outlive a test: the registry itself is re-created by ensure_test_provinces().
_KEEP = {"django_migrations", "django_content_type", "auth_permission"}


def ensure_test_provinces() -> dict[str, Province]:
    national_ensure()
    found: dict[str, Province] = {}
    for slug in TEST_PROVINCES:
        division = find_division(slug)
        assert division is not None
        found[slug], _ = province_provision(division=division)
    clear_cache()
    return found


def truncate_province_tables(schemas: list[str]) -> None:
    """Empty what transactional tests committed in province schemas (Django's flush sees only public)."""
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s",
                [schema],
            )
            tables = [row[0] for row in cursor.fetchall() if row[0] not in _KEEP]
            if schema == "public":
                tables = [t for t in tables if not t.startswith(("tenants_",))]
            if tables:
                cursor.execute(
                    sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                        sql.SQL(", ").join(sql.Identifier(schema, t) for t in tables)
                    ).as_string(cursor.connection)
                )


def terminate_other_connections() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
