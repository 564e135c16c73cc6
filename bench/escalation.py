"""Escalation lateness and throughput: 10,000 open incidents whose first steps fall due one
every 6 ms over a minute of real time, each with a second step 30 s after its first fired
(20,000 steps). The engine's `escalations` step runs as `onwatch engine` runs it (tick, then
sleep until the next due instant) against a clock that moves with real time. For each fired
step: lateness = the instant its tick committed − the instant it was due. Prints p50, p99 and
max lateness (target p99 < 1 s) and the pages written per second while busy. Delivery is not
timed here (the outbox rows are written; delivery has its own bench), unless `--deliver`:
then the engine delivers in the same loop, as `onwatch engine` does (escalations, then delivery,
each tick), each page a signed webhook to a loopback receiver in a process of its own, and the
bench also prints the messages delivered per second.

    .venv/bin/python bench/escalation.py [--incidents 10000] [--deliver]
                                         [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# A scratch PostgreSQL database, or a SQLite file; bench/ is on the path when run as a script.
from delivery import Receiver
from intake import database
from sqlalchemy import func, select

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.queries import get_service
from onwatch.engine.assembly import build_delivery
from onwatch.escalation.models import IncidentEscalation
from onwatch.incidents.actions import open_incident
from onwatch.incidents.escalating import fire_due, next_due
from onwatch.incidents.models import Incident
from onwatch.migrations.runner import upgrade
from onwatch.notifications.models import Notification

ORG = """\
version: 1
people:
  - {handle: ann, name: Ann, email: ann@example.org}
  - {handle: bob, name: Bob, email: bob@example.org}
services:
  - {name: bench, escalation_policy: bench}
schedules:
  - name: pair
    time_zone: UTC
    layers:
      - {members: [ann, bob], shift_length: 1w, start_date: 2020-01-06,
         roles: [primary, secondary]}
escalation_policies:
  - name: bench
    steps:
      - {targets: [{schedule: pair, role: primary}], delay: 30s}
      - {targets: [{schedule: pair, role: secondary}], delay: 5m}
"""
# --deliver: each person pages through a signed webhook (rate limit lifted: one receiver takes
# every page, where the default would hold all but 120 a minute).
PAGED_BY_WEBHOOK = """\
people:
  - {handle: ann, name: Ann, email: ann@example.org,
     contact_methods: [{type: webhook, address: "URL/ann", secret: "env:BENCH_HOOK_SECRET"}],
     notification_rules: {high: [{contact: 1}], low: [{contact: 1}]}}
  - {handle: bob, name: Bob, email: bob@example.org,
     contact_methods: [{type: webhook, address: "URL/bob", secret: "env:BENCH_HOOK_SECRET"}],
     notification_rules: {high: [{contact: 1}], low: [{contact: 1}]}}
rate_limits:
  - {kind: webhook, max: 100000, per: 1s}
"""
SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
SPACING = timedelta(milliseconds=6)
TARGET_P99_S = 1.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(url: str, incidents: int, data: Path, hook: str | None) -> None:
    db = Database(url)
    upgrade(db)
    base = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    org = ORG
    if hook is not None:
        people = ORG[ORG.index("people:") : ORG.index("services:")]
        org = ORG.replace(people, PAGED_BY_WEBHOOK.replace("URL", hook))
    with db.transaction() as session:
        apply(session, document.load(org), prune=False, actor="bench", now=base)
        service_id = get_service(session, "bench").id
    setup = time.perf_counter()
    for start in range(0, incidents, 1000):
        with db.transaction() as session:
            for i in range(start, min(incidents, start + 1000)):
                open_incident(
                    session, service_id=service_id, title=f"incident {i}", severity="sev2",
                    now=base + i * SPACING, actor="bench",
                )  # fmt: skip
    print(f"{incidents} incidents opened in {time.perf_counter() - setup:.1f} s (setup)")
    delivery = None
    if hook is not None:
        os.environ["BENCH_HOOK_SECRET"] = SECRET
        settings = Settings(data_dir=data, secret_key="k" * 40)  # delivery as configured by default
        delivery = build_delivery(db, settings)

    started = time.monotonic()

    def clock() -> datetime:
        return base + timedelta(seconds=time.monotonic() - started)

    committed: dict[datetime, datetime] = {}  # a tick's now -> when it committed (same clock)
    busy, fired, sending, settled = 0.0, 0, 0.0, 0
    while fired < 2 * incidents or (delivery is not None and settled < 2 * incidents):
        now = clock()
        tick = time.perf_counter()
        with db.transaction() as session:
            done = fire_due(session, now)
        if done:
            busy += time.perf_counter() - tick
            committed[now] = clock()
            fired += done
        sent = 0
        if delivery is not None:  # as the engine's tick: delivery after the escalations
            tick = time.perf_counter()
            sent = delivery(now)
            sending += time.perf_counter() - tick if sent else 0.0
            settled += sent
        with db.read() as session:
            due = min(
                d
                for d in (next_due(session), delivery and delivery.next_due(session))
                if d is not None
            )
        pause = (due - clock()).total_seconds()
        if pause > 0 and not done and not sent:
            time.sleep(min(pause, 0.5))
    ended = clock()

    lateness: list[float] = []
    with db.read() as session:
        opened = dict(session.execute(select(Incident.id, Incident.opened_at)).all())
        rows = session.execute(
            select(Notification.incident_id, Notification.idempotency_key, Notification.created_at)
        ).all()
        states = set(session.scalars(select(IncidentEscalation.state)))
        delivered = session.scalar(select(func.count()).where(Notification.state == "sent"))
    first = {i: c for i, k, c in rows if k.split(":")[4] == "0"}
    for incident_id, key, created in rows:
        due = (
            opened[incident_id]
            if key.split(":")[4] == "0"
            else first[incident_id] + timedelta(seconds=30)
        )
        lateness.append((committed[created] - due).total_seconds())
    assert len(rows) == 2 * incidents, f"{len(rows)} pages for {incidents} incidents"
    assert states == {"active"}  # every escalation waits on its second step's 5 minutes
    p50, p99, worst = (percentile(lateness, 0.5), percentile(lateness, 0.99), max(lateness))
    verdict = "ok" if p99 < TARGET_P99_S else "MISSED"
    print(
        f"{len(lateness)} steps fired: lateness p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {worst * 1000:.0f} ms (target p99 < {TARGET_P99_S:.0f} s: {verdict}); "
        f"{len(rows) / busy:.0f} pages written per second of engine work, "
        f"{len(committed)} ticks"
    )
    if delivery is not None:
        assert delivered == 2 * incidents, f"{delivered} of {2 * incidents} pages delivered"
        span = (ended - base).total_seconds()
        print(
            f"{delivered} pages delivered to the loopback webhook receiver in the same loop: "
            f"{delivered / sending:.0f} per second of delivery work; the last one "
            f"{span:.1f} s after the first step fell due (steps fall due over "
            f"{(incidents * SPACING).total_seconds() + 30:.0f} s)"
        )
        delivery.close()
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--deliver", action="store_true", help="deliver in the same loop")
    args = parser.parse_args()
    hook = None
    if args.deliver:  # the receiver in a process of its own: no turns at the interpreter lock
        receiver = Receiver()
        multiprocessing.get_context("fork").Process(
            target=receiver.serve_forever, daemon=True
        ).start()
        hook = receiver.url
    with tempfile.TemporaryDirectory() as scratch, database(args.postgres, Path(scratch)) as url:
        print(f"database: {'postgresql' if args.postgres else 'sqlite'}")
        run(url, args.incidents, Path(scratch), hook)


if __name__ == "__main__":
    main()
