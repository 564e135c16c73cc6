"""Paging latency end to end, at light load: a PagerDuty event POSTed to a running `onwatch
serve` (its engine inside, as most installations run it) opens an incident whose policy pages a
signed-webhook channel at once; the time from the POST leaving this process until the webhook
reaches a loopback receiver in this process (one clock for both ends). One alert at a time,
each a new incident (the previous one is resolved by its alert's resolve event first). Prints
p50, p99 and max (targets p50 < 100 ms, p99 < 500 ms), and the POST's own round trip.
`--engine-apart` runs `serve --no-engine` and an `onwatch engine` process, as a deployment with
several engines on PostgreSQL does.

    .venv/bin/python bench/paging.py [--alerts 200] [--engine-apart]
                                     [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

# bench/ is on the path when run as a script.
from intake import database, free_port, wait_ready

SECRET = "whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
TARGET_P50_MS, TARGET_P99_MS = 100.0, 500.0
ORG = """\
version: 1
services:
  - {name: bench, escalation_policy: now, urgency: high}
integrations:
  - {name: bench-pd, service: bench, type: pagerduty, rate_limit: 0}
channels:
  - {name: hook, type: webhook, url: "URL", secret: "env:BENCH_HOOK_SECRET",
     rate_limit: {max: 100000, per: 1s}}
escalation_policies:
  - name: now
    steps:
      - {targets: [{channel: hook}], delay: 1h}
"""


class Receiver(ThreadingHTTPServer):
    """Records when each incident's first message arrived (by its title), on perf_counter."""

    daemon_threads = True

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                at = time.perf_counter()
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()
                # "[sev1] bench: paging bench 7": the summary after the service's name
                title = json.loads(body)["data"]["title"].split(": ", 1)[-1]
                with receiver.lock:
                    receiver.arrived.setdefault(title, at)
                    receiver.lock.notify_all()

            def log_message(self, *_args: object) -> None:
                return None

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hook"

    def wait(self, title: str, seconds: float = 30) -> float:
        with self.lock:
            if not self.lock.wait_for(lambda: title in self.arrived, seconds):
                raise SystemExit(f"no page for {title!r} in {seconds:g} s: {list(self.arrived)}")
            return self.arrived[title]


@contextmanager
def onwatch_serve(
    database_url: str, data: Path, hook_url: str, apart: bool
) -> Iterator[tuple[str, str]]:
    """`onwatch serve` with the bench org applied: (url, the integration's key). `apart`:
    `serve --no-engine` and an `onwatch engine` process beside it."""
    port = free_port()
    env = {
        **os.environ,
        "ONWATCH_DATABASE_URL": database_url,
        "ONWATCH_DATA_DIR": str(data),
        "ONWATCH_PORT": str(port),
        "ONWATCH_SECRET_KEY": "k" * 40,
        "BENCH_HOOK_SECRET": SECRET,
    }
    onwatch = [sys.executable, "-m", "onwatch.cli.main"]
    subprocess.run([*onwatch, "migrate"], env=env, check=True, capture_output=True)
    applied = subprocess.run(
        [*onwatch, "apply", "-f", "-"],
        env=env,
        input=ORG.replace("URL", hook_url).encode(),
        check=True,
        capture_output=True,
    ).stdout.decode()
    key = re.search(r"key \(shown once\): (\S+)", applied)
    assert key is not None, applied
    log = data / "serve.log"
    process = subprocess.Popen(
        [*onwatch, "serve", *(["--no-engine"] if apart else [])],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    engine = (
        subprocess.Popen(
            [*onwatch, "engine"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
        )
        if apart
        else None
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/readyz", process)
        yield url, key.group(1)
    except BaseException:
        print(log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        for running in (process, engine):
            if running is not None:
                running.send_signal(signal.SIGINT)
                running.wait(30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(database_url: str, data: Path, alerts: int, apart: bool, warmup: int = 5) -> None:
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    took, posts = [], []
    serving = onwatch_serve(database_url, data, receiver.url, apart)
    with serving as (url, key), httpx.Client() as client:
        for n in range(warmup + alerts):
            title = f"paging bench {n}"
            event = {
                "routing_key": key,
                "event_action": "trigger",
                "dedup_key": f"paging-{n}",
                "payload": {"summary": title, "source": "bench", "severity": "critical"},
            }
            body = json.dumps(event).encode()
            started = time.perf_counter()
            answer = client.post(
                f"{url}/v2/enqueue", content=body, headers={"content-type": "application/json"}
            )
            answered = time.perf_counter()
            assert answer.status_code == 202, answer.text
            arrived = receiver.wait(title)
            # Resolved, so that the next alert opens an incident of its own (not grouped).
            event["event_action"] = "resolve"
            assert client.post(f"{url}/v2/enqueue", json=event).status_code == 202
            if n >= warmup:  # the first pages warm the server's caches and connections
                took.append((arrived - started) * 1000)
                posts.append((answered - started) * 1000)
    receiver.shutdown()
    p50, p99 = percentile(took, 0.5), percentile(took, 0.99)
    verdict = "ok" if p50 < TARGET_P50_MS and p99 < TARGET_P99_MS else "MISSED"
    print(
        f"alert POST to first page at the receiver ({len(took)} alerts, one at a time): "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(took):.1f} ms "
        f"(targets p50 < {TARGET_P50_MS:.0f} ms, p99 < {TARGET_P99_MS:.0f} ms: {verdict}); "
        f"the POST's answer alone: p50 {percentile(posts, 0.5):.1f} ms, "
        f"p99 {percentile(posts, 0.99):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--postgres", default=None)
    parser.add_argument(
        "--engine-apart", action="store_true", help="serve --no-engine and an onwatch engine"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, database(args.postgres, Path(scratch)) as url:
        how = "serve --no-engine, and onwatch engine" if args.engine_apart else "onwatch serve"
        print(f"database: {'postgresql' if args.postgres else 'sqlite'} ({how})")
        run(url, Path(scratch), args.alerts, args.engine_apart)


if __name__ == "__main__":
    main()
