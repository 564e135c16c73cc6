"""Silences and maintenance windows in force at an instant, and whether one holds an alert."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts.matchers import Matcher, matches, parse_matcher
from onwatch.alerts.models import MaintenanceWindow, Silence

SERVICE_LABEL = "service"


@dataclass(frozen=True)
class Holds:
    silences: tuple[tuple[int, tuple[Matcher, ...]], ...]
    maintenance: Mapping[int, int]  # service id -> id of a window in force
    # Every "silence:<id>" and "maintenance:<id>" in force; an alert held by anything else is
    # due for release (alerts.release).
    held_by: frozenset[str] = frozenset()

    def hold_for(self, service_id: int, service_name: str, labels: Mapping[str, str]) -> str | None:
        """ "maintenance:<id>" or "silence:<id>" when something holds this alert, else None."""
        window = self.maintenance.get(service_id)
        if window is not None:
            return f"maintenance:{window}"
        if self.silences:
            seen = {**labels, SERVICE_LABEL: service_name}
            for silence_id, silence_matchers in self.silences:
                if matches(silence_matchers, seen):
                    return f"silence:{silence_id}"
        return None


def silence_matchers(silence: Silence) -> tuple[Matcher, ...]:
    return tuple(parse_matcher(text) for text in silence.matchers.get("matchers", []))


def in_force(session: Session, now: datetime) -> Holds:
    silences = session.scalars(
        select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now).order_by(Silence.id)
    )
    windows = session.execute(
        select(MaintenanceWindow.service_id, MaintenanceWindow.id)
        .where(
            MaintenanceWindow.starts_at <= now,
            MaintenanceWindow.ends_at > now,
            MaintenanceWindow.cancelled_at.is_(None),  # cancelled: ended, planned times kept
        )
        .order_by(MaintenanceWindow.id)
    ).all()
    in_force_silences = tuple((s.id, silence_matchers(s)) for s in silences)
    return Holds(
        silences=in_force_silences,
        maintenance={service_id: window_id for service_id, window_id in windows},
        held_by=frozenset(
            [f"silence:{silence_id}" for silence_id, _ in in_force_silences]
            + [f"maintenance:{window_id}" for _, window_id in windows]
        ),
    )
