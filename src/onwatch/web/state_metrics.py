"""Metrics read from the database at each scrape, so they are right whichever process (an
engine elsewhere, another worker) changed the state: the outbox's pending and dead messages and
its delivery latency. Each capability adds a function to SOURCES."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from onwatch.core.db import Database
from onwatch.notifications import deliveries

LATENCY_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


def outbox_metrics(session: Session) -> Iterator[Metric]:
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
    under, count, total = deliveries.latency_histogram(session, LATENCY_BOUNDS)
    buckets = [(str(float(b)), n) for b, n in zip(LATENCY_BOUNDS, under, strict=True)]
    yield HistogramMetricFamily(
        "onwatch_delivery_latency_seconds",
        "Time from when a message was first due until a receiver took it.",
        buckets=[*buckets, ("+Inf", count)],
        sum_value=total,
    )


SOURCES: list[Callable[[Session], Iterable[Metric]]] = [outbox_metrics]


class _StateCollector(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        with self.db.read() as session:
            for source in SOURCES:
                yield from source(session)


def exposition(db: Database) -> bytes:
    """The metrics in Prometheus' text format (a registry of their own per scrape: nothing of
    them is kept between scrapes)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_StateCollector(db))
    return generate_latest(registry)
