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
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format


def fetchone_prepared(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> tuple[Any, ...] | None:
    """Run `sql` (psycopg placeholders) as a prepared statement on the current connection; its first row."""
    return _fetchone(sql, params, commit=False)


def fetchone_prepared_committing(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> tuple[Any, ...] | None:
    """`fetchone_prepared` for the last statement of the outermost transaction, sent with its COMMIT.

    The statement and COMMIT go in one pipeline: the server commits as soon as it has run the statement, so
    the row locks it takes last that statement and the COMMIT, not also the time this thread needs to get the
    GIL back, read the result and send COMMIT (measured in the booking rush: 2.7 ms at the median, 11 ms at
    p90, while every other booking queued on the seat row). The statement must leave nothing to roll back
    whatever its result: what it writes must depend only on itself (the booking inserts only when its UPDATE
    took a seat), and nothing before it in the transaction may be written that a refusal would undo. Django's
    block then commits nothing more (psycopg skips COMMIT outside a transaction) and runs its on-commit hooks.

    Inside a savepoint (an outer transaction, a test's) it runs alone and the outer block commits later.
    """
    return _fetchone(sql, params, commit=True)


def _fetchone(sql: str, params: Sequence[Any] | Mapping[str, Any], *, commit: bool) -> tuple[Any, ...] | None:
    db = connections[DEFAULT_DB_ALIAS]  # once: every `connection.x` is a lookup in a thread-local
    commit = commit and (
        db.in_atomic_block and db.commit_on_exit and len(db.atomic_blocks) == 1 and not db.needs_rollback
    )
    cursor = _prepared_cursor(db)
    started = time.monotonic()
    with db.wrap_database_errors:
        if commit:
            with cursor.connection.pipeline():
                cursor.execute(sql, params, prepare=True)
                _kept_cursor(cursor.connection, "_platform_commit_cursor").execute(b"COMMIT")
        else:
            cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    if db.queries_logged:  # visible to assertNumQueries / CaptureQueriesContext like any query
        db.queries_log.append({"sql": f"{sql}; COMMIT" if commit else sql,
                               "time": f"{time.monotonic() - started:.3f}"})
    return tuple(row) if row is not None else None


def insert_parts(obj: models.Model) -> list[tuple[str, str, Any]]:
    """(quoted column, database type, value) of each column `obj.save(force_insert=True)` would insert (its
    automatic primary key left to the database), for an INSERT written by hand: the values are prepared as
    Django's compiler prepares them (`pre_save`: auto_now, auto_now_add; `get_db_prep_save`), and the type
    lets the statement cast each parameter, so a None or a string gets its column's type."""
    if obj.pk is not None:
        raise ValueError("insert_parts is for a new row: its primary key comes from the database")
    db = connections[DEFAULT_DB_ALIAS]
    columns = _INSERT_COLUMNS.get(type(obj))
    if columns is None:  # the columns and their types, once per model (a foreign key's type builds a field)
        meta = obj._meta
        columns = _INSERT_COLUMNS[type(obj)] = [
            (field, db.ops.quote_name(str(field.column)), str(field.db_type(db)))
            for field in meta.local_concrete_fields if field is not meta.auto_field
        ]
    return [(column, db_type, field.get_db_prep_save(field.pre_save(obj, True), connection=db))
            for field, column, db_type in columns]


_INSERT_COLUMNS: dict[type[models.Model], list[tuple[Any, str, str]]] = {}


def _kept_cursor(raw: psycopg.Connection[Any], key: str) -> psycopg.Cursor[Any]:
    """A psycopg cursor kept on the raw connection under `key` (a cycle with the connection, collected with it)."""
    cursor: psycopg.Cursor[Any] | None = raw.__dict__.get(key)
    if cursor is None or cursor.closed:
        cursor = raw.__dict__[key] = psycopg.Cursor(raw)
        _as_django_does(cursor)
    return cursor


def _prepared_cursor(db: Any) -> psycopg.Cursor[Any]:
    """The psycopg cursor kept on the current raw connection, in the current province's search_path.

    Taking a Django cursor (for its search_path) and then a psycopg cursor for every statement cost more CPU
    than running the prepared statement. Here the province, the health check, the connection and the
    search_path are handled as a Django cursor would, and the psycopg cursor is made once per raw connection.
    A connection not known to hold the province's search_path goes through a Django cursor, so the `SET` is
    issued and logged as for any query.
    """
    db.follow_context()  # tenants.postgresql_backend.base: the schema of the context now using the connection
    db.close_if_health_check_failed()
    db.ensure_connection()
    if not db.search_path_set_schemas and not db.search_path_known():
        db.cursor().close()
    return _kept_cursor(db.connection, "_platform_prepared_cursor")


def _as_django_does(cursor: psycopg.Cursor[Any]) -> None:
    """Django's own cursors load timestamps in the connection's time zone (DatabaseWrapper.create_cursor)."""
    timezone = connections[DEFAULT_DB_ALIAS].timezone
    loader = cursor.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if timezone != getattr(loader, "timezone", None):
        register_tzloader(timezone, cursor)
