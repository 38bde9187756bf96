"""`manage.py serve --workers N` (core.workers): each worker accepts on a listening socket of its own
(SO_REUSEPORT), so simultaneous connections spread over the workers instead of piling onto the first to wake."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from core.workers import port_sockets
from tests.support.live_server import free_port
from tests.support.servers import server_process

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="SO_REUSEPORT is Linux/BSD only"),
]


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    return inodes


def _sockets_of(pid: int) -> set[str]:
    found: set[str] = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # gone
        return found
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[len("socket:["):-1])
    return found


def _workers(server: Any) -> list[psutil.Process]:
    """The live worker processes (spawned by multiprocessing; not its resource tracker, not a dead one)."""
    workers = []
    for child in psutil.Process(server.pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                workers.append(child)
        except psutil.Error:  # died meanwhile, or a zombie not reaped yet
            continue
    return workers


def _listeners_by_worker(server: Any, port: int) -> dict[int, set[str]]:
    listening = _listening_inodes(port)
    return {worker.pid: _sockets_of(worker.pid) & listening for worker in _workers(server)}


def _all_listening(server: Any, port: int, workers: int) -> dict[int, set[str]]:
    """Once every worker listens (the server answers as soon as the first one does)."""
    deadline = time.monotonic() + 60
    while True:
        by_worker = _listeners_by_worker(server, port)
        if len(by_worker) == workers and all(by_worker.values()):
            return by_worker
        assert time.monotonic() < deadline, by_worker
        time.sleep(0.2)


def test_each_worker_accepts_on_a_socket_of_its_own(yunnan: Any) -> None:
    # given a server with two workers
    port = free_port()
    with server_process(port, workers=2) as server:
        # then each worker holds exactly one listening socket of the port, and not the same one
        by_worker = _all_listening(server, port, 2)
        assert all(len(inodes) == 1 for inodes in by_worker.values()), by_worker
        assert len(set.union(*by_worker.values())) == 2


def test_simultaneous_connections_spread_over_the_workers(yunnan: Any) -> None:
    # given a server with two workers
    port = free_port()
    with server_process(port, workers=2) as server:
        _all_listening(server, port, 2)
        # when 64 clients connect at the same moment and each sends a request
        barrier = threading.Barrier(64)
        connections: list[http.client.HTTPConnection] = []

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            barrier.wait()
            conn.request("POST", "/graphql/", body=b'{"query":"{ __typename }"}',
                         headers={"Host": "yunnan.localhost", "Content-Type": "application/json"})
            assert conn.getresponse().read()
            connections.append(conn)

        threads = [threading.Thread(target=client) for _ in range(64)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # then each worker holds a fair share of them (one shared socket gave 7 / 57 or 15 / 49)
        counts = [
            sum(1 for c in worker.net_connections("tcp") if c.status == "ESTABLISHED" and c.laddr.port == port)
            for worker in _workers(server)
        ]
        for conn in connections:
            conn.close()
        assert sum(counts) == 64 and min(counts) >= 16, counts


def test_a_dead_worker_is_replaced_on_its_socket(yunnan: Any) -> None:
    # given a server with two workers, each on its own socket
    port = free_port()
    with server_process(port, workers=2) as server:
        before = _all_listening(server, port, 2)
        victim = next(iter(before))
        # when one worker dies
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while victim in _listeners_by_worker(server, port):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        after = _all_listening(server, port, 2)
        # then its replacement accepts on the socket it left, and the port still has two listening workers
        assert before[victim] in after.values()
        assert {frozenset(v) for v in after.values()} == {frozenset(v) for v in before.values()}


def test_a_port_already_in_use_is_an_error() -> None:  # no server, no database
    # given a port something else listens on
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        # then the workers' sockets are refused, rather than sharing its connections
        with pytest.raises(OSError):
            port_sockets("127.0.0.1", port, 2)
    finally:
        holder.close()
