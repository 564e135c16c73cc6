"""Error tracking's API for error issues: listing and reading them, their samples and attachments
(viewer), and resolving, silencing, triaging, merging or ticketing them (responder, audited).
Keys, ingestion counts and release health: error_setup.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal
from onwatch.directory.models import Service, Team
from onwatch.directory.queries import get_service
from onwatch.errors import actions, attachments, merging, queries, triage
from onwatch.errors.grouping import innermost_exception
from onwatch.errors.models import ErrorIssue
from onwatch.errors.tickets import SUBJECT, ErrorTickets
from onwatch.incidents.notices import tech_lead
from onwatch.tickets.models import TicketTracker
from onwatch.tickets.queries import tickets_of
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1/errors", tags=["errors"])
HOURS_SHOWN = timedelta(days=14)  # the page charts the last 14 days


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["now", "next_release", "release"] = "now"
    release: str | None = Field(None, max_length=200, description="For mode `release`.")


class SilenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: AwareDatetime | None = Field(None, description="Silenced until this time…")
    events: int | None = Field(None, ge=1, description="…or until this many more events…")
    users: int | None = Field(None, ge=1, description="…or this many more users, first wins.")


class TriageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    impact: Literal["noise", "annoying", "data_corrupting", "work_stopping"] = Field(
        description="noise: nobody is told; annoying: the tech lead's digest (daily or weekly); "
        "data_corrupting or work_stopping: a sev1 incident that pages at once."
    )
    fix_in_code: bool = Field(
        False, description="With noise: to be caught and logged in the code, not sent."
    )
    silence: SilenceIn | None = Field(
        None, description="With noise: silence it in the same action (until a time, N more "
        "events or N more users); refused with another impact."
    )  # fmt: skip


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issues: list[Id] = Field(
        min_length=1, max_length=100, description="Issues of the same service to merge into this."
    )


def issue_view(issue: ErrorIssue, service: str) -> dict[str, Any]:
    return {
        "id": issue.id,
        "service": service,
        "title": issue.title,
        "culprit": issue.culprit,
        "level": issue.level,
        "status": issue.status,
        "substatus": issue.substatus,
        "first_seen_at": issue.first_seen_at,
        "last_seen_at": issue.last_seen_at,
        "events": issue.event_count,
        "users": issue.user_count,
        "client_ips": issue.ip_count,
        "impact": issue.impact,
        "impact_by": issue.impact_by,
        "impact_at": issue.impact_at,
        "fix_in_code": issue.fix_in_code,
        "incident_id": issue.incident_id,
        "grouping": {
            "version": issue.grouping_version,
            "reason": issue.grouping_reason,
            "hash": issue.fingerprint,
        },
    }


def issue_detail(session: Session, issue_id: int, now: datetime) -> dict[str, Any]:
    issue = queries.issue(session, issue_id)
    service = session.get_one(Service, issue.service_id)
    samples = queries.samples(session, issue.id)
    files: dict[str, list[dict[str, Any]]] = {}
    for row in attachments.of_events(session, issue.service_id, [s.event_id for s in samples]):
        files.setdefault(row.event_id, []).append(attachment_view(row))
    lead = tech_lead(session, service)
    team = session.get(Team, service.team_id) if service.team_id is not None else None
    tracker = session.scalar(
        select(TicketTracker.repository).where(TicketTracker.team_id == service.team_id)
    )
    return {
        **issue_view(issue, service.name),
        "team": team.name if team else None,
        "tech_lead": lead.name if lead else None,
        "releases": issue.releases,
        "last_release": issue.last_release,
        "environments": issue.environments,
        "tags": issue.tags,
        "resolution": issue.resolution,
        "resolved_at": issue.resolved_at,
        "silence": issue.silence,
        "merged_from": list(issue.merged_from),
        "tracker": tracker,  # the repository of its team's tracker, if it has one
        "tickets": [vars(t) for t in tickets_of(session, SUBJECT, issue.id)],
        "hours": [
            {"hour_at": at, "events": count}
            for at, count in queries.hours(session, issue.id, now - HOURS_SHOWN)
        ],
        "samples": [
            {
                "event_id": s.event_id,
                "received_at": s.received_at,
                "url": s.url,
                "user": _user(s.payload),
                "tags": _tags(s.payload),
                "stacktrace": _stacktrace(s.payload),
                "payload": s.payload,
                "attachments": files.get(s.event_id, []),
            }
            for s in samples
        ],
    }


def attachment_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "attachment_type": row.attachment_type,
        "size": row.size,
        "url": f"/api/v1/errors/attachments/{row.id}",
    }


def _stacktrace(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The innermost exception's frames, innermost first, with what a reader needs."""
    exception = innermost_exception(payload)
    stack = (exception or {}).get("stacktrace")
    frames = stack.get("frames") if isinstance(stack, dict) else None
    if not isinstance(frames, list):
        return []
    return [
        {
            "where": f.get("module") or f.get("filename"),
            "function": f.get("function"),
            "line": f.get("lineno"),
            "in_app": f.get("in_app") is True,
            "context_line": f.get("context_line"),
            "pre_context": _lines(f.get("pre_context")),
            "post_context": _lines(f.get("post_context")),
        }
        for f in reversed(frames)
        if isinstance(f, dict)
    ]


