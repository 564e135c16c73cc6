"""Intake benchmark: onwatch (`onwatch serve`, SQLite by default) and Debian's Prometheus
Alertmanager on loopback, driven one after the other with the same load: batches of 50 alerts
(to Alertmanager's /api/v2/alerts and to onwatch's Alertmanager webhook), then single alerts (a
PagerDuty event to onwatch, a one-alert post to Alertmanager). Prints alerts/s accepted, request
p50/p99, peak RSS of each server, the onwatch/Alertmanager ratio, checks that every accepted
onwatch alert event is committed, and how soon after its 202 a first incident is visible.

The batches and the single events cycle through a fixed set of bodies, as monitors re-send
firing alerts unchanged (onwatch folds such a repeat into its alert's counts); one more phase
sends single PagerDuty events whose every body is new, each stored as an event of its own.

    .venv/bin/python bench/intake.py [--seconds 10] [--concurrency 16] [--client raw]
    .venv/bin/python bench/intake.py --workers 2     # onwatch serve --workers 2
    .venv/bin/python bench/intake.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

The default load generator is httpx.AsyncClient. It costs a few milliseconds of CPU a request,
so on a small machine (the servers and the client share the CPUs) it, not the servers, sets the
pace of small requests: `--client raw` speaks HTTP/1.1 over plain asyncio streams instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from sqlalchemy import create_engine, text

from onwatch.core.db import normalize_url

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
BATCH = 50
POOL = 100  # distinct batches: 5,000 distinct alerts, cycled, so repeats fold as in real use
PD_KEYS = 1000  # distinct PagerDuty dedup keys, cycled
NEW_BODIES = 200_000  # distinct PagerDuty bodies for the phase where no body repeats
FIRST_INCIDENT_TRIES = 20


@dataclass
class Result:
    name: str
    requests: int = 0
    alerts: int = 0
    failures: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.alerts / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return (
            f"  {self.name:<34} {self.rate:>9,.0f} alerts/s  {self.requests:>7,} requests  "
            f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  failures {self.failures}"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had, with its child processes
    (`serve --workers`) added."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    own = int(found.group(1)) / 1024 if found else 0.0
    return own + sum(peak_rss_mb(int(child)) for child in children)


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited at start")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # a benchmark script, not a test: waiting on a process to listen
    raise SystemExit(f"{url} not ready after {seconds} s")


@contextmanager
def database(postgres: str | None, data: Path) -> Iterator[str]:
    """A scratch PostgreSQL database on `postgres`, dropped afterwards; else a SQLite file."""
    if postgres is None:
        yield f"sqlite:///{data / 'onwatch.db'}"
        return
    name = f"onwatch_bench_{os.getpid()}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{postgres.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def org_file(first_incident_services: int) -> str:
    lines = ["services:", "  - name: bench"]
    lines += [f"  - name: first-{i}" for i in range(first_incident_services)]
    lines += ["integrations:"]
    for name, service, kind in [
        ("bench-am", "bench", "alertmanager"),
        ("bench-pd", "bench", "pagerduty"),
        *[(f"first-{i}", f"first-{i}", "pagerduty") for i in range(first_incident_services)],
    ]:
        lines += [f"  - {{name: {name}, service: {service}, type: {kind}, rate_limit: 0}}"]
    return "\n".join(lines) + "\n"


@contextmanager
def onwatch_server(
    database_url: str, data: Path, workers: int = 1
) -> Iterator[tuple[str, int, dict[str, str], str]]:
    """`onwatch serve` with the bench org applied: (url, pid, keys by integration, token)."""
    port = free_port()
    env = {
        **os.environ,
        "ONWATCH_DATABASE_URL": database_url,
        "ONWATCH_DATA_DIR": str(data),
        "ONWATCH_PORT": str(port),
        "ONWATCH_WORKERS": str(workers),
    }
    onwatch = [sys.executable, "-m", "onwatch.cli.main"]
    subprocess.run([*onwatch, "migrate"], env=env, check=True, capture_output=True)
    applied = subprocess.run(
        [*onwatch, "apply", "-f", "-"],
        env=env,
        input=org_file(FIRST_INCIDENT_TRIES).encode(),
        check=True,
        capture_output=True,
    ).stdout.decode()
    names = re.findall(r"^\+ integration (\S+)", applied, re.M)
    keys = dict(zip(names, re.findall(r"key \(shown once\): (\S+)", applied), strict=True))
    token = (
        subprocess.run(
            [*onwatch, "tokens", "create", "--name", "bench", "--role", "viewer"],
            env=env,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .strip()
    )
    process = subprocess.Popen(
        [*onwatch, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/readyz", process)
        yield url, process.pid, keys, token
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)


@contextmanager
def alertmanager_server(data: Path) -> Iterator[tuple[str, int]]:
    config = data / "alertmanager.yml"
    # A receiver with no integrations: Alertmanager stores and groups alerts, sends nothing.
    config.write_text("route: {receiver: none}\nreceivers: [{name: none}]\n")
    port = free_port()
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={data / 'am'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/-/ready", process)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(30)


def labels(batch: int, i: int) -> dict[str, str]:
    return {
        "alertname": f"BenchAlert{batch % 10}",
        "instance": f"host-{batch}-{i}.example:9100",
        "job": "node",
        "severity": ("critical", "warning", "info")[i % 3],
    }


def am_alerts(batch: int, size: int) -> list[dict[str, Any]]:
    """Alertmanager's /api/v2/alerts body."""
    starts = datetime.now(UTC).isoformat()
    return [
        {
            "labels": labels(batch, i),
            "annotations": {"summary": f"Bench alert {batch}/{i} is firing"},
            "startsAt": starts,
            "generatorURL": "http://prometheus.example/graph",
        }
        for i in range(size)
    ]


