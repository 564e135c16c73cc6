"""Heartbeats: the ping URL a job calls (its key is the credential; 2xx only after commit), and
managing the monitors (reading needs viewer; creating, changing, new keys need admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from onwatch.alerts import heartbeats
from onwatch.alerts.models import Heartbeat
from onwatch.alerts.windows import duration_text
from onwatch.auth.roles import Principal
from onwatch.core.errors import Invalid
from onwatch.web.security import admin, context, viewer

router = APIRouter(tags=["heartbeats"])


def _ping(key: str, request: Request) -> dict[str, Any]:
    ctx = context(request)
    with ctx.db.transaction() as session:
        beat = heartbeats.ping(session, key, ctx.clock.now())
        return {"status": "ok", "heartbeat": beat.name, "late_after": beat.due_at}


@router.post("/heartbeats/{key}/ping")
def ping_post(key: str, request: Request) -> dict[str, Any]:
    """Record a ping, e.g. from cron: `curl -fsS -X POST <base>/heartbeats/<key>/ping`."""
    return _ping(key, request)


@router.get("/heartbeats/{key}/ping")
def ping_get(key: str, request: Request) -> dict[str, Any]:
    """The same for tools that can only GET."""
    return _ping(key, request)


def heartbeat_view(row: Heartbeat, service: str) -> dict[str, Any]:
    spec = heartbeats.spec_of(row, service)
    return {
        "name": row.name,
        "service": service,
        "interval": duration_text(spec.interval),
        "grace": duration_text(spec.grace),
        "severity": row.severity,
        "state": row.state,
        "last_ping_at": row.last_ping_at,
        "late_after": row.due_at,
        "has_key": row.key_hash is not None,
    }


def _issued(request: Request, issued: heartbeats.Issued) -> dict[str, Any]:
    base = context(request).settings.resolved_base_url()
    return {
        **heartbeat_view(issued.heartbeat, issued.service),
        "key": issued.key,
        "ping_url": base + heartbeats.ping_path(issued.key),
    }


@router.get("/api/v1/heartbeats")
def list_heartbeats(request: Request, _: Principal = Depends(viewer)) -> list[dict[str, Any]]:
    with context(request).db.read() as session:
        return [
            heartbeat_view(row, service) for row, service in heartbeats.list_heartbeats(session)
        ]


@router.get("/api/v1/heartbeats/{name}")
def get_heartbeat(name: str, request: Request, _: Principal = Depends(viewer)) -> dict[str, Any]:
    with context(request).db.read() as session:
        return heartbeat_view(*heartbeats.named(session, name))


@router.post("/api/v1/heartbeats", status_code=201)
def create_heartbeat(
    spec: heartbeats.HeartbeatSpec, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    """The key and ping URL are in this response only; onwatch keeps the key's hash."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        issued = heartbeats.create_heartbeat(session, spec, actor=who.actor, now=ctx.clock.now())
        return _issued(request, issued)


@router.put("/api/v1/heartbeats/{name}")
def put_heartbeat(
    name: str, spec: heartbeats.HeartbeatSpec, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    ctx = context(request)
    if spec.name != name:
        raise Invalid(f"must match the URL ({name!r})", "name")
    with ctx.db.transaction() as session:
        change = heartbeats.put_heartbeat(session, spec, actor=who.actor, now=ctx.clock.now())
    return {"changed": change is not None}


@router.post("/api/v1/heartbeats/{name}/key")
def new_key(name: str, request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    """A new ping key (the old one stops working); shown in this response only."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        issued = heartbeats.issue_key(session, name, actor=who.actor, now=ctx.clock.now())
        return _issued(request, issued)


@router.delete("/api/v1/heartbeats/{name}", status_code=204)
def delete_heartbeat(name: str, request: Request, who: Principal = Depends(admin)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        heartbeats.delete_heartbeat(session, name, actor=who.actor, now=ctx.clock.now())
    return Response(status_code=204)
