"""Deploys: recording one (responder), listing a service's and showing one with what the watch
after it found (viewer)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal
from onwatch.deploys import actions, queries
from onwatch.deploys.models import Deploy
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["deploys"])


class DeployIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(min_length=1, max_length=200)
    release: str = Field(min_length=1, max_length=200)
    environment: str | None = Field(None, max_length=64)
    deployer: str | None = Field(None, max_length=320, description="A handle, e-mail or text.")
    at: AwareDatetime | None = Field(None, description="When it went out; default now.")
    watch_minutes: int | None = Field(None, ge=1, le=10080, description="Default: settings.")


def deploy_view(deploy: Deploy, service: str) -> dict[str, Any]:
    return {
        "id": deploy.id,
        "service": service,
        "release": deploy.release,
        "environment": deploy.environment,
        "deployer": deploy.deployer,
        "at": deploy.deployed_at,
        "source": deploy.source,
        "watch_minutes": deploy.watch_minutes,
        "watched_at": deploy.watched_at,
        "summary": deploy.summary,
    }


def deploy_detail(session: Session, deploy_id: int) -> dict[str, Any]:
    deploy, service = queries.deploy(session, deploy_id)
    findings = [
        {
            "kind": f.kind, "issue_id": f.issue_id, "title": f.title, "count": f.count,
            "found_at": f.found_at, "detail": f.detail,
        }
        for f in queries.findings_of(session, deploy_id)
    ]  # fmt: skip
    return deploy_view(deploy, service) | {"findings": findings}


@router.post("/deploys", status_code=201)
def record(body: DeployIn, request: Request, _: Principal = Depends(responder)) -> dict[str, Any]:
    """Record a deploy; its release's errors are watched for its window. 404 for an unknown
    service, 422 naming the field."""
    ctx = context(request)
    now = ctx.clock.now()
    spec = actions.DeploySpec(
        service=body.service, release=body.release, deployed_at=body.at or now, source="api",
        environment=body.environment, deployer=body.deployer, watch_minutes=body.watch_minutes,
    )  # fmt: skip
    with ctx.db.transaction() as session:
        deploy = actions.record(session, spec, now)
        return deploy_detail(session, deploy.id)


@router.get("/deploys")
def list_deploys(
    request: Request,
    service: str | None = Query(None, description="Only this service's deploys."),
    limit: int = Query(100, ge=1, le=500),
    _: Principal = Depends(viewer),
) -> list[dict[str, Any]]:
    """Deploys, newest first."""
    with context(request).db.read() as session:
        return [deploy_view(d, name) for d, name in queries.deploys(session, service, limit)]


@router.get("/deploys/{deploy_id}")
def get_deploy(deploy_id: Id, request: Request, _: Principal = Depends(viewer)) -> dict[str, Any]:
    """A deploy with its findings: new, regressed and rising error issues of its release."""
    with context(request).db.read() as session:
        return deploy_detail(session, deploy_id)
