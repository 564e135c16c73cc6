"""Channels (declared in the config file): the list, for viewers. No secret is ever stored, but
the references and URLs say where secrets live and where messages go, so only admins see them;
others see which fields are set."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.channels.specs import ChannelSpec, channel_specs
from onwatch.web.security import context, viewer

router = APIRouter(prefix="/api/v1", tags=["channels"])
CONFIDENTIAL = ("url", "secret", "token")


class RateLimitView(BaseModel):
    max: int
    per: str  # "1m"


class ChannelView(BaseModel):
    name: str
    type: str
    to: list[str] | None = None  # e-mail channels' addresses
    url: str | None = None  # admins only: a reference (env:NAME, file:/path) or a plain URL
    secret: str | None = None  # admins only: a reference
    token: str | None = None  # admins only: a reference
    hidden: list[str] = []  # fields that are set but not shown to this caller
    rate_limit: RateLimitView | None = None


def channel_view(spec: ChannelSpec, *, show_references: bool) -> ChannelView:
    data = spec.model_dump(mode="json", exclude_none=True)
    hidden = [] if show_references else [f for f in CONFIDENTIAL if f in data]
    for field in hidden:
        data.pop(field)
    return ChannelView(**data, hidden=hidden)


@router.get("/channels")
def list_channels(request: Request, who: Principal = Depends(viewer)) -> list[ChannelView]:
    """Every channel by name; `url`, `secret` and `token` (references, never values) only for
    admins."""
    show = has_role(who.role, Role.admin)
    with context(request).db.read() as session:
        return [channel_view(spec, show_references=show) for spec in channel_specs(session)]
