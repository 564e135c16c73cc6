"""Escalation policies (declared in the config file): each with its steps and whom each step
would reach right now, for viewers. They are written through `onwatch apply`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from onwatch.auth.roles import Principal
from onwatch.escalation.views import PolicyView, one_policy, policy_views
from onwatch.web.security import context, viewer

router = APIRouter(prefix="/api/v1", tags=["escalation"])


@router.get("/escalation-policies")
def list_policies(request: Request, _: Principal = Depends(viewer)) -> list[PolicyView]:
    """Every policy by name, with the services that use it and whom each step reaches now."""
    ctx = context(request)
    with ctx.db.read() as session:
        return policy_views(session, ctx.clock.now())


@router.get("/escalation-policies/{name}")
def get_policy(name: str, request: Request, _: Principal = Depends(viewer)) -> PolicyView:
    """One policy; 404 when there is none by that name."""
    ctx = context(request)
    with ctx.db.read() as session:
        return one_policy(session, name, ctx.clock.now())
