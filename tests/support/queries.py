"""Counting SQL statements for N+1 tests: every connection of every thread, without django-tenants' `SET`s.

`CaptureQueriesContext(connection)` sees only the calling thread's connection (a request served by the live
server, or an async resolver in a worker thread, runs elsewhere), and counts the `SET search_path` our
backend sends when it enters a schema. This counter wraps Django's cursor methods for the duration of the
block, so it sees every statement the process sends, from any thread, and leaves the `SET`s out.

    with count_queries() as statements:
        post_graphql(...)
    assert len(statements) <= 6, "\n".join(statements)

Tests run one at a time, so nothing else sends SQL meanwhile. Prefer comparing two list lengths (5 and 50
items must cost the same) to asserting an exact figure.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.utils import CursorWrapper


def _counted(sql: Any) -> bool:
    text = str(sql).lstrip().upper()
    return not text.startswith("SET SEARCH_PATH") and not text.startswith("SET ")


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []
    lock = threading.Lock()
    original_execute = CursorWrapper.execute
    original_executemany = CursorWrapper.executemany

    def execute(self: CursorWrapper, sql: Any, params: Any = None) -> Any:
        if _counted(sql):
            with lock:
                statements.append(str(sql))
        return original_execute(self, sql, params)

    def executemany(self: CursorWrapper, sql: Any, param_list: Any) -> Any:
        if _counted(sql):
            with lock:
                statements.append(str(sql))
        return original_executemany(self, sql, param_list)

    CursorWrapper.execute = execute  # type: ignore[method-assign]
    CursorWrapper.executemany = executemany  # type: ignore[method-assign]
    try:
        yield statements
    finally:
        CursorWrapper.execute = original_execute  # type: ignore[method-assign]
        CursorWrapper.executemany = original_executemany  # type: ignore[method-assign]
