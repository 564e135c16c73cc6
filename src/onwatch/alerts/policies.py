"""A service's alerting policy (config `alerting:`): how its alerts group into incidents and
whether an incident resolves by itself when its last alert does."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts.grouping import GroupingSpec
from onwatch.alerts.models import AlertPolicy
from onwatch.audit.actions import record_change
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import Invalid, NotFound
from onwatch.core.naming import Slug
from onwatch.directory.models import Service
from onwatch.directory.queries import service_by_name


class AlertingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Slug = Field(description="The service this policy is for.")
    grouping: GroupingSpec = Field(
        default_factory=GroupingSpec,
        description="How alerts become incidents: `{mode: service}` (one open incident per "
        "service, the default), `{mode: labels, labels: [alertname]}` or "
        "`{mode: time_window, window: 30m}`.",
    )
    auto_resolve: bool = Field(
        True, description="Resolve the incident when every alert in it has resolved."
    )


def policy_for(session: Session, service_id: int) -> tuple[GroupingSpec, bool]:
    """The grouping and auto-resolve of a service; the defaults when it declares none."""
    row = session.get(AlertPolicy, service_id)
    if row is None:
        return GroupingSpec(), True
    return GroupingSpec.model_validate(row.grouping), row.auto_resolve


def _dump(spec: AlertingSpec) -> dict[str, object]:
    return spec.model_dump(mode="json")


def put_policy(session: Session, spec: AlertingSpec, *, actor: str, now: datetime) -> Change | None:
    service = service_by_name(session, spec.service)
    if service is None:
        raise Invalid(f"no service {spec.service!r}", "service")
    row = session.get(AlertPolicy, service.id)
    before = _dump(_spec(row, service.name)) if row else None
    change = diff("alerting", spec.service, before, _dump(spec))
    if change is None:
        return None
    if row is None:
        row = AlertPolicy(service_id=service.id)
        session.add(row)
    row.grouping = spec.grouping.model_dump(mode="json", exclude_defaults=True)
    row.auto_resolve = spec.auto_resolve
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_policy(session: Session, service: str, *, actor: str, now: datetime) -> Change:
    """Back to the defaults (group by service, auto-resolve)."""
    found = service_by_name(session, service)
    row = session.get(AlertPolicy, found.id) if found else None
    if found is None or row is None:
        raise NotFound(f"no alerting policy for {service!r}")
    change = deleted("alerting", service, _dump(_spec(row, service)))
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def list_policies(session: Session) -> list[AlertingSpec]:
    rows = session.execute(
        select(AlertPolicy, Service.name)
        .join(Service, Service.id == AlertPolicy.service_id)
        .order_by(Service.name)
    )
    return [_spec(row, name) for row, name in rows]


def _spec(row: AlertPolicy, service: str) -> AlertingSpec:
    return AlertingSpec(
        service=service,
        grouping=GroupingSpec.model_validate(row.grouping),
        auto_resolve=row.auto_resolve,
    )
