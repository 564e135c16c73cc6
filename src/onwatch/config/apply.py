"""Making the database match a config file, all or nothing, and writing it back out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from onwatch.config.document import Document, dump
from onwatch.config.sections import Section, sections
from onwatch.core.changes import Change
from onwatch.core.errors import FieldError, Invalid


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def apply(session: Session, doc: Document, *, prune: bool, actor: str, now: datetime) -> Plan:
    """Write what `doc` declares (and, with `prune`, delete what it no longer declares) in the
    caller's transaction. Raises Invalid with every problem found; the caller then rolls back,
    so nothing is half-applied."""
    errors: list[FieldError] = list(doc.errors)
    plan = Plan()
    known = sections()
    for section in known:
        items = doc.items.get(section.key, [])
        order = section.order([s for _, s in items]) if section.order else range(len(items))
        for position in order:
            index, spec = items[position]
            try:
                change = section.put(session, spec, actor=actor, now=now)
            except Invalid as error:
                errors += error.prefixed(f"{section.key}[{index}]").errors
                continue
            if change is not None:
                plan.changes.append(change)
    if prune and not errors:
        for section in reversed(known):
            declared = {section.key_of(spec) for _, spec in doc.items.get(section.key, [])}
            for existing in section.current(session):
                key = section.key_of(existing)
                if key in declared:
                    continue
                try:
                    plan.changes.append(section.delete(session, key, actor=actor, now=now))
                except Invalid as error:
                    errors += error.prefixed(f"{section.key}({key})").errors
    if errors:
        raise Invalid(errors)
    return plan


def current_specs(
    session: Session, known: list[Section] | None = None
) -> dict[str, list[BaseModel]]:
    return {s.key: s.current(session) for s in (known if known is not None else sections())}


def export(session: Session) -> str:
    """The whole configuration as YAML that `apply` takes back with no changes."""
    return dump(current_specs(session))
