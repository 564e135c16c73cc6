"""A service's SLI rules (config `sli_rules:`) and their evaluation by the engine: load each
rule's lookback of samples, evaluate (alerts.sli, with hysteresis), keep the state, and send the
trigger or resolve it means through ingest, as any monitor would."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.metrics import RETENTION, samples_since
from onwatch.alerts.models import SliRule
from onwatch.alerts.sli import RuleState, alert_event_for, evaluate, lookback
from onwatch.alerts.sli import SliRule as RuleSpec
from onwatch.alerts.windows import duration_text
from onwatch.audit.actions import record_change
from onwatch.core.changes import Change, deleted, diff
from onwatch.core.errors import FieldError, Invalid, NotFound
from onwatch.core.naming import Slug
from onwatch.directory.models import Service
from onwatch.directory.queries import service_by_name

ACTOR = "engine:sli"
RULE = TypeAdapter(RuleSpec)


class ServiceRulesSpec(BaseModel):
    """The SLI rules of one service, as the config file's `sli_rules:` declares them."""

    model_config = ConfigDict(extra="forbid")

    service: Slug = Field(description="The service whose metric samples the rules read.")
    rules: list[RuleSpec] = Field(
        min_length=1,
        description="Rules, each `kind: latency`, `error_rate` or `breaker`, named uniquely "
        "within the service; the alert's dedup key is `sli:<name>`.",
    )

    @model_validator(mode="after")
    def _names_are_unique(self) -> Self:
        names = [rule.name for rule in self.rules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(repeated)}")
        return self


def _dump(rule: RuleSpec) -> dict[str, Any]:
    return rule.model_dump(mode="json", by_alias=True)


def _checked(spec: ServiceRulesSpec) -> list[FieldError]:
    return [
        FieldError(
            f"rules[{i}]",
            f"needs {duration_text(lookback(rule))} of samples (the longer of for and "
            f"clear_for, plus window, plus 5m); onwatch keeps {duration_text(RETENTION)}",
        )
        for i, rule in enumerate(spec.rules)
        if lookback(rule) > RETENTION
    ]


def put_rules(
    session: Session, spec: ServiceRulesSpec, *, actor: str, now: datetime
) -> Change | None:
    """Make the service's rules these. A rule keeps its state while its name stays; a rule
    that goes away resolves its alert if it was firing."""
    service = service_by_name(session, spec.service)
    errors = _checked(spec)
    if service is None:
        errors.insert(0, FieldError("service", f"no service {spec.service!r}"))
    if errors or service is None:
        raise Invalid(errors)
    rows = {row.name: row for row in _rows(session, service.id)}
    before = _spec_of(service.name, rows.values()) if rows else None
    change = diff(
        "sli_rules",
        spec.service,
        before.model_dump(mode="json", by_alias=True) if before else None,
        spec.model_dump(mode="json", by_alias=True),
    )
    if change is None:
        return None
    wanted = {rule.name for rule in spec.rules}
    for name, row in rows.items():
        if name not in wanted:
            _retire(session, row, service.name, now)
    for position, rule in enumerate(spec.rules):
        row = rows.get(rule.name)
        if row is None:
            row = SliRule(service_id=service.id, name=rule.name, firing=False, reason="")
            session.add(row)
        row.position, row.spec = position, _dump(rule)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_rules(session: Session, service: str, *, actor: str, now: datetime) -> Change:
    found = service_by_name(session, service)
    rows = _rows(session, found.id) if found else []
    if found is None or not rows:
        raise NotFound(f"no SLI rules for {service!r}")
    change = deleted(
        "sli_rules", service, _spec_of(service, rows).model_dump(mode="json", by_alias=True)
    )
    for row in rows:
        _retire(session, row, service, now)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def rules_specs(session: Session) -> list[ServiceRulesSpec]:
    rows = session.execute(
        select(SliRule, Service.name)
        .join(Service, Service.id == SliRule.service_id)
        .order_by(Service.name, SliRule.position)
    )
    return [
        _spec_of(name, [row for row, _ in group])
        for name, group in groupby(rows, key=lambda pair: pair[1])
    ]


def rule_states(session: Session) -> list[tuple[SliRule, str]]:
    """Every rule with its service's name and its last evaluated state."""
    return list(
        session.execute(
            select(SliRule, Service.name)
            .join(Service, Service.id == SliRule.service_id)
            .order_by(Service.name, SliRule.position)
        )
    )


def evaluate_rules(session: Session, now: datetime) -> int:
    """Engine step: evaluate every rule at `now`; how many alerts it triggered or resolved."""
    stmt = (
        select(SliRule, Service.name)
        .join(Service, Service.id == SliRule.service_id)
        .order_by(SliRule.service_id, SliRule.position)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two engines split the rules between them instead of evaluating each one twice.
        stmt = stmt.with_for_update(of=SliRule, skip_locked=True)
    sent = 0
    rows = session.execute(stmt).all()
    for (service_id, service), group in groupby(rows, key=lambda p: (p[0].service_id, p[1])):
        rules = [(row, RULE.validate_python(row.spec)) for row, _ in group]
        since = now - max(lookback(rule) for _, rule in rules)
        samples = samples_since(session, service_id, since, now)
        for row, rule in rules:
            previous = RuleState(row.firing, row.value, row.reason, row.changed_at)
            state = evaluate(rule, samples, now, previous)
            if state != previous:
                row.firing, row.value, row.changed_at = state.firing, state.value, state.changed_at
                row.reason = state.reason[:500]
            event = alert_event_for(rule, service, previous, state, now)
            if event is not None:
                ingest(
                    session,
                    [Routed(service_id, service, event)],
                    integration_id=None,
                    now=now,
                    actor=ACTOR,
                )
                sent += 1
    return sent


def _rows(session: Session, service_id: int) -> list[SliRule]:
    return list(
        session.scalars(
            select(SliRule).where(SliRule.service_id == service_id).order_by(SliRule.position)
        )
    )


def _spec_of(service: str, rows: Any) -> ServiceRulesSpec:
    return ServiceRulesSpec(service=service, rules=[RULE.validate_python(r.spec) for r in rows])


def _retire(session: Session, row: SliRule, service: str, now: datetime) -> None:
    if row.firing:
        event = AlertEvent(
            action="resolve",
            dedup_key=f"sli:{row.name}",
            summary=f"{service}: SLI rule {row.name} removed",
            occurred_at=now,
        )
        ingest(
            session,
            [Routed(row.service_id, service, event)],
            integration_id=None,
            now=now,
            actor=ACTOR,
        )
    session.delete(row)
