"""A service's error tracking set-up and what it takes in: DSN keys (listing needs viewer;
issuing, disabling and rotating admin, audited), envelope items counted by type, and release
health (viewer)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal
from onwatch.directory.models import Service
from onwatch.directory.queries import get_service
from onwatch.errors import keys, queries
from onwatch.errors.envelope import COUNTED, PROCESSED
from onwatch.errors.health import queries as health_queries
from onwatch.errors.health.rates import crash_free_sessions, crash_free_users
from onwatch.errors.models import ErrorIngestion, ErrorKey
from onwatch.web.params import Id
from onwatch.web.security import admin, context, viewer

router = APIRouter(prefix="/api/v1/errors", tags=["errors"])


def _service_id(session: Session, service: str | None) -> int | None:
    return get_service(session, service).id if service else None


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(description="The service whose events the DSN sends.")


def key_view(key: ErrorKey, service: str, base_url: str) -> dict[str, Any]:
    return {
        "id": key.id,
        "service": service,
        "project_id": key.service_id,
        "dsn": keys.dsn(base_url, key.public_key, key.service_id),
        "created_at": key.created_at,
        "disabled_at": key.disabled_at,
        "rate_limit": key.rate_limit,
    }


def ingestion_view(row: ErrorIngestion) -> dict[str, Any]:
    handling = (
        "processed"
        if row.item_type in PROCESSED
        else "counted"
        if row.item_type in COUNTED
        else "skipped"
    )
    view = {"item_type": row.item_type, "handling": handling, "count": row.count}
    if row.item_type == "client_report":
        view["dropped_events"] = row.quantity
    elif row.item_type == "attachment":
        view["dropped_over_cap"] = row.quantity
    elif row.item_type == "check_in":
        view["unknown_monitor"] = row.quantity
    return {**view, "last_at": row.last_at}


def release_view(health: health_queries.ReleaseHealth) -> dict[str, Any]:
    counts = health.counts
    rates = (crash_free_sessions(counts), crash_free_users(counts))
    sessions_rate, users_rate = (None if r is None else round(r, 2) for r in rates)
    return {
        "release": health.release,
        "environment": health.environment,
        "sessions": counts.sessions,
        "crashed": counts.crashed,
        "abnormal": counts.abnormal,
        "errored": counts.errored,
        "users": counts.users,
        "crashed_users": counts.crashed_users,
        "crash_free_sessions": sessions_rate,
        "crash_free_users": users_rate,
        "first_hour_at": health.first_hour_at,
        "last_hour_at": health.last_hour_at,
    }


def release_views(session: Session, service: str, limit: int = 100) -> list[dict[str, Any]]:
    service_id = get_service(session, service).id
    return [
        release_view(h) for h in health_queries.release_health(session, service_id, limit=limit)
    ]


@router.get("/keys")
def list_keys(
    request: Request,
    service: str | None = Query(None, description="Only this service's keys."),
    _: Principal = Depends(viewer),
) -> list[dict[str, Any]]:
    """DSN keys and their DSNs (a DSN's public key is not a secret: browser SDKs ship it)."""
    ctx = context(request)
    base = ctx.settings.resolved_base_url()
    with ctx.db.read() as session:
        found = queries.keys_of(session, _service_id(session, service))
        return [key_view(key, name, base) for key, name in found]


@router.post("/keys", status_code=201)
def create_key(body: KeyIn, request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    ctx = context(request)
    with ctx.db.transaction() as session:
        key = keys.create_key(session, service=body.service, actor=who.actor, now=ctx.clock.now())
        return key_view(key, body.service, ctx.settings.resolved_base_url())


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(description="The service whose keys are rotated.")
    disable_old: bool = Field(
        False,
        description="true: its keys in use are disabled at once; false: they keep working until "
        "disabled by hand (the grace while SDKs move to the new DSN).",
    )


@router.post("/keys/{key_id}/disable")
def disable_key(key_id: Id, request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    """Disable a DSN key: intake answers 401 to it from now on. Disabling it again changes
    nothing."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        key = keys.disable_key(session, str(key_id), actor=who.actor, now=ctx.clock.now())
        service = session.get_one(Service, key.service_id).name
        return key_view(key, service, ctx.settings.resolved_base_url())


@router.post("/keys/rotate", status_code=201)
def rotate_keys(
    body: RotateIn, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    """A new DSN key for the service; its keys in use disabled at once with `disable_old`, else
    left working until disabled by hand."""
    ctx = context(request)
    base = ctx.settings.resolved_base_url()
    with ctx.db.transaction() as session:
        new, old = keys.rotate_keys(
            session, service=body.service, disable_old=body.disable_old, actor=who.actor,
            now=ctx.clock.now(),
        )  # fmt: skip
        return {
            "key": key_view(new, body.service, base),
            "previous": [key_view(k, body.service, base) for k in old],
        }


@router.get("/ingestion")
def ingestion(
    request: Request,
    service: str = Query(description="The service whose envelope items are counted."),
    _: Principal = Depends(viewer),
) -> list[dict[str, Any]]:
    """Envelope items received by type: processed (events), counted (transactions, sessions,
    attachments, check-ins, client reports) or skipped (any other type)."""
    with context(request).db.read() as session:
        service_id = get_service(session, service).id
        return [ingestion_view(row) for row in queries.ingestion_of(session, service_id)]


@router.get("/releases")
def list_releases(
    request: Request,
    service: str = Query(description="The service whose releases' health is shown."),
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(viewer),
) -> list[dict[str, Any]]:
    """Release health per release and environment, latest first: sessions (crashed, abnormal,
    errored), distinct users, and the crash-free sessions and users percentages (null with
    no sessions or users)."""
    with context(request).db.read() as session:
        return release_views(session, service, limit)
