"""The config section `release_health_rules:`: per service, rules such as "crash-free sessions
under 99 % after 500 sessions of a release", evaluated by the engine (engine/release_health.py),
which raises an alert of the service through alert intake. Puts and deletes are audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core.changes import Change, Outcome
from onwatch.core.durations import parse_duration
from onwatch.core.naming import Slug
from onwatch.directory import per_service
from onwatch.directory.models import Service
from onwatch.errors.health.rates import HealthRule
from onwatch.errors.models import ErrorHealthRule

Severity = Literal["critical", "error", "warning", "info"]


class HealthRuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Slug = Field(description="Unique within the service; part of the alert's dedup key.")
    metric: Literal["crash_free_sessions", "crash_free_users"] = Field(
        "crash_free_sessions", description="crash_free_sessions or crash_free_users."
    )
    below: float = Field(gt=0, le=100, description="Fires when the rate (percent) is below.")
    min_sessions: int = Field(
        100, ge=1, description="Sessions of the release needed before the rule judges it."
    )
    environment: str | None = Field(
        None, max_length=64, description="Only this environment; every one when left out."
    )
    window: str | None = Field(
        None,
        description="Count only sessions within this long of the release's first hour "
        "(`24h`); its whole life when left out.",
    )
    severity: Severity = Field("error", description="The alert's severity.")
    summary: str | None = Field(None, max_length=500, description="The alert's summary.")

    @field_validator("window")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None and parse_duration(value) <= timedelta(0):
            raise ValueError("must be a positive duration such as 24h")
        return value

    def rule(self) -> HealthRule:
        window = parse_duration(self.window) if self.window else None
        return HealthRule(
            self.name, self.metric, self.below, self.min_sessions, self.environment, window
        )


class HealthRulesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Slug = Field(description="The service (declared in `services`) whose releases.")
    rules: list[HealthRuleSpec] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _names_are_unique(self) -> Self:
        names = [rule.name for rule in self.rules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(repeated)}")
        return self


def all_rules(
    session: Session, *, lock: bool = False
) -> list[tuple[int, str, list[HealthRuleSpec]]]:
    """(service id, service name, rules) of every service with rules. With `lock` on
    PostgreSQL, the rows another engine holds are left to it (each evaluated by one)."""
    query = (
        select(ErrorHealthRule.service_id, Service.name, ErrorHealthRule.rules)
        .join(Service, Service.id == ErrorHealthRule.service_id)
        .order_by(Service.name)
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=ErrorHealthRule, skip_locked=True)
    rows = session.execute(query)
    return [
        (service_id, name, [HealthRuleSpec.model_validate(r) for r in rules])
        for service_id, name, rules in rows
    ]


def health_rule_specs(session: Session) -> list[HealthRulesSpec]:
    return [HealthRulesSpec(service=name, rules=rules) for _, name, rules in all_rules(session)]


def put_health_rules(
    session: Session, specs: list[HealthRulesSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    """Make each service's rules these. An alert of a rule that goes away is resolved by the
    engine's next evaluation."""
    return per_service.put_rows(
        session, ErrorHealthRule, "release health rules", specs,
        lambda spec: {
            "rules": [rule.model_dump(mode="json", exclude_none=True) for rule in spec.rules]
        },
        actor=actor, now=now,
    )  # fmt: skip


def delete_health_rules(session: Session, service: str, *, actor: str, now: datetime) -> Change:
    return per_service.delete_row(
        session, ErrorHealthRule, "release health rules", service, actor=actor, now=now
    )


SUMMARY = (
    "Per service, rules over the crash-free rates of its releases, from the sessions its "
    "Sentry SDKs send: a rule fires for a release and environment once it has `min_sessions` "
    "sessions (within `window` of its first hour, if given) and its crash-free sessions (or "
    "users) percentage is `below` the threshold. It opens an alert of the service, dedup key "
    "`release-health:<rule>:<environment>:<release>`, which pages like any alert, and resolves "
    "it when the rate recovers (see docs/errors.md)."
)
EXAMPLE = """\
release_health_rules:
  - service: checkout
    rules:
      - name: crash-free-sessions
        metric: crash_free_sessions
        below: 99
        min_sessions: 500
        environment: production
        window: 24h
        severity: critical
"""

T = TypeVar("T")


def health_rule_sections(section: Callable[..., T]) -> list[T]:
    """This module's config section, made by config's `Section` (config is a layer above)."""
    return [
        section(
            "release_health_rules", "release health rules", HealthRulesSpec, "service",
            health_rule_specs, put_health_rules, delete_health_rules, summary=SUMMARY,
            example=EXAMPLE,
        )
    ]  # fmt: skip
