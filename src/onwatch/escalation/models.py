"""Stored escalation policies, each incident's escalation state and its SLA breaches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from onwatch.core.db import Base

STATES = ("active", "held", "acknowledged", "done", "stopped")


class EscalationPolicy(Base):
    """A policy as declared: `spec` is PolicySpec.model_dump(mode="json"), read back through the
    spec, so a stored policy is checked exactly like one in a config file."""

    __tablename__ = "escalation_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    spec: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class PolicyChannel(Base):
    """A channel a policy's step names: a channel still in use cannot be deleted."""

    __tablename__ = "escalation_policy_channel"

    policy_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_policy.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), primary_key=True)


class IncidentEscalation(Base):
    """Where an incident stands in its policy. `snapshot` is the policy's spec when the incident
    opened: later edits of the policy reach new incidents only. `round` counts restarts from the
    first step (an acknowledgement that timed out), `loop` the policy's repeats, `step` the index
    of the step that fired last (-1: none yet). `next_at` is when the engine next acts on it
    (the next step, the release of a held incident, an ack timeout); NULL when nothing is due."""

    __tablename__ = "incident_escalation"
    __table_args__ = (
        CheckConstraint(
            "state IN ('active', 'held', 'acknowledged', 'done', 'stopped')", name="state"
        ),
        CheckConstraint("urgency IN ('high', 'low')", name="urgency"),
        Index("ix_incident_escalation_next", "next_at"),
    )

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True
    )
    policy_name: Mapped[str | None] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    urgency: Mapped[str] = mapped_column(String(8), default="high")
    state: Mapped[str] = mapped_column(String(16), default="active")
    round: Mapped[int] = mapped_column(default=0)
    loop: Mapped[int] = mapped_column(default=0)
    step: Mapped[int] = mapped_column(default=-1)
    next_at: Mapped[datetime | None]
    # When the step that fired last must be acknowledged by (an ack_deadline step).
    deadline_at: Mapped[datetime | None]
    fired_at: Mapped[datetime | None]
    # The calendar whose ack deadlines and hours apply (the service's, when it opened).
    calendar: Mapped[str | None] = mapped_column(String(64))
    ack_timeout_seconds: Mapped[int | None]
    # Who the step that fired last reached, for the incident page:
    # {"people": [{"kind", "name", "via"}…]}.
    reached: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class SlaBreach(Base):
    """An acknowledgement deadline that lapsed: the incident was not acknowledged in time."""

    __tablename__ = "sla_breach"
    __table_args__ = (Index("ix_sla_breach_incident", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32), default="ack_deadline")
    step: Mapped[int]
    round: Mapped[int] = mapped_column(default=0)
    loop: Mapped[int] = mapped_column(default=0)
    deadline_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
