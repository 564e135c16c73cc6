"""What intake stored, read back from the database."""

from __future__ import annotations

from sqlalchemy import func, select

from onwatch.alerts.models import Alert, AlertEventRecord, ChangeRecord
from onwatch.core.db import Database
from onwatch.incidents.models import Incident

Keys = dict[str, str]  # wire format -> integration key


def alerts(db: Database) -> list[Alert]:
    with db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def incidents(db: Database) -> list[Incident]:
    with db.read() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def changes(db: Database) -> list[ChangeRecord]:
    with db.read() as session:
        return list(session.scalars(select(ChangeRecord).order_by(ChangeRecord.id)))


def stored_rows(db: Database) -> tuple[int, int, int, int]:
    """(alerts, alert events, incidents, change events): nothing stored means all zero."""
    with db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (Alert, AlertEventRecord, Incident, ChangeRecord)
        )
