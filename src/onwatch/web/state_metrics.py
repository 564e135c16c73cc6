"""Metrics read from the database at each scrape, so they are right whichever process (an
engine elsewhere, another worker) changed the state: the outbox's pending and dead messages and
its delivery latency over the last hour. Each capability adds a function to SOURCES."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from onwatch.core.db import Database
from onwatch.notifications import deliveries

LATENCY_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
# The delivery latency histogram counts the messages sent within this window before the scrape:
# a scrape reads those rows only (by the index on sent_at), however many the outbox keeps.
LATENCY_WINDOW = timedelta(hours=1)


def outbox_metrics(session: Session, now: datetime) -> Iterator[Metric]:
    counts = deliveries.counts(session)
    pending = GaugeMetricFamily(
        "onwatch_outbox_pending",
        "Outbox messages not yet delivered: waiting (pending) or being sent (sending).",
        labels=["state"],
    )
    for state in ("pending", "sending"):
        pending.add_metric([state], counts[state])
    yield pending
    yield GaugeMetricFamily(
        "onwatch_outbox_dead", "Dead letters: messages that were given up on.", counts["dead"]
    )
    under, count, total = deliveries.latency_histogram(
        session, LATENCY_BOUNDS, now - LATENCY_WINDOW
    )
    buckets = [(str(float(b)), n) for b, n in zip(LATENCY_BOUNDS, under, strict=True)]
    # A gauge histogram: its counts fall as messages leave the window (a counter histogram
    # over every message ever sent would read every sent row at each scrape).
    yield GaugeHistogramMetricFamily(
        "onwatch_delivery_latency_seconds",
        "Time from when a message was first due until a receiver took it, over the messages "
        "sent in the last hour.",
        buckets=[*buckets, ("+Inf", count)],
        gsum_value=total,
    )


SOURCES: list[Callable[[Session, datetime], Iterable[Metric]]] = [outbox_metrics]


class _StateCollector(Collector):
    def __init__(self, db: Database, now: datetime) -> None:
        self.db, self.now = db, now

    def collect(self) -> Iterator[Metric]:
        with self.db.read() as session:
            for source in SOURCES:
                yield from source(session, self.now)


def exposition(db: Database, now: datetime) -> bytes:
    """The metrics in Prometheus' text format (a registry of their own per scrape: nothing of
    them is kept between scrapes)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_StateCollector(db, now))
    return generate_latest(registry)
