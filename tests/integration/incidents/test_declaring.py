"""Declaring an incident by hand: it opens on the service and pages its on-call through the
escalation policy, the timeline says who declared it and from where, it is audited; an
Idempotency-Key declares once; bad input names its field and stores nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.incidents.declaring import declare
from onwatch.incidents.models import Incident, TimelineEntry
from onwatch.notifications.models import Notification
from tests.integration.alerts.test_repeat_races import _waiting_for_a_lock
from tests.integration.escalation.helpers import engine, load, pages


def _declare(db: Database, clock: FakeClock, key: str | None = None, **fields: object) -> tuple:
    values: dict = {"service": "api", "title": "Checkout fails for everyone", "severity": "sev2"}
    values.update(fields)
    with db.transaction() as session:
        declared = declare(
            session, **values, actor="user:ann", source="api", now=clock.now(), key=key
        )
        return declared.incident.id, declared.created


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_declared_incident_pages_the_services_on_call_through_its_policy(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    incident_id, created = _declare(db, clock, priority="P2", summary="  Orders fail.  ")
    assert created
    engine(db, clock).tick()
    assert [who for _, who in pages(db, incident_id)] == ["ann"]
    with db.read() as session:
        incident = session.get_one(Incident, incident_id)
        assert (incident.status, incident.severity, incident.priority, incident.summary) == (
            "triggered", "sev2", "p2", "Orders fail.",
        )  # fmt: skip
        assert incident.auto_resolve is False
        [opened] = session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.incident_id == incident_id, TimelineEntry.kind == "opened"
            )
        )
        assert (opened.actor, opened.source) == ("user:ann", "api")
        assert opened.text == "Declared from the API: Checkout fails for everyone"
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "incident.declare"))
        assert (entry.actor, entry.entity_key) == ("user:ann", str(incident_id))
        assert entry.after["source"] == "api"


def test_the_same_key_twice_returns_the_same_incident_and_pages_once(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    first, created = _declare(db, clock, key="8c1b2f4e-key")
    clock.advance(timedelta(minutes=1))
    again, replayed = _declare(db, clock, key="8c1b2f4e-key")
    assert (again, created, replayed) == (first, True, False)
    engine(db, clock).tick()
    assert _count(db, Incident) == 1
    assert len(pages(db, first)) == 1


def test_the_same_key_with_another_body_is_refused_naming_the_key(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    first, _ = _declare(db, clock, key="k-1")
    with pytest.raises(Invalid) as refused:
        _declare(db, clock, key="k-1", title="Something else")
    [error] = refused.value.errors
    assert error.field == "Idempotency-Key"
    assert f"incident {first}" in error.message
    assert _count(db, Incident) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service": "nope"}, "service"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 1025}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"severity": "sev9"}, "severity"),
        ({"priority": "urgent"}, "priority"),
        ({"summary": "bad \ud800"}, "summary"),
    ],
)
def test_bad_input_names_its_field_and_stores_nothing(
    db: Database, clock: FakeClock, fields: dict, field: str
) -> None:
    load(db, clock)
    audited = _count(db, AuditEntry)
    with pytest.raises(Invalid) as refused:
        _declare(db, clock, **fields)
    assert [e.field for e in refused.value.errors] == [field]
    counts = (_count(db, Incident), _count(db, TimelineEntry), _count(db, Notification))
    assert counts == (0, 0, 0)
    assert _count(db, AuditEntry) == audited


def test_a_malformed_key_is_refused_before_anything_is_written(
    db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    for key in ("", "has space", "k" * 256, "é"):
        with pytest.raises(Invalid) as refused:
            _declare(db, clock, key=key)
        assert refused.value.errors[0].field == "Idempotency-Key"
    assert _count(db, Incident) == 0


def test_two_requests_racing_with_one_key_open_one_incident(
    postgresql_db: Database, clock: FakeClock
) -> None:
    db = postgresql_db
    load(db, clock)
    results: list[tuple] = []

    def second() -> None:
        results.append(_declare(db, clock, key="race"))

    with db.transaction() as session:
        first = declare(
            session, service="api", title="Checkout fails for everyone", severity="sev2",
            actor="user:ann", source="api", now=clock.now(), key="race",
        )  # fmt: skip
        racer = threading.Thread(target=second)
        racer.start()
        assert _waiting_for_a_lock(db, racer), "the second declaration did not wait"
        first_id = first.incident.id
    racer.join()
    assert results == [(first_id, False)]
    assert _count(db, Incident) == 1
    engine(db, clock).tick()
    assert len(pages(db, first_id)) == 1
