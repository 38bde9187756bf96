"""Several uvicorn worker processes, each with its own listening socket on the same port (SO_REUSEPORT).

uvicorn's `--workers` shares one listening socket: each worker's event loop accepts every connection waiting
when it wakes, so a burst of keep-alive clients lands unevenly (measured with the booking bench's 64
clients on 2 workers: 45 and 19 connections, run after run) and the busier worker sets the latency tail
while the other idles. With SO_REUSEPORT the kernel spreads new connections over the workers' sockets by
hash (measured: 30–34 each). Linux only; elsewhere `serve` keeps uvicorn's own workers.

No Django import here: the spawned worker imports the app through uvicorn, like uvicorn's own workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

logger = logging.getLogger("uvicorn.error")

#: A worker that dies this soon after it started is not restarted: the whole server stops (a startup error).
STARTUP_GRACE_SECONDS = 10.0


def reuseport_supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    sock = _listening_socket(host, port, reuse_port=True)
    sock.listen(2048)
    sock.set_inheritable(True)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options)).run(sockets=[sock])


def serve_workers(*, app: str, host: str, port: int, workers: int, options: dict[str, Any]) -> int:
    """Run `workers` processes until SIGINT/SIGTERM; a worker that dies later is replaced. Returns the exit
    status (1 when the port is taken or a worker fails at startup)."""
    try:  # without SO_REUSEPORT: fails if anything listens there, even another reuse-port server
        _listening_socket(host, port, reuse_port=False).close()
    except OSError as error:
        logger.error("cannot listen on %s:%s: %s", host, port, error)
        return 1
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(target=_worker, args=(app, host, port, options), daemon=False)
        process.start()
        return process, time.monotonic()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    running = [start() for _ in range(workers)]
    status = 0
    try:
        while not stop.wait(0.5):
            for index, (process, started) in enumerate(running):
                if process.is_alive():
                    continue
                if time.monotonic() - started < STARTUP_GRACE_SECONDS:
                    logger.error("worker %s exited at startup (code %s): stopping", process.pid, process.exitcode)
                    status = 1
                    stop.set()
                    break
                logger.warning("worker %s exited (code %s): starting another", process.pid, process.exitcode)
                running[index] = start()
    finally:
        for process, _ in running:
            if process.is_alive():
                process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        deadline = time.monotonic() + 30
        for process, _ in running:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
