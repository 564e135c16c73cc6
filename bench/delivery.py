"""Outbox delivery to a loopback HTTP receiver: throughput (messages a second with one and two
engines draining a backlog) and latency at light load (a row committed, the engine woken, until
the receiver has the request: p50, p99, max).

    .venv/bin/python bench/delivery.py [--messages 5000] [--light 300] [--postgres URL]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scratch_db import scratch_database
from sqlalchemy import delete, func, select

from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.engine.assembly import build_engine
from onwatch.migrations import runner
from onwatch.notifications.models import Notification
from onwatch.notifications.outbox import Outgoing, write


class Receiver(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()
                key = self.path.rsplit("/", 1)[-1]
                with receiver.lock:
                    receiver.arrived[key] = time.perf_counter()
                    receiver.lock.notify_all()

            def log_message(self, *_args: object) -> None:
                return None

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def database(postgres: str | None) -> Iterator[Database]:
    with scratch_database(postgres, "delivery") as db:
        runner.upgrade(db)
        yield db


def messages(receiver: Receiver, keys: list[str], clock: SystemClock) -> list[Outgoing]:
    # Per-message URLs: each its own destination, so no rate limit applies.
    return [
        Outgoing(key=k, kind="test", due_at=clock.now(), label=k,
                 destination={"kind": "slack", "url": f"{receiver.url}/{k}"})
        for k in keys
    ]  # fmt: skip


def throughput(
    db: Database, settings: Settings, receiver: Receiver, count: int, engines: int
) -> float:
    clock = SystemClock()
    tag = f"t{engines}"
    keys = [f"{tag}-{n}" for n in range(count)]
    with db.transaction() as session:
        write(session, messages(receiver, keys, clock), clock.now())
    loops = [build_engine(db, clock, settings) for _ in range(engines)]

    def drain(index: int) -> None:
        while loops[index].tick().done.get("delivery"):
            pass

    started = time.perf_counter()
    threads = [threading.Thread(target=drain, args=(i,)) for i in range(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    with db.read() as session:
        sent = session.scalar(
            select(func.count()).where(
                Notification.state == "sent", Notification.label.like(f"{tag}-%")
            )
        )
    assert sent == count, f"{count - (sent or 0)} messages were not delivered"
    return count / elapsed


def light_load(db: Database, settings: Settings, receiver: Receiver, count: int) -> list[float]:
    clock = SystemClock()
    engine = build_engine(db, clock, settings)
    stop, wakeup = threading.Event(), threading.Event()
    runner_thread = threading.Thread(target=engine.run_forever, args=(stop, 1.0, wakeup))
    runner_thread.start()
    took = []
    try:
        for n in range(count):
            key = f"light-{n}"
            with db.transaction() as session:
                write(session, messages(receiver, [key], clock), clock.now())
            committed = time.perf_counter()
            wakeup.set()  # what intake does after writing work for the engine
            with receiver.lock:
                receiver.lock.wait_for(lambda k=key: k in receiver.arrived, 30)
                took.append(receiver.arrived[key] - committed)
    finally:
        stop.set()
        wakeup.set()
        runner_thread.join()
    return took


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--light", type=int, default=300)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    # The backlog's receiver runs in a process of its own, so that it does not take turns with
    # the engine at Python's interpreter lock; the light-load one in this process, to time
    # arrivals on the same clock as commits.
    receiver, light = Receiver(), Receiver()
    forked = multiprocessing.get_context("fork")
    serving = forked.Process(target=receiver.serve_forever, daemon=True)
    serving.start()
    threading.Thread(target=light.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as data, database(args.postgres) as db:
        settings = Settings(data_dir=Path(data), delivery_batch=32, delivery_threads=16)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        for engines in (1, 2):
            rate = throughput(db, settings, receiver, args.messages, engines)
            print(f"{backend}: {args.messages} messages, {engines} engine(s): {rate:,.0f}/s")
            with db.transaction() as session:
                session.execute(delete(Notification))
        took = light_load(db, settings, light, args.light)
        ms = [t * 1000 for t in took]
        print(
            f"{backend}: commit to receiver at light load ({len(ms)}): "
            f"p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
            f"max {max(ms):.1f} ms"
        )
    serving.terminate()
    light.shutdown()


if __name__ == "__main__":
    main()