def webhook(batch: int, size: int) -> dict[str, Any]:
    """The same alerts as Alertmanager's webhook (version 4) carries them to onwatch."""
    return {
        "version": "4",
        "status": "firing",
        "receiver": "onwatch",
        "groupKey": f'{{}}:{{alertname="BenchAlert{batch % 10}"}}',
        "groupLabels": {"alertname": f"BenchAlert{batch % 10}"},
        "externalURL": "http://alertmanager.example",
        "alerts": [
            {**alert, "status": "firing", "fingerprint": f"{batch:04d}{i:04d}"}
            for i, alert in enumerate(am_alerts(batch, size))
        ],
    }


def encode(body: Any) -> bytes:
    return json.dumps(body).encode()


def pd_event(key: str, n: int, sent: int | None = None) -> dict[str, Any]:
    """Trigger number `sent` for dedup key `n`; without `sent` the same body every time, as a
    monitor re-sends an unchanged alert (folded into the alert's counts by onwatch)."""
    event = {
        "routing_key": key,
        "event_action": "trigger",
        "dedup_key": f"bench-{n}",
        "payload": {"summary": f"Bench event {n}", "source": "bench", "severity": "error"},
    }
    if sent is not None:  # a body onwatch has not seen: stored as an event of its own
        event["payload"]["custom_details"] = {"sent": sent}
    return event


async def drive(
    name: str,
    url: str,
    bodies: list[bytes],
    alerts_per_request: int,
    args: argparse.Namespace,
) -> Result:
    """Post `bodies` in turn to `url` from `args.concurrency` workers for `args.seconds`."""
    result = Result(name)
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + args.seconds
    send = await (raw_sender if args.client == "raw" else httpx_sender)(url, args.concurrency)

    async def worker(slot: int) -> None:
        while time.perf_counter() < stop_at:
            body = bodies[next(counter) % len(bodies)]
            started = time.perf_counter()
            try:
                status = await send(slot, body)
            except (OSError, httpx.HTTPError, asyncio.IncompleteReadError):
                result.failures += 1
                continue
            result.latencies.append(time.perf_counter() - started)
            if status in (200, 202):
                result.requests += 1
                result.alerts += alerts_per_request
            else:
                result.failures += 1

    began = time.perf_counter()
    try:
        await asyncio.gather(*(worker(slot) for slot in range(args.concurrency)))
    finally:
        await send(-1, b"")  # closes the connections
    result.seconds = time.perf_counter() - began
    return result


Sender = Callable[[int, bytes], Awaitable[int]]


async def httpx_sender(url: str, concurrency: int) -> Sender:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = httpx.AsyncClient(limits=limits, timeout=30)
    headers = {"content-type": "application/json"}

    async def send(slot: int, body: bytes) -> int:
        if slot < 0:
            await client.aclose()
            return 0
        return (await client.post(url, content=body, headers=headers)).status_code

    return send


