"""Dedup, PagerDuty's trigger/acknowledge/resolve semantics, holds and grouping into incidents,
against a real database."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select

from onwatch.alerts import queries
from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Outcome, Routed, ingest
from onwatch.alerts.models import Alert, AlertEventRecord, AlertPolicy, MaintenanceWindow, Silence
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from onwatch.incidents.models import Incident, TimelineEntry
from tests.timeline import unruled


def _service(db: Database, clock: FakeClock, name: str = "reader") -> int:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name=name), actor="test", now=clock.now())
        return get_service(session, name).id


def _send(db: Database, service_id: int, now: datetime, *events: AlertEvent) -> list[Outcome]:
    with db.transaction() as session:
        return ingest(session, [Routed(service_id, "reader", e) for e in events],
                      integration_id=None, now=now)


def trigger(key: str, summary: str = "disk full", severity: str = "error",
            **labels: str) -> AlertEvent:
    return AlertEvent(action="trigger", dedup_key=key, summary=summary, severity=severity,
                      labels=labels)


def ack(key: str) -> AlertEvent:
    return AlertEvent(action="acknowledge", dedup_key=key)


def resolve(key: str) -> AlertEvent:
    return AlertEvent(action="resolve", dedup_key=key)


def _alerts(db: Database) -> list[Alert]:
    with db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def _incidents(db: Database) -> list[Incident]:
    with db.read() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def test_repeat_within_open_alert_increments_count(db: Database, clock: FakeClock) -> None:
    service = _service(db, clock)
    first = _send(db, service, clock.now(), trigger("k1"))
    later = clock.advance(timedelta(minutes=3))
    second = _send(db, service, later, trigger("k1", summary="disk still full"))
    assert [o.result for o in first + second] == ["created", "repeated"]
    [alert] = _alerts(db)
    assert (alert.count, alert.status, alert.summary) == (2, "firing", "disk still full")
    assert (alert.first_seen_at, alert.last_seen_at) == (clock.now() - timedelta(minutes=3),
                                                         later)
    assert len(_incidents(db)) == 1


def test_sixty_four_concurrent_triggers_with_one_key_make_one_alert(db: Database,
                                                                    clock: FakeClock) -> None:
    service = _service(db, clock)
    start = threading.Barrier(64)
    errors: list[BaseException] = []

    def send() -> None:
        start.wait()
        try:
            _send(db, service, clock.now(), trigger("storm"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    [alert] = _alerts(db)
    assert (alert.count, alert.event_count, alert.status) == (64, 64, "firing")
    [incident] = _incidents(db)
    assert incident.alert_count == 1


def test_concurrent_first_alerts_of_one_group_open_one_incident(db: Database,
                                                                clock: FakeClock) -> None:
    service = _service(db, clock)
    start = threading.Barrier(16)

    def send(i: int) -> None:
        start.wait()
        _send(db, service, clock.now(), trigger(f"key-{i}"))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [incident] = _incidents(db)
    assert incident.alert_count == 16
    assert {a.incident_id for a in _alerts(db)} == {incident.id}


def test_acknowledge_and_resolve_for_unknown_key_are_dropped(db: Database,
                                                            clock: FakeClock) -> None:
    service = _service(db, clock)
    outcomes = _send(db, service, clock.now(), ack("nope"), resolve("nope"))
    assert [o.result for o in outcomes] == ["dropped", "dropped"]
    assert _alerts(db) == []


def test_acknowledge_for_a_closed_key_is_dropped(db: Database, clock: FakeClock) -> None:
    service = _service(db, clock)
    _send(db, service, clock.now(), trigger("k"), resolve("k"))
    assert [o.result for o in _send(db, service, clock.now(), ack("k"))] == ["dropped"]


def test_trigger_after_resolve_opens_a_new_alert_and_incident(db: Database,
                                                              clock: FakeClock) -> None:
    service = _service(db, clock)
    _send(db, service, clock.now(), trigger("k"))
    _send(db, service, clock.advance(timedelta(minutes=1)), resolve("k"))
    outcome = _send(db, service, clock.advance(timedelta(minutes=1)), trigger("k"))
    assert outcome[0].result == "created"
    first, second = _alerts(db)
    assert (first.status, second.status, second.count) == ("resolved", "firing", 1)
    old, new = _incidents(db)
    assert (old.status, new.status) == ("resolved", "triggered")


def test_acknowledge_acknowledges_alert_and_incident(db: Database, clock: FakeClock) -> None:
    service = _service(db, clock)
    _send(db, service, clock.now(), trigger("k"))
    acked_at = clock.advance(timedelta(minutes=2))
    _send(db, service, acked_at, ack("k"))
    [alert] = _alerts(db)
    [incident] = _incidents(db)
    assert (alert.status, alert.acknowledged_at) == ("acknowledged", acked_at)
    assert (incident.status, incident.acknowledged_at) == ("acknowledged", acked_at)
    # A repeat trigger joins the acknowledged alert rather than re-opening it.
    assert _send(db, service, clock.now(), trigger("k"))[0].result == "repeated"
    assert _alerts(db)[0].status == "acknowledged"


def test_incident_resolves_when_its_last_alert_resolves(db: Database, clock: FakeClock) -> None:
    service = _service(db, clock)
    _send(db, service, clock.now(), trigger("a"), trigger("b", severity="critical"))
    [incident] = _incidents(db)
    assert (incident.alert_count, incident.severity) == (2, "sev1")
    _send(db, service, clock.advance(timedelta(minutes=5)), resolve("a"))
    assert _incidents(db)[0].status == "triggered"
    done_at = clock.advance(timedelta(minutes=5))
    _send(db, service, done_at, resolve("b"))
    [incident] = _incidents(db)
    assert (incident.status, incident.resolved_at) == ("resolved", done_at)
    with db.read() as session:
        kinds = list(session.scalars(select(TimelineEntry.kind).order_by(TimelineEntry.id)))
    assert unruled(kinds) == ["opened", "severity", "alert", "alert", "alert", "resolved"]


def test_incident_stays_open_without_auto_resolve(db: Database, clock: FakeClock) -> None:
    service = _service(db, clock)
    with db.transaction() as session:
        session.add(AlertPolicy(service_id=service, grouping={}, auto_resolve=False))
    _send(db, service, clock.now(), trigger("a"))
    _send(db, service, clock.now(), resolve("a"))
    assert _incidents(db)[0].status == "triggered"


def test_label_grouping_opens_one_incident_per_label_value(db: Database,
                                                           clock: FakeClock) -> None:
    service = _service(db, clock)
    with db.transaction() as session:
        session.add(AlertPolicy(service_id=service,
                                grouping={"mode": "labels", "labels": ["alertname"]}))
    _send(db, service, clock.now(), trigger("1", alertname="Latency"),
          trigger("2", alertname="Errors"), trigger("3", alertname="Latency"))
    incidents = _incidents(db)
    assert [i.alert_count for i in incidents] == [2, 1]


def test_time_window_grouping_opens_a_new_incident_after_the_window(db: Database,
                                                                    clock: FakeClock) -> None:
    service = _service(db, clock)
    with db.transaction() as session:
        session.add(AlertPolicy(service_id=service,
                                grouping={"mode": "time_window", "window": "30m"}))
    _send(db, service, clock.now(), trigger("1"))
    _send(db, service, clock.advance(timedelta(minutes=29)), trigger("2"))
    _send(db, service, clock.advance(timedelta(minutes=1)), trigger("3"))
    assert [i.alert_count for i in _incidents(db)] == [2, 1]


def test_silenced_alert_is_stored_but_opens_no_incident(db: Database, clock: FakeClock) -> None:
    service = _service(db, clock)
    with db.transaction() as session:
        silence = Silence(matchers={"matchers": ['app="reader"']}, starts_at=clock.now(),
                          ends_at=clock.now() + timedelta(hours=1), author="ann",
                          reason="known noise", created_at=clock.now())
        session.add(silence)
        session.flush()
        silence_id = silence.id
    outcomes = _send(db, service, clock.now(), trigger("1", app="reader"),
                     trigger("2", app="other"))
    assert [o.result for o in outcomes] == ["held", "created"]
    held, loud = _alerts(db)
    assert (held.held_by, held.incident_id) == (f"silence:{silence_id}", None)
    assert loud.incident_id is not None


def test_maintenance_window_holds_alerts_of_its_service(db: Database, clock: FakeClock) -> None:
    service = _service(db, clock)
    with db.transaction() as session:
        session.add(MaintenanceWindow(service_id=service, starts_at=clock.now(),
                                      ends_at=clock.now() + timedelta(hours=2),
                                      message="upgrade", author="ann", created_at=clock.now()))
    assert _send(db, service, clock.now(), trigger("1"))[0].result == "held"
    assert _incidents(db) == []


def test_events_kept_per_alert_are_bounded_but_counted(db: Database, clock: FakeClock) -> None:
    service = _service(db, clock)
    for batch in range(6):  # every trigger says something new, so each is kept as an event
        _send(db, service, clock.now(),
              *[trigger("busy", summary=f"disk {batch}/{n}") for n in range(25)])
    [alert] = _alerts(db)
    assert alert.event_count == 150
    with db.read() as session:
        kept = session.scalar(select(func.count()).select_from(AlertEventRecord))
    assert kept == 100


def _kept(db: Database, alert_id: int) -> list[tuple[str, str, int]]:
    """(action, summary, times in a row) of the alert's kept events, newest first."""
    with db.read() as session:
        alert = session.get(Alert, alert_id)
        events = queries.alert_events(session, alert_id)
        times = queries.event_repeats(events, alert.event_count)
    return [(e.action, e.summary, n) for e, n in zip(events, times, strict=True)]


