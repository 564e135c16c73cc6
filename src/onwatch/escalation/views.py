"""Policies as people read them (API, CLI, UI): each step with its delay and, for each target,
whom it would reach right now; and where an incident stands in its escalation."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.calendars.fields import duration_text
from onwatch.directory.models import Service
from onwatch.escalation import plan, policies
from onwatch.escalation.models import IncidentEscalation, SlaBreach
from onwatch.escalation.specs import ACK_DEADLINE, PolicySpec, StepSpec
from onwatch.escalation.targets import Resolver
from onwatch.notifications.models import Notification


class TargetView(BaseModel):
    target: str  # "schedule platform/primary"
    kind: str
    reaches: str | None  # who or what it would page now; None: nobody
    why: str | None = None  # why nobody


class StepView(BaseModel):
    number: int  # 1-based
    delay: str  # "15m" or "ack_deadline"
    round_robin: bool
    targets: list[TargetView]


class PolicyView(BaseModel):
    name: str
    description: str | None
    repeat: int
    ack_timeout: str | None
    services: list[str]
    steps: list[StepView]
    at: datetime  # the instant "right now" means


def delay_label(delay: object) -> str:
    return ACK_DEADLINE if delay == ACK_DEADLINE else duration_text(delay)  # type: ignore[arg-type]


def step_view(resolver: Resolver, number: int, step: StepSpec, at: datetime) -> StepView:
    targets = []
    for target in step.targets:
        found, why = resolver.target(target, at)
        targets.append(
            TargetView(
                target=target.text(),
                kind=target.kind,
                reaches=found.name if found else None,
                why=None if found else why,
            )
        )
    return StepView(
        number=number, delay=delay_label(step.delay), round_robin=step.round_robin, targets=targets
    )


def policy_view(
    session: Session, spec: PolicySpec, at: datetime, resolver: Resolver | None = None
) -> PolicyView:
    resolver = resolver if resolver is not None else Resolver(session)
    services = list(
        session.scalars(
            select(Service.name)
            .where(Service.escalation_policy == spec.name)
            .order_by(Service.name)
        )
    )
    return PolicyView(
        name=spec.name,
        description=spec.description,
        repeat=spec.repeat,
        ack_timeout=duration_text(spec.ack_timeout) if spec.ack_timeout else None,
        services=services,
        steps=[step_view(resolver, i + 1, step, at) for i, step in enumerate(spec.steps)],
        at=at,
    )


def policy_views(session: Session, at: datetime) -> list[PolicyView]:
    resolver = Resolver(session)
    return [policy_view(session, spec, at, resolver) for spec in policies.policy_specs(session)]


def one_policy(session: Session, name: str, at: datetime) -> PolicyView:
    return policy_view(session, policies.get_policy(session, name), at)


class DeliveryView(BaseModel):
    label: str  # "Ann Archer by email"
    kind: str
    urgency: str
    state: str
    attempts: int
    last_error: str | None
    due_at: datetime
    sent_at: datetime | None
    rate_limited_until: datetime | None
    cancel_reason: str | None

    @property
    def rate_limited_text(self) -> str | None:
        """ "rate-limited until HH:MM" (UTC) while a rate limit holds it back."""
        if self.rate_limited_until is None or self.state not in ("pending", "sending"):
            return None
        return f"rate-limited until {self.rate_limited_until.astimezone(UTC):%H:%M} UTC"


class BreachView(BaseModel):
    step: int  # 1-based
    deadline_at: datetime


class EscalationCard(BaseModel):
    """Where an incident stands in its escalation, for its page."""

    policy: str | None
    state: str | None  # None: its service pages nobody
    urgency: str | None
    round: int
    loop: int
    current_step: int | None  # 1-based; None before the first fires
    last_reached: list[str]
    next_at: datetime | None
    next_what: str | None  # "Step 2" / "Released at the start of the service's hours" / …
    next_reaches: list[TargetView]  # whom the next step would reach if it fired now
    snapshot_at: datetime | None  # when the policy was copied (the incident opened)
    breaches: list[BreachView]
    deliveries: list[DeliveryView]


def escalation_card(
    session: Session, incident_id: int, opened_at: datetime, now: datetime
) -> EscalationCard:
    row = session.get(IncidentEscalation, incident_id)
    deliveries = [
        DeliveryView(
            label=n.label,
            kind=n.kind,
            urgency=n.urgency,
            state=n.state,
            attempts=n.attempts,
            last_error=n.last_error,
            due_at=n.due_at,
            sent_at=n.sent_at,
            rate_limited_until=n.rate_limited_until,
            cancel_reason=n.cancel_reason,
        )
        for n in session.scalars(
            select(Notification)
            .where(Notification.incident_id == incident_id)
            .order_by(Notification.id)
        )
    ]
    if row is None:
        return EscalationCard(
            policy=None, state=None, urgency=None, round=0, loop=0, current_step=None,
            last_reached=[], next_at=None, next_what=None, next_reaches=[], snapshot_at=None,
            breaches=[], deliveries=deliveries,
        )  # fmt: skip
    spec = PolicySpec.model_validate(row.snapshot)
    next_what, next_reaches = None, []
    if row.state in ("active", "held") and row.next_at is not None:
        position = (0, 0) if row.step < 0 else plan.next_position(spec, row.loop, row.step)
        if row.urgency == "low" and row.step >= 0:
            position = None
        if row.state == "held":
            next_what = "Step 1 (low urgency), when the service's hours begin"
            position = (0, 0)
        elif position is None:
            next_what = "Nothing: the policy has no further step"
        else:
            loop, step = position
            next_what = f"Step {step + 1}" + (f" (repeat {loop})" if loop else "")
        if position is not None:
            resolver = Resolver(session)
            next_reaches = step_view(resolver, 1, spec.steps[position[1]], now).targets
    elif row.state == "acknowledged" and row.next_at is not None:
        next_what = "Triggered again from step 1 if still acknowledged (ack timeout)"
    breaches = session.scalars(
        select(SlaBreach).where(SlaBreach.incident_id == incident_id).order_by(SlaBreach.id)
    )
    reached = row.reached.get("targets", []) if isinstance(row.reached, dict) else []
    return EscalationCard(
        policy=row.policy_name,
        state=row.state,
        urgency=row.urgency,
        round=row.round,
        loop=row.loop,
        current_step=row.step + 1 if row.step >= 0 else None,
        last_reached=[f"{r['name']} ({r['via']})" for r in reached],
        next_at=row.next_at if row.state in ("active", "held", "acknowledged") else None,
        next_what=next_what,
        next_reaches=next_reaches,
        snapshot_at=opened_at,
        breaches=[BreachView(step=b.step + 1, deadline_at=b.deadline_at) for b in breaches],
        deliveries=deliveries,
    )
