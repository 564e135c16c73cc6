"""Listing alerts with a million stored (target: p95 under 200 ms): fills a scratch database with
1,000,000 alerts over 20 services (mostly resolved, a few thousand open, some held), then times
each filter of GET /api/v1/alerts (alerts.queries.list_alerts) on the first page and on pages
deep in the list. Prints p50/p95 per filter.

    .venv/bin/python bench/alert_list.py [--alerts 1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from scratch_db import scratch_database
from sqlalchemy import insert

from onwatch.alerts import queries
from onwatch.alerts.models import ALERT, ALERT_TALLY
from onwatch.core.db import Database
from onwatch.directory.models import Service
from onwatch.migrations import runner

SERVICES = 20
CHUNK = 20_000
QUERIES = 40  # per filter


def fill(db: Database, total: int) -> None:
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with db.transaction() as session:
        session.execute(insert(Service), [{"name": f"svc-{i:02d}"} for i in range(SERVICES)])
    service_ids = list(range(1, SERVICES + 1))
    made = 0
    while made < total:
        rows = []
        for n in range(made, min(made + CHUNK, total)):
            roll = rng.random()
            status = "firing" if roll < 0.004 else "acknowledged" if roll < 0.005 else "resolved"
            seen = start + timedelta(seconds=n * 20)
            rows.append(
                {
                    "id": n + 1,
                    "service_id": rng.choice(service_ids),
                    "dedup_key": f"key-{n}",
                    "status": status,
                    "held_by": "silence:1" if status == "firing" and rng.random() < 0.2 else None,
                    "summary": f"Alert {n}",
                    "severity": "error",
                    "labels": {"alertname": f"A{n % 50}", "instance": f"host-{n % 997}"},
                    "annotations": {},
                    "details": {},
                    "links": {},
                    "first_seen_at": seen,
                    "resolved_at": seen if status == "resolved" else None,
                }
            )
        tallies = [{"alert_id": row["id"], "last_seen_at": row["first_seen_at"]} for row in rows]
        with db.transaction() as session:  # Alert's two tables, each in one statement
            session.execute(insert(ALERT), rows)
            session.execute(insert(ALERT_TALLY), tallies)
        made += len(rows)
        print(f"\r  stored {made:,} alerts", end="", flush=True)
    print()


def timed(db: Database, deep: bool, **filters: object) -> list[float]:
    rng = random.Random(11)
    seconds = []
    for _ in range(QUERIES):
        before = rng.randrange(1, 1_000_000) if deep else None
        began = time.perf_counter()
        with db.read() as session:
            queries.list_alerts(session, before=before, limit=50, **filters)  # type: ignore[arg-type]
        seconds.append(time.perf_counter() - began)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    with scratch_database(args.postgres, "list") as db:
        runner.upgrade(db)
        print(f"filling {db.dialect} with {args.alerts:,} alerts")
        fill(db, args.alerts)
        if db.dialect == "postgresql":  # as autovacuum would, soon after such a load
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        for label, filters in [
            ("all", {}),
            ("service", {"service": "svc-07"}),
            ("status=open", {"status": "open"}),
            ("status=resolved", {"status": "resolved"}),
            ("service + open", {"service": "svc-07", "status": "open"}),
            ("held", {"held": True}),
            ("service + not held", {"service": "svc-07", "held": False}),
        ]:
            for deep in (False, True):
                ms = sorted(s * 1000 for s in timed(db, deep, **filters))
                p95 = ms[int(len(ms) * 0.95) - 1]
                where = "deep pages" if deep else "first page"
                print(
                    f"  {label:<20} {where:<11} p50 {statistics.median(ms):6.1f} ms  "
                    f"p95 {p95:6.1f} ms"
                )


if __name__ == "__main__":
    main()
