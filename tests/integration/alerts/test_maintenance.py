"""Maintenance windows against a real database: alerts of the service are held, not lost, and
released when the window ends or is cancelled; running and upcoming windows are announced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.maintenance import (
    MaintenanceRequest,
    announced,
    cancel_window,
    create_window,
    list_windows,
)
from onwatch.alerts.models import Alert, MaintenanceWindow
from onwatch.alerts.responding import acknowledge_incident
from onwatch.alerts.status import public_status
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Conflict, Invalid
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from onwatch.engine.assembly import build_engine
from onwatch.incidents.models import Incident


@pytest.fixture
def services(db: Database, clock: FakeClock) -> dict[str, int]:
    with db.transaction() as session:
        for spec in (
            ServiceSpec(name="vet-records", controlled=False, display_name="Veteran records"),
            ServiceSpec(name="health-api", depends_on=["vet-records"]),
            ServiceSpec(name="mobile-app", depends_on=["health-api"]),
        ):
            put_service(session, spec, actor="test", now=clock.now())
        return {n: get_service(session, n).id for n in ("vet-records", "health-api", "mobile-app")}


def window(
    db: Database,
    clock: FakeClock,
    service: str,
    start: timedelta = timedelta(0),
    duration: str = "2h",
    message: str = "Records are read-only tonight",
) -> int:
    with db.transaction() as session:
        request = MaintenanceRequest(
            service=service, starts_at=clock.now() + start, duration=duration, message=message
        )
        return create_window(session, request, actor="user:ann", now=clock.now()).id


def fire(db: Database, clock: FakeClock, service_id: int, name: str, key: str) -> str:
    event = AlertEvent(
        action="trigger", dedup_key=key, summary=f"{key} failing", severity="critical"
    )
    with db.transaction() as session:
        [outcome] = ingest(
            session, [Routed(service_id, name, event)], integration_id=None, now=clock.now()
        )
    return outcome.result


def incidents(db: Database) -> list[Incident]:
    with db.read() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def test_window_holds_its_service_alerts_and_releases_them_when_it_ends(
    db: Database, clock: FakeClock, services: dict[str, int]
) -> None:
    engine = build_engine(db, clock)
    window_id = window(db, clock, "vet-records")
    assert fire(db, clock, services["vet-records"], "vet-records", "timeouts") == "held"
    # Other services are not held: only the one under maintenance.
    assert fire(db, clock, services["health-api"], "health-api", "errors") == "created"
    clock.advance(timedelta(hours=1))
    engine.tick()
    assert [i.service_id for i in incidents(db)] == [services["health-api"]]
    ended_at = clock.advance(timedelta(hours=1))
    assert engine.tick().done["holds"] == 1
    released = [i for i in incidents(db) if i.service_id == services["vet-records"]]
    assert [(i.opened_at, i.severity) for i in released] == [(ended_at, "sev1")]
    with db.read() as session:
        held = session.scalar(select(Alert).where(Alert.dedup_key == "timeouts"))
        assert (held.held_by, held.incident_id) == (None, released[0].id)
        assert window_id


def test_cancelling_a_window_releases_its_alerts_at_the_next_tick(
    db: Database, clock: FakeClock, services: dict[str, int]
) -> None:
    engine = build_engine(db, clock)
    planned_from = clock.now()
    window_id = window(db, clock, "vet-records", duration="8h")
    fire(db, clock, services["vet-records"], "vet-records", "timeouts")
    clock.advance(timedelta(minutes=20))
    with db.transaction() as session:
        cancel_window(session, window_id, actor="user:bob", now=clock.now())
    with db.read() as session:
        stored = session.get(MaintenanceWindow, window_id)
        # The plan stays as it was; the cancellation is its own instant.
        assert (stored.starts_at, stored.ends_at, stored.cancelled_at) == (
            planned_from,
            planned_from + timedelta(hours=8),
            clock.now(),
        )
        assert [w.id for w, _ in list_windows(session, clock.now(), ["active"])] == []
    engine.tick()
    assert [i.opened_at for i in incidents(db)] == [clock.now()]
    with pytest.raises(Conflict), db.transaction() as session:
        cancel_window(session, window_id, actor="user:bob", now=clock.now())


def test_alert_resolved_during_the_window_opens_nothing_after_it(
    db: Database, clock: FakeClock, services: dict[str, int]
) -> None:
    engine = build_engine(db, clock)
    window(db, clock, "vet-records")
    fire(db, clock, services["vet-records"], "vet-records", "timeouts")
    with db.transaction() as session:
        ingest(
            session,
            [
                Routed(
                    services["vet-records"],
                    "vet-records",
                    AlertEvent(action="resolve", dedup_key="timeouts"),
                )
            ],
            integration_id=None,
            now=clock.now(),
        )
    clock.advance(timedelta(hours=3))
    engine.tick()
    assert incidents(db) == []


def test_running_and_upcoming_windows_are_announced_with_the_services_they_affect(
    db: Database, clock: FakeClock, services: dict[str, int]
) -> None:
    running = window(db, clock, "vet-records", message="Records are read-only")
    upcoming = window(db, clock, "health-api", start=timedelta(days=1), message="Upgrade")
    over = window(db, clock, "mobile-app", duration="1h", message="Old news")
    dropped = window(db, clock, "mobile-app", start=timedelta(hours=5), message="Never mind")
    clock.advance(timedelta(hours=1))
    with db.transaction() as session:
        cancel_window(session, dropped, actor="user:ann", now=clock.now())
    with db.read() as session:
        shown = announced(session, clock.now())
        listed = [w.id for w, _ in list_windows(session, clock.now(), ["expired"])]
    assert [
        (w.id, w.active, w.service, w.service_name, w.message, w.affected_services) for w in shown
    ] == [
        (
            running,
            True,
            "vet-records",
            "Veteran records",
            "Records are read-only",
            ["health-api", "mobile-app"],
        ),
        (upcoming, False, "health-api", "health-api", "Upgrade", ["mobile-app"]),
    ]
    assert set(listed) == {over, dropped}


def test_public_status_names_impacted_services_by_their_open_incidents(
    db: Database, clock: FakeClock, services: dict[str, int]
) -> None:
    fire(db, clock, services["health-api"], "health-api", "errors")
    with db.transaction() as session:  # shown once public and acknowledged (test_status_public)
        spec = ServiceSpec(name="health-api", depends_on=["vet-records"], public=True)
        put_service(session, spec, actor="test", now=clock.now())
        [incident] = session.scalars(select(Incident.id)).all()
        acknowledge_incident(session, incident, actor="user:ann", now=clock.now())
    with db.read() as session:
        status = public_status(session, clock.now())
    assert [(i.service, i.since, i.impact) for i in status.impacted] == [
        ("health-api", clock.now(), "major")
    ]


def test_bad_window_is_refused_naming_every_field_and_nothing_is_stored(
    db: Database, clock: FakeClock, services: dict[str, int]
) -> None:
    request = MaintenanceRequest(
        service="nope",
        starts_at=clock.now() + timedelta(hours=2),
        ends_at=clock.now() + timedelta(hours=1),
        message="m",
    )
    with pytest.raises(Invalid) as raised, db.transaction() as session:
        create_window(session, request, actor="user:ann", now=clock.now())
    assert {e.field: e.message for e in raised.value.errors} == {
        "service": "no service 'nope'",
        "ends_at": "must end after it starts (starts_at)",
    }
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0
