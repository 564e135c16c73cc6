"""Merging error issues by hand: issues of one service become one, the target, which keeps its id.
The others' events, hours, affected users and IPs, samples, tags, releases and counts move into
it and they are deleted; their hashes become aliases, so later events of them land in the target.
In the caller's transaction, audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Invalid, NotFound
from onwatch.errors.actions import MAX_ENVIRONMENTS, MAX_RELEASES, counted_tags
from onwatch.errors.models import (
    ErrorAffected,
    ErrorAlias,
    ErrorEvent,
    ErrorHour,
    ErrorIssue,
    ErrorSample,
)
from onwatch.tickets.models import Ticket

FIELD = "issues"


def merge(
    session: Session,
    target_id: int,
    others: Sequence[int],
    *,
    keep_samples: int,
    actor: str,
    now: datetime,
) -> ErrorIssue:
    """Merge `others` into the issue `target_id`. Invalid naming `issues` when there are none,
    when one is the target or named twice, unknown, or of another service."""
    wanted = list(others)
    if not wanted:
        raise Invalid("name at least one issue to merge into this one", FIELD)
    if target_id in wanted or len(set(wanted)) != len(wanted):
        raise Invalid("must name other issues than this one, each once", FIELD)
    # Rows locked in id order, as every writer of issues takes them.
    locked = {
        issue.id: issue
        for issue in session.scalars(
            select(ErrorIssue)
            .where(ErrorIssue.id.in_([target_id, *wanted]))
            .order_by(ErrorIssue.id)
            .with_for_update()
        )
    }
    if target_id not in locked:
        raise NotFound(f"no error issue {target_id}")
    target = locked[target_id]
    missing = [str(n) for n in wanted if n not in locked]
    if missing:
        raise Invalid(f"no error issue {', '.join(missing)}", FIELD)
    strangers = [str(n) for n in wanted if locked[n].service_id != target.service_id]
    if strangers:
        raise Invalid(
            f"issue {', '.join(strangers)} is of another service: only issues of one service merge",
            FIELD,
        )
    merging = [locked[n] for n in wanted]
    before = _view(target)
    ids = [issue.id for issue in merging]
    _move_rows(session, target, ids, keep_samples)
    _combine(target, merging)
    _count_affected(session, target)
    for issue in merging:
        _alias(session, target, issue)
    _move_tickets(session, target.id, ids)
    incident = next((i.incident_id for i in merging if i.incident_id is not None), None)
    if target.incident_id is None and incident is not None:
        # One incident per issue (a unique column): the merged one hands it over.
        for issue in merging:
            issue.incident_id = None
        session.flush()
        target.incident_id = incident
    # Their hours and affected rows go with them (ON DELETE CASCADE; SQLite's is on too), as do
    # deploy findings about them (errors may not reach into deploys to move those).
    for issue in merging:
        session.delete(issue)
    session.flush()
    record(
        session, actor=actor, action="error_issue.merge", entity_type="error_issue",
        entity_key=str(target.id), at=now, before=before,
        after={**_view(target), "merged": ids},
    )  # fmt: skip
    return target


def merged_into(session: Session, issue_id: int) -> int | None:
    """The issue that an issue merged by hand is now part of, if it was."""
    return session.scalar(select(ErrorAlias.issue_id).where(ErrorAlias.merged_id == issue_id))


def _move_rows(session: Session, target: ErrorIssue, ids: list[int], keep: int) -> None:
    session.execute(
        update(ErrorEvent).where(ErrorEvent.issue_id.in_(ids)).values(issue_id=target.id)
    )
    hours: dict[datetime, int] = {}
    for at, count in session.execute(
        select(ErrorHour.hour_at, ErrorHour.count).where(ErrorHour.issue_id.in_(ids))
    ):
        hours[at] = hours.get(at, 0) + count
    for at, count in sorted(hours.items()):
        row = session.get(ErrorHour, (target.id, at))
        if row is None:
            session.add(ErrorHour(issue_id=target.id, hour_at=at, count=count))
        else:
            row.count += count
    have = {
        (kind, value)
        for kind, value in session.execute(
            select(ErrorAffected.kind, ErrorAffected.value).where(
                ErrorAffected.issue_id == target.id
            )
        )
    }
    for kind, value in session.execute(
        select(ErrorAffected.kind, ErrorAffected.value)
        .where(ErrorAffected.issue_id.in_(ids))
        .distinct()
    ):
        if (kind, value) not in have:
            session.add(ErrorAffected(issue_id=target.id, kind=kind, value=value))
    _resample(session, target, ids, keep)


def _resample(session: Session, target: ErrorIssue, ids: list[int], keep: int) -> None:
    """The latest `keep` samples of all, numbered afresh as the ring expects: the newest is the
    merged issue's last event, so the next event writes over the oldest."""
    samples = list(
        session.scalars(select(ErrorSample).where(ErrorSample.issue_id.in_([target.id, *ids])))
    )
    latest = sorted(samples, key=lambda s: (s.received_at, s.seq), reverse=True)[:keep]
    kept = [
        {"event_id": s.event_id, "received_at": s.received_at, "url": s.url, "payload": s.payload}
        for s in latest
    ]
    session.execute(delete(ErrorSample).where(ErrorSample.issue_id.in_([target.id, *ids])))
    session.flush()
    total = target.event_count + sum(
        session.get_one(ErrorIssue, n).event_count for n in ids
    )  # fmt: skip
    for age, values in enumerate(kept):
        seq = total - age
        session.add(ErrorSample(issue_id=target.id, seq=seq, slot=seq % keep, **values))


