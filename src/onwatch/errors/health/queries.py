"""SQL of release health: a session's status kept while it runs, counts by release, environment
and hour, distinct users; read back per release for the API and the rules. Takes a session,
never commits; the upserts use ON CONFLICT on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from onwatch.errors.health.rates import Counts, session_delta
from onwatch.errors.models import ErrorReleaseHour, ErrorReleaseUser, ErrorSession

# A session with no update for this long is forgotten: a late update of it counts it again.
SESSION_KEPT = timedelta(days=2)


@dataclass(frozen=True)
class Update:
    sid: str
    release: str
    environment: str
    did: str | None
    status: str
    errors: int


@dataclass(frozen=True)
class ReleaseHealth:
    release: str
    environment: str
    first_hour_at: datetime
    last_hour_at: datetime
    counts: Counts


def update_session(
    session: Session, service_id: int, change: Update, hour_at: datetime, now: datetime
) -> None:
    """Count one session update: the session's row is locked (or inserted) first, so a retry or
    a concurrent update of the same session sees what the other counted."""
    key = {"service_id": service_id, "sid": change.sid}
    row = _run(session, "session_select", key).first()
    if row is None:
        status, counts = session_delta(None, change.status, change.errors)
        values = {
            **key,
            "release": change.release,
            "environment": change.environment,
            "hour_at": hour_at,
            "status": status,
            "updated_at": now,
        }
        if _run(session, "session_insert", values).first() is None:
            row = _run(session, "session_select", key).one()  # a concurrent first update won
    if row is not None:
        status, counts = session_delta(row.status, change.status, change.errors)
        hour_at = row.hour_at
        params = {"service_id_": service_id, "sid_": change.sid, "status_": status}
        _run(session, "session_update", {**params, "updated_at_": now})
        # The release and environment it started with are the ones counted.
        change = Update(change.sid, row.release, row.environment, change.did, status, 0)
    add_counts(
        session,
        service_id,
        (change.release, change.environment),
        hour_at,
        counts,
        change.did,
        crashed=status == "crashed",
    )


def add_counts(
    session: Session,
    service_id: int,
    release: tuple[str, str],
    hour_at: datetime,
    counts: Counts,
    did: str | None,
    *,
    crashed: bool | None = None,
) -> None:
    """Add `counts` to the release's hour, and note `did` (crashed if any of these did)."""
    values = {
        "service_id": service_id,
        "release": release[0],
        "environment": release[1],
        "hour_at": hour_at,
    }
    if not counts.is_empty:
        hour = {
            "sessions": counts.sessions,
            "crashed": counts.crashed,
            "abnormal": counts.abnormal,
            "errored": counts.errored,
        }
        _run(session, "hour_upsert", {**values, **hour})
    if did is not None:
        user = {
            "release": release[0],
            "environment": release[1],
            "service_id": service_id,
            "did": did,
            "first_hour_at": hour_at,
            "crashed": counts.crashed > 0 if crashed is None else crashed,
        }
        _run(session, "user_upsert", user)


def release_health(
    session: Session, service_id: int, *, since: datetime | None = None, limit: int = 100
) -> list[ReleaseHealth]:
    """Each release and environment of the service with its counts, latest first; with `since`,
    only those with sessions in an hour from then on."""
    hour = ErrorReleaseHour
    query = (
        select(
            hour.release,
            hour.environment,
            func.min(hour.hour_at),
            func.max(hour.hour_at),
            func.sum(hour.sessions),
            func.sum(hour.crashed),
            func.sum(hour.abnormal),
            func.sum(hour.errored),
        )
        .where(hour.service_id == service_id)
        .group_by(hour.release, hour.environment)
        .order_by(func.max(hour.hour_at).desc(), hour.release, hour.environment)
        .limit(limit)
    )
    if since is not None:
        query = query.having(func.max(hour.hour_at) >= since)
    found = session.execute(query).all()
    users = _users(session, service_id, {(r[0], r[1]) for r in found})
    return [
        ReleaseHealth(
            release,
            environment,
            first,
            last,
            Counts(
                int(sessions),
                int(crashed),
                int(abnormal),
                int(errored),
                *users.get((release, environment), (0, 0)),
            ),
        )
        for release, environment, first, last, sessions, crashed, abnormal, errored in found
    ]