def _user(payload: dict[str, Any]) -> dict[str, str]:
    user = payload.get("user")
    if not isinstance(user, dict):
        return {}
    wanted = ("id", "email", "username", "ip_address")
    return {k: str(user[k]) for k in wanted if isinstance(user.get(k), (str, int))}


def _tags(payload: dict[str, Any]) -> list[tuple[str, str]]:
    tags = payload.get("tags")
    pairs = tags.items() if isinstance(tags, dict) else tags if isinstance(tags, list) else []
    found = [
        (str(pair[0]), str(pair[1]))
        for pair in pairs
        if isinstance(pair, (list, tuple)) and len(pair) == 2
    ]
    return found[:50]


def _lines(value: Any) -> list[str]:
    return [str(line) for line in value[-5:]] if isinstance(value, list) else []


def _service_id(session: Session, service: str | None) -> int | None:
    return get_service(session, service).id if service else None


@router.get("/issues")
def list_issues(
    request: Request,
    service: str | None = Query(None),
    status: Literal["unresolved", "resolved", "silenced"] | None = Query(None),
    sort: Literal["last_seen", "events", "users", "impact"] = Query("last_seen"),
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(viewer),
) -> list[dict[str, Any]]:
    with context(request).db.read() as session:
        found = queries.issues(
            session,
            service_id=_service_id(session, service),
            status=status,
            sort=sort,
            limit=limit,
        )
        return [issue_view(issue, name) for issue, name in found]


@router.get("/issues/{issue_id}")
def get_issue(issue_id: Id, request: Request, _: Principal = Depends(viewer)) -> dict[str, Any]:
    """An issue with why its events were grouped, counts by hour and its latest samples."""
    ctx = context(request)
    with ctx.db.read() as session:
        return issue_detail(session, issue_id, ctx.clock.now())


@router.get("/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    attachment_id: Id, request: Request, _: Principal = Depends(viewer)
) -> Response:
    """An attachment's bytes with the content type it was sent with, always as a download
    (Content-Disposition: attachment, sandboxed): a file an SDK sent is never shown inline."""
    with context(request).db.read() as session:
        found = attachments.attachment(session, attachment_id)
        content, media_type, filename = found.content, found.content_type, found.filename
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/issues/{issue_id}/resolve")
def resolve(
    issue_id: Id, body: ResolveIn, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        actions.resolve(
            session, issue_id, mode=body.mode, release=body.release, actor=who.actor, now=now
        )
        return issue_detail(session, issue_id, now)


@router.post("/issues/{issue_id}/silence")
def silence(
    issue_id: Id, body: SilenceIn, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        actions.silence(
            session,
            issue_id,
            until=body.until,
            events=body.events,
            users=body.users,
            actor=who.actor,
            now=now,
        )
        return issue_detail(session, issue_id, now)


@router.post("/issues/{issue_id}/reopen")
def reopen(issue_id: Id, request: Request, who: Principal = Depends(responder)) -> dict[str, Any]:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        actions.reopen(session, issue_id, actor=who.actor, now=now)
        return issue_detail(session, issue_id, now)


@router.post("/issues/{issue_id}/triage")
def triage_issue(
    issue_id: Id, body: TriageIn, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    """Triage by impact. data_corrupting or work_stopping opens a sev1 incident on the issue's
    service (once per issue), paging its on-call and telling its tech lead and the urgent
    contacts at once; its id is the issue's `incident_id`."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        silence = triage.Silence(**body.silence.model_dump()) if body.silence else None
        triage.triage(
            session, issue_id, body.impact, fix_in_code=body.fix_in_code, silence=silence,
            actor=who.actor, now=now,
        )  # fmt: skip
        return issue_detail(session, issue_id, now)


@router.post("/issues/{issue_id}/merge")
def merge(
    issue_id: Id, body: MergeIn, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    """Merge other issues of the same service into this one, which keeps its id: their events,
    counts, samples and tags move here, and later events of their hashes land here. 422 naming
    `issues` for an issue of another service."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        merging.merge(
            session, issue_id, body.issues, keep_samples=ctx.settings.errors_samples,
            actor=who.actor, now=now,
        )  # fmt: skip
        return issue_detail(session, issue_id, now)


@router.post("/issues/{issue_id}/ticket")
def ticket(issue_id: Id, request: Request, who: Principal = Depends(responder)) -> dict[str, Any]:
    """Open the issue's ticket in its team's tracker now (labelled as the tracker says, e.g.
    prod-alert); the one it has if it has one. 409 when the team has no tracker. The engine
    sends it; the ticket's number and link appear once the tracker answered."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        ErrorTickets(ctx.settings.resolved_base_url()).open_now(
            session, issue_id, actor=who.actor, now=now
        )
        detail = issue_detail(session, issue_id, now)
    ctx.engine_wakeup.set()  # after the commit: the engine sends what is now stored
    return detail
