"""API tokens, integration keys and the audit log: admin only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from onwatch.audit.queries import list_entries
from onwatch.auth import actions as auth
from onwatch.auth.roles import Principal, Role
from onwatch.directory.queries import service_names
from onwatch.integrations import keys
from onwatch.web.params import Id
from onwatch.web.security import admin, context

router = APIRouter(prefix="/api/v1", tags=["access"])


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    role: Role


class IntegrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    service: str
    kind: str = Field(description="pagerduty, alertmanager, grafana, datadog, generic, heartbeat")


@router.get("/tokens")
def list_tokens(request: Request, _: Principal = Depends(admin)) -> list[dict[str, Any]]:
    with context(request).db.read() as session:
        return [
            {
                "name": t.name,
                "role": t.role,
                "created_by": t.created_by,
                "created_at": t.created_at,
                "revoked_at": t.revoked_at,
            }
            for t in auth.list_tokens(session)
        ]


@router.post("/tokens", status_code=201)
def create_token(
    body: TokenRequest, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    """The token is in this response only; onwatch keeps its hash."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        issued = auth.create_token(
            session, name=body.name, role=body.role.value, actor=who.actor, now=ctx.clock.now()
        )
    return {"name": body.name, "role": body.role.value, "token": issued.secret}


@router.delete("/tokens/{name}")
def revoke_token(name: str, request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    ctx = context(request)
    with ctx.db.transaction() as session:
        token = auth.revoke_token(session, name=name, actor=who.actor, now=ctx.clock.now())
    return {"name": token.name, "revoked_at": token.revoked_at}


@router.get("/integrations")
def list_integrations(request: Request, _: Principal = Depends(admin)) -> list[dict[str, Any]]:
    with context(request).db.read() as session:
        service_of = service_names(session)
        return [
            {
                "name": i.name,
                "service": service_of[i.service_id],
                "kind": i.kind,
                "created_at": i.created_at,
                "disabled_at": i.disabled_at,
            }
            for i in keys.list_integrations(session)
        ]


@router.post("/integrations", status_code=201)
def create_integration(
    body: IntegrationRequest, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    """The key is in this response only; onwatch keeps its hash."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        issued = keys.create_integration(
            session,
            name=body.name,
            service=body.service,
            kind=body.kind,
            actor=who.actor,
            now=ctx.clock.now(),
        )
    return {"name": body.name, "service": body.service, "kind": body.kind, "key": issued.key}


@router.get("/audit")
def audit(
    request: Request,
    entity_type: str | None = None,
    entity_key: str | None = None,
    actor: str | None = None,
    before_id: Id | None = None,
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(admin),
) -> list[dict[str, Any]]:
    """Newest first. Page with `before_id` = the smallest id of the previous page."""
    with context(request).db.read() as session:
        entries = list_entries(
            session,
            entity_type=entity_type,
            entity_key=entity_key,
            actor=actor,
            before_id=before_id,
            limit=limit,
        )
        return [
            _entry(e.id, e.at, e.actor, e.action, e.entity_type, e.entity_key, e.before, e.after)
            for e in entries
        ]


def _entry(
    id_: int,
    at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_key: str,
    before: Any,
    after: Any,
) -> dict[str, Any]:
    return {
        "id": id_,
        "at": at,
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_key": entity_key,
        "before": before,
        "after": after,
    }
