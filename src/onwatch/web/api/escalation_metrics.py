"""The escalation self-audit on /metrics: `onwatch_escalations_late`, the escalations whose
step, hold or ack timeout was due more than 30 s ago and has not been acted on (0 while the
engine keeps up). Read from the database at scrape time, so any server answers for every
engine."""

from __future__ import annotations

import weakref
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from onwatch.incidents.escalating import LATE_AFTER, late_count
from onwatch.web.context import AppContext

_REGISTERED: weakref.WeakSet[CollectorRegistry] = weakref.WeakSet()


class EscalationCollector(Collector):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration asks for names through describe(), so it reads nothing from the database.
        yield _family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.ctx.db.read() as session:
            late = late_count(session, self.ctx.clock.now())
        gauge = _family()
        gauge.add_metric([], late)
        yield gauge


def _family() -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "onwatch_escalations_late",
        f"Escalations due more than {int(LATE_AFTER.total_seconds())} s ago and not yet acted "
        "on by an engine.",
    )


def install(ctx: AppContext) -> None:
    """Register the collector on the context's registry, once however many apps share it."""
    if ctx.registry not in _REGISTERED:
        ctx.registry.register(EscalationCollector(ctx))
        _REGISTERED.add(ctx.registry)
