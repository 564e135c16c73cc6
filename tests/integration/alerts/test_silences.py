"""Silences against a real database: a silenced alert is stored but opens no incident, and if it
still fires when the silence ends (or is expired), it opens one at that engine tick."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.alerts.models import Alert, Silence
from onwatch.alerts.silences import SilenceRequest, create_silence, expire_silence, list_silences
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Conflict, Invalid
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from onwatch.engine.assembly import build_engine
from onwatch.incidents.models import Incident, TimelineEntry


@pytest.fixture
def reader(db: Database, clock: FakeClock) -> int:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
        return get_service(session, "reader").id


def silence(db: Database, clock: FakeClock, *matchers: str, duration: str = "1h") -> int:
    with db.transaction() as session:
        request = SilenceRequest(matchers=list(matchers), duration=duration, reason="known noise")
        return create_silence(session, request, actor="user:ann", now=clock.now()).id


def fire(db: Database, clock: FakeClock, service: int, key: str, **labels: str) -> str:
    event = AlertEvent(
        action="trigger", dedup_key=key, summary=f"{key} broke", severity="error", labels=labels
    )
    with db.transaction() as session:
        [outcome] = ingest(
            session, [Routed(service, "reader", event)], integration_id=None, now=clock.now()
        )
    return outcome.result


def resolve(db: Database, clock: FakeClock, service: int, key: str) -> None:
    with db.transaction() as session:
        ingest(
            session,
            [Routed(service, "reader", AlertEvent(action="resolve", dedup_key=key))],
            integration_id=None,
            now=clock.now(),
        )


def alert(db: Database, key: str) -> Alert:
    with db.read() as session:
        return session.scalars(
            select(Alert).where(Alert.dedup_key == key).order_by(Alert.id.desc())
        ).first()


def incidents(db: Database) -> list[Incident]:
    with db.read() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def test_silenced_alert_opens_an_incident_when_the_silence_ends(
    db: Database, clock: FakeClock, reader: int
) -> None:
    engine = build_engine(db, clock)
    silence_id = silence(db, clock, 'app="reader"')
    assert fire(db, clock, reader, "disk", app="reader") == "held"
    clock.advance(timedelta(minutes=59))
    assert engine.tick().done["holds"] == 0
    assert incidents(db) == []
    assert alert(db, "disk").held_by == f"silence:{silence_id}"

    ended_at = clock.advance(timedelta(minutes=1))
    assert engine.tick().done["holds"] == 1
    [incident] = incidents(db)
    held = alert(db, "disk")
    assert (held.held_by, held.incident_id, held.status) == (None, incident.id, "firing")
    assert (incident.opened_at, incident.status, incident.alert_count) == (ended_at, "triggered", 1)
    with db.read() as session:
        texts = list(
            session.scalars(
                select(TimelineEntry.text).where(TimelineEntry.incident_id == incident.id)
            )
        )
    assert f"Alert released when silence {silence_id} ended: disk broke" in texts
    assert engine.tick().done["holds"] == 0


def test_expiring_a_silence_releases_its_alerts_at_the_next_tick(
    db: Database, clock: FakeClock, reader: int
) -> None:
    engine = build_engine(db, clock)
    silence_id = silence(db, clock, 'app=~"read.*"', duration="4h")
    fire(db, clock, reader, "disk", app="reader")
    clock.advance(timedelta(minutes=10))
    with db.transaction() as session:
        expired = expire_silence(session, silence_id, actor="user:bob", now=clock.now())
        assert expired.ends_at == clock.now()
    engine.tick()
    [incident] = incidents(db)
    assert incident.opened_at == clock.now()
    with db.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["silence.create", "silence.expire"]


def test_alert_that_resolved_while_silenced_opens_no_incident(
    db: Database, clock: FakeClock, reader: int
) -> None:
    engine = build_engine(db, clock)
    silence(db, clock, "service=reader")
    fire(db, clock, reader, "blip")
    clock.advance(timedelta(minutes=5))
    resolve(db, clock, reader, "blip")
    clock.advance(timedelta(hours=1))
    assert engine.tick().done["holds"] == 0
    assert incidents(db) == []
    assert (alert(db, "blip").status, alert(db, "blip").held_by) == ("resolved", None)


def test_another_silence_still_in_force_takes_the_alert_over(
    db: Database, clock: FakeClock, reader: int
) -> None:
    engine = build_engine(db, clock)
    short = silence(db, clock, 'app="reader"', duration="30m")
    fire(db, clock, reader, "disk", app="reader", env="prod")
    long = silence(db, clock, 'env="prod"', duration="2h")
    clock.advance(timedelta(minutes=30))
    engine.tick()
    assert incidents(db) == []
    assert alert(db, "disk").held_by == f"silence:{long}" != f"silence:{short}"
    clock.advance(timedelta(minutes=90))
    engine.tick()
    assert len(incidents(db)) == 1


def test_released_alert_joins_the_open_incident_of_its_service(
    db: Database, clock: FakeClock, reader: int
) -> None:
    engine = build_engine(db, clock)
    silence(db, clock, 'app="reader"', duration="10m")
    fire(db, clock, reader, "quiet", app="reader")
    assert fire(db, clock, reader, "loud", app="other") == "created"
    clock.advance(timedelta(minutes=10))
    engine.tick()
    [incident] = incidents(db)
    assert incident.alert_count == 2
    assert alert(db, "quiet").incident_id == incident.id


def test_a_repeat_of_a_silenced_alert_stays_held(
    db: Database, clock: FakeClock, reader: int
) -> None:
    silence(db, clock, 'app="reader"')
    fire(db, clock, reader, "disk", app="reader")
    assert fire(db, clock, reader, "disk", app="reader") == "repeated"
    assert build_engine(db, clock).tick().done["holds"] == 0
    assert incidents(db) == []


@pytest.mark.parametrize(
    ("matchers", "start", "duration", "field", "words"),
    [
        (['app="reader"'], None, "0s", "duration", "longer than zero"),
        (['app="reader"'], "2h", "1h", "ends_at", "after it starts"),
        (['app=~"(unclosed"'], None, "1h", "matchers[0]", "invalid regular expression"),
        ([], None, "1h", "matchers", "at least one matcher"),
        (['app=~".*"'], None, "1h", "matchers", "match every alert"),
        (["no operator here"], None, "1h", "matchers[0]", "cannot read"),
    ],
)
def test_bad_silence_is_refused_naming_the_field_and_nothing_is_stored(
    db: Database,
    clock: FakeClock,
    matchers: list[str],
    start: str | None,
    duration: str,
    field: str,
    words: str,
) -> None:
    fields = {}
    if start == "2h":  # ends (now + 1h) before it starts (now + 2h)
        fields = {
            "starts_at": clock.now() + timedelta(hours=2),
            "ends_at": clock.now() + timedelta(hours=1),
        }
    else:
        fields = {"duration": duration}
    with pytest.raises(Invalid) as raised, db.transaction() as session:
        create_silence(
            session,
            SilenceRequest(matchers=matchers, reason="r", **fields),
            actor="user:ann",
            now=clock.now(),
        )
    found = {e.field: e.message for e in raised.value.errors}
    assert field in found and words in found[field]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Silence)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_every_problem_is_reported_at_once(db: Database, clock: FakeClock) -> None:
    with pytest.raises(Invalid) as raised, db.transaction() as session:
        create_silence(
            session,
            SilenceRequest(matchers=["x=~(", 'y="ok"', "=z"], reason="r"),
            actor="user:ann",
            now=clock.now(),
        )
    assert [e.field for e in raised.value.errors] == ["matchers[0]", "matchers[2]", "ends_at"]


def test_pending_silence_expired_before_it_starts_never_holds(
    db: Database, clock: FakeClock, reader: int
) -> None:
    with db.transaction() as session:
        pending = create_silence(
            session,
            SilenceRequest(
                matchers=['app="reader"'],
                starts_at=clock.now() + timedelta(hours=1),
                duration="1h",
                reason="deploy tonight",
            ),
            actor="user:ann",
            now=clock.now(),
        ).id
    with db.read() as session:
        assert [s.id for s in list_silences(session, clock.now())] == [pending]
        assert list_silences(session, clock.now(), ["active"]) == []
    with db.transaction() as session:
        expire_silence(session, pending, actor="user:ann", now=clock.now())
    with pytest.raises(Conflict), db.transaction() as session:
        expire_silence(session, pending, actor="user:ann", now=clock.now())
    clock.advance(timedelta(hours=1, minutes=30))
    assert fire(db, clock, reader, "disk", app="reader") == "created"
    with db.read() as session:
        assert [s.id for s in list_silences(session, clock.now(), ["expired"])] == [pending]
