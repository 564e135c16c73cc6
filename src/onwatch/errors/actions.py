"""Error tracking's use cases: take in an envelope (count its items, store and
group its events), resolve and silence issues. In the caller's transaction; no network."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Invalid
from onwatch.errors import hooks, items, lifecycle, queries
from onwatch.errors.envelope import (
    COUNTED,
    PROCESSED,
    Envelope,
    client_report_drops,
    json_payload,
)
from onwatch.errors.facts import Facts, facts_of
from onwatch.errors.grouping import VERSION, Grouping, culprit_of, group, title_of
from onwatch.errors.keys import KeyGrant
from onwatch.errors.models import ErrorIssue

TAG_KEYS, TAG_VALUES = 20, 10
MAX_RELEASES, MAX_ENVIRONMENTS = 100, 20
_TYPE_NAME = re.compile(r"[a-z0-9_.-]{1,32}")
# Skipped item types counted under their own name, per service; later new names are counted
# as "other", so a client cannot grow error_ingestion without bound.
SKIPPED_NAMES = 20


@dataclass(frozen=True)
class ParsedEvent:
    event_id: str
    payload: dict[str, Any]
    grouping: Grouping


@dataclass
class Receipt:
    event_id: str | None
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)


def parse_events(envelope: Envelope) -> tuple[list[ParsedEvent], dict[str, tuple[int, int]]]:
    """The envelope's events, parsed and grouped (no I/O, so done before the transaction), and
    its items counted by type: {type: (items, dropped events a client_report names)}. A broken
    event is refused (Invalid naming the item), so nothing of the envelope is stored."""
    events: list[ParsedEvent] = []
    counts: dict[str, tuple[int, int]] = {}
    header_id = envelope.headers.get("event_id")
    for index, item in enumerate(envelope.items):
        name = item.type if _TYPE_NAME.fullmatch(item.type) else "other"
        quantity = 0
        if item.type in PROCESSED:
            payload = json_payload(item.payload, f"items[{index}] (event)")
            event_id = _event_id(payload.get("event_id") or header_id, f"items[{index}]")
            payload["event_id"] = event_id
            events.append(ParsedEvent(event_id, payload, group(payload)))
        elif item.type == "client_report":
            try:
                quantity = client_report_drops(json_payload(item.payload, "client_report"))
            except Invalid:
                quantity = 0  # a report of drops we cannot read is still counted as an item
        elif item.type not in COUNTED and name != "other":
            name = item.type
        items, dropped = counts.get(name, (0, 0))
        counts[name] = (items + 1, dropped + quantity)
    return events, counts


def receive(
    session: Session,
    grant: KeyGrant,
    events: list[ParsedEvent],
    counts: dict[str, tuple[int, int]],
    *,
    peer: str | None,
    now: datetime,
    keep_samples: int,
    kept: Sequence[items.Kept] = (),
) -> Receipt:
    """Count the envelope's items, store its events into their issues and keep its other
    items that a module keeps (items.py). An event_id stored before (a retry) is counted as an
    item but stored once."""
    receipt = Receipt(events[0].event_id if events else None, counts=counts)
    # Issues in hash order, then the service's ingestion counts: every request takes its row
    # locks in one order (no deadlock between two envelopes), and the counts, which every
    # request of the service updates, are held only from here to the commit.
    for event in sorted(events, key=lambda e: e.grouping.fingerprint):
        if _store(session, grant.service_id, event, peer, now, keep_samples):
            receipt.stored.append(event.event_id)
        else:
            receipt.duplicates.append(event.event_id)
    items.keep(session, grant, kept, now)
    named = queries.skipped_types(session, grant.service_id) if _skipped(counts) else set()
    counted = bounded_names(items.with_drops(counts, kept), named)
    queries.count_items(session, grant.service_id, counted, now)
    return receipt


def bounded_names(
    counts: dict[str, tuple[int, int]], named: set[str], limit: int = SKIPPED_NAMES
) -> dict[str, tuple[int, int]]:
    """`counts` with the skipped types that would make more than `limit` named ones for the
    service (which has `named` already) folded into "other". Two envelopes bringing new names
    at once may each add one past the limit: the bound is loose by the requests in flight."""
    room = limit - len(named)
    new_names = sorted(_skipped(counts) - named)
    kept_names = set(new_names[: max(room, 0)])
    bounded: dict[str, tuple[int, int]] = {}
    for name, (count, quantity) in counts.items():
        key = "other" if name in new_names and name not in kept_names else name
        before = bounded.get(key, (0, 0))
        bounded[key] = (before[0] + count, before[1] + quantity)
    return bounded


def _skipped(counts: dict[str, tuple[int, int]]) -> set[str]:
    return {name for name in counts if name not in PROCESSED | COUNTED and name != "other"}


def _store(
    session: Session,
    service_id: int,
    event: ParsedEvent,
    peer: str | None,
    now: datetime,
    keep_samples: int,
) -> bool:
    payload = event.payload
    facts = facts_of(payload, peer)
    issue = queries.issue_for(
        session,
        {
            "service_id": service_id,
            "fingerprint": event.grouping.fingerprint,
            "grouping_version": VERSION,
            "grouping_reason": event.grouping.reason,
            "title": title_of(payload),
            "culprit": culprit_of(payload),
            "level": facts.level,
            "status": "unresolved",
            "substatus": "new",
            "substatus_at": now,
            "first_seen_at": now,
            "last_seen_at": now,
            "event_count": 0,
            "user_count": 0,
            "ip_count": 0,
            "releases": [],
            "environments": [],
            "tags": {},
        },
    )
    stored = queries.add_event(
        session,
        {
            "service_id": service_id,
            "issue_id": issue.id,
            "event_id": event.event_id,
            "received_at": now,
            "release": facts.release,
            "environment": facts.environment,
            "user_key": facts.user_key,
            "ip": facts.ip,
        },
    )
    if not stored:
        return False  # a retry: the unique index holds the first of this event_id
    new_user, new_ip = queries.add_affected(session, issue.id, facts.user_key, facts.ip)
    queries.count_hour(session, issue.id, now.replace(minute=0, second=0, microsecond=0))
    queries.add_sample(
        session,
        {
            "issue_id": issue.id,
            "seq": issue.event_count + 1,
            "event_id": event.event_id,
            "received_at": now,
            "url": facts.url,
            "payload": payload,
        },
        keep_samples,
    )
    before = dict(vars(issue))
    _count(issue, facts, int(new_user), int(new_ip), now)
    _apply(issue, lifecycle.after_event(_state(issue), facts.release, _counts(issue), now))
    changes = {name: value for name, value in vars(issue).items() if before[name] != value}
    queries.update_issue(session, issue.id, changes)
    if before["event_count"] == 0:
        hooks.issue_opened(session, issue.id, now)
    elif before["status"] == "resolved" and issue.substatus == "regressed":
        hooks.issue_regressed(session, issue.id, event.event_id, now)
    return True


def _count(issue: Any, facts: Facts, new_users: int, new_ips: int, now: datetime) -> None:
    issue.event_count += 1
    issue.user_count += new_users
    issue.ip_count += new_ips
    issue.last_seen_at = max(issue.last_seen_at, now)
    issue.level = facts.level
    if facts.release is not None:
        issue.last_release = facts.release
        if facts.release not in issue.releases and len(issue.releases) < MAX_RELEASES:
            issue.releases = [*issue.releases, facts.release]
    environments = issue.environments
    is_new_environment = facts.environment and facts.environment not in environments
    if is_new_environment and len(environments) < MAX_ENVIRONMENTS:
        issue.environments = [*environments, facts.environment]
    if facts.tags:
        issue.tags = merged_tags(issue.tags, facts.tags)


def merged_tags(tags: dict[str, Any], pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Tag value counts with one event's tags added: the first TAG_KEYS keys and the first
    TAG_VALUES values of each are counted; later ones are not."""
    return counted_tags(tags, ((key, value, 1) for key, value in pairs))


