"""Prepared statements for the few hot reads and writes of the request path (issue 15).

Django runs every query with client-side binding: PostgreSQL parses and plans the text each time. For the
token lookup that was ~160 µs of server CPU and ~65 µs of ours per request; as a prepared statement (psycopg
prepares it once per pooled connection) ~36 µs and ~35 µs, measured on this box. psycopg prepares only with a
`prepare_threshold` that is not None, which Django's default is: config/settings.py sets one. Safe across provinces:
PostgreSQL re-parses a prepared statement when `search_path` differs from the one it was prepared under, and
the cursor is taken through Django, so the connection follows the caller's province first.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.db import connection
from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format


def fetchone_prepared(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> tuple[Any, ...] | None:
    """Run `sql` (psycopg placeholders) as a prepared statement on the current connection; its first row."""
    with connection.cursor() as wrapper:  # sets the province's search_path as any cursor would
        raw = wrapper.cursor.connection
        started = time.monotonic()
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            _as_django_does(cursor)
            cursor.execute(sql, params, prepare=True)
            row = cursor.fetchone()
        if connection.queries_logged:  # visible to assertNumQueries / CaptureQueriesContext like any query
            connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return tuple(row) if row is not None else None


def _as_django_does(cursor: psycopg.Cursor[Any]) -> None:
    """Django's own cursors load timestamps in the connection's time zone (DatabaseWrapper.create_cursor)."""
    loader = cursor.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != getattr(loader, "timezone", None):
        register_tzloader(connection.timezone, cursor)
