"""The config section `error_rules:`: per service, rules that pre-set a new error issue's impact
by a tag (`k=v`), its message (an RE2 pattern, searched) or its exception type; the first rule
that matches wins, applied when the issue opens (hooks.issue_opened). Puts and deletes are
audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

import re2
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core.changes import Change, Outcome
from onwatch.core.naming import Slug
from onwatch.directory import per_service
from onwatch.directory.models import Service
from onwatch.errors.models import ErrorRule

Impact = Literal["noise", "annoying", "data_corrupting", "work_stopping"]
MAX_PATTERN = 1000


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern to stderr
    options.never_capture = True
    return options


def compiled(pattern: str) -> Any:
    """RE2's program for a message pattern (linear time whatever the message); ValueError
    saying why RE2 refused it."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"at most {MAX_PATTERN} characters")
    try:
        return re2.compile(pattern, _options())
    except (re2.error, UnicodeEncodeError) as error:
        raise ValueError(f"invalid regular expression {pattern!r} (RE2 syntax): {error}") from None


class MatchSpec(BaseModel):
    """Exactly one of tag, message, exception."""

    model_config = ConfigDict(extra="forbid")

    tag: str | None = Field(None, max_length=400, description="`key=value`: the event's tag.")
    message: str | None = Field(
        None, description="An RE2 pattern searched in the issue's title (message or exception)."
    )
    exception: str | None = Field(
        None, max_length=200, description="The exception type, such as `IntegrityError`."
    )

    @field_validator("tag")
    @classmethod
    def _tag(cls, value: str | None) -> str | None:
        if value is not None and ("=" not in value or not value.split("=", 1)[0].strip()):
            raise ValueError("must be key=value, such as environment=production")
        return value

    @field_validator("message")
    @classmethod
    def _message(cls, value: str | None) -> str | None:
        if value is not None:
            compiled(value)
        return value

    @model_validator(mode="after")
    def _one(self) -> MatchSpec:
        given = [v for v in (self.tag, self.message, self.exception) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of tag, message, exception")
        return self


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match: MatchSpec
    impact: Impact = Field(description="noise, annoying, data_corrupting or work_stopping.")


class ErrorRulesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: Slug = Field(
        description="The service (declared in `services`) whose issues these set."
    )
    rules: list[RuleSpec] = Field(max_length=200, description="In order: the first match wins.")


@dataclass(frozen=True)
class Seen:
    """What a rule looks at in a new issue."""

    title: str
    exception: str | None
    tags: Mapping[str, Any]  # {key: {value: count}}


def impact_for(rules: list[RuleSpec], seen: Seen) -> str | None:
    """The impact of the first rule that matches, or None."""
    for rule in rules:
        if is_match(rule.match, seen):
            return rule.impact
    return None


def is_match(match: MatchSpec, seen: Seen) -> bool:
    if match.tag is not None:
        key, value = (part.strip() for part in match.tag.split("=", 1))
        return value in (seen.tags.get(key) or {})
    if match.message is not None:
        return compiled(match.message).search(seen.title) is not None
    return match.exception is not None and seen.exception in (
        match.exception,
        match.exception.rsplit(".", 1)[-1],
    )


def rules_of(session: Session, service_id: int) -> list[RuleSpec]:
    row = session.get(ErrorRule, service_id)
    return [RuleSpec.model_validate(rule) for rule in row.rules] if row else []


def rule_specs(session: Session) -> list[ErrorRulesSpec]:
    rows = session.execute(
        select(ErrorRule.rules, Service.name)
        .join(Service, Service.id == ErrorRule.service_id)
        .order_by(Service.name)
    )
    return [ErrorRulesSpec(service=name, rules=rules) for rules, name in rows]


def put_rules(
    session: Session, specs: list[ErrorRulesSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    return per_service.put_rows(
        session, ErrorRule, "error rules", specs,
        lambda spec: {
            "rules": [rule.model_dump(mode="json", exclude_none=True) for rule in spec.rules]
        },
        actor=actor, now=now,
    )  # fmt: skip


def delete_rules(session: Session, service: str, *, actor: str, now: datetime) -> Change:
    return per_service.delete_row(session, ErrorRule, "error rules", service, actor=actor, now=now)


SUMMARY = (
    "Per service, rules that pre-set a new error issue's impact (noise, annoying, "
    "data_corrupting, work_stopping) by a tag (`key=value`), its message (an RE2 pattern) or "
    "its exception type; the first match wins. The impact acts as a person's triage would: "
    "an urgent one opens a sev1 incident that pages (see docs/errors.md)."
)
EXAMPLE = """\
error_rules:
  - service: checkout
    rules:
      - {match: {exception: IntegrityError}, impact: data_corrupting}
      - {match: {message: "^Timeout talking to .*"}, impact: annoying}
      - {match: {tag: "browser=bot"}, impact: noise}
"""

T = TypeVar("T")


def error_rule_sections(section: Callable[..., T]) -> list[T]:
    """This module's config section, made by config's `Section` (config is a layer above)."""
    return [
        section(
            "error_rules", "error rules", ErrorRulesSpec, "service", rule_specs, put_rules,
            delete_rules, summary=SUMMARY, example=EXAMPLE,
        )
    ]  # fmt: skip
