"""Error intake benchmark: envelopes made by the real sentry_sdk (captured once, from exceptions
raised at 20 call sites, gzip-compressed as the SDK sends them), posted to onwatch's
`/api/{project_id}/envelope/` through the ASGI app in-process (each request handed to it as
uvicorn would: no sockets, no client library), one event per request as the SDKs send them, on
SQLite and on PostgreSQL when it is reachable. Prints events/s stored and grouped, request
p50/p99, and checks that every 200 is a committed event row and that the events fell into the 20
issues expected.

    .venv/bin/python bench/errors.py [--events 4000] [--concurrency 8]
    .venv/bin/python bench/errors.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import sentry_sdk
from sentry_sdk.transport import Transport
from sqlalchemy import func, select

from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.errors import keys
from onwatch.errors.models import ErrorEvent, ErrorIssue
from onwatch.migrations import runner
from onwatch.web.app import create_app
from onwatch.web.context import AppContext

CALL_SITES = 20
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


class _Recording(Transport):
    """The SDK's transport seam: keeps each serialised envelope instead of sending it."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.bodies: list[bytes] = []

    def capture_envelope(self, envelope: Any) -> None:
        self.bodies.append(envelope.serialize())


def _site(n: int):  # type: ignore[no-untyped-def]
    """A function of its own code (a call site of its own): handler_<n> of module shop.views."""
    namespace: dict[str, Any] = {"__name__": "shop.views"}
    exec(f"def handler_{n}(order):\n    return order['total']\n", namespace)
    return namespace[f"handler_{n}"]


def sdk_envelopes(count: int) -> list[bytes]:
    """`count` envelopes, each one exception event, from CALL_SITES call sites, gzipped."""
    transport = _Recording({"dsn": "http://k@localhost/1"})
    client = sentry_sdk.Client(
        dsn="http://k@localhost/1",
        transport=transport,
        default_integrations=False,
        auto_enabling_integrations=False,
        release="bench@1.0.0",
        environment="production",
        send_client_reports=False,
    )
    sites = [_site(n) for n in range(CALL_SITES)]
    with sentry_sdk.new_scope() as scope:
        scope.set_client(client)
        scope.set_user({"id": "u-1", "ip_address": "203.0.113.9"})
        for n in range(count):
            try:
                sites[n % CALL_SITES]({})
            except KeyError:
                scope.capture_exception()
    client.close()
    return [gzip.compress(body, compresslevel=9) for body in transport.bodies]


async def _post(app: Any, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """One request straight into the ASGI app, as uvicorn hands it over: no client library's
    cost in the numbers, only onwatch's."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _drive(
    app: Any, path: str, auth: str, bodies: list[bytes], concurrency: int
) -> list[float]:
    latencies: list[float] = []
    queue = iter(bodies)
    headers = [
        (b"x-sentry-auth", auth.encode()),
        (b"content-encoding", b"gzip"),
        (b"content-type", b"application/x-sentry-envelope"),
    ]

    async def worker() -> None:
        for body in queue:
            started = time.perf_counter()
            status = await _post(app, path, headers, body)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"answered {status}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def run(name: str, db: Database, bodies: list[bytes], concurrency: int) -> None:
    runner.upgrade(db)
    now = SystemClock().now()
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="bench"), actor="bench", now=now)
        key = keys.create_key(session, service="bench", actor="bench", now=now)
        public_key, project_id = key.public_key, key.service_id
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), errors_rate_limit=0)
    app = create_app(AppContext(db=db, settings=settings, clock=SystemClock()))
    url = f"/api/{project_id}/envelope/"
    auth = f"Sentry sentry_key={public_key}, sentry_version=7, sentry_client=sentry.python"
    warm = asyncio.run(_drive(app, url, auth, bodies[:50], 1))
    started = time.perf_counter()
    latencies = asyncio.run(_drive(app, url, auth, bodies[50:], concurrency))
    elapsed = time.perf_counter() - started
    with db.read() as session:
        events = session.scalar(select(func.count()).select_from(ErrorEvent))
        issues = session.scalar(select(func.count()).select_from(ErrorIssue))
    assert events == len(warm) + len(latencies), (events, len(latencies))
    assert issues == CALL_SITES, issues
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<10} {len(latencies) / elapsed:8.0f} events/s  "
        f"p50 {cuts[49] * 1000:6.2f} ms  p99 {cuts[98] * 1000:6.2f} ms  "
        f"({len(latencies)} events, concurrency {concurrency}; {events} rows committed, "
        f"{issues} issues)"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", default=PG_DEFAULT)
    args = parser.parse_args(argv)
    bodies = sdk_envelopes(args.events + 50)
    print(f"{len(bodies)} envelopes from sentry_sdk {sentry_sdk.VERSION}, "
          f"{sum(map(len, bodies)) // len(bodies)} bytes each gzipped")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite:///{Path(scratch) / 'bench.db'}")
        run("sqlite", db, bodies, args.concurrency)
        db.dispose()
    name = f"onwatch_bench_errors_{int(time.time())}"
    try:
        admin = psycopg.connect(args.postgres, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(f"postgresql: not reachable ({str(error).strip().splitlines()[0]}); skipped")
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        db = Database(f"{args.postgres.rsplit('/', 1)[0]}/{name}")
        run("postgresql", db, bodies, args.concurrency)
        db.dispose()
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main(sys.argv[1:])
