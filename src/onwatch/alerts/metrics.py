"""Metric samples a service reports for its SLI rules: read from an intake body, stored one row
per service and instant (a retried post replaces rather than doubles), pruned after RETENTION."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.alerts.models import MetricSampleRecord
from onwatch.alerts.sli import MetricSample
from onwatch.core.errors import FieldError, Invalid

RETENTION = timedelta(hours=24)
MAX_SKEW = timedelta(minutes=5)  # how far ahead of our clock a sender's clock may run
MAX_SAMPLES = 1000


def read_samples(body: Any) -> list[MetricSample]:
    """One sample object, or `{"samples": [...]}` with up to MAX_SAMPLES of them; Invalid
    naming every bad field (`samples[2].errors`)."""
    if isinstance(body, dict) and "samples" in body:
        items, prefix = body["samples"], "samples"
        if set(body) != {"samples"}:
            raise Invalid("only `samples` may sit beside samples", "samples")
        if not isinstance(items, list) or not items:
            raise Invalid("must be a non-empty list of samples", "samples")
        if len(items) > MAX_SAMPLES:
            raise Invalid(f"at most {MAX_SAMPLES} samples per request", "samples")
    elif isinstance(body, dict):
        items, prefix = [body], ""
    else:
        raise Invalid('must be a sample object or {"samples": [...]}', "body")
    samples: list[MetricSample] = []
    errors: list[FieldError] = []
    for index, item in enumerate(items):
        place = f"{prefix}[{index}]" if prefix else ""
        try:
            samples.append(MetricSample.model_validate(item))
        except ValidationError as error:
            for problem in error.errors():
                where = ".".join(str(part) for part in problem["loc"])
                field = f"{place}.{where}" if place and where else place or where
                errors.append(FieldError(field, problem["msg"].removeprefix("Value error, ")))
    if errors:
        raise Invalid(errors)
    return samples


def record_samples(
    session: Session, service_id: int, samples: Sequence[MetricSample], now: datetime
) -> int:
    """Store the samples (a later one for the same instant wins); Invalid for a sample from the
    future (beyond MAX_SKEW) or older than RETENTION, naming it."""
    errors = []
    for index, sample in enumerate(samples):
        field = f"samples[{index}].at" if len(samples) > 1 else "at"
        if sample.at > now + MAX_SKEW:
            errors.append(FieldError(field, "is in the future; check the sender's clock"))
        elif sample.at < now - RETENTION:
            errors.append(FieldError(field, "is older than the 24h of samples kept"))
    if errors:
        raise Invalid(errors)
    rows = {
        sample.at: {"service_id": service_id, **sample.model_dump()} for sample in samples
    }  # one row per instant: PostgreSQL refuses to upsert a row twice in one statement
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(MetricSampleRecord)
    stmt = stmt.values(list(rows.values()))
    stmt = stmt.on_conflict_do_update(
        index_elements=["service_id", "at"],
        set_={
            name: stmt.excluded[name]
            for name in ("requests", "errors", "p50", "p95", "p99", "breaker_open")
        },
    )
    session.execute(stmt)
    return len(rows)


def samples_since(
    session: Session, service_id: int, since: datetime, until: datetime
) -> list[MetricSample]:
    rows = session.scalars(
        select(MetricSampleRecord)
        .where(
            MetricSampleRecord.service_id == service_id,
            MetricSampleRecord.at > since,
            MetricSampleRecord.at <= until,
        )
        .order_by(MetricSampleRecord.at)
    )
    return [
        MetricSample(
            at=row.at,
            requests=row.requests,
            errors=row.errors,
            p50=row.p50,
            p95=row.p95,
            p99=row.p99,
            breaker_open=row.breaker_open,
        )
        for row in rows
    ]


def prune_samples(session: Session, now: datetime) -> int:
    """Engine step: drop samples older than RETENTION; how many went."""
    result = session.execute(
        delete(MetricSampleRecord).where(MetricSampleRecord.at < now - RETENTION)
    )
    return int(getattr(result, "rowcount", 0) or 0)