def counted_tags(tags: dict[str, Any], counted: Iterable[tuple[str, str, int]]) -> dict[str, Any]:
    """Tag value counts with (key, value, count) added, under merged_tags' limits."""
    merged = {key: dict(values) for key, values in tags.items()}
    for key, value, count in counted:
        values = merged.get(key)
        if values is None:
            if len(merged) >= TAG_KEYS:
                continue
            values = merged[key] = {}
        if value in values or len(values) < TAG_VALUES:
            values[value] = values.get(value, 0) + count
    return merged


def resolve(
    session: Session,
    issue_id: int,
    *,
    mode: str,
    release: str | None,
    actor: str,
    now: datetime,
) -> ErrorIssue:
    """Resolve now, in the next release, or in release `release`."""
    if mode not in lifecycle.RESOLVE_MODES:
        raise Invalid(f"must be one of {', '.join(lifecycle.RESOLVE_MODES)} (got {mode!r})", "mode")
    if mode == "release" and not (release and release.strip()):
        raise Invalid("is required to resolve in a release", "release")
    issue = queries.issue(session, issue_id, lock=True)
    before = _status_view(issue)
    state = lifecycle.resolved(
        _state(issue),
        mode=mode,
        release=release.strip() if release else None,
        releases_seen=issue.releases,
        last_release=issue.last_release,
    )
    _apply(issue, state)
    issue.resolved_at = now
    _audit(session, issue, "error_issue.resolve", actor, now, before)
    return issue


