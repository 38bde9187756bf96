"""An embedded PostgreSQL for newcomers and CI: started on first connection when no DATABASE_URL is set.

pgserver (PyPI) ships PostgreSQL binaries in its wheel. The data folder lives inside the project
(`.data/pg`), so the next start reuses it; pgserver keeps a list of the processes using the server and
stops it when the last one exits.
"""

from __future__ import annotations

import atexit
import threading
import warnings
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_servers: dict[str, Any] = {}
_created: set[tuple[str, str]] = set()


def ensure_embedded_server(pgdata: str, *, database: str | None = None) -> str:
    """Start (or attach to) the server in `pgdata`; return its unix socket directory for libpq's host."""
    with _lock:
        server = _servers.get(pgdata)
        if server is None:
            with warnings.catch_warnings():
                # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers) and falls back to /tmp.
                warnings.simplefilter("ignore")
                try:
                    import pgserver
                except ImportError as error:
                    from django.core.exceptions import ImproperlyConfigured

                    raise ImproperlyConfigured(
                        "No DATABASE_URL and no embedded PostgreSQL: pgserver ships wheels for CPython "
                        "3.9-3.12 only. Use Python 3.11/3.12, or set DATABASE_URL=postgresql://… to a server."
                    ) from error

            Path(pgdata).parent.mkdir(parents=True, exist_ok=True)
            _forget_dead_handles(pgdata)
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
            _servers[pgdata] = server
            # atexit runs last-registered first: forget processes that died without saying so (SIGKILL,
            # SIGTERM to a worker) before pgserver's own hook decides whether we are the last user.
            atexit.register(_forget_dead_handles, pgdata)
        socket_dir = str(server.get_postmaster_info().socket_dir)
        if database and (pgdata, database) not in _created:
            _create_database(socket_dir, database)
            _created.add((pgdata, database))
        return socket_dir


def _forget_dead_handles(pgdata: str) -> None:
    """pgserver stops the server when its last user exits, counting users in a pid list; a process that
    was killed never takes itself off, and the server would then run forever. Drop pids that are gone."""
    import psutil
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import DiskList

    handles = DiskList(Path(pgdata) / ".handle_pids.json")
    with PostgresServer._lock:
        alive = [pid for pid in handles.get() if psutil.pid_exists(pid)]
        if Path(pgdata).exists():
            handles.put(alive)


def _create_database(socket_dir: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
