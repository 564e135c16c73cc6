"""The `ticket_trackers:` config section: a team's GitHub-compatible issue tracker, where its
incidents are ticketed. The token is a reference (env:NAME, file:/path) kept as written and read
by the engine when it calls the tracker; `apply` only warns when it cannot read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.core import secrets
from onwatch.core.changes import Change, Outcome, deleted, diff
from onwatch.core.errors import FieldError, Invalid, NotFound
from onwatch.core.naming import Slug
from onwatch.directory.models import Team
from onwatch.tickets import github
from onwatch.tickets.models import TicketTracker

Severity = Literal["sev1", "sev2", "sev3", "sev4"]
Label = str


class TrackerSpec(BaseModel):
    """A team's issue tracker: each incident of the team's services opens an issue there."""

    model_config = ConfigDict(extra="forbid")

    team: Slug = Field(description="The team whose incidents are ticketed (one tracker a team).")
    kind: Literal["github"] = Field(
        "github", description="The API it speaks: GitHub's REST API (GitHub, GHES, Gitea, Forgejo)."
    )
    api_url: str = Field(
        "https://api.github.com",
        max_length=500,
        description="The API's base: https://api.github.com, https://HOST/api/v3 (GitHub "
        "Enterprise Server) or https://HOST/api/v1 (Gitea, Forgejo).",
    )
    repository: str = Field(description="Where issues are opened: owner/name.")
    token: str = Field(
        description="A reference (env:NAME or file:/path) to a token that may create issues "
        "and comments in the repository; read when a call is made, never stored."
    )
    labels: list[Label] = Field(
        default_factory=list, description="Labels on every issue, such as `incident`."
    )
    priority_labels: dict[Severity, Label] = Field(
        default_factory=dict,
        description="A label by severity, added to the issue: {sev1: P1, sev2: P2}.",
    )
    open_for: list[Severity] = Field(
        default_factory=list,
        description="The severities whose incidents open an issue by themselves; empty: all. "
        "Any incident can be ticketed by hand.",
    )

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http or https URL, such as https://api.github.com")
        return value.rstrip("/")

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not github.is_repository(value):
            raise ValueError("must be owner/name, such as acme/incidents")
        return value

    @field_validator("token")
    @classmethod
    def _reference(cls, value: str) -> str:
        secrets.parse(value, "TICKETS_TOKEN")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        if any(not label.strip() or len(label) > 50 for label in value):
            raise ValueError("each label must be 1 to 50 characters")
        return value


SUMMARY = (
    "Each team's issue tracker, GitHub's REST API or one that speaks it (GitHub Enterprise, "
    "Gitea, Forgejo): an incident of the team's services opens an issue with the tracker's "
    "`labels` and its severity's priority label, and each later change (acknowledged, "
    "resolved, severity…) is commented on it. The calls go through the outbox, retried on "
    "failure; the token is a reference read when a call is made (see docs/tickets.md)."
)
EXAMPLE = """\
ticket_trackers:
  - team: payments
    api_url: https://api.github.com
    repository: acme/payments-incidents
    token: env:PAYMENTS_TRACKER_TOKEN
    labels: [incident]
    priority_labels: {sev1: P1, sev2: P2, sev3: P3, sev4: P4}
"""


def spec_of(tracker: TicketTracker, team: str) -> TrackerSpec:
    return TrackerSpec.model_validate(
        {
            "team": team, "kind": tracker.kind, "api_url": tracker.api_url,
            "repository": tracker.repository, "token": tracker.token_ref,
            "labels": list(tracker.labels), "priority_labels": dict(tracker.priority_labels),
            "open_for": list(tracker.open_for),
        }
    )  # fmt: skip


def tracker_specs(session: Session) -> list[TrackerSpec]:
    rows = session.execute(
        select(TicketTracker, Team.name)
        .join(Team, Team.id == TicketTracker.team_id)
        .order_by(Team.name)
    ).all()
    return [spec_of(tracker, team) for tracker, team in rows]


def put_trackers(
    session: Session, specs: list[TrackerSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    teams = dict(session.execute(select(Team.name, Team.id)).all())
    outcomes: list[Outcome] = []
    for spec in specs:
        if spec.team not in teams:
            outcomes.append(Invalid([FieldError("team", f"no team {spec.team!r}")]))
            continue
        outcomes.append(_put(session, spec, teams[spec.team], actor=actor, now=now))
    return outcomes


def _put(
    session: Session, spec: TrackerSpec, team_id: int, *, actor: str, now: datetime
) -> Change | None:
    tracker = session.scalar(select(TicketTracker).where(TicketTracker.team_id == team_id))
    before = spec_of(tracker, spec.team).model_dump(mode="json") if tracker else None
    change = diff("ticket tracker", spec.team, before, spec.model_dump(mode="json"))
    if change is None:
        return None
    if tracker is None:
        tracker = TicketTracker(team_id=team_id)
        session.add(tracker)
    values: dict[str, Any] = {
        "kind": spec.kind, "api_url": spec.api_url, "repository": spec.repository,
        "token_ref": spec.token, "labels": list(spec.labels),
        "priority_labels": dict(spec.priority_labels), "open_for": list(spec.open_for),
    }  # fmt: skip
    for name, value in values.items():
        setattr(tracker, name, value)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_tracker(session: Session, team: str, *, actor: str, now: datetime) -> Change:
    """Delete the team's tracker: no more issues or comments; with it go its tickets' links."""
    row = session.execute(
        select(TicketTracker, Team.name)
        .join(Team, Team.id == TicketTracker.team_id)
        .where(Team.name == team)
    ).first()
    if row is None:
        raise NotFound(f"no ticket tracker for team {team!r}")
    tracker, name = row
    change = deleted("ticket tracker", team, spec_of(tracker, name).model_dump(mode="json"))
    session.delete(tracker)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def warnings(_session: Session, specs: list[TrackerSpec], _now: datetime) -> list[str]:
    """A token `apply` cannot read here (the engine reads it when it calls the tracker)."""
    found = []
    for spec in specs:
        why = secrets.unavailable(spec.token)
        if why:
            found.append(
                f"ticket tracker {spec.team}: token: {why}; the engine reads it when it calls "
                "the tracker, so it must be readable where `onwatch engine` or `serve` runs"
            )
    return found