async def raw_sender(url: str, concurrency: int) -> Sender:
    """HTTP/1.1 keep-alive over plain asyncio streams, one connection per worker. It costs the
    load generator a fraction of httpx's CPU per request, so the servers, not the client,
    set the pace when both share a small machine."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connections = [await asyncio.open_connection(host, port) for _ in range(concurrency)]
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"

    async def send(slot: int, body: bytes) -> int:
        if slot < 0:
            for _, writer in connections:
                writer.close()
            return 0
        reader, writer = connections[slot]
        writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        status = int((await reader.readline()).split()[1])
        length, chunked = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if not chunked:
            await reader.readexactly(length)
            return status
        while size := int((await reader.readline()).strip() or b"0", 16):
            await reader.readexactly(size + 2)
        await reader.readline()
        return status

    return send


def first_incident(url: str, keys: dict[str, str], token: str) -> list[tuple[float, int]]:
    """For triggers that each open an incident: ms from the 202 until GET /api/v1/incidents
    shows the incident, and how many reads that took (1: the first read after the 202)."""
    seen = []
    with httpx.Client(base_url=url, timeout=10) as client:
        for i in range(FIRST_INCIDENT_TRIES):
            event = pd_event(keys[f"first-{i}"], i)
            assert client.post("/v2/enqueue", json=event).status_code == 202
            accepted, reads = time.perf_counter(), 0
            while True:
                reads += 1
                listed = client.get(
                    f"/api/v1/incidents?service=first-{i}",
                    headers={"Authorization": f"Bearer {token}"},
                ).json()
                if listed["items"]:
                    break
            seen.append(((time.perf_counter() - accepted) * 1000, reads))
    return seen


def committed_events(database_url: str) -> int:
    engine = create_engine(normalize_url(database_url))
    with engine.connect() as connection:
        total = connection.execute(
            text(
                "SELECT coalesce(sum(event_count), 0) FROM alert_tally JOIN alert ON id = alert_id "
                "WHERE service_id = "
                "(SELECT id FROM service WHERE name = 'bench')"
            )
        ).scalar_one()
    engine.dispose()
    return int(total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument(
        "--client",
        choices=("httpx", "raw"),
        default="httpx",
        help="load generator: httpx.AsyncClient, or raw asyncio HTTP/1.1 (far cheaper per "
        "request, for when the client would otherwise be the bottleneck)",
    )
    parser.add_argument("--postgres", help="PostgreSQL server URL (a scratch database is made)")
    parser.add_argument(
        "--workers", type=int, default=1, help="onwatch HTTP processes (serve --workers)"
    )
    args = parser.parse_args()
    if shutil.which(ALERTMANAGER) is None:
        raise SystemExit(
            f"{ALERTMANAGER} is not installed (apt-get install prometheus-alertmanager)"
        )

    with tempfile.TemporaryDirectory(prefix="onwatch-bench-") as scratch:
        data = Path(scratch)
        with database(args.postgres, data) as database_url:
            run(args, data, database_url)


def run(args: argparse.Namespace, data: Path, database_url: str) -> None:
    backend = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(
        f"onwatch on {backend} vs Alertmanager · {args.seconds:.0f} s a phase · "
        f"{args.concurrency} requests in flight · {args.client} client · "
        f"onwatch with {args.workers} worker process{'es' if args.workers > 1 else ''} · "
        f"{os.cpu_count()} CPUs, shared with the load generator"
    )
    with (
        alertmanager_server(data) as (am_url, am_pid),
        onwatch_server(database_url, data, args.workers) as (
            ow_url,
            ow_pid,
            keys,
            token,
        ),
    ):
        am_hook = f"{ow_url}/api/v1/intake/alertmanager/{keys['bench-am']}"
        pd_url = f"{ow_url}/v2/enqueue"
        batches = [(am_alerts(n, BATCH), webhook(n, BATCH)) for n in range(POOL)]
        singles = range(PD_KEYS)
        results = {}
        for label, name, url, bodies, per in [
            (
                "am_batch",
                "Alertmanager  batches of 50",
                f"{am_url}/api/v2/alerts",
                [encode(am) for am, _ in batches],
                BATCH,
            ),
            (
                "ow_batch",
                "onwatch       batches of 50",
                am_hook,
                [encode(hook) for _, hook in batches],
                BATCH,
            ),
            (
                "am_single",
                "Alertmanager  single alerts",
                f"{am_url}/api/v2/alerts",
                [encode(am_alerts(n, 1)) for n in singles],
                1,
            ),
            (
                "ow_single",
                "onwatch       single PD events",
                pd_url,
                [encode(pd_event(keys["bench-pd"], n)) for n in singles],
                1,
            ),
            (
                "ow_single_new",
                "onwatch       single PD, each body new",
                pd_url,
                [encode(pd_event(keys["bench-pd"], n % PD_KEYS, n)) for n in range(NEW_BODIES)],
                1,
            ),
        ]:
            results[label] = asyncio.run(drive(name, url, bodies, per, args))
            print(results[label].line(), flush=True)
        firsts = first_incident(ow_url, keys, token)
        am_rss, ow_rss = peak_rss_mb(am_pid), peak_rss_mb(ow_pid)
    accepted = sum(results[name].alerts for name in ("ow_batch", "ow_single", "ow_single_new"))
    stored = committed_events(database_url)
    print(f"  peak RSS: onwatch {ow_rss:.0f} MB, Alertmanager {am_rss:.0f} MB")
    print(
        f"  ratio onwatch/Alertmanager: batches "
        f"{results['ow_batch'].rate / max(results['am_batch'].rate, 1):.2f}, single alerts "
        f"{results['ow_single'].rate / max(results['am_single'].rate, 1):.2f}"
    )
    print(
        f"  committed: {stored:,} alert events stored for {accepted:,} accepted "
        f"({'all' if stored == accepted else 'MISMATCH'})"
    )
    ms = [elapsed for elapsed, _ in firsts]
    first_read = sum(1 for _, reads in firsts if reads == 1)
    print(
        f"  first incident visible after the 202: p50 {statistics.median(ms):.1f} ms, "
        f"max {max(ms):.1f} ms (one GET round trip); on the first read in {first_read} of "
        f"{len(firsts)} tries"
    )


if __name__ == "__main__":
    main()