def _combine(target: ErrorIssue, merging: list[ErrorIssue]) -> None:
    for issue in merging:
        target.event_count += issue.event_count
        target.first_seen_at = min(target.first_seen_at, issue.first_seen_at)
        if issue.last_seen_at > target.last_seen_at:
            target.last_seen_at = issue.last_seen_at
            target.last_release = issue.last_release or target.last_release
        target.releases = _union(target.releases, issue.releases, MAX_RELEASES)
        target.environments = _union(target.environments, issue.environments, MAX_ENVIRONMENTS)
        counted = [
            (key, value, count)
            for key, values in issue.tags.items()
            for value, count in values.items()
        ]
        target.tags = counted_tags(target.tags, counted)
        target.merged_from = [*target.merged_from, *issue.merged_from, issue.id]


def _count_affected(session: Session, target: ErrorIssue) -> None:
    session.flush()
    counted = session.execute(
        select(ErrorAffected.kind, func.count())
        .where(ErrorAffected.issue_id == target.id)
        .group_by(ErrorAffected.kind)
    )
    counts = {kind: count for kind, count in counted}
    target.user_count, target.ip_count = counts.get("user", 0), counts.get("ip", 0)


def _alias(session: Session, target: ErrorIssue, issue: ErrorIssue) -> None:
    session.execute(
        update(ErrorAlias).where(ErrorAlias.issue_id == issue.id).values(issue_id=target.id)
    )
    session.add(
        ErrorAlias(
            service_id=issue.service_id,
            fingerprint=issue.fingerprint,
            issue_id=target.id,
            merged_id=issue.id,
        )
    )


def _move_tickets(session: Session, target_id: int, ids: list[int]) -> None:
    """A merged issue's ticket becomes the target's where the target has none in that tracker
    (one per subject and tracker); others stay as they are, their issue gone."""
    have = set(
        session.scalars(
            select(Ticket.tracker_id).where(
                Ticket.subject_kind == "error_issue", Ticket.subject_id == target_id
            )
        )
    )
    for ticket in session.scalars(
        select(Ticket)
        .where(Ticket.subject_kind == "error_issue", Ticket.subject_id.in_(ids))
        .order_by(Ticket.id)
    ):
        if ticket.tracker_id not in have:
            ticket.subject_id = target_id
            have.add(ticket.tracker_id)


def _union(first: list[str], second: list[str], limit: int) -> list[str]:
    merged = list(first)
    for value in second:
        if value not in merged and len(merged) < limit:
            merged.append(value)
    return merged


def _view(issue: ErrorIssue) -> dict[str, Any]:
    return {
        "events": issue.event_count,
        "users": issue.user_count,
        "client_ips": issue.ip_count,
        "merged_from": list(issue.merged_from),
    }
