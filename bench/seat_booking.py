#!/usr/bin/env python
"""Seat booking under a rush: N seats, 10×N concurrent submissions through the real GraphQL endpoint.

    python bench/seat_booking.py --seats 100 --clients 64 [--workers 2]

Starts a real server (`manage.py serve --workers W`, a subprocess) on its own database (`platform_bench`,
created in the embedded PostgreSQL unless DATABASE_URL is set), creates a plan with one session of N seats
and 10×N candidates with complete profiles, warms the server up (the same client books 2 × `--clients`
candidates on a session of their own, half of them refused, and sends authenticated `{ me }`: code paths run,
connection pool filled, statements prepared), then `--clients` client threads, each with its own keep-alive
HTTP connection, send `registrationSubmit` for every candidate. Prints successes (must equal N), failures
by code, throughput and p50/p99 latency; then the same booking as raw SQL (conditional UPDATE … WHERE
seats_taken < capacity + INSERT, one transaction per attempt, `--clients` connections) and the ratio.

In the same run, with the same client (`--clients` keep-alive connections, `--requests` requests each target):
a bare Strawberry ASGI app (bench/bare_strawberry.py, same number of uvicorn workers, each on its own socket
as the platform's are) answering `{ hello }`, the platform's `{ __typename }` on a province and its
authenticated `{ me { username } }` (bearer token), both servers up throughout and the three targets run in
interleaved rounds (`--rounds`, 3); prints each round's throughputs and the ratios `__typename ÷ bare` and
`me ÷ __typename` (the median of the rounds' ratios, and each round's). Then the server CPU per booking
attempt with one client (user+system CPU of every server process, psutil, over `--cpu-attempts` successes
on a fresh session and as many refusals of the full session).
Before each measured run the client process collects and freezes what it holds (`_settle`), so its own
garbage collection does not stall every client thread mid-run. Exits 1 if the GraphQL path booked anything but
exactly N.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SUBMIT = (
    "mutation($i: RegistrationInput!) { registrationSubmit(input: $i) { registration { id } errors { code } } }"
)


def _django(db_name: str) -> None:
    os.environ["PLATFORM_DB_NAME"] = db_name
    os.environ.setdefault("PLATFORM_ENV", "test")
    sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _prepare(seats: int, attempts: int, slug: str, extra_sessions: int = 0) -> tuple[dict[str, str], list[str]]:
    """Returns the choice (global IDs of plan, subject, session) and the candidates' tokens; the global IDs
    of `extra_sessions` more sessions of the plan are in EXTRA_SESSIONS."""
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import AuthToken, Role, User
    from accounts.tokens import TOKEN_LIFETIME
    from exams.models import ExamPlan, ExamSession, ExamSite, ExamType, Subject
    from profiles.models import Attachment, CandidateProfile
    from tenants.context import province_scope
    from tenants.divisions import find_division
    from tenants.services import national_ensure, province_provision

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    national_ensure()
    division = find_division(slug)
    assert division is not None
    province, _ = province_provision(division=division)
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    run = f"{int(time.time() * 1000) % 10**10}"
    now = timezone.now()
    with province_scope(province):
        exam_type, _ = ExamType.objects.get_or_create(name="基准测试考试类型")
        subject, _ = Subject.objects.get_or_create(exam_type=exam_type, name="出租汽车-企业负责人")
        site = ExamSite.objects.create(name="基准考点", address="基准路1号", region=province.name)
        day = now + timedelta(days=30)
        plan = ExamPlan.objects.create(
            name=f"bench {run}", region=province.name, exam_type=exam_type, site=site, exam_starts_at=day,
            exam_ends_at=day + timedelta(hours=8), registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=5), review_deadline=now + timedelta(days=10),
            ticket_opens_at=now, ticket_closes_at=day + timedelta(hours=8),
        )
        plan.subjects.set([subject])
        session = ExamSession.objects.create(plan=plan, name="第1场", starts_at=day, ends_at=day + timedelta(hours=2),
                                             capacity=seats)
        users = User.objects.bulk_create(
            [User(username=f"b{run}_{i}", roles=[Role.CANDIDATE], password="!") for i in range(attempts)]
        )
        profiles = CandidateProfile.objects.bulk_create(
            [CandidateProfile(user=u, real_name="考生", id_number=f"B{run}{i}", gender="male",
                              birth_date=date(1990, 1, 1), phone="13900000000", employer="基准客运公司",
                              years_in_city_transport=5) for i, u in enumerate(users)]
        )
        Attachment.objects.bulk_create(
            [Attachment(profile=p, kind=kind, storage_name="x", content_type="image/png", size=1, sha256="0" * 64)
             for p in profiles for kind in ("avatar", "id_front", "id_back")]
        )
        tokens = [f"{slug}.bench{run}x{i}" for i in range(attempts)]
        # issued as auth_token_issue does at login (stamped as used now)
        AuthToken.objects.bulk_create(
            [AuthToken(key_hash=hashlib.sha256(t.encode()).hexdigest(), prefix=t[: t.index(".") + 7], user=u,
                       expires_at=now + TOKEN_LIFETIME, last_used_at=now) for t, u in zip(tokens, users, strict=True)]
        )
        extra = [ExamSession.objects.create(plan=plan, name=f"第{n + 2}场", starts_at=day,
                                            ends_at=day + timedelta(hours=2), capacity=seats)
                 for n in range(extra_sessions)]
    from tests.support.ids import gid

    choice = {"planId": gid("ExamPlan", province, plan.pk), "subjectId": gid("Subject", province, subject.pk),
              "sessionId": gid("ExamSession", province, session.pk)}
    EXTRA_SESSIONS[:] = [(other.pk, gid("ExamSession", province, other.pk)) for other in extra]
    return choice, tokens


EXTRA_SESSIONS: list[tuple[int, str]] = []  # (pk, global ID) of the extra sessions of the last _prepare


def _start_server(db_name: str, port: int, workers: int, env_extra: dict[str, str] | None = None,
                  command: list[str] | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PLATFORM_DB_NAME": db_name, **(env_extra or {})}
    process = subprocess.Popen(
        command or [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port), "--workers", str(workers),
                    "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", "/graphql/", body=b'{"query":"{ __typename }"}',
                         headers={"Host": "yunnan.localhost", "Content-Type": "application/json"})
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("server did not start")


def _start_bare(port: int, workers: int) -> subprocess.Popen[bytes]:
    """The bare Strawberry app on uvicorn, its workers each on a listening socket of their own as the platform's
    are (core.workers), so the ratio compares the applications, not how connections reach the workers."""
    code = (
        f"import sys; sys.path[:0] = [{str(ROOT / 'bench')!r}, {str(ROOT / 'platform')!r}]\n"
        "from core.workers import run_workers\n"
        f"run_workers('bare_strawberry:app', host='127.0.0.1', port={port}, workers={workers}, access_log=False, "
        "log_level='warning', lifespan='off')"
    )
    return _start_server("", port, workers, command=[sys.executable, "-c", code])


def _server_cpu(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU seconds of the server process and all its children (uvicorn workers)."""
    import psutil

    root = psutil.Process(process.pid)
    total = 0.0
    for p in [root, *root.children(recursive=True)]:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _settle() -> None:
    """Before a measured run: collect, then freeze what this client process holds (Django, the prepared rows),
    so no full garbage collection stalls all its client threads mid-run. Measured with gc.callbacks, this
    process ran full collections of 30–90 ms during a bench; one of them stalls every in-flight request and
    showed as server latency in the p99. Done the same way before every target's run (and by bench/subscribers'
    client processes once connected)."""
    import gc

    gc.collect()
    gc.freeze()


