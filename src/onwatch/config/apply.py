"""Making the database match a config file, all or nothing, and writing it back out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from onwatch.config.document import Document, dump, explained, located
from onwatch.config.sections import Section, sections
from onwatch.core.changes import Change
from onwatch.core.errors import FieldError, Invalid


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def apply(
    session: Session,
    doc: Document,
    *,
    prune: bool,
    actor: str,
    now: datetime,
    known: list[Section] | None = None,
) -> Plan:
    """Write what `doc` declares (and, with `prune`, delete what it no longer declares) in the
    caller's transaction. Raises Invalid with every problem found, each with its place and
    line; the caller then rolls back, so nothing is half-applied."""
    known = known if known is not None else sections()
    errors: list[FieldError] = list(doc.errors)
    plan = Plan()
    for section in known:
        errors += _put_section(session, section, doc, plan, actor=actor, now=now)
    for section in known:
        if section.verify is not None:
            problems = section.verify(session, doc.items.get(section.key, []))
            for index, found in sorted(problems.items()):
                errors += Invalid(found).prefixed(f"{section.key}[{index}]").errors
    errors = located(explained(errors, doc.broken), doc.lines)
    if prune and not errors:
        for section in reversed(known):
            errors += _prune_section(session, section, doc, plan, actor=actor, now=now)
    if errors:
        raise Invalid(errors)
    for section in known:
        if section.warn is not None:
            declared = [spec for _, spec in doc.items.get(section.key, [])]
            plan.warnings += section.warn(session, declared, now)
    return plan


def _put_section(
    session: Session, section: Section, doc: Document, plan: Plan, *, actor: str, now: datetime
) -> list[FieldError]:
    errors: list[FieldError] = []
    items = doc.items.get(section.key, [])
    problems = section.check(session, items) if section.check else {}
    for index, found in sorted(problems.items()):
        errors += Invalid(found).prefixed(f"{section.key}[{index}]").errors if found else []
    order = section.order([s for _, s in items]) if section.order else range(len(items))
    ordered = [items[position] for position in order if items[position][0] not in problems]
    outcomes = section.put(session, [spec for _, spec in ordered], actor=actor, now=now)
    for (index, _), outcome in zip(ordered, outcomes, strict=True):
        if isinstance(outcome, Invalid):
            errors += outcome.prefixed(f"{section.key}[{index}]").errors
        elif outcome is not None:
            plan.changes.append(outcome)
    return errors


def _prune_section(
    session: Session, section: Section, doc: Document, plan: Plan, *, actor: str, now: datetime
) -> list[FieldError]:
    errors: list[FieldError] = []
    declared = {section.key_of(spec) for _, spec in doc.items.get(section.key, [])}
    existing = section.current(session)
    # Reversed dependency order: a service goes before the services it depends on.
    order = reversed(section.order(existing)) if section.order else range(len(existing))
    for position in order:
        key = section.key_of(existing[position])
        if key in declared:
            continue
        try:
            plan.changes.append(section.delete(session, key, actor=actor, now=now))
        except Invalid as error:
            reason = "; ".join(e.message for e in error.errors)
            errors.append(
                FieldError(section.key, f"cannot delete {key!r} (not in the file): {reason}")
            )
    return errors


def current_specs(
    session: Session, known: list[Section] | None = None
) -> dict[str, list[BaseModel]]:
    return {s.key: s.current(session) for s in (known if known is not None else sections())}


def export(session: Session) -> str:
    """The whole configuration as YAML that `apply` takes back with no changes."""
    return dump(current_specs(session))
