"""Whom a step's targets reach at an instant: a schedule's role holder then, a person, a team's
tech lead or named role (its backup when the role has nobody), a channel. A target that reaches
nobody says why, in the words the timeline shows ("no one on call for platform/primary")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core.errors import Invalid, NotFound
from onwatch.directory.models import Person, Team
from onwatch.escalation.specs import TECH_LEAD, StepSpec, TargetSpec
from onwatch.notifications.models import Channel
from onwatch.schedules import queries as schedule_queries
from onwatch.schedules.oncall import who_is_on_call


@dataclass(frozen=True)
class Reached:
    """Someone or somewhere a target reaches."""

    kind: str  # "person" or "channel"
    id: int
    name: str  # the person's name or the channel's
    via: str  # the target: "schedule platform/primary"


@dataclass
class Reach:
    reached: list[Reached] = field(default_factory=list)
    nobody: list[str] = field(default_factory=list)  # why each empty target is empty

    @property
    def people(self) -> list[Reached]:
        return [r for r in self.reached if r.kind == "person"]


class Resolver:
    """Resolves targets through one session; make one per engine step or request."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.schedules = schedule_queries.Schedules(session)
        self._people: dict[str, Person | None] = {}

    def person(self, handle: str | None) -> Person | None:
        if handle is None:
            return None
        if handle not in self._people:
            self._people[handle] = self.session.scalar(
                select(Person).where(Person.handle == handle)
            )
        return self._people[handle]

    def step(self, step: StepSpec, at: datetime) -> Reach:
        reach = Reach()
        seen: set[tuple[str, int]] = set()
        for target in step.targets:
            found, why = self.target(target, at)
            if found is None:
                reach.nobody.append(why)
            elif (found.kind, found.id) not in seen:
                seen.add((found.kind, found.id))
                reach.reached.append(found)
        return reach

    def target(self, target: TargetSpec, at: datetime) -> tuple[Reached | None, str]:
        via = target.text()
        if target.schedule is not None:
            try:
                schedule = self.schedules.get(target.schedule, since=at)
                holder = who_is_on_call(schedule, str(target.role), at)
            except NotFound:
                return None, f"schedule {target.schedule} no longer exists"
            except Invalid:
                return None, f"schedule {target.schedule} no longer has role {target.role}"
            person = self.person(holder)
            if person is None:
                return None, f"no one on call for {target.schedule}/{target.role}"
            return Reached("person", person.id, person.name, via), ""
        if target.person is not None:
            person = self.person(target.person)
            if person is None:
                return None, f"person {target.person} no longer exists"
            return Reached("person", person.id, person.name, via), ""
        if target.team is not None:
            team = self.session.scalar(select(Team).where(Team.name == target.team))
            if team is None:
                return None, f"team {target.team} no longer exists"
            person_id = _team_holder(team, str(target.role))
            person = self.session.get(Person, person_id) if person_id else None
            if person is None:
                return None, f"no one holds {target.team}/{target.role}"
            return Reached("person", person.id, person.name, via), ""
        channel = self.session.scalar(select(Channel).where(Channel.name == target.channel))
        if channel is None:
            return None, f"channel {target.channel} no longer exists"
        return Reached("channel", channel.id, channel.name, via), ""


def _team_holder(team: Team, role: str) -> int | None:
    """The team's tech lead, or the holder of the named role, or its backup when it has none."""
    if role == TECH_LEAD:
        return team.tech_lead_id
    for held in team.roles:
        if held.role == role:
            return held.person_id or held.backup_person_id
    return None
