#!/usr/bin/env python
"""Live seat counts to many watchers: K WebSocket subscribers on one session, then one booking.

    python bench/subscribers.py --subscribers 1000 [--subscribers 10000] [--client-processes 2]

Starts a real server (`manage.py serve`, one process, in-memory channel layer) on its own database
(`platform_bench`, as bench/seat_booking.py prepares it), opens K real WebSocket connections
(graphql-transport-ws, from `--client-processes` processes), each subscribing to `seatAvailability` of one
session and waiting for its first count (before they connect, the server has taken two bookings per
process on another session, as a server up for a while has). Then one candidate books through the GraphQL HTTP endpoint.
Prints the delivery latency of the new count to all K (p50 / p99 / max, from the moment the booking
request was sent), how many received it, and the server's memory per connection (RSS growth / K). Watchers
stay connected until every watcher of their client process has the count, as seat boards stay open;
`--hang-up` makes each one hang up as soon as it has it (the behaviour before: the platform then serves a
storm of closes while still delivering, which the bare server barely notices).
Target: 10,000 subscribers, p99 ≤ 500 ms.

Each client process, once its connections are open, collects and freezes its objects (`seat_booking._settle`): a full
garbage collection over 5,000 connections took 0.4–0.6 s in a client and stalled all of that process's
watchers, which the bench counted as delivery latency. The bare reference's clients do the same.

In the same run, for each K, the physical reference: a bare `websockets` server (bench/bare_broadcast.py)
broadcasting one 200-byte message to K clients of the same client processes; prints its p99, its memory per
connection and the ratio platform p99 ÷ bare p99 (target ≤ 1.3×). `--workers 2 --redis redis://127.0.0.1:6379/0`
runs the platform as 2 server processes behind Redis (the pub/sub channel layer); memory is summed over them.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

WATCH = "subscription($s: ID) { seatAvailability(sessionId: $s) { remaining version } }"


async def _stay(arrivals: list[float], connected: list[int], everyone: asyncio.Event, hang_up: bool) -> None:
    """After a watcher has its message: unless `hang_up`, keep it connected until every watcher of this client
    process has had it (the last one to arrive lets them all go)."""
    if hang_up:
        return
    if len(arrivals) == len(connected):
        everyone.set()
    await everyone.wait()


def _client(port: int, host: str, session_id: str, count: int, ready: Any, go: Any, out: Any,
            hang_up: bool = False) -> None:
    """One client process: `count` connections; reports readiness, then arrival times of the new count.

    Each watcher keeps watching until every watcher of this process has the count (a seat board stays open),
    then hangs up; with `hang_up`, each one hangs up as soon as it has it (its close competes with the
    deliveries still under way)."""
    import seat_booking
    import websockets

    arrivals: list[float] = []
    everyone = asyncio.Event()
    connected: list[int] = []
    failed: list[str] = []

    async def one(index: int, opened: asyncio.Event, pace: asyncio.Semaphore) -> None:
        held = True
        await pace.acquire()
        try:
            async with websockets.connect(
                f"ws://{host}:{port}/graphql/", host="127.0.0.1", port=port,
                subprotocols=[websockets.Subprotocol("graphql-transport-ws")], open_timeout=300,
                ping_interval=None, max_queue=None,
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                await ws.recv()
                await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                          "payload": {"query": WATCH, "variables": {"s": session_id}}}))
                first = json.loads(await ws.recv())
                start = first["payload"]["data"]["seatAvailability"]["remaining"]
                pace.release()
                held = False
                connected.append(index)
                if len(connected) + len(failed) == count:
                    opened.set()
                while True:
                    message = json.loads(await ws.recv())
                    if message.get("type") == "next":
                        if message["payload"]["data"]["seatAvailability"]["remaining"] < start:
                            arrivals.append(time.time())
                            await _stay(arrivals, connected, everyone, hang_up)
                            return
        except Exception as error:  # noqa: BLE001 - counted and reported; the run goes on
            if held:
                pace.release()
            failed.append(type(error).__name__)
            if len(connected) + len(failed) == count:
                opened.set()

    async def main() -> None:
        opened = asyncio.Event()
        pace = asyncio.Semaphore(100)  # handshakes in flight at once
        tasks = [asyncio.create_task(one(i, opened, pace)) for i in range(count)]
        await asyncio.wait_for(opened.wait(), timeout=900)
        # Freeze what exists once connected: a full collection over 5,000 connections took 0.4–0.6 s in a client
        # and stalled all of its watchers, which would count as delivery latency.
        seat_booking._settle()
        ready.put((len(connected), len(failed)))
        await asyncio.get_running_loop().run_in_executor(None, go.wait)
        _, pending = await asyncio.wait(tasks, timeout=30)
        everyone.set()
        for task in pending:
            task.cancel()
        out.put(arrivals)

    asyncio.run(main())


def _bare_client(port: int, count: int, ready: Any, go: Any, out: Any, hang_up: bool = False) -> None:
    """One client process of the bare reference: `count` plain WebSockets waiting for one message (hanging
    up as `_client` does)."""
    import seat_booking
    import websockets

    arrivals: list[float] = []
    everyone = asyncio.Event()
    connected: list[int] = []
    failed: list[str] = []

    async def one(opened: asyncio.Event, pace: asyncio.Semaphore) -> None:
        await pace.acquire()
        held = True
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/", open_timeout=300, ping_interval=None,
                                          max_queue=None, compression=None) as ws:
                pace.release()
                held = False
                connected.append(1)
                if len(connected) + len(failed) == count:
                    opened.set()
                await ws.recv()
                arrivals.append(time.time())
                await _stay(arrivals, connected, everyone, hang_up)
        except Exception as error:  # noqa: BLE001 - counted and reported
            if held:
                pace.release()
            failed.append(type(error).__name__)
            if len(connected) + len(failed) == count:
                opened.set()

    async def main() -> None:
        opened = asyncio.Event()
        pace = asyncio.Semaphore(100)
        tasks = [asyncio.create_task(one(opened, pace)) for _ in range(count)]
        await asyncio.wait_for(opened.wait(), timeout=900)
        # Freeze what exists once connected: a full collection over 5,000 connections took 0.4–0.6 s in a client
        # and stalled all of its watchers, which would count as delivery latency.
        seat_booking._settle()
        ready.put((len(connected), len(failed)))
        await asyncio.get_running_loop().run_in_executor(None, go.wait)
        _, pending = await asyncio.wait(tasks, timeout=30)
        everyone.set()
        for task in pending:
            task.cancel()
        out.put(arrivals)

    asyncio.run(main())


def _bare_run(k: int, client_processes: int, pause: float, hang_up: bool = False) -> tuple[list[float], int, float]:
    """The bare broadcast to K clients: (latencies ms, connected, KiB per connection)."""
    import subprocess

    import websockets.sync.client

    from tests.support.live_server import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_broadcast.py"), str(port)])
    try:
        for _ in range(100):
            try:
                with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/probe"):
                    pass
                break
            except OSError:
                time.sleep(0.1)
        base_rss = _rss(server.pid)
        ready: Any = mp.Queue()
        out: Any = mp.Queue()
        go = mp.Event()
        shares = [k // client_processes + (1 if i < k % client_processes else 0) for i in range(client_processes)]
        clients = [mp.Process(target=_bare_client, args=(port, n, ready, go, out, hang_up)) for n in shares if n]
        for process in clients:
            process.start()
        connected = sum(ready.get(timeout=1200)[0] for _ in clients)
        time.sleep(pause)
        rss = _rss(server.pid)
        go.set()
        sent = time.time()
        with websockets.sync.client.connect(f"ws://127.0.0.1:{port}/go") as control:
            control.recv()
        arrivals = [t for _ in clients for t in out.get(timeout=120)]
        for process in clients:
            process.join(timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return sorted((t - sent) * 1000 for t in arrivals), connected, (rss - base_rss) / max(k, 1) / 1024


def _book(port: int, host: str, choice: dict[str, str], token: str) -> dict[str, Any]:
    """One `registrationSubmit` over a new connection; the decoded answer."""
    import seat_booking

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"query": seat_booking.SUBMIT, "variables": {"i": {**choice, "pledgeAccepted": True}}})
    conn.request("POST", "/graphql/", body=body.encode(), headers={
        "Host": host, "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    answer: dict[str, Any] = json.loads(conn.getresponse().read())
    conn.close()
    return answer


def _probe_watcher(port: int, host: str, session_id: str) -> None:
    """One watcher that subscribes, has its first count and hangs up."""
    import socket

    from websockets import Subprotocol
    from websockets.sync.client import connect

    with connect(f"ws://{host}:{port}/graphql/", sock=socket.create_connection(("127.0.0.1", port), timeout=30),
                 subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=30) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        ws.recv(timeout=30)
        ws.send(json.dumps({"id": "1", "type": "subscribe",
                            "payload": {"query": WATCH, "variables": {"s": session_id}}}))
        ws.recv(timeout=30)


def _p99(latencies: list[float]) -> float:
    return latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))] if latencies else float("nan")


def _rss(pid: int) -> int:
    """Resident memory of the process and its children (uvicorn workers)."""
    import psutil

    root = psutil.Process(pid)
    return sum(int(p.memory_info().rss) for p in [root, *root.children(recursive=True)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, action="append", help="K (repeatable); default 1000")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--province", default="yunnan")
    parser.add_argument("--db", default="platform_bench")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between ready and the booking")
    parser.add_argument("--workers", type=int, default=1, help="server processes (more than 1 needs --redis)")
    parser.add_argument("--redis", default="", help="REDIS_URL for the server (the pub/sub channel layer)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare websockets reference")
    parser.add_argument("--hang-up", action="store_true",
                        help="each watcher hangs up as soon as it has the count (default: watchers stay until all of "
                             "their client process have it, as a seat board stays open)")
    args = parser.parse_args()
    sizes = args.subscribers or [1000]

    import seat_booking

    seat_booking._django(args.db)
    from tests.support.live_server import free_port

    host = f"{args.province}.localhost"
    for k in sizes:
        choice, tokens = seat_booking._prepare(10, 1 + 2 * args.workers, args.province, extra_sessions=1)
        port = free_port()
        env = {"REDIS_URL": args.redis, "PLATFORM_CHANNEL_PREFIX": f"bench{port}"} if args.redis else {}
        server = seat_booking._start_server(args.db, port, args.workers, env_extra=env)
        try:
            # As a server up for a while: the booking path has run (two per process, on another session nobody
            # here watches) before the watchers connect, so the measured booking is not the process's first.
            warm_choice = {**choice, "sessionId": seat_booking.EXTRA_SESSIONS[0][1]}
            for token in tokens[1:]:
                _book(port, host, warm_choice, token)
            # Memory per connection is the growth over a server that has served watchers already (as the bare
            # reference's base is taken after a probe connection): the first ones' imports, and the threads and
            # pooled database connections that concurrent subscriptions start, are not theirs.
            with ThreadPoolExecutor(max_workers=16) as probes:
                futures = [probes.submit(_probe_watcher, port, host, warm_choice["sessionId"]) for _ in range(32)]
                for future in futures:
                    future.result()
            base_rss = _rss(server.pid)
            ready: Any = mp.Queue()
            out: Any = mp.Queue()
            go = mp.Event()
            shares = [k // args.client_processes + (1 if i < k % args.client_processes else 0)
                      for i in range(args.client_processes)]
            clients = [mp.Process(target=_client, args=(port, host, choice["sessionId"], n, ready, go, out,
                                                        args.hang_up)) for n in shares if n]
            started = time.monotonic()
            for process in clients:
                process.start()
            reports = [ready.get(timeout=1200) for _ in clients]
            connected = sum(r[0] for r in reports)
            failures = sum(r[1] for r in reports)
            setup_s = time.monotonic() - started
            print(f"  {connected} watchers ready; booking in {args.pause:.0f} s (server pid {server.pid})", flush=True)
            time.sleep(args.pause)
            rss = _rss(server.pid)
            go.set()
            sent = time.time()
            booked = _book(port, host, choice, tokens[0])
            answered_ms = (time.time() - sent) * 1000
            arrivals = [t for _ in clients for t in out.get(timeout=120)]
            for process in clients:
                process.join(timeout=30)
        finally:
            server.terminate()
            server.wait(timeout=30)
        latencies = sorted((t - sent) * 1000 for t in arrivals)
        ok = not (booked.get("data") or {}).get("registrationSubmit", {}).get("errors")
        print(f"subscribers: {k}, connected {connected}, failed {failures}, in {setup_s:.1f} s, booking ok: {ok}, "
              f"{os.cpu_count()} CPU(s), {args.client_processes} client process(es), {args.workers} server "
              f"process(es){' behind Redis' if args.redis else ''}; the booking was answered in {answered_ms:.0f} ms")
        if latencies:
            p99 = _p99(latencies)
            print(f"  delivered to {len(latencies)} of {k}: p50 {statistics.median(latencies):.0f} ms, "
                  f"p99 {p99:.0f} ms, max {latencies[-1]:.0f} ms  (target p99 ≤ 500 ms)")
        print(f"  server memory: {base_rss / 2**20:.0f} MiB idle, {rss / 2**20:.0f} MiB with {k} connections, "
              f"{(rss - base_rss) / max(k, 1) / 1024:.1f} KiB per connection  (target ≤ 30 KiB)")
        if not args.no_bare:
            bare, bare_connected, bare_kib = _bare_run(k, args.client_processes, args.pause, args.hang_up)
            print(f"  bare websockets broadcast: delivered to {len(bare)} of {bare_connected}: p50 "
                  f"{statistics.median(bare) if bare else float('nan'):.0f} ms, p99 {_p99(bare):.0f} ms, "
                  f"{bare_kib:.1f} KiB per connection")
            if latencies and bare:
                print(f"  ratio platform p99 / bare p99: {_p99(latencies) / _p99(bare):.2f}×  (target ≤ 1.3×)",
                      flush=True)


if __name__ == "__main__":
    main()
