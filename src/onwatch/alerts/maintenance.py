"""Maintenance windows on a service, ours or upstream: its alerts are held, not lost, while the
window runs, and users are told through the public status endpoint and page."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.alerts.models import MaintenanceWindow
from onwatch.alerts.sli import Duration
from onwatch.alerts.windows import Span, State, span_from, state_at
from onwatch.audit.actions import record
from onwatch.calendars.instants import Instant
from onwatch.core.errors import Conflict, FieldError, Invalid, NotFound
from onwatch.core.naming import Slug
from onwatch.directory.models import Service, ServiceDependency
from onwatch.directory.queries import service_by_name

ENDED_SHOWN = 50


class MaintenanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Slug = Field(description="The service under maintenance (ours or upstream).")
    starts_at: Instant | None = Field(None, description="Default: now.")
    ends_at: Instant | None = Field(None, description="When it ends (or give duration).")
    duration: Duration | None = Field(None, description="How long: 30m, 2h, 1d.")
    message: str = Field(
        min_length=1, max_length=2000, description="What users are told, as a client app shows it."
    )


def create_window(
    session: Session, request: MaintenanceRequest, *, actor: str, now: datetime
) -> MaintenanceWindow:
    errors: list[FieldError] = []
    span: Span | None = None
    service = service_by_name(session, request.service)
    if service is None:
        errors.append(FieldError("service", f"no service {request.service!r}"))
    try:
        span = span_from(request.starts_at, request.ends_at, request.duration, now)
    except Invalid as error:
        errors += error.errors
    if errors or span is None or service is None:
        raise Invalid(errors)
    window = MaintenanceWindow(
        service_id=service.id,
        starts_at=span.starts_at,
        ends_at=span.ends_at,
        message=request.message.strip(),
        author=actor,
        created_at=now,
    )
    session.add(window)
    session.flush()
    record(
        session,
        actor=actor,
        action="maintenance.create",
        entity_type="maintenance",
        entity_key=str(window.id),
        at=now,
        after=snapshot(window, service.name),
    )
    return window


def cancel_window(
    session: Session, window_id: int, *, actor: str, now: datetime
) -> MaintenanceWindow:
    """End a running window now, or drop a future one: `cancelled_at` says when, and the planned
    start and end stay as they were. Alerts it held open incidents at the engine's next tick if
    they still fire."""
    window = get_window(session, window_id)
    if state_of(window, now) == "expired":
        raise Conflict(f"maintenance window {window_id} has already ended")
    name = session.scalar(select(Service.name).where(Service.id == window.service_id)) or ""
    before = snapshot(window, name)
    window.cancelled_at = now
    record(
        session,
        actor=actor,
        action="maintenance.cancel",
        entity_type="maintenance",
        entity_key=str(window.id),
        at=now,
        before=before,
        after=snapshot(window, name),
    )
    return window


def state_of(window: MaintenanceWindow, now: datetime) -> State:
    """A cancelled window has ended, whatever its planned end."""
    if window.cancelled_at is not None and window.cancelled_at <= now:
        return "expired"
    return state_at(window.starts_at, window.ends_at, now)


def ended_at(window: MaintenanceWindow) -> datetime:
    """When it stopped holding alerts, or will: its planned end, or the cancellation if that came
    first (a window dropped before it started never ran: it ended when it was dropped)."""
    if window.cancelled_at is not None:
        return min(window.ends_at, window.cancelled_at)
    return window.ends_at


def get_window(session: Session, window_id: int) -> MaintenanceWindow:
    window = session.get(MaintenanceWindow, window_id)
    if window is None:
        raise NotFound(f"no maintenance window {window_id}")
    return window


def get_window_with_service(session: Session, window_id: int) -> tuple[MaintenanceWindow, str]:
    window = get_window(session, window_id)
    name = session.scalar(select(Service.name).where(Service.id == window.service_id))
    return window, name or ""


def list_windows(
    session: Session, now: datetime, states: Collection[State] = ("active", "pending")
) -> list[tuple[MaintenanceWindow, Service]]:
    """Running ones ending soonest first, then upcoming ones starting soonest, then (if asked)
    the most recently ended or cancelled, at most ENDED_SHOWN."""
    base = select(MaintenanceWindow, Service).join(
        Service, Service.id == MaintenanceWindow.service_id
    )
    standing = MaintenanceWindow.cancelled_at.is_(None)
    found: list[tuple[MaintenanceWindow, Service]] = []
    if "active" in states:
        found += session.execute(
            base.where(
                standing, MaintenanceWindow.starts_at <= now, MaintenanceWindow.ends_at > now
            ).order_by(MaintenanceWindow.ends_at, MaintenanceWindow.id)
        )
    if "pending" in states:
        found += session.execute(
            base.where(standing, MaintenanceWindow.starts_at > now).order_by(
                MaintenanceWindow.starts_at, MaintenanceWindow.id
            )
        )
    if "expired" in states:
        # A cancelled window ends at its cancellation (always before its planned end).
        ended = func.coalesce(MaintenanceWindow.cancelled_at, MaintenanceWindow.ends_at)
        found += session.execute(
            base.where(ended <= now)
            .order_by(ended.desc(), MaintenanceWindow.id.desc())
            .limit(ENDED_SHOWN)
        )
    return found


@dataclass(frozen=True)
class Announced:
    """A window as users see it: no author, no internal ids beyond its own."""

    id: int
    service: str
    service_name: str
    starts_at: datetime
    ends_at: datetime
    message: str
    active: bool
    affected_services: list[str]


def announced(session: Session, now: datetime) -> list[Announced]:
    """Running and upcoming windows, with the services that depend on each (directly or not),
    so a client app can warn about a feature whose upstream is down."""
    rows = list_windows(session, now)
    needs: dict[int, list[int]] = {}
    for service_id, depends_on_id in session.execute(
        select(ServiceDependency.service_id, ServiceDependency.depends_on_id)
    ):
        needs.setdefault(depends_on_id, []).append(service_id)
    names = dict(session.execute(select(Service.id, Service.name)).all())
    return [
        Announced(
            id=window.id,
            service=service.name,
            service_name=service.display_name or service.name,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            message=window.message,
            active=window.starts_at <= now,
            affected_services=sorted(names[i] for i in dependents(service.id, needs)),
        )
        for window, service in rows
    ]


def dependents(service_id: int, needed_by: dict[int, list[int]]) -> set[int]:
    """Every service that needs `service_id`, directly or through others (cycles tolerated)."""
    found: set[int] = set()
    todo = list(needed_by.get(service_id, []))
    while todo:
        current = todo.pop()
        if current in found or current == service_id:
            continue
        found.add(current)
        todo += needed_by.get(current, [])
    return found


def snapshot(window: MaintenanceWindow, service: str) -> dict[str, Any]:
    return {
        "service": service,
        "starts_at": window.starts_at.isoformat(),
        "ends_at": window.ends_at.isoformat(),
        "message": window.message,
        "author": window.author,
        "cancelled_at": window.cancelled_at.isoformat() if window.cancelled_at else None,
    }