def _load_run(port: int, host: str, body: bytes, tokens: list[str] | None, requests: int,
              clients: int) -> dict[str, Any]:
    """`requests` identical POSTs over `clients` keep-alive connections; every answer must be 200 without errors."""
    _settle()
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    shares = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]

    def client(index: int, count: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Host": host, "Content-Type": "application/json"}
        if tokens:
            headers["Authorization"] = f"Bearer {tokens[index % len(tokens)]}"
        mine: list[float] = []
        barrier.wait()
        for _ in range(count):
            started = time.perf_counter()
            conn.request("POST", "/graphql/", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200 or b'"errors"' in payload:
                with lock:
                    failures[f"{response.status} {payload[:80]!r}"] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(client, i, n) for i, n in enumerate(shares)]
        barrier.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        wall = time.perf_counter() - started
    return {"latencies": latencies, "wall": wall, "failures": failures, "requests": requests}


def _load_report(title: str, result: dict[str, Any]) -> float:
    lat = result["latencies"]
    throughput = result["requests"] / result["wall"]
    failed = sum(result["failures"].values())
    note = f", FAILED {failed}: {dict(result['failures'])}" if failed else ""
    print(f"{title}: {throughput:,.0f} req/s, p50 {statistics.median(lat) * 1000:.1f} ms, "
          f"p99 {_percentile(lat, 0.99) * 1000:.1f} ms{note}")
    return throughput


def _cpu_per_attempt(server: subprocess.Popen[bytes], port: int, host: str, tokens: list[str],
                     choice: dict[str, str], seats: int) -> tuple[float, float]:
    """Server CPU (ms) per booking attempt with one client: `seats` successes, then `seats` refusals."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def submit(token: str) -> str:
        body = json.dumps({"query": SUBMIT, "variables": {"i": {
            "planId": choice["planId"], "subjectId": choice["subjectId"], "sessionId": EXTRA_SESSIONS[0][1],
            "pledgeAccepted": True}}})
        conn.request("POST", "/graphql/", body=body.encode(), headers={
            "Host": host, "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        payload = (json.loads(conn.getresponse().read()).get("data") or {}).get("registrationSubmit") or {}
        return "OK" if payload.get("registration") else str((payload.get("errors") or [{}])[0].get("code"))

    figures = []
    for batch, expected in ((tokens[:seats], "OK"), (tokens[seats:2 * seats], "SESSION_FULL")):
        before = _server_cpu(server)
        codes = Counter(submit(t) for t in batch)
        figures.append((_server_cpu(server) - before) * 1000 / len(batch))
        if codes.get(expected, 0) != len(batch):
            print(f"  (cpu run: expected {expected} for all, got {dict(codes)})")
    conn.close()
    return figures[0], figures[1]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _graphql_run(port: int, host: str, tokens: list[str], choice: dict[str, str], clients: int) -> dict[str, Any]:
    _settle()
    chunks = [tokens[i::clients] for i in range(clients)]
    latencies: list[float] = []
    codes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(mine: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        for token in mine:
            body = json.dumps({"query": SUBMIT, "variables": {"i": {**choice, "pledgeAccepted": True}}})
            started = time.perf_counter()
            conn.request("POST", "/graphql/", body=body.encode(), headers={
                "Host": host, "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
            response = json.loads(conn.getresponse().read())
            elapsed = time.perf_counter() - started
            payload = (response.get("data") or {}).get("registrationSubmit") or {}
            code = "OK" if payload.get("registration") else (
                (payload.get("errors") or [{}])[0].get("code") or f"top-level: {response.get('errors')}")
            with lock:
                latencies.append(elapsed)
                codes[code] += 1
        conn.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(client, chunk) for chunk in chunks]
        barrier.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        wall = time.perf_counter() - started
    return {"codes": codes, "latencies": latencies, "wall": wall}


def _raw_sql_run(seats: int, attempts: int, clients: int) -> dict[str, Any]:
    """The same booking as bare SQL: one transaction per attempt, conditional UPDATE then INSERT."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")}
    with psycopg.connect(**dsn, autocommit=True) as setup:
        setup.execute("CREATE SCHEMA IF NOT EXISTS bench")
        setup.execute("DROP TABLE IF EXISTS bench.booking, bench.session")
        setup.execute("CREATE TABLE bench.session (id int PRIMARY KEY, capacity int NOT NULL, "
                      "seats_taken int NOT NULL DEFAULT 0, seats_version bigint NOT NULL DEFAULT 0)")
        setup.execute("CREATE TABLE bench.booking (id bigserial PRIMARY KEY, session_id int NOT NULL, "
                      "candidate int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
        setup.execute("INSERT INTO bench.session (id, capacity) VALUES (1, %s)", [seats])
    _settle()
    per_client = [list(range(attempts))[i::clients] for i in range(clients)]
    latencies: list[float] = []
    booked = Counter[str]()
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(candidates: list[int]) -> None:
        with psycopg.connect(**dsn) as conn:
            barrier.wait()
            for candidate in candidates:
                started = time.perf_counter()
                with conn.transaction():
                    row = conn.execute(
                        "UPDATE bench.session SET seats_taken = seats_taken + 1, seats_version = seats_version + 1 "
                        "WHERE id = 1 AND seats_taken < capacity RETURNING seats_taken").fetchone()
                    if row is not None:
                        conn.execute("INSERT INTO bench.booking (session_id, candidate) VALUES (1, %s)", [candidate])
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    booked["OK" if row is not None else "SESSION_FULL"] += 1

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(client, chunk) for chunk in per_client]
        barrier.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        wall = time.perf_counter() - started
    return {"codes": booked, "latencies": latencies, "wall": wall}


