"""The config section `deploy_watches:`: per service, how long the watch after a deploy looks
for new, regressed and rising errors (default: the engine's, 2 h). Puts and deletes are
audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core.changes import Change, Outcome
from onwatch.core.durations import Duration
from onwatch.core.naming import Slug
from onwatch.deploys.models import DeployWatch
from onwatch.directory import per_service
from onwatch.directory.models import Service

MIN_WINDOW = timedelta(minutes=1)
MAX_WINDOW = timedelta(days=7)
KIND = "deploy watch"
Window = Annotated[
    Duration,
    WithJsonSchema({"type": "string", "examples": ["30m", "90m", "6h"], "title": "Duration"}),
]


class DeployWatchSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Slug = Field(description="The service (declared in `services`) whose deploys.")
    window: Window = Field(
        description="How long after each deploy its release's errors are watched: 1m to 7d, "
        "whole minutes (90m, 4h)."
    )

    @field_validator("window")
    @classmethod
    def _bounded(cls, window: timedelta) -> timedelta:
        if not MIN_WINDOW <= window <= MAX_WINDOW:
            raise ValueError("must be from 1m to 7d")
        if window % timedelta(minutes=1):
            raise ValueError("must be whole minutes")
        return window


def window_of(session: Session, service_id: int) -> timedelta | None:
    """The service's configured window, or None for the engine's default."""
    row = session.get(DeployWatch, service_id)
    return timedelta(minutes=row.minutes) if row else None


def watch_specs(session: Session) -> list[DeployWatchSpec]:
    rows = session.execute(
        select(DeployWatch.minutes, Service.name)
        .join(Service, Service.id == DeployWatch.service_id)
        .order_by(Service.name)
    )
    return [DeployWatchSpec(service=name, window=timedelta(minutes=m)) for m, name in rows]


def put_watches(
    session: Session, specs: list[DeployWatchSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    return per_service.put_rows(
        session, DeployWatch, KIND, specs,
        lambda spec: {"minutes": int(spec.window.total_seconds() // 60)}, actor=actor, now=now,
    )  # fmt: skip


def delete_watch(session: Session, service: str, *, actor: str, now: datetime) -> Change:
    return per_service.delete_row(session, DeployWatch, KIND, service, actor=actor, now=now)


SUMMARY = (
    "Per service, how long the watch after each of its deploys looks for new and regressed "
    "error issues and a rise in error rate in the release (see docs/deploys.md). A service "
    "not listed is watched for the engine's default, 2h (ONWATCH_DEPLOYS_WATCH_MINUTES); a "
    "deploy recorded with its own watch_minutes keeps that."
)
EXAMPLE = """\
deploy_watches:
  - {service: checkout, window: 90m}
  - {service: card-gateway, window: 6h}
"""

T = TypeVar("T")


def deploy_watch_sections(section: Callable[..., T]) -> list[T]:
    """This module's config section, made by config's `Section` (config is a layer above)."""
    return [
        section(
            "deploy_watches", KIND, DeployWatchSpec, "service", watch_specs, put_watches,
            delete_watch, summary=SUMMARY, example=EXAMPLE,
        )
    ]  # fmt: skip
