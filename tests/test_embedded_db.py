"""The embedded PostgreSQL: started on demand, reused by the next process, stopped when its last user exits,
even when another user was killed without a word."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

USE = """
import sys, time
sys.path.insert(0, "platform")
import config
from config.embedded_db import ensure_embedded_server
import psycopg
socket_dir = ensure_embedded_server(sys.argv[1], database="probe")
with psycopg.connect(host=socket_dir, user="postgres", dbname="probe") as conn:
    print(conn.execute("select pg_postmaster_start_time()").fetchone()[0], flush=True)
if len(sys.argv) > 2:
    time.sleep(60)
"""


def _run(pgdata: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", USE, str(pgdata), *extra], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"})


def _postmasters(pgdata: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(pgdata) in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def test_a_killed_user_does_not_keep_the_server_running(tmp_path: Path) -> None:
    pgdata = tmp_path / "pg"
    # Given a process using the embedded server, killed without any chance to clean up
    holder = _run(pgdata, "stay")
    assert holder.stdout is not None
    first_start = holder.stdout.readline().strip()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    # When another process uses it (reusing the running server) and exits normally
    user = _run(pgdata)
    out, _ = user.communicate(timeout=120)
    # Then it found the same server, and the server is gone after its exit
    assert out.strip() == first_start
    for _ in range(50):
        if not _postmasters(pgdata):
            break
        time.sleep(0.1)
    assert _postmasters(pgdata) == []
    # And the next start reuses the data folder (no new initdb) with a new server
    again = _run(pgdata)
    out, _ = again.communicate(timeout=120)
    assert out.strip() and out.strip() != first_start
    assert (pgdata / "PG_VERSION").exists()