def _report(title: str, result: dict[str, Any], attempts: int) -> float:
    lat = result["latencies"]
    throughput = attempts / result["wall"]
    print(f"{title}")
    print(f"  successes: {result['codes'].get('OK', 0)}")
    print(f"  failures by code: {dict((k, v) for k, v in result['codes'].items() if k != 'OK')}")
    print(f"  throughput: {throughput:,.0f} attempts/s ({attempts} in {result['wall']:.2f} s)")
    print(f"  latency p50 {statistics.median(lat) * 1000:.1f} ms, p99 {_percentile(lat, 0.99) * 1000:.1f} ms, "
          f"max {max(lat) * 1000:.1f} ms")
    return throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument("--province", default="yunnan")
    parser.add_argument("--db", default="platform_bench", help="database name (created if missing)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per read target (default 3000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds the read targets' requests are "
                        "split into (default 3)")
    parser.add_argument("--cpu-attempts", type=int, default=100, help="one-client attempts per CPU figure")
    args = parser.parse_args()
    attempts = 10 * args.seats
    clients = min(args.clients, attempts)
    cpu_n = args.cpu_attempts

    _django(args.db)
    warm_n = 2 * clients
    # tokens: the rush's candidates, then 2 × cpu_n for the one-client CPU run (on session 2, cpu_n seats), then
    # warm_n for the warm-up (on session 3, half as many seats: successes and refusals)
    choice, tokens = _prepare(args.seats, attempts + 2 * cpu_n + warm_n, args.province, extra_sessions=2)
    from exams.models import ExamSession
    from tenants.context import province_scope
    from tenants.models import Province

    with province_scope(Province.objects.get(slug=args.province)):
        ExamSession.objects.filter(pk=EXTRA_SESSIONS[0][0]).update(capacity=cpu_n)
        ExamSession.objects.filter(pk=EXTRA_SESSIONS[1][0]).update(capacity=warm_n // 2)
    warm_tokens = tokens[attempts + 2 * cpu_n:]
    cpu_tokens, tokens = tokens[attempts:attempts + 2 * cpu_n], tokens[:attempts]
    host = f"{args.province}.localhost"
    from tests.support.live_server import free_port

    bare_port = free_port()
    bare = _start_bare(bare_port, args.workers)
    port = free_port()
    server = _start_server(args.db, port, args.workers)
    rounds: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    per_round = max(1, args.requests // args.rounds)
    try:
        # Warm every worker as a server that has been up for a while is (code paths run once, the connection
        # pool filled, statements prepared on its connections): the same client rushes a session of its own
        # (successes and refusals) and sends authenticated `{ me }`, before anything is measured.
        warm = _graphql_run(port, host, warm_tokens, {**choice, "sessionId": EXTRA_SESSIONS[1][1]}, clients)
        _load_run(port, host, b'{"query":"{ me { username } }"}', warm_tokens[:clients], 4 * clients, clients)
        _load_run(bare_port, host, b'{"query":"{ hello }"}', None, 200, 8)
        _load_run(port, host, b'{"query":"{ __typename }"}', None, 200, 8)
        print(f"seat booking: {args.seats} seats, {attempts} submissions, {clients} clients, "
              f"{args.workers} server worker(s), {os.cpu_count()} CPU(s); warmed up with {warm_n} bookings on "
              f"another session ({dict(warm['codes'])}) and {4 * clients} {{ me }}")
        graphql = _graphql_run(port, host, tokens, choice, clients)
        # The read targets in interleaved rounds (bare, __typename, me; both servers up throughout), so a slower
        # spell of this shared box weighs on all three alike: each ratio is the median of the rounds' ratios.
        me_body = b'{"query":"{ me { username } }"}'
        for _ in range(args.rounds):
            rounds.append((
                _load_run(bare_port, host, b'{"query":"{ hello }"}', None, per_round, clients),
                _load_run(port, host, b'{"query":"{ __typename }"}', None, per_round, clients),
                _load_run(port, host, me_body, tokens[:clients], per_round, clients),
            ))
        cpu_ok, cpu_full = _cpu_per_attempt(server, port, host, cpu_tokens, choice, cpu_n)
    finally:
        for process in (server, bare):
            process.terminate()
            process.wait(timeout=30)
    print(f"same client: {clients} keep-alive connections, {args.rounds} interleaved rounds of {per_round} "
          f"requests per target, {args.workers} server worker(s)")
    typename_ratios, me_ratios = [], []
    for index, (bare_run, typename_run, me_run) in enumerate(rounds, 1):
        bare_tps = _load_report(f"round {index}: bare Strawberry ASGI {{ hello }}", bare_run)
        typename_tps = _load_report(f"round {index}: platform {{ __typename }} (province)", typename_run)
        me_tps = _load_report(f"round {index}: platform {{ me {{ username }} }} (bearer token)", me_run)
        typename_ratios.append(typename_tps / bare_tps)
        me_ratios.append(me_tps / typename_tps)
    print(f"ratio __typename / bare Strawberry: {statistics.median(typename_ratios):.0%} (median; rounds "
          f"{' / '.join(f'{r:.0%}' for r in typename_ratios)})  (target ≥ 70%)")
    print(f"ratio me / __typename: {statistics.median(me_ratios):.0%} (median; rounds "
          f"{' / '.join(f'{r:.0%}' for r in me_ratios)})  (target ≥ 80%)")
    gql_tps = _report("GraphQL registrationSubmit (real server, HTTP)", graphql, attempts)
    raw = _raw_sql_run(args.seats, attempts, clients)
    raw_tps = _report("raw SQL (conditional UPDATE + INSERT per transaction)", raw, attempts)
    ok = graphql["codes"].get("OK", 0)
    ratio = gql_tps / raw_tps
    p99 = _percentile(graphql["latencies"], 0.99) * 1000
    print(f"ratio GraphQL / raw SQL: {ratio:.0%}  (target ≥ 25%, aim 40–50%)   "
          f"GraphQL p99: {p99:.0f} ms (target < 200 ms)")
    print(f"server CPU per booking attempt, one client: {cpu_ok:.1f} ms per success, {cpu_full:.1f} ms per refusal, "
          f"{(cpu_ok + cpu_full) / 2:.1f} ms mean  (target ≤ 5 ms)")
    print(f"exactly N booked: {'yes' if ok == args.seats else 'NO'} ({ok} of {args.seats})")
    if ok != args.seats:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
