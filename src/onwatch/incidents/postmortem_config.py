"""The config section `postmortem_rules:`: per team, when a post-mortem is required (thresholds,
rules turned off) and which team role is told when one first is. A team with no item has the
defaults. Each put and delete is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.audit.actions import record_change
from onwatch.calendars.fields import Duration, Spec
from onwatch.core.changes import Change, Outcome, deleted, diff
from onwatch.core.errors import Invalid, NotFound
from onwatch.core.naming import Slug
from onwatch.directory.models import Team
from onwatch.incidents.models import PostmortemRule
from onwatch.incidents.postmortem_rules import DEFAULT_RULES, Rules

DEFAULT_NOTIFY = "product_owner"
Severity = Literal["sev1", "sev2", "sev3", "sev4"]


class PostmortemRuleSpec(Spec):
    team: Slug = Field(description="The team (declared in `teams`) whose services these cover.")
    users_share_above: float | None = Field(
        DEFAULT_RULES.users_share_above,
        ge=0,
        le=100,
        description="Required when more than this share of users (percent) was affected; "
        "null turns the rule off.",
    )
    longer_than: Duration | None = Field(
        DEFAULT_RULES.longer_than,
        description="Required when the incident lasted longer than this (open ones are "
        "watched by the engine); null turns the rule off.",
    )
    severities: list[Severity] = Field(
        default_factory=lambda: list(DEFAULT_RULES.severities),
        description="Required at these severities (sev1 is critical); [] turns it off.",
    )
    runbook_used: bool = Field(DEFAULT_RULES.runbook_used, description="When a runbook was used.")
    security_or_data: bool = Field(
        DEFAULT_RULES.security_or_data,
        description="When the incident is flagged security/PII or triaged data-corrupting.",
    )
    other_team_acted: bool = Field(
        DEFAULT_RULES.other_team_acted, description="When another team had to act."
    )
    out_of_band_release: bool = Field(
        DEFAULT_RULES.out_of_band_release, description="When an out-of-band release was needed."
    )
    notify_role: Slug | None = Field(
        DEFAULT_NOTIFY,
        description="The role told once when a post-mortem first becomes required: the "
        "incident's holder of this role, else the team's; null tells nobody.",
    )

    def rules(self) -> Rules:
        return Rules(
            users_share_above=self.users_share_above,
            longer_than=self.longer_than,
            severities=tuple(self.severities),
            runbook_used=self.runbook_used,
            security_or_data=self.security_or_data,
            other_team_acted=self.other_team_acted,
            out_of_band_release=self.out_of_band_release,
        )


SUMMARY = (
    "Per team, when an incident requires a post-mortem: a runbook was used, more than "
    "`users_share_above` percent of users were affected (default 5), it lasted longer than "
    "`longer_than` (default 4h), security or data was involved, another team had to act, an "
    "out-of-band release was needed, or its severity is one of `severities` (default sev1). "
    "Each rule is on by default; null, false or [] turns one off. A team with no item has the "
    "defaults. The holder of `notify_role` (default product_owner: the incident's, else the "
    "team's) is told once, and the incident closes only once the post-mortem is published or "
    "waived with a reason (see docs/postmortems.md)."
)
EXAMPLE = """\
postmortem_rules:
  - team: payments
    users_share_above: 10
    longer_than: 2h
    severities: [sev1, sev2]
    out_of_band_release: false
"""


def _spec(values: dict[str, Any], team: str) -> PostmortemRuleSpec:
    return PostmortemRuleSpec.model_validate({**values, "team": team})


def rule_specs(session: Session) -> list[PostmortemRuleSpec]:
    rows = session.execute(
        select(PostmortemRule.spec, Team.name)
        .join(Team, Team.id == PostmortemRule.team_id)
        .order_by(Team.name)
    )
    return [_spec(spec, name) for spec, name in rows]


def for_team(session: Session, team_id: int | None) -> PostmortemRuleSpec | None:
    """The team's stored item; None when it has none (the defaults apply)."""
    row = session.get(PostmortemRule, team_id) if team_id is not None else None
    team = session.get(Team, team_id) if row is not None else None
    return _spec(row.spec, team.name) if row is not None and team is not None else None


def put_rules(
    session: Session, specs: list[PostmortemRuleSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for spec in specs:
        try:
            outcomes.append(put_rule(session, spec, actor=actor, now=now))
        except Invalid as error:
            outcomes.append(error)
    return outcomes


def put_rule(
    session: Session, spec: PostmortemRuleSpec, *, actor: str, now: datetime
) -> Change | None:
    team_id = session.scalar(select(Team.id).where(Team.name == spec.team))
    if team_id is None:
        raise Invalid(f"no team {spec.team!r}: declare it under `teams`", "team")
    if spec.longer_than is not None and spec.longer_than <= timedelta():
        raise Invalid("must be longer than zero", "longer_than")
    row = session.get(PostmortemRule, team_id)
    after = spec.model_dump(mode="json", exclude={"team"}, exclude_defaults=True)
    change = diff("post-mortem rule", spec.team, row.spec if row else None, after)
    if change is None:
        return None
    if row is None:
        row = PostmortemRule(team_id=team_id)
        session.add(row)
    row.spec = after
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


def delete_rule(session: Session, team: str, *, actor: str, now: datetime) -> Change:
    row = session.scalar(
        select(PostmortemRule)
        .join(Team, Team.id == PostmortemRule.team_id)
        .where(Team.name == team)
    )
    if row is None:
        raise NotFound(f"no post-mortem rules for team {team!r}")
    change = deleted("post-mortem rule", team, row.spec)
    session.delete(row)
    session.flush()
    record_change(session, change, actor=actor, at=now)
    return change


T = TypeVar("T")


def postmortem_rule_sections(section: Callable[..., T]) -> list[T]:
    """The config sections of this module, made by config's `Section` (passed in: config is a
    layer above incidents)."""
    return [
        section(
            "postmortem_rules", "post-mortem rule", PostmortemRuleSpec, "team", rule_specs,
            put_rules, delete_rule, summary=SUMMARY, example=EXAMPLE,
        )
    ]  # fmt: skip
