from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

# The lifecycle (incidents/lifecycle.py decides which move is allowed): an incident is open
# until it is resolved; a resolved one is closed once its post-mortem, when one is required,
# is published or waived. Reopening takes a resolved or closed incident back to work.
STATUSES = ("triggered", "acknowledged", "mitigated", "resolved", "closed")
OPEN_STATUSES = ("triggered", "acknowledged", "mitigated")
DONE_STATUSES = ("resolved", "closed")
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
PRIORITIES = ("p1", "p2", "p3", "p4", "p5")
# Where a change came from, as the timeline shows it.
SOURCES = ("system", "ui", "api", "cli", "email", "link", "slack", "report", "engine")


class Incident(Base):
    """What people respond to: opened from grouped alerts or declared by hand."""

    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint(
            "status IN ('triggered', 'acknowledged', 'mitigated', 'resolved', 'closed')",
            name="status",
        ),
        CheckConstraint("severity IN ('sev1', 'sev2', 'sev3', 'sev4')", name="severity"),
        CheckConstraint(
            "priority IS NULL OR priority IN ('p1', 'p2', 'p3', 'p4', 'p5')", name="priority"
        ),
        CheckConstraint(
            "postmortem_state IS NULL OR postmortem_state IN ('published', 'waived')",
            name="postmortem_state",
        ),
        CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_own_dup"),
        # One open incident per service and group key: two alerts racing to open the first
        # incident of a group cannot both win. Time-window grouping leaves `group_slot` NULL
        # (several windows may be open at once) and serialises on the service row instead.
        Index(
            "uq_incident_open_group",
            "service_id",
            "group_slot",
            unique=True,
            sqlite_where=text("status NOT IN ('resolved', 'closed')"),
            postgresql_where=text("status NOT IN ('resolved', 'closed')"),
        ),
        Index("ix_incident_status_opened", "status", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    title: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(8))
    priority: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="triggered")
    group_key: Mapped[str | None] = mapped_column(String(255))
    group_slot: Mapped[str | None] = mapped_column(String(255))
    auto_resolve: Mapped[bool] = mapped_column(default=True)
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    mitigated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    alert_count: Mapped[int] = mapped_column(default=0)
    # A short account for stakeholders (the e-mail's 2-3 sentence summary), kept up to date.
    summary: Mapped[str | None] = mapped_column(Text)
    # A declaration's Idempotency-Key (API): the same key declares once.
    declare_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The SHA-256 of that declaration's fields: a replay with another body is refused.
    declare_digest: Mapped[str | None] = mapped_column(String(64))
    # Merged: this incident is a duplicate of that one (and is resolved with it).
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL")
    )
    # An outage of a service we do not control: no commander; where it was reported upstream
    # (a support ticket, a status page, a channel message).
    upstream: Mapped[bool] = mapped_column(default=False)
    upstream_url: Mapped[str | None] = mapped_column(String(2000))
    # Security or personal data involved: the security contact is told at once.
    security: Mapped[bool] = mapped_column(default=False)
    # The post-mortem requirement (incidents/requirement.py): whether one is required and why,
    # as last evaluated, and how it was settled (published or waived, with the reason).
    postmortem_required: Mapped[bool] = mapped_column(default=False)
    postmortem_reasons: Mapped[list[str]] = mapped_column(default=list)
    postmortem_state: Mapped[str | None] = mapped_column(String(16))
    postmortem_waiver: Mapped[str | None] = mapped_column(Text)


