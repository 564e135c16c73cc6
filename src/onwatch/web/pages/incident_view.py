"""What the incident page shows, read in one transaction: the incident with its timeline and
alerts, who answers for its service now (the on-call of the schedules that answer it, else its
tech lead) with how to reach them, its runbooks, people's names for the actors, and the
matchers of a silence for its alerts."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts import queries as alert_queries
from onwatch.alerts.holds import SERVICE_LABEL
from onwatch.alerts.matchers import Matcher
from onwatch.directory import queries as directory_queries
from onwatch.directory.actors import display_names
from onwatch.directory.models import Person
from onwatch.directory.specs import RunbookSpec
from onwatch.escalation.views import EscalationCard, escalation_card
from onwatch.incidents import lifecycle, queries
from onwatch.incidents.models import TimelineEntry
from onwatch.incidents.numbers import Numbers, spoken
from onwatch.schedules.lookups import OnCall, on_call_for_service
from onwatch.web.pages.directory_view import Directory

_PLAIN_NAME = re.compile(r'[^\s=!~{}",]+')


@dataclass(frozen=True)
class IncidentView:
    row: queries.IncidentRow
    timeline: list[TimelineEntry]
    timeline_total: int
    alerts: list[alert_queries.AlertRow]
    names: dict[str, str]  # actor -> what to show
    on_call: list[OnCall]
    tech_lead: str | None
    tech_lead_from: str | None  # "service" or "team"
    team: str | None
    controlled: bool  # False: an upstream service, run by another organisation
    runbooks: list[RunbookSpec]
    d: Directory  # the people named above, for the directory's name and contact macros
    silence_url: str | None
    escalation: EscalationCard
    numbers: Numbers
    severity_names: dict[str, str]  # code -> the configured name

    @property
    def moves(self) -> tuple[str, ...]:
        """The lifecycle moves the incident may make now, for its buttons."""
        return lifecycle.allowed(self.row.incident.status)

    @property
    def numbers_said(self) -> list[tuple[str, str]]:
        """The numbers card's rows: what, and how long as people read it."""
        n = self.numbers
        return [
            ("Time to acknowledge", spoken(n.time_to_acknowledge)),
            ("Time to mitigate", spoken(n.time_to_mitigate)),
            ("Time to resolve", spoken(n.time_to_resolve)),
        ]

    @property
    def nobody_on_call(self) -> bool:
        return not any(entry.holder for entry in self.on_call)

    @classmethod
    def load(cls, session: Session, incident_id: int, now: datetime) -> IncidentView:
        row = queries.get_incident(session, incident_id)
        entries, total = queries.timeline(session, incident_id)
        alerts = alert_queries.incident_alerts(session, incident_id)
        answer = directory_queries.responsibility(session, row.service)
        on_call = on_call_for_service(session, row.incident.service_id, now)
        handles = {answer.tech_lead} | {e.holder for e in on_call}
        handles |= {e.override.covered for e in on_call if e.override}
        people = session.scalars(select(Person).where(Person.handle.in_(handles - {None})))
        matchers = silence_matchers(row.service, [a.alert.labels for a in alerts])
        return cls(
            row=row,
            timeline=entries,
            timeline_total=total,
            alerts=alerts,
            names=display_names(session, {e.actor for e in entries}),
            on_call=on_call,
            tech_lead=answer.tech_lead,
            tech_lead_from=answer.tech_lead_from,
            team=answer.team,
            controlled=answer.controlled,
            runbooks=answer.runbooks,
            d=Directory.of([directory_queries.person_spec(p) for p in people], [], []),
            silence_url=silence_url(matchers) if alerts else None,
            escalation=escalation_card(session, incident_id, row.incident.opened_at, now),
            numbers=queries.incident_numbers(session, row.incident),
            severity_names=queries.severity_names(session),
        )

    def values(self) -> dict[str, Any]:
        """What the templates are given."""
        return {"v": self, "row": self.row, "i": self.row.incident}


def silence_matchers(service: str, labels: Sequence[dict[str, str]]) -> list[str]:
    """Matchers that hold every one of these alerts and little else: the service, and each label
    all of them carry with the same value (one alert: all of its labels). Alertmanager syntax,
    one per line on the silences form."""
    common = dict(labels[0]) if labels else {}
    for other in labels[1:]:
        common = {k: v for k, v in common.items() if other.get(k) == v}
    common.pop(SERVICE_LABEL, None)  # the service's name wins over a label of that name
    found = [Matcher(SERVICE_LABEL, "=", service)]
    found += [Matcher(k, "=", v) for k, v in sorted(common.items())]
    return [_text(m) for m in found]


def silence_url(matchers: list[str]) -> str:
    """The silences page with its form prefilled (web/pages/silences.py reads `matcher`)."""
    return "/silences?" + urlencode([("matcher", m) for m in matchers])


def _text(matcher: Matcher) -> str:
    # A label name with spaces or operators in it is quoted, which the matcher parser reads back.
    name = matcher.name if _PLAIN_NAME.fullmatch(matcher.name) else json.dumps(matcher.name)
    return f"{name}{matcher.op}{json.dumps(matcher.value, ensure_ascii=False)}"
