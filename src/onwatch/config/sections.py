"""The sections of a config file, in the order they are applied. Each later capability adds
its section here (calendars, schedules, escalation policies, integrations, channels, …)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from onwatch.core.changes import Change
from onwatch.directory import actions as directory
from onwatch.directory import queries as directory_queries
from onwatch.directory.specs import PersonSpec, ServiceSpec, TeamSpec


@dataclass(frozen=True)
class Section:
    key: str  # the YAML key, plural: "people"
    spec: type[BaseModel]
    key_of: Callable[[Any], str]
    current: Callable[[Session], list[Any]]
    put: Callable[..., Change | None]  # (session, spec, *, actor, now)
    delete: Callable[..., Change]  # (session, key, *, actor, now)
    # Optional: the order to put items in (for references inside the section), given them all.
    order: Callable[[list[Any]], list[int]] | None = None


def _services(session: Session) -> list[ServiceSpec]:
    maps = (
        directory_queries.handles(session),
        directory_queries.team_names(session),
        directory_queries.service_names(session),
    )
    return [
        directory_queries.service_spec(s, *maps) for s in directory_queries.list_services(session)
    ]


def _teams(session: Session) -> list[TeamSpec]:
    handle_of = directory_queries.handles(session)
    return [
        directory_queries.team_spec(t, handle_of) for t in directory_queries.list_teams(session)
    ]


def dependencies_first(specs: list[ServiceSpec]) -> list[int]:
    """Indexes of `specs` ordered so a service comes after those it depends on. A cycle keeps
    file order; put_service then reports the missing dependency."""
    index = {s.name: i for i, s in enumerate(specs)}
    done: list[int] = []
    state: dict[int, str] = {}

    def visit(i: int) -> None:
        if state.get(i):
            return
        state[i] = "visiting"
        for name in specs[i].depends_on:
            j = index.get(name)
            if j is not None and state.get(j) != "visiting":
                visit(j)
        state[i] = "done"
        done.append(i)

    for i in range(len(specs)):
        visit(i)
    return done


def sections() -> list[Section]:
    return [
        Section(
            "people",
            PersonSpec,
            lambda s: s.handle,
            lambda session: [
                directory_queries.person_spec(p) for p in directory_queries.list_people(session)
            ],
            directory.put_person,
            directory.delete_person,
        ),
        Section(
            "teams", TeamSpec, lambda s: s.name, _teams, directory.put_team, directory.delete_team
        ),
        Section(
            "services",
            ServiceSpec,
            lambda s: s.name,
            _services,
            directory.put_service,
            directory.delete_service,
            order=dependencies_first,
        ),
    ]