def test_a_trigger_repeated_with_the_same_body_is_counted_on_the_event_it_repeats(
    db: Database, clock: FakeClock
) -> None:
    service = _service(db, clock)
    [first] = _send(db, service, clock.now(), trigger("k", summary="disk full"))
    for minute in range(1, 4):
        outcomes = _send(db, service, clock.now() + timedelta(minutes=minute),
                         trigger("k", summary="disk full"), trigger("k", summary="disk full"))
        assert [(o.result, o.alert_id, o.incident_id) for o in outcomes] == [
            ("repeated", first.alert_id, first.incident_id)] * 2
    [alert] = _alerts(db)
    assert (alert.count, alert.event_count) == (7, 7)
    assert alert.last_seen_at == clock.now() + timedelta(minutes=3)
    assert _kept(db, alert.id) == [("trigger", "disk full", 7)]


def test_a_changed_body_or_another_action_ends_a_run_of_repeats(
    db: Database, clock: FakeClock
) -> None:
    service = _service(db, clock)
    _send(db, service, clock.now(), trigger("k", summary="disk full"))
    _send(db, service, clock.now(), trigger("k", summary="disk full"))
    _send(db, service, clock.now(), trigger("k", summary="disk still full"),
          trigger("k", summary="disk still full"))
    _send(db, service, clock.now(), trigger("k", summary="disk still full"))
    _send(db, service, clock.now(), ack("k"))
    [outcome] = _send(db, service, clock.now(), trigger("k", summary="disk still full"))
    assert outcome.result == "repeated"
    [alert] = _alerts(db)
    assert (alert.count, alert.event_count, alert.summary) == (6, 7, "disk still full")
    assert _kept(db, alert.id) == [
        ("trigger", "disk still full", 1),  # after the acknowledge: news again
        ("acknowledge", "", 1),
        ("trigger", "disk still full", 2),  # the second of a pair, then once more
        ("trigger", "disk still full", 1),
        ("trigger", "disk full", 2),
    ]
