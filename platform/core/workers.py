"""Several server processes, each accepting on a listening socket of its own (SO_REUSEPORT).

uvicorn's `--workers` shares one listening socket between its processes. When many connections arrive at
once, the first worker to wake accepts every pending one (asyncio accepts up to the backlog per wake-up): 64
keep-alive clients were split 7 / 57, 15 / 49 or 40 / 24 between two workers, measured, and the busier
worker's queue was the rush's p99. Here each worker listens on its own socket bound to the same address with
SO_REUSEPORT, and the kernel spreads new connections across the sockets by their addresses' hash.

It is uvicorn's own supervisor (`Multiprocess`: spawn, health pings, restart of a dead worker, signals) with
one difference: a worker always gets, and its replacement inherits, the socket of its slot. A socket whose
worker died keeps its queue until the replacement accepts from it; it is never left without a worker.
"""

from __future__ import annotations

import socket
from typing import Any

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process, logger


def reuse_port_available() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def port_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets bound to (host, port) with SO_REUSEPORT, not yet listening (the workers listen).

    First the address is bound once without SO_REUSEPORT, so a port held by anything else (another server, an
    old instance of this one) is an error, as with a single socket, instead of a share of its connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    finally:
        probe.close()
    sockets = []
    for _ in range(count):
        sock = socket.socket(family)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


class PortPerWorker(Multiprocess):
    """uvicorn's supervisor, worker `i` always on socket `i`."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        self.processes_num = len(sockets)

    def _process(self, slot: int) -> Process:
        return Process(self.config, [self.sockets[slot]])

    def init_processes(self) -> None:
        for slot in range(self.processes_num):
            process = self._process(slot)
            process.start()
            self.processes.append(process)

    def restart_all(self) -> None:
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._process(slot)
            new.start()
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    logger.error(f"New child process [{new.pid}] was not ready in time; keeping [{old.pid}].")
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error(f"Child process [{process.pid}] failed to start, stopping the parent process.")
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info(f"Child process [{process.pid}] died")
            replacement = self._process(slot)
            replacement.start()
            self.processes[slot] = replacement


def run_workers(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve `app` with `workers` processes, each on its own SO_REUSEPORT socket (uvicorn's own `workers`
    where the platform has no SO_REUSEPORT)."""
    import uvicorn

    if workers <= 1 or not reuse_port_available():
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    config = Config(app, host=host, port=port, workers=workers, **options)
    PortPerWorker(config, port_sockets(host, port, workers)).run()
