"""Who answers now, as the overview and the services list show it: each service's open
incidents and who is on call for it (the schedules that name it in `services:`), and who
handles each open incident (whoever acknowledged it, else who is on call for its service, else
its tech lead). Read in a few queries whatever the number of rows; the rules themselves are
pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.auth.models import User
from onwatch.directory.actors import link_handle
from onwatch.incidents import queries as incident_queries
from onwatch.incidents.models import Incident
from onwatch.schedules import queries as schedule_queries
from onwatch.schedules.lookups import OnCall, everyone_on_call
from onwatch.web.pages.directory_view import Directory

OVERVIEW_INCIDENTS = 20


@dataclass(frozen=True)
class Handler:
    """Someone answering for an incident: `handle` when they are a person of the directory,
    else `name` (a login or token without a person); `how` they came to it."""

    how: str  # "acknowledged", "on call" or "tech lead"
    handle: str | None
    name: str
    detail: str = ""  # for "on call": the role and schedule


@dataclass(frozen=True)
class OpenIncident:
    incident: Incident
    service: str
    age: str
    handlers: list[Handler]  # empty: nobody answers for it


@dataclass(frozen=True)
class Health:
    """A service now: its open incidents and who is on call for it."""

    open_incidents: int
    worst: str | None  # severity of its most severe open incident
    on_call: list[OnCall]  # every role of the schedules that answer it
    has_schedule: bool


@dataclass(frozen=True)
class Answering:
    directory: Directory
    on_call: list[OnCall]  # every role of every schedule
    schedules_of: dict[str, list[str]]  # service name → the schedules that answer it
    open_counts: dict[str, tuple[int, str]]

    @classmethod
    def load(cls, session: Session, now: datetime) -> Answering:
        return cls(
            Directory.load(session),
            everyone_on_call(session, now),
            schedule_queries.schedules_by_service(session),
            incident_queries.open_by_service(session),
        )

    def on_call_for(self, service: str) -> tuple[list[OnCall], bool]:
        """The roles of the schedules that answer the service, and whether there is any."""
        answering = set(self.schedules_of.get(service, ()))
        found = [e for e in self.on_call if e.schedule in answering]
        return found, bool(answering)

    def health(self, service: str) -> Health:
        count, worst = self.open_counts.get(service, (0, None))
        on_call, has_schedule = self.on_call_for(service)
        return Health(count, worst, on_call, has_schedule)

    def handlers(
        self, service: str, acknowledged_by: str | None, logins: dict[str, str]
    ) -> list[Handler]:
        if acknowledged_by is not None:
            kind, _, name = acknowledged_by.partition(":")
            if kind == "user":  # a login: its person when it is tied to one
                return [Handler("acknowledged", logins.get(name), name)]
            handle = link_handle(acknowledged_by)
            if handle:  # a person, through a signed link in a message
                return [Handler("acknowledged", handle, handle)]
            return [Handler("acknowledged", None, acknowledged_by)]  # a token, a script
        on_call, _ = self.on_call_for(service)
        # The first role of each schedule answers first (primary before secondary).
        firsts = {}
        for entry in on_call:
            firsts.setdefault(entry.schedule, entry)
        holders = [
            Handler("on call", e.holder, e.holder, f"{e.role} of {e.schedule}")
            for e in firsts.values()
            if e.holder is not None
        ]
        if holders:
            return holders
        lead = self.directory.service_row(self.directory.services[service]).tech_lead
        return [Handler("tech lead", lead, lead)] if lead else []


def open_incidents(
    session: Session, answering: Answering, now: datetime, limit: int = OVERVIEW_INCIDENTS
) -> tuple[list[OpenIncident], int]:
    """The most severe open incidents first, each with its age and who handles it; and how
    many are open in all."""
    rows, total = incident_queries.most_severe_open(session, limit)
    acknowledged = incident_queries.acknowledged_by(session, [r.incident.id for r in rows])
    logins = _people_of_logins(session)
    return [
        OpenIncident(
            r.incident,
            r.service,
            age(now - r.incident.opened_at),
            answering.handlers(r.service, acknowledged.get(r.incident.id), logins),
        )
        for r in rows
    ], total


def age(elapsed: timedelta) -> str:
    """How long ago, as people say it at a glance: `4 min`, `3 h 05 min`, `2 d 4 h`."""
    minutes = max(int(elapsed.total_seconds() // 60), 0)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _people_of_logins(session: Session) -> dict[str, str]:
    """Login name → the directory person it is tied to (auth keeps this link loose)."""
    return {
        username: handle
        for username, handle in session.execute(
            select(User.username, User.person_handle).where(User.person_handle.is_not(None))
        )
        if handle
    }