class TimelineEntry(Base):
    """One thing that happened to an incident, in order: opened, alert joined, acknowledged…
    `source` says where a person's change came from (ui, api, cli, an e-mailed link…)."""

    __tablename__ = "timeline_entry"
    __table_args__ = (Index("ix_timeline_entry_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="system")
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IncidentRole(Base):
    """Who holds a role on an incident: the commander, the communications owner, or a custom
    role from the config (`incident_roles:`), each with an optional backup. One holder per
    role and incident is the schema's: exactly one commander at a time."""

    __tablename__ = "incident_role"
    __table_args__ = (UniqueConstraint("incident_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    backup_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime | None]
    assigned_by: Mapped[str | None] = mapped_column(String(200))
    # The role stayed unclaimed past its `remind_after` and the responders were reminded (a row
    # with no person): reminded once, whatever the engine's ticks (incidents/role_reminders.py).
    reminded_at: Mapped[datetime | None]


class RoleDefinition(Base):
    """A role incidents can have (config `incident_roles:`): its instructions for the holder,
    how long it may stay unclaimed before the responders are reminded, and the team role
    (`product_manager`) whose holder takes it by default."""

    __tablename__ = "role_definition"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    instructions: Mapped[str | None] = mapped_column(Text)
    remind_after_seconds: Mapped[int | None]
    team_role: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)


class SeverityLevel(Base):
    """The name a team gives a severity (config `severities:`): sev1 may read "Critical"."""

    __tablename__ = "severity_level"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)


class ReportForm(Base):
    """A team's public form for reporting an incident (config `report_forms:`): open to anyone,
    or protected by a token, stored as its hash. A report opens an incident on the chosen
    service, which pages its on-call through the service's escalation policy."""

    __tablename__ = "report_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str | None] = mapped_column(String(255))
    # The token's reference (env:NAME, file:/path) as the config wrote it, for export; the
    # value is read once, at apply, and only its SHA-256 is kept.
    token_ref: Mapped[str | None] = mapped_column(String(1100))
    services: Mapped[list[str]] = mapped_column(default=list)
    default_severity: Mapped[str] = mapped_column(String(8), default="sev3")
    # Reports an hour: from everyone, and from one client address.
    per_hour: Mapped[int] = mapped_column(default=30)
    per_address: Mapped[int] = mapped_column(default=5)


class ReportSubmission(Base):
    """One report a form took: who sent it and from which address (the rate limits count
    these, in the database so the count holds across processes), and the incident it opened."""

    __tablename__ = "report_submission"
    __table_args__ = (
        Index("ix_report_submission_form_at", "form_id", "at"),
        Index("ix_report_submission_form_address_at", "form_id", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("report_form.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL")
    )
    address: Mapped[str] = mapped_column(String(100))
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_email: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime]


class ResponderRequest(Base):
    """A request to a person (or every person an escalation policy's first step reaches) to
    join the incident, with a message; accepted or declined by a signed link or in the UI."""

    __tablename__ = "responder_request"
    __table_args__ = (
        CheckConstraint("state IN ('requested', 'accepted', 'declined')", name="state"),
        # One request per person and incident: a signed link names the incident and the
        # person, and answers that request; asking again re-opens it.
        UniqueConstraint("incident_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    policy: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class IncidentImpact(Base):
    """What the incident costs (seed-style impact fields), one row per incident once someone
    has filled any of it in. Users impacted is a count, a share (percent), or both."""

    __tablename__ = "incident_impact"
    __table_args__ = (
        CheckConstraint("users_count IS NULL OR users_count >= 0", name="users_count"),
        CheckConstraint(
            "users_share IS NULL OR (users_share >= 0 AND users_share <= 100)", name="users_share"
        ),
        CheckConstraint(
            "triage IS NULL OR triage IN ('noise', 'annoying', 'data_corrupting', 'work_stopping')",
            name="triage",
        ),
    )

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True
    )
    users_count: Mapped[int | None]
    users_share: Mapped[float | None]
    qa_severity: Mapped[str | None] = mapped_column(String(64))
    remediation_effort: Mapped[str | None] = mapped_column(String(64))
    next_release_at: Mapped[datetime | None]
    applications: Mapped[list[str]] = mapped_column(default=list)
    business_impact: Mapped[str | None] = mapped_column(Text)
    # Post-mortem rule inputs a person states (the rest are derived from the incident).
    runbook_used: Mapped[bool] = mapped_column(default=False)
    other_team_acted: Mapped[bool] = mapped_column(default=False)
    out_of_band_release: Mapped[bool] = mapped_column(default=False)
    # Triage by impact (seed 003): data_corrupting and work_stopping tell the service's tech
    # lead and the configured urgent contacts at once.
    triage: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(200))


class IncidentContact(Base):
    """Who is told at once when an incident is flagged (config `security_contacts:`) or triaged
    data-corrupting or work-stopping (config `urgent_contacts:`): `spec` is the validated
    item (targets, and for urgent contacts the services or teams it covers)."""

    __tablename__ = "incident_contact"
    __table_args__ = (CheckConstraint("kind IN ('security', 'urgent')", name="kind"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PostmortemRule(Base):
    """A team's post-mortem rules (config `postmortem_rules:`): `spec` is the validated item
    (thresholds, the rules turned off, the team role told). A team with none has the defaults
    (incidents/postmortem_rules.py)."""

    __tablename__ = "postmortem_rule"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
