"""Evidence bundles of an upstream outage: the window asked for, checked; the bundle built
from the incident's alerts and the error events of its linked error issues (nothing written);
and attaching it to the upstream report: kept as a snapshot at a stable URL, on the timeline,
audited, and e-mailed (Markdown and JSON attached) to the upstream owner and the product owner.
In the caller's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.core.errors import FieldError, Invalid
from onwatch.directory.models import Service
from onwatch.incidents import actions as incidents
from onwatch.incidents.models import Incident
from onwatch.upstream import error_evidence, evidence, queries
from onwatch.upstream.actions import (
    Telling,
    checked_source,
    copy_product_owner,
    note_on,
    require_upstream,
    tell,
)
from onwatch.upstream.models import EvidenceBundle

MAX_EVIDENCE_WINDOW = evidence.MAX_WINDOW


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    samples: int


def evidence_window(
    session: Session,
    incident: Incident,
    *,
    since: datetime | None,
    until: datetime | None,
    samples: int | None,
    now: datetime,
) -> Window:
    """The window asked for, checked: by default from the incident's first alert or first error
    event of a linked error issue (or its opening, or the longest window before `until`,
    whichever is latest) to now. Invalid naming each field."""
    end = until or now
    start = since
    if start is None:
        firsts = [
            incident.opened_at,
            queries.earliest_alert(session, incident.id),
            *(i.first_seen_at for i in error_evidence.linked_issues(session, incident.id)),
        ]
        start = max(min(f for f in firsts if f is not None), end - MAX_EVIDENCE_WINDOW)
    if since is None and until is None:
        end = max(end, start)  # an incident opened this instant: an empty window, no error
    count = evidence.DEFAULT_SAMPLES if samples is None else samples
    errors: list[FieldError] = []
    if end < start or end == start and (since or until):
        errors.append(FieldError("until", "must be after since"))
    elif end - start > MAX_EVIDENCE_WINDOW:
        errors.append(
            FieldError("since", f"the window must be at most {MAX_EVIDENCE_WINDOW.days} days")
        )
    if not evidence.MIN_SAMPLES <= count <= evidence.MAX_SAMPLES:
        errors.append(
            FieldError(
                "samples",
                f"must be from {evidence.MIN_SAMPLES} to {evidence.MAX_SAMPLES} (got {count})",
            )
        )
    if errors:
        raise Invalid(errors)
    return Window(start, end, count)


def build_evidence(
    session: Session,
    incident_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    samples: int | None = None,
    now: datetime,
) -> evidence.Bundle:
    """The evidence bundle of the incident's alerts and the error events of its linked error
    issues in the window (nothing is written)."""
    incident = incidents.get(session, incident_id)
    window = evidence_window(session, incident, since=since, until=until, samples=samples, now=now)
    service = session.get(Service, incident.service_id)
    upstream = queries.upstream_service(session, incident)
    read = queries.failures(session, incident.id, window.since, window.until)
    errors = error_evidence.incident_failures(session, incident.id, window.since, window.until)
    failures = sorted([*read.failures, *errors.failures], key=lambda f: f.at)
    subject = evidence.Subject(
        incident_id=incident.id,
        title=incident.title,
        service=service.name if service else "",
        upstream_service=upstream.name if upstream else None,
        upstream_url=incident.upstream_url,
    )
    found = evidence.bundle(
        subject, failures, since=window.since, until=window.until, now=now,
        samples=window.samples, notes=[*read.notes, *errors.notes],
    )  # fmt: skip
    return replace(found, total_events=found.total_events + errors.unread)


def bundle_path(incident_id: int, bundle_id: int) -> str:
    """The stable address of a kept bundle (the page; the API's is under /api/v1)."""
    return f"/incidents/{incident_id}/evidence/{bundle_id}"


def attach_evidence(
    session: Session,
    incident_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    samples: int | None = None,
    actor: str,
    now: datetime,
    source: str,
    telling: Telling,
) -> EvidenceBundle:
    """Keep the bundle as it is now (a snapshot with a stable URL), note it on the timeline and
    send it (Markdown and JSON attached) to the upstream owner and the product owner."""
    source = checked_source(source)
    incident = incidents.get(session, incident_id, for_update=True)
    upstream = require_upstream(session, incident)
    found = build_evidence(session, incident_id, since=since, until=until, samples=samples, now=now)
    kept = EvidenceBundle(
        incident_id=incident.id,
        since=found.since,
        until=found.until,
        created_at=now,
        created_by=actor,
    )
    session.add(kept)
    session.flush()
    url = telling.base_url.rstrip("/") + bundle_path(incident.id, kept.id)
    kept.document = evidence.to_document(found, url)
    kept.markdown = evidence.to_markdown(kept.document)
    said = (
        f"Evidence bundle {kept.id} attached: {len(found.samples)} samples, "
        f"{found.total_events} events, {found.unique_client_ips} unique client IPs ({url})"
    )
    data = {
        "bundle_id": kept.id,
        "url": url,
        "samples": len(found.samples),
        "total_events": found.total_events,
        "unique_client_ips": found.unique_client_ips,
        "since": found.since.isoformat(),
        "until": found.until.isoformat(),
    }
    note_on(
        session, incident, kind="evidence", text=said, actor=actor, now=now, source=source,
        data=data,
    )  # fmt: skip
    incidents.audit(session, incident, "evidence", actor, now, None, data)
    copy_product_owner(session, incident, telling, actor=actor, now=now, source=source)
    stem = f"incident-{incident.id}-evidence-{kept.id}"
    tell(
        session, incident, upstream, telling, now=now, key=f"evidence:{kept.id}",
        title=f"Evidence for the {upstream.display_name or upstream.name} outage "
        f"(incident #{incident.id})",
        lines=[
            f"{found.total_events} failures from {found.unique_client_ips} unique client IPs "
            f"between {found.since:%Y-%m-%d %H:%M} and {found.until:%Y-%m-%d %H:%M} UTC; "
            f"{len(found.samples)} samples attached (Markdown and JSON).",
            f"Evidence: {url}",
            *([f"Reported upstream at: {incident.upstream_url}"] if incident.upstream_url else []),
        ],
        attachments=[
            {"filename": f"{stem}.md", "content_type": "text/markdown", "content": kept.markdown},
            {
                "filename": f"{stem}.json",
                "content_type": "application/json",
                "content": evidence_json(kept.document),
            },
        ],
    )  # fmt: skip
    return kept


def evidence_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
