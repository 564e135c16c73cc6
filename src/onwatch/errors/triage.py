"""Triage of an error issue by impact (seed 003), each with its own response: noise is silenced
or marked to be fixed in code (nobody is told); annoying waits for the tech lead's digest, daily
or weekly at close of business (digest.py); data-corrupting or work-stopping opens a sev1
incident on the issue's service, which pages its on-call through its escalation policy and tells
the service's tech lead and the urgent contacts at once (incidents/impact.py). One incident per
issue. In the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from onwatch.audit.actions import record
from onwatch.core.errors import Invalid
from onwatch.directory.models import Service
from onwatch.errors import actions, queries
from onwatch.errors.models import IMPACTS, URGENT_IMPACTS, ErrorIssue
from onwatch.errors.paths import issue_path
from onwatch.incidents import declaring, impact
from onwatch.incidents.models import Incident

SEVERITY = "sev1"


@dataclass(frozen=True)
class Silence:
    """Noise's other response: silenced until a time, N more events or N more users (first
    wins; none of them: until lifted by hand)."""

    until: datetime | None = None
    events: int | None = None
    users: int | None = None


def checked_impact(value: str | None) -> str:
    found = (value or "").strip().lower().replace("-", "_")
    if found not in IMPACTS:
        raise Invalid(f"must be one of {', '.join(IMPACTS)} (got {value!r})", "impact")
    return found


def triage(
    session: Session,
    issue_id: int,
    impact_: str,
    *,
    fix_in_code: bool = False,
    silence: Silence | None = None,
    actor: str,
    now: datetime,
) -> ErrorIssue:
    """Set the issue's impact; Invalid naming `impact` for an unknown one, NotFound for an
    unknown issue. Urgent impacts open the issue's incident if it has none yet. Noise takes its
    response in the same action: marked fix in code, silenced, or both (silenced until the
    fix ships); a silence with another impact is refused naming `silence`."""
    found = checked_impact(impact_)
    if silence is not None and found != "noise":
        raise Invalid("only noise is silenced by triage", "silence")
    issue = queries.issue(session, issue_id, lock=True)
    before = view(issue)
    issue.impact, issue.impact_by, issue.impact_at = found, actor, now
    issue.fix_in_code = fix_in_code if found == "noise" else False
    if found in URGENT_IMPACTS and issue.incident_id is None:
        issue.incident_id = open_incident(session, issue, found, actor=actor, now=now).id
    session.flush()
    record(
        session, actor=actor, action="error_issue.triage", entity_type="error_issue",
        entity_key=str(issue.id), at=now, before=before, after=view(issue),
    )  # fmt: skip
    if silence is not None:
        actions.silence(
            session, issue.id, until=silence.until, events=silence.events, users=silence.users,
            actor=actor, now=now,
        )  # fmt: skip
    return issue


def open_incident(
    session: Session, issue: ErrorIssue, found: str, *, actor: str, now: datetime
) -> Incident:
    """A sev1 incident on the issue's service, linking back to the issue, triaged `found`."""
    service = session.get_one(Service, issue.service_id)
    what = found.replace("_", "-")
    summary = (
        f"Error issue #{issue.id} ({issue.title}; {issue.culprit or 'no culprit'}) was triaged "
        f"{what}: {issue.event_count} event(s), {issue.user_count} user(s). "
        f"Error issue: {issue_path(issue.id)}"
    )
    declared = declaring.declare(
        session, service=service.name, title=f"Error {what}: {issue.title}"[:300],
        severity=SEVERITY, summary=summary, actor=actor, source="system", now=now,
        opened_text=f"Opened by triage of error issue #{issue.id} as {what}",
    )  # fmt: skip
    # The triage on the incident is what tells the tech lead and the urgent contacts at once.
    impact.set_impact(
        session, declared.incident.id, impact.ImpactIn(triage=found), actor=actor, now=now
    )
    return declared.incident


def view(issue: ErrorIssue) -> dict[str, object]:
    return {
        "impact": issue.impact,
        "fix_in_code": issue.fix_in_code,
        "incident_id": issue.incident_id,
    }