def hours_of(
    session: Session, service_id: int, release: str, environment: str
) -> list[tuple[datetime, Counts]]:
    hour = ErrorReleaseHour
    rows = session.execute(
        select(hour.hour_at, hour.sessions, hour.crashed, hour.abnormal, hour.errored)
        .where(
            hour.service_id == service_id,
            hour.release == release,
            hour.environment == environment,
        )
        .order_by(hour.hour_at)
    )
    return [(at, Counts(s, c, a, e)) for at, s, c, a, e in rows]


def users_before(
    session: Session, service_id: int, release: str, environment: str, end: datetime | None
) -> tuple[int, int]:
    """(users, users with a crashed session) of a release whose first session was before
    `end` (all of them with None)."""
    user = ErrorReleaseUser
    query = select(func.count(), func.sum(case((user.crashed, 1), else_=0))).where(
        user.service_id == service_id, user.release == release, user.environment == environment
    )
    if end is not None:
        query = query.where(user.first_hour_at < end)
    users, crashed = session.execute(query).one()
    return int(users or 0), int(crashed or 0)


def forget_sessions(session: Session, now: datetime) -> int:
    """Delete the state of sessions with no update in SESSION_KEPT: their counts stay."""
    result = session.execute(
        delete(ErrorSession).where(ErrorSession.updated_at < now - SESSION_KEPT)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _users(
    session: Session, service_id: int, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int]]:
    if not pairs:
        return {}
    user = ErrorReleaseUser
    rows = session.execute(
        select(
            user.release,
            user.environment,
            func.count(),
            func.sum(case((user.crashed, 1), else_=0)),
        )
        .where(
            user.service_id == service_id,
            or_(*(and_(user.release == r, user.environment == e) for r, e in pairs)),
        )
        .group_by(user.release, user.environment)
    )
    return {(r, e): (int(n), int(c or 0)) for r, e, n, c in rows}


def _run(session: Session, name: str, params: dict[str, Any]) -> Any:
    connection = session.connection()
    return connection.execute(_statements(connection.dialect.name)[name], params)


@cache
def _statements(dialect: str) -> dict[str, Any]:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    state, hour, user = (
        ErrorSession.__table__,
        ErrorReleaseHour.__table__,
        ErrorReleaseUser.__table__,
    )
    hours, users = insert(hour), insert(user)
    key = and_(state.c.service_id == bindparam("service_id"), state.c.sid == bindparam("sid"))
    return {
        "session_select": select(
            state.c.release, state.c.environment, state.c.hour_at, state.c.status
        )
        .where(key)
        .with_for_update(),
        "session_insert": insert(state)
        .on_conflict_do_nothing(index_elements=["service_id", "sid"])
        .returning(state.c.sid),
        # Bound names apart from the columns': SQLAlchemy keeps those for the SET clause.
        "session_update": update(state)
        .where(state.c.service_id == bindparam("service_id_"), state.c.sid == bindparam("sid_"))
        .values(status=bindparam("status_"), updated_at=bindparam("updated_at_")),
        "hour_upsert": hours.on_conflict_do_update(
            index_elements=["service_id", "release", "environment", "hour_at"],
            set_={
                name: hour.c[name] + hours.excluded[name]
                for name in ("sessions", "crashed", "abnormal", "errored")
            },
        ),
        "user_upsert": users.on_conflict_do_update(
            index_elements=["service_id", "release", "environment", "did"],
            set_={"crashed": or_(user.c.crashed, users.excluded.crashed)},
        ),
    }
