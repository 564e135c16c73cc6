"""Reading deploys, their findings, and the error activity of a deploy's release; takes a
session, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onwatch.core.errors import NotFound
from onwatch.deploys.models import Deploy, DeployFinding
from onwatch.deploys.watch import BEFORE, Activity
from onwatch.directory.models import Service
from onwatch.errors.models import ErrorEvent, ErrorIssue


def deploys(
    session: Session, service: str | None = None, limit: int = 100
) -> list[tuple[Deploy, str]]:
    """Deploys newest first, each with its service's name."""
    query = select(Deploy, Service.name).join(Service, Service.id == Deploy.service_id)
    if service is not None:
        query = query.where(Service.name == service)
    query = query.order_by(Deploy.deployed_at.desc(), Deploy.id.desc()).limit(limit)
    return [(d, name) for d, name in session.execute(query).all()]


def deploy(session: Session, deploy_id: int) -> tuple[Deploy, str]:
    found = session.execute(
        select(Deploy, Service.name)
        .join(Service, Service.id == Deploy.service_id)
        .where(Deploy.id == deploy_id)
    ).first()
    if found is None:
        raise NotFound(f"no deploy {deploy_id}")
    return found[0], found[1]


def findings_of(session: Session, deploy_id: int) -> list[DeployFinding]:
    return list(
        session.scalars(
            select(DeployFinding)
            .where(DeployFinding.deploy_id == deploy_id)
            .order_by(DeployFinding.found_at, DeployFinding.id)
        )
    )


def unwatched(session: Session) -> list[Deploy]:
    return list(
        session.scalars(select(Deploy).where(Deploy.watched_at.is_(None)).order_by(Deploy.id))
    )


def activity(session: Session, deploy: Deploy, until: datetime) -> list[Activity]:
    """The error issues of the deploy's service with events of its release from the deploy to
    `until`, with their events in the hour before the deploy."""
    in_window = (
        select(ErrorEvent.issue_id, func.count().label("n"))
        .where(
            ErrorEvent.service_id == deploy.service_id,
            ErrorEvent.release == deploy.release,
            ErrorEvent.received_at >= deploy.deployed_at,
            ErrorEvent.received_at <= until,
        )
        .group_by(ErrorEvent.issue_id)
    )
    counts: dict[int, int] = {i: n for i, n in session.execute(in_window).all()}
    if not counts:
        return []
    before = dict(
        session.execute(
            select(ErrorEvent.issue_id, func.count())
            .where(
                ErrorEvent.issue_id.in_(counts),
                ErrorEvent.received_at >= deploy.deployed_at - BEFORE,
                ErrorEvent.received_at < deploy.deployed_at,
            )
            .group_by(ErrorEvent.issue_id)
        ).all()
    )
    issues = session.scalars(
        select(ErrorIssue).where(ErrorIssue.id.in_(counts)).order_by(ErrorIssue.id)
    )
    return [
        Activity(
            issue_id=i.id,
            title=i.title,
            first_seen_at=i.first_seen_at,
            substatus=i.substatus,
            substatus_at=i.substatus_at,
            in_window=counts[i.id],
            before=before.get(i.id, 0),
        )
        for i in issues
    ]