def silence(
    session: Session,
    issue_id: int,
    *,
    until: datetime | None,
    events: int | None,
    users: int | None,
    actor: str,
    now: datetime,
) -> ErrorIssue:
    """Silence until a time, N more events or N more users, whichever comes first."""
    if until is not None and until <= now:
        raise Invalid("must be in the future", "until")
    for name, value in (("events", events), ("users", users)):
        if value is not None and value < 1:
            raise Invalid("must be at least 1", name)
    issue = queries.issue(session, issue_id, lock=True)
    before = _status_view(issue)
    state = lifecycle.silenced(
        _state(issue), until=until, events=events, users=users, counts=_counts(issue)
    )
    _apply(issue, state)
    _audit(session, issue, "error_issue.silence", actor, now, before)
    return issue


def reopen(session: Session, issue_id: int, *, actor: str, now: datetime) -> ErrorIssue:
    """Back to unresolved (ongoing), lifting a resolution or silence."""
    issue = queries.issue(session, issue_id, lock=True)
    before = _status_view(issue)
    _apply(issue, lifecycle.reopened(_state(issue), now))
    issue.resolved_at = None
    _audit(session, issue, "error_issue.reopen", actor, now, before)
    return issue


def _event_id(value: Any, where: str) -> str:
    if value is None:
        return uuid.uuid4().hex
    try:
        return uuid.UUID(str(value)).hex
    except ValueError:
        raise Invalid("must be a UUID (32 hex digits)", f"{where}.event_id") from None


def _state(issue: Any) -> lifecycle.State:
    return lifecycle.State(
        issue.status, issue.substatus, issue.substatus_at, issue.resolution, issue.silence
    )


def _counts(issue: Any) -> lifecycle.Counts:
    return lifecycle.Counts(issue.event_count, issue.user_count)


def _apply(issue: Any, state: lifecycle.State) -> None:
    """Set `state` on an issue: an ErrorIssue, or intake's record of its columns."""
    if state.status != issue.status or state.substatus != issue.substatus:
        issue.status, issue.substatus = state.status, state.substatus
        issue.substatus_at = state.substatus_at
    if state.resolution != issue.resolution:
        issue.resolution = state.resolution
    if state.silence != issue.silence:
        issue.silence = state.silence


def _status_view(issue: ErrorIssue) -> dict[str, Any]:
    return {
        "status": issue.status,
        "substatus": issue.substatus,
        "resolution": issue.resolution,
        "silence": issue.silence,
    }


def _audit(
    session: Session,
    issue: ErrorIssue,
    action: str,
    actor: str,
    now: datetime,
    before: dict[str, Any],
) -> None:
    record(
        session,
        actor=actor,
        action=action,
        entity_type="error_issue",
        entity_key=str(issue.id),
        at=now,
        before=before,
        after=_status_view(issue),
    )
