"""The incident list's filters as the page reads them: state, service, team, severity,
priority, title text and the days it opened between. A value the page does not know is dropped
with a sentence saying so, rather than refused: the list still shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.directory.models import Team
from onwatch.incidents import queries
from onwatch.incidents.models import PRIORITIES, SEVERITIES, STATUSES

STATES = ("open", *STATUSES, "done", "all")


@dataclass
class ListFilters:
    state: str = "open"
    service: str = ""
    team: str = ""
    severity: str = ""
    priority: str = ""
    q: str = ""
    since: str = ""  # YYYY-MM-DD, a UTC day: opened on or after it
    until: str = ""  # YYYY-MM-DD, a UTC day: opened on or before it
    notes: list[str] = field(default_factory=list)  # what was dropped, and why

    def checked(self, services: list[str], teams: list[str]) -> ListFilters:
        """The filters with every value the page does not know dropped (and said so)."""
        if self.state not in STATES:
            self.state = "open"
        if self.service and self.service not in services:
            self.notes.append(f"There is no service “{self.service}”; showing every service.")
            self.service = ""
        if self.team and self.team not in teams:
            self.notes.append(f"There is no team “{self.team}”; showing every team.")
            self.team = ""
        if self.severity not in ("", *SEVERITIES):
            self.severity = ""
        if self.priority not in ("", "none", *PRIORITIES):
            self.priority = ""
        self.q = self.q.strip()[: queries.MAX_QUERY].replace("\x00", "")
        for name in ("since", "until"):
            if getattr(self, name) and _day(getattr(self, name)) is None:
                self.notes.append(f"“{getattr(self, name)}” is not a date (YYYY-MM-DD); ignored.")
                setattr(self, name, "")
        return self

    def query(self) -> queries.Filters:
        since, until = _day(self.since), _day(self.until)
        return queries.Filters(
            service=self.service or None,
            status=None if self.state == "all" else self.state,
            severity=self.severity or None,
            priority=self.priority or None,
            team=self.team or None,
            q=self.q or None,
            since=datetime.combine(since, time(), UTC) if since else None,
            until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
        )

    def params(self) -> dict[str, str]:
        """The filters that are set, for links that keep them."""
        names = ("state", "service", "team", "severity", "priority", "q", "since", "until")
        return {name: getattr(self, name) for name in names if getattr(self, name)}

    @property
    def narrowed(self) -> bool:
        """Anything beyond state and service is set (the count line says "matching")."""
        return any((self.team, self.severity, self.priority, self.q, self.since, self.until))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def team_names(session: Session) -> list[str]:
    return list(session.scalars(select(Team.name).order_by(Team.name)))
